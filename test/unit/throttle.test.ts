import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Throttle } from '../../protocols/index.js'

describe('Throttle: a bandwidth cap whose waits honour AbortSignal', () => {
  it('lets a burst through at once, then meters bytes at the rate, in arrival order', async t => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
    const th = new Throttle({ bytesPerSecond: 1000, burstBytes: 1000, now: () => Date.now() })
    const done: string[] = []
    await th.take(1000) // the burst
    const a = th.take(500).then(() => done.push('a'))
    const b = th.take(500).then(() => done.push('b'))
    t.mock.timers.tick(499)
    await Promise.resolve()
    assert.deepEqual(done, [], 'nothing passes before its bytes are earned')
    t.mock.timers.tick(1)
    await a
    assert.deepEqual(done, ['a'])
    t.mock.timers.tick(499)
    await Promise.resolve()
    assert.deepEqual(done, ['a'], 'b waits for a’s bytes and its own')
    t.mock.timers.tick(1)
    await b
    assert.deepEqual(done, ['a', 'b'])
  })

  it('an aborted wait rejects at once with the signal’s reason and gives its bytes back', async t => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
    const th = new Throttle({ bytesPerSecond: 1000, burstBytes: 1000, now: () => Date.now() })
    await th.take(1000)
    const controller = new AbortController()
    const waiting = th.take(5000, controller.signal)
    controller.abort(new Error('cancelled'))
    await assert.rejects(waiting, /cancelled/)
    // the 5000 bytes were given back: the next 1000 need only one second
    let passed = false
    const next = th.take(1000).then(() => {
      passed = true
    })
    t.mock.timers.tick(1000)
    await next
    assert.equal(passed, true)
  })

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new Throttle({ bytesPerSecond: 0 }), RangeError)
  })
})
