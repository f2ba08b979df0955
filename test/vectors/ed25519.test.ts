import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fromHex, nativeEd25519, nobleEd25519, toHex } from '../../core/index.js'

// RFC 8032 §7.1, TEST 1–3.
const CASES = [
  {
    name: 'TEST 1 (empty message)',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
  },
  {
    name: 'TEST 2 (one byte)',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'
  },
  {
    name: 'TEST 3 (two bytes)',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'
  }
]

for (const ed of [nativeEd25519, nobleEd25519]) {
  describe(`Ed25519 known answers (RFC 8032) via ${ed.name}`, () => {
    for (const c of CASES) {
      it(`${c.name}: public key`, () => assert.equal(toHex(ed.publicKeyFromSeed(fromHex(c.secret))), c.public))
      it(`${c.name}: signature`, () => assert.equal(toHex(ed.sign(fromHex(c.secret), fromHex(c.message))), c.signature))
      it(`${c.name}: verifies, and rejects a changed message`, () => {
        assert.equal(ed.verify(fromHex(c.public), fromHex(c.message), fromHex(c.signature)), true)
        assert.equal(ed.verify(fromHex(c.public), fromHex(`${c.message}00`), fromHex(c.signature)), false)
      })
    }
    it('rejects a signature of the wrong length without throwing', () => {
      const c = CASES[0] as (typeof CASES)[number]
      assert.equal(ed.verify(fromHex(c.public), fromHex(c.message), fromHex(c.signature).subarray(1)), false)
    })
  })
}

describe('Ed25519 back ends agree', () => {
  it('native and noble produce and accept the same signatures', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 512 }), (seed, message) => {
        const a = nativeEd25519.sign(seed, message)
        const b = nobleEd25519.sign(seed, message)
        assert.equal(toHex(a), toHex(b))
        const pub = nativeEd25519.publicKeyFromSeed(seed)
        assert.equal(toHex(pub), toHex(nobleEd25519.publicKeyFromSeed(seed)))
        assert.equal(nobleEd25519.verify(pub, message, a), true)
        assert.equal(nativeEd25519.verify(pub, message, b), true)
      }),
      { numRuns: 50 }
    )
  })
})
