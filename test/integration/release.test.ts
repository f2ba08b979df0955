import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { MAX_PIECE_BYTES, toHex } from '../../core/index.js'
import type { MeshNode } from '../../daemon/node/mesh-node.js'
import { TestMesh, waitFor } from '../helpers/mesh.js'
import { concat, patternStream } from '../helpers/streams.js'

const PIECES = 16
const log = process.env.MESHKEEP_TEST_LOG === '1' ? (msg: string, f?: Record<string, unknown>) => console.log(msg, JSON.stringify(f ?? {})) : undefined

/** The base state with some pieces replaced (piece index → pattern seed): versions share every other chunk. */
function variant(mods: Record<number, number>): Uint8Array {
  const out = concat([...patternStream(PIECES * MAX_PIECE_BYTES, 1 << 20, 21)])
  for (const [piece, seed] of Object.entries(mods)) out.set(concat([...patternStream(MAX_PIECE_BYTES, MAX_PIECE_BYTES, seed)]), Number(piece) * MAX_PIECE_BYTES)
  return out
}

describe('release: only the latest retainVersions versions stay at the holders', { timeout: 150_000 }, () => {
  const mesh = new TestMesh()
  let owner: MeshNode
  after(() => mesh.close())

  before(async () => {
    const nodes = await mesh.start(5, i =>
      i === 1 ? { log, owner: { retryBaseMs: 20, requestTimeoutMs: 5_000, gracePeriodMs: 60_000, retainVersions: 3, auditIntervalMs: 0 } } : {}
    )
    owner = nodes[1] as MeshNode
  })

  it('puts v1..v5 with retainVersions 3: holders end with exactly the chunks v3..v5 use, two copies each; a chunk dropped with v1 comes back with v5; the latest recovers exactly', async t => {
    // v5 brings back piece 1 of v1: its chunk is released with v1 and must be stored again
    const mods: Array<Record<number, number>> = [{ 1: 101 }, { 2: 102 }, { 3: 103 }, { 4: 104 }, { 1: 101, 5: 105 }]
    const states = mods.map(variant)
    const ids: Array<Set<string>> = [new Set()]
    const holders = () => mesh.nodes.filter(n => n !== owner)
    const copies = async (hex: string) => {
      let n = 0
      for (const h of holders()) if ((await h.holder.chunks.getChunk(owner.peerId, Buffer.from(hex, 'hex'))) !== undefined) n++
      return n
    }
    const everSeen = new Set<string>()
    for (const [k, state] of states.entries()) {
      const version = k + 1
      const r = await owner.owner.put([state])
      assert.equal(r.version, version)
      const mine = new Set((owner.owner.latestManifest?.chunks ?? []).map(c => toHex(c.id)))
      ids.push(mine)
      for (const id of mine) everSeen.add(id)
      const retained = Array.from({ length: Math.min(3, version) }, (_, i) => version - Math.min(3, version) + 1 + i)
      const used = new Set(retained.flatMap(v => [...(ids[v] as Set<string>)]))
      const started = Date.now()
      // background release after the put; wait until the holders show exactly the retained set
      await waitFor(
        async () => {
          if (
            owner.owner
              .versions()
              .map(v => v.version)
              .join() !== retained.join()
          )
            return false
          for (const id of everSeen) if ((await copies(id)) !== (used.has(id) ? 2 : 0)) return false
          return true
        },
        `after v${version}, holders hold v${retained[0]}..v${version}'s chunks twice and nothing else`,
        60_000
      )
      t.diagnostic(`v${version}: ${r.chunksSent} chunks sent, ${used.size} chunks retained, settled ${Date.now() - started} ms after the put`)
      // nothing a retained version needs is ever released: every chunk of v(version-2)..v(version) is still on two holders
      for (const v of retained) for (const id of ids[v] as Set<string>) assert.equal(await copies(id), 2)
      assert.equal(owner.owner.summary().replicated, owner.owner.summary().total)
    }

    const onlyV1 = [...(ids[1] as Set<string>)].filter(id => ![2, 3, 4].some(v => (ids[v] as Set<string>).has(id)))
    assert.equal(onlyV1.length, 1, 'v1 has one chunk v2..v4 do not use (piece 1): released after v4')
    assert.ok((ids[5] as Set<string>).has(onlyV1[0] as string), 'and v5 uses it again: it is held again after v5')
    const released = [...(ids[2] as Set<string>)].filter(id => ![3, 4, 5].some(v => (ids[v] as Set<string>).has(id)))
    assert.equal(released.length, 1)
    assert.equal(await copies(released[0] as string), 0, 'v2’s own chunk is gone from every holder')
    const total = holders().reduce((s, h) => s + (h.holder.holdings().owners.find(o => o.owner === owner.peerId)?.chunks ?? 0), 0)
    const used = new Set([3, 4, 5].flatMap(v => [...(ids[v] as Set<string>)]))
    assert.equal(total, 2 * used.size, 'holders hold two copies of each retained chunk, nothing more')
    for (const v of [1, 2, 3, 4, 5]) {
      let held = 0
      for (const h of holders()) if ((await h.holder.chunks.getManifest(owner.peerId, v)) !== undefined) held++
      if (v <= 2) assert.equal(held, 0, `manifest v${v} released`)
      else assert.ok(held >= 1, `manifest v${v} kept`)
    }

    // the latest version recovers exactly on a fresh node; recovery learns where every copy is
    const expected = createHash('sha256')
      .update(states[4] as Uint8Array)
      .digest('hex')
    const secret = mesh.secretOf(owner)
    await mesh.stop(owner)
    const fresh = await mesh.add({ rootSecret: secret, log, owner: { requestTimeoutMs: 5_000, auditIntervalMs: 0, autoRepair: false } })
    const live = holders()
      .filter(n => n !== fresh)
      .map(n => n.peerId)
    await mesh.refreshUntil(fresh, v => live.every(id => v.members.some(m => m.peerIdString === id)))
    const h = createHash('sha256')
    const report = await fresh.owner.recover(piece => {
      h.update(piece)
    })
    assert.equal(h.digest('hex'), expected, 'recovered bytes are exact')
    assert.equal(report.version, 5)
    await fresh.owner.whenCensusDone()
    const s = fresh.owner.summary()
    assert.equal(s.replicated, s.total, `after recovery every chunk shows its two copies: ${JSON.stringify(s)}`)
    for (const c of fresh.owner.replication().chunks) {
      assert.equal(new Set(c.holders.map(x => x.peerId)).size, 2)
      assert.ok(
        c.holders.every(x => !x.attested && x.reachable && x.leaseExpiresAt > Date.now()),
        'known by audit, not by receipt'
      )
    }
  })
})
