/**
 * Separate hosts on limited links: five daemons, each in its own network
 * namespace with its own address (scripts/lib/netns.ts), every link at
 * 200 Mbit/s except one holder's at 20 Mbit/s. A put of a few MiB must end
 * with two attested copies of every chunk (the slow holder among the
 * holders), and a fresh host restored from the phrase must recover the bytes
 * exactly. The put time is logged, not asserted (speed is the bench's job:
 * `npm run bench -- --only hosts`).
 *
 * Needs root and iproute2 (`ip`, `tc`); without them the test fails and says
 * so, it does not skip.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ReplicationResult, StatusResult } from '../../daemon/control/results.js'
import { cli, waitFor } from '../../scripts/lib/daemon-process.js'
import { HostMesh } from '../../scripts/lib/host-mesh.js'
import { describeRate, mbit, missingNetworkTools } from '../../scripts/lib/netns.js'
import { describeShortfall, replicationShortfall } from '../../scripts/lib/replication-check.js'

const FAST = mbit(200)
const SLOW = mbit(20)
const STATE_BYTES = 6 * 1024 * 1024 + 12_345
/** Quick registry refreshes so five fresh daemons find each other within seconds; everything else is the shipped default. */
const CONFIG = { registry: { refreshIntervalMs: '2s' } }

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('separate hosts, one holder on a link 10× slower', { timeout: 240_000 }, () => {
  let root: string
  let mesh: HostMesh | undefined
  const log = (line: string) => process.stdout.write(`# ${line}\n`)

  before(async () => {
    const missing = missingNetworkTools()
    // not a skip: a machine that cannot run this test must not report it as passed
    assert.equal(missing, undefined, `${missing}. Run the suite as root with iproute2 installed (CI does).`)
    root = await mkdtemp(join(tmpdir(), 'mk-hosts-'))
    mesh = await HostMesh.open(
      [
        { name: 'boot', rate: FAST },
        { name: 'owner', rate: FAST },
        { name: 'fast1', rate: FAST },
        { name: 'fast2', rate: FAST },
        { name: 'slow', rate: SLOW }
      ],
      { root, config: CONFIG, log }
    )
    await mesh.waitForViews(5)
  })

  after(async () => {
    await mesh?.close()
    if (root !== undefined) await rm(root, { recursive: true, force: true })
  })

  it('stores two attested copies of every chunk, the slow holder included, and recovers the bytes on a fresh host', async () => {
    const m = mesh as HostMesh
    const owner = m.node('owner')
    const slow = m.node('slow')
    const state = randomBytes(STATE_BYTES)
    const stateFile = join(root, 'state.bin')
    await writeFile(stateFile, state)

    const t0 = performance.now()
    const put = await cli(['put', stateFile, '--data-dir', owner.daemon.dataDir], { timeoutMs: 180_000 })
    const putMs = performance.now() - t0
    log(
      `put of ${(STATE_BYTES / 2 ** 20).toFixed(1)} MiB with holders at ${describeRate(FAST)} and one at ${describeRate(SLOW)}: ${(putMs / 1000).toFixed(2)} s`
    )
    assert.match(put, /^stored version 1: /m)

    // every chunk: two copies whose holders signed receipts and answer, as the owner reports them
    const rep = await waitFor(
      'every chunk to have 2 attested, reachable copies',
      async () => {
        const r = JSON.parse(await cli(['replication', '--json', '--data-dir', owner.daemon.dataDir])) as ReplicationResult
        return replicationShortfall(r).short.length === 0 ? r : undefined
      },
      120_000,
      1000
    ).catch(async (err: Error) => {
      const r = JSON.parse(await cli(['replication', '--json', '--data-dir', owner.daemon.dataDir])) as ReplicationResult
      throw new Error(`${err.message}: ${describeShortfall(replicationShortfall(r))}`)
    })
    assert.equal(rep.version, 1)
    assert.ok(rep.chunks.length >= Math.ceil(STATE_BYTES / 65_536), `${rep.chunks.length} chunks for ${STATE_BYTES} bytes`)
    const onSlow = rep.chunks.filter(c => c.holders.some(h => h.peerId === slow.peerId && h.attested)).length
    // the topology is what the test claims only if the slow link carried some of the copies
    assert.ok(onSlow > 0, 'the slow holder holds attested copies')
    log(`the slow holder holds ${onSlow} of ${rep.chunks.length} chunks`)

    // the owner's machine is lost; its phrase restores it on a host it never ran on
    await owner.daemon.stop('SIGTERM')
    const fresh = await m.add({ name: 'fresh', rate: FAST }, owner.phrase)
    assert.equal(fresh.peerId, owner.peerId, 'the phrase restores the same identity')
    await waitFor('the fresh host to see the holders', async () => (await fresh.daemon.call<StatusResult>('status')).registry.members >= 5, 120_000, 500)
    const out = join(root, 'recovered.bin')
    const t1 = performance.now()
    await cli(['recover', out, '--data-dir', fresh.daemon.dataDir], { timeoutMs: 180_000 })
    log(`recover on the fresh host: ${((performance.now() - t1) / 1000).toFixed(2)} s`)
    const got = await readFile(out)
    assert.equal(got.length, state.length)
    assert.equal(sha256(got), sha256(state), 'recovered bytes are exact')
  })
})
