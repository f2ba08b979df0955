/**
 * The whole simulation: one scan, then every scenario on its results.
 * Pure apart from the worker threads and the clock; the same options give
 * the same figures (times aside).
 */
import { availableParallelism } from 'node:os'
import { bucketMinFreeBytes, REPLICAS } from '../../core/index.js'
import { EPOCH_CHANGE_THRESHOLD, epochChanged } from '../../registry/index.js'
import { type EpochSequence, runEpochSequences } from './epochs.js'
import {
  addResult,
  type Copies,
  cloneCopies,
  emptyResult,
  idealMoves,
  initialCopies,
  maintain,
  placementDebt,
  type SimHolder,
  simHolders
} from './owner-model.js'
import { makePopulation, type Population } from './population.js'
import { SeededRandom } from './random.js'
import { baseView, memberIds, Ranker, type View, ViewRanking } from './ranking.js'
import { type ScanInput, scan } from './scan.js'
import { type ChiSquare, chiSquare } from './stats.js'

export interface SimOptions {
  holders: number
  chunks: number
  /** owners; each owns chunks/owners chunks @default holders / 10 */
  owners?: number
  seed: string | number
  /** scan threads; 0 scans in this thread @default min(4, cores) */
  workers?: number
  /** share of holders that leave, and of new ones that join, in the churn scenarios @default 0.1 */
  churn?: number
  /** membership events one registry refresh sees in the sequences @default 10 */
  eventsPerRefresh?: number
  /** starting holders kept per chunk by the scan @default 16 */
  topK?: number
  /** ranks handed to planChunk @default 6 */
  prefix?: number
}

export interface ClassLoad {
  name: string
  holders: number
  meanCopies: number
  /** mean bytes assigned per holder */
  meanBytes: number
  /** mean free bytes the holders' buckets promise */
  meanPromisedBytes: number
  /** holders assigned more bytes than their bucket promises */
  overflowing: number
}

export interface Uniformity {
  eligible: number
  ineligible: number
  copies: number
  /** copies on holders whose bucket cannot fit the chunk (must be 0) */
  copiesOnIneligible: number
  expectedPerHolder: number
  chiSquare: ChiSquare
  maxLoad: number
  minLoad: number
  maxOverMin: number
  maxOverMean: number
  minOverMean: number
  classes: ClassLoad[]
  /** the same chunks under capacity-weighted rendezvous (w = promised free bytes): a what-if */
  weightedClasses: ClassLoad[]
  /** χ² of the weighted placement's loads against the uniform expectation (shows the statistic can reject) */
  weightedChiSquareVsUniform: ChiSquare
}

export interface Movement {
  scenario: string
  membersBefore: number
  membersAfter: number
  refreshes: number
  epochsFired: number
  /** copies stored by the owners' passes as the registry drove them (repair; rebalance on an epoch) */
  moved: number
  /** the least movement that reaches the rendezvous placement over the final view */
  ideal: number
  /** (moved − ideal) / ideal; negative when part of the movement is still owed */
  excess: number
  released: number
  /** primaries still without a copy when the passes are done (owed until the next epoch) */
  debtCopies: number
  /** copies stored if one more rebalance ran now, and the total with it */
  movedByFinalRebalance: number
  totalWithRebalance: number
  excessWithRebalance: number
  /** the fewest copies any chunk had after any pass (2 unless a store failed) */
  minCopies: number
}

export interface Repair {
  lost: string
  holderCopies: number
  resent: number
  bytes: number
  receivers: number
  maxPerReceiver: number
  senders: number
  failed: number
}

export interface SimResult {
  params: Required<SimOptions> & { epochThreshold: number; newcomers: number }
  uniformity: Uniformity
  movement: Movement[]
  repair: Repair[]
  epochs: EpochSequence[]
  run: {
    totalMs: number
    scanMs: number
    pairs: number
    nsPerPair: number
    cpuMs: number
    maxRssMiB: number
    fallbacks: number
  }
}

function countLoads(pop: Population, copies: Copies): Int32Array {
  const loads = new Int32Array(pop.universe)
  for (const c of copies) for (const h of c) loads[h] = (loads[h] as number) + 1
  return loads
}

function bytesPerHolder(pop: Population, placement: ArrayLike<number>[]): Float64Array {
  const bytes = new Float64Array(pop.universe)
  placement.forEach((hs, c) => {
    for (let k = 0; k < hs.length; k++) {
      const h = hs[k] as number
      if (h >= 0) bytes[h] = (bytes[h] as number) + (pop.chunkSize[c] as number)
    }
  })
  return bytes
}

function classLoads(pop: Population, loads: ArrayLike<number>, bytes: Float64Array): ClassLoad[] {
  return pop.mix.map((m, ci) => {
    let holders = 0
    let copies = 0
    let sumBytes = 0
    let promised = 0
    let overflowing = 0
    for (let h = 0; h < pop.base; h++) {
      if (pop.classOf[h] !== ci) continue
      holders++
      copies += loads[h] as number
      sumBytes += bytes[h] as number
      const free = bucketMinFreeBytes(pop.buckets[h] as number)
      promised += free
      if ((bytes[h] as number) > free) overflowing++
    }
    const d = Math.max(1, holders)
    return { name: m.name, holders, meanCopies: copies / d, meanBytes: sumBytes / d, meanPromisedBytes: promised / d, overflowing }
  })
}

function uniformity(pop: Population, copies: Copies, weighted: Int32Array[]): Uniformity {
  const loads = countLoads(pop, copies)
  const minBuckets = new Set(pop.chunkMinBucket)
  if (minBuckets.size !== 1) throw new Error('chunks of different eligibility: the expectation below assumes one class')
  const minBucket = pop.chunkMinBucket[0] as number
  let eligible = 0
  for (let h = 0; h < pop.base; h++) if ((pop.buckets[h] as number) >= minBucket) eligible++
  // Expected copies of holder i: each chunk puts its two copies on two of the m eligible holders
  // other than its owner, uniformly: 2/m for every chunk that i is eligible for and does not own.
  const expected = new Float64Array(pop.base)
  let everyone = 0
  for (let c = 0; c < pop.chunks; c++) {
    const owner = pop.chunkOwner[c] as number
    const ownerEligible = (pop.buckets[owner] as number) >= minBucket
    const m = eligible - (ownerEligible ? 1 : 0)
    const share = Math.min(REPLICAS, m) / m
    everyone += share
    if (ownerEligible) expected[owner] = (expected[owner] as number) - share
  }
  let copiesOnIneligible = 0
  let maxLoad = 0
  let minLoad = Number.POSITIVE_INFINITY
  let total = 0
  const observed = new Float64Array(pop.base)
  for (let h = 0; h < pop.base; h++) {
    const load = loads[h] as number
    observed[h] = load
    total += load
    if ((pop.buckets[h] as number) < minBucket) {
      expected[h] = 0
      copiesOnIneligible += load
      continue
    }
    expected[h] = (expected[h] as number) + everyone
    maxLoad = Math.max(maxLoad, load)
    minLoad = Math.min(minLoad, load)
  }
  const mean = total / eligible
  const weightedLoads = new Int32Array(pop.universe)
  for (const pair of weighted) for (const h of pair) if (h >= 0) weightedLoads[h] = (weightedLoads[h] as number) + 1
  return {
    eligible,
    ineligible: pop.base - eligible,
    copies: total,
    copiesOnIneligible,
    expectedPerHolder: mean,
    chiSquare: chiSquare(observed, expected),
    maxLoad,
    minLoad,
    maxOverMin: minLoad > 0 ? maxLoad / minLoad : Number.POSITIVE_INFINITY,
    maxOverMean: maxLoad / mean,
    minOverMean: minLoad / mean,
    classes: classLoads(pop, loads, bytesPerHolder(pop, copies)),
    weightedClasses: classLoads(pop, weightedLoads, bytesPerHolder(pop, weighted)),
    weightedChiSquareVsUniform: chiSquare(Float64Array.from(weightedLoads.subarray(0, pop.base)), expected)
  }
}

/** One owner-side history: a membership that changes event by event, a refresh (epoch rule and one maintenance pass) when told. */
class Driver {
  readonly ranking: ViewRanking
  readonly copies: Copies
  epochBase: string[]
  epochsFired = 0
  refreshes = 0
  minCopies = Number.POSITIVE_INFINITY
  readonly passes = emptyResult()

  constructor(
    private readonly pop: Population,
    ranker: Ranker,
    private readonly holders: SimHolder[],
    placed: Copies,
    private readonly threshold: number,
    start: View
  ) {
    this.ranking = new ViewRanking(ranker, start)
    this.copies = cloneCopies(placed)
    this.epochBase = memberIds(pop, start)
  }

  refresh(): void {
    this.refreshes++
    const ids = memberIds(this.pop, this.ranking.view)
    const fired = epochChanged(this.epochBase, ids, this.threshold)
    if (fired) {
      this.epochsFired++
      this.epochBase = ids
    }
    // onChange schedules a repair, onEpoch a rebalance; the maintenance queue merges them into one pass
    addResult(this.passes, maintain(this.pop, this.ranking, this.holders, this.copies, fired))
    for (const c of this.copies) this.minCopies = Math.min(this.minCopies, c.length)
  }

  summary(scenario: string, placed: Copies, start: View): Movement {
    const ideal = idealMoves(this.pop, this.ranking, placed)
    const debt = placementDebt(this.pop, this.ranking, this.copies)
    const rebalanced = maintain(this.pop, this.ranking, this.holders, cloneCopies(this.copies), true)
    const total = this.passes.stored + rebalanced.stored
    const rel = (x: number) => (ideal === 0 ? (x === 0 ? 0 : Number.POSITIVE_INFINITY) : (x - ideal) / ideal)
    const count = (v: View) => v.alive.reduce((a, b) => a + b, 0)
    return {
      scenario,
      membersBefore: count(start),
      membersAfter: count(this.ranking.view),
      refreshes: this.refreshes,
      epochsFired: this.epochsFired,
      moved: this.passes.stored,
      ideal,
      excess: rel(this.passes.stored),
      released: this.passes.released,
      debtCopies: debt.copies,
      movedByFinalRebalance: rebalanced.stored,
      totalWithRebalance: total,
      excessWithRebalance: rel(total),
      minCopies: this.minCopies
    }
  }
}

/** The scan's input for a population: flat arrays, weights for the weighted what-if. */
export function scanInput(pop: Population, topK: number, prefix: number): ScanInput {
  const peerIds = new Uint8Array(pop.universe * 38)
  pop.peerIds.forEach((id, i) => {
    peerIds.set(id, i * 38)
  })
  const weights = new Float64Array(pop.universe)
  for (let h = 0; h < pop.base; h++) weights[h] = bucketMinFreeBytes(pop.buckets[h] as number)
  return {
    peerIds,
    universe: pop.universe,
    base: pop.base,
    buckets: pop.buckets,
    tieRank: pop.tieRank,
    weights,
    chunkIds: pop.chunkIds,
    chunkOwner: pop.chunkOwner,
    chunkMinBucket: pop.chunkMinBucket,
    topK,
    prefix
  }
}

export async function simulate(options: SimOptions): Promise<SimResult> {
  const started = performance.now()
  const cpu0 = process.cpuUsage()
  const params = {
    holders: options.holders,
    chunks: options.chunks,
    owners: options.owners ?? Math.max(1, Math.floor(options.holders / 10)),
    seed: options.seed,
    workers: options.workers ?? Math.min(4, availableParallelism()),
    churn: options.churn ?? 0.1,
    eventsPerRefresh: options.eventsPerRefresh ?? 10,
    topK: options.topK ?? 16,
    prefix: options.prefix ?? 6,
    epochThreshold: EPOCH_CHANGE_THRESHOLD,
    newcomers: 0
  }
  const churnCount = Math.max(1, Math.round(params.churn * params.holders))
  params.newcomers = churnCount
  const pop = makePopulation({ holders: params.holders, newcomers: churnCount, chunks: params.chunks, owners: params.owners, seed: params.seed })

  const input = scanInput(pop, params.topK, params.prefix)
  const scanStart = performance.now()
  const parts = await scan(input, pop.chunks, params.workers)
  const scanMs = performance.now() - scanStart
  const ranker = new Ranker(pop, input, parts)
  const holders = simHolders(pop)
  const start = baseView(pop)
  const placed = initialCopies(pop, new ViewRanking(ranker, start))
  const weighted: Int32Array[] = []
  for (const p of parts) for (let c = p.start; c < p.end; c++) weighted.push(p.weighted.subarray((c - p.start) * 2, (c - p.start) * 2 + 2))

  const rng = new SeededRandom(params.seed, 'churn')
  const owners = new Set(pop.owners)
  const nonOwners = Array.from({ length: pop.base }, (_, i) => i).filter(i => !owners.has(i))
  const leavers = rng.sample(nonOwners, Math.min(churnCount, nonOwners.length))
  const movement: Movement[] = []
  const threshold = params.epochThreshold
  const churnName = `churn ${Math.round(params.churn * 100)}%`
  const driver = (t = threshold) => new Driver(pop, ranker, holders, placed, t, start)

  // one holder joins (the first newcomer); one leaves; 10% leave and 10% join; each seen by one refresh
  const join = driver()
  join.ranking.join()
  join.refresh()
  movement.push(join.summary('join 1', placed, start))
  const leave = driver()
  leave.ranking.leave(leavers[0] as number)
  leave.refresh()
  movement.push(leave.summary('leave 1', placed, start))
  const churn = driver()
  for (const h of leavers) churn.ranking.leave(h)
  for (let j = 0; j < churnCount; j++) churn.ranking.join()
  churn.refresh()
  movement.push(churn.summary(`${churnName} (one refresh)`, placed, start))

  // the same churn as it trickles in, eventsPerRefresh events per refresh: with the registry's
  // epoch threshold, and two what-ifs on either side of it: a rebalance after every change
  // (threshold 0), and none until the end (no epoch; repairs only)
  const events = rng.shuffle([...leavers, ...Array.from({ length: churnCount }, () => -1)])
  for (const [label, t] of [
    ['', threshold],
    [', what-if: rebalance every refresh', 0],
    [', what-if: repairs only, rebalance at the end', Number.POSITIVE_INFINITY]
  ] as const) {
    const d = driver(t)
    for (let e = 0; e < events.length; e += params.eventsPerRefresh) {
      for (const h of events.slice(e, e + params.eventsPerRefresh)) {
        if (h >= 0) d.ranking.leave(h)
        else d.ranking.join()
      }
      d.refresh()
    }
    movement.push(d.summary(`${churnName} (${params.eventsPerRefresh} events per refresh${label})`, placed, start))
  }

  // repair traffic after one holder is lost: a random one, and the most loaded one
  const loads = countLoads(pop, placed)
  let busiest = -1
  for (const h of nonOwners) if (busiest < 0 || (loads[h] as number) > (loads[busiest] as number)) busiest = h
  const repair: Repair[] = []
  for (const [lost, h] of [
    ['a random holder', leavers[0] as number],
    ['the most loaded holder', busiest]
  ] as const) {
    const ranking = new ViewRanking(ranker, start)
    ranking.leave(h)
    const r = maintain(pop, ranking, holders, cloneCopies(placed), false)
    repair.push({
      lost,
      holderCopies: loads[h] as number,
      resent: r.stored,
      bytes: r.bytes,
      receivers: r.receivers.size,
      maxPerReceiver: Math.max(0, ...r.receivers.values()),
      senders: r.senders.size,
      failed: r.failed
    })
  }

  const epochs = runEpochSequences(params.holders, params.eventsPerRefresh, threshold, new SeededRandom(params.seed, 'epochs'))
  const cpu = process.cpuUsage(cpu0)
  const pairs = pop.chunks * pop.universe
  return {
    params,
    uniformity: uniformity(pop, placed, weighted),
    movement,
    repair,
    epochs,
    run: {
      totalMs: performance.now() - started,
      scanMs,
      pairs,
      nsPerPair: (scanMs * 1e6) / pairs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      fallbacks: ranker.fallbacks
    }
  }
}
