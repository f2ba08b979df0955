/**
 * @packageDocumentation
 * `/meshkeep/audit/2.0.0`: proof of storage. The owner sends a fresh random
 * nonce per chunk; the holder answers with the segments the nonce selects and
 * their Merkle paths, which the owner checks against the segment root it
 * recorded (see `proof.ts`). The owner needs no copy of the chunk.
 *
 * Version 2 replaced 1.0.0's SHA-256(nonce ‖ chunk), which only an owner
 * holding the chunk bytes could check.
 */
import type { PeerId } from '@libp2p/interface'
import { AUDIT_PROTOCOL, AUDIT_TIMEOUT_MS, MAX_AUDIT_CHALLENGES } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, type RpcSpec, request } from '../rpc/index.js'
import { AuditRequest, AuditResponse, type Proof } from './pb/audit.js'
import { AUDIT_SAMPLES, AUDIT_SEGMENT_BYTES, type AuditAnswer, answerChallenge, MAX_AUDIT_PATH } from './proof.js'

export {
  AUDIT_NONCE_BYTES,
  AUDIT_SAMPLES,
  AUDIT_SEGMENT_BYTES,
  type AuditAnswer,
  answerChallenge,
  auditRoot,
  auditSampleIndices,
  auditSegmentCount,
  MAX_AUDIT_PATH,
  verifyAnswer
} from './proof.js'
export { AuditRequest, AuditResponse }

/** Framing slack per proof: field tags, lengths, the lease. */
const PROOF_SLACK = 64

export const auditSpec: RpcSpec<AuditRequest, AuditResponse> = {
  protocol: AUDIT_PROTOCOL, // 2.0.0: the answer format changed (see above)
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

/** The holder's answer to one challenge, in wire form (`undefined` chunk: missing). */
export function auditProof(nonce: Uint8Array, chunk: Uint8Array | undefined, leaseExpiresAt = 0): Proof {
  if (chunk === undefined) return { missing: true, segments: [], paths: [], leaseExpiresAt: 0n }
  const answer = answerChallenge(nonce, chunk)
  return {
    missing: false,
    segments: answer.segments as Array<Uint8Array<ArrayBuffer>>,
    paths: answer.paths.map(nodes => ({ nodes: nodes as Array<Uint8Array<ArrayBuffer>> })),
    leaseExpiresAt: BigInt(leaseExpiresAt)
  }
}

/** One challenge's outcome as the owner reads it: missing, or an answer still to be verified. */
export type AuditReply = { missing: true } | { missing: false; answer: AuditAnswer; leaseExpiresAt: number }

/**
 * Sends one batch of challenges. Returns a reply per challenge, in order; a
 * holder that sends fewer proofs than challenges is read as missing the rest.
 * The caller verifies each answer with `verifyAnswer`.
 */
export async function auditChunks(
  libp2p: RpcLibp2p,
  holder: PeerId,
  challenges: Array<{ id: Uint8Array; nonce: Uint8Array }>,
  options?: RequestOptions
): Promise<AuditReply[]> {
  if (challenges.length === 0 || challenges.length > MAX_AUDIT_CHALLENGES) throw new RangeError(`an audit carries 1..${MAX_AUDIT_CHALLENGES} challenges`)
  const res = await request(libp2p, holder, auditSpec, { challenges: challenges as AuditRequest['challenges'] }, options)
  return challenges.map((_, i): AuditReply => {
    const p = res.proofs[i]
    if (p === undefined || p.missing) return { missing: true }
    const lease = p.leaseExpiresAt > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(p.leaseExpiresAt)
    return { missing: false, answer: { segments: p.segments, paths: p.paths.map(x => x.nodes) }, leaseExpiresAt: lease }
  })
}
