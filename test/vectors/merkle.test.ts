import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fromHex, leafHash, merkleTree, toHex, verifyInclusion } from '../../core/index.js'

// The RFC 6962 reference leaves and tree heads used by Certificate
// Transparency implementations (e.g. the C++ and Go log test suites).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
]

describe('Merkle tree known answers (RFC 6962)', () => {
  ROOTS.forEach((root, i) => {
    it(`tree head of the first ${i + 1} reference leaves`, () => {
      const { root: got } = merkleTree(LEAVES.slice(0, i + 1).map(l => leafHash(fromHex(l))))
      assert.equal(toHex(got), root)
    })
  })
})

describe('Merkle inclusion proofs', () => {
  it('every leaf of every tree size verifies, and no other leaf or index does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), (n, pick) => {
        const leaves = Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i, i >> 8, n)))
        const { root, paths } = merkleTree(leaves)
        const i = pick % n
        const leaf = leaves[i] as Uint8Array
        const path = paths[i] as Uint8Array[]
        assert.equal(verifyInclusion(leaf, i, n, path, root), true)
        if (n > 1) {
          const j = (i + 1) % n
          assert.equal(verifyInclusion(leaves[j] as Uint8Array, i, n, path, root), false, 'another leaf at this index')
          assert.equal(verifyInclusion(leaf, j, n, path, root), false, 'this leaf at another index')
        }
      })
    )
  })

  it('rejects out-of-range indices and oversized paths', () => {
    const leaves = [leafHash(Uint8Array.of(1)), leafHash(Uint8Array.of(2))]
    const { root, paths } = merkleTree(leaves)
    assert.equal(verifyInclusion(leaves[0] as Uint8Array, 2, 2, paths[0] as Uint8Array[], root), false)
    assert.equal(verifyInclusion(leaves[0] as Uint8Array, -1, 2, paths[0] as Uint8Array[], root), false)
    assert.equal(verifyInclusion(leaves[0] as Uint8Array, 0, 2, Array(33).fill(root), root), false)
  })
})
