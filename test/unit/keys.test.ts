import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromString as libp2pPeerIdFromString, peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import {
  deriveNodeKeys,
  generateRootSecret,
  identityFromSeed,
  peerIdFromString,
  peerIdToString,
  phraseToSecret,
  publicKeyFromPeerId,
  secretToPhrase,
  toHex
} from '../../core/index.js'

describe('recovery phrase', () => {
  it('round-trips every secret through 24 words', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), secret => {
        const phrase = secretToPhrase(secret)
        assert.equal(phrase.split(' ').length, 24)
        assert.deepEqual(phraseToSecret(phrase), secret)
        assert.deepEqual(phraseToSecret(`  ${phrase.toUpperCase().replaceAll(' ', '\n ')}  `), secret, 'case and whitespace forgiven')
      })
    )
  })

  it('a mistyped phrase is an error, never a different key', () => {
    const words = secretToPhrase(generateRootSecret()).split(' ')
    assert.throws(() => phraseToSecret(words.slice(0, 23).join(' ')), { code: 'INVALID_PHRASE', message: /24 words, got 23/ })
    const typo = [...words]
    typo[4] = `${typo[4]}x`
    assert.throws(() => phraseToSecret(typo.join(' ')), { code: 'INVALID_PHRASE', message: /word 5/ })
    // swapping two different words breaks the checksum (or, rarely, changes nothing)
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 22 }), (secret, i) => {
        const w = secretToPhrase(secret).split(' ')
        fc.pre(w[i] !== w[i + 1])
        ;[w[i], w[i + 1]] = [w[i + 1] as string, w[i] as string]
        let parsed: Uint8Array | undefined
        try {
          parsed = phraseToSecret(w.join(' '))
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'INVALID_PHRASE')
        }
        // 1 in 256 swaps keeps a valid checksum; it then decodes to other entropy, which BIP-39 cannot prevent
        if (parsed !== undefined) assert.notEqual(toHex(parsed), toHex(secret))
      })
    )
  })
})

describe('identity', () => {
  it('our peer ids match libp2p peer ids built from the same seed', async () => {
    for (let i = 0; i < 5; i++) {
      const keys = deriveNodeKeys(generateRootSecret())
      const ours = identityFromSeed(keys.identitySeed)
      const theirs = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', keys.identitySeed))
      assert.equal(ours.peerIdString, theirs.toString())
      assert.deepEqual(ours.peerId, theirs.toMultihash().bytes)
      assert.deepEqual(peerIdFromString(ours.peerIdString), ours.peerId)
      assert.deepEqual(libp2pPeerIdFromString(peerIdToString(ours.peerId)).toMultihash().bytes, ours.peerId)
    }
  })

  it('the same secret gives the same peer id; the key is read from the id', () => {
    const secret = generateRootSecret()
    const a = identityFromSeed(deriveNodeKeys(secret).identitySeed)
    const b = identityFromSeed(deriveNodeKeys(phraseToSecret(secretToPhrase(secret))).identitySeed)
    assert.equal(a.peerIdString, b.peerIdString)
    assert.deepEqual(publicKeyFromPeerId(a.peerId), a.publicKey)
    assert.throws(() => peerIdFromString('QmNotAnEd25519Key'), { code: 'INVALID_KEY' })
  })
})
