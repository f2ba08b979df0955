import type { AbortOptions, IdentifyResult, Libp2p, Logger, Startable } from '@libp2p/interface'
import { type KadDHT, MessageType } from '@libp2p/kad-dht'
import { createLimiter, type Identity, MAX_CAPACITY_BUCKET, MeshkeepError } from '../core/index.js'
import {
  EPOCH_CHANGE_THRESHOLD,
  FULL_SWEEP_MIN_PEERS,
  MAX_ADDR_CHARS,
  MAX_ADDRS,
  MESH_DHT_PROTOCOL,
  NEW_PEER_REFRESH_DELAY_MS,
  QUERY_TIMEOUT_MS,
  REFRESH_INTERVAL_MS,
  REPUBLISH_INTERVAL_MS,
  SETTLE_FIRST_REFRESH_MS,
  SETTLE_MS,
  SHARD_CONCURRENCY,
  SHARD_COUNT,
  SHARD_QUERY_TIMEOUT_MS,
  SHARDS_PER_REFRESH
} from './constants.js'
import { peerStoreCandidates, scanShards, shardWindow } from './discovery.js'
import { epochChanged } from './epoch.js'
import { parseVersionPointer, pointerKey, type VersionPointer, validateVersionPointer } from './pointer.js'
import { compareRegistryRecords, createRegistryRecord, type HolderRecord, type RegistryRecordInfo, registryKey, validateRegistryRecord } from './record.js'
import { shardCid, shardOf } from './shard.js'

/** The libp2p node the registry needs: any node with a Kad-DHT service named `dht` (a `MeshLibp2p` fits). */
export type RegistryLibp2p = Libp2p<{ dht: KadDHT }>

export interface RegistryComponents {
  libp2p: RegistryLibp2p
  identity: Identity
}

/** The membership view: every registered holder found in the 256 shards. */
export interface RegistryView {
  /** starts at 1; increments when membership moved by more than the epoch threshold since the epoch began */
  epoch: number
  /** members sorted by peer id string; tombstoned holders are never members */
  members: HolderRecord[]
  /** when the view was last rebuilt, ms since the Unix epoch (0 before the first refresh) */
  updatedAt: number
}

export interface RegistryInit {
  /** how often `start()`ed registries rebuild the view, ms @default 60000 */
  refreshIntervalMs?: number
  /** how often our own record and version pointer are put again, ms @default 3600000 */
  republishIntervalMs?: number
  /** shard queries and record fetches in flight at once @default 16 */
  shardConcurrency?: number
  /** deadline of each DHT put, provide and get, ms @default 10000 */
  queryTimeoutMs?: number
  /** deadline of each shard's provider query during a refresh, ms @default 5000 */
  shardQueryTimeoutMs?: number
  /** shards a routine refresh queries on the network (a rolling window); a full refresh, and the first one once FULL_SWEEP_MIN_PEERS peers are known, query all @default 16 */
  shardsPerRefresh?: number
  /** peers in the peer store speaking this protocol are candidates too @default MESH_DHT_PROTOCOL */
  candidateProtocol?: string
  /** after start(), how long quick discovery rounds run (every 1, 2, 4 … s) unless discovery catches up sooner, ms @default 30000 */
  settleMs?: number
  /** fraction of membership that must change to start a new epoch @default 0.1 */
  epochChangeThreshold?: number
  /** called after every change of the member set */
  onChange?(view: RegistryView): void
  /** called when a new epoch starts */
  onEpoch?(view: RegistryView): void
}

export interface RefreshOptions extends AbortOptions {
  /** query every shard on the network, not just the rolling window @default false, true for the first refresh */
  full?: boolean
}

export interface RegisterOptions extends AbortOptions {
  /** free-capacity bucket to advertise, 0..MAX_CAPACITY_BUCKET */
  capacityBucket: number
  /** addresses to advertise @default the node's listen addresses */
  addrs?: string[]
}

/** What one DHT put achieved. */
export interface PutResult {
  /** peers that stored the record */
  stored: number
  /** peers that refused it or failed */
  failed: number
}

interface SeenRecord {
  info: RegistryRecordInfo
  bytes: Uint8Array
}

const holderOf = (r: RegistryRecordInfo): HolderRecord => ({
  peerId: r.peerId,
  peerIdString: r.peerIdString,
  addrs: r.addrs,
  capacityBucket: r.capacityBucket,
  seq: r.seq,
  registeredAt: r.registeredAt
})

/**
 * The holder registry: registers this node as a holder (a provider record on
 * its shard's CID plus a signed `/mkreg/` record), and builds the membership
 * view by scanning all shards. See `index.ts` for the protocol.
 */
export class Registry extends EventTarget implements Startable {
  private readonly libp2p: RegistryLibp2p
  private readonly identity: Identity
  private readonly log: Logger
  private readonly refreshIntervalMs: number
  private readonly republishIntervalMs: number
  private readonly concurrency: number
  private readonly queryTimeoutMs: number
  private readonly shardQueryTimeoutMs: number
  private readonly threshold: number
  private readonly shardsPerRefresh: number
  private readonly settleMs: number
  private readonly candidateProtocol: string
  private readonly onChange: ((view: RegistryView) => void) | undefined
  private readonly onEpoch: ((view: RegistryView) => void) | undefined

  private running = false
  /** until when (ms since the Unix epoch) view changes only move the epoch base */
  private settlingUntil = 0
  private settleBackoffMs = SETTLE_FIRST_REFRESH_MS
  private stopController = new AbortController()
  private refreshTimer: NodeJS.Timeout | undefined
  private discoveryTimer: NodeJS.Timeout | undefined
  private republishTimer: NodeJS.Timeout | undefined
  private inflightRefresh: Promise<RegistryView> | undefined
  /** the first shard of the next routine refresh's window */
  private shardCursor = 0
  /** whether a full sweep has run since this registry was created */
  private sweptAll = false
  /** discovery walked the DHT towards our own id since it last found a new member */
  private lookedUpSinceNew = false
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (!this.running || !evt.detail.protocols.includes(this.candidateProtocol)) return
    if (this.publishPending) this.retryPublish()
    if (!this.members.has(evt.detail.peerId.toString())) this.scheduleDiscovery(NEW_PEER_REFRESH_DELAY_MS)
  }
  /** our registration is live locally but no peer has stored it yet */
  private publishPending = false
  private republishing = false

  /** our live registration, if any */
  private own: SeenRecord | undefined
  /** the highest seq we ever signed (registrations and tombstones) */
  private lastSeq = 0
  /** the best record seen per holder; never moves backwards, so a replayed stale record cannot undo a tombstone we saw */
  private readonly seen = new Map<string, SeenRecord>()
  /** our latest version pointer, republished with our record */
  private ownPointer: Uint8Array | undefined

  private members = new Map<string, HolderRecord>()
  private epoch = 1
  private epochBase: Set<string> | undefined
  private updatedAt = 0

  constructor(components: RegistryComponents, init: RegistryInit = {}) {
    super()
    this.libp2p = components.libp2p
    this.identity = components.identity
    this.log = components.libp2p.logger.forComponent('meshkeep:registry')
    this.refreshIntervalMs = init.refreshIntervalMs ?? REFRESH_INTERVAL_MS
    this.republishIntervalMs = init.republishIntervalMs ?? REPUBLISH_INTERVAL_MS
    this.concurrency = init.shardConcurrency ?? SHARD_CONCURRENCY
    this.queryTimeoutMs = init.queryTimeoutMs ?? QUERY_TIMEOUT_MS
    this.shardQueryTimeoutMs = init.shardQueryTimeoutMs ?? SHARD_QUERY_TIMEOUT_MS
    this.threshold = init.epochChangeThreshold ?? EPOCH_CHANGE_THRESHOLD
    this.shardsPerRefresh = init.shardsPerRefresh ?? SHARDS_PER_REFRESH
    this.settleMs = init.settleMs ?? SETTLE_MS
    this.candidateProtocol = init.candidateProtocol ?? MESH_DHT_PROTOCOL
    this.onChange = init.onChange
    this.onEpoch = init.onEpoch
  }

  /** Starts the refresh timer (first refresh at once) and the republish timer. Idempotent. */
  start(): void {
    if (this.running) return
    this.running = true
    this.lookedUpSinceNew = false
    this.settlingUntil = Date.now() + this.settleMs
    this.settleBackoffMs = SETTLE_FIRST_REFRESH_MS
    this.stopController = new AbortController()
    this.scheduleRefresh(0)
    this.scheduleDiscovery(SETTLE_FIRST_REFRESH_MS)
    this.scheduleRepublish()
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
  }

  /**
   * Stops the timers and aborts queries in flight. Idempotent; the
   * registration stays valid in the DHT, and on-demand calls keep working.
   */
  stop(): void {
    if (!this.running) return
    this.running = false
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    clearTimeout(this.refreshTimer)
    clearTimeout(this.discoveryTimer)
    clearTimeout(this.republishTimer)
    this.refreshTimer = undefined
    this.republishTimer = undefined
    // calls made after stop() (on demand, without timers) get a fresh controller
    const stopping = this.stopController
    this.stopController = new AbortController()
    stopping.abort(new MeshkeepError('ABORTED', 'registry stopped'))
  }

  isStarted(): boolean {
    return this.running
  }

  /** True while this node has a live (not tombstoned) registration. */
  get registered(): boolean {
    return this.own != null
  }

  /** The cached membership view. */
  view(): RegistryView {
    const members = [...this.members.values()].sort((a, b) => (a.peerIdString < b.peerIdString ? -1 : a.peerIdString > b.peerIdString ? 1 : 0))
    return { epoch: this.epoch, members, updatedAt: this.updatedAt }
  }

  /**
   * Registers this node as a holder: provides its shard CID and puts a signed
   * record with seq = max(previous seq + 1, now). The registration takes
   * effect locally at once and is republished on the timer even when this
   * call fails with `UNAVAILABLE` because no peer could be reached.
   */
  async register(options: RegisterOptions): Promise<HolderRecord> {
    const { capacityBucket } = options
    if (!Number.isInteger(capacityBucket) || capacityBucket < 0 || capacityBucket > MAX_CAPACITY_BUCKET) {
      throw new MeshkeepError('INVALID_PARAMS', `capacity bucket must be an integer in 0..${MAX_CAPACITY_BUCKET}, got ${capacityBucket}`)
    }
    const addrs = (options.addrs ?? this.libp2p.getMultiaddrs().map(a => a.toString())).filter(a => a.length <= MAX_ADDR_CHARS).slice(0, MAX_ADDRS)
    await this.learnOwnSeq(options.signal)
    const now = Date.now()
    const seq = Math.max(this.lastSeq + 1, now)
    // createRegistryRecord validates what it signs, so we never put a record remote validators would reject
    const bytes = createRegistryRecord({ identity: this.identity, addrs, capacityBucket, seq, registeredAt: now })
    const info = validateRegistryRecord(registryKey(this.identity.peerId), bytes)
    this.lastSeq = seq
    this.own = { info, bytes }
    this.noteSeen(this.own)
    this.applySelf()
    if (this.running) this.scheduleRepublish()
    this.publishPending = true
    await this.publishOwn(options.signal)
    this.publishPending = false
    return holderOf(info)
  }

  /** Leaves: puts a tombstone with a higher seq, stops providing the shard CID and stops republishing. */
  async leave(options: AbortOptions = {}): Promise<void> {
    await this.learnOwnSeq(options.signal)
    const seq = Math.max(this.lastSeq + 1, Date.now())
    const bytes = createRegistryRecord({ identity: this.identity, addrs: [], capacityBucket: 0, seq, registeredAt: Date.now(), tombstone: true })
    const info = validateRegistryRecord(registryKey(this.identity.peerId), bytes)
    this.lastSeq = seq
    this.own = undefined
    this.publishPending = false
    this.noteSeen({ info, bytes })
    this.applySelf()
    try {
      await this.libp2p.contentRouting.cancelReprovide(shardCid(shardOf(this.identity.peerId)), { signal: this.deadline(options.signal) })
    } catch (err) {
      this.log('cancelReprovide failed - %e', err)
    }
    const result = await this.putRecord(registryKey(this.identity.peerId), bytes, options.signal)
    if (result.stored === 0) throw new MeshkeepError('UNAVAILABLE', 'no peer stored the tombstone; the leave is only local so far')
  }

  /**
   * Rebuilds the membership view: gathers candidates (providers of the swept
   * shards, current members, peers that speak the mesh DHT), fetches and
   * verifies each candidate's record, and drops tombstoned and invalid ones.
   * A member whose record cannot be fetched keeps its place. Concurrent calls
   * run one after the other, so a refresh always starts after the call that
   * requested it.
   */
  async refresh(options: RefreshOptions = {}): Promise<RegistryView> {
    return this.serialized(() => this.doRefresh(options.signal, options.full === true))
  }

  /** Runs view updates one after the other, so one never overwrites what a later one found. */
  private async serialized(work: () => Promise<RegistryView>): Promise<RegistryView> {
    const previous = this.inflightRefresh
    const run = (async () => {
      if (previous != null) await previous.catch(() => undefined)
      return work()
    })()
    this.inflightRefresh = run
    try {
      return await run
    } finally {
      if (this.inflightRefresh === run) this.inflightRefresh = undefined
    }
  }

  /** Puts a version pointer (validated first); our own pointer is then republished with our record. */
  async publishVersionPointer(pointer: Uint8Array, options: AbortOptions = {}): Promise<PutResult> {
    const p = parseVersionPointer(pointer)
    const own = p.ownerString === this.identity.peerIdString
    if (own) {
      const current = this.ownPointer == null ? undefined : parseVersionPointer(this.ownPointer)
      if (current != null && current.version > p.version) {
        throw new MeshkeepError('INVALID_PARAMS', `pointer version ${p.version} is below the published version ${current.version}`)
      }
      this.ownPointer = pointer
    }
    const result = await this.putRecord(pointerKey(p.owner), pointer, options.signal)
    if (result.stored === 0) throw new MeshkeepError('UNAVAILABLE', 'no peer stored the version pointer')
    return result
  }

  /** The best version pointer of `owner` found in the DHT, or undefined when there is none. */
  async resolveVersionPointer(owner: Uint8Array | string, options: AbortOptions = {}): Promise<VersionPointer | undefined> {
    const key = pointerKey(owner)
    const bytes = await this.getRecord(key, options.signal)
    return bytes == null ? undefined : validateVersionPointer(key, bytes)
  }

  private deadline(signal: AbortSignal | undefined, ms = this.queryTimeoutMs): AbortSignal {
    const signals = [AbortSignal.timeout(ms), this.stopController.signal]
    if (signal != null) signals.push(signal)
    return AbortSignal.any(signals)
  }

  private checkAborted(signal: AbortSignal | undefined): void {
    signal?.throwIfAborted()
  }

  private async doRefresh(signal: AbortSignal | undefined, full: boolean): Promise<RegistryView> {
    const started = Date.now()
    const stopSignal = this.stopController.signal
    const self = this.identity.peerIdString
    const fetches = new Map<string, Promise<SeenRecord | undefined>>()
    const failedFetch = new Set<string>()
    const fetchLimit = createLimiter(this.concurrency)
    const fetch = (id: string): void => {
      if (fetches.has(id)) return
      fetches.set(
        id,
        fetchLimit(() => this.fetchHolder(id, signal)).catch(err => {
          this.checkAborted(signal)
          failedFetch.add(id)
          this.log('fetching the record of %s failed - %e', id, err)
          return undefined
        })
      )
    }

    // members and known mesh peers first: on a small mesh they are everyone, found without a query
    for (const id of this.members.keys()) if (id !== self) fetch(id)
    try {
      for (const id of await peerStoreCandidates(this.libp2p, this.candidateProtocol, { signal: this.deadline(signal) })) if (id !== self) fetch(id)
    } catch (err) {
      this.checkAborted(signal)
      this.log('reading peer store candidates failed - %e', err)
    }
    // our own record too: a previous run (or another registry on this node) may have registered,
    // and a stale record replayed over ours must be repaired
    fetch(self)

    // A mesh smaller than a Kademlia bucket is fully known after the DHT's self-query, so the
    // peer store already names every holder there. Only a larger mesh needs a full first sweep.
    if (!this.sweptAll && fetches.size >= FULL_SWEEP_MIN_PEERS) full = true
    // record fetches start as soon as a provider is discovered, overlapping the shard scan
    const shards = full ? shardWindow(SHARD_COUNT, 0, SHARD_COUNT) : shardWindow(SHARD_COUNT, this.shardCursor, this.shardsPerRefresh)
    let incomplete = 0
    await scanShards(this.libp2p, shards, {
      concurrency: this.concurrency,
      timeoutMs: this.shardQueryTimeoutMs,
      deadline: ms => this.deadline(signal, ms),
      signal: AbortSignal.any(signal == null ? [stopSignal] : [signal, stopSignal]),
      onProvider: fetch,
      onIncomplete: (shard, err) => {
        incomplete++
        this.log('shard %d query failed - %e', shard, err)
      }
    })
    if (!full) this.shardCursor = (this.shardCursor + shards.length) % SHARD_COUNT
    else this.sweptAll = true // a shard that timed out is swept again by the rolling window

    await Promise.all(fetches.values())
    this.checkAborted(signal)
    stopSignal.throwIfAborted()

    const next = new Map<string, HolderRecord>()
    // our own records are in `seen` too, and always the newest (we sign with a higher seq each time)
    for (const id of fetches.keys()) {
      const best = this.seen.get(id)
      if (best != null && !best.info.tombstone) next.set(id, holderOf(best.info))
      else if (best == null && failedFetch.has(id)) {
        const prev = this.members.get(id)
        if (prev != null) next.set(id, prev)
      }
    }
    if (this.own != null) next.set(self, holderOf(this.own.info))
    this.log(
      'refreshed (%s): %d members from %d candidates in %d ms (%d of %d shard queries incomplete)',
      full ? 'full' : 'window',
      next.size,
      fetches.size,
      Date.now() - started,
      incomplete,
      shards.length
    )
    this.applyView(next, true)
    return this.view()
  }

  /**
   * Fetches a holder's best record and merges it into `seen`; returns the best
   * record known. When the DHT's best is older than one we saw (a stale record
   * was replayed over a tombstone), the better record is put back.
   */
  private async fetchHolder(id: string, signal: AbortSignal | undefined): Promise<SeenRecord | undefined> {
    const key = registryKey(id)
    const bytes = await this.getRecord(key, signal)
    const fetched = bytes == null ? undefined : { info: validateRegistryRecord(key, bytes), bytes }
    if (fetched != null) this.noteSeen(fetched)
    const best = this.seen.get(id)
    if (best != null && fetched != null && compareRegistryRecords(best, fetched) > 0) {
      this.log('the DHT holds an older record of %s (seq %d < %d); putting the newer one back', id, fetched.info.seq, best.info.seq)
      await this.putRecord(key, best.bytes, signal).catch(err => this.log('correction of %s failed - %e', id, err))
    }
    return best
  }

  /** The DHT's best value for `key` (its selector ran), or undefined when no peer has one. */
  private async getRecord(key: Uint8Array, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    let value: Uint8Array | undefined
    try {
      for await (const event of this.libp2p.services.dht.get(key, { signal: this.deadline(signal) })) {
        if (event.name === 'VALUE') value = event.value
      }
    } catch (err) {
      // the best value is yielded after corrections are sent; a failed correction must not hide it
      if (value == null && !(err instanceof Error && err.name === 'NotFoundError')) throw err
    }
    return value
  }

  /** Puts a record and counts the peers that stored it (`contentRouting.put` hides remote rejections). */
  private async putRecord(key: Uint8Array, value: Uint8Array, signal: AbortSignal | undefined): Promise<PutResult> {
    let stored = 0
    let failed = 0
    try {
      for await (const event of this.libp2p.services.dht.put(key, value, { signal: this.deadline(signal) })) {
        if (event.name === 'PEER_RESPONSE' && event.messageType === MessageType.PUT_VALUE) stored++
        else if (event.name === 'QUERY_ERROR') failed++
      }
    } catch (err) {
      this.checkAborted(signal)
      if (stored === 0) throw new MeshkeepError('UNAVAILABLE', 'DHT put reached no peer before its deadline', { cause: err })
      this.log('put ended early after %d stores - %e', stored, err)
    }
    return { stored, failed }
  }

  /** Publishes our registration again (one attempt at a time) after an earlier attempt reached nobody. */
  private retryPublish(): void {
    if (this.republishing) return
    this.republishing = true
    this.publishOwn(undefined)
      .then(() => {
        this.publishPending = false
        this.log('registration published after a mesh peer appeared')
      })
      .catch(err => this.log('publishing the registration failed again - %e', err))
      .finally(() => {
        this.republishing = false
      })
  }

  private async publishOwn(signal: AbortSignal | undefined): Promise<void> {
    const own = this.own
    if (own == null) return
    const [provided, put] = await Promise.allSettled([
      this.libp2p.contentRouting.provide(shardCid(shardOf(this.identity.peerId)), { signal: this.deadline(signal) }),
      this.putRecord(registryKey(this.identity.peerId), own.bytes, signal)
    ])
    if (provided.status === 'rejected') {
      throw new MeshkeepError('UNAVAILABLE', 'providing the shard CID failed; the registration will be republished', { cause: provided.reason })
    }
    if (put.status === 'rejected') throw put.reason
    if (put.value.stored === 0) throw new MeshkeepError('UNAVAILABLE', 'no peer stored the registry record; it will be republished')
  }

  /** Before the first record we sign, learn the seq of any record a previous run of this node left in the DHT. */
  private async learnOwnSeq(signal: AbortSignal | undefined): Promise<void> {
    if (this.lastSeq > 0) return
    try {
      const seen = await this.fetchHolder(this.identity.peerIdString, signal)
      if (seen != null) this.lastSeq = Math.max(this.lastSeq, seen.info.seq)
    } catch (err) {
      this.checkAborted(signal)
      this.log('could not read our previous record - %e', err)
    }
  }

  private noteSeen(rec: SeenRecord): void {
    const prev = this.seen.get(rec.info.peerIdString)
    if (prev == null || compareRegistryRecords(rec, prev) > 0) this.seen.set(rec.info.peerIdString, rec)
  }

  private applySelf(): void {
    const next = new Map(this.members)
    if (this.own != null) next.set(this.identity.peerIdString, holderOf(this.own.info))
    else next.delete(this.identity.peerIdString)
    this.applyView(next, false)
  }

  private applyView(next: Map<string, HolderRecord>, refreshed: boolean): void {
    const prevIds = new Set(this.members.keys())
    const changed = prevIds.size !== next.size || [...next.keys()].some(id => !prevIds.has(id))
    this.members = next
    if (refreshed) this.updatedAt = Date.now()
    let newEpoch = false
    const ids = new Set(next.keys())
    if (this.epochBase == null) {
      // the first non-empty view fixes epoch 1's membership (a registry that has seen nobody has no epoch to leave)
      if (ids.size > 0) this.epochBase = ids
    } else if (epochChanged(this.epochBase, ids, this.threshold)) {
      this.epoch++
      this.epochBase = ids
      newEpoch = true
    }
    if (!changed) return
    const view = this.view()
    this.log('membership changed: %d members, epoch %d', view.members.length, view.epoch)
    this.emit('change', view, this.onChange)
    if (newEpoch) this.emit('epoch', view, this.onEpoch)
  }

  private emit(type: 'change' | 'epoch', view: RegistryView, callback: ((view: RegistryView) => void) | undefined): void {
    try {
      callback?.(view)
      this.dispatchEvent(new CustomEvent<RegistryView>(type, { detail: view }))
    } catch (err) {
      this.log.error('%s listener threw - %e', type, err)
    }
  }

  private scheduleRefresh(delay: number): void {
    clearTimeout(this.refreshTimer)
    this.refreshTimer = setTimeout(() => {
      this.refresh()
        .catch(err => this.log('scheduled refresh failed - %e', err))
        .finally(() => {
          if (this.running) this.scheduleRefresh(this.refreshIntervalMs)
        })
    }, delay)
    this.refreshTimer.unref()
  }

  /**
   * Looks for mesh peers in the peer store that are not members yet and adds
   * those with a live record. Cheap (no shard queries, no re-reading of known
   * members), so it runs whenever a mesh peer is identified and, while a
   * started node settles, every 1, 2, 4 … s whatever the order of events.
   */
  private scheduleDiscovery(delay: number): void {
    clearTimeout(this.discoveryTimer)
    this.discoveryTimer = setTimeout(() => {
      this.serialized(() => this.discoverNewPeers())
        .catch(err => this.log('discovery failed - %e', err))
        .finally(() => {
          if (!this.running || Date.now() >= this.settlingUntil) return
          this.settleBackoffMs = Math.min(this.settleBackoffMs * 2, this.refreshIntervalMs)
          this.scheduleDiscovery(this.settleBackoffMs)
        })
    }, delay)
    this.discoveryTimer.unref()
  }

  /**
   * Walks the DHT towards our own id (bounded by the shard query timeout) and
   * returns how many peers it met; an error only means fewer peers met.
   */
  private async lookupSelf(signal: AbortSignal): Promise<number> {
    let met = 0
    try {
      const lookup = AbortSignal.any([signal, AbortSignal.timeout(this.shardQueryTimeoutMs)])
      for await (const _ of this.libp2p.peerRouting.getClosestPeers(this.libp2p.peerId.toMultihash().bytes, { signal: lookup })) {
        // each peer met is dialled and identified; discovery picks it up from the peer store
        met++
      }
    } catch (err) {
      this.checkAborted(signal)
      this.log('looking up our own id failed - %e', err)
    }
    return met
  }

  private async discoverNewPeers(): Promise<RegistryView> {
    const self = this.identity.peerIdString
    const signal = this.stopController.signal
    const ids = (await peerStoreCandidates(this.libp2p, this.candidateProtocol, { signal })).filter(id => id !== self && !this.members.has(id))
    if (ids.length === 0) {
      if (!this.lookedUpSinceNew) {
        // The peer store may name only the peers met so far (at first, the bootstrap peers). A
        // lookup of our own id meets the rest, and identify then brings them here. The DHT runs
        // one itself at start, but when that one meets nobody it tries again only after a minute.
        // So every quiet round after a new member first looks up, and only a quiet round after
        // a lookup ends the quick rounds.
        this.lookedUpSinceNew = true
        await this.lookupSelf(signal)
        return this.view()
      }
      // every mesh peer we know is a member: discovery has caught up, no need for quick rounds
      if (this.members.size > 1) this.settlingUntil = 0
      return this.view()
    }
    const limit = createLimiter(this.concurrency)
    const found = await Promise.all(ids.map(id => limit(() => this.fetchHolder(id, undefined)).catch(() => undefined)))
    signal.throwIfAborted()
    const next = new Map(this.members)
    for (const best of found) if (best != null && !best.info.tombstone) next.set(best.info.peerIdString, holderOf(best.info))
    if (next.size > this.members.size) {
      this.lookedUpSinceNew = false
      this.log('discovered %d new members among %d new mesh peers', next.size - this.members.size, ids.length)
      this.applyView(next, false)
    }
    return this.view()
  }

  private scheduleRepublish(): void {
    clearTimeout(this.republishTimer)
    this.republishTimer = setTimeout(() => {
      this.republish()
        .catch(err => this.log('republish failed - %e', err))
        .finally(() => {
          if (this.running) this.scheduleRepublish()
        })
    }, this.republishIntervalMs)
    this.republishTimer.unref()
  }

  private async republish(): Promise<void> {
    const pointer = this.ownPointer
    await Promise.all([this.publishOwn(undefined), pointer == null ? undefined : this.putRecord(pointerKey(this.identity.peerId), pointer, undefined)])
  }
}
