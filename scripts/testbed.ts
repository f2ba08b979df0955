/**
 * `npm run testbed`: a local 5-node meshkeep mesh, driven through the built
 * CLI like a user would. It starts a bootstrap daemon and four more, stores
 * an 8 MiB state from one node, shows status and replication, takes a holder
 * away and watches the owner repair, then loses the owner's machine and
 * recovers the state on a fresh data dir from the recovery phrase alone.
 *
 *   npm run testbed               every daemon on 127.0.0.1; the holder is stopped
 *   npm run testbed -- --hosts    every daemon on its own host (a network namespace
 *                                 with its own address and a rate-limited link, see
 *                                 scripts/lib/netns.ts; root only); the holder's
 *                                 link is cut, the restored owner gets a new host
 *   npm run testbed -- --keep     keep the temp dir (daemon logs) afterwards
 *
 * PASS needs both: the repair brings every chunk back to 2 attested, reachable
 * copies (the owner's `replication --json`, the lost holder not counted), and
 * the recovered state is byte-exact. Every daemon, the temp dir and the
 * network are removed on exit, on failure and on Ctrl-C; the whole run is
 * bounded (TESTBED_DEADLINE_MS).
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { ReplicationResult, StatusResult } from '../daemon/control/results.js'
import { DaemonProcess, type DaemonStartOptions, type InitResult, initNode, runCli, stopAllChildren, waitFor } from './lib/daemon-process.js'
import { onHost } from './lib/host-daemon.js'
import { describeRate, HostNetwork, type LinkRate, mbit, missingNetworkTools } from './lib/netns.js'
import { describeShortfall, REPLICATION_TARGET, replicationShortfall } from './lib/replication-check.js'

const NODES = 5
const STATE_BYTES = 8 * 1024 * 1024
const TESTBED_DEADLINE_MS = 5 * 60_000
/** How long step 7 watches the owner for the repair. */
const REPAIR_DEADLINE_MS = 90_000
const STEPS = 9
/** Every host's link in --hosts mode: a good home connection, both ways. */
const HOST_RATE: LinkRate = mbit(100)

/** Short timers so the testbed shows audits and repair within seconds instead of the production minutes. */
const NODE_CONFIG = {
  logLevel: 'info',
  registry: { refreshIntervalMs: '2s' },
  owner: { gracePeriodMs: '30s', auditIntervalMs: '3s', repairAfterMs: '4s', requestTimeoutMs: '5s' }
}

const USAGE = `usage: npm run testbed [-- --hosts] [-- --keep]

  --hosts   every daemon in its own network namespace (its own address, a ${describeRate(HOST_RATE)} link); needs root and iproute2
  --keep    keep the temp dir with every daemon's log`

const started = Date.now()
const daemons: DaemonProcess[] = []
const checks: Array<{ what: string; ok: boolean }> = []
let keep = false
let root: string | undefined
let net: HostNetwork | undefined
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

function check(what: string, ok: boolean): void {
  checks.push({ what, ok })
  info(`${ok ? 'PASS' : 'FAIL'}  ${what}`)
}

const short = (peerId: string) => `${peerId.slice(0, 12)}…${peerId.slice(-4)}`
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(daemons.map(d => d.stop('SIGTERM', 15_000)))
    // and any daemon still starting when the run ended
    await stopAllChildren(15_000)
    await net?.teardown()
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
  const failed = code !== 0 || checks.length === 0 || checks.some(c => !c.ok)
  process.stdout.write(`\ntestbed ${failed ? 'FAIL' : 'PASS'} in ${elapsed().trim()}\n`)
  process.exit(failed ? code || 1 : 0)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (finishing) process.exit(130)
    void finish(130, `${signal}: stopping every daemon and removing ${root ?? 'the temp dir'}${net === undefined ? '' : ' and the network'}`)
  })
}
setTimeout(() => void finish(1, `the testbed did not finish within ${TESTBED_DEADLINE_MS / 60_000} minutes`), TESTBED_DEADLINE_MS).unref()

/**
 * Where the daemons run, and what losing a holder means there: on 127.0.0.1
 * the holder's process stops; on separate hosts its link is cut while it
 * keeps running, as when a home connection drops.
 */
interface Topology {
  readonly where: string
  /** how the daemons of step 3 are reached */
  readonly ports: string
  start(name: string, options: DaemonStartOptions): Promise<DaemonProcess>
  readonly loseVerb: string
  lose(name: string, d: DaemonProcess): Promise<string>
}

const loopback: Topology = {
  where: `${NODES} daemons on 127.0.0.1`,
  ports: 'free ports, one control socket each',
  start: (_name, options) => DaemonProcess.start(options),
  loseVerb: 'stop (SIGTERM) holder',
  async lose(_name, d) {
    const exit = await d.stop('SIGTERM')
    return `exited with code ${exit.code ?? exit.signal}`
  }
}

function separateHosts(network: HostNetwork): Topology {
  return {
    where: `${NODES} daemons on separate hosts (network namespaces) in ${network.cidr}, each link ${describeRate(HOST_RATE)}`,
    ports: 'each on its own host and address, port 4710',
    async start(name, options) {
      // the network logs the new host (address, namespace, rate)
      const host = await network.addHost(name, HOST_RATE)
      return DaemonProcess.start({ ...options, ...onHost(host) })
    },
    loseVerb: 'cut the link of holder',
    async lose(name) {
      await network.cut(name)
      return 'is cut off: its link is down, the daemon keeps running'
    }
  }
}

async function cliOut(args: string[]): Promise<string> {
  const r = await runCli(args, { timeoutMs: 120_000 })
  if (r.code !== 0) throw new Error(`meshkeep ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
  return r.stdout
}

async function status(d: DaemonProcess): Promise<StatusResult> {
  return d.call<StatusResult>('status')
}

async function replication(d: DaemonProcess): Promise<ReplicationResult> {
  return JSON.parse(await cliOut(['replication', '--json', '--data-dir', d.dataDir])) as ReplicationResult
}

async function main(topology: Topology): Promise<void> {
  const dir = root as string
  const startDaemon = async (name: string, dataDir: string, bootstrap: string[]): Promise<DaemonProcess> => {
    const log = createWriteStream(join(dir, `${name}.log`))
    // logs go to files: the terminal shows the story, the files the details (--keep to read them)
    const d = await topology.start(name, { dataDir, bootstrap, config: NODE_CONFIG, onLog: line => log.write(`${line}\n`) })
    daemons.push(d)
    return d
  }

  step(1, `init ${NODES} data dirs under ${dir}`)
  const names = Array.from({ length: NODES }, (_, i) => (i === 0 ? 'boot' : `node${i}`))
  const inits: InitResult[] = []
  for (const name of names) {
    const r = await initNode(join(dir, name))
    inits.push(r)
    info(`${name.padEnd(6)} ${r.peerId}`)
  }

  step(2, 'start the bootstrap daemon')
  const boot = await startDaemon('boot', join(dir, 'boot'), [])
  info(`boot   listens on ${boot.addr}`)

  step(3, `start ${NODES - 1} daemons bootstrapping to it (${topology.ports})`)
  const rest: DaemonProcess[] = []
  // one after the other in --hosts mode keeps the host lines in order; on 127.0.0.1 in parallel
  if (net === undefined) rest.push(...(await Promise.all(names.slice(1).map(name => startDaemon(name, join(dir, name), [boot.addr])))))
  else for (const name of names.slice(1)) rest.push(await startDaemon(name, join(dir, name), [boot.addr]))
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
  const stateFile = join(dir, 'state.bin')
  await writeFile(stateFile, state)
  const expected = sha256(state)
  info(await cliOut(['put', stateFile, '--data-dir', owner.dataDir]))
  info(`sha256 ${expected}`)

  step(6, `status and replication of ${ownerName}`)
  info(await cliOut(['status', '--data-dir', owner.dataDir]))
  const rep = await replication(owner)
  const perHolder = new Map<string, number>()
  for (const c of rep.chunks) for (const h of c.holders) perHolder.set(h.peerId, (perHolder.get(h.peerId) ?? 0) + 1)
  info(`replication: ${describeShortfall(replicationShortfall(rep))}`)
  for (const [i, d] of all.entries()) if (d !== owner) info(`  ${String(names[i]).padEnd(6)} ${short(d.peerId)} holds ${perHolder.get(d.peerId) ?? 0} of them`)

  // the holder with the most copies is the one whose loss matters most
  const victim = all.filter(d => d !== owner && d !== boot).sort((a, b) => (perHolder.get(b.peerId) ?? 0) - (perHolder.get(a.peerId) ?? 0))[0] as DaemonProcess
  const victimName = names[all.indexOf(victim)] as string
  step(7, `${topology.loseVerb} ${victimName} (it held ${perHolder.get(victim.peerId) ?? 0} copies) and watch ${ownerName}`)
  info(`${victimName} ${await topology.lose(victimName, victim)}`)
  const watchUntil = Date.now() + REPAIR_DEADLINE_MS
  let last = ''
  let shortfall = replicationShortfall(await replication(owner), [victim.peerId])
  for (;;) {
    const s = await status(owner)
    const line = `${s.writeState.padEnd(8)} ${s.chunks.replicated}/${s.chunks.total} replicated, ${s.chunks.partial} partial, ${s.chunks.atRisk} at risk; audits failed ${s.maintenance.auditFailures}${
      s.maintenance.lastRepair ? `; last repair moved ${s.maintenance.lastRepair.moved}, failed ${s.maintenance.lastRepair.failed}` : ''
    }`
    if (line !== last) info(`${elapsed()}  ${line}`)
    last = line
    // what counts is the owner's own per-chunk view: attested copies on holders that answer, the lost one aside
    shortfall = replicationShortfall(await replication(owner), [victim.peerId])
    if (shortfall.short.length === 0 || Date.now() > watchUntil) break
    await new Promise(r => setTimeout(r, 1000))
  }
  const stillListed = (await replication(owner)).chunks.filter(c => c.holders.some(h => h.peerId === victim.peerId)).length
  info(`${ownerName}'s replication, ${victimName} not counted: ${describeShortfall(shortfall)}`)
  if (stillListed > 0) info(`${stillListed} chunks still list ${victimName} as a holder (unreachable copies do not count)`)
  check(
    `repair: every chunk back to ${REPLICATION_TARGET} attested, reachable copies without ${victimName}${shortfall.short.length === 0 ? '' : ` (not within ${REPAIR_DEADLINE_MS / 1000} s)`}`,
    shortfall.short.length === 0
  )
  info(await cliOut(['status', '--data-dir', owner.dataDir]))

  step(
    8,
    `lose ${ownerName}'s machine: stop it, restore its identity from the phrase on a fresh ${net === undefined ? 'data dir' : 'host'}, start a new daemon`
  )
  await owner.stop('SIGTERM')
  const freshDir = join(dir, 'restored')
  const phrase = inits[1]?.phrase as string
  info((await runCli(['init', '--data-dir', freshDir, '--recover'], { input: `${phrase}\n` })).stdout)
  const fresh = await startDaemon('restored', freshDir, [boot.addr])
  info(`restored daemon: ${fresh.peerId} ${fresh.peerId === owner.peerId ? '(same identity)' : '(DIFFERENT identity!)'}`)
  // the holders still reachable: all but the owner's old process and the lost holder
  await waitFor('the restored node to see the holders', async () => (await status(fresh)).registry.members >= NODES - 1, 60_000, 500)

  step(9, 'recover the state from the network and compare')
  const out = join(dir, 'recovered.bin')
  const r = await runCli(['recover', out, '--data-dir', freshDir], { timeoutMs: 180_000 })
  if (r.code !== 0) {
    check('recovery: the state comes back byte-exact', false)
    return finish(1, `recover failed (exit ${r.code}):\n${r.stderr}`)
  }
  info(r.stdout)
  const got = sha256(await readFile(out))
  info(`expected sha256 ${expected}`)
  info(`recovered       ${got}`)
  check('recovery: the state comes back byte-exact', got === expected)
  const failed = checks.filter(c => !c.ok)
  return finish(failed.length === 0 ? 0 : 1, failed.length === 0 ? 'every check passed' : `failed: ${failed.map(c => c.what.split(':')[0]).join(', ')}`)
}

async function setUp(): Promise<Topology> {
  let values: { hosts: boolean; keep: boolean; help: boolean }
  try {
    values = parseArgs({
      options: { hosts: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }
    }).values
  } catch (err) {
    process.stderr.write(`testbed: ${(err as Error).message}\n\n${USAGE}\n`)
    process.exit(2)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  keep = values.keep
  if (values.hosts) {
    const missing = missingNetworkTools()
    if (missing !== undefined) {
      process.stderr.write(`testbed --hosts: ${missing}\n`)
      process.exit(2)
    }
  }
  root = await mkdtemp(join(tmpdir(), 'meshkeep-testbed-'))
  if (!values.hosts) return loopback
  // the network's own lines (leftovers removed, the bridge) follow the banner
  const early: string[] = []
  let banner = false
  net = await HostNetwork.create({ log: line => (banner ? info(line) : early.push(line)) })
  const topology = separateHosts(net)
  showBanner(topology)
  banner = true
  for (const line of early) info(line)
  return topology
}

function showBanner(topology: Topology): void {
  process.stdout.write(`meshkeep testbed: ${topology.where}, an ${STATE_BYTES / 1024 / 1024} MiB state, one holder lost, the owner's machine lost\n`)
}

async function run(): Promise<void> {
  const topology = await setUp()
  if (topology === loopback) showBanner(topology)
  await main(topology)
}

run().catch(err => finish(1, `testbed failed: ${err instanceof Error ? err.message : String(err)}`))
