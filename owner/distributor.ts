import { peerIdFromString } from '@libp2p/peer-id'
import { Queue } from '@libp2p/utils'
import { pipe } from 'it-pipe'
import {
  type AttestationVerifier,
  type ChunkCipher,
  type Identity,
  type Manifest,
  ManifestBuilder,
  type NodeKeys,
  REPLICAS,
  rankHolders,
  type StateChunk,
  sealManifest,
  sealStream,
  sha256,
  toHex
} from '../core/index.js'
import { putManifest, type RpcLibp2p } from '../protocols/index.js'
import type { CopyBook } from './copy-book.js'
import { ExchangeTimes, type HedgeInit, type PlacementJob, placeHedged } from './hedged-placement.js'
import type { ManifestCopy, OwnerStore } from './owner-store.js'
import { newPlaceCounters, type PlaceCounters, type Placer } from './placer.js'
import type { HolderInfo, Progress } from './types.js'

export interface DistributorComponents {
  libp2p: RpcLibp2p
  identity: Identity
  keys: NodeKeys
  cipher: ChunkCipher
  store: OwnerStore
  book: CopyBook
  placer: Placer
  verifier: AttestationVerifier
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface DistributorInit {
  /** chunks sealed and placed together: one local write, one round of batches */
  windowChunks: number
  /** windows placed at once; the next window is sealed while earlier ones are on the wire */
  windowsInFlight: number
  /** store exchanges in flight at once, across all windows */
  concurrency: number
  keepLocalChunks: boolean
  /** long-tail hedging of slow exchanges (see `placeHedged`); `false` places by the ranking alone @default DEFAULT_HEDGE */
  hedge?: HedgeInit | false
  requestTimeoutMs: number
  /** lease asked of holders for the manifest, ms */
  leaseMs: number
}

export interface DistributionCounters extends PlaceCounters {
  /** copies sent to a further holder after a refusal or failure */
  fallbacks: number
  /** copies sent to a further holder because an exchange ran far longer than its peers */
  hedges: number
  /** exchanges cancelled because their chunks were placed elsewhere first */
  cancelled: number
  /** copies released because a hedged chunk ended with both its copies and the slow one */
  released: number
}

/** A new version's chunks placed, and its sealed manifest stored at its holders. */
export interface Distribution {
  manifest: Manifest
  sealed: Uint8Array
  manifestId: Uint8Array
  manifestHolders: ManifestCopy[]
  counters: DistributionCounters
}

/** A copy that will still count an hour from now need not be sent again. */
const SKIP_IF_VALID_FOR_MS = 3_600_000

/** Cuts a stream of chunks into windows of `size`. */
async function* windows(source: AsyncIterable<StateChunk>, size: number): AsyncGenerator<StateChunk[]> {
  let window: StateChunk[] = []
  for await (const chunk of source) {
    window.push(chunk)
    if (window.length >= size) {
      yield window
      window = []
    }
  }
  if (window.length > 0) yield window
}

/**
 * Turns a state stream into a placed version: seals it into chunks, keeps a
 * local copy of each, stores two attested remote copies of every chunk at
 * its rendezvous holders (falling back down the ranking, and hedging around
 * a holder far slower than the rest: see `placeHedged`), then seals the
 * manifest and stores it the same way.
 *
 * It is a pipeline (`it-pipe`: state bytes → sealed chunks → windows →
 * placement): while window N's batches are on the wire, window N+1 is sealed
 * and written locally, and all windows share one limit of exchanges in
 * flight. Memory stays bounded by `windowsInFlight × windowChunks` chunks
 * (64 KiB each), whatever the state's size.
 */
export class Distributor {
  constructor(
    private readonly components: DistributorComponents,
    private readonly init: DistributorInit
  ) {}

  async distribute(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    version: number,
    members: HolderInfo[],
    signal: AbortSignal,
    onProgress?: (p: Progress) => void
  ): Promise<Distribution> {
    const { cipher } = this.components
    const builder = new ManifestBuilder()
    const counters: DistributionCounters = { ...newPlaceCounters(), fallbacks: 0, hedges: 0, cancelled: 0, released: 0 }
    const times = new ExchangeTimes(this.init.hedge)
    const exchanges = new Queue<boolean[] | undefined>({ concurrency: this.init.concurrency })
    // a failing window stops the others: they share this signal
    const stop = new AbortController()
    const windowSignal = AbortSignal.any([signal, stop.signal])
    const inFlight = new Set<Promise<void>>()
    // chunk ids already placed by this put: a state that repeats a piece sends it once
    const placing = new Set<string>()
    let failure: { err: unknown } | undefined
    const launch = (window: StateChunk[]) => {
      const p: Promise<void> = this.placeWindow(window, members, placing, { counters, exchanges, times, signal: windowSignal })
        .catch(err => {
          failure ??= { err }
          stop.abort(err)
        })
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    try {
      await pipe(
        source,
        src => sealStream(src, cipher),
        async function* (chunks) {
          for await (const chunk of chunks) {
            builder.add(chunk)
            onProgress?.({ phase: 'transferring', bytes: builder.totalSize, chunks: builder.chunkCount })
            yield chunk
          }
        },
        chunks => windows(chunks, this.init.windowChunks),
        async windowed => {
          for await (const window of windowed) {
            windowSignal.throwIfAborted()
            launch(window)
            while (inFlight.size >= this.init.windowsInFlight) await Promise.race(inFlight)
          }
        }
      )
      await Promise.all(inFlight)
    } catch (err) {
      stop.abort(err)
      await Promise.allSettled([...inFlight])
      throw failure?.err ?? err
    }
    if (failure !== undefined) throw failure.err
    signal.throwIfAborted()
    const manifest = builder.build(version)
    const sealed = sealManifest(manifest, this.components.keys.manifestKey, this.components.identity)
    const manifestId = sha256(sealed)
    const manifestHolders = await this.placeManifest(sealed, manifestId, members, signal)
    return { manifest, sealed, manifestId, manifestHolders, counters }
  }

  /**
   * One window: two attested remote copies of each chunk, and a local copy of
   * each new one (one batch write, no read: the copy book tells which are
   * new, so an incremental put does not read its whole state back).
   */
  private async placeWindow(
    window: StateChunk[],
    members: HolderInfo[],
    placing: Set<string>,
    ctx: { counters: DistributionCounters; exchanges: Queue<boolean[] | undefined>; times: ExchangeTimes; signal: AbortSignal }
  ): Promise<void> {
    const { book, identity, placer } = this.components
    const validUntil = book.now() + SKIP_IF_VALID_FOR_MS
    const jobs: PlacementJob[] = []
    const fresh: StateChunk[] = []
    for (const chunk of window) {
      const hex = toHex(chunk.id)
      if (placing.has(hex)) continue
      placing.add(hex)
      const known = book.counting(chunk.id, validUntil)
      // a chunk with no known copy is new: keep its local copy (a known one was kept when first placed)
      if (known.length === 0) fresh.push(chunk)
      const holding = new Set(known.map(c => c.holder))
      const needed = REPLICAS - holding.size
      if (needed <= 0) continue // already attested at its holders: incremental puts skip it
      const ranked = rankHolders(chunk.id, identity.peerId, members, chunk.bytes.length).filter(h => !holding.has(h.peerIdString))
      jobs.push({ chunk, ranked, needed })
    }
    // the local write runs while the window is on the wire; both settle before the window ends.
    // Chunks nobody could take stay Partial/AtRisk for repair.
    const [network, disk] = await Promise.allSettled([
      placeHedged(jobs, { placer, ...ctx }),
      this.init.keepLocalChunks && fresh.length > 0 ? this.components.store.putChunksAndRoots(fresh, []) : Promise.resolve()
    ])
    if (network.status === 'rejected') throw network.reason
    if (disk.status === 'rejected') throw disk.reason
  }

  /** Stores the sealed manifest at its two rendezvous holders (with fallbacks). */
  private async placeManifest(sealed: Uint8Array, id: Uint8Array, members: HolderInfo[], signal: AbortSignal): Promise<ManifestCopy[]> {
    const { libp2p, identity, verifier, log } = this.components
    const placed: ManifestCopy[] = []
    for (const holder of rankHolders(id, identity.peerId, members, Math.min(sealed.length, 65_536))) {
      if (placed.length >= REPLICAS) break
      try {
        const att = await putManifest(libp2p, peerIdFromString(holder.peerIdString), sealed, this.init.leaseMs, {
          signal,
          timeoutMs: this.init.requestTimeoutMs
        })
        const v = verifier.verify(att, { owner: identity.peerId, holder: holder.peerId, item: { id, size: sealed.length } }, this.components.book.now())
        placed.push({ holder: holder.peerIdString, leaseExpiresAt: v.leaseExpiresAt })
      } catch (err) {
        if (signal.aborted) throw signal.reason
        log?.('manifest store failed; trying the next holder', { holder: holder.peerIdString, err: String(err) })
      }
    }
    return placed
  }
}
