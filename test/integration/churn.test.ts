import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fromHex, rankHolders } from '../../core/index.js'
import type { MeshNode } from '../../daemon/node/mesh-node.js'
import { TestMesh, waitFor } from '../helpers/mesh.js'
import { patternStream } from '../helpers/streams.js'

const STATE_BYTES = 40 * 65_507
const log = process.env.MESHKEEP_TEST_LOG === '1' ? (msg: string, f?: Record<string, unknown>) => console.log(msg, JSON.stringify(f ?? {})) : undefined

type Placement = Map<string, string>

describe('churn: joins and leaves move only the placements rendezvous hashing moves', { timeout: 150_000 }, () => {
  const mesh = new TestMesh()
  let owner: MeshNode
  after(() => mesh.close())

  before(async () => {
    const nodes = await mesh.start(6, i =>
      i === 1 ? { log, owner: { retryBaseMs: 20, requestTimeoutMs: 5_000, gracePeriodMs: 60_000, auditIntervalMs: 1_000, repairAfterMs: 10 * 60_000 } } : {}
    )
    owner = nodes[1] as MeshNode
  })

  /** Each chunk of the latest version → its two holders (sorted, joined) as the owner's books have them. */
  const actual = (): Placement =>
    new Map(
      owner.owner.replication().chunks.map(c => [
        c.id,
        c.holders
          .map(h => h.peerId)
          .sort()
          .join(',')
      ])
    )
  /** The same, computed from scratch: the top two of each chunk's rendezvous ranking over the owner's current view. */
  const expected = (): Placement => {
    const members = owner.registry.view().members
    return new Map(
      owner.owner.replication().chunks.map(c => [
        c.id,
        rankHolders(fromHex(c.id), owner.identity.peerId, members, c.size)
          .slice(0, 2)
          .map(h => h.peerIdString)
          .sort()
          .join(',')
      ])
    )
  }
  const same = (a: Placement, b: Placement) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)
  const heldFor = (n: MeshNode) => n.holder.holdings().owners.find(o => o.owner === owner.peerId)?.chunks ?? 0

  it('places on the rendezvous primaries; a join moves exactly the chunks the newcomer now leads; a leave moves exactly the leaver’s chunks; the leaver is never chosen again', async t => {
    const v1 = await owner.owner.put(patternStream(STATE_BYTES, 1 << 20, 11))
    assert.equal(v1.fallbacks, 0)
    await waitFor(() => same(actual(), expected()), 'every chunk sits on its two rendezvous primaries')
    const total = () => mesh.nodes.filter(n => n !== owner).reduce((s, n) => s + heldFor(n), 0)
    assert.equal(total(), 2 * v1.chunks)

    // join: only chunks whose new top two include the newcomer move, and only to it
    const beforeJoin = actual()
    const epochBefore = owner.registry.view().epoch
    const joiner = await mesh.add()
    await mesh.refreshUntil(owner, v => v.members.some(m => m.peerIdString === joiner.peerId))
    assert.ok(owner.registry.view().epoch > epochBefore, 'one holder in six is a new epoch')
    const afterJoin = expected()
    const moved = [...afterJoin].filter(([id, hs]) => beforeJoin.get(id) !== hs)
    assert.ok(moved.length > 0, 'the newcomer leads some chunks')
    for (const [id, hs] of moved) {
      assert.ok(hs.split(',').includes(joiner.peerId), `chunk ${id.slice(0, 8)} moved only because the newcomer ranks in its top two`)
      const kept = hs.split(',').filter(h => h !== joiner.peerId)
      assert.ok(
        beforeJoin
          .get(id)
          ?.split(',')
          .includes(kept[0] as string),
        'its other primary is one of its old holders'
      )
    }
    await waitFor(() => same(actual(), afterJoin), 'the moved chunks sit on their new primaries', 60_000)
    // old copies are released once the new ones are attested: holders hold exactly two copies per chunk
    await waitFor(() => total() === 2 * v1.chunks && heldFor(joiner) === moved.length, 'surplus copies are released', 60_000)
    t.diagnostic(`join: ${moved.length} of ${v1.chunks} chunks moved to the newcomer, as many old copies released`)

    // leave: a holder tombstones itself and drops its data; only its chunks get a new holder, the next in their ranking
    const beforeLeave = actual()
    const leaver = mesh.nodes.filter(n => n !== owner && n !== joiner).sort((a, b) => heldFor(b) - heldFor(a))[0] as MeshNode
    const leaverChunks = [...beforeLeave].filter(([, hs]) => hs.split(',').includes(leaver.peerId)).map(([id]) => id)
    assert.ok(leaverChunks.length > 0)
    await leaver.registry.leave()
    await leaver.holder.drain()
    await mesh.refreshUntil(owner, v => !v.members.some(m => m.peerIdString === leaver.peerId))
    const afterLeave = expected()
    for (const [id, hs] of afterLeave) {
      if (leaverChunks.includes(id)) {
        const old = (beforeLeave.get(id) as string).split(',').filter(h => h !== leaver.peerId)
        assert.ok(hs.split(',').includes(old[0] as string), 'the remaining copy stays where it is')
      } else assert.equal(hs, beforeLeave.get(id), `chunk ${id.slice(0, 8)} did not involve the leaver and does not move`)
    }
    await waitFor(() => same(actual(), afterLeave), 'the leaver’s chunks have their next holders', 60_000).catch(err => {
      const now = actual()
      const wrong = [...afterLeave].filter(([id, hs]) => now.get(id) !== hs).map(([id, hs]) => `${id.slice(0, 8)}: on ${now.get(id)}, expected ${hs}`)
      throw new Error(
        `${(err as Error).message}; ${wrong.length} chunks misplaced: ${wrong.join('; ')}; last repair ${JSON.stringify(owner.owner.lastRepairReport)}`
      )
    })
    await waitFor(() => owner.owner.summary().replicated === v1.chunks, 'all Replicated again', 60_000)
    t.diagnostic(`leave: ${leaverChunks.length} chunks re-replicated on their next holders`)

    // a new version and more audit rounds: the tombstoned holder is never chosen again
    const v2 = await owner.owner.put(patternStream(STATE_BYTES, 1 << 20, 12))
    await waitFor(() => owner.owner.summary().replicated === v2.chunks && same(actual(), expected()), 'v2 sits on its primaries', 60_000)
    const auditAt = owner.owner.lastAudit?.at ?? 0
    await waitFor(() => (owner.owner.lastAudit?.at ?? 0) > auditAt + 1_000, 'two more audit rounds ran', 30_000)
    assert.equal(heldFor(leaver), 0, 'nothing was stored on the leaver')
    assert.ok(owner.owner.replication().chunks.every(c => c.holders.every(h => h.peerId !== leaver.peerId && h.peerId !== owner.peerId)))
    assert.equal(owner.owner.lastRepair?.failed ?? 0, 0)
  })
})
