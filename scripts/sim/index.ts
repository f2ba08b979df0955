/**
 * @packageDocumentation
 * An in-process simulation of a large mesh, running meshkeep's own rules:
 * the rendezvous ranking of core/placement (scored by an exact, faster
 * kernel), the owner's `planChunk` repair/rebalance rule and the registry's
 * `epochChanged`. No sockets, no storage; a seed makes every run repeat.
 *
 * - `makePopulation`: holders with a mix of capacity buckets, owners, chunks;
 * - `scan`: one pass over every (chunk, holder) pair (worker threads);
 * - `Ranker`: exact rankings over any later membership from that pass;
 * - `maintain`: one repair/rebalance pass of every owner;
 * - `simulate`: every scenario, as `npm run sim` reports it.
 *
 * @example
 * ```ts
 * const result = await simulate({ holders: 1000, chunks: 20_000, seed: 1 })
 * console.log(markdown(result))
 * ```
 */
export { type EpochSequence, runEpochSequences } from './epochs.js'
export {
  type Copies,
  cloneCopies,
  idealMoves,
  initialCopies,
  type MaintenanceResult,
  maintain,
  placementDebt,
  type SimHolder,
  simHolders
} from './owner-model.js'
export { type CapacityClass, chunkId, DEFAULT_CAPACITY_MIX, makePopulation, type Population, type PopulationInit } from './population.js'
export { SeededRandom } from './random.js'
export { baseView, cloneView, memberIds, Ranker, type View, ViewRanking } from './ranking.js'
export { markdown } from './report.js'
export { better, type ScanInput, type ScanOutput, scan, scanRange, weightedKey } from './scan.js'
export { isKernelPeerId, ScoreKernel } from './score.js'
export { type Movement, type Repair, type SimOptions, type SimResult, scanInput, simulate, type Uniformity } from './simulate.js'
export { type ChiSquare, chiSquare, chiSquarePValue, chiSquareQuantile } from './stats.js'
