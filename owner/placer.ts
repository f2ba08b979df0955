import { peerIdFromString } from '@libp2p/peer-id'
import { type AttestationVerifier, type Identity, InvalidAttestationError } from '../core/index.js'
import { MAX_BATCH, MAX_RELEASE_IDS, RemoteError, type RpcLibp2p, releaseChunks, type StoreItem, storeChunks } from '../protocols/index.js'
import type { CopyBook } from './copy-book.js'
import { eachLimited } from './each-limited.js'
import { withRetry } from './retry.js'
import type { Copy, HolderInfo } from './types.js'

export interface PlacerComponents {
  libp2p: RpcLibp2p
  identity: Identity
  verifier: AttestationVerifier
  book: CopyBook
  /** every exchange tells whether the holder answered (refusals count as answers) */
  onContact?: (holder: string, answered: boolean) => void
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface PlacerInit {
  leaseMs: number
  attempts: number
  retryBaseMs: number
  requestTimeoutMs: number
}

/** What store exchanges cost, added to the caller's totals. */
export interface PlaceCounters {
  retries: number
  invalidAttestations: number
  bytesSent: number
  chunksSent: number
}

export const newPlaceCounters = (): PlaceCounters => ({ retries: 0, invalidAttestations: 0, bytesSent: 0, chunksSent: 0 })

/** A chunk to place: its bytes, or (`renew`) its id and size only, to extend a copy's lease. */
export type PlaceItem = { id: Uint8Array; bytes: Uint8Array } | { id: Uint8Array; size: number; renew: true }

const sizeOf = (item: PlaceItem): number => ('renew' in item ? item.size : item.bytes.length)

/**
 * Changes the owner's copies at one holder and keeps the copy book in step:
 * stores chunks (or renews their leases) and books every copy whose
 * attestation verifies; releases surplus copies and forgets them once the
 * holder confirmed. Shared by distribution (new versions), repair (new
 * copies of existing chunks, rebalancing) and lease renewal, so all accept
 * and drop a copy by the same rule.
 */
export class Placer {
  constructor(
    private readonly components: PlacerComponents,
    private readonly init: PlacerInit
  ) {}

  /**
   * One batch (≤ MAX_BATCH) to `holder`, with retries on transport trouble.
   * Returns, per item, whether an attested copy was booked; `undefined` when
   * the holder could not be reached at all (the caller falls back).
   */
  async storeAt(holder: HolderInfo, items: PlaceItem[], signal: AbortSignal, counters: PlaceCounters = newPlaceCounters()): Promise<boolean[] | undefined> {
    if (items.length > MAX_BATCH) throw new RangeError(`a store batch holds at most ${MAX_BATCH} chunks`)
    const { libp2p, identity, verifier, book, log, onContact } = this.components
    const wire: StoreItem[] = items.map(i => ('renew' in i ? { id: i.id, renew: true } : { id: i.id, bytes: i.bytes }))
    let results: Awaited<ReturnType<typeof storeChunks>>
    try {
      results = await withRetry(
        () => storeChunks(libp2p, peerIdFromString(holder.peerIdString), wire, this.init.leaseMs, { signal, timeoutMs: this.init.requestTimeoutMs }),
        {
          attempts: this.init.attempts,
          baseDelayMs: this.init.retryBaseMs,
          maxDelayMs: 5_000,
          signal,
          onRetry: () => {
            counters.retries++
          }
        }
      )
    } catch (err) {
      if (signal.aborted) throw signal.reason
      onContact?.(holder.peerIdString, err instanceof RemoteError && err.remote)
      log?.('store failed', { holder: holder.peerIdString, err: String(err) })
      return undefined
    }
    onContact?.(holder.peerIdString, true)
    for (const i of items) {
      if ('renew' in i) continue
      counters.chunksSent++
      counters.bytesSent += i.bytes.length
    }
    const now = book.now()
    const ok = items.map(() => false)
    const booked: Array<{ id: Uint8Array; copy: Copy }> = []
    for (const r of results) {
      const item = items[r.index]
      if (item === undefined || r.attestation === undefined) continue
      try {
        const v = verifier.verify(r.attestation, { owner: identity.peerId, holder: holder.peerId, item: { id: item.id, size: sizeOf(item) } }, now)
        booked.push({ id: item.id, copy: { holder: holder.peerIdString, attestation: r.attestation, attestedAt: now, leaseExpiresAt: v.leaseExpiresAt } })
        ok[r.index] = true
      } catch (err) {
        if (!(err instanceof InvalidAttestationError)) throw err
        counters.invalidAttestations++
        log?.('invalid attestation; falling back', { holder: holder.peerIdString, reason: err.reason })
      }
    }
    await book.recordMany(booked)
    return ok
  }

  /** Releases surplus copies (holder → chunk ids, hex); see {@link releaseCopies}. */
  release(surplus: ReadonlyMap<string, string[]>, signal: AbortSignal, concurrency = 4): Promise<number> {
    return releaseCopies(this.components, surplus, { concurrency, requestTimeoutMs: this.init.requestTimeoutMs, signal })
  }
}

/**
 * Asks holders to drop copies (holder → chunk ids, hex) the owner no longer
 * wants; a copy leaves the book only once its holder confirmed, and stops
 * counting as soon as it is asked for. Returns how many were released. A
 * holder that cannot be asked keeps its copies until their lease ends.
 */
export async function releaseCopies(
  components: Pick<PlacerComponents, 'libp2p' | 'book' | 'onContact' | 'log'>,
  surplus: ReadonlyMap<string, string[]>,
  options: { concurrency: number; requestTimeoutMs: number; signal: AbortSignal }
): Promise<number> {
  const { libp2p, book, onContact, log } = components
  const { signal } = options
  let released = 0
  await eachLimited(surplus, options.concurrency, async ([holder, ids]) => {
    for (let i = 0; i < ids.length; i += MAX_RELEASE_IDS) {
      const slice = ids.slice(i, i + MAX_RELEASE_IDS)
      for (const hex of slice) book.startRelease(hex, holder)
      try {
        await releaseChunks(
          libp2p,
          peerIdFromString(holder),
          slice.map(h => Buffer.from(h, 'hex')),
          [],
          { signal, timeoutMs: options.requestTimeoutMs }
        )
        onContact?.(holder, true)
      } catch (err) {
        for (const hex of slice) await book.finishRelease(hex, holder, false)
        if (signal.aborted) throw signal.reason
        onContact?.(holder, err instanceof RemoteError && err.remote)
        log?.('releasing surplus copies failed; they stay until their lease ends', { holder, err: String(err) })
        return
      }
      for (const hex of slice) if (await book.finishRelease(hex, holder, true)) released++
    }
  })
  return released
}

/**
 * Groups (holder, job) picks into store batches: one list per holder, cut
 * at MAX_BATCH, so each batch is one exchange with one receipt.
 */
export function batchesByHolder<J>(picks: Iterable<{ holder: HolderInfo; job: J }>): Array<{ holder: HolderInfo; jobs: J[] }> {
  const perHolder = new Map<string, { holder: HolderInfo; jobs: J[] }>()
  for (const { holder, job } of picks) {
    const entry = perHolder.get(holder.peerIdString) ?? { holder, jobs: [] }
    entry.jobs.push(job)
    perHolder.set(holder.peerIdString, entry)
  }
  const batches: Array<{ holder: HolderInfo; jobs: J[] }> = []
  for (const { holder, jobs } of perHolder.values()) {
    for (let k = 0; k < jobs.length; k += MAX_BATCH) batches.push({ holder, jobs: jobs.slice(k, k + MAX_BATCH) })
  }
  return batches
}
