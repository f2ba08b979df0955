import { Queue } from '@libp2p/utils'
import { MeshkeepError, peerIdToString, sha256, toHex } from '../core/index.js'
import type { KeyValueStore, KvOperation } from '../storage/index.js'

/**
 * What a holder keeps for other owners, in LevelDB:
 *   c!<owner>!<chunk id hex> → chunk bytes
 *   i!<owner>!<chunk id hex> → [leaseExpiresAt u64][storedAt u64][size u32]
 *   m!<owner>!<version, 16 hex digits> → sealed manifest
 *   n!<owner>!<version, 16 hex digits> → [leaseExpiresAt u64][storedAt u64][size u32]
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

function decodeInfo(bytes: Uint8Array, key: string): StoredInfo {
  if (bytes.length !== 20) throw new MeshkeepError('INTERNAL', `holder index entry ${key} is damaged: ${bytes.length} bytes, expected 20`)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { leaseExpiresAt: Number(v.getBigUint64(0)), storedAt: Number(v.getBigUint64(8)), size: v.getUint32(16) }
}

const versionKey = (version: number) => version.toString(16).padStart(16, '0')
const chunkKeys = (owner: string, hex: string) => ({ data: `c!${owner}!${hex}`, info: `i!${owner}!${hex}` })
const manifestKeys = (owner: string, version: number) => ({ data: `m!${owner}!${versionKey(version)}`, info: `n!${owner}!${versionKey(version)}` })

/**
 * The holder's storage for other owners: chunks and sealed manifests, each
 * with a lease, and per-owner usage counters for quotas.
 *
 * Every write that changes usage runs through one queue: a write reads what
 * is already stored, then writes and counts. Two identical stores at once
 * must count once, so those steps never interleave.
 */
export class ChunkStore {
  private readonly usage = new Map<string, OwnerUsage>()
  private total = 0
  /** bytes of stores checked but not yet written, per owner: concurrent batches must not overshoot a quota together */
  private readonly reserved = new Map<string, number>()
  private reservedTotal = 0
  private readonly writes = new Queue<unknown>({ concurrency: 1 })
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
      this.account(key.split('!')[1] ?? '', decodeInfo(value, key).size, 1, 0)
    }
    for await (const [key, value] of this.kv.entries({ gte: 'n!', lt: 'n"' })) {
      this.account(key.split('!')[1] ?? '', decodeInfo(value, key).size, 0, 1)
    }
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    return this.writes.add(fn) as Promise<T>
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
    const key = chunkKeys(owner, toHex(id)).info
    const v = await this.kv.get(key)
    return v === undefined ? undefined : decodeInfo(v, key)
  }

  /**
   * Stores (or re-leases) verified chunks atomically; the caller has checked
   * ids and room. The bytes are rewritten even when the chunk is known: the
   * caller verified them, and a re-store must heal a copy damaged on disk,
   * not just re-lease it. A lease never shrinks.
   */
  async putChunks(owner: string, items: Array<{ id: Uint8Array; bytes: Uint8Array }>, storedAt: number, leaseExpiresAt: number): Promise<void> {
    const seen = new Set<string>()
    const unique = items.filter(item => {
      const hex = toHex(item.id)
      if (seen.has(hex)) return false
      seen.add(hex)
      return true
    })
    await this.serialized(async () => {
      const ops: KvOperation[] = []
      let added = 0
      let addedChunks = 0
      // one look-up for the whole batch, not one LevelDB round trip per chunk
      const keys = unique.map(item => chunkKeys(owner, toHex(item.id)))
      const infos = await this.kv.getMany(keys.map(k => k.info))
      for (const [n, item] of unique.entries()) {
        const k = keys[n] as { data: string; info: string }
        const raw = infos[n]
        const existing = raw === undefined ? undefined : decodeInfo(raw, k.info)
        ops.push({ type: 'put', key: k.data, value: item.bytes })
        if (existing === undefined) {
          added += item.bytes.length
          addedChunks++
        }
        const lease = Math.max(leaseExpiresAt, existing?.leaseExpiresAt ?? 0)
        ops.push({ type: 'put', key: k.info, value: encodeInfo({ size: item.bytes.length, storedAt: existing?.storedAt ?? storedAt, leaseExpiresAt: lease }) })
      }
      await this.kv.batch(ops)
      this.account(owner, added, addedChunks, 0)
    })
  }

  /**
   * Extends the lease of chunks already held, without their bytes. Returns,
   * per id, the stored size when the chunk is held and intact (its bytes
   * still hash to its id), else undefined: a holder must not attest a copy
   * it no longer has.
   */
  async renewChunks(owner: string, ids: Uint8Array[], leaseExpiresAt: number): Promise<Array<number | undefined>> {
    return this.serialized(async () => {
      const keys = ids.map(id => chunkKeys(owner, toHex(id)))
      const infos = await this.kv.getMany(keys.map(k => k.info))
      const data = await this.kv.getMany(keys.map(k => k.data))
      const ops: KvOperation[] = []
      const sizes = ids.map((id, n) => {
        const k = keys[n] as { data: string; info: string }
        const raw = infos[n]
        const bytes = data[n]
        if (raw === undefined || bytes === undefined || !chunkMatchesId(id, bytes)) return undefined
        const info = decodeInfo(raw, k.info)
        if (leaseExpiresAt > info.leaseExpiresAt) ops.push({ type: 'put', key: k.info, value: encodeInfo({ ...info, leaseExpiresAt }) })
        return info.size
      })
      await this.kv.batch(ops)
      return sizes
    })
  }

  async getChunk(owner: string, id: Uint8Array): Promise<Uint8Array | undefined> {
    return this.kv.get(chunkKeys(owner, toHex(id)).data)
  }

  /** Deletes chunks; returns how many existed. */
  async deleteChunks(owner: string, ids: Uint8Array[]): Promise<number> {
    return this.serialized(async () => {
      const keys = [...new Set(ids.map(toHex))].map(hex => chunkKeys(owner, hex))
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
      await this.kv.batch(ops)
      this.account(owner, -bytes, -count, 0)
      return count
    })
  }

  /** Stores a sealed manifest (the caller checked its signature and room), or renews the lease of one held. */
  async putManifest(owner: string, version: number, sealed: Uint8Array, storedAt: number, leaseExpiresAt: number): Promise<void> {
    await this.serialized(async () => {
      const k = manifestKeys(owner, version)
      const raw = await this.kv.get(k.info)
      const old = raw === undefined ? undefined : decodeInfo(raw, k.info)
      const info: StoredInfo = { size: sealed.length, storedAt: old?.storedAt ?? storedAt, leaseExpiresAt: Math.max(leaseExpiresAt, old?.leaseExpiresAt ?? 0) }
      await this.kv.batch([
        { type: 'put', key: k.data, value: sealed },
        { type: 'put', key: k.info, value: encodeInfo(info) }
      ])
      this.account(owner, sealed.length - (old?.size ?? 0), 0, old === undefined ? 1 : 0)
    })
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
    return this.serialized(async () => {
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
      await this.kv.batch(ops)
      this.account(owner, -bytes, 0, -count)
      return count
    })
  }

  /** Deletes every chunk and manifest whose lease ended before `now`; returns how many. */
  async collectExpired(now: number): Promise<number> {
    const chunks = await this.expired('i!', now)
    const manifests = await this.expired('n!', now)
    let n = 0
    for (const [owner, hexes] of chunks)
      n += await this.deleteChunks(
        owner,
        hexes.map(h => Uint8Array.from(Buffer.from(h, 'hex')))
      )
    for (const [owner, versions] of manifests)
      n += await this.deleteManifests(
        owner,
        versions.map(v => Number.parseInt(v, 16))
      )
    return n
  }

  private async expired(prefix: 'i!' | 'n!', now: number): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>()
    for await (const [key, value] of this.kv.entries({ gte: prefix, lt: `${prefix.slice(0, 1)}"` })) {
      if (decodeInfo(value, key).leaseExpiresAt > now) continue
      const [, owner = '', name = ''] = key.split('!')
      const list = out.get(owner) ?? []
      list.push(name)
      out.set(owner, list)
    }
    return out
  }

  /** Drops everything held for others (used by `leave`). */
  async clear(): Promise<void> {
    for (const u of this.owners()) {
      const ids: Uint8Array[] = []
      for await (const key of this.kv.keys({ gte: `i!${u.owner}!`, lt: `i!${u.owner}"` }))
        ids.push(Uint8Array.from(Buffer.from(key.split('!')[2] ?? '', 'hex')))
      await this.deleteChunks(u.owner, ids)
      await this.deleteManifests(u.owner, await this.listManifests(u.owner))
    }
  }
}

/** Checks a chunk against its claimed id: any holder can, without keys. */
export function chunkMatchesId(id: Uint8Array, bytes: Uint8Array): boolean {
  return id.length === 32 && Buffer.from(sha256(bytes)).equals(Buffer.from(id.buffer, id.byteOffset, id.byteLength))
}

export const ownerKey = (peerId: Uint8Array): string => peerIdToString(peerId)
