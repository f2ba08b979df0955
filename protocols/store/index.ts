/**
 * @packageDocumentation
 * `/meshkeep/store/1.0.0`: an owner hands a holder a batch of chunks; the
 * holder checks and stores them and answers with one signed receipt for the
 * batch and a Merkle path per chunk.
 */
import type { PeerId } from '@libp2p/interface'
import { type ChunkAttestation, type ErrorCode, MAX_CHUNK_BYTES } from '../../core/index.js'
import { MAX_BATCH, MAX_BATCH_BYTES, MAX_STORE_RESPONSE_BYTES, STORE_PROTOCOL, STORE_TIMEOUT_MS } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, type RpcSpec, request } from '../rpc/index.js'
import { StoreRequest, StoreResponse } from './pb/store.js'

export { StoreRequest, StoreResponse }

export const storeSpec: RpcSpec<StoreRequest, StoreResponse> = {
  protocol: STORE_PROTOCOL,
  request: StoreRequest,
  response: StoreResponse,
  maxRequestBytes: MAX_BATCH_BYTES,
  maxResponseBytes: MAX_STORE_RESPONSE_BYTES,
  requestLimits: { limits: { items: MAX_BATCH } },
  responseLimits: { limits: { accepted: MAX_BATCH, paths: MAX_BATCH, refused: MAX_BATCH } },
  timeoutMs: STORE_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, receipt: new Uint8Array(0), accepted: [], paths: [], refused: [] })
}

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
  items: Array<{ id: Uint8Array; bytes: Uint8Array }>,
  leaseMs: number,
  options?: RequestOptions
): Promise<StoreItemResult[]> {
  if (items.length === 0 || items.length > MAX_BATCH) throw new RangeError(`a store batch holds 1..${MAX_BATCH} chunks`)
  for (const item of items) if (item.bytes.length > MAX_CHUNK_BYTES) throw new RangeError('chunk over 64 KiB')
  const res = await request(
    libp2p,
    holder,
    storeSpec,
    { items: items.map(i => ({ id: i.id as Uint8Array<ArrayBuffer>, data: i.bytes as Uint8Array<ArrayBuffer> })), leaseMs: BigInt(leaseMs) },
    options
  )
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
