/**
 * @packageDocumentation
 * `/meshkeep/release/1.0.0`: an owner tells a holder which of its chunks and
 * manifests no retained version uses any more.
 */
import type { PeerId } from '@libp2p/interface'
import { MAX_RELEASE_IDS, RELEASE_PROTOCOL, RELEASE_TIMEOUT_MS } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, type RpcSpec, request } from '../rpc/index.js'
import { ReleaseRequest, ReleaseResponse } from './pb/release.js'

export { ReleaseRequest, ReleaseResponse }

export const releaseSpec: RpcSpec<ReleaseRequest, ReleaseResponse> = {
  protocol: RELEASE_PROTOCOL,
  request: ReleaseRequest,
  response: ReleaseResponse,
  maxRequestBytes: MAX_RELEASE_IDS * 36 + 64 * 12 + 64,
  maxResponseBytes: 1024,
  requestLimits: { limits: { ids: MAX_RELEASE_IDS, manifestVersions: 64 } },
  timeoutMs: RELEASE_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, released: 0 })
}

export async function releaseChunks(
  libp2p: RpcLibp2p,
  holder: PeerId,
  ids: Uint8Array[],
  manifestVersions: number[],
  options?: RequestOptions
): Promise<number> {
  const res = await request(
    libp2p,
    holder,
    releaseSpec,
    { ids: ids as Array<Uint8Array<ArrayBuffer>>, manifestVersions: manifestVersions.map(BigInt) },
    options
  )
  return res.released
}
