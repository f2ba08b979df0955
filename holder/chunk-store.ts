import { MeshkeepError, peerIdToString, sha256 } from '../core/index.js'
import { BlobDamagedError, type BlobStore, type KeyValueStore, type KvOperation, LOCAL_NAMESPACE } from '../storage/index.js'

/**
 * What a holder keeps for other owners:
 * - chunks in the blob store (storage/blob-store), one namespace per owner
 *   (its base58 peer id), each with its lease as metadata:
 *   [leaseExpiresAt u64][storedAt u64][size u32];
 * - sealed manifests in LevelDB, each with the same lease entry:
 *     m!<owner>!<version, 16 hex digits> → sealed manifest
 *     n!<owner>!<version, 16 hex digits> → [leaseExpiresAt u64][storedAt u64][size u32]
 * Every write is durable when it resolves (the blob store's group commit, a
 * synced LevelDB batch): a holder signs a receipt only for what a power cut
 * would not take away.
 */
export interface StoredInfo {
  size: number
  storedAt: number
  leaseExpiresAt: number
}

export interface OwnerUsage {
  owner: string
  chunks: number
  manifests: number
  bytes: number
}

export interface ChunkStoreInit {
  capacityBytes: number
  ownerQuotaBytes: number
}

function encodeInfo(info: StoredInfo): Uint8Array {
  const out = new Uint8Array(20)
  const v = new DataView(out.buffer)
  v.setBigUint64(0, BigInt(info.leaseExpiresAt))
  v.setBigUint64(8, BigInt(info.storedAt))
  v.setUint32(16, info.size)
  return out
}

function decodeInfo(bytes: Uint8Array, what: string): StoredInfo {
  if (bytes.length !== 20) throw new MeshkeepError('INTERNAL', `the lease entry of ${what} is damaged: ${bytes.length} bytes, expected 20; run meshkeep check`)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { leaseExpiresAt: Number(v.getBigUint64(0)), storedAt: Number(v.getBigUint64(8)), size: v.getUint32(16) }
}

const versionKey = (version: number) => version.toString(16).padStart(16, '0')
const manifestKeys = (owner: string, version: number) => ({ data: `m!${owner}!${versionKey(version)}`, info: `n!${owner}!${versionKey(version)}` })
const hex = (id: Uint8Array) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')

/** A stored chunk that failed its checks on disk; the holder deletes it and reports it missing. */
export { BlobDamagedError }

/**
 * The holder's storage for other owners: chunks and sealed manifests, each
 * with a lease, and per-owner usage for quotas. Chunk usage is the blob
 * store's own count of each owner's namespace (exact, kept at commit);
 * manifest usage is counted here.
 */
export class ChunkStore {
  private readonly manifestUsage = new Map<string, { manifests: number; bytes: number }>()
  /** bytes of stores checked but not yet written, per owner: concurrent batches must not overshoot a quota together */
  private readonly reserved = new Map<string, number>()
  private reservedTotal = 0
  readonly capacityBytes: number
  readonly ownerQuotaBytes: number

  constructor(
    private readonly kv: KeyValueStore,
    private readonly blobs: BlobStore,
    init: ChunkStoreInit
  ) {
    this.capacityBytes = init.capacityBytes
    this.ownerQuotaBytes = init.ownerQuotaBytes
  }

  /** Counts the manifests held (the blob store counts the chunks itself). */
  async open(): Promise<void> {
    this.manifestUsage.clear()
    for await (const [key, value] of this.kv.entries({ gte: 'n!', lt: 'n"' })) {
      const owner = key.split('!')[1] ?? ''
      const u = this.manifestUsage.get(owner) ?? { manifests: 0, bytes: 0 }
      u.manifests++
      u.bytes += decodeInfo(value, key).size
      this.manifestUsage.set(owner, u)
    }
  }

  private accountManifest(owner: string, bytes: number, manifests: number): void {
    const u = this.manifestUsage.get(owner) ?? { manifests: 0, bytes: 0 }
    u.bytes += bytes
    u.manifests += manifests
    if (u.manifests <= 0) this.manifestUsage.delete(owner)
    else this.manifestUsage.set(owner, u)
  }

  private usedBy(owner: string): number {
    return (this.blobs.namespaces().get(owner)?.bytes ?? 0) + (this.manifestUsage.get(owner)?.bytes ?? 0)
  }

  get usedBytes(): number {
    let total = 0
    for (const [ns, u] of this.blobs.namespaces()) if (ns !== LOCAL_NAMESPACE) total += u.bytes
    for (const u of this.manifestUsage.values()) total += u.bytes
    return total
  }
  get freeBytes(): number {
    return Math.max(0, this.capacityBytes - this.usedBytes)
  }
  owners(): OwnerUsage[] {
    const out = new Map<string, OwnerUsage>()
    for (const [ns, u] of this.blobs.namespaces()) if (ns !== LOCAL_NAMESPACE) out.set(ns, { owner: ns, chunks: u.blobs, manifests: 0, bytes: u.bytes })
    for (const [owner, u] of this.manifestUsage) {
      const o = out.get(owner) ?? { owner, chunks: 0, manifests: 0, bytes: 0 }
      o.manifests += u.manifests
      o.bytes += u.bytes
      out.set(owner, o)
    }
    return [...out.values()]
  }

  /** Throws QUOTA_EXCEEDED naming which limit a new `bytes` would break (stores in flight count as used). */
  checkRoom(owner: string, bytes: number): void {
    const used = this.usedBy(owner) + (this.reserved.get(owner) ?? 0)
    if (used + bytes > this.ownerQuotaBytes) {
      throw new MeshkeepError('QUOTA_EXCEEDED', `owner quota full: ${used} of ${this.ownerQuotaBytes} bytes used for this owner`)
    }
    const total = this.usedBytes + this.reservedTotal
    if (total + bytes > this.capacityBytes) {
      throw new MeshkeepError('QUOTA_EXCEEDED', `holder capacity full: ${total} of ${this.capacityBytes} bytes used`)
    }
  }

  /**
   * Holds `bytes` of room for a store about to be written, so that checks made
   * meanwhile see it. Call in the same tick as the `checkRoom` calls it
   * follows; call the returned function once the write has finished or failed.
   */
  reserve(owner: string, bytes: number): () => void {
    this.reserved.set(owner, (this.reserved.get(owner) ?? 0) + bytes)
    this.reservedTotal += bytes
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.reserved.get(owner) ?? 0) - bytes
      if (left > 0) this.reserved.set(owner, left)
      else this.reserved.delete(owner)
      this.reservedTotal -= bytes
    }
  }

  async info(owner: string, id: Uint8Array): Promise<StoredInfo | undefined> {
    const m = await this.blobs.meta(owner, id)
    return m === undefined ? undefined : decodeInfo(m.meta, `chunk ${hex(id).slice(0, 16)}… of ${owner}`)
  }

  /**
   * Stores (or re-leases) verified chunks; the caller has checked ids and
   * room. The bytes are written again even when the chunk is known: the
   * caller verified them, and a re-store must heal a copy damaged on disk,
   * not just re-lease it. A lease never shrinks. Durable when it resolves.
   */
  async putChunks(owner: string, items: Array<{ id: Uint8Array; bytes: Uint8Array }>, storedAt: number, leaseExpiresAt: number): Promise<void> {
    const seen = new Set<string>()
    const unique = items.filter(item => {
      const h = hex(item.id)
      if (seen.has(h)) return false
      seen.add(h)
      return true
    })
    const known = await Promise.all(unique.map(i => this.info(owner, i.id)))
    await this.blobs.putMany(
      owner,
      unique.map((item, k) => {
        const old = known[k]
        return {
          id: item.id,
          bytes: item.bytes,
          meta: encodeInfo({ size: item.bytes.length, storedAt: old?.storedAt ?? storedAt, leaseExpiresAt: Math.max(leaseExpiresAt, old?.leaseExpiresAt ?? 0) })
        }
      })
    )
  }

  /**
   * Extends the lease of chunks already held, without their bytes. Returns,
   * per id, the stored size when the chunk is held and intact (its bytes
   * still hash to its id), else undefined: a holder must not attest a copy
   * it no longer has. Durable when it resolves.
   */
  async renewChunks(owner: string, ids: Uint8Array[], leaseExpiresAt: number): Promise<Array<number | undefined>> {
    const updates: Array<{ id: Uint8Array; meta: Uint8Array }> = []
    const sizes: Array<number | undefined> = []
    for (const id of ids) {
      const info = await this.info(owner, id)
      const bytes = info === undefined ? undefined : await this.getChunk(owner, id).catch(() => undefined)
      if (info === undefined || bytes === undefined || !chunkMatchesId(id, bytes)) {
        sizes.push(undefined)
        continue
      }
      sizes.push(info.size)
      if (leaseExpiresAt > info.leaseExpiresAt) updates.push({ id, meta: encodeInfo({ ...info, leaseExpiresAt }) })
    }
    if (updates.length > 0) await this.blobs.setMeta(owner, updates)
    return sizes
  }

  /** The ids of every chunk held for `owner`, in bounded memory. */
  async *chunkIds(owner: string): AsyncGenerator<Uint8Array> {
    for await (const e of this.blobs.entries(owner)) yield e.id
  }

  /** A chunk's bytes; throws `BlobDamagedError` when its record on disk is damaged. */
  async getChunk(owner: string, id: Uint8Array): Promise<Uint8Array | undefined> {
    return this.blobs.get(owner, id)
  }

  /** Deletes chunks; returns how many existed. */
  async deleteChunks(owner: string, ids: Uint8Array[]): Promise<number> {
    return ids.length === 0 ? 0 : this.blobs.delete(owner, ids)
  }

  /** Stores a sealed manifest (the caller checked its signature and room), or renews the lease of one held. Durable when it resolves. */
  async putManifest(owner: string, version: number, sealed: Uint8Array, storedAt: number, leaseExpiresAt: number): Promise<void> {
    const k = manifestKeys(owner, version)
    const raw = await this.kv.get(k.info)
    const old = raw === undefined ? undefined : decodeInfo(raw, k.info)
    const info: StoredInfo = { size: sealed.length, storedAt: old?.storedAt ?? storedAt, leaseExpiresAt: Math.max(leaseExpiresAt, old?.leaseExpiresAt ?? 0) }
    await this.kv.batch(
      [
        { type: 'put', key: k.data, value: sealed },
        { type: 'put', key: k.info, value: encodeInfo(info) }
      ],
      { sync: true }
    )
    this.accountManifest(owner, sealed.length - (old?.size ?? 0), old === undefined ? 1 : 0)
  }

  async manifestInfo(owner: string, version: number): Promise<StoredInfo | undefined> {
    const key = manifestKeys(owner, version).info
    const raw = await this.kv.get(key)
    return raw === undefined ? undefined : decodeInfo(raw, key)
  }

  async getManifest(owner: string, version: number | 'latest'): Promise<Uint8Array | undefined> {
    if (version !== 'latest') return this.kv.get(manifestKeys(owner, version).data)
    for await (const [, value] of this.kv.entries({ gte: `m!${owner}!`, lt: `m!${owner}"`, reverse: true, limit: 1 })) return value
    return undefined
  }

  /** Versions of `owner`'s manifests held, ascending. */
  async listManifests(owner: string): Promise<number[]> {
    const out: number[] = []
    for await (const key of this.kv.keys({ gte: `n!${owner}!`, lt: `n!${owner}"` })) out.push(Number.parseInt(key.split('!')[2] ?? '0', 16))
    return out
  }

  async deleteManifests(owner: string, versions: number[]): Promise<number> {
    const keys = [...new Set(versions)].map(v => manifestKeys(owner, v))
    const infos = await this.kv.getMany(keys.map(k => k.info))
    const ops: KvOperation[] = []
    let bytes = 0
    let count = 0
    keys.forEach((k, n) => {
      const raw = infos[n]
      if (raw === undefined) return
      ops.push({ type: 'del', key: k.data }, { type: 'del', key: k.info })
      bytes += decodeInfo(raw, k.info).size
      count++
    })
    await this.kv.batch(ops, { sync: true })
    this.accountManifest(owner, -bytes, -count)
    return count
  }

  /** Deletes every chunk and manifest whose lease ended before `now`; returns how many. Then reclaims the space. */
  async collectExpired(now: number): Promise<number> {
    const chunks = new Map<string, Uint8Array[]>()
    for await (const e of this.blobs.entries()) {
      if (e.ns === LOCAL_NAMESPACE || decodeInfo(e.meta, `chunk ${hex(e.id).slice(0, 16)}… of ${e.ns}`).leaseExpiresAt > now) continue
      chunks.set(e.ns, [...(chunks.get(e.ns) ?? []), e.id])
    }
    const manifests = new Map<string, number[]>()
    for await (const [key, value] of this.kv.entries({ gte: 'n!', lt: 'n"' })) {
      if (decodeInfo(value, key).leaseExpiresAt > now) continue
      const [, owner = '', version = ''] = key.split('!')
      manifests.set(owner, [...(manifests.get(owner) ?? []), Number.parseInt(version, 16)])
    }
    let n = 0
    for (const [owner, ids] of chunks) n += await this.deleteChunks(owner, ids)
    for (const [owner, versions] of manifests) n += await this.deleteManifests(owner, versions)
    if (n > 0) await this.blobs.compact()
    return n
  }

  /** Drops everything held for others (used by `leave`). */
  async clear(): Promise<void> {
    for (const u of this.owners()) {
      const ids: Uint8Array[] = []
      for await (const e of this.blobs.entries(u.owner)) ids.push(e.id)
      await this.deleteChunks(u.owner, ids)
      await this.deleteManifests(u.owner, await this.listManifests(u.owner))
    }
    await this.blobs.compact()
  }
}

/** Checks a chunk against its claimed id: any holder can, without keys. */
export function chunkMatchesId(id: Uint8Array, bytes: Uint8Array): boolean {
  return id.length === 32 && Buffer.from(sha256(bytes)).equals(Buffer.from(id.buffer, id.byteOffset, id.byteLength))
}

export const ownerKey = (peerId: Uint8Array): string => peerIdToString(peerId)
