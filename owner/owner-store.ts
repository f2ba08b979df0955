import { type ChunkAttestation, fromHex, sha256, toHex } from '../core/index.js'
import type { KeyValueStore, KvOperation } from '../storage/index.js'

/**
 * The owner's own records, in LevelDB:
 *   k!<chunk id hex>           → chunk bytes (the local copy)
 *   v!<version, 16 hex>        → sealed manifest
 *   a!<chunk id hex>!<holder>  → a known remote copy (JSON: receipt id, index, path, lease)
 *   r!<receipt id>             → receipt envelope (shared by a batch)
 *   t!<chunk id hex>           → the chunk's audit root (Merkle root over its segments)
 *   p!<version, 16 hex>        → where that version's manifest is placed (JSON)
 *   meta!latest                → latest version number
 */

/**
 * A remote copy the owner knows of. `attestation` is the holder's signed
 * receipt; a copy without one was verified another way (an audit answered
 * after recovery), and its lease is the one the holder reported.
 */
export interface StoredCopy {
  holder: string
  attestation?: ChunkAttestation
  /** when the receipt (or the verifying audit) was checked, ms */
  attestedAt: number
  leaseExpiresAt: number
}

/** @deprecated the earlier name of {@link StoredCopy} */
export type StoredAttestation = StoredCopy

/** Where a version's sealed manifest is stored, and whether its pointer reached the DHT. */
export interface ManifestPlacement {
  manifestId: Uint8Array
  holders: string[]
  /** the version pointer naming these holders was published */
  published: boolean
}

interface CopyRecord {
  receiptId: string
  index: number
  path: string[]
  attestedAt: number
  leaseExpiresAt: number
}

const versionKey = (v: number) => v.toString(16).padStart(16, '0')
const text = new TextEncoder()
const untext = new TextDecoder()
const json = (value: unknown): Uint8Array => text.encode(JSON.stringify(value))

export class OwnerStore {
  constructor(private readonly kv: KeyValueStore) {}

  async getChunk(id: Uint8Array): Promise<Uint8Array | undefined> {
    return this.kv.get(`k!${toHex(id)}`)
  }
  /** Local copies of `ids`, in order (`undefined` where there is none). */
  async getChunks(ids: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    return this.kv.getMany(ids.map(id => `k!${toHex(id)}`))
  }
  /** Whether any local copy exists (a fresh node has none). */
  async hasAnyChunk(): Promise<boolean> {
    for await (const _ of this.kv.keys({ gte: 'k!', lt: 'k"', limit: 1 })) return true
    return false
  }
  /**
   * Writes local copies and audit roots in one atomic batch: one LevelDB
   * round trip for a whole window instead of one per chunk.
   */
  async putChunksAndRoots(chunks: Array<{ id: Uint8Array; bytes: Uint8Array }>, roots: Array<{ id: Uint8Array; root: Uint8Array }>): Promise<void> {
    const ops: KvOperation[] = []
    for (const c of chunks) ops.push({ type: 'put', key: `k!${toHex(c.id)}`, value: c.bytes })
    for (const r of roots) ops.push({ type: 'put', key: `t!${toHex(r.id)}`, value: r.root })
    await this.kv.batch(ops)
  }

  async deleteChunks(ids: Uint8Array[]): Promise<void> {
    await this.kv.batch(ids.map(id => ({ type: 'del' as const, key: `k!${toHex(id)}` })))
  }
  /** Ids (hex) of every local chunk copy. */
  async localChunkIds(): Promise<string[]> {
    const out: string[] = []
    for await (const key of this.kv.keys({ gte: 'k!', lt: 'k"' })) out.push(key.slice(2))
    return out
  }

  async putManifest(version: number, sealed: Uint8Array): Promise<void> {
    await this.kv.batch([
      { type: 'put', key: `v!${versionKey(version)}`, value: sealed },
      { type: 'put', key: 'meta!latest', value: text.encode(String(version)) }
    ])
  }
  async getManifest(version: number): Promise<Uint8Array | undefined> {
    return this.kv.get(`v!${versionKey(version)}`)
  }
  /** Versions whose sealed manifest is kept, ascending. */
  async versions(): Promise<number[]> {
    const out: number[] = []
    for await (const key of this.kv.keys({ gte: 'v!', lt: 'v"' })) out.push(Number.parseInt(key.slice(2), 16))
    return out
  }
  async deleteManifest(version: number): Promise<void> {
    await this.kv.del(`v!${versionKey(version)}`)
  }
  async latestVersion(): Promise<number | null> {
    const v = await this.kv.get('meta!latest')
    return v === undefined ? null : Number(untext.decode(v))
  }

  async putManifestPlacement(version: number, p: ManifestPlacement): Promise<void> {
    await this.kv.put(`p!${versionKey(version)}`, json({ manifestId: toHex(p.manifestId), holders: p.holders, published: p.published }))
  }
  async getManifestPlacement(version: number): Promise<ManifestPlacement | undefined> {
    const v = await this.kv.get(`p!${versionKey(version)}`)
    if (v === undefined) return undefined
    const r = JSON.parse(untext.decode(v)) as { manifestId: string; holders: string[]; published: boolean }
    return { manifestId: fromHex(r.manifestId), holders: r.holders, published: r.published }
  }
  /** Versions with a manifest placement record, ascending. */
  async placedVersions(): Promise<number[]> {
    const out: number[] = []
    for await (const key of this.kv.keys({ gte: 'p!', lt: 'p"' })) out.push(Number.parseInt(key.slice(2), 16))
    return out
  }
  async deleteManifestPlacement(version: number): Promise<void> {
    await this.kv.del(`p!${versionKey(version)}`)
  }

  async getAuditRoot(id: Uint8Array): Promise<Uint8Array | undefined> {
    return this.kv.get(`t!${toHex(id)}`)
  }
  async putAuditRoot(id: Uint8Array, root: Uint8Array): Promise<void> {
    await this.kv.put(`t!${toHex(id)}`, root)
  }
  /** Ids (hex) of every chunk with an audit root. */
  async auditRootIds(): Promise<string[]> {
    const out: string[] = []
    for await (const key of this.kv.keys({ gte: 't!', lt: 't"' })) out.push(key.slice(2))
    return out
  }

  async putCopy(id: Uint8Array, c: StoredCopy): Promise<void> {
    const ops: KvOperation[] = []
    let receiptId = ''
    if (c.attestation !== undefined) {
      receiptId = toHex(sha256(c.attestation.receipt))
      ops.push({ type: 'put', key: `r!${receiptId}`, value: c.attestation.receipt })
    }
    const record: CopyRecord = {
      receiptId,
      index: c.attestation?.index ?? 0,
      path: (c.attestation?.path ?? []).map(toHex),
      attestedAt: c.attestedAt,
      leaseExpiresAt: c.leaseExpiresAt
    }
    ops.push({ type: 'put', key: `a!${toHex(id)}!${c.holder}`, value: json(record) })
    await this.kv.batch(ops)
  }
  async deleteCopy(id: Uint8Array, holder: string): Promise<void> {
    await this.kv.del(`a!${toHex(id)}!${holder}`)
  }

  /**
   * Forgets chunks entirely: every copy record, the audit root and the local
   * copy. Receipts other copies may share are left to {@link collectReceipts}.
   */
  async forgetChunks(idsHex: string[]): Promise<void> {
    const ops: KvOperation[] = []
    for (const hex of idsHex) {
      for await (const key of this.kv.keys({ gte: `a!${hex}!`, lt: `a!${hex}"` })) ops.push({ type: 'del', key })
      ops.push({ type: 'del', key: `t!${hex}` }, { type: 'del', key: `k!${hex}` })
    }
    await this.kv.batch(ops)
  }

  /** Every known copy: (chunk id hex, copy). Used to rebuild health at start. */
  async *copies(): AsyncGenerator<[string, StoredCopy]> {
    const receipts = new Map<string, Uint8Array | undefined>()
    for await (const [key, value] of this.kv.entries({ gte: 'a!', lt: 'a"' })) {
      const [, idHex = '', holder = ''] = key.split('!')
      const r = JSON.parse(untext.decode(value)) as CopyRecord
      let attestation: ChunkAttestation | undefined
      if (r.receiptId !== '') {
        if (!receipts.has(r.receiptId)) receipts.set(r.receiptId, await this.kv.get(`r!${r.receiptId}`))
        const receipt = receipts.get(r.receiptId)
        if (receipt !== undefined) attestation = { receipt, index: r.index, path: r.path.map(fromHex) }
      }
      yield [idHex, { holder, attestation, attestedAt: r.attestedAt, leaseExpiresAt: r.leaseExpiresAt }]
    }
  }

  /** Deletes receipts no copy record refers to any more; returns how many. */
  async collectReceipts(): Promise<number> {
    const used = new Set<string>()
    for await (const [, value] of this.kv.entries({ gte: 'a!', lt: 'a"' })) used.add((JSON.parse(untext.decode(value)) as CopyRecord).receiptId)
    const ops: KvOperation[] = []
    for await (const key of this.kv.keys({ gte: 'r!', lt: 'r"' })) if (!used.has(key.slice(2))) ops.push({ type: 'del', key })
    await this.kv.batch(ops)
    return ops.length
  }
}
