/**
 * @packageDocumentation
 * Holder-signed storage receipts: one Ed25519 signature per batch over an
 * RFC 6962 Merkle root, each chunk proven by its audit path.
 */

export { leafHash, MAX_PROOF_DEPTH, merkleTree, nodeHash, verifyInclusion } from './merkle.js'
export type { AttestationVerifierInit, ChunkAttestation, IssueReceiptInit, ReceiptItem, VerifiedAttestation } from './receipt.js'
export { AttestationVerifier, issueReceipt, MAX_RECEIPT_BATCH, MAX_RECEIPT_BYTES, RECEIPT_FORMAT_V1, Receipt, receiptLeaf } from './receipt.js'
