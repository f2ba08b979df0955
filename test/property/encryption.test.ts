import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ChunkCipher, deriveKey, deriveNodeKeys, KEY_LABELS, type KeyPurpose, MAX_PIECE_BYTES, toHex } from '../../core/index.js'
import { makeNode } from '../helpers/fixtures.js'

const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 })
const pieceArb = fc.uint8Array({ maxLength: 4096 })
const PURPOSES = Object.keys(KEY_LABELS) as KeyPurpose[]

describe('encryption properties', () => {
  it('round-trip: open(seal(p)) = p', () => {
    fc.assert(
      fc.property(secretArb, pieceArb, (secret, piece) => {
        const { cipher } = makeNode(secret)
        assert.deepEqual(cipher.open(cipher.seal(piece).bytes), piece)
      })
    )
  })

  it('key isolation: two secrets encrypt the same piece differently', () => {
    fc.assert(
      fc.property(secretArb, secretArb, pieceArb, (a, b, piece) => {
        fc.pre(toHex(a) !== toHex(b))
        assert.notEqual(toHex(makeNode(a).cipher.seal(piece).bytes), toHex(makeNode(b).cipher.seal(piece).bytes))
      })
    )
  })

  it('wrong key fails authentication, never yields garbage', () => {
    fc.assert(
      fc.property(secretArb, secretArb, pieceArb, (a, b, piece) => {
        fc.pre(toHex(a) !== toHex(b))
        const sealed = makeNode(a).cipher.seal(piece).bytes
        assert.throws(() => makeNode(b).cipher.open(sealed), { code: 'DECRYPT_FAILED' })
      })
    )
  })

  it('a different owner (AAD) with the same keys fails authentication', () => {
    fc.assert(
      fc.property(secretArb, pieceArb, (secret, piece) => {
        const a = makeNode(secret)
        const other = makeNode()
        const impostor = new ChunkCipher({ chunkKey: a.keys.chunkKey, nonceKey: a.keys.nonceKey, owner: other.identity.peerId })
        assert.throws(() => impostor.open(a.cipher.seal(piece).bytes), { code: 'DECRYPT_FAILED' })
      }),
      { numRuns: 50 }
    )
  })

  it('nonce uniqueness: distinct pieces get distinct nonces; equal pieces equal chunks', () => {
    fc.assert(
      fc.property(secretArb, fc.uniqueArray(pieceArb, { minLength: 2, maxLength: 20, selector: p => toHex(p) }), (secret, pieces) => {
        const { cipher } = makeNode(secret)
        const nonces = pieces.map(p => toHex(cipher.seal(p).bytes.subarray(1, 13)))
        assert.equal(new Set(nonces).size, pieces.length)
        const first = pieces[0] as Uint8Array
        assert.equal(toHex(cipher.seal(first).bytes), toHex(cipher.seal(Uint8Array.from(first)).bytes), 'deterministic')
      })
    )
  })

  it('HKDF determinism: the same secret always derives the same keys', () => {
    fc.assert(
      fc.property(secretArb, secret => {
        assert.deepEqual(deriveNodeKeys(secret), deriveNodeKeys(Uint8Array.from(secret)))
      })
    )
  })

  it('HKDF label isolation: every purpose gets a different key', () => {
    fc.assert(
      fc.property(secretArb, secret => {
        const keys = PURPOSES.map(p => toHex(deriveKey(secret, p)))
        assert.equal(new Set(keys).size, PURPOSES.length)
        assert.ok(!keys.includes(toHex(secret)), 'no derived key equals the root secret')
      })
    )
  })

  it('large data round-trip (full-size pieces)', () => {
    fc.assert(
      fc.property(secretArb, fc.integer({ min: MAX_PIECE_BYTES - 64, max: MAX_PIECE_BYTES }), fc.nat(255), (secret, n, fill) => {
        const { cipher } = makeNode(secret)
        const piece = new Uint8Array(n).map((_, i) => (i * 31 + fill) & 0xff)
        const sealed = cipher.seal(piece).bytes
        assert.ok(sealed.length <= 65_536)
        assert.deepEqual(cipher.open(sealed), piece)
      }),
      { numRuns: 20 }
    )
  })

  it('tamper detection: any flipped bit or truncation is rejected', () => {
    fc.assert(
      fc.property(secretArb, pieceArb, fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), (secret, piece, at, bit, truncate) => {
        const { cipher } = makeNode(secret)
        const sealed = Uint8Array.from(cipher.seal(piece).bytes)
        if (truncate) {
          assert.throws(() => cipher.open(sealed.subarray(0, at % sealed.length)))
        } else {
          const i = at % sealed.length
          sealed[i] = (sealed[i] ?? 0) ^ (1 << bit)
          assert.throws(
            () => cipher.open(sealed),
            (err: { code?: string }) => err.code === 'DECRYPT_FAILED' || err.code === 'INVALID_CHUNK'
          )
        }
      })
    )
  })
})
