import { Queue } from '@libp2p/utils'
import {
  AttestationVerifier,
  ChunkCipher,
  type HealthSummary,
  type Identity,
  type Manifest,
  MeshkeepError,
  type NodeKeys,
  openManifest,
  openStream,
  peerIdFromString as peerIdBytes,
  sha256,
  toHex,
  WriteStateMachine
} from '../core/index.js'
import type { RpcLibp2p } from '../protocols/index.js'
import { Auditor, type AuditReport, type AuditTarget } from './auditor.js'
import { ChunkFetcher, describeStuck, newFetchStats } from './chunk-fetcher.js'
import { CopyBook } from './copy-book.js'
import { Distributor } from './distributor.js'
import { HolderSpeeds } from './holder-speeds.js'
import { MaintenanceQueue } from './maintenance-queue.js'
import { waitForMesh } from './mesh-wait.js'
import { type OwnerInit, type ResolvedOwnerInit, resolveOwnerInit } from './owner-init.js'
import type { OwnerStore } from './owner-store.js'
import { Placer } from './placer.js'
import { Reachability } from './reachability.js'
import { Recoverer } from './recoverer.js'
import { type ReleaseReport, Releaser } from './releaser.js'
import { Repairer, type RepairReport, type RetainedVersion } from './repairer.js'
import type {
  HolderDirectory,
  HolderInfo,
  PointerDirectory,
  Progress,
  PutResult,
  ReadReport,
  RecoveryReport,
  RepairStatus,
  ReplicationView,
  VersionInfo
} from './types.js'

export interface OwnerComponents {
  libp2p: RpcLibp2p
  identity: Identity
  keys: NodeKeys
  store: OwnerStore
  directory: HolderDirectory
  pointers: PointerDirectory
}

/** Options of a transfer that reads from the network (`read`, `recover`). */
export interface TransferOptions {
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  /** give up after this long, ms @default the owner's `transferTimeoutMs` */
  timeoutMs?: number
}

const ABORTED_BY_PUT = 'a new version takes precedence over repair and release'
/** How long a put waits for unreachable holders to answer a probe before it places without them, ms. */
const PUT_PROBE_MS = 2_000

/**
 * The owner side: turns a state into a replicated version (distribution),
 * keeps every retained version replicated and its leases renewed (audits,
 * repair, rebalancing after epoch changes), lets old versions go (release),
 * reads any retained version back without changing anything (read), and
 * rebuilds the state from the network (recovery).
 *
 * Puts, repairs, releases and recoveries take turns under one lock; a put
 * aborts a repair or release in flight (they run again after it). Reads take
 * no lock: they pin the version they read, so a release keeps it until the
 * read is done.
 */
export class OwnerService {
  readonly writeState: WriteStateMachine
  readonly verifier = new AttestationVerifier()
  /** the last repair run (`undefined` before the first) */
  lastRepair?: RepairStatus
  lastRepairReport?: RepairReport
  lastAudit?: AuditReport
  lastRelease?: ReleaseReport
  private readonly cipher: ChunkCipher
  private readonly self: string
  private readonly book: CopyBook
  private readonly reach = new Reachability()
  private readonly speeds = new HolderSpeeds()
  private readonly placer: Placer
  private readonly auditor: Auditor
  private readonly repairer: Repairer
  private readonly releaser: Releaser
  private readonly fetcher: ChunkFetcher
  private readonly lock = new Queue<unknown>({ concurrency: 1 })
  private current?: { controller: AbortController; done: Promise<unknown> }
  private maintenanceController?: AbortController
  private putsWaiting = 0
  /** every retained version's manifest, opened, by version */
  private readonly retained = new Map<number, Manifest>()
  private latestVersion?: number
  /** versions being read, with how many reads each: a release keeps them */
  private readonly pins = new Map<number, number>()
  private readonly init: ResolvedOwnerInit
  private releaseDue = false
  private readonly maintenance: MaintenanceQueue
  private auditTimer?: NodeJS.Timeout
  private auditing = false
  private probeTimer?: NodeJS.Timeout
  private stopController = new AbortController()
  private readonly distributor: Distributor
  private readonly recoverer: Recoverer
  /** the census after a recovery, while it runs */
  private censusRun?: Promise<void>

  constructor(
    private readonly components: OwnerComponents,
    init: OwnerInit = {}
  ) {
    this.init = resolveOwnerInit(init)
    const log = this.init.log
    const { identity, keys, store, directory, pointers, libp2p } = components
    this.self = identity.peerIdString
    this.cipher = new ChunkCipher({ chunkKey: keys.chunkKey, nonceKey: keys.nonceKey, owner: identity.peerId })
    this.writeState = new WriteStateMachine({
      gracePeriodMs: this.init.gracePeriodMs,
      now: this.init.now,
      onTransition: (from, to) => log?.('write state changed', { from, to })
    })
    this.book = new CopyBook({ store, now: this.init.now })
    const onContact = (holder: string, answered: boolean) => this.onContact(holder, answered)
    const { leaseMs, attempts, retryBaseMs, requestTimeoutMs, concurrency, windowChunks, windowsInFlight, keepLocalChunks } = this.init
    this.placer = new Placer(
      { libp2p, identity, verifier: this.verifier, book: this.book, onContact, log },
      { leaseMs, attempts, retryBaseMs, requestTimeoutMs }
    )
    this.auditor = new Auditor({ libp2p, store, book: this.book, onContact, log }, { requestTimeoutMs, concurrency, attempts, retryBaseMs })
    this.repairer = new Repairer(
      { libp2p, identity, verifier: this.verifier, store, book: this.book, reach: this.reach, placer: this.placer, directory, pointers, onContact, log },
      { repairAfterMs: this.init.repairAfterMs, concurrency, windowChunks, requestTimeoutMs, renewBeforeMs: Math.floor(leaseMs / 4), leaseMs }
    )
    this.releaser = new Releaser(
      { libp2p, identity, keys, store, book: this.book, onContact, log },
      { retainVersions: this.init.retainVersions, concurrency, requestTimeoutMs }
    )
    this.maintenance = new MaintenanceQueue(
      w => this.maintainOnce(w),
      () => this.stopController.signal.aborted,
      log
    )
    this.distributor = new Distributor(
      { libp2p, identity, keys, cipher: this.cipher, store, book: this.book, placer: this.placer, verifier: this.verifier, log },
      { windowChunks, windowsInFlight, concurrency, keepLocalChunks, requestTimeoutMs, leaseMs, hedge: this.init.hedge }
    )
    this.fetcher = new ChunkFetcher(
      { libp2p, identity, store, directory, speeds: this.speeds, log },
      { windowChunks, windowsInFlight, concurrency, attempts, retryBaseMs, requestTimeoutMs }
    )
    this.recoverer = new Recoverer(
      { libp2p, identity, keys, cipher: this.cipher, store, pointers, directory, fetcher: this.fetcher, auditor: this.auditor, book: this.book, log },
      { attempts, retryBaseMs, requestTimeoutMs, keepLocalChunks, censusDepth: this.init.censusDepth, retainVersions: this.init.retainVersions }
    )
  }

  /** Loads every retained manifest and the known copies (health survives restarts). */
  async start(): Promise<void> {
    const { store, keys, identity } = this.components
    this.retained.clear()
    for (const v of await store.versions()) {
      const sealed = await store.getManifest(v)
      if (sealed === undefined) continue
      try {
        this.retained.set(v, openManifest(sealed, keys.manifestKey, identity.peerId))
      } catch (err) {
        throw new MeshkeepError(
          'INVALID_MANIFEST',
          `the stored manifest of version ${v} in this data dir is damaged: ${(err as Error).message}; run meshkeep check`,
          {
            cause: err
          }
        )
      }
    }
    const latest = await store.latestVersion()
    this.latestVersion = latest !== null && this.retained.has(latest) ? latest : undefined
    await this.book.load()
    if (this.latestVersion !== undefined) this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
    this.releaseDue = true
    this.refreshWriteState()
  }

  /**
   * Starts background maintenance: the audit timer (every `auditIntervalMs`,
   * none when 0; each round is followed by a repair check), and a first
   * repair check and release right away.
   */
  startMaintenance(): void {
    if (this.stopController.signal.aborted) this.stopController = new AbortController()
    if (this.auditTimer === undefined && this.init.auditIntervalMs > 0) {
      this.auditTimer = setInterval(() => {
        void this.tick()
      }, this.init.auditIntervalMs)
      this.auditTimer.unref()
    }
    this.schedule({ repair: this.init.autoRepair, release: true })
  }

  /** Stops timers and aborts audits, repairs and releases in flight; nothing new starts until `startMaintenance()`. */
  async stop(): Promise<void> {
    clearInterval(this.auditTimer)
    clearTimeout(this.probeTimer)
    this.auditTimer = undefined
    this.probeTimer = undefined
    this.stopController.abort(new MeshkeepError('ABORTED', 'owner service stopped'))
    await this.maintenance.stop()
    await this.censusRun
  }

  get latestManifest(): Manifest | undefined {
    return this.latestVersion === undefined ? undefined : this.retained.get(this.latestVersion)
  }

  /** Every retained version, ascending, with its health. */
  versions(now = this.init.now()): VersionInfo[] {
    return [...this.retained.values()]
      .sort((a, b) => a.version - b.version)
      .map(m => ({
        version: m.version,
        size: m.totalSize,
        chunks: m.chunks.length,
        createdAt: m.createdAt,
        health: this.book.summary(
          m.chunks.map(c => c.id),
          now
        )
      }))
  }

  /** Copies that failed an audit since start (metrics: `meshkeep_audit_failures_total`). */
  get auditFailures(): number {
    return this.auditor.failures
  }

  /** Feeds membership and health into the write-state machine. */
  refreshWriteState(): void {
    const members = this.components.directory.members().filter(m => m.peerIdString !== this.self)
    this.writeState.dispatch({ type: 'REGISTRY_UPDATED', remoteMembers: members.length })
    if (this.latestManifest !== undefined) {
      const s = this.summary()
      this.writeState.dispatch({ type: s.replicated === s.total ? 'LATEST_REPLICATED' : 'LATEST_UNDER_REPLICATED' })
      this.writeState.setDetail(`${s.total - s.replicated} of ${s.total} chunks lack two attested remote copies`)
    }
    this.writeState.tick()
  }

  /** Health of the latest version. */
  summary(now = this.init.now()): HealthSummary {
    return this.book.summary(this.latestManifest?.chunks.map(c => c.id) ?? [], now)
  }

  /** Per-chunk view of the latest version, for `meshkeep replication`: every known copy, attested or audit-verified. */
  replication(now = this.init.now()): ReplicationView {
    const latest = this.latestManifest
    return {
      version: latest?.version ?? null,
      chunks: (latest?.chunks ?? []).map((c, index) => ({
        index,
        id: toHex(c.id),
        size: c.size,
        health: this.book.health(c.id, now),
        holders: this.book.copies(c.id).map(k => ({
          peerId: k.holder,
          attested: k.attestation !== undefined,
          attestedAt: k.attestedAt,
          leaseExpiresAt: k.leaseExpiresAt,
          reachable: !this.book.isSuspended(k.holder)
        }))
      }))
    }
  }

  /** Registry membership changed: refresh the write state and check for departed holders. */
  onMembershipChange(): void {
    this.refreshWriteState()
    if (this.init.autoRepair) this.schedule({ repair: true })
  }

  /** A new registry epoch: move the chunks whose primaries changed. */
  onEpoch(): void {
    if (this.init.autoRepair) this.schedule({ rebalance: true })
  }

  /**
   * Stores a new state version. One distribution runs at a time; a newer put
   * aborts an older one in flight (which then publishes nothing), and any
   * repair or release in flight.
   */
  async put(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}
  ): Promise<PutResult> {
    this.refreshWriteState()
    this.writeState.assertWritable()
    const previous = this.current
    const controller = new AbortController()
    const signal = options.signal != null ? AbortSignal.any([options.signal, controller.signal]) : controller.signal
    this.putsWaiting++
    const done = (async () => {
      if (previous !== undefined) {
        previous.controller.abort(new MeshkeepError('ABORTED', 'superseded by a newer version'))
        await previous.done.catch(() => {})
      }
      this.maintenanceController?.abort(new MeshkeepError('ABORTED', ABORTED_BY_PUT))
      return this.locked(async () => {
        this.putsWaiting--
        return this.distribute(source, signal, options.onProgress)
      })
    })()
    this.current = { controller, done }
    try {
      const result = await done
      this.releaseDue = true
      const s = this.summary()
      this.schedule({ release: true, repair: this.init.autoRepair && s.replicated !== s.total })
      return result
    } finally {
      if (this.current?.done === done) this.current = undefined
    }
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.add(fn) as Promise<T>
  }

  /** Every retained version, for maintenance. */
  private retainedVersions(): RetainedVersion[] {
    return [...this.retained.values()].map(m => ({ version: m.version, chunks: m.chunks, latest: m.version === this.latestVersion }))
  }

  /** Every chunk of every retained version, once. */
  private retainedChunks(): Array<{ id: Uint8Array; size: number }> {
    const out = new Map<string, { id: Uint8Array; size: number }>()
    for (const m of this.retained.values()) for (const c of m.chunks) out.set(toHex(c.id), c)
    return [...out.values()]
  }

  /**
   * One audit round over every retained version: a random sample of known
   * copies (at most `auditSample`), plus one probe per unreachable holder to
   * notice its return. Failed copies are dropped; with `autoRepair`, a
   * failure or a holder unreachable past `repairAfterMs` starts a repair.
   */
  async auditNow(options: { signal?: AbortSignal } = {}): Promise<AuditReport> {
    const chunks = this.retainedChunks()
    const empty: AuditReport = { at: Date.now(), challenged: 0, passed: 0, failed: 0, unreachable: 0, inconclusive: 0, discovered: 0, failures: [] }
    if (chunks.length === 0) return empty
    const targets = this.auditor.sample(chunks, this.init.auditSample)
    targets.push(...this.probes(chunks, new Set(targets.map(t => t.holder))))
    const signal = AbortSignal.any([this.stopController.signal, ...(options.signal ? [options.signal] : [])])
    const report = await this.auditor.audit(targets, signal, { discover: true })
    this.lastAudit = report
    this.refreshWriteState()
    if (this.init.autoRepair && (report.failed > 0 || this.reach.overdue(this.init.now(), this.init.repairAfterMs).length > 0)) this.schedule({ repair: true })
    return report
  }

  /** Audit targets that probe the unreachable holders still in the registry (see Auditor.probeTargets). */
  private probes(chunks: Array<{ id: Uint8Array; size: number }>, skip: ReadonlySet<string>): AuditTarget[] {
    const members = new Set(this.components.directory.members().map(m => m.peerIdString))
    return this.auditor.probeTargets(
      chunks,
      this.reach.downHolders().filter(h => members.has(h) && !skip.has(h))
    )
  }

  /**
   * Probes the holders marked unreachable, bounded by PUT_PROBE_MS, so a
   * put right after a holder's link came back places on it again instead of
   * waiting for the next probe round. Costs nothing when every holder is up.
   */
  private async probeDownHolders(signal: AbortSignal): Promise<void> {
    const targets = this.probes(this.retainedChunks(), new Set())
    if (targets.length === 0) return
    await this.auditor
      .audit(targets, AbortSignal.any([signal, this.stopController.signal, AbortSignal.timeout(PUT_PROBE_MS)]), { discover: true })
      .catch(err => {
        if (signal.aborted) throw err
      })
  }

  /**
   * While some holder is unreachable, probe it sooner than the next audit
   * round (at most every minute), so a short outage does not keep its
   * copies out of health (and writes blocked) for a whole audit interval.
   */
  private scheduleProbe(): void {
    if (this.probeTimer !== undefined || this.auditTimer === undefined || this.stopController.signal.aborted) return
    this.probeTimer = setTimeout(
      () => {
        this.probeTimer = undefined
        const targets = this.probes(this.retainedChunks(), new Set())
        if (targets.length === 0) return
        this.auditor
          .audit(targets, this.stopController.signal, { discover: true })
          .then(() => this.refreshWriteState())
          .catch(err => {
            if (!this.stopController.signal.aborted) this.init.log?.('probing unreachable holders failed', { err: String(err) })
          })
          .finally(() => {
            if (this.reach.downHolders().length > 0) this.scheduleProbe()
          })
      },
      Math.min(this.init.auditIntervalMs, 60_000)
    )
    this.probeTimer.unref()
  }

  /**
   * Keeps every retained version replicated now (see `Repairer`): waits for
   * a put in progress, and is aborted by a put that starts. With
   * `rebalance`, also moves chunks whose rendezvous primaries changed.
   */
  async repair(options: { rebalance?: boolean; signal?: AbortSignal } = {}): Promise<RepairReport> {
    return this.locked(async () => {
      const started = Date.now()
      if (this.retained.size === 0)
        return { at: started, moved: 0, failed: 0, renewed: 0, released: 0, gone: [], manifestMoved: 0, pointerPublished: false, ms: 0 }
      const signal = this.maintenanceSignal(options.signal)
      try {
        const r = await this.repairer.run(this.retainedVersions(), { rebalance: options.rebalance === true, signal })
        this.lastRepair = { at: r.at, moved: r.moved, failed: r.failed }
        this.lastRepairReport = r
        if (r.moved > 0 || r.gone.length > 0 || r.released > 0 || r.renewed > 0) this.init.log?.('repair done', { ...r })
        return r
      } finally {
        this.maintenanceController = undefined
        this.refreshWriteState()
      }
    })
  }

  /**
   * Lets versions older than the latest `retainVersions` go (see `Releaser`).
   * Only runs when the latest version is fully replicated, so a version is
   * never dropped before its successor is safe; otherwise returns undefined.
   */
  async release(options: { signal?: AbortSignal } = {}): Promise<ReleaseReport | undefined> {
    return this.locked(async () => {
      const s = this.summary()
      if (this.latestManifest === undefined || s.replicated !== s.total) return undefined
      const signal = this.maintenanceSignal(options.signal)
      try {
        const r = await this.releaser.run(signal, new Set(this.pins.keys()))
        for (const v of r.droppedVersions) this.retained.delete(v)
        this.lastRelease = r
        this.releaseDue = r.failedHolders.length > 0 || this.pins.size > 0
        return r
      } finally {
        this.maintenanceController = undefined
      }
    })
  }

  /** A signal for a repair or release: aborted by stop(), the caller, or a put (also one already waiting). */
  private maintenanceSignal(caller?: AbortSignal): AbortSignal {
    const controller = new AbortController()
    this.maintenanceController = controller
    if (this.putsWaiting > 0) controller.abort(new MeshkeepError('ABORTED', ABORTED_BY_PUT))
    return AbortSignal.any([controller.signal, this.stopController.signal, ...(caller ? [caller] : [])])
  }

  private onContact(holder: string, answered: boolean): void {
    if (answered) {
      if (this.reach.markUp(holder)) {
        this.book.resume(holder)
        this.init.log?.('holder reachable again', { holder })
        // chunks placed around it while it was down go back to their rendezvous primaries
        if (this.init.autoRepair) this.schedule({ rebalance: true })
      }
    } else if (this.reach.markDown(holder, this.init.now())) {
      this.book.suspend(holder)
      this.speeds.penalize(holder)
      this.init.log?.('holder unreachable; its copies no longer count', { holder })
      this.scheduleProbe()
    }
  }

  private async tick(): Promise<void> {
    if (this.auditing || this.retained.size === 0) return
    this.auditing = true
    try {
      await this.auditNow()
      if (this.init.autoRepair) this.schedule({ repair: true })
    } catch (err) {
      if (!this.stopController.signal.aborted) this.init.log?.('audit round failed', { err: String(err) })
    } finally {
      this.auditing = false
    }
  }

  /** Queues background work (see MaintenanceQueue). */
  private schedule(what: Parameters<MaintenanceQueue['want']>[0]): void {
    this.maintenance.want(what)
  }

  /** One maintenance pass: repair (and rebalancing) first, then release. */
  private async maintainOnce(w: { repair: boolean; rebalance: boolean; release: boolean }): Promise<void> {
    if (w.repair || w.rebalance) await this.repair({ rebalance: w.rebalance })
    if (this.releaseDue || w.release) await this.release()
  }

  private async distribute(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    signal: AbortSignal,
    onProgress?: (p: Progress) => void
  ): Promise<PutResult> {
    const started = Date.now()
    const { store } = this.components
    const version = ((await store.latestVersion()) ?? 0) + 1
    // holders known to be unreachable are skipped unless they answer a quick probe now (a link that came back)
    await this.probeDownHolders(signal)
    const members = this.components.directory.members().filter(m => !this.reach.isDown(m.peerIdString))
    const d = await this.distributor.distribute(source, version, members, signal, onProgress)
    await store.putManifest(version, d.sealed)
    await store.putManifestPlacement(version, { manifestId: d.manifestId, holders: d.manifestHolders, published: false })
    this.retained.set(version, d.manifest)
    this.latestVersion = version
    this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
    try {
      await this.components.pointers.publish(
        { version, manifestId: d.manifestId, holders: d.manifestHolders.map(h => peerIdBytes(h.holder)) },
        { signal: AbortSignal.timeout(15_000) }
      )
      await store.putManifestPlacement(version, { manifestId: d.manifestId, holders: d.manifestHolders, published: true })
    } catch (err) {
      this.init.log?.('publishing the version pointer failed; will retry on repair', { err: String(err) })
    }
    this.refreshWriteState()
    const { retries, fallbacks, hedges, invalidAttestations, bytesSent, chunksSent } = d.counters
    return {
      version,
      totalSize: d.manifest.totalSize,
      chunks: d.manifest.chunks.length,
      retries,
      fallbacks,
      hedges,
      invalidAttestations,
      bytesSent,
      chunksSent,
      ms: Date.now() - started
    }
  }

  /** The caller's signal joined with the transfer's deadline; `expired()` tells whether the deadline is what ended it. */
  private transferSignal(options: TransferOptions): { signal: AbortSignal; expired: () => boolean; timeoutMs: number } {
    const timeoutMs = options.timeoutMs ?? this.init.transferTimeoutMs
    const deadline = AbortSignal.timeout(timeoutMs)
    const signals = [deadline, this.stopController.signal, ...(options.signal ? [options.signal] : [])]
    return { signal: AbortSignal.any(signals), expired: () => deadline.aborted && options.signal?.aborted !== true, timeoutMs }
  }

  /**
   * Reads a retained version back (the latest when `version` is undefined)
   * and streams its plaintext into `sink`: this node's intact local copies
   * first, the rest from holders. A pure read: it changes no version, write
   * state, manifest or copy record, and it may run beside a put (the
   * version is pinned, so a release keeps it until the read ends).
   */
  async read(version: number | undefined, sink: (piece: Uint8Array) => Promise<void> | void, options: TransferOptions = {}): Promise<ReadReport> {
    const started = Date.now()
    const v = version ?? this.latestVersion
    if (v === undefined) {
      throw new MeshkeepError('NOT_FOUND', 'this node has no state version yet: meshkeep put stores one, meshkeep recover rebuilds one from the network')
    }
    const m = this.retained.get(v)
    if (m === undefined) {
      const kept = [...this.retained.keys()].sort((a, b) => a - b)
      throw new MeshkeepError('NOT_FOUND', `version ${v} is not retained on this node; retained versions: ${kept.length > 0 ? kept.join(', ') : 'none'}`)
    }
    this.pins.set(v, (this.pins.get(v) ?? 0) + 1)
    const { signal, expired, timeoutMs } = this.transferSignal(options)
    const stats = newFetchStats()
    try {
      const placement = await this.components.store.getManifestPlacement(v)
      const chunks = this.fetcher.fetchInOrder(
        m,
        { signal, useLocal: true, keep: 'nothing', manifestHolders: placement?.holders.map(h => h.holder) ?? [] },
        stats
      )
      let bytes = 0
      let count = 0
      for await (const piece of openStream(chunks, this.cipher, m, { idsVerified: true })) {
        await sink(piece)
        bytes += piece.length
        count++
        options.onProgress?.({ phase: 'transferring', bytes, chunks: count, totalBytes: m.totalSize })
      }
      return {
        version: v,
        chunks: count,
        bytes,
        localChunks: stats.localChunks,
        holdersUsed: [...stats.holdersUsed],
        retries: stats.retries,
        ms: Date.now() - started
      }
    } catch (err) {
      if (expired()) throw new MeshkeepError('UNAVAILABLE', `reading version ${v} failed: ${describeStuck(stats, timeoutMs)}`, { cause: err })
      throw err
    } finally {
      const left = (this.pins.get(v) ?? 1) - 1
      if (left > 0) this.pins.set(v, left)
      else this.pins.delete(v)
    }
  }

  /**
   * Rebuilds the latest version from the network alone (see `Recoverer`)
   * and makes it this node's latest. It first waits until the registry view
   * has settled, and keeps looking for missing chunks (refreshing the view)
   * until `timeoutMs`; the error then says what it tried. Returns once every
   * byte reached the sink; then a census locates the remote copies and the
   * older retained versions in the background (see `whenCensusDone()`):
   * until it has, the version counts as under-replicated and writes stay
   * blocked, which is the truth as far as this node knows.
   */
  async recover(sink: (piece: Uint8Array) => Promise<void> | void, options: TransferOptions = {}): Promise<RecoveryReport> {
    return this.locked(async () => {
      const started = Date.now()
      const { signal, expired, timeoutMs } = this.transferSignal(options)
      const { store, directory } = this.components
      let members = 0
      try {
        members = await waitForMesh(directory, this.self, signal, n => options.onProgress?.({ phase: 'waiting for the mesh', members: n, bytes: 0, chunks: 0 }))
      } catch (err) {
        if (expired()) {
          throw new MeshkeepError(
            'UNAVAILABLE',
            `no other meshkeep node appeared in the registry within ${Math.round(timeoutMs / 1000)} s (${members} members, ${directory.connectedPeers?.().length ?? 0} connected peers): check the bootstrap list and the network`,
            { cause: err }
          )
        }
        throw err
      }
      const waitedMs = Date.now() - started
      let r: Awaited<ReturnType<Recoverer['recover']>>
      try {
        r = await this.recoverer.recover(sink, { signal, onProgress: options.onProgress })
      } catch (err) {
        if (expired())
          throw new MeshkeepError(
            'UNAVAILABLE',
            `recovery did not finish: ${this.recoverer.lastTrouble ?? `nothing found within ${Math.round(timeoutMs / 1000)} s`}`,
            { cause: err }
          )
        throw err
      }
      const m = r.manifest
      await store.putManifest(m.version, r.sealed)
      await store.putManifestPlacement(m.version, {
        manifestId: sha256(r.sealed),
        holders: r.manifestHolders.map(holder => ({ holder, leaseExpiresAt: 0 })),
        published: r.published
      })
      this.retained.set(m.version, m)
      this.latestVersion = m.version
      this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
      this.refreshWriteState()
      this.startCensus(
        m,
        directory.members().filter(h => h.peerIdString !== this.self),
        r.stats.sources
      )
      return {
        version: m.version,
        chunks: r.chunks,
        bytes: r.bytes,
        holdersUsed: [...r.stats.holdersUsed],
        retries: r.stats.retries,
        waitedMs,
        ms: Date.now() - started
      }
    })
  }

  /** Resolves when the census that follows a recovery has located the copies (at once when none runs). */
  async whenCensusDone(): Promise<void> {
    await this.censusRun
  }

  private startCensus(m: Manifest, members: HolderInfo[], sources: Map<string, string>): void {
    const signal = this.stopController.signal
    const run = (async () => {
      await this.recoverer.census(m, members, sources, signal)
      const { store } = this.components
      for (const old of await this.recoverer.restoreHistory(m.version, signal)) {
        if (this.retained.has(old.manifest.version)) continue
        await store.putManifest(old.manifest.version, old.sealed, { latest: false })
        await store.putManifestPlacement(old.manifest.version, { manifestId: sha256(old.sealed), holders: old.holders, published: false })
        this.retained.set(old.manifest.version, old.manifest)
        await this.recoverer.census(old.manifest, members, new Map(), signal)
      }
    })()
      .catch(err => {
        if (!signal.aborted) this.init.log?.('locating copies after recovery failed; audits and repair will catch up', { err: String(err) })
      })
      .finally(() => {
        if (this.censusRun === run) this.censusRun = undefined
        this.refreshWriteState()
        if (this.init.autoRepair) this.schedule({ repair: true })
      })
    this.censusRun = run
  }
}
