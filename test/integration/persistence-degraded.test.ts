import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { hasCode } from '../../core/index.js'
import type { MeshNode } from '../../daemon/node/mesh-node.js'
import { TestMesh, waitFor } from '../helpers/mesh.js'
import { patternStream } from '../helpers/streams.js'

const STATE_BYTES = 4 * 1024 * 1024 + 12_345
const log = process.env.MESHKEEP_TEST_LOG === '1' ? (msg: string, f?: Record<string, unknown>) => console.log(msg, JSON.stringify(f ?? {})) : undefined

function digestOf(parts: Iterable<Uint8Array>): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

describe('persistence-degraded: holders stop, writes block, repair restores, recovery works', { timeout: 150_000 }, () => {
  const mesh = new TestMesh()
  let owner: MeshNode
  after(() => mesh.close())

  before(async () => {
    // the test drives audits and repair itself, so every step is observed before the next starts
    const nodes = await mesh.start(6, i =>
      i === 1
        ? {
            log,
            owner: { retryBaseMs: 20, requestTimeoutMs: 4_000, attempts: 2, gracePeriodMs: 500, auditIntervalMs: 0, autoRepair: false, repairAfterMs: 0 }
          }
        : {}
    )
    owner = nodes[1] as MeshNode
  })

  it('goes DEGRADED and refuses writes once copies are lost past the grace period; repair brings back Replicated and ACTIVE; a fresh node recovers the newest version', async t => {
    const v1 = await owner.owner.put(patternStream(STATE_BYTES, 1 << 20, 5))
    assert.equal(owner.owner.summary().replicated, v1.chunks)
    owner.owner.refreshWriteState()
    assert.equal(owner.owner.writeState.state, 'ACTIVE')

    // stop the two holders with the most copies
    const holders = mesh.nodes.filter(n => n !== owner)
    const copiesOn = (n: MeshNode) => owner.owner.replication().chunks.filter(c => c.holders.some(h => h.peerId === n.peerId)).length
    const victims = [...holders].sort((a, b) => copiesOn(b) - copiesOn(a)).slice(0, 2)
    const lost = new Set(victims.map(v => v.peerId))
    const affected = owner.owner.replication().chunks.filter(c => c.holders.some(h => lost.has(h.peerId))).length
    let manifestLost = 0
    for (const v of victims) if ((await v.holder.chunks.getManifest(owner.peerId, 1)) !== undefined) manifestLost++
    for (const v of victims) await mesh.stop(v)

    // an audit round finds them unreachable: their copies stop counting at once
    const audit = await owner.owner.auditNow()
    assert.equal(audit.unreachable, 2, `audit report ${JSON.stringify(audit)}`)
    const degraded = owner.owner.summary()
    t.diagnostic(`after stopping 2 of 5 holders: ${JSON.stringify(degraded)}`)
    assert.equal(degraded.replicated, v1.chunks - affected, 'exactly the chunks with a copy on a stopped holder lost replication')
    assert.ok(degraded.partial + degraded.atRisk === affected && affected > 0)
    for (const c of owner.owner.replication().chunks) {
      for (const h of c.holders) assert.equal(h.reachable, !lost.has(h.peerId))
    }

    // within the grace period writes are still allowed (ACTIVE); past it, DEGRADED refuses them
    await waitFor(
      () => {
        owner.owner.refreshWriteState()
        return owner.owner.writeState.state === 'DEGRADED'
      },
      'the write state is DEGRADED',
      30_000
    )
    await assert.rejects(owner.owner.put(patternStream(1000, 1000, 6)), (err: unknown) => hasCode(err, 'WRITE_BLOCKED'))
    assert.deepEqual(
      owner.owner.versions().map(v => v.version),
      [1],
      'the refused put wrote nothing'
    )

    // repair: the stopped holders are past repairAfterMs (0 here), so their chunks move to the three that remain
    const r = await owner.owner.repair()
    t.diagnostic(`repair: ${JSON.stringify(r)}`)
    assert.deepEqual([...r.gone].sort(), [...lost].sort())
    assert.equal(r.failed, 0)
    assert.ok(r.moved >= affected, `moved ${r.moved} copies for ${affected} affected chunks`)
    const healed = owner.owner.summary()
    assert.equal(healed.replicated, healed.total, `all Replicated again: ${JSON.stringify(healed)}`)
    assert.equal(healed.recoveryConfidence, 'HIGH')
    for (const c of owner.owner.replication().chunks) {
      assert.equal(c.holders.length, 2)
      assert.ok(c.holders.every(h => !lost.has(h.peerId) && h.peerId !== owner.peerId && h.attested && h.reachable))
    }
    assert.equal(r.manifestMoved, manifestLost, 'the manifest got a new holder for each stopped one')
    owner.owner.refreshWriteState()
    assert.equal(owner.owner.writeState.state, 'ACTIVE')

    // writes work again, and a fresh machine recovers the newest version from the three remaining holders
    const expected = digestOf(patternStream(STATE_BYTES, 1 << 20, 7))
    const v2 = await owner.owner.put(patternStream(STATE_BYTES, 1 << 20, 7))
    assert.equal(v2.version, 2)
    const secret = mesh.secretOf(owner)
    await mesh.stop(owner)
    const fresh = await mesh.add({ rootSecret: secret, log, owner: { requestTimeoutMs: 4_000, auditIntervalMs: 0, autoRepair: false } })
    const remaining = mesh.nodes.filter(n => n !== fresh).map(n => n.peerId)
    await mesh.refreshUntil(fresh, v => remaining.every(id => v.members.some(m => m.peerIdString === id)))
    const h = createHash('sha256')
    const report = await fresh.owner.recover(piece => {
      h.update(piece)
    })
    assert.equal(h.digest('hex'), expected, 'recovered bytes are exact')
    assert.equal(report.version, 2)
    assert.ok(report.holdersUsed.every(id => !lost.has(id)))
    await fresh.owner.whenCensusDone()
    const s = fresh.owner.summary()
    assert.equal(s.replicated, s.total, `the recovered node knows where every copy is: ${JSON.stringify(s)}`)
  })
})
