import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { classifyChunk, summarize } from '../../core/index.js'

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
})
