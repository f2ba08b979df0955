import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { classifyChunk, HealthTracker, summarize } from '../../core/index.js'

const id = (n: number) => new Uint8Array(32).fill(n)
const copy = (holder: string, leaseExpiresAt = 10_000) => ({ holder, attestedAt: 1, leaseExpiresAt, receiptId: 'r' })

describe('chunk health', () => {
  it('classifies by placement and distinct valid remote copies', () => {
    assert.equal(classifyChunk(false, 0), 'Initializing')
    assert.equal(classifyChunk(true, 0), 'AtRisk')
    assert.equal(classifyChunk(true, 1), 'Partial')
    assert.equal(classifyChunk(false, 1), 'Partial')
    assert.equal(classifyChunk(true, 2), 'Replicated')
    assert.equal(classifyChunk(true, 3), 'Replicated')
  })

  it('aggregates counts, ratio and recovery confidence', () => {
    assert.deepEqual(summarize([]), {
      total: 0,
      replicated: 0,
      partial: 0,
      atRisk: 0,
      initializing: 0,
      healthRatio: 1,
      recoverable: true,
      recoveryConfidence: 'HIGH'
    })
    const s = summarize(['Replicated', 'Replicated', 'Partial', 'Replicated'])
    assert.equal(s.healthRatio, 0.75)
    assert.equal(s.recoveryConfidence, 'MEDIUM')
    assert.equal(s.recoverable, true)
    const t = summarize(['Replicated', 'AtRisk'])
    assert.equal(t.recoverable, false)
    assert.equal(t.recoveryConfidence, 'NONE')
    assert.equal(summarize(['Initializing']).recoveryConfidence, 'NONE')
  })

  it('tracks copies: the owner never counts, a holder counts once, expired leases lapse', () => {
    const t = new HealthTracker({ owner: 'me' })
    t.track(id(1))
    assert.equal(t.health(id(1), 0), 'Initializing')
    t.markPlaced(id(1))
    assert.equal(t.health(id(1), 0), 'AtRisk')
    t.recordCopy(id(1), copy('me'))
    assert.equal(t.health(id(1), 0), 'AtRisk')
    t.recordCopy(id(1), copy('a'))
    t.recordCopy(id(1), copy('a'))
    assert.equal(t.health(id(1), 0), 'Partial')
    t.recordCopy(id(1), copy('b', 500))
    assert.equal(t.health(id(1), 0), 'Replicated')
    assert.equal(t.health(id(1), 500), 'Partial', 'b lease expired')
  })

  it('dropping a holder downgrades exactly its chunks', () => {
    const t = new HealthTracker({ owner: 'me' })
    for (const n of [1, 2, 3]) {
      t.markPlaced(id(n))
      t.recordCopy(id(n), copy('a'))
    }
    t.recordCopy(id(1), copy('b'))
    t.recordCopy(id(2), copy('b'))
    t.recordCopy(id(3), copy('c'))
    assert.equal(t.dropHolder('b').length, 2)
    assert.deepEqual(
      [1, 2, 3].map(n => t.health(id(n), 0)),
      ['Partial', 'Partial', 'Replicated']
    )
    assert.equal(t.dropCopy(id(3), 'c'), true)
    const s = t.summary([id(1), id(2), id(3), id(1)], 0)
    assert.equal(s.total, 4)
    assert.equal(s.partial, 4)
    assert.equal(s.recoveryConfidence, 'MEDIUM')
    assert.deepEqual([...t.holders(0)], ['a'])
  })
})
