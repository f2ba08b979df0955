/**
 * A small mesh of real daemons on 127.0.0.1, driven only through the built
 * CLI: put, status, replication, holdings, get, a refused write in DEGRADED,
 * a restart without loss, recovery on a fresh data dir from the phrase
 * alone, and leave.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { WRITE_STATE_ADVICE } from '../../core/index.js'
import type { HoldingsResult, ReplicationResult, StatusResult } from '../../daemon/control/results.js'
import { type DaemonProcess, type InitResult, initNode, runCli, Workspace, waitFor } from '../../scripts/lib/daemon-process.js'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** Holders take at most 1 MiB per owner here, so a 3 MiB state cannot be fully replicated on three holders. */
const MESH_CONFIG = { registry: { refreshIntervalMs: '2s' }, holder: { ownerQuotaBytes: '1MiB' } }

async function status(d: DaemonProcess): Promise<StatusResult> {
  return d.call<StatusResult>('status')
}

describe('a mesh of daemons, through the CLI', { timeout: 240_000 }, () => {
  const ws = new Workspace()
  let boot: DaemonProcess
  let owner: DaemonProcess
  let h1: DaemonProcess
  let h2: DaemonProcess
  let ownerInit: InitResult
  let state: Buffer
  let stateFile: string

  before(async () => {
    const dirs = await Promise.all(['boot', 'owner', 'h1', 'h2'].map(n => ws.path(n)))
    const inits = await Promise.all(dirs.map(d => initNode(d)))
    ownerInit = inits[1] as InitResult
    boot = await ws.start({ dataDir: dirs[0] as string, config: MESH_CONFIG })
    ;[owner, h1, h2] = await Promise.all([
      ws.start({ dataDir: dirs[1] as string, bootstrap: [boot.addr], config: MESH_CONFIG }),
      ws.start({ dataDir: dirs[2] as string, bootstrap: [boot.addr], config: MESH_CONFIG }),
      // h2 is also an owner with no grace period: it goes DEGRADED as soon as a version lacks copies.
      // One store at a time: holders check their quota before an earlier batch is written, so
      // concurrent batches from one owner can overshoot it (a holder-side race, reported).
      ws.start({ dataDir: dirs[3] as string, bootstrap: [boot.addr], config: { ...MESH_CONFIG, owner: { gracePeriodMs: 0, concurrency: 1 } } })
    ])
    const all = [boot, owner, h1, h2]
    await waitFor('every registry to see 4 members', async () => (await Promise.all(all.map(status))).every(s => s.registry.members >= 4), 90_000, 500)
    state = randomBytes(512 * 1024 + 321)
    stateFile = await ws.path('state.bin')
    await writeFile(stateFile, state)
  })
  after(() => ws.close())

  it('put stores a version with two attested remote copies of every chunk; status is ACTIVE', async () => {
    const put = await runCli(['put', stateFile, '--data-dir', owner.dataDir])
    assert.equal(put.code, 0, put.stderr)
    assert.match(put.stdout, /^stored version 1: /m)
    assert.equal(put.stderr, '', 'no progress output when stderr is not a TTY')

    const s = JSON.parse((await runCli(['status', '--json', '--data-dir', owner.dataDir])).stdout) as StatusResult
    assert.equal(s.writeState, 'ACTIVE')
    assert.equal(s.version, 1)
    assert.equal(s.size, state.length)
    assert.ok(s.chunks.total >= 9, `${s.chunks.total} chunks`)
    assert.equal(s.chunks.replicated, s.chunks.total, JSON.stringify(s.chunks))
    assert.equal(s.healthRatio, 1)
    assert.equal(s.recoveryConfidence, 'HIGH')
    assert.ok(s.peers >= 1)
    const human = await runCli(['status', '--data-dir', owner.dataDir])
    assert.match(human.stdout, /write state\s+ACTIVE/)
    assert.doesNotMatch(human.stdout, /PROVISIONAL:|ISOLATED:|DEGRADED:/, 'no advice line when ACTIVE')

    const rep = JSON.parse((await runCli(['replication', '--json', '--data-dir', owner.dataDir])).stdout) as ReplicationResult
    assert.equal(rep.version, 1)
    assert.equal(rep.chunks.length, s.chunks.total)
    for (const c of rep.chunks) {
      const holders = new Set(c.holders.map(h => h.peerId))
      assert.equal(holders.size, 2, `chunk ${c.index} on two distinct holders`)
      assert.ok(!holders.has(owner.peerId), 'never on the owner itself')
      assert.ok(c.holders.every(h => h.attested))
      assert.equal(c.health, 'Replicated')
    }

    let held = 0
    for (const d of [boot, h1, h2]) {
      const h = JSON.parse((await runCli(['holdings', '--json', '--data-dir', d.dataDir])).stdout) as HoldingsResult
      held += h.owners.find(o => o.owner === owner.peerId)?.chunks ?? 0
    }
    assert.ok(held >= 2 * s.chunks.total, `the holders hold ${held} copies of ${s.chunks.total} chunks`)
  })

  it('get reads the latest version back byte for byte, writes OUT atomically, and refuses other versions', async () => {
    const out = await ws.path('got.bin')
    const r = await runCli(['get', out, '--data-dir', owner.dataDir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /read version 1: /)
    assert.equal(sha256(await readFile(out)), sha256(state))
    assert.deepEqual(
      (await readdir(await ws.dir())).filter(f => f.includes('meshkeep-tmp')),
      [],
      'no temp file left'
    )

    const stdout = await runCli(['get', '-', '--version', '1', '--data-dir', owner.dataDir])
    assert.equal(stdout.code, 0, stdout.stderr)
    assert.equal(sha256(stdout.stdoutBytes), sha256(state), '`get -` writes the state to stdout')
    assert.match(stdout.stderr, /read version 1: /, 'and its report to stderr')

    const other = await ws.path('v2.bin')
    const v2 = await runCli(['get', other, '--version', '2', '--data-dir', owner.dataDir])
    assert.equal(v2.code, 1)
    assert.match(v2.stderr, /^error NOT_FOUND: version 2 is not retained on this node; retained versions: 1$/m)
    await assert.rejects(readFile(other), /ENOENT/, 'a refused get leaves no file')
  })

  it('in DEGRADED a put is refused with WRITE_BLOCKED and its explanation', async () => {
    const big = await ws.path('big.bin')
    await writeFile(big, randomBytes(3 * 1024 * 1024))
    const first = await runCli(['put', big, '--data-dir', h2.dataDir])
    assert.equal(first.code, 0, first.stderr)
    const s = await status(h2)
    assert.ok(s.chunks.replicated < s.chunks.total, `the holders ran out of quota: ${JSON.stringify(s.chunks)}`)
    assert.equal(s.writeState, 'DEGRADED')
    const human = await runCli(['status', '--data-dir', h2.dataDir])
    assert.ok(human.stdout.includes(WRITE_STATE_ADVICE.DEGRADED), human.stdout)

    const refused = await runCli(['put', stateFile, '--data-dir', h2.dataDir])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^error WRITE_BLOCKED: write refused in state DEGRADED/m)
    assert.match(refused.stderr, /new writes are refused until the latest version is replicated again/)
    assert.equal((await status(h2)).version, 1, 'the refused put wrote nothing')
  })

  it('a daemon stopped with SIGTERM and started again keeps its state', async () => {
    const exit = await owner.stop('SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null })
    owner = await ws.start({ dataDir: owner.dataDir, bootstrap: [boot.addr], config: MESH_CONFIG })
    const s = await status(owner)
    assert.equal(s.version, 1)
    assert.equal(s.size, state.length)
    assert.equal(s.chunks.replicated, s.chunks.total, 'attestations survive the restart')
    const out = await ws.path('after-restart.bin')
    const r = await runCli(['get', out, '--data-dir', owner.dataDir])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(sha256(await readFile(out)), sha256(state))
  })

  it('recover rebuilds the state on a fresh data dir from the recovery phrase alone', async () => {
    // the owner's machine is lost
    await owner.stop('SIGTERM')
    const fresh = await ws.path('fresh')
    const init = await runCli(['init', '--data-dir', fresh, '--recover'], { input: `${ownerInit.phrase}\n` })
    assert.equal(init.code, 0, init.stderr)
    const d = await ws.start({ dataDir: fresh, bootstrap: [boot.addr], config: MESH_CONFIG })
    assert.equal(d.peerId, owner.peerId, 'the phrase gives back the identity')
    assert.equal((await status(d)).version, null, 'nothing on this machine yet')
    await waitFor('the fresh node to see the holders', async () => (await status(d)).registry.members >= 4, 60_000, 500)

    const out = await ws.path('recovered.bin')
    const r = await runCli(['recover', out, '--data-dir', fresh])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(sha256(await readFile(out)), sha256(state), 'byte-exact')
    assert.match(r.stdout, /^recovered version 1: 512\.3 KiB in \d+ chunks from \d+ holders?, \d+ retries, /m)
    assert.match(r.stdout, /^holders used: 12D3KooW/m)
    const s = await status(d)
    assert.equal(s.version, 1, 'the recovered version is now this node’s latest')
  })

  it('leave publishes a tombstone and drops what it held; the others stop counting it', async () => {
    const before = JSON.parse((await runCli(['holdings', '--json', '--data-dir', h1.dataDir])).stdout) as HoldingsResult
    assert.ok(before.chunks > 0)
    const r = await runCli(['leave', '--data-dir', h1.dataDir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^left the registry; dropped ${before.chunks} chunks`, 'm'))
    const afterLeave = JSON.parse((await runCli(['holdings', '--json', '--data-dir', h1.dataDir])).stdout) as HoldingsResult
    assert.equal(afterLeave.chunks, 0)
    assert.equal(afterLeave.bytes, 0)
    await waitFor('the bootstrap node to drop h1 from its view', async () => (await status(boot)).registry.members === 3, 60_000, 1000)
  })
})
