/**
 * `npm run testbed`: a local 5-node meshkeep mesh on 127.0.0.1, driven
 * through the built CLI like a user would. It starts a bootstrap daemon and
 * four more, stores an 8 MiB state from one node, shows status and
 * replication, stops a holder and shows what the owner does about it, then
 * loses the owner's machine and recovers the state on a fresh data dir from
 * the recovery phrase alone. Exit code 0 only on a byte-exact recovery.
 *
 * Every daemon and the temp dir are removed on exit, on failure and on
 * Ctrl-C; the whole run is bounded (TESTBED_DEADLINE_MS).
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReplicationResult, StatusResult } from '../daemon/control/results.js'
import { DaemonProcess, type InitResult, initNode, runCli, stopAllChildren, waitFor } from './lib/daemon-process.js'

const NODES = 5
const STATE_BYTES = 8 * 1024 * 1024
const TESTBED_DEADLINE_MS = 5 * 60_000
const STEPS = 9

/** Short timers so the testbed shows audits and repair within seconds instead of the production minutes. */
const NODE_CONFIG = {
  logLevel: 'info',
  registry: { refreshIntervalMs: '2s' },
  owner: { gracePeriodMs: '30s', auditIntervalMs: '3s', repairAfterMs: '4s', requestTimeoutMs: '5s' }
}

const started = Date.now()
const keep = process.argv.includes('--keep')
const daemons: DaemonProcess[] = []
let root: string | undefined
let cleaning: Promise<void> | undefined

function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`
}

function step(n: number, text: string): void {
  process.stdout.write(`\n[${n}/${STEPS}] ${text}   (${elapsed()})\n`)
}

function info(text: string): void {
  for (const line of text.replace(/\n+$/, '').split('\n')) process.stdout.write(`      ${line}\n`)
}

const short = (peerId: string) => `${peerId.slice(0, 12)}…${peerId.slice(-4)}`
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(daemons.map(d => d.stop('SIGTERM', 15_000)))
    // and any daemon still starting when the run ended
    await stopAllChildren(15_000)
    if (root !== undefined) {
      if (keep) process.stdout.write(`\nkept ${root} (--keep)\n`)
      else await rm(root, { recursive: true, force: true })
    }
  })()
  return cleaning
}

let finishing = false

async function finish(code: number, why?: string): Promise<never> {
  // the first reason wins: a Ctrl-C makes the step in progress fail too, which says nothing new
  if (finishing) return new Promise<never>(() => {})
  finishing = true
  if (why !== undefined) process.stdout.write(`\n${why}\n`)
  await cleanup()
  process.stdout.write(`\ntestbed ${code === 0 ? 'PASS' : 'FAIL'} in ${elapsed().trim()}\n`)
  process.exit(code)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (finishing) process.exit(130)
    void finish(130, `${signal}: stopping every daemon and removing ${root ?? 'the temp dir'}`)
  })
}
setTimeout(() => void finish(1, `the testbed did not finish within ${TESTBED_DEADLINE_MS / 60_000} minutes`), TESTBED_DEADLINE_MS).unref()

async function cliOut(args: string[]): Promise<string> {
  const r = await runCli(args, { timeoutMs: 120_000 })
  if (r.code !== 0) throw new Error(`meshkeep ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
  return r.stdout
}

async function status(d: DaemonProcess): Promise<StatusResult> {
  return d.call<StatusResult>('status')
}

async function startDaemon(name: string, dataDir: string, bootstrap: string[]): Promise<DaemonProcess> {
  const log = createWriteStream(join(root as string, `${name}.log`))
  // logs go to files: the terminal shows the story, the files the details (--keep to read them)
  const d = await DaemonProcess.start({ dataDir, bootstrap, config: NODE_CONFIG, onLog: line => log.write(`${line}\n`) })
  daemons.push(d)
  return d
}

async function main(): Promise<void> {
  process.stdout.write(
    `meshkeep testbed: ${NODES} daemons on 127.0.0.1, an ${STATE_BYTES / 1024 / 1024} MiB state, one holder lost, the owner's machine lost\n`
  )
  root = await mkdtemp(join(tmpdir(), 'meshkeep-testbed-'))

  step(1, `init ${NODES} data dirs under ${root}`)
  const names = Array.from({ length: NODES }, (_, i) => (i === 0 ? 'boot' : `node${i}`))
  const inits: InitResult[] = []
  for (const name of names) {
    const r = await initNode(join(root, name))
    inits.push(r)
    info(`${name.padEnd(6)} ${r.peerId}`)
  }

  step(2, 'start the bootstrap daemon')
  const boot = await startDaemon('boot', join(root, 'boot'), [])
  info(`boot   listens on ${boot.addr}`)

  step(3, `start ${NODES - 1} daemons bootstrapping to it (free ports, one control socket each)`)
  const rest = await Promise.all(names.slice(1).map(name => startDaemon(name, join(root as string, name), [boot.addr])))
  const all = [boot, ...rest]
  for (const [i, d] of rest.entries()) info(`${names[i + 1]?.padEnd(6)} ${d.addr}`)

  step(4, `wait until every registry sees ${NODES} members`)
  await waitFor(
    `${NODES} registry members everywhere`,
    async () => {
      const views = await Promise.all(all.map(status))
      return views.every(s => s.registry.members >= NODES)
    },
    120_000,
    500
  )
  info(`converged: ${(await Promise.all(all.map(status))).map((s, i) => `${names[i]} ${s.registry.members}`).join(', ')}`)

  const owner = rest[0] as DaemonProcess
  const ownerName = names[1] as string
  step(5, `put an ${STATE_BYTES / 1024 / 1024} MiB pseudo-random state from ${ownerName}`)
  const state = randomBytes(STATE_BYTES)
  const stateFile = join(root, 'state.bin')
  await writeFile(stateFile, state)
  const expected = sha256(state)
  info(await cliOut(['put', stateFile, '--data-dir', owner.dataDir]))
  info(`sha256 ${expected}`)

  step(6, `status and replication of ${ownerName}`)
  info(await cliOut(['status', '--data-dir', owner.dataDir]))
  const rep = JSON.parse(await cliOut(['replication', '--json', '--data-dir', owner.dataDir])) as ReplicationResult
  const perHolder = new Map<string, number>()
  for (const c of rep.chunks) for (const h of c.holders) perHolder.set(h.peerId, (perHolder.get(h.peerId) ?? 0) + 1)
  info(`replication: ${rep.chunks.length} chunks, ${rep.chunks.filter(c => c.holders.length >= 2).length} with two copies or more`)
  for (const [i, d] of all.entries()) if (d !== owner) info(`  ${String(names[i]).padEnd(6)} ${short(d.peerId)} holds ${perHolder.get(d.peerId) ?? 0} of them`)

  // the holder with the most copies is the one whose loss matters most
  const victim = all.filter(d => d !== owner && d !== boot).sort((a, b) => (perHolder.get(b.peerId) ?? 0) - (perHolder.get(a.peerId) ?? 0))[0] as DaemonProcess
  const victimName = names[all.indexOf(victim)] as string
  step(7, `stop holder ${victimName} (SIGTERM; it held ${perHolder.get(victim.peerId) ?? 0} copies) and watch ${ownerName}`)
  const exit = await victim.stop('SIGTERM')
  info(`${victimName} exited with code ${exit.code ?? exit.signal}`)
  const watchUntil = Date.now() + 45_000
  let last = ''
  let repaired = false
  while (Date.now() < watchUntil) {
    const s = await status(owner)
    const line = `${s.writeState.padEnd(8)} ${s.chunks.replicated}/${s.chunks.total} replicated, ${s.chunks.partial} partial, ${s.chunks.atRisk} at risk; audits failed ${s.maintenance.auditFailures}${
      s.maintenance.lastRepair ? `; last repair moved ${s.maintenance.lastRepair.moved}, failed ${s.maintenance.lastRepair.failed}` : ''
    }`
    if (line !== last) info(`${elapsed()}  ${line}`)
    last = line
    const lost = await ownerReplicasOn(owner, victim.peerId)
    if (s.maintenance.lastRepair !== null && s.chunks.replicated === s.chunks.total && lost === 0) {
      repaired = true
      break
    }
    await new Promise(r => setTimeout(r, 1000))
  }
  info(
    repaired
      ? `the owner noticed and re-replicated: no chunk counts ${victimName} any more, every chunk has two copies again`
      : `no repair seen within 45 s (status above shows what the owner knows); recovery below relies on the surviving copies`
  )
  info(await cliOut(['status', '--data-dir', owner.dataDir]))

  step(8, `lose ${ownerName}'s machine: stop it, restore its identity from the phrase on a fresh data dir, start a new daemon`)
  await owner.stop('SIGTERM')
  const freshDir = join(root, 'restored')
  const phrase = inits[1]?.phrase as string
  info((await runCli(['init', '--data-dir', freshDir, '--recover'], { input: `${phrase}\n` })).stdout)
  const fresh = await startDaemon('restored', freshDir, [boot.addr])
  info(`restored daemon: ${fresh.peerId} ${fresh.peerId === owner.peerId ? '(same identity)' : '(DIFFERENT identity!)'}`)
  await waitFor('the restored node to see the holders', async () => (await status(fresh)).registry.members >= NODES - 1, 60_000, 500)

  step(9, 'recover the state from the network and compare')
  const out = join(root, 'recovered.bin')
  const r = await runCli(['recover', out, '--data-dir', freshDir], { timeoutMs: 180_000 })
  if (r.code !== 0) return finish(1, `recover failed (exit ${r.code}):\n${r.stderr}`)
  info(r.stdout)
  const got = sha256(await readFile(out))
  info(`expected sha256 ${expected}`)
  info(`recovered       ${got}`)
  return finish(got === expected ? 0 : 1, got === expected ? 'recovered state is byte-exact' : 'recovered state DIFFERS')
}

/** Chunks of the owner's latest version that still list `holder` as a copy. */
async function ownerReplicasOn(owner: DaemonProcess, holder: string): Promise<number> {
  const rep = await owner.call<ReplicationResult>('replication')
  return rep.chunks.filter(c => c.holders.some(h => h.peerId === holder)).length
}

main().catch(err => finish(1, `testbed failed: ${err instanceof Error ? err.message : String(err)}`))
