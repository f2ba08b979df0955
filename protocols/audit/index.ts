/**
 * @packageDocumentation
 * `/meshkeep/audit/1.0.0`: proof of storage. The owner sends fresh nonces;
 * the holder answers SHA-256(nonce || chunk bytes) for each, which it can
 * only compute if it still has the exact bytes.
 */
import { createHash } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'
import { AUDIT_PROTOCOL, AUDIT_TIMEOUT_MS, MAX_AUDIT_CHALLENGES } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, type RpcSpec, request } from '../rpc/index.js'
import { AuditRequest, AuditResponse } from './pb/audit.js'

export { AuditRequest, AuditResponse }

export const auditSpec: RpcSpec<AuditRequest, AuditResponse> = {
  protocol: AUDIT_PROTOCOL,
  request: AuditRequest,
  response: AuditResponse,
  maxRequestBytes: MAX_AUDIT_CHALLENGES * 80 + 64,
  maxResponseBytes: MAX_AUDIT_CHALLENGES * 40 + 1024,
  requestLimits: { limits: { challenges: MAX_AUDIT_CHALLENGES } },
  responseLimits: { limits: { proofs: MAX_AUDIT_CHALLENGES } },
  timeoutMs: AUDIT_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, proofs: [] })
}

/** The answer to one challenge. */
export function auditProof(nonce: Uint8Array, chunk: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(nonce).update(chunk).digest())
}

export async function auditChunks(
  libp2p: RpcLibp2p,
  holder: PeerId,
  challenges: Array<{ id: Uint8Array; nonce: Uint8Array }>,
  options?: RequestOptions
): Promise<Array<Uint8Array | undefined>> {
  if (challenges.length === 0 || challenges.length > MAX_AUDIT_CHALLENGES) throw new RangeError(`an audit carries 1..${MAX_AUDIT_CHALLENGES} challenges`)
  const res = await request(libp2p, holder, auditSpec, { challenges: challenges as AuditRequest['challenges'] }, options)
  return challenges.map((_, i) => {
    const p = res.proofs[i]
    return p === undefined || p.length === 0 ? undefined : p
  })
}
