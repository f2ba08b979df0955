import { MeshkeepError, peerIdToString, sha256, toHex } from '../core/index.js'
import type { KeyValueStore, KvOperation } from '../storage/index.js'

/**
 * What a holder keeps for other owners, in LevelDB:
 *   c!<owner>!<chunk id hex> → chunk bytes
 *   i!<owner>!<chunk id hex> → [leaseExpiresAt u64][storedAt u64][size u32]
 *   m!<owner>!<version, 16 hex digits> → sealed manifest
 * Owners are base58 peer ids. Data and its index entry are written in one
 * atomic batch, so a crash never leaves one without the other.
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

function decodeInfo(bytes: Uint8Array): StoredInfo {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { leaseExpiresAt: Number(v.getBigUint64(0)), storedAt: Number(v.getBigUint64(8)), size: v.getUint32(16) }
}

const versionKey = (version: number) => version.toString(16).padStart(16, '0')

export class ChunkStore {
  private readonly usage = new Map<string, OwnerUsage>()
  private total = 0
  /** bytes of stores checked but not yet written, per owner: concurrent batches must not overshoot a quota together */
  private readonly reserved = new Map<string, number>()
  private reservedTotal = 0
  readonly capacityBytes: number
  readonly ownerQuotaBytes: number

  constructor(
    private readonly kv: KeyValueStore,
    init: ChunkStoreInit
  ) {
    this.capacityBytes = init.capacityBytes
    this.ownerQuotaBytes = init.ownerQuotaBytes
  }

  /** Rebuilds the usage counters from the index (small entries only). */
  async open(): Promise<void> {
    this.usage.clear()
    this.total = 0
    for await (const [key, value] of this.kv.entries({ gte: 'i!', lt: 'i"' })) {
      const owner = key.split('!')[1] ?? ''
      this.account(owner, decodeInfo(value).size, 1, 0)
    }
    for await (const [key, value] of this.kv.entries({ gte: 'm!', lt: 'm"' })) {
      this.account(key.split('!')[1] ?? '', value.length, 0, 1)
    }
  }

  private account(owner: string, bytes: number, chunks: number, manifests: number): void {
    const u = this.usage.get(owner) ?? { owner, chunks: 0, manifests: 0, bytes: 0 }
    u.bytes += bytes
    u.chunks += chunks
    u.manifests += manifests
    this.total += bytes
    if (u.bytes <= 0 && u.chunks <= 0 && u.manifests <= 0) this.usage.delete(owner)
    else this.usage.set(owner, u)
  }

  get usedBytes(): number {
    return this.total
  }
  get freeBytes(): number {
    return Math.max(0, this.capacityBytes - this.total)
  }
  owners(): OwnerUsage[] {
    return [...this.usage.values()].map(u => ({ ...u }))
  }

  /** Throws QUOTA_EXCEEDED naming which limit a new `bytes` would break (stores in flight count as used). */
  checkRoom(owner: string, bytes: number): void {
    const used = (this.usage.get(owner)?.bytes ?? 0) + (this.reserved.get(owner) ?? 0)
    if (used + bytes > this.ownerQuotaBytes) {
      throw new MeshkeepError('QUOTA_EXCEEDED', `owner quota full: ${used} of ${this.ownerQuotaBytes} bytes used for this owner`)
    }
    const total = this.total + this.reservedTotal
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
    const v = await this.kv.get(`i!${owner}!${toHex(id)}`)
    return v === undefined ? undefined : decodeInfo(v)
  }

  /**
   * Stores (or re-leases) verified chunks atomically. The caller has checked
   * ids and room. Returns the ids that were new.
   */
  async putChunks(owner: string, items: Array<{ id: Uint8Array; bytes: Uint8Array }>, storedAt: number, leaseExpiresAt: number): Promise<void> {
    const ops: KvOperation[] = []
    let added = 0
    let addedChunks = 0
    const seen = new Set<string>()
    const unique = items.filter(item => {
      const hex = toHex(item.id)
      if (seen.has(hex)) return false
      seen.add(hex)
      return true
    })
    // one look-up for the whole batch, not one LevelDB round trip per chunk
    const infos = await this.kv.getMany(unique.map(item => `i!${owner}!${toHex(item.id)}`))
    for (const [k, item] of unique.entries()) {
      const hex = toHex(item.id)
      const raw = infos[k]
      const existing = raw === undefined ? undefined : decodeInfo(raw)
      // the bytes are rewritten even when the chunk is known: the caller verified
      // them, and a re-store must heal a copy damaged on disk, not just re-lease it
      ops.push({ type: 'put', key: `c!${owner}!${hex}`, value: item.bytes })
      if (existing === undefined) {
        added += item.bytes.length
        addedChunks++
      }
      const lease = Math.max(leaseExpiresAt, existing?.leaseExpiresAt ?? 0)
      ops.push({
        type: 'put',
        key: `i!${owner}!${hex}`,
        value: encodeInfo({ size: item.bytes.length, storedAt: existing?.storedAt ?? storedAt, leaseExpiresAt: lease })
      })
    }
    await this.kv.batch(ops)
    this.account(owner, added, addedChunks, 0)
  }

  async getChunk(owner: string, id: Uint8Array): Promise<Uint8Array | undefined> {
    return this.kv.get(`c!${owner}!${toHex(id)}`)
  }

  /** Deletes chunks; returns how many existed. */
  async deleteChunks(owner: string, ids: Uint8Array[]): Promise<number> {
    const ops: KvOperation[] = []
    let bytes = 0
    let count = 0
    for (const id of ids) {
      const info = await this.info(owner, id)
      if (info === undefined) continue
      const hex = toHex(id)
      ops.push({ type: 'del', key: `c!${owner}!${hex}` }, { type: 'del', key: `i!${owner}!${hex}` })
      bytes += info.size
      count++
    }
    await this.kv.batch(ops)
    this.account(owner, -bytes, -count, 0)
    return count
  }

  async putManifest(owner: string, version: number, sealed: Uint8Array): Promise<void> {
    const key = `m!${owner}!${versionKey(version)}`
    const old = await this.kv.get(key)
    await this.kv.put(key, sealed)
    this.account(owner, sealed.length - (old?.length ?? 0), 0, old === undefined ? 1 : 0)
  }

  async getManifest(owner: string, version: number | 'latest'): Promise<Uint8Array | undefined> {
    if (version !== 'latest') return this.kv.get(`m!${owner}!${versionKey(version)}`)
    for await (const [, value] of this.kv.entries({ gte: `m!${owner}!`, lt: `m!${owner}"`, reverse: true, limit: 1 })) return value
    return undefined
  }

  async deleteManifests(owner: string, versions: number[]): Promise<number> {
    let n = 0
    for (const version of versions) {
      const key = `m!${owner}!${versionKey(version)}`
      const old = await this.kv.get(key)
      if (old === undefined) continue
      await this.kv.del(key)
      this.account(owner, -old.length, 0, -1)
      n++
    }
    return n
  }

  /** Deletes every chunk whose lease expired before `now`; returns the count. */
  async collectExpired(now: number): Promise<number> {
    let n = 0
    const expired = new Map<string, Uint8Array[]>()
    for await (const [key, value] of this.kv.entries({ gte: 'i!', lt: 'i"' })) {
      if (decodeInfo(value).leaseExpiresAt > now) continue
      const [, owner = '', hex = ''] = key.split('!')
      const list = expired.get(owner) ?? []
      list.push(Uint8Array.from(Buffer.from(hex, 'hex')))
      expired.set(owner, list)
    }
    for (const [owner, ids] of expired) n += await this.deleteChunks(owner, ids)
    return n
  }

  /** Drops everything held for others (used by `leave`). */
  async clear(): Promise<void> {
    for (const u of this.owners()) {
      const ids: Uint8Array[] = []
      for await (const key of this.kv.keys({ gte: `i!${u.owner}!`, lt: `i!${u.owner}"` }))
        ids.push(Uint8Array.from(Buffer.from(key.split('!')[2] ?? '', 'hex')))
      await this.deleteChunks(u.owner, ids)
      const versions: number[] = []
      for await (const key of this.kv.keys({ gte: `m!${u.owner}!`, lt: `m!${u.owner}"` })) versions.push(Number.parseInt(key.split('!')[2] ?? '0', 16))
      await this.deleteManifests(u.owner, versions)
    }
  }
}

/** Checks a chunk against its claimed id: any holder can, without keys. */
export function chunkMatchesId(id: Uint8Array, bytes: Uint8Array): boolean {
  return id.length === 32 && toHex(sha256(bytes)) === toHex(id)
}

export const ownerKey = (peerId: Uint8Array): string => peerIdToString(peerId)
