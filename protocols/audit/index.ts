/**
 * @packageDocumentation
 * `/meshkeep/audit/2.0.0`: proof of storage. The owner sends a fresh random
 * nonce per chunk; the holder answers with the segments the nonce selects and
 * their Merkle paths, which the owner checks against the segment root it
 * recorded (the maths is in `core/attestation/audit-proof.ts`). The owner
 * needs no copy of the chunk.
 *
 * Version 2 replaced 1.0.0's SHA-256(nonce ‖ chunk), which only an owner
 * holding the chunk bytes could check.
 */
export { type AuditReply, auditChunks } from './client.js'
export { AuditRequest, AuditResponse } from './pb/audit.js'
export { type AuditedChunk, type AuditHandler, type AuditServerComponents, auditProof, auditServer } from './server.js'
export { auditSpec } from './spec.js'
