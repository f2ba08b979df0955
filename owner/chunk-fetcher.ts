import { peerIdFromString } from '@libp2p/peer-id'
import { Queue } from '@libp2p/utils'
import { auditRoot, bytesEqual, type ChunkRef, type Identity, type Manifest, MeshkeepError, REPLICAS, rankHolders, sha256, toHex } from '../core/index.js'
import { fetchChunks, MAX_BATCH, RemoteError, type RpcLibp2p } from '../protocols/index.js'
import type { HolderSpeeds } from './holder-speeds.js'
import type { OwnerStore } from './owner-store.js'
import { withRetry } from './retry.js'
import type { HolderDirectory } from './types.js'

export interface ChunkFetcherComponents {
  libp2p: RpcLibp2p
  identity: Identity
  store: OwnerStore
  directory: HolderDirectory
  speeds: HolderSpeeds
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface ChunkFetcherInit {
  /** chunks fetched, verified (and written locally) together */
  windowChunks: number
  /** windows fetched ahead of the one being consumed */
  windowsInFlight: number
  /** fetch exchanges in flight at once, across all windows */
  concurrency: number
  attempts: number
  retryBaseMs: number
  requestTimeoutMs: number
}

export interface FetchOptions {
  /** aborts the fetch: the caller's cancellation and the operation's deadline */
  signal: AbortSignal
  /** read this node's own copies first (a fresh node has none) */
  useLocal: boolean
  /** what to write locally for each chunk fetched from a holder: recovery keeps them, a read writes nothing */
  keep: 'chunks-and-roots' | 'roots' | 'nothing'
  /** holders that served or hold the manifest: the last candidates for every chunk */
  manifestHolders: readonly string[]
}

/** What a fetch did, filled in as it runs. */
export interface FetchStats {
  retries: number
  /** chunks served by this node's own copies */
  localChunks: number
  holdersUsed: Set<string>
  /** chunk id (hex) → the holder that served it */
  sources: Map<string, string>
  /** the chunk the fetch is (or was last) unable to find, and whom it asked; for the final error */
  stuck?: { index: number; id: string; asked: Record<Candidate['kind'], number> }
}

export const newFetchStats = (): FetchStats => ({ retries: 0, localChunks: 0, holdersUsed: new Set(), sources: new Map() })

/** A peer that might hold a chunk, and why we think so. */
interface Candidate {
  peer: string
  kind: 'ranked' | 'member' | 'connected' | 'manifest holder'
}

/** First wait before asking everyone again when no candidate is left for a chunk; it doubles, ms. */
const EXHAUSTED_FIRST_WAIT_MS = 500
const EXHAUSTED_MAX_WAIT_MS = 5_000

/**
 * Fetches a version's chunks in manifest order, a few windows ahead of the
 * consumer, with one limit of exchanges in flight across windows. Every chunk
 * is hashed here, exactly once, against the id the manifest lists.
 *
 * Where a chunk is looked for, in order: this node's own copy; its
 * rendezvous holders over the current registry view (the likely holders
 * fastest first, see `HolderSpeeds`); every other member; every connected
 * mesh peer; the manifest's holders. When all of them missed, the view is
 * refreshed and, after a short wait that grows, everyone is asked again, until
 * the caller's signal (its deadline) ends the fetch. A node that has only
 * just started, whose view holds only its bootstrap peer, thus finds its
 * chunks as the mesh becomes known to it, instead of failing.
 */
export class ChunkFetcher {
  private refreshing?: Promise<void>

  constructor(
    private readonly components: ChunkFetcherComponents,
    private readonly init: ChunkFetcherInit
  ) {}

  async *fetchInOrder(m: Manifest, options: FetchOptions, stats: FetchStats): AsyncGenerator<Uint8Array> {
    const exchanges = new Queue<void>({ concurrency: this.init.concurrency })
    // a consumer that stops early (or a failed window) ends the prefetches
    const stop = new AbortController()
    const signal = AbortSignal.any([options.signal, stop.signal])
    const ahead: Array<Promise<Uint8Array[]>> = []
    const size = this.init.windowChunks
    let next = 0
    try {
      while (next < m.chunks.length || ahead.length > 0) {
        while (ahead.length < this.init.windowsInFlight && next < m.chunks.length) {
          const p = this.fetchWindow(m.chunks.slice(next, next + size), next, options, exchanges, signal, stats)
          p.catch(() => {}) // awaited in turn below; a failure must not be unhandled before then
          ahead.push(p)
          next += size
        }
        const window = await (ahead.shift() as Promise<Uint8Array[]>)
        yield* window
      }
    } finally {
      stop.abort(new MeshkeepError('ABORTED', 'fetch ended'))
      await Promise.allSettled(ahead)
    }
  }

  /** The peers to ask for `ref`, best first, without those in `tried`. */
  private candidates(ref: ChunkRef, tried: ReadonlySet<string>, manifestHolders: readonly string[]): Candidate[] {
    const { identity, directory, speeds } = this.components
    const self = identity.peerIdString
    const members = directory.members().filter(m => m.peerIdString !== self)
    const ranked = rankHolders(ref.id, identity.peerId, members, ref.size).map(h => h.peerIdString)
    const likely = speeds.fastestFirst(ranked.slice(0, REPLICAS), h => h, ref.size)
    const out: Candidate[] = []
    const seen = new Set<string>([self, ...tried])
    const add = (peer: string, kind: Candidate['kind']) => {
      if (seen.has(peer)) return
      seen.add(peer)
      out.push({ peer, kind })
    }
    for (const p of likely) add(p, 'ranked')
    for (const p of ranked.slice(REPLICAS)) add(p, 'ranked')
    // members the ranking skipped (a full holder may still hold our chunk)
    for (const m of members) add(m.peerIdString, 'member')
    for (const p of directory.connectedPeers?.() ?? []) add(p, 'connected')
    for (const p of manifestHolders) add(p, 'manifest holder')
    return out
  }

  /** Refreshes the registry view, once at a time however many windows ask. */
  private async refreshView(signal: AbortSignal): Promise<void> {
    const refresh = this.components.directory.refresh
    if (refresh === undefined) return
    this.refreshing ??= refresh({ signal })
      .catch(err => {
        if (!signal.aborted) this.components.log?.('refreshing the registry view failed', { err: String(err) })
      })
      .finally(() => {
        this.refreshing = undefined
      })
    await this.refreshing
  }

  /**
   * One window: local copies where intact, the rest fetched in per-holder
   * batches, each chunk moving down its candidates on a miss, then written
   * locally as `keep` says, in one batch.
   */
  private async fetchWindow(
    refs: ChunkRef[],
    start: number,
    options: FetchOptions,
    exchanges: Queue<void>,
    signal: AbortSignal,
    stats: FetchStats
  ): Promise<Uint8Array[]> {
    const { libp2p, store, speeds, log } = this.components
    const got: Array<Uint8Array | undefined> = options.useLocal ? await store.getChunks(refs.map(r => r.id)) : new Array(refs.length)
    const tried = new Map<number, Set<string>>()
    const asked = new Map<number, Record<Candidate['kind'], number>>()
    refs.forEach((ref, i) => {
      const copy = got[i]
      if (copy !== undefined && bytesEqual(sha256(copy), ref.id)) {
        stats.localChunks++
      } else {
        got[i] = undefined
        tried.set(i, new Set())
        asked.set(i, { ranked: 0, member: 0, connected: 0, 'manifest holder': 0 })
      }
    })
    const fetched = [...tried.keys()]
    let wait = EXHAUSTED_FIRST_WAIT_MS
    while (tried.size > 0) {
      signal.throwIfAborted()
      const picks = new Map<string, number[]>()
      const exhausted: number[] = []
      for (const [i, seen] of tried) {
        const ref = refs[i] as ChunkRef
        const next = this.candidates(ref, seen, options.manifestHolders)[0]
        if (next === undefined) {
          exhausted.push(i)
          continue
        }
        seen.add(next.peer)
        const count = asked.get(i) as Record<Candidate['kind'], number>
        count[next.kind]++
        const list = picks.get(next.peer) ?? []
        list.push(i)
        picks.set(next.peer, list)
      }
      const batches: Array<[string, number[]]> = []
      for (const [holder, idx] of picks) for (let k = 0; k < idx.length; k += MAX_BATCH) batches.push([holder, idx.slice(k, k + MAX_BATCH)])
      const settled = await Promise.allSettled(
        batches.map(([holder, idx]) =>
          exchanges.add(
            async () => {
              const bytes = idx.reduce((n, i) => n + (refs[i] as ChunkRef).size, 0)
              speeds.begin(holder, bytes)
              const started = Date.now()
              try {
                // transport trouble is retried at the same holder before moving on: it may hold the only copy
                const data = await withRetry(
                  () =>
                    fetchChunks(
                      libp2p,
                      peerIdFromString(holder),
                      idx.map(i => (refs[i] as ChunkRef).id),
                      { signal, timeoutMs: this.init.requestTimeoutMs }
                    ),
                  {
                    attempts: this.init.attempts,
                    baseDelayMs: this.init.retryBaseMs,
                    maxDelayMs: 5_000,
                    signal,
                    onRetry: () => {
                      stats.retries++
                    }
                  }
                )
                speeds.sample(holder, bytes, Date.now() - started)
                idx.forEach((i, k) => {
                  const d = data[k]
                  const ref = refs[i] as ChunkRef
                  if (d !== undefined && bytesEqual(sha256(d), ref.id)) {
                    got[i] = d
                    tried.delete(i)
                    stats.holdersUsed.add(holder)
                    stats.sources.set(toHex(ref.id), holder)
                  } else stats.retries++
                })
              } catch (err) {
                if (signal.aborted) throw err
                if (!(err instanceof RemoteError && err.remote)) speeds.penalize(holder)
                stats.retries++
                log?.('chunk fetch failed; trying the next holder', { holder, chunks: idx.length, err: String(err) })
              } finally {
                speeds.end(holder, bytes)
              }
            },
            { signal }
          )
        )
      )
      for (const s of settled) if (s.status === 'rejected') throw s.reason
      if (exhausted.length > 0 && picks.size === 0) {
        // every chunk still missing has been asked of everyone we know: look again, wait, ask everyone again
        const first = exhausted[0] as number
        stats.stuck = { index: start + first, id: toHex((refs[first] as ChunkRef).id), asked: { ...(asked.get(first) as Record<Candidate['kind'], number>) } }
        await this.refreshView(signal)
        await sleep(wait, signal)
        wait = Math.min(wait * 2, EXHAUSTED_MAX_WAIT_MS)
        for (const i of exhausted) tried.get(i)?.clear()
      }
    }
    const chunks = got as Uint8Array[]
    if (fetched.length > 0 && options.keep !== 'nothing') {
      // the bytes are at hand: keep the audit roots later audits need, and (recovery) the local copies
      const items = fetched.map(i => ({ id: (refs[i] as ChunkRef).id, bytes: chunks[i] as Uint8Array }))
      const roots = items.map(c => ({ id: c.id, root: auditRoot(c.bytes) }))
      await store.putChunksAndRoots(options.keep === 'chunks-and-roots' ? items : [], roots)
    }
    return chunks
  }
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** The error a fetch ends with when its deadline passed while a chunk was still missing: what was tried, in words. */
export function describeStuck(stats: FetchStats, waitedMs: number): string {
  const s = stats.stuck
  if (s === undefined) return `no holder delivered the state within ${Math.round(waitedMs / 1000)} s`
  const parts = (Object.entries(s.asked) as Array<[string, number]>).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`)
  return `no holder returned chunk ${s.index} (${s.id.slice(0, 16)}…) within ${Math.round(waitedMs / 1000)} s; asked, in the last round, ${parts.length > 0 ? parts.join(', ') : 'nobody (no peer known)'}, refreshing the registry view between rounds`
}
