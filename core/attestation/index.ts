/**
 * @packageDocumentation
 * What holders prove, and how owners check it without trusting them:
 * - storage receipts: one Ed25519 signature per batch over an RFC 6962
 *   Merkle root, each chunk proven by its audit path (`receipt.ts`);
 * - proof of storage: challenges answered with sampled segments of a chunk
 *   and their Merkle paths, checked against a root the owner recorded
 *   (`audit-proof.ts`).
 */

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
} from './audit-proof.js'
export { leafHash, MAX_PROOF_DEPTH, merkleTree, nodeHash, verifyInclusion } from './merkle.js'
export type { AttestationVerifierInit, ChunkAttestation, IssueReceiptInit, ReceiptItem, VerifiedAttestation } from './receipt.js'
export { AttestationVerifier, issueReceipt, MAX_RECEIPT_BATCH, MAX_RECEIPT_BYTES, RECEIPT_FORMAT_V1, Receipt, receiptLeaf } from './receipt.js'
