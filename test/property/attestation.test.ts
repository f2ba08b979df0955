import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { AttestationVerifier, type ChunkAttestation, issueReceipt, type ReceiptItem, sha256 } from '../../core/index.js'
import { makeNode } from '../helpers/fixtures.js'

const owner = makeNode()
const holder = makeNode()
const stranger = makeNode()
const NOW = 1_800_000_000_000
const LEASE = 7 * 24 * 3600 * 1000

const itemsArb = fc.array(fc.record({ id: fc.uint8Array({ minLength: 32, maxLength: 32 }), size: fc.integer({ min: 29, max: 65_536 }) }), {
  minLength: 1,
  maxLength: 64
})

function issue(items: ReceiptItem[], by = holder, lease = LEASE): ChunkAttestation[] {
  return issueReceipt({ holder: by.identity, owner: owner.identity.peerId, items, storedAt: NOW, leaseExpiresAt: NOW + lease })
}

const expectFor = (item: ReceiptItem, h = holder) => ({ owner: owner.identity.peerId, holder: h.identity.peerId, item })

describe('attestation properties', () => {
  it('every chunk of a batch verifies with one signature check for the batch', () => {
    fc.assert(
      fc.property(itemsArb, items => {
        const verifier = new AttestationVerifier()
        const atts = issue(items)
        items.forEach((item, i) => {
          const v = verifier.verify(atts[i] as ChunkAttestation, expectFor(item), NOW + 1)
          assert.equal(v.leaseExpiresAt, NOW + LEASE)
        })
        assert.equal(verifier.signatureChecks, 1)
      }),
      { numRuns: 50 }
    )
  })

  it('rejects a receipt for another chunk, owner or holder, an expired one, and a forged one', () => {
    fc.assert(
      fc.property(itemsArb, fc.nat(), (items, pick) => {
        const verifier = new AttestationVerifier()
        const atts = issue(items)
        const i = pick % items.length
        const att = atts[i] as ChunkAttestation
        const item = items[i] as ReceiptItem
        const otherChunk = { id: sha256(item.id), size: item.size }
        assert.throws(() => verifier.verify(att, expectFor(otherChunk), NOW), { reason: 'wrong-chunk' })
        assert.throws(() => verifier.verify(att, expectFor({ id: item.id, size: item.size + 1 }), NOW), { reason: 'wrong-chunk' })
        assert.throws(() => verifier.verify(att, { ...expectFor(item), owner: stranger.identity.peerId }, NOW), { reason: 'wrong-owner' })
        // replayed by another holder: the receipt names its real signer
        assert.throws(() => verifier.verify(att, expectFor(item, stranger), NOW), { reason: 'wrong-holder' })
        assert.throws(() => verifier.verify(att, expectFor(item), NOW + LEASE), { reason: 'expired' })
        assert.throws(() => verifier.verify(att, expectFor(item), NOW - 3_600_000), { reason: 'not-yet-valid' })
      }),
      { numRuns: 30 }
    )
  })

  it('a receipt signed by someone else, or with any bit flipped, is rejected', () => {
    fc.assert(
      fc.property(itemsArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (items, at, bit) => {
        const item = items[0] as ReceiptItem
        // stranger signs a receipt that claims to be from `holder`
        const forged = issueReceipt({
          holder: { ...stranger.identity, peerId: holder.identity.peerId },
          owner: owner.identity.peerId,
          items,
          storedAt: NOW,
          leaseExpiresAt: NOW + LEASE
        })
        assert.throws(() => new AttestationVerifier().verify(forged[0] as ChunkAttestation, expectFor(item), NOW), { reason: 'bad-signature' })
        const good = issue(items)[0] as ChunkAttestation
        const receipt = Uint8Array.from(good.receipt)
        const i = at % receipt.length
        receipt[i] = (receipt[i] ?? 0) ^ (1 << bit)
        assert.throws(() => new AttestationVerifier().verify({ ...good, receipt }, expectFor(item), NOW), { code: 'INVALID_ATTESTATION' })
      }),
      { numRuns: 50 }
    )
  })

  it('garbage receipts are rejected as malformed, never crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), garbage => {
        const item = { id: new Uint8Array(32), size: 100 }
        assert.throws(() => new AttestationVerifier().verify({ receipt: garbage, index: 0, path: [] }, expectFor(item), NOW), { code: 'INVALID_ATTESTATION' })
      })
    )
  })
})
