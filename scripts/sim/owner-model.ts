/**
 * What the owners do after a membership change, run the way
 * `Repairer.run` runs it, with `planChunk` itself deciding every chunk:
 *
 * 1. copies on holders that are no longer members are dropped (the copy book's `dropHolder`);
 * 2. each chunk is planned with `planChunk(ranked, have, down, rebalance)` over its
 *    ranking among the current members (the owner left out);
 * 3. the first `want` candidates get a new copy (every store succeeds here);
 * 4. in a rebalance, once both primaries hold a copy, the other copies are released.
 *
 * `planChunk` gets the first `prefix` entries of the ranking rather than all
 * of them: its `want` and `top` depend only on the first two, and the first
 * `want` (≤ 2) candidates are the best-ranked holders outside `have` (≤ 2
 * copies), so they lie within the first four. A run that ever needed more
 * throws rather than guess. The test checks the prefix against full rankings.
 *
 * Simplifications: every owner sees the same view at the same time, every
 * holder answers (no `down`), leases never run out, and the owner sends each
 * new copy from its local copy.
 */
import { REPLICAS } from '../../core/index.js'
import { planChunk } from '../../owner/index.js'
import type { Population } from './population.js'
import type { ViewRanking } from './ranking.js'

/** A holder as the owner sees it (planChunk's own parameter type, so a refactor of owner/ cannot drift from it). */
type HolderInfo = Parameters<typeof planChunk>[0][number]

/** A holder as the owner sees it, plus its index in the simulation. */
export interface SimHolder extends HolderInfo {
  index: number
}

export function simHolders(pop: Population): SimHolder[] {
  return pop.peerIds.map((peerId, index) => ({ peerId, capacityBucket: pop.buckets[index] as number, peerIdString: pop.peerIdStrings[index] as string, index }))
}

/** Where each chunk's copies are: holder indices per chunk. */
export type Copies = number[][]

export interface MaintenanceResult {
  /** copies dropped because their holder is no longer a member */
  dropped: number
  /** new copies stored */
  stored: number
  /** bytes of the new copies */
  bytes: number
  /** surplus copies released after a rebalance */
  released: number
  /** copies that could not be placed (no eligible holder left) */
  failed: number
  /** new copies per receiving holder */
  receivers: Map<number, number>
  /** owners that sent copies */
  senders: Set<number>
  /** chunks planned (planChunk calls) */
  planned: number
}

export function emptyResult(): MaintenanceResult {
  return { dropped: 0, stored: 0, bytes: 0, released: 0, failed: 0, receivers: new Map(), senders: new Set(), planned: 0 }
}

export function addResult(into: MaintenanceResult, r: MaintenanceResult): void {
  into.dropped += r.dropped
  into.stored += r.stored
  into.bytes += r.bytes
  into.released += r.released
  into.failed += r.failed
  into.planned += r.planned
  for (const [h, n] of r.receivers) into.receivers.set(h, (into.receivers.get(h) ?? 0) + n)
  for (const s of r.senders) into.senders.add(s)
}

/** The copies a put leaves: each chunk at its two primaries over `view`. */
export function initialCopies(pop: Population, ranking: ViewRanking): Copies {
  const out: Copies = []
  for (let c = 0; c < pop.chunks; c++) out.push(ranking.prefix(c).slice(0, REPLICAS))
  return out
}

/** One maintenance pass of every owner over the view of `ranking`; mutates `copies`. */
export function maintain(pop: Population, ranking: ViewRanking, holders: SimHolder[], copies: Copies, rebalance: boolean): MaintenanceResult {
  const result = emptyResult()
  const never = () => false
  const view = ranking.view
  for (let c = 0; c < pop.chunks; c++) {
    const before = copies[c] as number[]
    const have = before.every(h => view.alive[h] === 1) ? before : before.filter(h => view.alive[h] === 1)
    result.dropped += before.length - have.length
    // Without a rebalance, planChunk asks nothing of a chunk with its two copies (deficit 0, and no
    // release): skipping those calls changes no outcome and saves most of them.
    if (!rebalance && have.length >= REPLICAS) {
      copies[c] = have
      continue
    }
    const order = ranking.prefix(c)
    // Likewise in a rebalance for a chunk whose two copies are its two primaries: no deficit,
    // nothing misplaced, no surplus. Only the other chunks go through planChunk.
    if (rebalance && have.length === REPLICAS && have.includes(order[0] as number) && have.includes(order[1] as number)) {
      copies[c] = have
      continue
    }
    result.planned++
    const ranked = order.map(i => holders[i] as SimHolder)
    const haveIds = new Set(have.map(h => pop.peerIdStrings[h] as string))
    const plan = planChunk(ranked, haveIds, never, rebalance)
    const picks = plan.candidates.slice(0, plan.want) as SimHolder[]
    if (picks.length < plan.want && ranked.length === ranking.prefixLength) {
      throw new Error(`chunk ${c}: planChunk wants ${plan.want} copies beyond the first ${ranked.length} ranks; raise the prefix`)
    }
    result.failed += plan.want - picks.length
    const now = [...have]
    for (const h of picks) {
      now.push(h.index)
      result.stored++
      result.bytes += pop.chunkSize[c] as number
      result.receivers.set(h.index, (result.receivers.get(h.index) ?? 0) + 1)
      result.senders.add(pop.chunkOwner[c] as number)
    }
    if (rebalance && plan.top.length === REPLICAS) {
      const nowIds = now.map(h => pop.peerIdStrings[h] as string)
      if (plan.top.every(t => nowIds.includes(t))) {
        const keep = now.filter(h => plan.top.includes(pop.peerIdStrings[h] as string))
        result.released += now.length - keep.length
        copies[c] = keep
        continue
      }
    }
    copies[c] = now
  }
  return result
}

/**
 * The least movement that reaches the placement rendezvous asks for over
 * `view`: per chunk, the primaries that do not already hold a surviving copy
 * of `from`. That is one copy for each copy whose holder left, and one for
 * each newcomer that now ranks in the chunk's top two.
 */
export function idealMoves(pop: Population, ranking: ViewRanking, from: Copies): number {
  let moves = 0
  for (let c = 0; c < pop.chunks; c++) {
    const had = from[c] as number[]
    for (const p of ranking.prefix(c).slice(0, REPLICAS)) if (!had.includes(p)) moves++
  }
  return moves
}

/** Copies still owed: primaries over `view` that hold no copy. */
export function placementDebt(pop: Population, ranking: ViewRanking, copies: Copies): { copies: number; chunks: number } {
  let owed = 0
  let chunks = 0
  for (let c = 0; c < pop.chunks; c++) {
    const have = copies[c] as number[]
    let miss = 0
    for (const p of ranking.prefix(c).slice(0, REPLICAS)) if (!have.includes(p)) miss++
    owed += miss
    if (miss > 0) chunks++
  }
  return { copies: owed, chunks }
}

export function cloneCopies(copies: Copies): Copies {
  return copies.map(c => [...c])
}
