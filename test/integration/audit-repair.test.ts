import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { bytesEqual, fromHex, sha256 } from '../../core/index.js'
import type { MeshNode } from '../../daemon/node/mesh-node.js'
import { auditProof, auditSpec, OK, serve } from '../../protocols/index.js'
import { TestMesh, waitFor } from '../helpers/mesh.js'
import { patternStream } from '../helpers/streams.js'

const STATE_BYTES = 20 * 65_507 // 20 chunks, 40 copies: one audit round (64) covers every copy
const log = process.env.MESHKEEP_TEST_LOG === '1' ? (msg: string, f?: Record<string, unknown>) => console.log(msg, JSON.stringify(f ?? {})) : undefined

describe('audits: damaged copies fail, are dropped and repaired elsewhere', { timeout: 150_000 }, () => {
  const mesh = new TestMesh()
  let owner: MeshNode
  after(() => mesh.close())

  before(async () => {
    // owner: no local copies, so repair must fetch from a remaining holder; audits every 500 ms
    const nodes = await mesh.start(6, i =>
      i === 1
        ? {
            log,
            owner: {
              retryBaseMs: 20,
              requestTimeoutMs: 5_000,
              gracePeriodMs: 60_000,
              keepLocalChunks: false,
              auditIntervalMs: 500,
              auditSample: 64,
              repairAfterMs: 10 * 60_000
            }
          }
        : {}
    )
    owner = nodes[1] as MeshNode
  })

  it('a copy corrupted on disk and a copy answered from wrong bytes fail their audits; both chunks are repaired on other holders; honest copies never fail', async t => {
    const result = await owner.owner.put(patternStream(STATE_BYTES, 1 << 20, 3))
    assert.equal(result.chunks, 20)
    await waitFor(() => owner.owner.summary().replicated === 20, 'the put is replicated')
    // a few rounds of honest audits: nothing fails
    const rounds = async (n: number) => {
      const first = owner.owner.lastAudit?.at ?? 0
      let seen = 0
      let last = first
      await waitFor(
        () => {
          const at = owner.owner.lastAudit?.at ?? 0
          if (at > last) {
            seen++
            last = at
          }
          return seen >= n
        },
        `${n} audit rounds ran`,
        60_000,
        50
      )
    }
    await rounds(3)
    assert.equal(owner.owner.auditFailures, 0, 'honest holders never fail')
    assert.ok((owner.owner.lastAudit?.passed ?? 0) >= 40, `a round challenges every copy: ${JSON.stringify(owner.owner.lastAudit)}`)

    const rep = owner.owner.replication()
    const [c1, c2] = [rep.chunks[3], rep.chunks[11]]
    assert.ok(c1 !== undefined && c2 !== undefined)
    const byId = (peerId: string) => mesh.nodes.find(n => n.peerId === peerId) as MeshNode
    // a different holder for each damage, so each failure is attributable
    const h1 = byId(c1.holders[0]?.peerId as string)
    const h2 = byId((c2.holders.find(h => h.peerId !== h1.peerId) ?? c2.holders[0])?.peerId as string)
    assert.notEqual(h1, h2)
    const id1 = fromHex(c1.id)
    const id2 = fromHex(c2.id)

    // 1) on-disk corruption at h1: the honest holder notices (hash ≠ id) and reports it missing
    const info = await h1.holder.chunks.info(owner.peerId, id1)
    assert.ok(info !== undefined)
    await h1.holder.chunks.putChunks(owner.peerId, [{ id: id1, bytes: new Uint8Array(randomBytes(c1.size)) }], info.storedAt, info.leaseExpiresAt)
    // 2) h2 keeps its copy but answers audits of c2 from wrong bytes: only the owner's proof check catches it
    const wrong = new Uint8Array(randomBytes(c2.size))
    let lied = 0
    await serve(h2.libp2p, auditSpec, async (req, ctx) => {
      const proofs = []
      for (const c of req.challenges) {
        const lie = bytesEqual(c.id, id2)
        if (lie) lied++
        const data = lie ? wrong : await h2.holder.chunks.getChunk(ctx.remotePeer.toString(), c.id)
        proofs.push(auditProof(c.nonce, data === undefined ? undefined : { bytes: data, leaseExpiresAt: Date.now() + 3_600_000 }))
      }
      return { ...OK, proofs }
    })

    const started = Date.now()
    await waitFor(() => owner.owner.auditFailures >= 2, 'both damaged copies failed an audit', 60_000)
    const detectedMs = Date.now() - started
    await waitFor(
      () => {
        const r = owner.owner.replication()
        const ok = (hex: string, bad: string) => {
          const c = r.chunks.find(x => x.id === hex)
          return c?.health === 'Replicated' && c.holders.length === 2 && !c.holders.some(h => h.peerId === bad || h.peerId === owner.peerId)
        }
        return ok(c1.id, h1.peerId) && ok(c2.id, h2.peerId)
      },
      'both chunks have two copies again, neither on the holder that failed',
      60_000
    )
    const repairedMs = Date.now() - started
    t.diagnostic(`failures detected in ${detectedMs} ms, repaired in ${repairedMs} ms; last repair ${JSON.stringify(owner.owner.lastRepair)}`)
    assert.ok(lied > 0)
    assert.ok(owner.owner.lastRepairReport !== undefined)

    // the damaged copy was deleted by h1 itself; the new holders really hold the exact bytes
    assert.equal(await h1.holder.chunks.getChunk(owner.peerId, id1), undefined, 'h1 deleted the copy it found damaged')
    for (const [hex, id] of [
      [c1.id, id1],
      [c2.id, id2]
    ] as const) {
      for (const h of owner.owner.replication().chunks.find(x => x.id === hex)?.holders ?? []) {
        const data = await byId(h.peerId).holder.chunks.getChunk(owner.peerId, id)
        assert.ok(data !== undefined && bytesEqual(sha256(data), id), `holder ${h.peerId} holds the exact chunk`)
        assert.equal(h.attested, true, 'repaired copies carry a verified receipt')
      }
    }
    assert.equal(owner.owner.summary().replicated, 20)

    // more rounds: the repaired set passes, and no other copy ever failed
    await rounds(3)
    assert.equal(owner.owner.auditFailures, 2, 'exactly the two damaged copies failed')
  })
})
