import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CHUNK_OVERHEAD_BYTES, MAX_CHUNK_BYTES, ManifestBuilder, openStream, rechunk, type StateChunk, sealStream, sha256, toHex } from '../../core/index.js'
import { makeNode } from '../helpers/fixtures.js'
import { collect, concat, framed } from '../helpers/streams.js'

const node = makeNode()

/** Seals `data` (arbitrarily framed) and returns the chunks and their manifest. */
async function sealAll(data: Uint8Array, cuts: number[], pieceSize?: number): Promise<{ chunks: StateChunk[]; builder: ManifestBuilder }> {
  const builder = new ManifestBuilder()
  const chunks: StateChunk[] = []
  for await (const c of sealStream(framed(data, cuts), node.cipher, pieceSize)) {
    builder.add(c)
    chunks.push(c)
  }
  return { chunks, builder }
}

// Small piece sizes let properties cover many chunks cheaply; edge sizes at
// the real 64 KiB limit are covered separately below.
const pieceSizeArb = fc.integer({ min: 1, max: 300 })
const dataArb = fc.uint8Array({ maxLength: 3000 })

describe('chunking properties', () => {
  it('reassembly: open(seal(state)) rebuilds the exact bytes, however the input is framed', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, fc.array(fc.nat(3000), { maxLength: 8 }), pieceSizeArb, async (data, cuts, pieceSize) => {
        const { chunks, builder } = await sealAll(data, cuts, pieceSize)
        const manifest = { ...builder.build(1), pieceSize }
        const out = concat(
          await collect(
            openStream(
              chunks.map(c => c.bytes),
              node.cipher,
              manifest
            )
          )
        )
        assert.deepEqual(out, data)
      })
    )
  })

  it('chunk count is ceil(size / pieceSize), and indices run 0..n-1', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, pieceSizeArb, async (data, pieceSize) => {
        const { chunks } = await sealAll(data, [], pieceSize)
        assert.equal(chunks.length, Math.ceil(data.length / pieceSize))
        chunks.forEach((c, i) => assert.equal(c.index, i))
      })
    )
  })

  it('max chunk size: no chunk exceeds 65,536 bytes and its id is SHA-256 of its bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * 65_536 }), async size => {
        const { chunks } = await sealAll(new Uint8Array(size).fill(7), [size >> 1])
        for (const c of chunks) {
          assert.ok(c.bytes.length <= MAX_CHUNK_BYTES, `chunk of ${c.bytes.length} bytes`)
          assert.equal(c.bytes.length, c.plainSize + CHUNK_OVERHEAD_BYTES)
          assert.equal(toHex(c.id), toHex(sha256(c.bytes)))
        }
      }),
      { numRuns: 25 }
    )
  })

  it('rechunk yields full pieces then one remainder', async () => {
    await fc.assert(
      fc.asyncProperty(dataArb, fc.array(fc.nat(3000), { maxLength: 8 }), pieceSizeArb, async (data, cuts, size) => {
        const pieces = await collect(rechunk(framed(data, cuts), size))
        pieces.slice(0, -1).forEach(p => assert.equal(p.length, size))
        assert.deepEqual(concat(pieces), data)
      })
    )
  })

  it('edge sizes: empty, 1 byte, and exact multiples of the piece size', async () => {
    const { MAX_PIECE_BYTES } = await import('../../core/index.js')
    for (const size of [0, 1, MAX_PIECE_BYTES, 2 * MAX_PIECE_BYTES, 2 * MAX_PIECE_BYTES + 1]) {
      const data = new Uint8Array(size).map((_, i) => i & 0xff)
      const { chunks, builder } = await sealAll(data, [])
      assert.equal(chunks.length, Math.ceil(size / MAX_PIECE_BYTES), `size ${size}`)
      const out = concat(
        await collect(
          openStream(
            chunks.map(c => c.bytes),
            node.cipher,
            builder.build(1)
          )
        )
      )
      assert.deepEqual(out, data, `size ${size}`)
    }
  })

  it('a reordered, missing, extra or foreign chunk is rejected', async () => {
    const data = new Uint8Array(1000).map((_, i) => i & 0xff)
    const { chunks, builder } = await sealAll(data, [], 100)
    const manifest = { ...builder.build(1), pieceSize: 100 }
    const bytes = chunks.map(c => c.bytes)
    const swapped = [bytes[1], bytes[0], ...bytes.slice(2)] as Uint8Array[]
    await assert.rejects(collect(openStream(swapped, node.cipher, manifest)), { code: 'INVALID_CHUNK' })
    await assert.rejects(collect(openStream(bytes.slice(0, -1), node.cipher, manifest)), { code: 'INTEGRITY_FAILED' })
    await assert.rejects(collect(openStream([...bytes, bytes[0] as Uint8Array], node.cipher, manifest)), { code: 'INTEGRITY_FAILED' })
    const other = makeNode()
    await assert.rejects(collect(openStream(bytes, other.cipher, manifest)), { code: 'DECRYPT_FAILED' })
  })

  it('unchanged pieces encrypt identically across versions (incremental puts)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (data, at, delta) => {
        const changed = Uint8Array.from(data)
        const i = at % data.length
        changed[i] = ((changed[i] ?? 0) + delta) & 0xff
        const a = (await sealAll(data, [], 100)).chunks.map(c => toHex(c.id))
        const b = (await sealAll(changed, [], 100)).chunks.map(c => toHex(c.id))
        const differing = a.filter((id, k) => id !== b[k]).length
        assert.equal(differing, 1, 'exactly the chunk holding the changed byte differs')
      })
    )
  })
})
