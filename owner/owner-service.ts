import {
  AttestationVerifier,
  ChunkCipher,
  createLimiter,
  type HealthSummary,
  HealthTracker,
  type Identity,
  type Limiter,
  type Manifest,
  MeshkeepError,
  type NodeKeys,
  openManifest,
  sha256,
  toHex,
  WriteStateMachine
} from '../core/index.js'
import type { RpcLibp2p } from '../protocols/index.js'
import { Auditor, type AuditReport, type AuditTarget } from './auditor.js'
import { CopyBook } from './copy-book.js'
import { Distributor } from './distributor.js'
import { MaintenanceQueue } from './maintenance-queue.js'
import { type OwnerInit, type ResolvedOwnerInit, resolveOwnerInit } from './owner-init.js'
import type { OwnerStore } from './owner-store.js'
import { Placer } from './placer.js'
import { Reachability } from './reachability.js'
import { Recoverer } from './recoverer.js'
import { type ReleaseReport, Releaser } from './releaser.js'
import { Repairer, type RepairReport } from './repairer.js'
import type { HolderDirectory, HolderInfo, PointerDirectory, Progress, PutResult, RecoveryReport, RepairStatus, ReplicationView } from './types.js'

export interface OwnerComponents {
  libp2p: RpcLibp2p
  identity: Identity
  keys: NodeKeys
  store: OwnerStore
  directory: HolderDirectory
  pointers: PointerDirectory
}

const ABORTED_BY_PUT = 'a new version takes precedence over repair and release'

/**
 * The owner side: turns a state into a replicated version (distribution),
 * tracks its health and write state, keeps it replicated (audits, repair,
 * rebalancing after epoch changes), lets old versions go (release), and
 * rebuilds it from the network (recovery).
 *
 * Puts, repairs, releases and recoveries take turns under one lock; a put
 * aborts a repair or release in flight (they run again after it).
 */
export class OwnerService {
  readonly health: HealthTracker
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
  private readonly placer: Placer
  private readonly auditor: Auditor
  private readonly repairer: Repairer
  private readonly releaser: Releaser
  private readonly lock: Limiter = createLimiter(1)
  private current?: { controller: AbortController; done: Promise<unknown> }
  private maintenanceController?: AbortController
  private putsWaiting = 0
  private latest?: Manifest
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
    const { identity, keys, store, directory, pointers } = components
    const libp2p = components.libp2p
    this.self = identity.peerIdString
    this.cipher = new ChunkCipher({ chunkKey: keys.chunkKey, nonceKey: keys.nonceKey, owner: identity.peerId })
    this.health = new HealthTracker({ owner: this.self })
    this.writeState = new WriteStateMachine({
      gracePeriodMs: this.init.gracePeriodMs,
      onTransition: (from, to) => log?.('write state changed', { from, to })
    })
    this.book = new CopyBook({ store, health: this.health })
    const onContact = (holder: string, answered: boolean) => this.onContact(holder, answered)
    this.placer = new Placer(
      { libp2p, identity, verifier: this.verifier, book: this.book, onContact, log },
      { leaseMs: this.init.leaseMs, attempts: this.init.attempts, retryBaseMs: this.init.retryBaseMs, requestTimeoutMs: this.init.requestTimeoutMs }
    )
    this.auditor = new Auditor(
      { libp2p, store, book: this.book, onContact, log },
      { requestTimeoutMs: this.init.requestTimeoutMs, concurrency: this.init.concurrency, attempts: this.init.attempts, retryBaseMs: this.init.retryBaseMs }
    )
    this.repairer = new Repairer(
      { libp2p, identity, verifier: this.verifier, store, book: this.book, reach: this.reach, placer: this.placer, directory, pointers, onContact, log },
      {
        repairAfterMs: this.init.repairAfterMs,
        concurrency: this.init.concurrency,
        windowChunks: this.init.windowChunks,
        requestTimeoutMs: this.init.requestTimeoutMs,
        renewBeforeMs: Math.floor(this.init.leaseMs / 4)
      }
    )
    this.releaser = new Releaser(
      { libp2p, identity, keys, store, book: this.book, health: this.health, onContact, log },
      { retainVersions: this.init.retainVersions, concurrency: this.init.concurrency, requestTimeoutMs: this.init.requestTimeoutMs }
    )
    this.maintenance = new MaintenanceQueue(
      w => this.maintainOnce(w),
      () => this.stopController.signal.aborted,
      log
    )
    const pipeline = {
      windowChunks: this.init.windowChunks,
      windowsInFlight: this.init.windowsInFlight,
      concurrency: this.init.concurrency,
      keepLocalChunks: this.init.keepLocalChunks,
      requestTimeoutMs: this.init.requestTimeoutMs
    }
    this.distributor = new Distributor(
      { libp2p, identity, keys, cipher: this.cipher, store, health: this.health, placer: this.placer, verifier: this.verifier, log },
      pipeline
    )
    this.recoverer = new Recoverer(
      { libp2p, identity, keys, cipher: this.cipher, store, pointers, auditor: this.auditor, book: this.book, log },
      { ...pipeline, attempts: this.init.attempts, retryBaseMs: this.init.retryBaseMs, censusDepth: this.init.censusDepth }
    )
  }

  /** Loads the latest manifest and the known copies (health survives restarts). */
  async start(): Promise<void> {
    const { store, keys, identity } = this.components
    const latest = await store.latestVersion()
    if (latest !== null) {
      const sealed = await store.getManifest(latest)
      if (sealed !== undefined) this.latest = openManifest(sealed, keys.manifestKey, identity.peerId)
    }
    for (const c of this.latest?.chunks ?? []) this.health.markPlaced(c.id)
    await this.book.load()
    if (this.latest !== undefined) this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
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
    return this.latest
  }

  /** The versions this owner retains (their manifests are in the owner store), ascending. */
  async versions(): Promise<number[]> {
    return this.components.store.versions()
  }

  /** Copies that failed an audit since start (metrics: `meshkeep_audit_failures_total`). */
  get auditFailures(): number {
    return this.auditor.failures
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

  /** Per-chunk view of the latest version, for `meshkeep replication`: every known copy, attested or audit-verified. */
  replication(now = Date.now()): ReplicationView {
    return {
      version: this.latest?.version ?? null,
      chunks: (this.latest?.chunks ?? []).map((c, index) => ({
        index,
        id: toHex(c.id),
        size: c.size,
        health: this.health.health(c.id, now),
        holders: this.book.copies(c.id).map(k => ({
          peerId: k.holder,
          attested: k.attested,
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
      return this.lock(async () => {
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

  /**
   * One audit round over the latest version: a random sample of known copies
   * (at most `auditSample`), plus one probe per unreachable holder to notice
   * its return. Failed copies are dropped from health; with `autoRepair`, a
   * failure or a holder unreachable past `repairAfterMs` starts a repair.
   */
  async auditNow(options: { signal?: AbortSignal } = {}): Promise<AuditReport> {
    const latest = this.latest
    const empty: AuditReport = { at: Date.now(), challenged: 0, passed: 0, failed: 0, unreachable: 0, inconclusive: 0, discovered: 0, failures: [] }
    if (latest === undefined || latest.chunks.length === 0) return empty
    const targets = this.auditor.sample(latest.chunks, this.init.auditSample)
    targets.push(...this.probes(latest, new Set(targets.map(t => t.holder))))
    const signal = AbortSignal.any([this.stopController.signal, ...(options.signal ? [options.signal] : [])])
    const report = await this.auditor.audit(targets, signal, { discover: true })
    this.lastAudit = report
    this.refreshWriteState()
    if (this.init.autoRepair && (report.failed > 0 || this.reach.overdue(Date.now(), this.init.repairAfterMs).length > 0)) this.schedule({ repair: true })
    return report
  }

  /** Audit targets that probe the unreachable holders still in the registry (see Auditor.probeTargets). */
  private probes(latest: Manifest, skip: ReadonlySet<string>): AuditTarget[] {
    const members = new Set(this.components.directory.members().map(m => m.peerIdString))
    return this.auditor.probeTargets(
      latest.chunks,
      this.reach.downHolders().filter(h => members.has(h) && !skip.has(h))
    )
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
        const latest = this.latest
        if (latest === undefined) return
        const targets = this.probes(latest, new Set())
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
   * Re-replicates the latest version now (see `Repairer`): waits for a put
   * in progress, and is aborted by a put that starts. With `rebalance`, also
   * moves chunks whose rendezvous primaries changed.
   */
  async repair(options: { rebalance?: boolean; signal?: AbortSignal } = {}): Promise<RepairReport> {
    return this.lock(async () => {
      const latest = this.latest
      const started = Date.now()
      if (latest === undefined) return { at: started, moved: 0, failed: 0, released: 0, gone: [], manifestMoved: 0, pointerPublished: false, ms: 0 }
      const signal = this.maintenanceSignal(options.signal)
      try {
        const r = await this.repairer.run({ version: latest.version, chunks: latest.chunks }, { rebalance: options.rebalance === true, signal })
        this.lastRepair = { at: r.at, moved: r.moved, failed: r.failed }
        this.lastRepairReport = r
        if (r.moved > 0 || r.gone.length > 0 || r.released > 0) this.init.log?.('repair done', { ...r })
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
    return this.lock(async () => {
      const s = this.summary()
      if (this.latest === undefined || s.replicated !== s.total) return undefined
      const signal = this.maintenanceSignal(options.signal)
      try {
        const r = await this.releaser.run(signal)
        this.lastRelease = r
        this.releaseDue = r.failedHolders.length > 0
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
      }
    } else if (this.reach.markDown(holder)) {
      this.book.suspend(holder)
      this.init.log?.('holder unreachable; its copies no longer count', { holder })
      this.scheduleProbe()
    }
  }

  private async tick(): Promise<void> {
    if (this.auditing || this.latest === undefined) return
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
    // holders known to be unreachable are skipped until they answer an audit again
    const members = this.components.directory.members().filter(m => !this.reach.isDown(m.peerIdString))
    const d = await this.distributor.distribute(source, version, members, signal, onProgress)
    const holders = d.manifestHolders.map(h => h.peerIdString)
    await store.putManifest(version, d.sealed)
    await store.putManifestPlacement(version, { manifestId: d.manifestId, holders, published: false })
    this.latest = d.manifest
    this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
    try {
      await this.components.pointers.publish(
        { version, manifestId: d.manifestId, holders: d.manifestHolders.map(h => h.peerId) },
        { signal: AbortSignal.timeout(15_000) }
      )
      await store.putManifestPlacement(version, { manifestId: d.manifestId, holders, published: true })
    } catch (err) {
      this.init.log?.('publishing the version pointer failed; will retry on repair', { err: String(err) })
    }
    this.refreshWriteState()
    const { retries, fallbacks, invalidAttestations, bytesSent, chunksSent } = d.counters
    return {
      version,
      totalSize: d.manifest.totalSize,
      chunks: d.manifest.chunks.length,
      retries,
      fallbacks,
      invalidAttestations,
      bytesSent,
      chunksSent,
      ms: Date.now() - started
    }
  }

  /**
   * Rebuilds the latest version from the network alone (see `Recoverer`)
   * and makes it this node's latest. Returns once every byte reached the
   * sink; then a census locates the remote copies in the background (see
   * `whenCensusDone()`): until it has, the version counts as
   * under-replicated and writes stay blocked, which is the truth as far as
   * this node knows.
   */
  async recover(
    sink: (piece: Uint8Array) => Promise<void> | void,
    options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}
  ): Promise<RecoveryReport> {
    return this.lock(async () => {
      const started = Date.now()
      const signal = options.signal ?? new AbortController().signal
      const { store } = this.components
      const members = this.components.directory.members().filter(m => m.peerIdString !== this.self)
      const r = await this.recoverer.recover(members, sink, { signal, onProgress: options.onProgress })
      const m = r.manifest
      await store.putManifest(m.version, r.sealed)
      await store.putManifestPlacement(m.version, { manifestId: sha256(r.sealed), holders: r.manifestHolders, published: r.published })
      this.latest = m
      for (const c of m.chunks) this.health.markPlaced(c.id)
      this.writeState.dispatch({ type: 'VERSION_WRITTEN' })
      this.refreshWriteState()
      this.startCensus(m, members, r.sources)
      return { version: m.version, chunks: r.chunks, bytes: r.bytes, holdersUsed: r.holdersUsed, retries: r.retries, ms: Date.now() - started }
    })
  }

  /** Resolves when the census that follows a recovery has located the copies (at once when none runs). */
  async whenCensusDone(): Promise<void> {
    await this.censusRun
  }

  private startCensus(m: Manifest, members: HolderInfo[], sources: Map<string, string>): void {
    const run = this.recoverer
      .census(m, members, sources, this.stopController.signal)
      .catch(err => {
        if (!this.stopController.signal.aborted) this.init.log?.('locating copies after recovery failed; audits and repair will catch up', { err: String(err) })
      })
      .finally(() => {
        if (this.censusRun === run) this.censusRun = undefined
        this.refreshWriteState()
        if (this.init.autoRepair) this.schedule({ repair: true })
      })
    this.censusRun = run
  }
}
