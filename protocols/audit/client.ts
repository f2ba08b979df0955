import type { PeerId } from '@libp2p/interface'
import type { AuditAnswer } from '../../core/index.js'
import { MAX_AUDIT_CHALLENGES } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, request } from '../rpc/index.js'
import type { AuditRequest } from './pb/audit.js'
import { auditSpec } from './spec.js'

/** One challenge's outcome as the owner reads it: missing, or an answer still to be verified. */
export type AuditReply = { missing: true } | { missing: false; answer: AuditAnswer; leaseExpiresAt: number }

/**
 * Sends one batch of challenges. Returns a reply per challenge, in order; a
 * holder that sends fewer proofs than challenges is read as missing the rest.
 * The caller verifies each answer with `verifyAnswer` (core/attestation).
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
