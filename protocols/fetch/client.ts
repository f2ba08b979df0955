import type { PeerId } from '@libp2p/interface'
import { MAX_BATCH } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, request } from '../rpc/index.js'
import { fetchSpec } from './spec.js'

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
