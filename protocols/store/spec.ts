import { MAX_BATCH, MAX_BATCH_BYTES, MAX_STORE_RESPONSE_BYTES, STORE_PROTOCOL, STORE_TIMEOUT_MS } from '../constants.js'
import type { RpcSpec } from '../rpc/index.js'
import { StoreRequest, StoreResponse } from './pb/store.js'

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
