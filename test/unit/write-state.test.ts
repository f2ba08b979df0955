import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  applyEvent,
  deriveState,
  type LatestStatus,
  type WriteContext,
  type WriteEvent,
  type WriteState,
  WriteStateMachine,
  writesAllowed
} from '../../core/index.js'

/** The canonical context behind each state in the table below. */
const FROM: Record<WriteState, WriteContext> = {
  PROVISIONAL: { peerSeen: false, remoteMembers: 0, latest: 'pending' },
  ISOLATED: { peerSeen: true, remoteMembers: 0, latest: 'pending' },
  ACTIVE: { peerSeen: true, remoteMembers: 3, latest: 'replicated' },
  DEGRADED: { peerSeen: true, remoteMembers: 3, latest: 'overdue' }
}

const EVENTS: Record<string, WriteEvent> = {
  PEER_CONNECTED: { type: 'PEER_CONNECTED' },
  'REGISTRY_UPDATED(3)': { type: 'REGISTRY_UPDATED', remoteMembers: 3 },
  'REGISTRY_UPDATED(0)': { type: 'REGISTRY_UPDATED', remoteMembers: 0 },
  VERSION_WRITTEN: { type: 'VERSION_WRITTEN' },
  LATEST_REPLICATED: { type: 'LATEST_REPLICATED' },
  LATEST_UNDER_REPLICATED: { type: 'LATEST_UNDER_REPLICATED' },
  GRACE_EXPIRED: { type: 'GRACE_EXPIRED' }
}

// Every state × every event, written out by hand.
const TABLE: Record<WriteState, Record<keyof typeof EVENTS, WriteState>> = {
  PROVISIONAL: {
    PEER_CONNECTED: 'ISOLATED',
    'REGISTRY_UPDATED(3)': 'ACTIVE',
    'REGISTRY_UPDATED(0)': 'PROVISIONAL',
    VERSION_WRITTEN: 'PROVISIONAL',
    LATEST_REPLICATED: 'PROVISIONAL',
    LATEST_UNDER_REPLICATED: 'PROVISIONAL',
    GRACE_EXPIRED: 'PROVISIONAL'
  },
  ISOLATED: {
    PEER_CONNECTED: 'ISOLATED',
    'REGISTRY_UPDATED(3)': 'ACTIVE',
    'REGISTRY_UPDATED(0)': 'ISOLATED',
    VERSION_WRITTEN: 'ISOLATED',
    LATEST_REPLICATED: 'ISOLATED',
    LATEST_UNDER_REPLICATED: 'ISOLATED',
    GRACE_EXPIRED: 'ISOLATED'
  },
  ACTIVE: {
    PEER_CONNECTED: 'ACTIVE',
    'REGISTRY_UPDATED(3)': 'ACTIVE',
    'REGISTRY_UPDATED(0)': 'ISOLATED',
    VERSION_WRITTEN: 'ACTIVE',
    LATEST_REPLICATED: 'ACTIVE',
    LATEST_UNDER_REPLICATED: 'ACTIVE',
    GRACE_EXPIRED: 'ACTIVE'
  },
  DEGRADED: {
    PEER_CONNECTED: 'DEGRADED',
    'REGISTRY_UPDATED(3)': 'DEGRADED',
    'REGISTRY_UPDATED(0)': 'ISOLATED',
    // a version written while overdue (possible only through a path that skips assertWritable) ends nothing
    VERSION_WRITTEN: 'DEGRADED',
    LATEST_REPLICATED: 'ACTIVE',
    LATEST_UNDER_REPLICATED: 'DEGRADED',
    GRACE_EXPIRED: 'DEGRADED'
  }
}

describe('write-blocking state machine', () => {
  it('canonical contexts derive their states', () => {
    for (const [state, ctx] of Object.entries(FROM)) assert.equal(deriveState(ctx), state)
  })

  for (const [from, row] of Object.entries(TABLE) as [WriteState, Record<string, WriteState>][]) {
    for (const [name, to] of Object.entries(row)) {
      it(`${from} --${name}--> ${to}`, () => {
        assert.equal(deriveState(applyEvent(FROM[from], EVENTS[name] as WriteEvent)), to)
      })
    }
  }

  it('the grace period: an under-replicated latest version degrades only after it', () => {
    let now = 0
    const m = new WriteStateMachine({ gracePeriodMs: 1000, now: () => now })
    m.dispatch({ type: 'REGISTRY_UPDATED', remoteMembers: 2 })
    m.dispatch({ type: 'VERSION_WRITTEN' })
    now = 999
    assert.equal(m.tick(), 'ACTIVE')
    m.assertWritable()
    now = 1000
    assert.equal(m.tick(), 'DEGRADED')
    m.setDetail('3 of 10 chunks lack two attested copies')
    assert.throws(
      () => m.assertWritable(),
      (err: { code?: string; message?: string }) =>
        err.code === 'WRITE_BLOCKED' && /3 of 10 chunks/.test(err.message ?? '') && /meshkeep replication/.test(err.message ?? '')
    )
    m.dispatch({ type: 'LATEST_REPLICATED' })
    assert.equal(m.state, 'ACTIVE')
    // losing a copy later restarts the grace period from that moment
    now = 5000
    m.dispatch({ type: 'LATEST_UNDER_REPLICATED' })
    now = 5999
    assert.equal(m.tick(), 'ACTIVE')
    now = 6000
    assert.equal(m.tick(), 'DEGRADED')
  })

  it('a stream of new versions does not restart the grace period: it runs from when replication first fell short', () => {
    let now = 0
    const m = new WriteStateMachine({ gracePeriodMs: 1000, now: () => now })
    m.dispatch({ type: 'REGISTRY_UPDATED', remoteMembers: 1 })
    m.dispatch({ type: 'VERSION_WRITTEN' })
    assert.equal(m.underReplicatedSince, 0)
    // a put every 200 ms, none of them replicated
    for (now = 200; now < 1000; now += 200) {
      m.assertWritable()
      m.dispatch({ type: 'VERSION_WRITTEN' })
      m.dispatch({ type: 'LATEST_UNDER_REPLICATED' })
      assert.equal(m.underReplicatedSince, 0)
    }
    now = 1000
    assert.throws(
      () => m.assertWritable(),
      (err: { code?: string }) => err.code === 'WRITE_BLOCKED'
    )
    // replication catches up: writes are accepted again, and the next version gets a grace period of its own
    m.dispatch({ type: 'LATEST_REPLICATED' })
    assert.equal(m.underReplicatedSince, undefined)
    m.assertWritable()
    now = 1500
    m.dispatch({ type: 'VERSION_WRITTEN' })
    assert.equal(m.underReplicatedSince, 1500)
    now = 2499
    m.assertWritable()
    now = 2500
    assert.equal(m.tick(), 'DEGRADED')
  })

  it('reports transitions once each', () => {
    const seen: string[] = []
    const m = new WriteStateMachine({ onTransition: (a, b) => seen.push(`${a}>${b}`) })
    m.dispatch({ type: 'PEER_CONNECTED' })
    m.dispatch({ type: 'PEER_CONNECTED' })
    m.dispatch({ type: 'REGISTRY_UPDATED', remoteMembers: 4 })
    assert.deepEqual(seen, ['PROVISIONAL>ISOLATED', 'ISOLATED>ACTIVE'])
  })

  it('invariants over every context: only DEGRADED refuses writes, and only with remote holders and an overdue version', () => {
    const latest = fc.constantFrom<LatestStatus>('none', 'replicated', 'pending', 'overdue')
    fc.assert(
      fc.property(fc.boolean(), fc.nat(5), latest, (peerSeen, remoteMembers, l) => {
        const s = deriveState({ peerSeen, remoteMembers, latest: l })
        assert.equal(writesAllowed(s), s !== 'DEGRADED')
        if (s === 'DEGRADED') assert.ok(remoteMembers > 0 && l === 'overdue')
        if (remoteMembers === 0) assert.ok(s === 'PROVISIONAL' || s === 'ISOLATED')
      })
    )
  })
})
