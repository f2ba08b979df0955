/**
 * @packageDocumentation
 * `/meshkeep/fetch/1.0.0`: an owner asks a holder for chunks it stored.
 * Holders serve a chunk only to its owner (the noise-authenticated peer).
 */
import type { PeerId } from '@libp2p/interface'
import { FETCH_PROTOCOL, FETCH_TIMEOUT_MS, MAX_BATCH, MAX_BATCH_BYTES } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, type RpcSpec, request } from '../rpc/index.js'
import { FetchRequest, FetchResponse } from './pb/fetch.js'

export { FetchRequest, FetchResponse }

export const fetchSpec: RpcSpec<FetchRequest, FetchResponse> = {
  protocol: FETCH_PROTOCOL,
  request: FetchRequest,
  response: FetchResponse,
  maxRequestBytes: MAX_BATCH * 64 + 64,
  maxResponseBytes: MAX_BATCH_BYTES,
  requestLimits: { limits: { ids: MAX_BATCH } },
  responseLimits: { limits: { chunks: MAX_BATCH } },
  timeoutMs: FETCH_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, chunks: [] })
}

/**
 * Fetches chunks by id. Returns the bytes the holder sent per requested id
 * (undefined if missing). The caller must check SHA-256(bytes) = id.
 */
export async function fetchChunks(libp2p: RpcLibp2p, holder: PeerId, ids: Uint8Array[], options?: RequestOptions): Promise<Array<Uint8Array | undefined>> {
  if (ids.length === 0 || ids.length > MAX_BATCH) throw new RangeError(`a fetch asks for 1..${MAX_BATCH} chunks`)
  const res = await request(libp2p, holder, fetchSpec, { ids: ids as Array<Uint8Array<ArrayBuffer>> }, options)
  return ids.map((_, i) => {
    const c = res.chunks[i]
    return c === undefined || c.missing ? undefined : c.data
  })
}
