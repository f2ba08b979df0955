import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { bucketFits, type Candidate, capacityBucket, peerIdFromPublicKey, rankHolders, selectHolders, toHex } from '../../core/index.js'

const peerArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(k => peerIdFromPublicKey(k))
const holderArb = (min: number, max: number) =>
  fc.uniqueArray(peerArb, { minLength: min, maxLength: max, selector: p => toHex(p) }).map(ids => ids.map(peerId => ({ peerId, capacityBucket: 10 })))
const chunkIdArb = fc.uint8Array({ minLength: 32, maxLength: 32 })
const SIZE = 65_536

const key = (c: Candidate) => toHex(c.peerId)
const top2 = (chunk: Uint8Array, owner: Uint8Array, holders: Candidate[]) => selectHolders(chunk, owner, holders, SIZE).primaries.map(key)

/** Deterministic 32-byte values from a seed, so every failure reproduces from its fast-check seed. */
function bytesFrom(seed: number): () => Buffer {
  let i = 0
  return () => createHash('sha256').update(`${seed}:${i++}`).digest()
}

/** Upper 0.1% critical values of χ² by degrees of freedom. */
function chiSquareCritical001(df: number): number {
  // Wilson–Hilferty approximation; within 1% of the tables for df ≥ 5.
  const z = 3.0902
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3
}

describe('rendezvous placement properties', () => {
  it('determinism: the same inputs in any order give the same ranking', () => {
    fc.assert(
      fc.property(chunkIdArb, peerArb, holderArb(1, 30), (chunk, owner, holders) => {
        const a = rankHolders(chunk, owner, holders, SIZE).map(key)
        const b = rankHolders(chunk, owner, [...holders].reverse(), SIZE).map(key)
        assert.deepEqual(a, b)
      })
    )
  })

  it('owner excluded, even when it is listed as a candidate', () => {
    fc.assert(
      fc.property(chunkIdArb, holderArb(1, 30), fc.nat(), (chunk, holders, pick) => {
        const owner = (holders[pick % holders.length] as Candidate).peerId
        const ranked = rankHolders(chunk, owner, holders, SIZE).map(key)
        assert.ok(!ranked.includes(toHex(owner)))
        assert.equal(ranked.length, holders.length - 1)
      })
    )
  })

  it('two distinct primaries whenever two eligible holders exist; duplicates count once', () => {
    fc.assert(
      fc.property(chunkIdArb, peerArb, holderArb(2, 30), (chunk, owner, holders) => {
        const p = selectHolders(chunk, owner, [...holders, ...holders], SIZE)
        assert.equal(p.primaries.length, 2)
        assert.notEqual(key(p.primaries[0] as Candidate), key(p.primaries[1] as Candidate))
        assert.equal(p.primaries.length + p.fallbacks.length, holders.length)
      })
    )
  })

  it('holders whose capacity bucket cannot fit the chunk are skipped', () => {
    fc.assert(
      fc.property(chunkIdArb, peerArb, holderArb(3, 20), fc.nat(), (chunk, owner, holders, pick) => {
        const full = holders[pick % holders.length] as Candidate
        const withFull = holders.map(h => (h === full ? { ...h, capacityBucket: 0 } : h))
        assert.ok(!rankHolders(chunk, owner, withFull, SIZE).map(key).includes(key(full)))
      })
    )
    assert.equal(capacityBucket(0), 0)
    assert.equal(capacityBucket(65_535), 0)
    assert.equal(bucketFits(capacityBucket(65_536), 65_536), true)
    assert.ok(capacityBucket(1e12) > capacityBucket(1e9))
  })

  it('churn stability: removing one of n holders moves only the placements that were on it', () => {
    fc.assert(
      fc.property(holderArb(4, 25), fc.nat(), peerArb, fc.array(chunkIdArb, { minLength: 50, maxLength: 50 }), (holders, pick, owner, chunks) => {
        const gone = holders[pick % holders.length] as Candidate
        const rest = holders.filter(h => h !== gone)
        for (const chunk of chunks) {
          const before = rankHolders(chunk, owner, holders, SIZE).map(key)
          const after = top2(chunk, owner, rest)
          const was = before.slice(0, 2)
          if (!was.includes(key(gone))) {
            assert.deepEqual(after, was, 'a placement not on the removed holder must not move')
          } else {
            // the surviving primary stays; the next-ranked holder steps in
            assert.deepEqual(new Set(after), new Set(before.filter(k => k !== key(gone)).slice(0, 2)))
          }
        }
      }),
      { numRuns: 50 }
    )
  })

  it('churn stability: about 2/n of placements move when one of n holders leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 20 }), fc.nat(), (n, seed) => {
        const randomBytes = bytesFrom(seed)
        const holders = Array.from({ length: n }, () => ({ peerId: peerIdFromPublicKey(randomBytes()), capacityBucket: 10 }))
        const owner = peerIdFromPublicKey(randomBytes())
        const rest = holders.slice(1)
        const chunks = 4000
        let moved = 0
        for (let i = 0; i < chunks; i++) {
          const chunk = randomBytes()
          if (top2(chunk, owner, holders).join() !== top2(chunk, owner, rest).join()) moved++
        }
        const expected = 2 / n
        const sd = Math.sqrt((expected * (1 - expected)) / chunks)
        assert.ok(Math.abs(moved / chunks - expected) < 5 * sd, `moved ${moved / chunks}, expected ≈ ${expected}`)
      }),
      { numRuns: 5, seed: 42 }
    )
  })

  it('uniform distribution: χ² over ≥100 owners and many chunks stays under the 0.1% critical value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 30 }), fc.integer({ min: 100, max: 130 }), fc.nat(), (n, owners, seed) => {
        const randomBytes = bytesFrom(seed)
        const holders = Array.from({ length: n }, () => ({ peerId: peerIdFromPublicKey(randomBytes()), capacityBucket: 10 }))
        const counts = new Map(holders.map(h => [key(h), 0]))
        const chunksPerOwner = 100
        for (let o = 0; o < owners; o++) {
          const owner = peerIdFromPublicKey(randomBytes())
          for (let c = 0; c < chunksPerOwner; c++) {
            for (const k of top2(randomBytes(), owner, holders)) counts.set(k, (counts.get(k) ?? 0) + 1)
          }
        }
        const total = owners * chunksPerOwner * 2
        const expected = total / n
        let chi2 = 0
        for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected
        // Two primaries per chunk are drawn without replacement, which only
        // lowers the variance; the usual critical value is conservative.
        assert.ok(chi2 < chiSquareCritical001(n - 1), `χ²=${chi2.toFixed(1)} with ${n - 1} df`)
      }),
      { numRuns: 4, seed: 7 }
    )
  })
})
