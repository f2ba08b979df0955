import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  AUDIT_SAMPLES,
  AUDIT_SEGMENT_BYTES,
  answerChallenge,
  auditRoot,
  auditSampleIndices,
  auditSegmentCount,
  rankHolders,
  verifyAnswer
} from '../../core/index.js'
import { type HolderInfo, planChunk, Reachability } from '../../owner/index.js'

const bytes = (n: number) => new Uint8Array(randomBytes(n))

describe('audit proof: sampled segments under the owner-recorded root', () => {
  for (const size of [29, 1024, 1025, 40_000, 65_536]) {
    it(`an intact ${size}-byte chunk answers every nonce`, () => {
      const chunk = bytes(size)
      const root = auditRoot(chunk)
      for (let i = 0; i < 20; i++) {
        const nonce = bytes(32)
        assert.ok(verifyAnswer(root, size, nonce, answerChallenge(nonce, chunk)))
      }
    })
  }

  it('a nonce selects AUDIT_SAMPLES indices inside the chunk, and different nonces select different ones', () => {
    const count = auditSegmentCount(65_536)
    assert.equal(count, 65_536 / AUDIT_SEGMENT_BYTES)
    const sets = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const idx = auditSampleIndices(bytes(32), count)
      assert.equal(idx.length, AUDIT_SAMPLES)
      assert.ok(idx.every(x => Number.isInteger(x) && x >= 0 && x < count))
      sets.add(idx.join(','))
    }
    assert.ok(sets.size > 45, 'nonces spread over the segments')
  })

  it('a holder missing one segment (but keeping every tree node) fails exactly when that segment is sampled', () => {
    const chunk = bytes(65_536)
    const root = auditRoot(chunk)
    const damaged = new Uint8Array(chunk)
    const at = 5 * AUDIT_SEGMENT_BYTES + 7 // in segment 5 only
    damaged[at] = (damaged[at] ?? 0) ^ 0x01
    const count = auditSegmentCount(chunk.length)
    let caught = 0
    for (let i = 0; i < 400; i++) {
      const nonce = bytes(32)
      const indices = auditSampleIndices(nonce, count)
      // the best such a holder can do: the true paths, with the bytes it has
      const answer = { ...answerChallenge(nonce, chunk), segments: indices.map(k => damaged.subarray(k * AUDIT_SEGMENT_BYTES, (k + 1) * AUDIT_SEGMENT_BYTES)) }
      assert.equal(verifyAnswer(root, chunk.length, nonce, answer), !indices.includes(5))
      if (indices.includes(5)) caught++
    }
    assert.ok(caught > 0, 'segment 5 was sampled at least once in 400 challenges')
    // a holder that rebuilt its tree from the damaged bytes fails even more often
    const nonce = bytes(32)
    assert.equal(verifyAnswer(root, chunk.length, nonce, answerChallenge(nonce, damaged)), false)
  })

  it('replaying an answer to another nonce, or answering with other bytes, fails', () => {
    const chunk = bytes(30_000)
    const root = auditRoot(chunk)
    const count = auditSegmentCount(chunk.length)
    const n1 = bytes(32)
    let n2 = bytes(32)
    while (auditSampleIndices(n2, count).join() === auditSampleIndices(n1, count).join()) n2 = bytes(32)
    assert.equal(verifyAnswer(root, chunk.length, n2, answerChallenge(n1, chunk)), false)
    assert.equal(verifyAnswer(root, chunk.length, n1, answerChallenge(n1, bytes(30_000))), false)
  })

  it('refuses answers with missing, extra, truncated or padded segments', () => {
    const chunk = bytes(10_000)
    const root = auditRoot(chunk)
    const nonce = bytes(32)
    const good = answerChallenge(nonce, chunk)
    assert.ok(verifyAnswer(root, chunk.length, nonce, good))
    assert.equal(verifyAnswer(root, chunk.length, nonce, { segments: good.segments.slice(1), paths: good.paths.slice(1) }), false)
    assert.equal(verifyAnswer(root, chunk.length, nonce, { segments: [...good.segments, good.segments[0] as Uint8Array], paths: [...good.paths, []] }), false)
    const cut = good.segments.map(s => s.subarray(0, s.length - 1))
    assert.equal(verifyAnswer(root, chunk.length, nonce, { segments: cut, paths: good.paths }), false)
    // the claimed size fixes the segment count: the same answer under another size does not verify
    assert.equal(verifyAnswer(root, chunk.length + AUDIT_SEGMENT_BYTES, nonce, good), false)
  })
})

const holder = (): HolderInfo => {
  const peerId = bytes(38)
  return { peerId, peerIdString: Buffer.from(peerId).toString('hex'), capacityBucket: 20 }
}

describe('repair placement rule (planChunk)', () => {
  const owner = bytes(38)
  const members = Array.from({ length: 6 }, holder)
  const id = bytes(32)
  const ranked = rankHolders(id, owner, members, 1000)
  const ids = ranked.map(h => h.peerIdString)
  const up = () => false

  it('a replicated chunk on its primaries needs nothing, in repair and in rebalance', () => {
    const have = new Set(ids.slice(0, 2))
    assert.equal(planChunk(ranked, have, up, false).want, 0)
    assert.equal(planChunk(ranked, have, up, true).want, 0)
  })

  it('a lost copy goes to the next holder of the ranking that does not hold the chunk', () => {
    // copies were on ranks 0 and 1; rank 0 left, so the ranking no longer has it
    const after = ranked.slice(1)
    const plan = planChunk(after, new Set([ids[1] as string]), up, false)
    assert.equal(plan.want, 1)
    assert.equal(plan.candidates[0]?.peerIdString, ids[2])
    assert.ok(!plan.candidates.some(h => h.peerIdString === ids[1]), 'never a holder that has it')
  })

  it('repair does not move a chunk that has two copies off its primaries; rebalance moves it to the primaries only', () => {
    const have = new Set([ids[2] as string, ids[3] as string])
    assert.equal(planChunk(ranked, have, up, false).want, 0)
    const plan = planChunk(ranked, have, up, true)
    assert.equal(plan.want, 2)
    assert.deepEqual(
      plan.candidates.map(h => h.peerIdString),
      ids.slice(0, 2)
    )
    assert.deepEqual(plan.top, ids.slice(0, 2))
    // one primary already holds it: only the other is a target
    const half = planChunk(ranked, new Set([ids[0] as string, ids[3] as string]), up, true)
    assert.equal(half.want, 1)
    assert.deepEqual(
      half.candidates.map(h => h.peerIdString),
      [ids[1]]
    )
  })

  it('unreachable holders are never targets, and a copy on one still counts (pending, not lost)', () => {
    const down = (h: string) => h === ids[1]
    const plan = planChunk(ranked, new Set([ids[0] as string]), down, false)
    assert.equal(plan.want, 1)
    assert.equal(plan.candidates[0]?.peerIdString, ids[2])
    assert.equal(planChunk(ranked, new Set([ids[0] as string, ids[1] as string]), down, false).want, 0)
  })
})

describe('reachability', () => {
  it('a holder is overdue only once it has been down for repairAfterMs, counted from the first failure', () => {
    const r = new Reachability()
    assert.equal(r.markDown('a', 1_000), true)
    assert.equal(r.markDown('a', 5_000), false, 'a second failure keeps the first time')
    r.markDown('b', 3_000)
    assert.deepEqual(r.overdue(1_000 + 29 * 60_000, 30 * 60_000), [])
    assert.deepEqual(r.overdue(1_000 + 30 * 60_000, 30 * 60_000), ['a'])
    assert.deepEqual(r.overdue(3_000 + 30 * 60_000, 30 * 60_000).sort(), ['a', 'b'])
    assert.equal(r.markUp('a'), true)
    assert.equal(r.markUp('a'), false)
    assert.deepEqual(r.overdue(10 ** 9, 30 * 60_000), ['b'])
    assert.equal(r.isDown('b'), true)
    assert.equal(r.downSince('b'), 3_000)
  })
})
