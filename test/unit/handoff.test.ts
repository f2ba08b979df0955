import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ab, SIGNING_DOMAINS, signEnvelope } from '../../core/index.js'
import {
  createHandoff,
  type HandoffRejection,
  handoffKey,
  InvalidHandoffError,
  MAX_HANDOFF_BYTES,
  parseHandoff,
  pointerKey,
  registrySelectors,
  registryValidators,
  selectHandoff,
  validateHandoff
} from '../../registry/index.js'
import { IdentityHandoff } from '../../registry/pb/handoff.js'
import { makeNode } from '../helpers/fixtures.js'

const oldNode = makeNode()
const newNode = makeNode()
const other = makeNode()
const key = handoffKey(oldNode.identity.peerId)

const handoff = (rotatedAt: number, to = newNode, from = oldNode) => createHandoff({ from: from.identity, to: to.identity.peerId, rotatedAt })

/** Signs a payload the schema may reject: createHandoff refuses to. */
function rawHandoff(fields: Partial<IdentityHandoff>, signer = oldNode, domain: 'identityHandoff' | 'versionPointer' = 'identityHandoff'): Uint8Array {
  const payload = IdentityHandoff.encode({
    format: 1,
    from: ab(oldNode.identity.peerId),
    to: ab(newNode.identity.peerId),
    rotatedAt: 1_000n,
    ...fields
  })
  return signEnvelope(domain, payload, signer.identity.seed)
}

function rejects(fn: () => unknown, reason: HandoffRejection, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidHandoffError, `expected InvalidHandoffError, got ${String(err)}`)
    assert.equal(err.reason, reason)
    assert.match(err.message, message)
    assert.equal(err.code, reason === 'bad-signature' ? 'INVALID_SIGNATURE' : 'INVALID_MESSAGE')
    return true
  })
}

describe('identity handoff records', () => {
  it('have their own signing domain, used by nothing else', () => {
    assert.equal(SIGNING_DOMAINS.identityHandoff, 'meshkeep/identity-handoff/v1')
    const domains = Object.values(SIGNING_DOMAINS)
    assert.equal(new Set(domains).size, domains.length, 'no domain is shared')
  })

  it('round-trip: the old identity signs, the key names it, the record names the new one', async () => {
    const bytes = handoff(1_764_000_000_000)
    assert.ok(bytes.length < 200, `${bytes.length} bytes`)
    const h = validateHandoff(key, bytes)
    assert.equal(h.fromPeerId, oldNode.identity.peerIdString)
    assert.equal(h.toPeerId, newNode.identity.peerIdString)
    assert.equal(h.rotatedAt, 1_764_000_000_000)
    assert.equal(new TextDecoder().decode(key), `/mkrot/${oldNode.identity.peerIdString}`)
    await registryValidators().mkrot?.(key, bytes)
  })

  it('rejects an oversized record before decoding it', () => {
    rejects(() => validateHandoff(key, new Uint8Array(MAX_HANDOFF_BYTES + 1)), 'oversized', /over the 512-byte limit/)
    rejects(() => parseHandoff(new Uint8Array(MAX_HANDOFF_BYTES + 1)), 'oversized', /over the 512-byte limit/)
  })

  it('rejects garbage, non-canonical encodings and unknown formats', () => {
    rejects(() => validateHandoff(key, Uint8Array.from([0xff, 0xff, 0x01])), 'malformed', /not a signed envelope/)
    rejects(() => validateHandoff(key, signEnvelope('identityHandoff', Uint8Array.from([0x12, 0x7f]), oldNode.identity.seed)), 'malformed', /does not decode/)
    // the same field twice decodes (the last wins) but is not the canonical encoding
    const canonical = IdentityHandoff.encode({ format: 1, from: ab(oldNode.identity.peerId), to: ab(newNode.identity.peerId), rotatedAt: 5n })
    const doubled = new Uint8Array([0x08, 0x01, ...canonical])
    rejects(() => validateHandoff(key, signEnvelope('identityHandoff', doubled, oldNode.identity.seed)), 'non-canonical', /not canonically encoded/)
    rejects(() => validateHandoff(key, rawHandoff({ format: 2 })), 'bad-format', /format 2 is not 1/)
  })

  it('rejects a record whose signer is not the identity the key names, or that names no other identity', () => {
    rejects(() => validateHandoff(handoffKey(other.identity.peerId), handoff(7)), 'wrong-identity', /expected/)
    rejects(() => validateHandoff(key, rawHandoff({ to: ab(oldNode.identity.peerId) })), 'same-identity', /another identity/)
    rejects(() => validateHandoff(key, rawHandoff({ to: Uint8Array.from([1, 2, 3]) })), 'bad-peer-id', /Ed25519 peer ids/)
    rejects(() => validateHandoff(key, rawHandoff({ rotatedAt: 2n ** 60n })), 'out-of-range', /above 2\^53/)
  })

  it('rejects a forged signature and a signature made for another kind of record', () => {
    rejects(() => validateHandoff(key, rawHandoff({}, other)), 'bad-signature', /does not verify/)
    rejects(() => validateHandoff(key, rawHandoff({}, oldNode, 'versionPointer')), 'bad-signature', /does not verify/)
  })

  it('rejects keys of another namespace or without a peer id', () => {
    rejects(() => validateHandoff(pointerKey(oldNode.identity.peerId), handoff(1)), 'bad-key', /not of the form \/mkrot\/<peer id>/)
    rejects(() => validateHandoff(new TextEncoder().encode('/mkrot/nonsense'), handoff(1)), 'bad-key', /does not name an Ed25519 peer id/)
    rejects(() => validateHandoff(Uint8Array.from([0xff, 0xfe]), handoff(1)), 'bad-key', /not UTF-8/)
  })

  it('the selector keeps the earliest handoff: a later one signed with the leaked key does not displace it', () => {
    const first = handoff(1_000)
    const later = handoff(2_000, other)
    assert.equal(selectHandoff(key, [later, first]), 1)
    assert.equal(selectHandoff(key, [first, later]), 0)
    assert.equal(registrySelectors().mkrot?.(key, [later, first]), 1)
    assert.equal(selectHandoff(key, [Uint8Array.from([1, 2]), later]), 1, 'an invalid record never wins')
  })

  it('the selector picks the same record whatever the order (ties broken on the bytes)', () => {
    const records = [handoff(5, newNode), handoff(5, other), handoff(3, other), handoff(9, newNode)]
    fc.assert(
      fc.property(fc.shuffledSubarray(records, { minLength: 1 }), subset => {
        const winner = subset[selectHandoff(key, subset)]
        for (const order of [subset, [...subset].reverse()]) assert.deepEqual(order[selectHandoff(key, order)], winner)
        const earliest = Math.min(...subset.map(r => validateHandoff(key, r).rotatedAt))
        assert.equal(validateHandoff(key, winner as Uint8Array).rotatedAt, earliest)
      })
    )
  })
})
