import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { aesGcmOpen, aesGcmSeal, fromHex, toHex } from '../../core/index.js'

// The GCM specification's AES-256 test cases (McGrew & Viega), as published
// with NIST's GCM validation vectors: cases 13, 14 and 16.
const CASES = [
  {
    name: 'case 13: empty plaintext, zero key',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    pt: '',
    aad: '',
    ct: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b'
  },
  {
    name: 'case 14: one zero block',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    pt: '00'.repeat(16),
    aad: '',
    ct: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919'
  },
  {
    name: 'case 16: 60-byte plaintext with AAD',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b'
  }
]

describe('AES-256-GCM known answers', () => {
  for (const c of CASES) {
    it(`${c.name}: seal`, () => {
      const sealed = aesGcmSeal(fromHex(c.key), fromHex(c.iv), fromHex(c.pt), fromHex(c.aad))
      assert.equal(toHex(sealed), c.ct + c.tag)
    })
    it(`${c.name}: open`, () => {
      const opened = aesGcmOpen(fromHex(c.key), fromHex(c.iv), fromHex(c.ct + c.tag), fromHex(c.aad))
      assert.equal(toHex(opened), c.pt)
    })
  }

  it('a flipped tag bit is an authentication error', () => {
    const c = CASES[2] as (typeof CASES)[number]
    const sealed = fromHex(c.ct + c.tag)
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1
    assert.throws(() => aesGcmOpen(fromHex(c.key), fromHex(c.iv), sealed, fromHex(c.aad)), { code: 'DECRYPT_FAILED' })
  })

  it('writes into a caller buffer at an offset', () => {
    const c = CASES[2] as (typeof CASES)[number]
    const out = new Uint8Array(5 + 60 + 16)
    aesGcmSeal(fromHex(c.key), fromHex(c.iv), fromHex(c.pt), fromHex(c.aad), out, 5)
    assert.equal(toHex(out.subarray(5)), c.ct + c.tag)
  })
})
