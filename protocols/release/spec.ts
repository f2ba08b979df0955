import { MAX_RELEASE_IDS, MAX_RELEASE_VERSIONS, RELEASE_PROTOCOL, RELEASE_TIMEOUT_MS } from '../constants.js'
import type { RpcSpec } from '../rpc/index.js'
import { ReleaseRequest, ReleaseResponse } from './pb/release.js'

export const releaseSpec: RpcSpec<ReleaseRequest, ReleaseResponse> = {
  protocol: RELEASE_PROTOCOL,
  request: ReleaseRequest,
  response: ReleaseResponse,
  maxRequestBytes: MAX_RELEASE_IDS * 36 + MAX_RELEASE_VERSIONS * 12 + 64,
  maxResponseBytes: 1024,
  requestLimits: { limits: { ids: MAX_RELEASE_IDS, manifestVersions: MAX_RELEASE_VERSIONS } },
  timeoutMs: RELEASE_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, released: 0 })
}
