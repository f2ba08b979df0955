import type { PeerId } from '@libp2p/interface'
import { type ChunkAttestation, type ErrorCode, MAX_CHUNK_BYTES } from '../../core/index.js'
import { MAX_BATCH } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, request } from '../rpc/index.js'
import { storeSpec } from './spec.js'

/** One item of a store batch: the chunk's bytes, or (`renew`) only its id to extend the lease of a copy the holder has. */
export type StoreItem = { id: Uint8Array; bytes: Uint8Array; renew?: false } | { id: Uint8Array; renew: true }

export interface StoreItemResult {
  /** index into the request */
  index: number
  attestation?: ChunkAttestation
  refusal?: { code: ErrorCode | string; message: string }
}

/** Sends one batch; returns an attestation or a refusal per item (unverified: the caller verifies). */
export async function storeChunks(
  libp2p: RpcLibp2p,
  holder: PeerId,
  items: StoreItem[],
  leaseMs: number,
  options?: RequestOptions
): Promise<StoreItemResult[]> {
  if (items.length === 0 || items.length > MAX_BATCH) throw new RangeError(`a store batch holds 1..${MAX_BATCH} chunks`)
  const wire = items.map(i => {
    if (i.renew === true) return { id: i.id as Uint8Array<ArrayBuffer>, data: new Uint8Array(0), renew: true }
    if (i.bytes.length > MAX_CHUNK_BYTES) throw new RangeError('chunk over 64 KiB')
    return { id: i.id as Uint8Array<ArrayBuffer>, data: i.bytes as Uint8Array<ArrayBuffer>, renew: false }
  })
  const res = await request(libp2p, holder, storeSpec, { items: wire, leaseMs: BigInt(leaseMs) }, options)
  const results: StoreItemResult[] = items.map((_, index) => ({ index }))
  res.accepted.forEach((index, leaf) => {
    const r = results[index]
    if (r === undefined) return // out-of-range index from a confused or hostile holder: ignore
    r.attestation = { receipt: res.receipt, index: leaf, path: res.paths[leaf]?.nodes ?? [] }
  })
  for (const refusal of res.refused) {
    const r = results[refusal.index]
    if (r !== undefined && r.attestation === undefined) r.refusal = { code: refusal.code, message: refusal.message.slice(0, 300) }
  }
  return results
}
