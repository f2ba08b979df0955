import { peerIdFromString } from '@libp2p/peer-id'
import {
  bytesEqual,
  type ChunkCipher,
  type Identity,
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
import { getManifest, listManifests, type RpcLibp2p } from '../protocols/index.js'
import type { Auditor, AuditTarget } from './auditor.js'
import { type ChunkFetcher, describeStuck, type FetchStats, newFetchStats, sleep } from './chunk-fetcher.js'
import type { CopyBook } from './copy-book.js'
import type { ManifestCopy, OwnerStore } from './owner-store.js'
import { withRetry } from './retry.js'
import type { HandoffInfo, HolderDirectory, HolderInfo, PointerDirectory, Progress, VersionPointerInfo } from './types.js'

export interface RecovererComponents {
  libp2p: RpcLibp2p
  identity: Identity
  keys: NodeKeys
  cipher: ChunkCipher
  store: OwnerStore
  pointers: PointerDirectory
  directory: HolderDirectory
  fetcher: ChunkFetcher
  auditor: Auditor
  book: CopyBook
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface RecovererInit {
  attempts: number
  retryBaseMs: number
  requestTimeoutMs: number
  keepLocalChunks: boolean
  /** holders per chunk (in rendezvous order) probed for copies by the census */
  censusDepth: number
  /** versions kept, the latest included: recovery brings back this many manifests */
  retainVersions: number
}

/** A version rebuilt from the network, and what the owner needs to adopt it. */
export interface Recovered {
  manifest: Manifest
  sealed: Uint8Array
  /** holders known to have the sealed manifest */
  manifestHolders: string[]
  /** the signed version pointer in the DHT names this version */
  published: boolean
  stats: FetchStats
  chunks: number
  bytes: number
}

/** The error of a recovery under an identity that `meshkeep rotate` replaced. */
function rotatedAway(self: string, handoff: HandoffInfo): MeshkeepError {
  return new MeshkeepError(
    'IDENTITY_ROTATED',
    `this identity (${self}) was rotated on ${new Date(handoff.rotatedAt).toISOString()}; its state now lives under ${handoff.to}: recover with the new phrase (the one meshkeep rotate printed)`
  )
}

/** How long recovery keeps looking for the signed version pointer before it settles for the newest manifest any holder has, ms. */
const POINTER_PATIENCE_MS = 20_000

/**
 * Rebuilds the latest version from the network alone: the signed pointer
 * from the DHT, the manifest from its holders, then every chunk (see
 * `ChunkFetcher`), each id and the plaintext digest verified. Afterwards a
 * census finds the remote copies and the older retained versions' manifests,
 * so maintenance keeps all of them alive.
 */
export class Recoverer {
  /** what the recovery in progress (or the last one) could not get past, in words, for the final error */
  lastTrouble?: string

  constructor(
    private readonly components: RecovererComponents,
    private readonly init: RecovererInit
  ) {}

  async recover(sink: (piece: Uint8Array) => Promise<void> | void, options: { signal: AbortSignal; onProgress?: (p: Progress) => void }): Promise<Recovered> {
    const { signal, onProgress } = options
    const { cipher, store, fetcher } = this.components
    const started = Date.now()
    this.lastTrouble = undefined
    onProgress?.({ phase: 'finding the manifest', bytes: 0, chunks: 0 })
    const found = await this.findManifest(signal)
    const m = found.manifest
    const stats = newFetchStats()
    stats.retries += found.retries
    const chunks = fetcher.fetchInOrder(
      m,
      {
        signal,
        // a fresh node has no local copies: do not look each chunk up in an empty store
        useLocal: await store.hasAnyChunk(),
        keep: this.init.keepLocalChunks ? 'chunks-and-roots' : 'roots',
        manifestHolders: found.holders
      },
      stats
    )
    let bytes = 0
    let count = 0
    try {
      // the fetcher checked every id (it must, to fall back to another holder): open without hashing again
      for await (const piece of openStream(chunks, cipher, m, { idsVerified: true })) {
        await sink(piece)
        bytes += piece.length
        count++
        onProgress?.({ phase: 'transferring', bytes, chunks: count, totalBytes: m.totalSize })
      }
    } catch (err) {
      this.lastTrouble = describeStuck(stats, Date.now() - started)
      throw err
    }
    return { manifest: m, sealed: found.sealed, manifestHolders: found.holders, published: found.published, stats, chunks: count, bytes }
  }

  /**
   * The latest manifest. The signed pointer names its version, id and
   * holders; the manifest is taken from those holders, else from anyone
   * who has that exact version. Without a pointer (the DHT does not answer
   * yet), recovery keeps looking for a while, then takes the newest valid
   * manifest any peer has. An identity handoff for this identity ends the
   * search with IDENTITY_ROTATED.
   */
  private async findManifest(signal: AbortSignal): Promise<{ manifest: Manifest; sealed: Uint8Array; holders: string[]; published: boolean; retries: number }> {
    const { pointers, log } = this.components
    const started = Date.now()
    let retries = 0
    let wait = 500
    for (;;) {
      signal.throwIfAborted()
      const lookup = { signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]) }
      const [pointer, handoff] = await Promise.all([
        pointers.resolve(lookup).catch(err => {
          if (signal.aborted) throw err
          log?.('resolving the version pointer failed; trying again', { err: String(err) })
          return undefined
        }),
        (pointers.handoff?.(lookup) ?? Promise.resolve(undefined)).catch(err => {
          if (signal.aborted) throw err
          log?.('looking up an identity handoff failed; trying again', { err: String(err) })
          return undefined
        })
      ])
      // a rotated identity's data is being (or has been) released: say where the state went instead of searching
      if (handoff !== undefined) throw rotatedAway(this.components.identity.peerIdString, handoff)
      const patient = pointer === undefined && Date.now() - started < POINTER_PATIENCE_MS
      if (!patient) {
        const found = await this.fetchManifest(pointer, signal)
        retries += found.retries
        this.lastTrouble =
          pointer === undefined
            ? `the version pointer of this identity was not found in the DHT, and none of the ${found.asked} peers asked had a manifest of it`
            : `the version pointer names version ${pointer.version}, but none of the ${found.asked} peers asked could provide its manifest`
        if (found.best !== undefined) {
          const published = pointer?.version === found.best.manifest.version
          const holders = [...new Set([...(published ? (pointer?.holders.map(peerIdToString) ?? []) : []), ...found.best.from])]
          return { ...found.best, holders, published, retries }
        }
      }
      retries++
      await this.refreshView(signal)
      await sleep(wait, signal)
      wait = Math.min(wait * 2, 4_000)
    }
  }

  private async refreshView(signal: AbortSignal): Promise<void> {
    await this.components.directory.refresh?.({ signal }).catch(err => {
      if (signal.aborted) throw err
    })
  }

  /** Every peer worth asking for a manifest: the pointer's holders, then members, then connected mesh peers. */
  private manifestSources(pointer: VersionPointerInfo | undefined): string[] {
    const { directory, identity } = this.components
    return [
      ...new Set([...(pointer?.holders.map(peerIdToString) ?? []), ...directory.members().map(m => m.peerIdString), ...(directory.connectedPeers?.() ?? [])])
    ].filter(p => p !== identity.peerIdString)
  }

  /** The manifest the pointer names (checked against it), else the newest valid one any source has. */
  private async fetchManifest(
    pointer: VersionPointerInfo | undefined,
    signal: AbortSignal
  ): Promise<{ best?: { manifest: Manifest; sealed: Uint8Array; from: string[] }; retries: number; asked: number }> {
    const { keys, identity, log } = this.components
    let best: { manifest: Manifest; sealed: Uint8Array; from: string[] } | undefined
    let retries = 0
    const sources = this.manifestSources(pointer)
    for (const holder of sources) {
      try {
        const bytes = await this.getManifestFrom(holder, pointer?.version ?? 'latest', signal)
        if (pointer !== undefined && !bytesEqual(sha256(bytes), pointer.manifestId))
          throw new MeshkeepError('INVALID_MANIFEST', 'manifest does not match the signed pointer')
        const manifest = openManifest(bytes, keys.manifestKey, identity.peerId)
        if (best !== undefined && manifest.version === best.manifest.version) best.from.push(holder)
        else if (best === undefined || manifest.version > best.manifest.version) best = { manifest, sealed: bytes, from: [holder] }
        if (pointer !== undefined) break
      } catch (err) {
        if (signal.aborted) throw err
        retries++
        log?.('manifest fetch failed; trying the next holder', { holder, version: pointer?.version ?? 'latest', err: String(err) })
      }
    }
    return { best, retries, asked: sources.length }
  }

  private getManifestFrom(holder: string, version: number | 'latest', signal: AbortSignal): Promise<Uint8Array> {
    return withRetry(() => getManifest(this.components.libp2p, peerIdFromString(holder), version, { signal, timeoutMs: this.init.requestTimeoutMs }), {
      attempts: this.init.attempts,
      baseDelayMs: this.init.retryBaseMs,
      maxDelayMs: 5_000,
      signal
    })
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

  /**
   * Brings back the manifests of the older retained versions (the `latest`
   * one came with the recovery): each version between `latest −
   * retainVersions + 1` and `latest − 1` that some peer still has, verified
   * like any manifest. Returns the versions restored, with where each is held.
   */
  async restoreHistory(latest: number, signal: AbortSignal): Promise<Array<{ manifest: Manifest; sealed: Uint8Array; holders: ManifestCopy[] }>> {
    const { libp2p, keys, identity, log } = this.components
    const lowest = Math.max(1, latest - this.init.retainVersions + 1)
    if (lowest >= latest) return []
    const wanted = new Map<number, string[]>()
    for (const peer of this.manifestSources(undefined)) {
      let versions: number[]
      try {
        versions = await listManifests(libp2p, peerIdFromString(peer), { signal, timeoutMs: this.init.requestTimeoutMs })
      } catch (err) {
        if (signal.aborted) throw err
        continue
      }
      for (const v of versions) if (v >= lowest && v < latest) wanted.set(v, [...(wanted.get(v) ?? []), peer])
    }
    const out: Array<{ manifest: Manifest; sealed: Uint8Array; holders: ManifestCopy[] }> = []
    for (const [version, holders] of [...wanted].sort((a, b) => a[0] - b[0])) {
      for (const holder of holders) {
        try {
          const sealed = await this.getManifestFrom(holder, version, signal)
          const manifest = openManifest(sealed, keys.manifestKey, identity.peerId)
          if (manifest.version !== version) throw new MeshkeepError('INVALID_MANIFEST', `asked for version ${version}, got ${manifest.version}`)
          // lease unknown until the repairer renews it (0 makes it renew at once)
          out.push({ manifest, sealed, holders: holders.map(h => ({ holder: h, leaseExpiresAt: 0 })) })
          break
        } catch (err) {
          if (signal.aborted) throw err
          log?.('fetching an older manifest failed; trying the next holder', { holder, version, err: String(err) })
        }
      }
    }
    return out
  }
}
