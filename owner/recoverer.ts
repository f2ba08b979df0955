import { peerIdFromString } from '@libp2p/peer-id'
import {
  bytesEqual,
  type ChunkCipher,
  type ChunkRef,
  createLimiter,
  type Identity,
  type Limiter,
  type Manifest,
  MeshkeepError,
  type NodeKeys,
  openManifest,
  openStream,
  peerIdToString,
  rankHolders,
  sha256,
  toHex
} from '../core/index.js'
import { auditRoot } from '../protocols/audit/index.js'
import { fetchChunks, getManifest, type RpcLibp2p } from '../protocols/index.js'
import type { Auditor, AuditTarget } from './auditor.js'
import type { CopyBook } from './copy-book.js'
import type { OwnerStore } from './owner-store.js'
import { batchesByHolder } from './placer.js'
import { withRetry } from './retry.js'
import type { HolderInfo, PointerDirectory, Progress } from './types.js'

export interface RecovererComponents {
  libp2p: RpcLibp2p
  identity: Identity
  keys: NodeKeys
  cipher: ChunkCipher
  store: OwnerStore
  pointers: PointerDirectory
  auditor: Auditor
  book: CopyBook
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface RecovererInit {
  /** chunks fetched, verified and written locally together */
  windowChunks: number
  /** windows fetched ahead of the one being decrypted and handed to the sink */
  windowsInFlight: number
  /** fetch exchanges in flight at once, across all windows */
  concurrency: number
  attempts: number
  retryBaseMs: number
  requestTimeoutMs: number
  keepLocalChunks: boolean
  /** holders per chunk (in rendezvous order) probed for copies by the census */
  censusDepth: number
}

/** A version rebuilt from the network, and what the owner needs to adopt it. */
export interface Recovered {
  manifest: Manifest
  sealed: Uint8Array
  /** holders known to have the sealed manifest */
  manifestHolders: string[]
  /** the signed version pointer in the DHT names this version */
  published: boolean
  /** chunk id (hex) → the holder that served it */
  sources: Map<string, string>
  chunks: number
  bytes: number
  holdersUsed: string[]
  retries: number
}

/**
 * Rebuilds the latest version from the network alone: the signed pointer
 * from the DHT, the manifest from its holders, then every chunk from any
 * holder in rendezvous order, each id and the plaintext digest verified.
 *
 * Chunks are fetched a few windows ahead of the one being decrypted, with
 * one limit of exchanges in flight across them, so the network, the local
 * writes and the decryption overlap. Memory stays bounded by
 * `windowsInFlight × windowChunks` chunks.
 */
export class Recoverer {
  constructor(
    private readonly components: RecovererComponents,
    private readonly init: RecovererInit
  ) {}

  async recover(
    members: HolderInfo[],
    sink: (piece: Uint8Array) => Promise<void> | void,
    options: { signal: AbortSignal; onProgress?: (p: Progress) => void }
  ): Promise<Recovered> {
    const { signal, onProgress } = options
    const { pointers, cipher } = this.components
    const pointer = await pointers.resolve({ signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) })
    const found = await this.fetchManifest(members, pointer, signal)
    const m = found.manifest
    const sources = new Map<string, string>()
    const used = new Set<string>()
    let retries = found.retries
    // a fresh node has no local copies: do not look each chunk up in an empty store
    const useLocal = await this.components.store.hasAnyChunk()
    const fetched = this.fetchInOrder(m, members, useLocal, signal, used, sources, () => {
      retries++
    })
    let bytes = 0
    let chunks = 0
    // fetchInOrder checked every id (it must, to fall back to another holder): open without hashing again
    for await (const piece of openStream(fetched, cipher, m, { idsVerified: true })) {
      await sink(piece)
      bytes += piece.length
      chunks++
      onProgress?.({ bytes, chunks })
    }
    const published = pointer?.version === m.version
    const manifestHolders = [...new Set([...(published ? (pointer?.holders.map(peerIdToString) ?? []) : []), found.from])]
    return { manifest: m, sealed: found.sealed, manifestHolders, published, sources, chunks, bytes, holdersUsed: [...used], retries }
  }

  /**
   * After recovery the owner has no copy records: challenge each chunk's
   * likely holders (the one that served it, and the first `censusDepth` of
   * its ranking) and book every copy that proves itself.
   */
  async census(m: Manifest, members: HolderInfo[], sources: Map<string, string>, signal: AbortSignal): Promise<void> {
    const { identity, book, auditor } = this.components
    const targets: AuditTarget[] = []
    const seen = new Set<string>()
    for (const ref of m.chunks) {
      const hex = toHex(ref.id)
      if (seen.has(hex)) continue
      seen.add(hex)
      const candidates = new Set<string>()
      const source = sources.get(hex)
      if (source !== undefined) candidates.add(source)
      for (const h of rankHolders(ref.id, identity.peerId, members, ref.size).slice(0, this.init.censusDepth)) candidates.add(h.peerIdString)
      for (const h of candidates) if (!book.has(hex, h)) targets.push({ id: ref.id, size: ref.size, holder: h })
    }
    if (targets.length > 0) await auditor.audit(targets, signal, { discover: true })
  }

  /** The manifest: from the pointer's holders first (checked against the pointer), else the newest any member has. */
  private async fetchManifest(
    members: HolderInfo[],
    pointer: Awaited<ReturnType<PointerDirectory['resolve']>>,
    signal: AbortSignal
  ): Promise<{ manifest: Manifest; sealed: Uint8Array; from: string; retries: number }> {
    const { libp2p, keys, identity, log } = this.components
    const sources = [...new Set([...(pointer?.holders.map(peerIdToString) ?? []), ...members.map(m => m.peerIdString)])]
    let best: { manifest: Manifest; sealed: Uint8Array; from: string } | undefined
    let retries = 0
    for (const holder of sources) {
      try {
        const bytes = await withRetry(
          () => getManifest(libp2p, peerIdFromString(holder), pointer?.version ?? 'latest', { signal, timeoutMs: this.init.requestTimeoutMs }),
          { attempts: this.init.attempts, baseDelayMs: this.init.retryBaseMs, maxDelayMs: 5_000, signal }
        )
        if (pointer !== undefined && !bytesEqual(sha256(bytes), pointer.manifestId))
          throw new MeshkeepError('INVALID_MANIFEST', 'manifest does not match the signed pointer')
        const manifest = openManifest(bytes, keys.manifestKey, identity.peerId)
        if (best === undefined || manifest.version > best.manifest.version) best = { manifest, sealed: bytes, from: holder }
        if (pointer !== undefined) break
      } catch (err) {
        if (signal.aborted) throw err
        retries++
        log?.('manifest fetch failed; trying the next holder', { holder, version: pointer?.version ?? 'latest', err: String(err) })
      }
    }
    if (best === undefined) throw new MeshkeepError('NOT_FOUND', 'no holder could provide a valid manifest for this identity')
    return { ...best, retries }
  }

  /**
   * Yields chunk bytes in manifest order while later windows are fetched.
   * Every chunk (local copies too) is hashed here, exactly once: a mismatch
   * sends it to the next holder.
   */
  private async *fetchInOrder(
    m: Manifest,
    members: HolderInfo[],
    useLocal: boolean,
    signal: AbortSignal,
    used: Set<string>,
    sources: Map<string, string>,
    onRetry: () => void
  ): AsyncGenerator<Uint8Array> {
    const limit = createLimiter(this.init.concurrency)
    // a consumer that stops early (or a failed window) ends the prefetches
    const stop = new AbortController()
    const windowSignal = AbortSignal.any([signal, stop.signal])
    const ahead: Array<Promise<Uint8Array[]>> = []
    const size = this.init.windowChunks
    let next = 0
    try {
      while (next < m.chunks.length || ahead.length > 0) {
        while (ahead.length < this.init.windowsInFlight && next < m.chunks.length) {
          const p = this.fetchWindow(m.chunks.slice(next, next + size), next, members, useLocal, limit, windowSignal, used, sources, onRetry)
          p.catch(() => {}) // awaited in turn below; a failure must not be unhandled before then
          ahead.push(p)
          next += size
        }
        const window = await (ahead.shift() as Promise<Uint8Array[]>)
        yield* window
      }
    } finally {
      stop.abort(new MeshkeepError('ABORTED', 'recovery ended'))
      await Promise.allSettled(ahead)
    }
  }

  /**
   * One window: local copies where they are intact, the rest fetched in
   * per-holder batches (falling back down each chunk's ranking), then the
   * fetched chunks and their audit roots written locally in one batch.
   */
  private async fetchWindow(
    refs: ChunkRef[],
    start: number,
    members: HolderInfo[],
    useLocal: boolean,
    limit: Limiter,
    signal: AbortSignal,
    used: Set<string>,
    sources: Map<string, string>,
    onRetry: () => void
  ): Promise<Uint8Array[]> {
    const { libp2p, identity, store, log } = this.components
    const got: Array<Uint8Array | undefined> = useLocal ? await store.getChunks(refs.map(r => r.id)) : new Array(refs.length)
    const pending = new Map<number, HolderInfo[]>()
    refs.forEach((ref, i) => {
      const copy = got[i]
      if (copy === undefined || !bytesEqual(sha256(copy), ref.id)) {
        got[i] = undefined
        pending.set(i, rankHolders(ref.id, identity.peerId, members, ref.size))
      }
    })
    const fetched = [...pending.keys()]
    while (pending.size > 0) {
      signal.throwIfAborted()
      const picks: Array<{ holder: HolderInfo; job: number }> = []
      for (const [i, ranked] of pending) {
        const holder = ranked.shift()
        if (holder === undefined)
          throw new MeshkeepError('UNAVAILABLE', `no holder returned chunk ${start + i} (${toHex(refs[i]?.id ?? new Uint8Array(0)).slice(0, 16)}…)`)
        picks.push({ holder, job: i })
      }
      const settled = await Promise.allSettled(
        batchesByHolder(picks).map(({ holder: { peerIdString: holder }, jobs: idx }) =>
          limit(async () => {
            signal.throwIfAborted()
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
                { attempts: this.init.attempts, baseDelayMs: this.init.retryBaseMs, maxDelayMs: 5_000, signal, onRetry }
              )
              idx.forEach((i, k) => {
                const d = data[k]
                const ref = refs[i] as ChunkRef
                if (d !== undefined && bytesEqual(sha256(d), ref.id)) {
                  got[i] = d
                  pending.delete(i)
                  used.add(holder)
                  sources.set(toHex(ref.id), holder)
                } else onRetry()
              })
            } catch (err) {
              if (signal.aborted) throw err
              onRetry()
              log?.('chunk fetch failed; trying the next holder', { holder, chunks: idx.length, err: String(err) })
            }
          })
        )
      )
      for (const s of settled) if (s.status === 'rejected') throw s.reason
    }
    const chunks = got as Uint8Array[]
    if (fetched.length > 0) {
      // the bytes are at hand: keep the audit roots later audits need, and the local copies
      const items = fetched.map(i => ({ id: (refs[i] as ChunkRef).id, bytes: chunks[i] as Uint8Array }))
      const roots = items.map(c => ({ id: c.id, root: auditRoot(c.bytes) }))
      await store.putChunksAndRoots(this.init.keepLocalChunks ? items : [], roots)
    }
    return chunks
  }
}
