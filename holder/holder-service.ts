import type { PeerId, Startable } from '@libp2p/interface'
import { type Identity, inspectManifest, issueReceipt, MAX_CHUNK_BYTES, MeshkeepError, sha256, toHex } from '../core/index.js'
import {
  type AuditedChunk,
  type AuditHandler,
  auditServer,
  type FetchHandler,
  fetchServer,
  type IncomingChunk,
  type ManifestHandler,
  manifestServer,
  type ReleaseHandler,
  type RpcLibp2p,
  releaseServer,
  type StoreHandler,
  type StoreOutcome,
  storeServer
} from '../protocols/index.js'
import type { BlobStore, KeyValueStore } from '../storage/index.js'
import { Admission } from './admission.js'
import { BlobDamagedError, ChunkStore, chunkMatchesId, type OwnerUsage } from './chunk-store.js'
import {
  DEFAULT_CAPACITY_BYTES,
  DEFAULT_GC_INTERVAL_MS,
  DEFAULT_MAX_LEASE_MS,
  DEFAULT_OWNER_QUOTA_BYTES,
  DEFAULT_PEER_BYTES_PER_SECOND,
  DEFAULT_PEER_REQUESTS_PER_SECOND,
  DEFAULT_TOTAL_BYTES_PER_SECOND,
  DEFAULT_TOTAL_REQUESTS_PER_SECOND
} from './constants.js'

export interface HolderComponents {
  libp2p: RpcLibp2p
  identity: Identity
  /** the holder's own key space (a sublevel): manifests and their leases */
  store: KeyValueStore
  /** chunk bytes and their leases, one namespace per owner (shared with the node's owner side, which uses `self`) */
  blobs: BlobStore
}

export interface HolderInit {
  /** @default 10 GiB */
  capacityBytes?: number
  /** @default 2 GiB */
  ownerQuotaBytes?: number
  /** longest lease granted, ms @default 30 days */
  maxLeaseMs?: number
  /** expired-lease sweep interval, ms @default 10 min */
  gcIntervalMs?: number
  /** requests per second one peer may make @default 200 */
  requestsPerSecond?: number
  /** request bytes per second one peer may send @default 256 MiB */
  bytesPerSecond?: number
  /** requests per second all peers together may make @default 1000 */
  totalRequestsPerSecond?: number
  /** request bytes per second all peers together may send @default 512 MiB */
  totalBytesPerSecond?: number
  /** owners served: `any`, or a list of peer ids @default 'any' */
  acceptOwners?: 'any' | readonly string[]
  /** failed requests, for logs and metrics (the full error; the peer is told only its code) */
  onError?: (err: MeshkeepError, peer: PeerId) => void
  /** the clock, for tests of leases @default Date.now */
  now?: () => number
}

export interface Holdings {
  owners: OwnerUsage[]
  chunks: number
  bytes: number
  capacityBytes: number
  ownerQuotaBytes: number
}

/** Shortest lease granted, ms: an owner asking for less gets this much. */
const MIN_LEASE_MS = 60_000

/**
 * The holder side of meshkeep: stores other owners' chunks and manifests
 * after checking them, answers with signed receipts, serves chunks back only
 * to their owner, proves storage on audit, renews and releases on request and
 * collects what expired. It is the handler behind the five protocol servers
 * (`protocols/<name>/server.ts`), which it starts and stops.
 */
export class HolderService implements Startable, StoreHandler, FetchHandler, AuditHandler, ReleaseHandler, ManifestHandler {
  readonly chunks: ChunkStore
  readonly admission: Admission
  private readonly maxLeaseMs: number
  private readonly gcIntervalMs: number
  private readonly now: () => number
  private readonly servers: Startable[]
  private gcTimer?: NodeJS.Timeout
  private accepting = false
  private started = false

  constructor(
    private readonly components: HolderComponents,
    private readonly init: HolderInit = {}
  ) {
    this.chunks = new ChunkStore(components.store, components.blobs, {
      capacityBytes: init.capacityBytes ?? DEFAULT_CAPACITY_BYTES,
      ownerQuotaBytes: init.ownerQuotaBytes ?? DEFAULT_OWNER_QUOTA_BYTES
    })
    this.admission = new Admission({
      peerRequestsPerSecond: init.requestsPerSecond ?? DEFAULT_PEER_REQUESTS_PER_SECOND,
      peerBytesPerSecond: init.bytesPerSecond ?? DEFAULT_PEER_BYTES_PER_SECOND,
      totalRequestsPerSecond: init.totalRequestsPerSecond ?? DEFAULT_TOTAL_REQUESTS_PER_SECOND,
      totalBytesPerSecond: init.totalBytesPerSecond ?? DEFAULT_TOTAL_BYTES_PER_SECOND,
      acceptOwners: init.acceptOwners
    })
    this.maxLeaseMs = init.maxLeaseMs ?? DEFAULT_MAX_LEASE_MS
    this.gcIntervalMs = init.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS
    this.now = init.now ?? Date.now
    const server = { libp2p: components.libp2p, handler: this }
    const options = { onError: init.onError }
    this.servers = [
      storeServer(server, options),
      fetchServer(server, options),
      auditServer(server, options),
      releaseServer(server, options),
      manifestServer(server, options)
    ]
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    await this.chunks.open()
    this.accepting = true
    for (const s of this.servers) await s.start()
    this.gcTimer = setInterval(() => {
      this.collectGarbage().catch(() => {})
    }, this.gcIntervalMs)
    this.gcTimer.unref()
    this.started = true
  }

  async stop(): Promise<void> {
    this.started = false
    this.accepting = false
    clearInterval(this.gcTimer)
    for (const s of this.servers) await s.stop()
  }

  /** Deletes every chunk and manifest whose lease has ended; returns how many. */
  collectGarbage(): Promise<number> {
    return this.chunks.collectExpired(this.now())
  }

  /** Stop taking new data for others and drop what is held (leave). */
  async drain(): Promise<void> {
    this.accepting = false
    await this.chunks.clear()
  }

  holdings(): Holdings {
    const owners = this.chunks.owners()
    return {
      owners,
      chunks: owners.reduce((n, o) => n + o.chunks, 0),
      bytes: this.chunks.usedBytes,
      capacityBytes: this.chunks.capacityBytes,
      ownerQuotaBytes: this.chunks.ownerQuotaBytes
    }
  }

  private lease(requestedMs: number): number {
    return Math.min(Math.max(requestedMs, MIN_LEASE_MS), this.maxLeaseMs)
  }

  async store(remote: PeerId, items: IncomingChunk[], leaseMs: number): Promise<StoreOutcome> {
    const owner = remote.toString()
    this.admission.admit(
      owner,
      items.reduce((n, i) => n + i.data.length, 0)
    )
    const refused: StoreOutcome['refused'] = []
    const fresh: Array<{ index: number; id: Uint8Array; bytes: Uint8Array }> = []
    const renewals: Array<{ index: number; id: Uint8Array }> = []
    let room = 0
    items.forEach((item, index) => {
      if (!this.accepting) {
        refused.push({ index, code: 'UNAVAILABLE', message: 'this holder is leaving and takes no new data' })
      } else if (item.renew) {
        if (item.data.length > 0) refused.push({ index, code: 'INVALID_MESSAGE', message: 'a renewal carries no bytes' })
        else renewals.push({ index, id: item.id })
      } else if (item.data.length > MAX_CHUNK_BYTES) {
        refused.push({ index, code: 'INVALID_CHUNK', message: `chunk is ${item.data.length} bytes, over the ${MAX_CHUNK_BYTES}-byte limit` })
      } else if (!chunkMatchesId(item.id, item.data)) {
        refused.push({ index, code: 'INVALID_CHUNK', message: `chunk does not hash to its claimed id ${toHex(item.id).slice(0, 16)}` })
      } else {
        try {
          this.chunks.checkRoom(owner, room + item.data.length)
          room += item.data.length
          fresh.push({ index, id: item.id, bytes: item.data })
        } catch (err) {
          refused.push({ index, code: 'QUOTA_EXCEEDED', message: (err as Error).message })
        }
      }
    })
    const now = this.now()
    const leaseExpiresAt = now + this.lease(leaseMs)
    // reserved in the same tick as the checks above, so a concurrent batch from this owner sees it
    const release = this.chunks.reserve(owner, room)
    try {
      if (fresh.length > 0) await this.chunks.putChunks(owner, fresh, now, leaseExpiresAt)
    } finally {
      release()
    }
    const receipted: Array<{ index: number; id: Uint8Array; size: number }> = fresh.map(f => ({ index: f.index, id: f.id, size: f.bytes.length }))
    if (renewals.length > 0) {
      const sizes = await this.chunks.renewChunks(
        owner,
        renewals.map(r => r.id),
        leaseExpiresAt
      )
      renewals.forEach((r, k) => {
        const size = sizes[k]
        if (size === undefined) refused.push({ index: r.index, code: 'NOT_FOUND', message: 'no intact copy of this chunk is held; send its bytes' })
        else receipted.push({ index: r.index, id: r.id, size })
      })
    }
    if (receipted.length === 0) return { receipt: new Uint8Array(0), accepted: [], paths: [], refused }
    const atts = issueReceipt({
      holder: this.components.identity,
      owner: remote.toMultihash().bytes,
      items: receipted.map(r => ({ id: r.id, size: r.size })),
      storedAt: now,
      leaseExpiresAt
    })
    return {
      receipt: atts[0]?.receipt ?? new Uint8Array(0),
      accepted: receipted.map(r => r.index),
      paths: atts.map(a => a.path),
      refused
    }
  }

  async fetch(remote: PeerId, ids: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const owner = remote.toString()
    this.admission.admit(owner)
    const out: Array<Uint8Array | undefined> = []
    for (const id of ids) out.push(await this.intactChunk(owner, id, remote))
    return out
  }

  async chunksForAudit(remote: PeerId, ids: Uint8Array[]): Promise<Array<AuditedChunk | undefined>> {
    const owner = remote.toString()
    this.admission.admit(owner)
    const out: Array<AuditedChunk | undefined> = []
    for (const id of ids) {
      const bytes = await this.intactChunk(owner, id, remote)
      const info = bytes === undefined ? undefined : await this.chunks.info(owner, id)
      out.push(bytes === undefined || info === undefined ? undefined : { bytes, leaseExpiresAt: info.leaseExpiresAt })
    }
    return out
  }

  async release(remote: PeerId, ids: Uint8Array[], manifestVersions: number[]): Promise<number> {
    const owner = remote.toString()
    this.admission.admit(owner)
    return (await this.chunks.deleteChunks(owner, ids)) + (await this.chunks.deleteManifests(owner, manifestVersions))
  }

  async put(remote: PeerId, sealed: Uint8Array, leaseMs: number): Promise<Uint8Array> {
    const owner = remote.toString()
    this.admission.admit(owner, sealed.length)
    if (!this.accepting) throw new MeshkeepError('UNAVAILABLE', 'this holder is leaving and takes no new data')
    // only the owner itself may store its manifests, signed by its own key
    const { version } = inspectManifest(sealed, remote.toMultihash().bytes)
    const held = await this.chunks.manifestInfo(owner, version)
    if (held === undefined || held.size !== sealed.length) this.chunks.checkRoom(owner, sealed.length - (held?.size ?? 0))
    const now = this.now()
    const leaseExpiresAt = now + this.lease(leaseMs === 0 ? this.maxLeaseMs : leaseMs)
    await this.chunks.putManifest(owner, version, sealed, now, leaseExpiresAt)
    const [att] = issueReceipt({
      holder: this.components.identity,
      owner: remote.toMultihash().bytes,
      items: [{ id: sha256(sealed), size: sealed.length }],
      storedAt: now,
      leaseExpiresAt
    })
    return att?.receipt ?? new Uint8Array(0)
  }

  async get(remote: PeerId, version: number | 'latest'): Promise<Uint8Array | undefined> {
    const owner = remote.toString()
    this.admission.admit(owner)
    return this.chunks.getManifest(owner, version)
  }

  async list(remote: PeerId): Promise<number[]> {
    const owner = remote.toString()
    this.admission.admit(owner)
    return this.chunks.listManifests(owner)
  }

  /**
   * A stored chunk, checked against its id first. A damaged copy (disk
   * corruption, tampering) is deleted and reported as missing: serving or
   * proving it would only hide the loss from its owner, and deleting it lets
   * the owner's repair store a good copy again.
   */
  private async intactChunk(owner: string, id: Uint8Array, remote: PeerId): Promise<Uint8Array | undefined> {
    let data: Uint8Array | undefined
    try {
      data = await this.chunks.getChunk(owner, id)
    } catch (err) {
      if (!(err instanceof BlobDamagedError)) throw err
    }
    if (data !== undefined && chunkMatchesId(id, data)) return data
    if (data === undefined && (await this.chunks.info(owner, id)) === undefined) return undefined
    await this.chunks.deleteChunks(owner, [id])
    this.init.onError?.(new MeshkeepError('INVALID_CHUNK', `stored chunk ${toHex(id).slice(0, 16)}… was damaged on disk and is deleted`), remote)
    return undefined
  }
}
