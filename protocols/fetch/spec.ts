import { FETCH_PROTOCOL, FETCH_TIMEOUT_MS, MAX_BATCH, MAX_BATCH_BYTES } from '../constants.js'
import type { RpcSpec } from '../rpc/index.js'
import { FetchRequest, FetchResponse } from './pb/fetch.js'

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
