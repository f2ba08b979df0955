import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ChunkCipher, MAX_PIECE_BYTES, sealStream, toHex } from '../../core/index.js'
import type { MeshNode } from '../../daemon/node/mesh-node.js'
import { TestMesh, waitFor } from '../helpers/mesh.js'
import { concat, patternStream } from '../helpers/streams.js'

const PIECES = 12
const LEASE_MS = 10 * 60_000
const log = process.env.MESHKEEP_TEST_LOG === '1' ? (msg: string, f?: Record<string, unknown>) => console.log(msg, JSON.stringify(f ?? {})) : undefined

/** The base state with one piece replaced: versions share every other chunk. */
function variant(piece: number, seed: number): Uint8Array {
  const out = concat([...patternStream(PIECES * MAX_PIECE_BYTES, 1 << 20, 31)])
  out.set(concat([...patternStream(MAX_PIECE_BYTES, MAX_PIECE_BYTES, seed)]), piece * MAX_PIECE_BYTES)
  return out
}

const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('every retained version is kept alive: leases renewed, manifests kept, old versions readable', { timeout: 240_000 }, () => {
  const mesh = new TestMesh()
  // one wall clock for the whole mesh, moved by the test: leases, receipts and garbage collection all read it
  let clock = Date.now()
  const now = () => clock
  let owner: MeshNode
  after(() => mesh.close())

  before(async () => {
    const nodes = await mesh.start(5, i => ({
      holder: { now, gcIntervalMs: 3_600_000 },
      ...(i === 1
        ? {
            log,
            owner: {
              now,
              leaseMs: LEASE_MS,
              retainVersions: 3,
              // no local copies: every read below comes from the holders
              keepLocalChunks: false,
              autoRepair: false,
              auditIntervalMs: 0,
              retryBaseMs: 20,
              requestTimeoutMs: 5_000,
              gracePeriodMs: 60_000
            }
          }
        : {})
    }))
    owner = nodes[1] as MeshNode
  })

  it('after four lease periods of renewals and garbage collection, every retained version reads back exactly from the holders, and the holders keep exactly what they need', async t => {
    const states = [variant(1, 101), variant(2, 102), variant(3, 103)]
    for (const state of states) await owner.owner.put([state])
    await waitFor(() => owner.owner.versions().every(v => v.health.replicated === v.health.total), 'all three versions replicated', 60_000)
    const holders = () => mesh.nodes.filter(n => n !== owner)
    const started = clock
    for (let period = 1; period <= 4; period++) {
      // most of a lease later: every copy and manifest copy is due for renewal
      clock += Math.round(LEASE_MS * 0.8)
      const r = await owner.owner.repair()
      assert.equal(r.failed, 0, `period ${period}: ${JSON.stringify(r)}`)
      assert.ok(r.renewed > 0, `period ${period}: leases were renewed without resending bytes (${JSON.stringify(r)})`)
      assert.equal(r.moved, 0, `period ${period}: nothing had to be stored again`)
      // the holders collect whatever lease has ended: nothing a retained version needs
      for (const h of holders()) await h.holder.collectGarbage()
      for (const v of owner.owner.versions()) assert.equal(v.health.replicated, v.health.total, `period ${period}: version ${v.version} still fully replicated`)
    }
    t.diagnostic(`clock moved ${(clock - started) / LEASE_MS} lease periods`)

    for (const [k, state] of states.entries()) {
      const h = createHash('sha256')
      const report = await owner.owner.read(k + 1, piece => {
        h.update(piece)
      })
      assert.equal(h.digest('hex'), digest(state), `version ${k + 1} reads back exactly`)
      assert.equal(report.localChunks, 0, 'every chunk came from a holder')
    }

    // the holders hold exactly two copies of each chunk the three versions use, and each version's manifest twice
    const cipher = new ChunkCipher({ chunkKey: owner.keys.chunkKey, nonceKey: owner.keys.nonceKey, owner: owner.identity.peerId })
    const distinct = new Set<string>()
    for (const state of states) for await (const c of sealStream([state], cipher)) distinct.add(toHex(c.id))
    let copies = 0
    let manifests = 0
    for (const h of holders()) {
      const mine = h.holder.holdings().owners.find(o => o.owner === owner.peerId)
      copies += mine?.chunks ?? 0
      manifests += mine?.manifests ?? 0
    }
    assert.equal(copies, 2 * distinct.size)
    assert.equal(manifests, 6)
  })
})
