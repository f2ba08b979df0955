import type { PeerId } from '@libp2p/interface'
import { MAX_RELEASE_IDS, MAX_RELEASE_VERSIONS } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, request } from '../rpc/index.js'
import { releaseSpec } from './spec.js'

/** Asks a holder to drop chunks and manifests of the caller's; returns how many it held and released. */
export async function releaseChunks(
  libp2p: RpcLibp2p,
  holder: PeerId,
  ids: Uint8Array[],
  manifestVersions: number[],
  options?: RequestOptions
): Promise<number> {
  if (ids.length > MAX_RELEASE_IDS || manifestVersions.length > MAX_RELEASE_VERSIONS)
    throw new RangeError(`a release names at most ${MAX_RELEASE_IDS} chunks and ${MAX_RELEASE_VERSIONS} manifest versions`)
  const res = await request(
    libp2p,
    holder,
    releaseSpec,
    { ids: ids as Array<Uint8Array<ArrayBuffer>>, manifestVersions: manifestVersions.map(BigInt) },
    options
  )
  return res.released
}
