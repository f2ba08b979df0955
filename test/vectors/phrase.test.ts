import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { phraseToSecret, secretToPhrase, toHex } from '../../core/index.js'

// BIP-39 reference vectors (trezor/python-mnemonic vectors.json, English, 256-bit entropy).
const CASES = [
  { entropy: '00'.repeat(32), phrase: `${'abandon '.repeat(23)}art` },
  { entropy: '7f'.repeat(32), phrase: `${'legal winner thank year wave sausage worth useful '.repeat(3)}`.trim().replace(/useful$/, 'title') },
  { entropy: 'ff'.repeat(32), phrase: `${'zoo '.repeat(23)}vote` }
]

describe('recovery phrase known answers (BIP-39)', () => {
  for (const c of CASES) {
    it(`entropy ${c.entropy.slice(0, 8)}…`, () => {
      const secret = Uint8Array.from(Buffer.from(c.entropy, 'hex'))
      assert.equal(secretToPhrase(secret), c.phrase)
      assert.equal(toHex(phraseToSecret(c.phrase)), c.entropy)
    })
  }
})
