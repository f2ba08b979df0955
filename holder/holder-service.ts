import type { PeerId } from '@libp2p/interface'
import { type Identity, inspectManifest, issueReceipt, MAX_CHUNK_BYTES, MeshkeepError, peerIdFromString, sha256, toHex } from '../core/index.js'
import {
  type AuditResponse,
  auditProof,
  auditSpec,
  fetchSpec,
  manifestSpec,
  OK,
  type RpcLibp2p,
  releaseSpec,
  type StoreResponse,
  serve,
  storeSpec
} from '../protocols/index.js'
import type { KeyValueStore } from '../storage/index.js'
import { ChunkStore, chunkMatchesId, type OwnerUsage } from './chunk-store.js'
import {
  DEFAULT_CAPACITY_BYTES,
  DEFAULT_GC_INTERVAL_MS,
  DEFAULT_MAX_LEASE_MS,
  DEFAULT_OWNER_QUOTA_BYTES,
  DEFAULT_PEER_BYTES_PER_SECOND,
  DEFAULT_PEER_REQUESTS_PER_SECOND
} from './constants.js'
import { RateLimiter } from './rate-limiter.js'

export interface HolderComponents {
  libp2p: RpcLibp2p & { peerId: PeerId }
  identity: Identity
  /** the holder's own key space (a sublevel) */
  store: KeyValueStore
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
  requestsPerSecond?: number
  bytesPerSecond?: number
  /** failed requests, for logs and metrics */
  onError?: (err: MeshkeepError, peer: PeerId) => void
}

export interface Holdings {
  owners: OwnerUsage[]
  chunks: number
  bytes: number
  capacityBytes: number
  ownerQuotaBytes: number
}

/**
 * The holder side of meshkeep: stores other owners' chunks after checking
 * them, answers with signed receipts, serves chunks back only to their owner,
 * proves storage on audit, releases on request and expires leases.
 */
export class HolderService {
  readonly chunks: ChunkStore
  private readonly limiter: RateLimiter
  private readonly maxLeaseMs: number
  private readonly gcIntervalMs: number
  private gcTimer?: NodeJS.Timeout
  private accepting = false

  constructor(
    private readonly components: HolderComponents,
    private readonly init: HolderInit = {}
  ) {
    this.chunks = new ChunkStore(components.store, {
      capacityBytes: init.capacityBytes ?? DEFAULT_CAPACITY_BYTES,
      ownerQuotaBytes: init.ownerQuotaBytes ?? DEFAULT_OWNER_QUOTA_BYTES
    })
    this.limiter = new RateLimiter({
      requestsPerSecond: init.requestsPerSecond ?? DEFAULT_PEER_REQUESTS_PER_SECOND,
      bytesPerSecond: init.bytesPerSecond ?? DEFAULT_PEER_BYTES_PER_SECOND
    })
    this.maxLeaseMs = init.maxLeaseMs ?? DEFAULT_MAX_LEASE_MS
    this.gcIntervalMs = init.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS
  }

  async start(): Promise<void> {
    await this.chunks.open()
    this.accepting = true
    const { libp2p } = this.components
    const opts = { onError: this.init.onError }
    await serve(libp2p, storeSpec, (req, ctx) => this.onStore(req.items, Number(req.leaseMs), ctx.remotePeer), opts)
    await serve(
      libp2p,
      fetchSpec,
      async (req, ctx) => {
        const owner = ctx.remotePeer.toString()
        this.limiter.take(owner)
        const chunks = []
        for (const id of req.ids) {
          const data = await this.intactChunk(owner, id, ctx.remotePeer)
          chunks.push({ id, data: data ?? new Uint8Array(0), missing: data === undefined } as {
            id: Uint8Array<ArrayBuffer>
            data: Uint8Array<ArrayBuffer>
            missing: boolean
          })
        }
        return { ...OK, chunks }
      },
      opts
    )
    await serve(
      libp2p,
      auditSpec,
      async (req, ctx) => {
        const owner = ctx.remotePeer.toString()
        this.limiter.take(owner)
        const proofs: AuditResponse['proofs'] = []
        for (const c of req.challenges) {
          const data = await this.intactChunk(owner, c.id, ctx.remotePeer)
          const info = data === undefined ? undefined : await this.chunks.info(owner, c.id)
          proofs.push(auditProof(c.nonce, data, info?.leaseExpiresAt))
        }
        return { ...OK, proofs }
      },
      opts
    )
    await serve(
      libp2p,
      releaseSpec,
      async (req, ctx) => {
        const owner = ctx.remotePeer.toString()
        this.limiter.take(owner)
        const released = (await this.chunks.deleteChunks(owner, req.ids)) + (await this.chunks.deleteManifests(owner, req.manifestVersions.map(Number)))
        return { ...OK, released }
      },
      opts
    )
    await serve(
      libp2p,
      manifestSpec,
      async (req, ctx) => {
        const owner = ctx.remotePeer.toString()
        this.limiter.take(owner, req.put.length)
        if (req.put.length > 0) {
          // only the owner itself may store its manifests, signed by its own key
          const { version } = inspectManifest(req.put, peerIdFromString(owner))
          this.chunks.checkRoom(owner, req.put.length)
          await this.chunks.putManifest(owner, version, req.put)
          const now = Date.now()
          const [att] = issueReceipt({
            holder: this.components.identity,
            owner: peerIdFromString(owner),
            items: [{ id: sha256(req.put), size: req.put.length }],
            storedAt: now,
            leaseExpiresAt: now + this.maxLeaseMs
          })
          return { ...OK, manifest: new Uint8Array(0), receipt: (att?.receipt ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> }
        }
        const manifest = await this.chunks.getManifest(owner, req.getLatest ? 'latest' : Number(req.getVersion))
        if (manifest === undefined) return manifestSpec.errorResponse('NOT_FOUND', 'no such manifest held for you')
        return { ...OK, manifest: manifest as Uint8Array<ArrayBuffer>, receipt: new Uint8Array(0) }
      },
      opts
    )
    this.gcTimer = setInterval(() => {
      this.chunks.collectExpired(Date.now()).catch(() => {})
    }, this.gcIntervalMs)
    this.gcTimer.unref()
  }

  async stop(): Promise<void> {
    this.accepting = false
    clearInterval(this.gcTimer)
    const { libp2p } = this.components
    for (const spec of [storeSpec, fetchSpec, auditSpec, releaseSpec, manifestSpec]) await libp2p.unhandle(spec.protocol).catch(() => {})
  }

  /** Stop taking new data for others and drop what is held (leave). */
  async drain(): Promise<void> {
    this.accepting = false
    await this.chunks.clear()
  }

  /**
   * A stored chunk, checked against its id first. A damaged copy (disk
   * corruption, tampering) is deleted and reported as missing: serving or
   * proving it would only hide the loss from its owner, and deleting it lets
   * the owner's repair store a good copy again.
   */
  private async intactChunk(owner: string, id: Uint8Array, remote: PeerId): Promise<Uint8Array | undefined> {
    const data = await this.chunks.getChunk(owner, id)
    if (data === undefined || chunkMatchesId(id, data)) return data
    await this.chunks.deleteChunks(owner, [id])
    this.init.onError?.(new MeshkeepError('INVALID_CHUNK', `stored chunk ${toHex(id).slice(0, 16)}… was damaged on disk and is deleted`), remote)
    return undefined
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

  private async onStore(items: Array<{ id: Uint8Array; data: Uint8Array }>, leaseMs: number, remote: PeerId): Promise<StoreResponse> {
    const owner = remote.toString()
    this.limiter.take(
      owner,
      items.reduce((n, i) => n + i.data.length, 0)
    )
    const refused: StoreResponse['refused'] = []
    const accepted: number[] = []
    const good: Array<{ id: Uint8Array; bytes: Uint8Array }> = []
    let room = 0
    items.forEach((item, index) => {
      if (!this.accepting) {
        refused.push({ index, code: 'UNAVAILABLE', message: 'this holder is leaving and takes no new data' })
      } else if (item.data.length > MAX_CHUNK_BYTES) {
        refused.push({ index, code: 'INVALID_CHUNK', message: `chunk is ${item.data.length} bytes, over the ${MAX_CHUNK_BYTES}-byte limit` })
      } else if (!chunkMatchesId(item.id, item.data)) {
        refused.push({ index, code: 'INVALID_CHUNK', message: `chunk does not hash to its claimed id ${toHex(item.id).slice(0, 16)}` })
      } else {
        try {
          this.chunks.checkRoom(owner, room + item.data.length)
          room += item.data.length
          good.push({ id: item.id, bytes: item.data })
          accepted.push(index)
        } catch (err) {
          refused.push({ index, code: 'QUOTA_EXCEEDED', message: (err as Error).message })
        }
      }
    })
    if (good.length === 0) return { ...OK, receipt: new Uint8Array(0), accepted: [], paths: [], refused }
    const now = Date.now()
    const lease = Math.min(Math.max(leaseMs, 60_000), this.maxLeaseMs)
    // reserved in the same tick as the checks above, so a concurrent batch from this owner sees it
    const release = this.chunks.reserve(owner, room)
    try {
      await this.chunks.putChunks(owner, good, now, now + lease)
    } finally {
      release()
    }
    const atts = issueReceipt({
      holder: this.components.identity,
      owner: peerIdFromString(owner),
      items: good.map(g => ({ id: g.id, size: g.bytes.length })),
      storedAt: now,
      leaseExpiresAt: now + lease
    })
    return {
      ...OK,
      receipt: (atts[0]?.receipt ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      accepted,
      paths: atts.map(a => ({ nodes: a.path as Array<Uint8Array<ArrayBuffer>> })),
      refused
    }
  }
}
