import { type ChunkAttestation, fromHex, MeshkeepError, sha256, toHex } from '../core/index.js'
import { BlobDamagedError, type BlobStore, type KeyValueStore, type KvOperation, LOCAL_NAMESPACE } from '../storage/index.js'
import type { Copy } from './types.js'

/**
 * The owner's own records. The local copy of each chunk is in the blob store
 * (namespace `self`); the rest is in LevelDB:
 *   v!<version, 16 hex>        → sealed manifest
 *   a!<chunk id hex>!<holder>  → a known remote copy (JSON: receipt id, index, path, lease)
 *   r!<receipt id>             → receipt envelope (shared by a batch)
 *   t!<chunk id hex>           → the chunk's audit root (Merkle root over its segments)
 *   p!<version, 16 hex>        → where that version's manifest is placed (JSON)
 *   meta!latest                → latest version number
 */

/** One holder's copy of a sealed manifest. */
export interface ManifestCopy {
  holder: string
  /** the end of its lease, ms (0: unknown, placed before manifests had leases: renew it) */
  leaseExpiresAt: number
}

/** Where a version's sealed manifest is stored, and whether its pointer reached the DHT. */
export interface ManifestPlacement {
  manifestId: Uint8Array
  holders: ManifestCopy[]
  /** the version pointer naming these holders was published */
  published: boolean
}

/** How a copy is kept on disk (the receipt itself is stored once per batch under `r!`). */
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

/** Parses a JSON record of ours, naming the key when it is damaged. */
function parseRecord<T>(key: string, value: Uint8Array): T {
  try {
    return JSON.parse(untext.decode(value)) as T
  } catch (err) {
    throw new MeshkeepError('INTERNAL', `the owner database record ${key} is damaged (not valid JSON); run meshkeep check`, { cause: err })
  }
}

export class OwnerStore {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly blobs: BlobStore,
    /** the blob namespace of this identity's local copies @default LOCAL_NAMESPACE */
    private readonly ns = LOCAL_NAMESPACE
  ) {}

  /** The local copy of a chunk; a damaged one reads as missing (every caller checks the id and fetches it elsewhere). */
  async getChunk(id: Uint8Array): Promise<Uint8Array | undefined> {
    return this.blobs.get(this.ns, id).catch(err => {
      if (err instanceof BlobDamagedError) return undefined
      throw err
    })
  }
  /** Local copies of `ids`, in order (`undefined` where there is none). */
  async getChunks(ids: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = []
    for (const id of ids) out.push(await this.getChunk(id))
    return out
  }
  /** Whether any local copy exists (a fresh node has none). */
  async hasAnyChunk(): Promise<boolean> {
    return (this.blobs.namespaces().get(this.ns)?.blobs ?? 0) > 0
  }
  /** Writes local copies (durable when it resolves) and audit roots. */
  async putChunksAndRoots(chunks: Array<{ id: Uint8Array; bytes: Uint8Array }>, roots: Array<{ id: Uint8Array; root: Uint8Array }>): Promise<void> {
    await this.blobs.putMany(this.ns, chunks)
    await this.kv.batch(roots.map(r => ({ type: 'put' as const, key: `t!${toHex(r.id)}`, value: r.root })))
  }

  async deleteChunks(ids: Uint8Array[]): Promise<void> {
    await this.blobs.delete(this.ns, ids)
  }
  /** Deletes every local copy (an identity rotated away). */
  async dropLocalChunks(): Promise<void> {
    for (;;) {
      const ids: Uint8Array[] = []
      for await (const e of this.blobs.entries(this.ns)) {
        ids.push(e.id)
        if (ids.length >= 1024) break
      }
      if (ids.length === 0) return
      await this.blobs.delete(this.ns, ids)
    }
  }

  /** Ids (hex) of every local chunk copy. */
  async localChunkIds(): Promise<string[]> {
    const out: string[] = []
    for await (const e of this.blobs.entries(this.ns)) out.push(toHex(e.id))
    return out
  }

  /**
   * Stores a version's sealed manifest. With `latest`, it also becomes the
   * latest version, in the same atomic batch. Durable when it resolves
   * (a synced write, which also makes every copy record written before it
   * durable: LevelDB has one log), so a put is acknowledged only once its
   * version would survive a power cut.
   */
  async putManifest(version: number, sealed: Uint8Array, options: { latest?: boolean } = { latest: true }): Promise<void> {
    const ops: KvOperation[] = [{ type: 'put', key: `v!${versionKey(version)}`, value: sealed }]
    if (options.latest !== false) ops.push({ type: 'put', key: 'meta!latest', value: text.encode(String(version)) })
    await this.kv.batch(ops, { sync: true })
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
    if (v === undefined) return null
    const n = Number(untext.decode(v))
    if (!Number.isSafeInteger(n) || n < 1)
      throw new MeshkeepError('INTERNAL', 'the owner database record meta!latest is damaged (not a version number); run meshkeep check')
    return n
  }

  /** Durable when it resolves. */
  async putManifestPlacement(version: number, p: ManifestPlacement): Promise<void> {
    await this.kv.put(`p!${versionKey(version)}`, json({ manifestId: toHex(p.manifestId), holders: p.holders, published: p.published }), { sync: true })
  }
  async getManifestPlacement(version: number): Promise<ManifestPlacement | undefined> {
    const key = `p!${versionKey(version)}`
    const v = await this.kv.get(key)
    if (v === undefined) return undefined
    const r = parseRecord<{ manifestId: string; holders: Array<string | ManifestCopy>; published: boolean }>(key, v)
    // placements written before manifests had leases name holders only
    const holders = r.holders.map(h => (typeof h === 'string' ? { holder: h, leaseExpiresAt: 0 } : h))
    return { manifestId: fromHex(r.manifestId), holders, published: r.published }
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

  /** Stores copies (replacing earlier ones of the same chunk and holder) in one atomic batch. */
  async putCopies(copies: Array<{ id: Uint8Array; copy: Copy }>): Promise<void> {
    const ops: KvOperation[] = []
    const receipts = new Set<string>()
    for (const { id, copy } of copies) {
      let receiptId = ''
      if (copy.attestation !== undefined) {
        receiptId = toHex(sha256(copy.attestation.receipt))
        if (!receipts.has(receiptId)) ops.push({ type: 'put', key: `r!${receiptId}`, value: copy.attestation.receipt })
        receipts.add(receiptId)
      }
      const record: CopyRecord = {
        receiptId,
        index: copy.attestation?.index ?? 0,
        path: (copy.attestation?.path ?? []).map(toHex),
        attestedAt: copy.attestedAt,
        leaseExpiresAt: copy.leaseExpiresAt
      }
      ops.push({ type: 'put', key: `a!${toHex(id)}!${copy.holder}`, value: json(record) })
    }
    await this.kv.batch(ops)
  }
  async deleteCopies(copies: Array<{ id: Uint8Array | string; holder: string }>): Promise<void> {
    await this.kv.batch(copies.map(c => ({ type: 'del' as const, key: `a!${typeof c.id === 'string' ? c.id : toHex(c.id)}!${c.holder}` })))
  }

  /**
   * Forgets chunks entirely: every copy record, the audit root and the local
   * copy. Receipts other copies may share are left to {@link collectReceipts}.
   */
  async forgetChunks(idsHex: string[]): Promise<void> {
    const ops: KvOperation[] = []
    for (const hex of idsHex) {
      for await (const key of this.kv.keys({ gte: `a!${hex}!`, lt: `a!${hex}"` })) ops.push({ type: 'del', key })
      ops.push({ type: 'del', key: `t!${hex}` })
    }
    await this.kv.batch(ops)
    await this.blobs.delete(
      this.ns,
      idsHex.map(h => fromHex(h))
    )
  }

  /** Every known copy: (chunk id hex, copy). Used to rebuild the copy book at start. */
  async *copies(): AsyncGenerator<[string, Copy]> {
    const receipts = new Map<string, Uint8Array | undefined>()
    for await (const [key, value] of this.kv.entries({ gte: 'a!', lt: 'a"' })) {
      const [, idHex = '', holder = ''] = key.split('!')
      const r = parseRecord<CopyRecord>(key, value)
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
    for await (const [key, value] of this.kv.entries({ gte: 'a!', lt: 'a"' })) used.add(parseRecord<CopyRecord>(key, value).receiptId)
    const ops: KvOperation[] = []
    for await (const key of this.kv.keys({ gte: 'r!', lt: 'r"' })) if (!used.has(key.slice(2))) ops.push({ type: 'del', key })
    await this.kv.batch(ops)
    return ops.length
  }
}
