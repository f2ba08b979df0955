import { AUDIT_SAMPLES, AUDIT_SEGMENT_BYTES, MAX_AUDIT_PATH } from '../../core/index.js'
import { AUDIT_PROTOCOL, AUDIT_TIMEOUT_MS, MAX_AUDIT_CHALLENGES } from '../constants.js'
import type { RpcSpec } from '../rpc/index.js'
import { AuditRequest, AuditResponse } from './pb/audit.js'

/** Framing slack per proof: field tags, lengths, the lease. */
const PROOF_SLACK = 64

export const auditSpec: RpcSpec<AuditRequest, AuditResponse> = {
  protocol: AUDIT_PROTOCOL, // 2.0.0: the answer format changed (see index.ts)
  request: AuditRequest,
  response: AuditResponse,
  maxRequestBytes: MAX_AUDIT_CHALLENGES * 80 + 64,
  maxResponseBytes: MAX_AUDIT_CHALLENGES * (AUDIT_SAMPLES * (AUDIT_SEGMENT_BYTES + 8 + MAX_AUDIT_PATH * 34) + PROOF_SLACK) + 1024,
  requestLimits: { limits: { challenges: MAX_AUDIT_CHALLENGES } },
  responseLimits: {
    limits: { proofs: MAX_AUDIT_CHALLENGES, proofs$: { segments: AUDIT_SAMPLES, paths: AUDIT_SAMPLES, paths$: { nodes: MAX_AUDIT_PATH } } }
  },
  timeoutMs: AUDIT_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, proofs: [] })
}
