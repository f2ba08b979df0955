import { type ChunkAttestation, fromHex, toHex } from '../core/index.js'
import type { KeyValueStore } from '../storage/index.js'

/**
 * The owner's own records, in LevelDB:
 *   k!<chunk id hex>           → chunk bytes (the local copy)
 *   v!<version, 16 hex>        → sealed manifest
 *   a!<chunk id hex>!<holder>  → attestation (JSON: receipt id, index, path, lease)
 *   r!<receipt id>             → receipt envelope (shared by a batch)
 *   meta!latest                → latest version number
 */
export interface StoredAttestation {
  holder: string
  attestation: ChunkAttestation
  attestedAt: number
  leaseExpiresAt: number
}

const versionKey = (v: number) => v.toString(16).padStart(16, '0')

export class OwnerStore {
  constructor(private readonly kv: KeyValueStore) {}

  async hasChunk(id: Uint8Array): Promise<boolean> {
    return (await this.kv.get(`k!${toHex(id)}`)) !== undefined
  }
  async getChunk(id: Uint8Array): Promise<Uint8Array | undefined> {
    return this.kv.get(`k!${toHex(id)}`)
  }
  async putChunk(id: Uint8Array, bytes: Uint8Array): Promise<void> {
    await this.kv.put(`k!${toHex(id)}`, bytes)
  }
  async deleteChunks(ids: Uint8Array[]): Promise<void> {
    await this.kv.batch(ids.map(id => ({ type: 'del' as const, key: `k!${toHex(id)}` })))
  }

  async putManifest(version: number, sealed: Uint8Array): Promise<void> {
    await this.kv.batch([
      { type: 'put', key: `v!${versionKey(version)}`, value: sealed },
      { type: 'put', key: 'meta!latest', value: new TextEncoder().encode(String(version)) }
    ])
  }
  async getManifest(version: number): Promise<Uint8Array | undefined> {
    return this.kv.get(`v!${versionKey(version)}`)
  }
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
    return v === undefined ? null : Number(new TextDecoder().decode(v))
  }

  async putAttestation(id: Uint8Array, a: StoredAttestation): Promise<void> {
    const receiptId = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', a.attestation.receipt as Uint8Array<ArrayBuffer>)))
    const record = {
      receiptId,
      index: a.attestation.index,
      path: a.attestation.path.map(toHex),
      attestedAt: a.attestedAt,
      leaseExpiresAt: a.leaseExpiresAt
    }
    await this.kv.batch([
      { type: 'put', key: `r!${receiptId}`, value: a.attestation.receipt },
      { type: 'put', key: `a!${toHex(id)}!${a.holder}`, value: new TextEncoder().encode(JSON.stringify(record)) }
    ])
  }
  async deleteAttestation(id: Uint8Array, holder: string): Promise<void> {
    await this.kv.del(`a!${toHex(id)}!${holder}`)
  }

  /** Every stored attestation: (chunk id hex, attestation). Used to rebuild health at start. */
  async *attestations(): AsyncGenerator<[string, StoredAttestation]> {
    const receipts = new Map<string, Uint8Array>()
    for await (const [key, value] of this.kv.entries({ gte: 'a!', lt: 'a"' })) {
      const [, idHex = '', holder = ''] = key.split('!')
      const r = JSON.parse(new TextDecoder().decode(value)) as { receiptId: string; index: number; path: string[]; attestedAt: number; leaseExpiresAt: number }
      let receipt = receipts.get(r.receiptId)
      if (receipt === undefined) {
        receipt = (await this.kv.get(`r!${r.receiptId}`)) ?? new Uint8Array(0)
        receipts.set(r.receiptId, receipt)
      }
      yield [idHex, { holder, attestedAt: r.attestedAt, leaseExpiresAt: r.leaseExpiresAt, attestation: { receipt, index: r.index, path: r.path.map(fromHex) } }]
    }
  }
}
