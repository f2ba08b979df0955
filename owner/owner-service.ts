import { peerIdFromString } from '@libp2p/peer-id'
import {
  AttestationVerifier,
  ChunkCipher,
  type ChunkHealth,
  type HealthSummary,
  HealthTracker,
  type Identity,
  InvalidAttestationError,
  type Manifest,
  ManifestBuilder,
  MeshkeepError,
  type NodeKeys,
  openManifest,
  openStream,
  rankHolders,
  sealManifest,
  sealStream,
  sha256,
  type StateChunk,
  toHex,
  bytesEqual,
  WriteStateMachine,
  peerIdToString
} from '../core/index.js'
import { fetchChunks, getManifest, MAX_BATCH, putManifest, type RpcLibp2p, storeChunks } from '../protocols/index.js'
import type { OwnerStore } from './owner-store.js'
import { withRetry } from './retry.js'
import type { HolderDirectory, HolderInfo, PointerDirectory, Progress, PutResult, RecoveryReport } from './types.js'

export interface OwnerComponents {
  libp2p: RpcLibp2p
  identity: Identity
  keys: NodeKeys
  store: OwnerStore
  directory: HolderDirectory
  pointers: PointerDirectory
}

export interface OwnerInit {
  /** lease asked of holders, ms @default 7 days */
  leaseMs?: number
  /** chunks encrypted and placed per window (memory bound: window × 64 KiB × 2) @default 128 */
  windowChunks?: number
  /** store/fetch exchanges in flight at once @default 8 */
  concurrency?: number
  /** attempts per exchange before falling back @default 3 */
  attempts?: number
  retryBaseMs?: number
  /** per-exchange deadline, ms @default 30000 */
  requestTimeoutMs?: number
  /** grace period before DEGRADED, ms @default 60000 */
  gracePeriodMs?: number
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

interface Job {
  chunk: { id: Uint8Array; bytes: Uint8Array }
  ranked: HolderInfo[]
  tried: Set<string>
  needed: number
}

interface Counters {
  retries: number
  fallbacks: number
  invalidAttestations: number
  bytesSent: number
  chunksSent: number
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await fn(item)
    }
  })
  await Promise.all(workers)
}

/**
 * The owner side: turns a state into a replicated version (distribution),
 * tracks its health and write state, and rebuilds it from the network
 * (recovery).
 */
export class OwnerService {
  readonly health: HealthTracker
  readonly writeState: WriteStateMachine
  readonly verifier = new AttestationVerifier()
  private readonly cipher: ChunkCipher
  private readonly self: string
  private current?: { controller: AbortController; done: Promise<unknown> }
  private latest?: Manifest
  private readonly init: Required<Omit<OwnerInit, 'log'>> & Pick<OwnerInit, 'log'>

  constructor(
    private readonly components: OwnerComponents,
    init: OwnerInit = {}
  ) {
    this.init = {
      leaseMs: init.leaseMs ?? 7 * 24 * 3600 * 1000,
      windowChunks: init.windowChunks ?? 128,
      concurrency: init.concurrency ?? 8,
      attempts: init.attempts ?? 3,
      retryBaseMs: init.retryBaseMs ?? 200,
      requestTimeoutMs: init.requestTimeoutMs ?? 30_000,
      gracePeriodMs: init.gracePeriodMs ?? 60_000,
      log: init.log
    }
    this.self = components.identity.peerIdString
    this.cipher = new ChunkCipher({ chunkKey: components.keys.chunkKey, nonceKey: components.keys.nonceKey, owner: components.identity.peerId })
    this.health = new HealthTracker({ owner: this.self })
    this.writeState = new WriteStateMachine({
      gracePeriodMs: this.init.gracePeriodMs,
      onTransition: (from, to) => this.init.log?.('write state changed', { from, to })
    })
  }

  /** Loads the latest manifest and stored attestations (health survives restarts). */
  async start(): Promise<void> {
    const { store, keys, identity } = this.components
    const latest = await store.latestVersion()
    if (latest !== null) {
      const sealed = await store.getManifest(latest)
      if (sealed !== undefined) this.latest = openManifest(sealed, keys.manifestKey, identity.peerId)
    }
    for (const c of this.latest?.chunks ?? []) this.health.markPlaced(c.id)
    for await (const [idHex, a] of store.attestations()) {
      this.health.recordCopy(Buffer.from(idHex, 'hex'), { holder: a.holder, attestedAt: a.attestedAt, leaseExpiresAt: a.leaseExpiresAt, receiptId: '' })
    }
    if (this.latest !== undefined) this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
    this.refreshWriteState()
  }

  get latestManifest(): Manifest | undefined {
    return this.latest
  }

  /** Feeds membership and health into the write-state machine. */
  refreshWriteState(): void {
    const members = this.components.directory.members().filter(m => m.peerIdString !== this.self)
    this.writeState.dispatch({ type: 'REGISTRY_UPDATED', remoteMembers: members.length })
    if (this.latest !== undefined) {
      const s = this.summary()
      this.writeState.dispatch({ type: s.replicated === s.total ? 'LATEST_REPLICATED' : 'LATEST_UNDER_REPLICATED' })
      this.writeState.setDetail(`${s.total - s.replicated} of ${s.total} chunks lack two attested remote copies`)
    }
    this.writeState.tick()
  }

  summary(now = Date.now()): HealthSummary {
    return this.health.summary(this.latest?.chunks.map(c => c.id) ?? [], now)
  }

  /** Per-chunk view of the latest version, for `meshkeep replication`. */
  replication(now = Date.now()): { version: number | null; chunks: Array<{ index: number; id: string; size: number; health: ChunkHealth; holders: Array<{ peerId: string; attested: boolean; attestedAt: number }> }> } {
    return {
      version: this.latest?.version ?? null,
      chunks: (this.latest?.chunks ?? []).map((c, index) => ({
        index,
        id: toHex(c.id),
        size: c.size,
        health: this.health.health(c.id, now),
        holders: this.health.validCopies(c.id, now).map(h => ({ peerId: h.holder, attested: true, attestedAt: h.attestedAt }))
      }))
    }
  }

  /**
   * Stores a new state version. One distribution runs at a time; a newer put
   * aborts an older one in flight (which then publishes nothing).
   */
  async put(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<PutResult> {
    this.refreshWriteState()
    this.writeState.assertWritable()
    const previous = this.current
    const controller = new AbortController()
    const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
    const done = (async () => {
      if (previous !== undefined) {
        previous.controller.abort(new MeshkeepError('ABORTED', 'superseded by a newer version'))
        await previous.done.catch(() => {})
      }
      return this.distribute(source, signal, options.onProgress)
    })()
    this.current = { controller, done }
    try {
      return await done
    } finally {
      if (this.current?.done === done) this.current = undefined
    }
  }

  private async distribute(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, signal: AbortSignal, onProgress?: (p: Progress) => void): Promise<PutResult> {
    const started = Date.now()
    const { store } = this.components
    const version = ((await store.latestVersion()) ?? 0) + 1
    const members = this.components.directory.members()
    const builder = new ManifestBuilder()
    const counters: Counters = { retries: 0, fallbacks: 0, invalidAttestations: 0, bytesSent: 0, chunksSent: 0 }
    let window: StateChunk[] = []
    const flush = async () => {
      await this.placeWindow(window, members, counters, signal)
      window = []
    }
    for await (const chunk of sealStream(source, this.cipher)) {
      signal.throwIfAborted()
      builder.add(chunk)
      window.push(chunk)
      onProgress?.({ bytes: builder.totalSize, chunks: builder.chunkCount })
      if (window.length >= this.init.windowChunks) await flush()
    }
    await flush()
    signal.throwIfAborted()
    const manifest = builder.build(version)
    const sealed = sealManifest(manifest, this.components.keys.manifestKey, this.components.identity)
    const manifestHolders = await this.placeManifest(sealed, members, signal)
    await store.putManifest(version, sealed)
    this.latest = manifest
    this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
    try {
      await this.components.pointers.publish({ version, manifestId: sha256(sealed), holders: manifestHolders.map(h => h.peerId) }, { signal: AbortSignal.timeout(15_000) })
    } catch (err) {
      this.init.log?.('publishing the version pointer failed; will retry on repair', { err: String(err) })
    }
    this.refreshWriteState()
    return { version, totalSize: manifest.totalSize, chunks: manifest.chunks.length, ...counters, ms: Date.now() - started }
  }

  /** Places one window of chunks: local copy, then two attested remote copies each. */
  private async placeWindow(window: StateChunk[], members: HolderInfo[], counters: Counters, signal: AbortSignal): Promise<void> {
    const now = Date.now()
    const jobs: Job[] = []
    for (const chunk of window) {
      if (!(await this.components.store.hasChunk(chunk.id))) await this.components.store.putChunk(chunk.id, chunk.bytes)
      this.health.markPlaced(chunk.id)
      const holding = new Set(this.health.validCopies(chunk.id, now + 3600_000).map(c => c.holder))
      const needed = 2 - holding.size
      if (needed <= 0) continue // already attested at its holders: incremental puts skip it
      const ranked = rankHolders(chunk.id, this.components.identity.peerId, members, chunk.bytes.length).filter(h => !holding.has(h.peerIdString))
      jobs.push({ chunk, ranked, tried: new Set(), needed })
    }
    await this.runJobs(jobs, counters, signal)
  }

  /** Rounds of batched sends; each failure moves the chunk to its next-ranked holder. */
  private async runJobs(jobs: Job[], counters: Counters, signal: AbortSignal): Promise<void> {
    let open = jobs
    let round = 0
    while (open.length > 0) {
      signal.throwIfAborted()
      const perHolder = new Map<string, { holder: HolderInfo; jobs: Job[] }>()
      for (const job of open) {
        const targets = job.ranked.filter(h => !job.tried.has(h.peerIdString)).slice(0, job.needed)
        if (round > 0 && targets.length > 0) counters.fallbacks += targets.length
        for (const h of targets) {
          job.tried.add(h.peerIdString)
          const entry = perHolder.get(h.peerIdString) ?? { holder: h, jobs: [] }
          entry.jobs.push(job)
          perHolder.set(h.peerIdString, entry)
        }
      }
      const batches: Array<{ holder: HolderInfo; jobs: Job[] }> = []
      for (const { holder, jobs: list } of perHolder.values()) {
        for (let i = 0; i < list.length; i += MAX_BATCH) batches.push({ holder, jobs: list.slice(i, i + MAX_BATCH) })
      }
      if (batches.length === 0) break // nobody left to try: these chunks stay Partial/AtRisk for repair
      await pool(batches, this.init.concurrency, b => this.sendBatch(b.holder, b.jobs, counters, signal))
      open = open.filter(j => j.needed > 0 && j.ranked.some(h => !j.tried.has(h.peerIdString)))
      round++
    }
  }

  private async sendBatch(holder: HolderInfo, jobs: Job[], counters: Counters, signal: AbortSignal): Promise<void> {
    const { libp2p, identity, store } = this.components
    const items = jobs.map(j => j.chunk)
    let results: Awaited<ReturnType<typeof storeChunks>>
    try {
      results = await withRetry(() => storeChunks(libp2p, peerIdFromString(holder.peerIdString), items, this.init.leaseMs, { signal, timeoutMs: this.init.requestTimeoutMs }), {
        attempts: this.init.attempts,
        baseDelayMs: this.init.retryBaseMs,
        maxDelayMs: 5_000,
        signal,
        onRetry: () => {
          counters.retries++
        }
      })
    } catch (err) {
      if (signal.aborted) throw signal.reason
      this.init.log?.('store failed; falling back', { holder: holder.peerIdString, err: String(err) })
      return
    }
    counters.chunksSent += items.length
    counters.bytesSent += items.reduce((n, i) => n + i.bytes.length, 0)
    const now = Date.now()
    for (const r of results) {
      const job = jobs[r.index]
      if (job === undefined || r.attestation === undefined) continue
      try {
        const v = this.verifier.verify(r.attestation, { owner: identity.peerId, holder: holder.peerId, item: { id: job.chunk.id, size: job.chunk.bytes.length } }, now)
        this.health.recordCopy(job.chunk.id, { holder: holder.peerIdString, attestedAt: now, leaseExpiresAt: v.leaseExpiresAt, receiptId: v.receiptId })
        await store.putAttestation(job.chunk.id, { holder: holder.peerIdString, attestation: r.attestation, attestedAt: now, leaseExpiresAt: v.leaseExpiresAt })
        job.needed--
      } catch (err) {
        if (!(err instanceof InvalidAttestationError)) throw err
        counters.invalidAttestations++
        this.init.log?.('invalid attestation; falling back', { holder: holder.peerIdString, reason: err.reason })
      }
    }
  }

  /** Stores the sealed manifest at its two rendezvous holders (with fallbacks). */
  private async placeManifest(sealed: Uint8Array, members: HolderInfo[], signal: AbortSignal): Promise<HolderInfo[]> {
    const id = sha256(sealed)
    const placed: HolderInfo[] = []
    for (const holder of rankHolders(id, this.components.identity.peerId, members, Math.min(sealed.length, 65_536))) {
      if (placed.length >= 2) break
      try {
        const att = await putManifest(this.components.libp2p, peerIdFromString(holder.peerIdString), sealed, { signal, timeoutMs: this.init.requestTimeoutMs })
        this.verifier.verify(att, { owner: this.components.identity.peerId, holder: holder.peerId, item: { id, size: sealed.length } })
        placed.push(holder)
      } catch (err) {
        if (signal.aborted) throw signal.reason
        this.init.log?.('manifest store failed; trying the next holder', { holder: holder.peerIdString, err: String(err) })
      }
    }
    return placed
  }

  /**
   * Rebuilds the latest version from the network alone: pointer from the
   * DHT, manifest from its holders, chunks from any holder in rendezvous
   * order, every id and the plaintext digest verified.
   */
  async recover(sink: (piece: Uint8Array) => Promise<void> | void, options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<RecoveryReport> {
    const started = Date.now()
    const signal = options.signal ?? new AbortController().signal
    const { libp2p, identity, keys, store } = this.components
    const members = this.components.directory.members().filter(m => m.peerIdString !== this.self)
    const pointer = await this.components.pointers.resolve({ signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) })
    const holdersUsed = new Set<string>()
    let retries = 0
    // Manifest: the pointer's holders first, then everyone.
    const manifestSources = [...(pointer?.holders.map(peerIdToString) ?? []), ...members.map(m => m.peerIdString)]
    let manifest: Manifest | undefined
    let sealed: Uint8Array | undefined
    for (const holder of [...new Set(manifestSources)]) {
      try {
        const bytes = await getManifest(libp2p, peerIdFromString(holder), pointer?.version ?? 'latest', { signal, timeoutMs: this.init.requestTimeoutMs })
        if (pointer !== undefined && !bytesEqual(sha256(bytes), pointer.manifestId)) throw new MeshkeepError('INVALID_MANIFEST', 'manifest does not match the signed pointer')
        const m = openManifest(bytes, keys.manifestKey, identity.peerId)
        if (manifest === undefined || m.version > manifest.version) {
          manifest = m
          sealed = bytes
        }
        if (pointer !== undefined) break
      } catch (err) {
        if (signal.aborted) throw err
        retries++
      }
    }
    if (manifest === undefined || sealed === undefined) throw new MeshkeepError('NOT_FOUND', 'no holder could provide a valid manifest for this identity')
    const m = manifest
    let bytes = 0
    const fetched = this.fetchInOrder(m, members, signal, holdersUsed, () => {
      retries++
    })
    let chunks = 0
    for await (const piece of openStream(fetched, this.cipher, m)) {
      await sink(piece)
      bytes += piece.length
      chunks++
      options.onProgress?.({ bytes, chunks })
    }
    await store.putManifest(m.version, sealed)
    this.latest = m
    this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
    return { version: m.version, chunks, bytes, holdersUsed: [...holdersUsed], retries, ms: Date.now() - started }
  }

  /** Yields chunk bytes in manifest order, fetching windows in parallel with fallback. */
  private async *fetchInOrder(m: Manifest, members: HolderInfo[], signal: AbortSignal, used: Set<string>, onRetry: () => void): AsyncGenerator<Uint8Array> {
    const { store, identity, libp2p } = this.components
    const windowSize = this.init.windowChunks
    for (let start = 0; start < m.chunks.length; start += windowSize) {
      const refs = m.chunks.slice(start, start + windowSize)
      const got: Array<Uint8Array | undefined> = new Array(refs.length)
      const pending = new Map<number, HolderInfo[]>()
      for (let i = 0; i < refs.length; i++) {
        const ref = refs[i] as (typeof refs)[number]
        const local = await store.getChunk(ref.id)
        if (local !== undefined) got[i] = local
        else pending.set(i, rankHolders(ref.id, identity.peerId, members, ref.size))
      }
      while (pending.size > 0) {
        signal.throwIfAborted()
        const perHolder = new Map<string, number[]>()
        for (const [i, ranked] of pending) {
          const next = ranked.shift()
          if (next === undefined) throw new MeshkeepError('UNAVAILABLE', `no holder returned chunk ${start + i} (${toHex(refs[i]?.id ?? new Uint8Array(0)).slice(0, 16)}…)`)
          const list = perHolder.get(next.peerIdString) ?? []
          list.push(i)
          perHolder.set(next.peerIdString, list)
        }
        const batches: Array<[string, number[]]> = []
        for (const [holder, list] of perHolder) for (let k = 0; k < list.length; k += MAX_BATCH) batches.push([holder, list.slice(k, k + MAX_BATCH)])
        await pool(batches, this.init.concurrency, async ([holder, idx]) => {
          try {
            const data = await fetchChunks(libp2p, peerIdFromString(holder), idx.map(i => (refs[i] as (typeof refs)[number]).id), { signal, timeoutMs: this.init.requestTimeoutMs })
            idx.forEach((i, k) => {
              const d = data[k]
              const ref = refs[i] as (typeof refs)[number]
              if (d !== undefined && bytesEqual(sha256(d), ref.id)) {
                got[i] = d
                pending.delete(i)
                used.add(holder)
              } else {
                onRetry()
              }
            })
          } catch (err) {
            if (signal.aborted) throw err
            onRetry()
          }
        })
      }
      for (let i = 0; i < refs.length; i++) {
        const d = got[i] as Uint8Array
        if (!(await store.hasChunk(refs[i]?.id ?? new Uint8Array(0)))) await store.putChunk(refs[i]?.id ?? new Uint8Array(0), d)
        yield d
      }
    }
  }
}
