/**
 * Scenario 6, the bench half: what verifying one attestation costs the
 * owner, with receipts batched as the store protocol batches them
 * (MAX_BATCH chunks, one Ed25519 signature and a Merkle path per chunk).
 * The mesh half (how many the owner verified per second during a put) comes
 * from the replicate runs; their quotient says whether verification can
 * bound replication.
 */
import {
  AttestationVerifier,
  type ChunkAttestation,
  identityFromSeed,
  issueReceipt,
  MAX_CHUNK_BYTES,
  nativeEd25519,
  type ReceiptItem,
  sha256
} from '../../../core/index.js'
import { MAX_BATCH } from '../../../protocols/index.js'
import { median } from '../lib/stats.js'

export interface VerifyCost {
  batch: number
  /** µs of one core per attestation verified (median of the rounds) */
  usPerAttestation: number
  /** attestations one core verifies per second */
  perSecond: number
  /** signature checks per attestation (1 / batch with the receipt cache) */
  signaturesPerAttestation: number
}

function makeBatches(chunks: number, batch: number) {
  const enc = new TextEncoder()
  const holder = identityFromSeed(sha256(enc.encode('bench holder')))
  const owner = identityFromSeed(sha256(enc.encode('bench owner')))
  const now = Date.now()
  const out: Array<{ items: ReceiptItem[]; atts: ChunkAttestation[] }> = []
  for (let i = 0; i < chunks; i += batch) {
    const items = Array.from({ length: Math.min(batch, chunks - i) }, (_, k) => ({ id: sha256(enc.encode(`chunk ${i + k}`)), size: MAX_CHUNK_BYTES }))
    out.push({ items, atts: issueReceipt({ holder, owner: owner.peerId, items, storedAt: now, leaseExpiresAt: now + 3_600_000, ed: nativeEd25519 }) })
  }
  return { holder, owner, now, batches: out }
}

/** Verifies `chunks` attestations with a fresh verifier (no cached receipts) per round. */
export function measureVerifyCost(rounds = 5, chunks = 4096, batch = MAX_BATCH): VerifyCost {
  const { holder, owner, now, batches } = makeBatches(chunks, batch)
  const perRound: number[] = []
  let checks = 0
  for (let r = 0; r <= rounds; r++) {
    const verifier = new AttestationVerifier({ ed: nativeEd25519 })
    const t0 = performance.now()
    for (const b of batches) {
      b.atts.forEach((att, i) => {
        verifier.verify(att, { owner: owner.peerId, holder: holder.peerId, item: b.items[i] as ReceiptItem }, now)
      })
    }
    const us = ((performance.now() - t0) * 1000) / chunks
    if (r > 0) perRound.push(us) // round 0 warms up
    checks = verifier.signatureChecks
  }
  const us = median(perRound)
  return { batch, usPerAttestation: us, perSecond: 1e6 / us, signaturesPerAttestation: checks / chunks }
}
