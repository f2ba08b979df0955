import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  ab,
  inspectManifest,
  MAX_MANIFEST_BYTES,
  type Manifest,
  ManifestBuilder,
  nativeEd25519,
  openManifest,
  SignedEnvelope,
  sealManifest,
  sealStream
} from '../../core/index.js'
import { ManifestHeader } from '../../core/manifest/pb/manifest.js'
import { makeNode } from '../helpers/fixtures.js'

const owner = makeNode()

async function manifestOf(data: Uint8Array, version = 1): Promise<Manifest> {
  const b = new ManifestBuilder()
  for await (const c of sealStream([data], owner.cipher)) b.add(c)
  return b.build(version, 1_700_000_000_000)
}

describe('manifest', () => {
  it('round-trips: seal then open gives the same manifest', async () => {
    for (const size of [0, 1, 65_507, 200_000]) {
      const m = await manifestOf(new Uint8Array(size).fill(3), 7)
      const sealed = sealManifest(m, owner.keys.manifestKey, owner.identity)
      assert.deepEqual(openManifest(sealed, owner.keys.manifestKey, owner.identity.peerId), m)
      assert.deepEqual(inspectManifest(sealed).version, 7)
    }
  })

  it('rejects a manifest signed by someone else, for someone else, or with a bit flipped', async () => {
    const m = await manifestOf(new Uint8Array(1000))
    const sealed = sealManifest(m, owner.keys.manifestKey, owner.identity)
    const other = makeNode()
    assert.throws(() => openManifest(sealed, owner.keys.manifestKey, other.identity.peerId), { code: 'INVALID_MANIFEST' })
    // a stranger re-signs the owner's header: the signature no longer matches the named owner
    const env = SignedEnvelope.decode(sealed)
    const resigned = SignedEnvelope.encode({
      payload: env.payload,
      signature: ab(nativeEd25519.sign(other.identity.seed, env.payload))
    })
    assert.throws(() => openManifest(resigned, owner.keys.manifestKey, owner.identity.peerId), /signature/)
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const bad = Uint8Array.from(sealed)
        const i = at % bad.length
        bad[i] = (bad[i] ?? 0) ^ (1 << bit)
        assert.throws(() => openManifest(bad, owner.keys.manifestKey, owner.identity.peerId), { code: 'INVALID_MANIFEST' })
      }),
      { numRuns: 200 }
    )
  })

  it('rejects the wrong manifest key as a clear error', async () => {
    const sealed = sealManifest(await manifestOf(new Uint8Array(10)), owner.keys.manifestKey, owner.identity)
    assert.throws(() => openManifest(sealed, makeNode().keys.manifestKey, owner.identity.peerId), /authentication failed/)
  })

  it('rejects schema violations signed by the real owner', async () => {
    const m = await manifestOf(new Uint8Array(200_000))
    const cases: Array<[string, Manifest]> = [
      ['sizes that do not add up', { ...m, totalSize: m.totalSize + 1 }],
      ['an oversized chunk', { ...m, chunks: m.chunks.map((c, i) => (i === 0 ? { ...c, size: 70_000 } : c)) }],
      ['a short middle chunk', { ...m, chunks: m.chunks.map((c, i) => (i === 1 ? { ...c, size: 100 } : c)) }]
    ]
    for (const [what, bad] of cases) {
      const sealed = sealManifest(bad, owner.keys.manifestKey, owner.identity)
      assert.throws(() => openManifest(sealed, owner.keys.manifestKey, owner.identity.peerId), { code: 'INVALID_MANIFEST' }, what)
    }
  })

  it('bounds size before decoding and rejects garbage with a clear error', () => {
    assert.throws(() => inspectManifest(new Uint8Array(MAX_MANIFEST_BYTES + 1)), /over the .* limit/)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), junk => {
        assert.throws(() => inspectManifest(junk), { code: 'INVALID_MANIFEST' })
      })
    )
    const header = ManifestHeader.encode({ format: 9, owner: owner.identity.peerId as Uint8Array<ArrayBuffer>, version: 1n })
    const env = SignedEnvelope.encode({ payload: header, signature: new Uint8Array(64) })
    assert.throws(() => inspectManifest(env), /unknown manifest format 9/)
  })
})
