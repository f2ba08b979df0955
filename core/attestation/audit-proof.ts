import { createHash } from 'node:crypto'
import { leafHash, merkleTree, verifyInclusion } from './merkle.js'

/**
 * Proof of storage that an owner can check without a copy of the chunk.
 *
 * A chunk is cut into segments of {@link AUDIT_SEGMENT_BYTES} (the last may
 * be shorter), and the owner records once, while it has the bytes, the
 * RFC 6962 Merkle root over the segments (32 bytes per chunk). A challenge
 * is a fresh random nonce; it selects {@link AUDIT_SAMPLES} segment indices
 * that neither side can predict before the challenge. The holder answers with
 * those segments and their Merkle paths, and the owner checks each against the
 * recorded root. Answering needs the sampled segments themselves, so a holder
 * that dropped a fraction f of a chunk fails a challenge with probability
 * 1 − (1 − f)^AUDIT_SAMPLES (a holder that dropped the chunk always fails).
 * Honest holders also hash the whole chunk against its id before answering,
 * so their own disk damage is reported (as missing), not hidden.
 */
export const AUDIT_SEGMENT_BYTES = 1024
/** Segments sampled per challenge. */
export const AUDIT_SAMPLES = 4
/** Nonce length the owner draws per challenge. */
export const AUDIT_NONCE_BYTES = 32
/** Longest segment path accepted: a 64 KiB chunk has 64 segments, depth 6. */
export const MAX_AUDIT_PATH = 16

const SAMPLE_DOMAIN = new TextEncoder().encode('meshkeep/audit-sample/v1')

/** Segments in a chunk of `size` bytes (at least one). */
export function auditSegmentCount(size: number): number {
  return Math.max(1, Math.ceil(size / AUDIT_SEGMENT_BYTES))
}

/** The segment indices a nonce selects in a chunk of `count` segments (repeats possible). */
export function auditSampleIndices(nonce: Uint8Array, count: number): number[] {
  return Array.from({ length: AUDIT_SAMPLES }, (_, j) => {
    const h = createHash('sha256').update(SAMPLE_DOMAIN).update(nonce).update(Uint8Array.of(j)).digest()
    return h.readUInt32BE(0) % count
  })
}

function segmentLeaves(chunk: Uint8Array): Uint8Array[] {
  const n = auditSegmentCount(chunk.length)
  return Array.from({ length: n }, (_, i) => leafHash(chunk.subarray(i * AUDIT_SEGMENT_BYTES, (i + 1) * AUDIT_SEGMENT_BYTES)))
}

/** The owner's record for later audits: the Merkle root over the chunk's segments. */
export function auditRoot(chunk: Uint8Array): Uint8Array {
  return merkleTree(segmentLeaves(chunk)).root
}

/** A holder's answer to one challenge. */
export interface AuditAnswer {
  segments: Uint8Array[]
  paths: Uint8Array[][]
}

/** Holder side: the sampled segments and their paths. */
export function answerChallenge(nonce: Uint8Array, chunk: Uint8Array): AuditAnswer {
  const { paths } = merkleTree(segmentLeaves(chunk))
  const indices = auditSampleIndices(nonce, auditSegmentCount(chunk.length))
  return {
    segments: indices.map(i => chunk.subarray(i * AUDIT_SEGMENT_BYTES, (i + 1) * AUDIT_SEGMENT_BYTES)),
    paths: indices.map(i => paths[i] ?? [])
  }
}

/**
 * Owner side: does `answer` prove possession of the chunk of `size` bytes
 * whose segment root is `root`, for this `nonce`? Checks the segment count,
 * each segment's exact length and its inclusion under the root.
 */
export function verifyAnswer(root: Uint8Array, size: number, nonce: Uint8Array, answer: AuditAnswer): boolean {
  const count = auditSegmentCount(size)
  const indices = auditSampleIndices(nonce, count)
  if (answer.segments.length !== indices.length || answer.paths.length !== indices.length) return false
  return indices.every((index, j) => {
    const segment = answer.segments[j] as Uint8Array
    const path = answer.paths[j] as Uint8Array[]
    const expectedLength = index === count - 1 ? size - index * AUDIT_SEGMENT_BYTES : AUDIT_SEGMENT_BYTES
    return segment.length === expectedLength && path.length <= MAX_AUDIT_PATH && verifyInclusion(leafHash(segment), index, count, path, root)
  })
}
