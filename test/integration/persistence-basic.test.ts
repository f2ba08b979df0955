import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { MeshNode } from '../../daemon/node/mesh-node.js'
import { TestMesh } from '../helpers/mesh.js'
import { patternStream } from '../helpers/streams.js'

// MESHKEEP_TEST_STATE_MB=32 measures the figure the mesh issue asks for; the suite runs 4 MiB
const STATE_BYTES = Number(process.env.MESHKEEP_TEST_STATE_MB ?? 4) * 1024 * 1024 + 12_345

function digestOf(parts: Iterable<Uint8Array>): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

describe('persistence-basic: 5 real nodes on 127.0.0.1', { timeout: 180_000 }, () => {
  const mesh = new TestMesh()
  after(() => mesh.close())

  before(async () => {
    for (let i = 0; i < 5; i++) await mesh.add()
    await mesh.converge(5)
  })

  it('replicates every chunk to two distinct remote holders with valid attestations, goes ACTIVE, and recovers on a fresh node from the secret alone', async t => {
    const owner = mesh.nodes[1] as MeshNode
    const expected = digestOf(patternStream(STATE_BYTES, 1 << 20, 9))
    const result = await owner.owner.put(patternStream(STATE_BYTES, 1 << 20, 9))
    const mb = (n: number) => (n / 2 ** 20).toFixed(1)
    t.diagnostic(
      `put ${mb(STATE_BYTES)} MiB: ${result.chunks} chunks, ${mb(result.bytesSent)} MiB sent in ${result.ms} ms (${mb((STATE_BYTES / result.ms) * 1000)} MiB/s)`
    )
    assert.equal(result.version, 1)
    assert.equal(result.totalSize, STATE_BYTES)

    const summary = owner.owner.summary()
    assert.equal(summary.total, result.chunks)
    assert.equal(summary.replicated, summary.total, `all chunks replicated: ${JSON.stringify(summary)}`)
    assert.equal(summary.recoveryConfidence, 'HIGH')
    const rep = owner.owner.replication()
    for (const c of rep.chunks) {
      const holders = new Set(c.holders.map(h => h.peerId))
      assert.equal(holders.size, 2, `chunk ${c.index} on two distinct holders`)
      assert.ok(!holders.has(owner.peerId), 'never on the owner itself')
    }
    owner.owner.refreshWriteState()
    assert.equal(owner.owner.writeState.state, 'ACTIVE')

    // holders really hold the bytes
    const held = mesh.nodes.filter(n => n !== owner).reduce((n, h) => n + h.holder.holdings().chunks, 0)
    assert.ok(held >= 2 * result.chunks, `holders hold ${held} chunk copies`)

    // a fresh machine: same root secret, empty data dir
    const secret = mesh.secretOf(owner)
    await mesh.stop(owner)
    const fresh = await mesh.add({ rootSecret: secret })
    assert.equal(fresh.peerId, owner.peerId, 'same identity from the same secret')
    await mesh.converge(5, [fresh])
    const h = createHash('sha256')
    const report = await fresh.owner.recover(piece => {
      h.update(piece)
    })
    t.diagnostic(
      `recover: ${report.chunks} chunks, ${mb(report.bytes)} MiB from ${report.holdersUsed.length} holders, ${report.retries} retries, ${report.ms} ms`
    )
    assert.equal(h.digest('hex'), expected, 'recovered bytes are exact')
    assert.equal(report.bytes, STATE_BYTES)
    assert.equal(report.version, 1)
    assert.ok(report.holdersUsed.length >= 2)
  })
})
