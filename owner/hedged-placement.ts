import type { Queue } from '@libp2p/utils'
import { MeshkeepError } from '../core/index.js'
import { batchesByHolder, type PlaceCounters, type Placer } from './placer.js'
import type { HolderInfo } from './types.js'

/** One chunk to place: where it may go (best first) and how many more attested copies it needs. */
export interface PlacementJob {
  chunk: { id: Uint8Array; bytes: Uint8Array }
  /** candidate holders, best first (rendezvous order, holders of a counting copy left out) */
  ranked: HolderInfo[]
  /** attested copies still missing */
  needed: number
}

export interface HedgeInit {
  /** an exchange running this many times the median time per byte of finished ones gets its chunks sent to a further holder as well */
  factor: number
  /** an exchange younger than this is never hedged, ms */
  minMs: number
  /** finished exchanges needed before any exchange is hedged */
  minSamples: number
  /** how often running exchanges are checked, ms */
  tickMs: number
}

export const DEFAULT_HEDGE: HedgeInit = { factor: 3, minMs: 400, minSamples: 3, tickMs: 25 }

/** How many recent exchanges the median is taken over. */
const SAMPLES_KEPT = 64
/** Weight of a holder's newest exchange in its average time per byte. */
const HOLDER_WEIGHT = 0.3

/**
 * Times of the store exchanges of one distribution, per byte: the yardstick
 * for "this exchange is taking far longer than its peers", and, per holder,
 * which holders have been far slower than the rest during this put.
 */
export class ExchangeTimes {
  readonly init: HedgeInit
  private readonly perByte: number[] = []
  /** per holder: a weighted average of its time per byte (an exchange that had to be hedged raises it to at least what it took so far) */
  private readonly byHolder = new Map<string, number>()

  /** @param init the hedging rule; `false` never hedges (placement then follows the ranking alone) */
  constructor(init: HedgeInit | false = DEFAULT_HEDGE) {
    this.init = init === false ? { ...DEFAULT_HEDGE, minSamples: Number.POSITIVE_INFINITY } : init
  }

  /** A finished exchange with `holder`. */
  add(ms: number, bytes: number, holder?: string): void {
    const r = ms / Math.max(1, bytes)
    this.perByte.push(r)
    if (this.perByte.length > SAMPLES_KEPT) this.perByte.shift()
    // a weighted average, so one quick small exchange does not clear a holder seen slow
    if (holder !== undefined) {
      const prev = this.byHolder.get(holder)
      this.byHolder.set(holder, prev === undefined ? r : prev + HOLDER_WEIGHT * (r - prev))
    }
  }

  /** An exchange with `holder` has run `ms` on `bytes` and is still running: it is at least that slow. */
  atLeast(ms: number, bytes: number, holder: string): void {
    const r = ms / Math.max(1, bytes)
    if (r > (this.byHolder.get(holder) ?? 0)) this.byHolder.set(holder, r)
  }

  private median(): number | undefined {
    if (this.perByte.length < this.init.minSamples) return undefined
    const sorted = [...this.perByte].sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 2)] as number
  }

  /** How long an exchange of `bytes` may run before it is hedged, ms; undefined while too few exchanges finished. */
  hedgeAfterMs(bytes: number): number | undefined {
    const median = this.median()
    return median === undefined ? undefined : Math.max(this.init.minMs, this.init.factor * median * bytes)
  }

  /** Whether `holder` has been `factor` times slower than the median during this distribution. */
  isSlow(holder: string): boolean {
    const median = this.median()
    const r = this.byHolder.get(holder)
    return median !== undefined && r !== undefined && r > this.init.factor * median
  }
}

export interface HedgedPlacementContext {
  placer: Placer
  /** store exchanges in flight at once, shared by every window of the distribution */
  exchanges: Queue<boolean[] | undefined>
  times: ExchangeTimes
  counters: PlaceCounters & { fallbacks: number; hedges: number; cancelled: number; released: number }
  signal: AbortSignal
}

interface JobState extends PlacementJob {
  /** copies this chunk still needed when placement began */
  target: number
  /** holders that attested a copy during this placement */
  placedAt: string[]
  tried: Set<string>
  /** exchanges in flight that carry this chunk */
  pending: Set<Attempt>
}

interface Attempt {
  holder: HolderInfo
  jobs: JobState[]
  bytes: number
  /** when the exchange left the queue and started, ms (0 while queued) */
  started: number
  controller: AbortController
  hedged: boolean
}

/**
 * Places every job's missing copies, Storj-style long-tail cancellation:
 *
 * - each chunk first goes to its best untried holders, batched per holder;
 * - an exchange that runs `factor` times longer than the median exchange of
 *   this distribution (per byte) is hedged: its chunks are sent to their
 *   next-ranked holders as well, and whichever copy is attested first counts;
 * - an exchange all of whose chunks have their copies elsewhere is
 *   cancelled, so a slow holder stops taking bandwidth and exchange slots;
 * - a refusal or failure moves the chunk to its next holder at once.
 *
 * - a holder hedged once (or seen that slow) goes to the end of every later
 *   chunk's list for the rest of this put, so it stops taking a share.
 *
 * One slow holder therefore delays a put by about one hedge delay, not by
 * its whole share of the bytes. Chunks it would have led sit on their next
 * holders instead (repair and rebalancing keep them there or move them;
 * both count any two copies). A cancelled store may leave bytes at the
 * slow holder without a receipt; its lease collects them.
 */
export async function placeHedged(jobs: PlacementJob[], ctx: HedgedPlacementContext): Promise<void> {
  const states: JobState[] = jobs.filter(j => j.needed > 0).map(j => ({ ...j, target: j.needed, placedAt: [], tried: new Set(), pending: new Set() }))
  if (states.length === 0) return
  const running = new Set<Attempt>()
  let failure: { err: unknown } | undefined
  let wake: (() => void) | undefined

  // the best untried holder, those found far slower than the rest during this put last
  const next = (job: JobState): HolderInfo | undefined =>
    job.ranked.find(h => !job.tried.has(h.peerIdString) && !ctx.times.isSlow(h.peerIdString)) ?? job.ranked.find(h => !job.tried.has(h.peerIdString))

  const launch = (picks: Array<{ holder: HolderInfo; job: JobState }>): void => {
    for (const b of batchesByHolder(picks)) {
      const attempt: Attempt = {
        holder: b.holder,
        jobs: b.jobs,
        bytes: b.jobs.reduce((n, j) => n + j.chunk.bytes.length, 0),
        started: 0,
        controller: new AbortController(),
        hedged: false
      }
      for (const j of b.jobs) j.pending.add(attempt)
      running.add(attempt)
      const signal = AbortSignal.any([ctx.signal, attempt.controller.signal])
      ctx.exchanges
        .add(
          async () => {
            signal.throwIfAborted()
            // queued before its holder turned out slow: hand its chunks to their next holders instead
            if (ctx.times.isSlow(attempt.holder.peerIdString) && attempt.jobs.every(j => next(j) !== undefined)) {
              ctx.counters.cancelled++
              return undefined
            }
            attempt.started = Date.now()
            return ctx.placer.storeAt(
              attempt.holder,
              attempt.jobs.map(j => j.chunk),
              signal,
              ctx.counters
            )
          },
          { signal }
        )
        .then(
          ok => settle(attempt, ok),
          err => settle(attempt, undefined, err)
        )
    }
  }

  /** Fills every job of `list` up to what it still needs, with its next untried holders. */
  const refill = (list: Iterable<JobState>, kind: 'fallback' | 'hedge'): void => {
    const picks: Array<{ holder: HolderInfo; job: JobState }> = []
    for (const job of list) {
      // a hedge adds one holder beyond those in flight; a fallback replaces what failed
      const want = kind === 'hedge' ? Math.min(job.needed, 1) + job.pending.size : job.needed
      while (job.needed > 0 && job.pending.size + picks.filter(p => p.job === job).length < want) {
        const h = next(job)
        if (h === undefined) break
        job.tried.add(h.peerIdString)
        picks.push({ holder: h, job })
        if (kind === 'hedge') ctx.counters.hedges++
        else ctx.counters.fallbacks++
      }
    }
    launch(picks)
  }

  const settle = (attempt: Attempt, ok: boolean[] | undefined, err?: unknown): void => {
    running.delete(attempt)
    const cancelled = attempt.controller.signal.aborted && !ctx.signal.aborted
    if (err !== undefined && !cancelled) failure ??= { err }
    if (ok !== undefined && attempt.started > 0) ctx.times.add(Date.now() - attempt.started, attempt.bytes, attempt.holder.peerIdString)
    for (const [k, job] of attempt.jobs.entries()) {
      job.pending.delete(attempt)
      if (ok?.[k] === true) {
        job.needed--
        job.placedAt.push(attempt.holder.peerIdString)
      }
    }
    // chunks placed elsewhere free the exchanges still carrying only them
    for (const other of running) {
      if (other.jobs.every(j => j.needed <= 0)) {
        ctx.counters.cancelled++
        other.controller.abort(new MeshkeepError('ABORTED', 'every chunk of this exchange is placed elsewhere'))
      }
    }
    if (failure === undefined) refill(attempt.jobs, 'fallback')
    wake?.()
  }

  // holders that were far slower than the rest earlier in this put go last: tried only when the others cannot take a chunk
  for (const job of states)
    job.ranked = [...job.ranked.filter(h => !ctx.times.isSlow(h.peerIdString)), ...job.ranked.filter(h => ctx.times.isSlow(h.peerIdString))]
  const initial: Array<{ holder: HolderInfo; job: JobState }> = []
  for (const job of states) {
    for (const h of job.ranked.slice(0, job.needed)) {
      job.tried.add(h.peerIdString)
      initial.push({ holder: h, job })
    }
  }
  launch(initial)
  const ticker = setInterval(() => {
    const now = Date.now()
    for (const a of running) {
      if (a.hedged || a.started === 0 || a.controller.signal.aborted) continue
      const after = ctx.times.hedgeAfterMs(a.bytes)
      if (after === undefined || now - a.started < after) continue
      a.hedged = true
      ctx.times.atLeast(now - a.started, a.bytes, a.holder.peerIdString)
      refill(
        a.jobs.filter(j => j.needed > 0),
        'hedge'
      )
    }
  }, ctx.times.init.tickMs)
  try {
    while (running.size > 0) await new Promise<void>(resolve => (wake = resolve))
  } finally {
    clearInterval(ticker)
    wake = undefined
  }
  if (failure !== undefined) throw failure.err
  ctx.signal.throwIfAborted()
  await releaseRaceSurplus(states, ctx)
}

/**
 * A hedged chunk whose slow exchange finished too, before it could be
 * cancelled, has one copy more than it needs: keep the best-ranked ones and
 * release the rest, so every chunk ends with exactly its copies.
 */
async function releaseRaceSurplus(states: JobState[], ctx: HedgedPlacementContext): Promise<void> {
  const surplus = new Map<string, string[]>()
  for (const job of states) {
    if (job.placedAt.length <= job.target) continue
    const rank = new Map(job.ranked.map((h, i) => [h.peerIdString, i]))
    const extra = [...job.placedAt].sort((a, b) => (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9)).slice(job.target)
    const hex = Buffer.from(job.chunk.id).toString('hex')
    for (const h of extra) surplus.set(h, [...(surplus.get(h) ?? []), hex])
  }
  if (surplus.size > 0) ctx.counters.released += await ctx.placer.release(surplus, ctx.signal)
}
