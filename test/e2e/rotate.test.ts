/**
 * `meshkeep rotate` against real daemons, killed with SIGKILL at every step
 * of the rotation (the daemon's test hook holds it before a step, so the
 * kill lands exactly there; two more kills land at seeded random moments
 * inside the re-put and the release). After each kill, a fresh node
 * restored from a phrase (`init --recover` + `recover`) must rebuild the
 * state bit-exact: the old phrase until the handoff is published, the new
 * one from the point the new identity is replicated. After the handoff the
 * old phrase fails with IDENTITY_ROTATED and the date; after the release
 * no holder keeps anything of the old identity. A second owner then
 * rotates without interruption through the CLI: the daemon switches
 * identity in place and follows through to the end.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { HoldingsResult, StatusResult } from '../../daemon/control/results.js'
import { decodeKeyFile } from '../../daemon/datadir/index.js'
import { peerIdOf, type RotationStatus } from '../../daemon/rotation/index.js'
import { type DaemonProcess, freePort, initNode, runCli, Workspace, waitFor } from '../../scripts/lib/daemon-process.js'

const SEED = 0x5eed_14
const MESH_CONFIG = { registry: { refreshIntervalMs: '2s' } }

/** mulberry32: a small seeded PRNG, so the state and the random kill moments repeat from run to run. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('meshkeep rotate against real daemons', { timeout: 600_000 }, () => {
  const ws = new Workspace()
  const random = prng(SEED)
  let boot: DaemonProcess
  let holders: DaemonProcess[] = []
  let owner: DaemonProcess
  let ownerDir: string
  let oldPhrase: string
  let oldPeerId: string
  let newPhrase = ''
  let newPeerId = ''
  let state: Buffer
  let verifiers = 0

  const startOwner = (hold?: string, config: Record<string, unknown> = {}) =>
    ws.start({
      dataDir: ownerDir,
      bootstrap: [boot.addr],
      config: { ...MESH_CONFIG, ...config },
      env: hold === undefined ? {} : { MESHKEEP_TEST_ROTATION_HOLD: hold }
    })
  const rotation = (d: DaemonProcess) => d.call<RotationStatus>('rotation')
  const killOwner = async () => {
    owner.kill()
    assert.equal((await owner.exited).signal, 'SIGKILL')
  }
  const heldAt = (step: string) =>
    waitFor(
      `the rotation to be held at ${step}`,
      async () => {
        const s = await rotation(owner)
        return s.state === step && s.held === true ? s : undefined
      },
      120_000,
      250
    )
  /**
   * Waits until the step under way says it is doing `what`, then kills the
   * owner after a seeded random delay of up to `maxMs`: a kill inside the
   * step's work, not only between steps. Returns where the rotation was.
   */
  const killWithin = async (what: RegExp, maxMs: number): Promise<RotationStatus> => {
    await waitFor(
      `the rotation to be ${what.source}`,
      async () => {
        const s = await rotation(owner)
        return what.test(s.waitingFor ?? '') || s.held === true ? s : undefined
      },
      120_000,
      50
    )
    await new Promise(resolve => setTimeout(resolve, Math.floor(random() * maxMs)))
    const at = await rotation(owner)
    await killOwner()
    return at
  }
  const nodeKeyPeer = async () => {
    const path = join(ownerDir, 'node.key')
    return peerIdOf((await decodeKeyFile(await readFile(path, 'utf8'), path)).rootSecret)
  }

  /**
   * A fresh machine: `init --recover` with `phrase`, a daemon, `recover`.
   * The node then leaves the registry and stops, so an identity restored
   * only to check it does not linger as a holder.
   */
  async function recoverWith(phrase: string): Promise<{ code: number | null; stdout: string; stderr: string; bytes?: Buffer }> {
    const dir = await ws.path(`verify-${++verifiers}`)
    const init = await runCli(['init', '--data-dir', dir, '--recover'], { input: `${phrase}\n` })
    assert.equal(init.code, 0, init.stderr)
    const d = await ws.start({ dataDir: dir, bootstrap: [boot.addr], config: MESH_CONFIG })
    try {
      // no wait here: recover itself waits until the registry view has settled, as it does for a user
      const out = join(dir, 'recovered.bin')
      const r = await runCli(['recover', out, '--data-dir', dir], { timeoutMs: 180_000 })
      return { ...r, ...(r.code === 0 ? { bytes: await readFile(out) } : {}) }
    } finally {
      await runCli(['leave', '--data-dir', dir])
      await d.stop('SIGTERM')
    }
  }
  async function recovers(phrase: string, who: string, expected = state): Promise<void> {
    const r = await recoverWith(phrase)
    assert.equal(r.code, 0, `the ${who} phrase recovers: ${r.stderr}`)
    assert.equal(sha256(r.bytes as Buffer), sha256(expected), `the ${who} phrase recovers the state bit-exact`)
  }
  async function rotatedAway(phrase: string, rotatedAt: number, from = oldPeerId, to = newPeerId): Promise<void> {
    const r = await recoverWith(phrase)
    assert.equal(r.code, 1, `the old phrase must fail: ${r.stdout}`)
    const date = new Date(rotatedAt).toISOString()
    assert.match(r.stderr, /^error IDENTITY_ROTATED: /m)
    assert.ok(r.stderr.includes(`this identity (${from}) was rotated on ${date}; its state now lives under ${to}: recover with the new phrase`), r.stderr)
  }
  /** What the three holders keep for `peerId`: chunks and manifests in all, and per holder in words. */
  async function heldFor(peerId: string): Promise<{ items: number; detail: string }> {
    let items = 0
    const detail: string[] = []
    for (const d of [boot, ...holders]) {
      const h = await d.call<HoldingsResult>('holdings')
      const o = h.owners.find(x => x.owner === peerId)
      items += (o?.chunks ?? 0) + (o?.manifests ?? 0)
      if (o !== undefined) detail.push(`${d.peerId}: ${o.chunks} chunks, ${o.manifests} manifests`)
    }
    return { items, detail: detail.join('; ') }
  }

  before(async () => {
    const dirs = await Promise.all(['boot', 'h1', 'h2', 'owner'].map(n => ws.path(n)))
    ownerDir = dirs[3] as string
    const inits = await Promise.all(dirs.map(d => initNode(d)))
    oldPhrase = inits[3]?.phrase as string
    oldPeerId = inits[3]?.peerId as string
    boot = await ws.start({ dataDir: dirs[0] as string, config: MESH_CONFIG })
    holders = await Promise.all(dirs.slice(1, 3).map(d => ws.start({ dataDir: d, bootstrap: [boot.addr], config: MESH_CONFIG })))
    owner = await startOwner()
    const all = [boot, ...holders, owner]
    await waitFor(
      'every registry to see 4 members',
      async () => (await Promise.all(all.map(d => d.call<StatusResult>('status')))).every(s => s.registry.members >= 4),
      90_000,
      500
    )
    const bytes = Buffer.alloc(24 * 65_507 + 1234)
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256)
    state = bytes
    const file = await ws.path('state.bin')
    await writeFile(file, state)
    const put = await runCli(['put', file, '--data-dir', ownerDir])
    assert.equal(put.code, 0, put.stderr)
    await waitFor('the state to be replicated', async () => {
      const s = await owner.call<StatusResult>('status')
      return s.chunks.total > 0 && s.chunks.replicated === s.chunks.total
    })
  })
  after(() => ws.close())

  it('a rotation prepared but never confirmed is discarded at restart; nothing changed', async () => {
    const prepared = await owner.call<{ state: string; to: string; phrase: string }>('rotate')
    assert.equal(prepared.state, 'prepared')
    assert.equal(prepared.phrase.split(' ').length, 24)
    assert.ok(existsSync(join(ownerDir, 'rotation-new.key')), 'the prepared secret is sealed on disk')
    await killOwner()
    owner = await startOwner()
    assert.equal(owner.peerId, oldPeerId, 'the node still runs as the old identity')
    assert.equal((await rotation(owner)).state, 'none')
    assert.equal(existsSync(join(ownerDir, 'rotation-new.key')), false, 'the void secret is gone')
    await recovers(oldPhrase, 'old')
  })

  it('killed after the confirmation: node.key still holds the old secret, the old phrase recovers', async () => {
    await owner.stop('SIGTERM')
    owner = await startOwner('confirmed')
    const r = await runCli(['rotate', '--json', '--data-dir', ownerDir])
    assert.equal(r.code, 0, r.stderr)
    const shown = JSON.parse(r.stdout) as { from: string; to: string; phrase: string }
    assert.equal(shown.from, oldPeerId)
    newPhrase = shown.phrase
    newPeerId = shown.to
    assert.notEqual(newPeerId, oldPeerId)
    await heldAt('confirmed')
    assert.equal(await nodeKeyPeer(), oldPeerId)
    await killOwner()
    await recovers(oldPhrase, 'old')
  })

  it('killed after the switch: the node restarts as the new identity, the old phrase recovers', async () => {
    owner = await startOwner('switched')
    assert.equal(owner.peerId, newPeerId, 'the interrupted switch is finished at start')
    assert.equal(await nodeKeyPeer(), newPeerId)
    assert.ok(existsSync(join(ownerDir, 'rotation-old.key')), 'the old secret is kept until its data is released')
    assert.equal(existsSync(join(ownerDir, 'rotation-new.key')), false)
    await heldAt('switched')
    const refused = await runCli(['put', '-', '--data-dir', ownerDir], { input: 'x' })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^error BUSY: a rotation is carrying the state over/m)
    await killOwner()
    await recovers(oldPhrase, 'old')
  })

  it('killed during the re-put and after it: the old phrase recovers', async t => {
    // an upload cap stretches the re-put (3 MiB of copies) over a few seconds, so the kill lands inside it
    owner = await startOwner('reput', { limits: { uploadBytesPerSecond: '512KiB' } })
    const at = await killWithin(/^re-putting/, 1500)
    t.diagnostic(`killed in step ${at.state}${at.waitingFor === undefined ? '' : ` (${at.waitingFor})`}`)
    owner = await startOwner('reput')
    const s = await heldAt('reput')
    assert.deepEqual(s.reput, { fromVersion: 1, toVersion: 1 }, 'version 1 is carried over once')
    const status = await owner.call<StatusResult>('status')
    assert.equal(status.version, 1)
    assert.equal(status.size, state.length)
    await killOwner()
    await recovers(oldPhrase, 'old')
  })

  it('killed once the new identity is replicated: both phrases recover', async () => {
    owner = await startOwner('replicated')
    const s = await heldAt('replicated')
    assert.ok(s.rotatedAt !== undefined)
    await killOwner()
    await Promise.all([recovers(oldPhrase, 'old'), recovers(newPhrase, 'new')])
  })

  it('killed after the handoff is published: the new phrase recovers, the old one says where the state went', async () => {
    owner = await startOwner('handoff-published')
    const s = await heldAt('handoff-published')
    await killOwner()
    await Promise.all([recovers(newPhrase, 'new'), rotatedAway(oldPhrase, s.rotatedAt as number)])
  })

  it('killed during the release and after it: the holders keep nothing of the old identity', async t => {
    owner = await startOwner('released')
    const at = await killWithin(/^releasing|^tombstoning/, 300)
    t.diagnostic(`killed in step ${at.state}${at.waitingFor === undefined ? '' : ` (${at.waitingFor})`}`)
    owner = await startOwner('released')
    const s = await heldAt('released')
    await killOwner()
    assert.deepEqual(s.release?.unreached ?? [], [])
    const left = await heldFor(oldPeerId)
    assert.equal(left.items, 0, `no chunk or manifest of the old identity is left at the holders: ${left.detail}`)
    assert.ok((await heldFor(newPeerId)).items > 0)
    await Promise.all([recovers(newPhrase, 'new'), rotatedAway(oldPhrase, s.rotatedAt as number)])
  })

  it('resumed to the end: the old secret and records are gone, only the new phrase recovers', async () => {
    owner = await startOwner()
    const s = await waitFor(
      'the rotation to finish',
      async () => {
        const r = await rotation(owner)
        return r.state === 'done' ? r : undefined
      },
      120_000,
      250
    )
    assert.equal(s.from, oldPeerId)
    assert.equal(s.to, newPeerId)
    assert.equal(existsSync(join(ownerDir, 'rotation-old.key')), false, 'the old secret left the disk')
    assert.equal(await nodeKeyPeer(), newPeerId)
    const human = await runCli(['rotate', '--status', '--data-dir', ownerDir])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^rotation\s+done$/m)
    assert.match(human.stdout, new RegExp(`^step\\s+done: rotated from ${oldPeerId} to ${newPeerId}$`, 'm'))
    const again = await runCli(['get', '-', '--data-dir', ownerDir])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(sha256(again.stdoutBytes), sha256(state), 'the node reads its state back as the new identity')
    await Promise.all([recovers(newPhrase, 'new'), rotatedAway(oldPhrase, s.rotatedAt as number)])
  })

  it('uninterrupted: `meshkeep rotate` shows the phrase, the daemon switches in place and follows through to the end', async () => {
    const dir = await ws.path('owner2')
    const first = await initNode(dir)
    const metricsPort = await freePort()
    const d = await ws.start({
      dataDir: dir,
      bootstrap: [boot.addr],
      config: { ...MESH_CONFIG, metrics: { enabled: true, listen: `127.0.0.1:${metricsPort}` } }
    })
    const mine = Buffer.alloc(2 * 65_507 + 77)
    for (let i = 0; i < mine.length; i++) mine[i] = Math.floor(random() * 256)
    const file = await ws.path('state2.bin')
    await writeFile(file, mine)
    assert.equal((await runCli(['put', file, '--data-dir', dir])).code, 0)
    await waitFor('the second state to be replicated', async () => {
      const s = await d.call<StatusResult>('status')
      return s.chunks.total > 0 && s.chunks.replicated === s.chunks.total
    })

    const r = await runCli(['rotate', '--data-dir', dir], { timeoutMs: 180_000 })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^Rotating ${first.peerId} to a new identity (12D3KooW\\w+)\\.$`, 'm'))
    const to = (r.stdout.match(/to a new identity (12D3KooW\w+)\./) as RegExpMatchArray)[1] as string
    const phrase = (r.stdout.match(/^ {2}((?:[a-z]+ ){23}[a-z]+)$/m) as RegExpMatchArray)[1] as string
    assert.match(r.stdout, /WARNING: this phrase is shown once and never again/)
    assert.match(r.stdout, new RegExp(`^done: rotated from ${first.peerId} to ${to}$`, 'm'))
    assert.ok(d.running, 'the same daemon process carried the rotation out')
    assert.equal((await d.call<{ peerId: string }>('id')).peerId, to, 'it now answers as the new identity')
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    assert.match(metrics, /^meshkeep_state_version 1$/m, "meshkeep's families survive the new libp2p node")
    assert.match(metrics, /^libp2p_connection_manager_connections\{/m, "and libp2p's are the new node's")
    const s = await d.call<RotationStatus>('rotation')
    assert.equal(s.state, 'done')
    await Promise.all([recovers(phrase, 'new', mine), rotatedAway(first.phrase, s.rotatedAt as number, first.peerId, to)])
  })
})
