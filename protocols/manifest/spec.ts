import { MANIFEST_PROTOCOL, MANIFEST_TIMEOUT_MS, MAX_LISTED_VERSIONS, MAX_MANIFEST_MESSAGE_BYTES } from '../constants.js'
import type { RpcSpec } from '../rpc/index.js'
import { ManifestRequest, ManifestResponse } from './pb/manifest.js'

export const manifestSpec: RpcSpec<ManifestRequest, ManifestResponse> = {
  protocol: MANIFEST_PROTOCOL,
  request: ManifestRequest,
  response: ManifestResponse,
  maxRequestBytes: MAX_MANIFEST_MESSAGE_BYTES,
  maxResponseBytes: MAX_MANIFEST_MESSAGE_BYTES,
  responseLimits: { limits: { versions: MAX_LISTED_VERSIONS } },
  timeoutMs: MANIFEST_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, manifest: new Uint8Array(0), receipt: new Uint8Array(0), versions: [] })
}
