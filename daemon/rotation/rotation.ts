/**
 * `meshkeep rotate`: replaces the node's root secret (and so its peer id
 * and every key) with a new one, carries the latest state over, and lets
 * the old identity go. A persisted state machine (state-file.ts) makes every
 * step resumable: the daemon picks the rotation up at start wherever a
 * crash left it.
 *
 *   prepared ──confirm──▶ confirmed ──▶ switched ──▶ reput ──▶ replicated ──▶ handoff-published ──▶ released ──▶ done
 *
 * Until the handoff is published the old phrase recovers the state (the
 * old data is untouched and kept alive); from then on the new one does
 * (the handoff is only signed once the new identity's latest version is
 * fully replicated and its pointer published).
 */
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import {
  bytesEqual,
  fromHex,
  generateRootSecret,
  type Manifest,
  MeshkeepError,
  peerIdFromString,
  REPLICAS,
  secretToPhrase,
  sha256,
  toHex
} from '../../core/index.js'
import type { OwnerInit } from '../../owner/index.js'
import { createHandoff, parseHandoff, publishHandoff, REPUBLISH_INTERVAL_MS, resolveHandoff } from '../../registry/index.js'
import type { KeyValueStore } from '../../storage/index.js'
import { KEY_FILE_NAME } from '../datadir/key-file.js'
import type { MeshNode } from '../node/mesh-node.js'
import { OldIdentity, type ReleaseAllReport } from './old-identity.js'
import { NEW_KEY_FILE, OLD_KEY_FILE, peerIdOf, RotationSecrets } from './secret-files.js'
import {
  type IdentityRef,
  initialRecord,
  MAX_COMPLETED,
  ROTATION_STEPS,
  type RotationProgress,
  type RotationRecord,
  type RotationStep,
  readRotationRecord,
  writeRotationRecord
} from './state-file.js'
import type { RotatePrepareResult, RotationStatus } from './types.js'

/** First delay before a failed step is tried again; it doubles up to the max, ms. */
const RETRY_FIRST_MS = 2_000
const RETRY_MAX_MS = 60_000
/** How often the replication wait looks at the new version's health, ms. */
const POLL_MS = 1_000
/** While waiting for replication, a repair is asked for this often (it also publishes a pointer that failed), ms. */
const REPAIR_NUDGE_MS = 15_000
/** How long the re-put waits for the view to list enough holders before it places on whatever is there, ms. */
const HOLDER_WAIT_MS = 60_000
/** The re-put streams the old state into the put through this much buffer, bytes. */
const PIPE_BYTES = 4 * 1024 * 1024
/** A re-put reads the whole state once; it may take long for a big one, ms. */
const REPUT_READ_TIMEOUT_MS = 24 * 3600 * 1000
/** Delay of the first republish of the handoffs after start, ms. */
const REPUBLISH_FIRST_MS = 10_000
/** Keys deleted per batch when the old owner records are cleared. */
const CLEAR_BATCH = 1000

export interface RotationInit {
  dataDir: string
  /** the secret node.key held when the daemon started */
  rootSecret: Uint8Array
  /** node.key's passphrase, when it is sealed: the rotation's key files are sealed with it too */
  passphrase?: string
  log?: (msg: string, fields?: Record<string, unknown>) => void
  /** test hook: stop before this step is carried out, until the daemon stops (`MESHKEEP_TEST_ROTATION_HOLD`) */
  holdAt?: RotationStep
}

/** What the rotation needs of the running daemon. */
export interface RotationHost {
  node: MeshNode
  /** restarts the node as another identity (`MeshNode.switchIdentity`, and what the daemon keeps around it) */
  switchNode: (rootSecret: Uint8Array, ownerStore: string) => Promise<void>
  /** the bootstrap list, for the old identity's helper node */
  bootstrap: () => string[]
  /** the owner settings of the config, for the old identity's owner service */
  owner: OwnerInit
}

/** Two manifests of the same state: same size and plaintext digest (the piece size is fixed, so the digest is comparable). */
function sameState(a: Manifest, b: Manifest): boolean {
  return a.totalSize === b.totalSize && bytesEqual(a.plaintextDigest, b.plaintextDigest)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

const errorText = (err: unknown): string => (err instanceof MeshkeepError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err))

async function clearStore(store: KeyValueStore): Promise<number> {
  let cleared = 0
  for (;;) {
    const keys: string[] = []
    for await (const key of store.keys({ limit: CLEAR_BATCH })) keys.push(key)
    if (keys.length === 0) return cleared
    await store.batch(keys.map(key => ({ type: 'del' as const, key })))
    cleared += keys.length
  }
}

export class Rotation {
  private host?: RotationHost
  private old?: OldIdentity
  /** the prepared rotation's secret (a prepared rotation never survives a restart, so memory is enough) */
  private preparedSecret?: Uint8Array
  private runner?: Promise<void>
  private stopController = new AbortController()
  private held = false
  private lastError?: string
  private waitingFor?: string
  private releaseReport?: ReleaseAllReport
  private republishTimer?: NodeJS.Timeout
  private mutations: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly init: RotationInit,
    private record: RotationRecord,
    private readonly secrets: RotationSecrets,
    private readonly runAsSecret: Uint8Array
  ) {}

  /**
   * Reads the data dir's rotation record before the node starts, and
   * finishes on disk what must be finished before it does: a prepared
   * rotation whose phrase was never confirmed is discarded (nothing on the
   * network depends on it), and a confirmed one is switched (node.key gets
   * the new secret, rotation-old.key keeps the old one). Refuses a node.key
   * that is not the identity the record says this data dir runs as.
   */
  static async open(init: RotationInit): Promise<Rotation> {
    const log = init.log
    const secrets = new RotationSecrets(init.dataDir, init.passphrase)
    const keyPeer = peerIdOf(init.rootSecret)
    let record = (await readRotationRecord(init.dataDir)) ?? initialRecord(keyPeer)
    const r = record.rotation
    if (r === undefined) {
      // a crash between writing a prepared secret and recording it leaves the secret alone: nothing uses it
      await secrets.remove(NEW_KEY_FILE)
    } else if (r.state === 'prepared') {
      await secrets.remove(NEW_KEY_FILE)
      record = { ...record, rotation: undefined }
      await writeRotationRecord(init.dataDir, record)
      log?.('a rotation that was prepared but never confirmed was discarded; its phrase is void (run meshkeep rotate again)', { to: r.to.peerId })
    }
    const rotation = new Rotation(init, record, secrets, init.rootSecret)
    if (rotation.record.rotation?.state === 'confirmed') {
      const secret = await rotation.switchOnDisk(rotation.record.rotation)
      return new Rotation(init, rotation.record, secrets, secret)
    }
    if (record.current.peerId !== keyPeer) {
      throw new MeshkeepError(
        'INVALID_KEY',
        `${secrets.path(KEY_FILE_NAME)} holds the secret of ${keyPeer}, but this data dir was rotated to ${record.current.peerId} (rotation.json): restore the key file the rotation wrote; the old identity's data is gone or going`
      )
    }
    if (r !== undefined && r.state !== 'prepared') await secrets.remove(NEW_KEY_FILE)
    return rotation
  }

  /** The secret and owner records the node must run with. */
  get runAs(): { rootSecret: Uint8Array; ownerStore: string } {
    return { rootSecret: this.runAsSecret, ownerStore: this.record.current.ownerStore }
  }

  /** Attaches the running node and resumes a rotation under way; starts republishing handoffs. */
  start(host: RotationHost): void {
    this.host = host
    if (this.stopController.signal.aborted) this.stopController = new AbortController()
    this.scheduleRepublish(REPUBLISH_FIRST_MS)
    this.kick()
  }

  /** Stops the step under way (it resumes at the next start) and the old identity's helper node. */
  async stop(): Promise<void> {
    clearTimeout(this.republishTimer)
    this.stopController.abort(new MeshkeepError('ABORTED', 'the daemon is stopping; the rotation resumes at the next start'))
    await this.runner
    await this.old?.stop()
    this.old = undefined
  }

  status(): RotationStatus {
    const r = this.record.rotation
    if (r === undefined) {
      const last = this.record.completed.at(-1)
      if (last === undefined) return { state: 'none' }
      return { state: 'done', from: last.from, to: last.to, rotatedAt: last.rotatedAt, completedAt: last.completedAt }
    }
    return {
      state: r.state,
      from: r.from.peerId,
      to: r.to.peerId,
      preparedAt: r.preparedAt,
      ...(r.confirmedAt === undefined ? {} : { confirmedAt: r.confirmedAt }),
      ...(r.switchedAt === undefined ? {} : { switchedAt: r.switchedAt }),
      ...(r.rotatedAt === undefined ? {} : { rotatedAt: r.rotatedAt }),
      ...(r.releasedAt === undefined ? {} : { releasedAt: r.releasedAt }),
      ...(r.reput === undefined ? {} : { reput: r.reput }),
      ...(this.waitingFor === undefined ? {} : { waitingFor: this.waitingFor }),
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      ...(this.releaseReport === undefined ? {} : { release: this.releaseReport }),
      ...(this.held ? { held: true } : {})
    }
  }

  /** Why a put must wait, or undefined: the state is being carried over, and a put then would race it. */
  writesBlocked(): string | undefined {
    const state = this.record.rotation?.state
    if (state !== 'confirmed' && state !== 'switched') return undefined
    return `a rotation is carrying the state over to the new identity (step ${state}); retry once meshkeep rotate --status shows reput or later`
  }

  /** Why a recover must wait, or undefined: a recovery would replace the state the rotation is carrying over. */
  recoverBlocked(): string | undefined {
    const r = this.record.rotation
    if (r === undefined || r.state === 'prepared') return undefined
    return `a rotation from ${r.from.peerId} to ${r.to.peerId} is under way (step ${r.state}); recover after it is done`
  }

  /**
   * Starts a rotation: a new root secret, sealed in rotation-new.key, and
   * its phrase for the CLI to show. Nothing changes on the network or in
   * node.key until `confirm`. A rotation prepared earlier and never
   * confirmed is replaced.
   */
  prepare(): Promise<RotatePrepareResult> {
    return this.exclusive(async () => {
      const r = this.record.rotation
      if (r !== undefined && r.state !== 'prepared') {
        throw new MeshkeepError('BUSY', `a rotation to ${r.to.peerId} is under way (step ${r.state}); meshkeep rotate --status follows it`)
      }
      const secret = generateRootSecret()
      const to: IdentityRef = { peerId: peerIdOf(secret), ownerStore: `owner-${peerIdOf(secret)}` }
      await this.secrets.remove(NEW_KEY_FILE)
      await this.secrets.create(NEW_KEY_FILE, secret)
      await this.persist({ ...this.record, rotation: { state: 'prepared', from: this.record.current, to, preparedAt: Date.now() } })
      this.preparedSecret = secret
      this.lastError = undefined
      this.releaseReport = undefined
      this.init.log?.('rotation prepared; waiting for the new phrase to be confirmed', { from: this.record.current.peerId, to: to.peerId })
      return { state: 'prepared', from: this.record.current.peerId, to: to.peerId, phrase: secretToPhrase(secret) }
    })
  }

  /**
   * Confirms that the prepared phrase reached the user (`phraseDigest` is
   * the hex SHA-256 of the phrase as `prepare` returned it) and starts the
   * rotation. From here it runs to the end on its own, across restarts.
   */
  confirm(phraseDigest: string): Promise<RotationStatus> {
    return this.exclusive(async () => {
      const r = this.record.rotation
      const secret = this.preparedSecret
      if (r === undefined || r.state !== 'prepared' || secret === undefined) {
        if (r !== undefined && r.state !== 'prepared') throw new MeshkeepError('BUSY', `the rotation to ${r.to.peerId} is already confirmed (step ${r.state})`)
        throw new MeshkeepError('INVALID_PARAMS', 'no rotation waits for confirmation; run meshkeep rotate')
      }
      if (phraseDigest !== toHex(sha256(new TextEncoder().encode(secretToPhrase(secret))))) {
        throw new MeshkeepError('INVALID_PARAMS', 'the confirmation does not match the phrase of the prepared rotation')
      }
      await this.persist({ ...this.record, rotation: { ...r, state: 'confirmed', confirmedAt: Date.now() } })
      this.preparedSecret = undefined
      this.init.log?.('rotation confirmed', { from: r.from.peerId, to: r.to.peerId })
      this.kick()
      return this.status()
    })
  }

  /** Drops a prepared rotation; its phrase is void. A confirmed one cannot be cancelled: it completes on its own. */
  cancel(): Promise<RotationStatus> {
    return this.exclusive(async () => {
      const r = this.record.rotation
      if (r === undefined) throw new MeshkeepError('INVALID_PARAMS', 'no rotation is prepared')
      if (r.state !== 'prepared') throw new MeshkeepError('BUSY', `the rotation to ${r.to.peerId} is confirmed (step ${r.state}) and completes on its own`)
      await this.secrets.remove(NEW_KEY_FILE)
      await this.persist({ ...this.record, rotation: undefined })
      this.preparedSecret = undefined
      this.init.log?.('prepared rotation cancelled', { to: r.to.peerId })
      return this.status()
    })
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutations.then(fn, fn)
    this.mutations = run.catch(() => {})
    return run
  }

  private async persist(next: RotationRecord): Promise<void> {
    await writeRotationRecord(this.init.dataDir, next)
    this.record = next
  }

  /** Records the next step of the rotation `r` (it must still be the one under way). */
  private async advance(r: RotationProgress, fields: Partial<RotationProgress> & { state: RotationStep }): Promise<void> {
    if (this.record.rotation !== r) throw new MeshkeepError('INTERNAL', 'the rotation record changed under a step')
    await this.persist({ ...this.record, rotation: { ...r, ...fields } })
    this.waitingFor = undefined
    this.init.log?.(`rotation step: ${fields.state}`, { from: r.from.peerId, to: r.to.peerId })
  }

  private kick(): void {
    if (this.runner !== undefined || this.host === undefined) return
    const state = this.record.rotation?.state
    if (state === undefined || state === 'prepared') return
    this.runner = this.run().finally(() => {
      this.runner = undefined
    })
  }

  /** Carries the rotation out step by step; a failed step is tried again with a growing delay until the daemon stops. */
  private async run(): Promise<void> {
    const signal = this.stopController.signal
    let delay = RETRY_FIRST_MS
    while (!signal.aborted) {
      const r = this.record.rotation
      if (r === undefined || r.state === 'prepared') return
      if (this.init.holdAt === r.state) {
        this.held = true
        this.init.log?.(`rotation held before leaving step ${r.state} (test hook MESHKEEP_TEST_ROTATION_HOLD)`)
        await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }))
        return
      }
      try {
        await this.step(r, signal)
        this.lastError = undefined
        delay = RETRY_FIRST_MS
      } catch (err) {
        if (signal.aborted) return
        this.lastError = errorText(err)
        this.init.log?.(`rotation step ${r.state} failed; trying again in ${Math.round(delay / 1000)} s`, { err: this.lastError })
        await sleep(delay, signal).catch(() => {})
        delay = Math.min(delay * 2, RETRY_MAX_MS)
      }
    }
  }

  private async step(r: RotationProgress, signal: AbortSignal): Promise<void> {
    switch (r.state) {
      case 'confirmed': {
        const secret = await this.switchOnDisk(r)
        await this.requireHost().switchNode(secret, this.record.current.ownerStore)
        return
      }
      case 'switched':
        return this.reput(r, signal)
      case 'reput':
        return this.awaitReplication(r, signal)
      case 'replicated':
        return this.publish(r, signal)
      case 'handoff-published':
        return this.release(r, signal)
      case 'released':
        return this.finish(r)
      default:
        throw new MeshkeepError('INTERNAL', `no step leaves state ${r.state}`)
    }
  }

  private requireHost(): RotationHost {
    if (this.host === undefined) throw new MeshkeepError('INTERNAL', 'the rotation has no node attached')
    return this.host
  }

  /**
   * The switch, on disk: rotation-old.key gets the old secret (unless it
   * has it), node.key the new one (atomically), then the record says
   * `switched` and names the new identity current. Every part is
   * idempotent, so a crash anywhere in it is finished at the next start.
   * Returns the new secret.
   */
  private async switchOnDisk(r: RotationProgress): Promise<Uint8Array> {
    const current = await this.secrets.read(KEY_FILE_NAME)
    if (current === undefined) throw new MeshkeepError('NOT_FOUND', `${this.secrets.path(KEY_FILE_NAME)} is missing`)
    const currentPeer = peerIdOf(current)
    let secret: Uint8Array
    if (currentPeer === r.from.peerId) {
      const kept = await this.secrets.read(OLD_KEY_FILE)
      if (kept === undefined) await this.secrets.create(OLD_KEY_FILE, current)
      else if (peerIdOf(kept) !== r.from.peerId) throw new MeshkeepError('INVALID_KEY', `${this.secrets.path(OLD_KEY_FILE)} holds another identity's secret`)
      secret = await this.secrets.expect(NEW_KEY_FILE, r.to.peerId)
      await this.secrets.replaceNodeKey(secret)
    } else if (currentPeer === r.to.peerId) {
      await this.secrets.expect(OLD_KEY_FILE, r.from.peerId)
      secret = current
    } else {
      throw new MeshkeepError(
        'INVALID_KEY',
        `${this.secrets.path(KEY_FILE_NAME)} holds ${currentPeer}, neither side of the rotation from ${r.from.peerId} to ${r.to.peerId}`
      )
    }
    await this.persist({ ...this.record, current: r.to, rotation: { ...r, state: 'switched', switchedAt: Date.now() } })
    await this.secrets.remove(NEW_KEY_FILE)
    this.init.log?.('rotation step: switched; node.key holds the new secret', { from: r.from.peerId, to: r.to.peerId })
    return secret
  }

  /** The node, running as the new identity (switched now if a failed switch left it as the old one). */
  private async nodeAsNew(r: RotationProgress): Promise<MeshNode> {
    const host = this.requireHost()
    // a switch whose start failed leaves the node stopped, already named as the new identity
    if (host.node.peerId !== r.to.peerId || !host.node.running) await host.switchNode(await this.secrets.expect(KEY_FILE_NAME, r.to.peerId), r.to.ownerStore)
    return host.node
  }

  /** The old identity's helper node and owner service (started on first use). */
  private async oldSide(r: RotationProgress, options: { maintenance: boolean } = { maintenance: true }): Promise<OldIdentity> {
    const signal = this.stopController.signal
    if (this.old !== undefined) return this.old
    const host = this.requireHost()
    const node = host.node
    const old = new OldIdentity({
      rootSecret: await this.secrets.expect(OLD_KEY_FILE, r.from.peerId),
      store: node.ownerStore(r.from.ownerStore),
      registry: () => node.registry,
      exclude: [r.to.peerId],
      bootstrap: host.bootstrap(),
      createLibp2p: seed => node.createHelperLibp2p(seed),
      owner: host.owner,
      log: this.init.log
    })
    await old.start({ ...options, signal })
    this.old = old
    return old
  }

  /** `switched` → `reput`: the old identity's latest state, read (local copies first) and put as the new identity's. */
  private async reput(r: RotationProgress, signal: AbortSignal): Promise<void> {
    const node = await this.nodeAsNew(r)
    const old = await this.oldSide(r)
    const source = old.owner.latestManifest
    let toVersion: number | null = null
    if (source !== undefined) {
      const have = node.owner.latestManifest
      if (have !== undefined && sameState(have, source)) toVersion = have.version
      else {
        await this.waitForHolders(node, signal)
        toVersion = await this.copyLatest(old, node, source, signal)
      }
    }
    await this.advance(r, { state: 'reput', reput: { fromVersion: source?.version ?? null, toVersion } })
  }

  /** Until the view lists enough other holders for a full placement (bounded: repair places the rest later). */
  private async waitForHolders(node: MeshNode, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + HOLDER_WAIT_MS
    while (Date.now() < deadline) {
      const others = node.registry.view().members.filter(m => m.peerIdString !== node.peerId).length
      if (others >= REPLICAS) return
      this.waitingFor = `the registry view to list ${REPLICAS} holders (${others} so far)`
      await sleep(POLL_MS, signal)
    }
  }

  /** Streams version `source` of the old identity into a put of the new one; returns the new version. */
  private async copyLatest(old: OldIdentity, node: MeshNode, source: Manifest, signal: AbortSignal): Promise<number> {
    this.waitingFor = `re-putting version ${source.version} (${source.totalSize} bytes) under the new identity`
    const failed = new AbortController()
    const both = AbortSignal.any([signal, failed.signal])
    const pipe = new PassThrough({ highWaterMark: PIPE_BYTES })
    const reading = old.owner
      .read(
        source.version,
        async piece => {
          if (!pipe.write(piece)) await once(pipe, 'drain', { signal: both })
        },
        { signal: both, timeoutMs: REPUT_READ_TIMEOUT_MS }
      )
      .then(
        () => {
          pipe.end()
        },
        (err: unknown) => {
          failed.abort(err)
          pipe.destroy(err instanceof Error ? err : new Error(String(err)))
          throw err
        }
      )
    const putting = node.owner.put(pipe, { signal: both }).catch((err: unknown) => {
      failed.abort(err)
      pipe.destroy()
      throw err
    })
    const [put] = await Promise.all([putting, reading])
    const made = node.owner.latestManifest
    if (made === undefined || made.version !== put.version || !sameState(made, source)) {
      throw new MeshkeepError('INTEGRITY_FAILED', `the re-put version ${put.version} does not match version ${source.version} of the old identity`)
    }
    this.init.log?.('rotation: the latest state was put again under the new identity', { fromVersion: source.version, toVersion: put.version })
    return put.version
  }

  /**
   * `reput` → `replicated`: waits until the new identity's latest version
   * has two attested copies of every chunk and its pointer is published,
   * then signs the handoff (recorded with the step, published by the next).
   */
  private async awaitReplication(r: RotationProgress, signal: AbortSignal): Promise<void> {
    const node = await this.nodeAsNew(r)
    const old = await this.oldSide(r) // keeps the old state alive meanwhile
    const store = node.ownerStore(r.to.ownerStore)
    let nudged = Date.now()
    for (;;) {
      signal.throwIfAborted()
      const latest = node.owner.latestManifest
      if (latest === undefined) {
        if (r.reput?.fromVersion == null) break // nothing was ever stored: nothing to replicate
        throw new MeshkeepError('INTERNAL', 'the new identity has no version although the state was re-put')
      }
      node.owner.refreshWriteState()
      const s = node.owner.summary()
      const placement = await store.getManifestPlacement(latest.version)
      if (s.replicated === s.total && placement?.published === true) break
      this.waitingFor =
        s.replicated < s.total
          ? `${s.total - s.replicated} of ${s.total} chunks of version ${latest.version} lack two attested copies`
          : `the version pointer of version ${latest.version} is not published yet`
      if (Date.now() - nudged >= REPAIR_NUDGE_MS) {
        nudged = Date.now()
        node.owner.repair().catch(err => this.init.log?.('rotation: repair of the new identity failed', { err: String(err) }))
      }
      await sleep(POLL_MS, signal)
    }
    const handoff = createHandoff({ from: old.identity, to: peerIdFromString(r.to.peerId) })
    await this.advance(r, { state: 'replicated', handoff: toHex(handoff), rotatedAt: parseHandoff(handoff).rotatedAt })
  }

  /** `replicated` → `handoff-published`: the signed handoff goes into the DHT. */
  private async publish(r: RotationProgress, signal: AbortSignal): Promise<void> {
    const node = await this.nodeAsNew(r)
    if (r.handoff === undefined) throw new MeshkeepError('INTERNAL', 'the rotation record has no handoff to publish')
    this.waitingFor = 'publishing the handoff record'
    const { stored } = await publishHandoff(node.libp2p, fromHex(r.handoff), { signal })
    const best = await resolveHandoff(node.libp2p, r.from.peerId, { signal }).catch(() => undefined)
    if (best !== undefined && best.toPeerId !== r.to.peerId) {
      // only the old key can sign a handoff: someone else holds it
      this.init.log?.('WARNING: the DHT already holds another handoff for the old identity, signed with the old key; someone else has the old phrase', {
        from: r.from.peerId,
        names: best.toPeerId,
        at: new Date(best.rotatedAt).toISOString()
      })
    }
    await this.advance(r, { state: 'handoff-published' })
    this.init.log?.('rotation: handoff published; only the new phrase recovers the state from now on', { stored })
  }

  /**
   * `handoff-published` → `released`: the old identity's chunks and
   * manifests are released at the holders, and its registry record is
   * tombstoned (nobody places chunks on it any more).
   */
  private async release(r: RotationProgress, signal: AbortSignal): Promise<void> {
    await this.nodeAsNew(r)
    const old = await this.oldSide(r, { maintenance: false })
    await old.stopMaintenance()
    this.waitingFor = "releasing the old identity's chunks and manifests at the holders"
    this.releaseReport = await old.releaseAll(signal)
    this.waitingFor = "tombstoning the old identity's registry record"
    await old.tombstone(signal)
    await this.advance(r, { state: 'released', releasedAt: Date.now() })
  }

  /** `released` → done: the old owner records and rotation-old.key are deleted; the handoff is remembered for republishing. */
  private async finish(r: RotationProgress): Promise<void> {
    const node = await this.nodeAsNew(r)
    if (r.handoff === undefined || r.rotatedAt === undefined) throw new MeshkeepError('INTERNAL', 'the rotation record has no handoff')
    await this.old?.stop()
    this.old = undefined
    await node.ownerStore(r.from.ownerStore).dropLocalChunks()
    const cleared = await clearStore(node.sublevel(r.from.ownerStore))
    await this.secrets.remove(OLD_KEY_FILE)
    if (this.record.rotation !== r) throw new MeshkeepError('INTERNAL', 'the rotation record changed under a step')
    const completed = [...this.record.completed, { from: r.from.peerId, to: r.to.peerId, rotatedAt: r.rotatedAt, completedAt: Date.now(), handoff: r.handoff }]
    await this.persist({ ...this.record, rotation: undefined, completed: completed.slice(-MAX_COMPLETED) })
    this.waitingFor = undefined
    this.init.log?.('rotation done; the old secret and the old owner records are deleted', { from: r.from.peerId, to: r.to.peerId, recordsCleared: cleared })
  }

  /**
   * DHT records live 48 hours at the peers that store them: every handoff
   * this data dir published is put again hourly, so the old phrase keeps
   * meeting IDENTITY_ROTATED rather than silence.
   */
  private scheduleRepublish(delay: number): void {
    clearTimeout(this.republishTimer)
    this.republishTimer = setTimeout(() => {
      this.republish().finally(() => {
        if (!this.stopController.signal.aborted) this.scheduleRepublish(REPUBLISH_INTERVAL_MS)
      })
    }, delay)
    this.republishTimer.unref()
  }

  private async republish(): Promise<void> {
    const node = this.host?.node
    if (node === undefined) return
    const r = this.record.rotation
    const published = r !== undefined && ROTATION_STEPS.indexOf(r.state) >= ROTATION_STEPS.indexOf('handoff-published') ? [r.handoff] : []
    for (const hex of [...this.record.completed.map(c => c.handoff), ...published]) {
      if (hex === undefined) continue
      try {
        await publishHandoff(node.libp2p, fromHex(hex), { signal: this.stopController.signal })
      } catch (err) {
        if (this.stopController.signal.aborted) return
        this.init.log?.('republishing a handoff failed; tried again in an hour', { err: String(err) })
      }
    }
  }
}
