/**
 * A private network of hosts on this machine, built from Linux network
 * namespaces with iproute2 (`ip`, `tc`); root only.
 *
 *   bridge namespace  mkn-<pid>-<n>-br:   br0, one port p<i> per host
 *   host namespaces   mkn-<pid>-<n>-<host>: lo, eth0 = 10.77.<n>.<i>/24
 *
 * Every interface is created inside these namespaces (the veth pair is born
 * with one end in the bridge namespace and the other in the host's), so the
 * root namespace's interfaces, routes and firewall are never touched, and
 * nothing can leave: the bridge has no uplink and no address. Deleting the
 * namespaces removes everything.
 *
 * Links are rate-limited with `tc … tbf` in both directions: the egress of
 * the host's eth0 (what the host uploads) and of its bridge port (what it
 * downloads). There is no added latency (this kernel has no netem).
 *
 * Names carry the creating PID and a per-run subnet number <n>. Each run has
 * its own bridge, so the address ranges of parallel runs never meet; the
 * subnet number only keeps their addresses apart in logs. A run tears its
 * network down when it ends (normally, on an exception, on SIGINT/SIGTERM);
 * a run that was SIGKILLed leaves its namespaces behind, and the next
 * `HostNetwork.create` removes those whose PID is gone.
 */
import { execFile, execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Our namespaces, and only ours: mkn-<pid>-<subnet>-<role>. */
const PREFIX = 'mkn'
const NAME = /^mkn-(\d+)-(\d+)-([a-z0-9]+)$/
const BRIDGE_ROLE = 'br'
/** 10.77.0.0/16 is reserved for these networks; each run takes one /24 of it. */
const NET = '10.77'
const MAX_HOSTS = 250
/** Token bucket depth: at least one GSO super-packet (64 KiB), else 10 ms of the rate. */
const MIN_BURST_BYTES = 64 * 1024
/** How long a packet may wait in the tbf queue before it is dropped (the queue's depth in time). */
const TBF_LATENCY = '50ms'

export interface LinkRate {
  /** what the host sends, bits/s */
  upBitsPerSecond: number
  /** what the host receives, bits/s */
  downBitsPerSecond: number
}

/** A symmetric rate of `n` Mbit/s (10^6 bits). */
export function mbit(n: number): LinkRate {
  return { upBitsPerSecond: n * 1e6, downBitsPerSecond: n * 1e6 }
}

export interface Host {
  readonly name: string
  /** 1-based; the last octet of its address */
  readonly index: number
  /** its network namespace */
  readonly namespace: string
  /** its IPv4 address on the private network */
  readonly address: string
  /** a command prefix that runs a program inside the host: `[...host.exec, 'node', …]` */
  readonly exec: readonly string[]
  /** the rate set on its link (undefined: unlimited) */
  rate: LinkRate | undefined
  /** false while its link is cut */
  linked: boolean
}

export interface HostNetworkOptions {
  /** progress lines (what is created, cut, removed) */
  log?: (line: string) => void
}

/** Why this machine cannot build the network, or undefined when it can: root, `ip` and `tc`. */
export function missingNetworkTools(): string | undefined {
  const missing: string[] = []
  const uid = process.getuid?.()
  if (uid !== 0) missing.push(`root (this process runs as uid ${uid ?? 'unknown'}): network namespaces, veth pairs and qdiscs need CAP_NET_ADMIN`)
  for (const tool of ['ip', 'tc']) {
    try {
      execFileSync(tool, ['-V'], { stdio: 'ignore' })
    } catch {
      missing.push(`\`${tool}\` from iproute2 (Debian/Ubuntu: apt-get install iproute2)`)
    }
  }
  return missing.length === 0 ? undefined : `the separate-hosts network needs ${missing.join('; and ')}`
}

async function ip(args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`)
  }
}

async function tc(args: string[]): Promise<void> {
  try {
    await run('tc', args)
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`tc ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`)
  }
}

/** Names of every network namespace (`ip netns list` prints "name" or "name (id: N)"). */
function listNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  return out
    .split('\n')
    .map(l => l.trim().split(' ')[0] ?? '')
    .filter(n => n !== '')
}

/** A process that exists and is not a zombie (a SIGKILLed run stays one until its parent reaps it). */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/**
 * Removes one namespace now: SIGKILL whatever still runs in it (only
 * processes inside a namespace of ours), then delete it. Synchronous, so it
 * also works in an 'exit' handler.
 */
function removeNamespaceSync(namespace: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
  } catch {
    // no such namespace
  }
  try {
    execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' })
  } catch {
    // already gone
  }
}

/**
 * Removes the namespaces of earlier runs whose process is gone (a run that
 * was SIGKILLed cannot tear down). Only names of our scheme are considered;
 * a live run's namespaces are left alone. Returns the names removed.
 */
export function removeLeftovers(): string[] {
  const removed: string[] = []
  for (const name of listNamespaces()) {
    const m = NAME.exec(name)
    if (m === null || pidAlive(Number(m[1]))) continue
    removeNamespaceSync(name)
    removed.push(name)
  }
  return removed
}

const open = new Set<HostNetwork>()
let hooksInstalled = false

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.once('exit', () => {
    for (const n of open) n.teardownSync()
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      // someone else (the testbed) handles the signal and exits: the 'exit' hook then tears down
      if (process.listenerCount(signal) > 1) return
      for (const n of open) n.teardownSync()
      process.removeListener(signal, onSignal)
      process.kill(process.pid, signal)
    }
    process.on(signal, onSignal)
  }
}

/** Picks this run's subnet number: one no live run of ours uses, starting from our PID. */
function pickSubnet(): number {
  const used = new Set(
    listNamespaces()
      .map(n => NAME.exec(n))
      .filter(m => m !== null)
      .map(m => Number(m[2]))
  )
  for (let k = 0; k < 254; k++) {
    const n = ((process.pid + k) % 254) + 1
    if (!used.has(n)) return n
  }
  // all taken (254 parallel runs): share one, which is harmless since every run has its own bridge
  return (process.pid % 254) + 1
}

export class HostNetwork {
  private readonly hosts = new Map<string, Host>()
  private closed = false

  private constructor(
    /** e.g. "4242-17": the PID and subnet number in every name */
    readonly runId: string,
    readonly subnet: number,
    private readonly log: (line: string) => void
  ) {}

  /** The private address range of this run, e.g. 10.77.17.0/24. */
  get cidr(): string {
    return `${NET}.${this.subnet}.0/24`
  }

  private get bridgeNamespace(): string {
    return `${PREFIX}-${this.runId}-${BRIDGE_ROLE}`
  }

  /**
   * Builds the bridge (no hosts yet). Removes leftovers of SIGKILLed runs
   * first. Throws with what is missing when not root or iproute2 is absent.
   */
  static async create(options: HostNetworkOptions = {}): Promise<HostNetwork> {
    const missing = missingNetworkTools()
    if (missing !== undefined) throw new Error(missing)
    const log = options.log ?? (() => {})
    const leftovers = removeLeftovers()
    if (leftovers.length > 0) log(`removed ${leftovers.length} namespaces left by runs that were killed: ${leftovers.join(', ')}`)
    const subnet = pickSubnet()
    const net = new HostNetwork(`${process.pid}-${subnet}`, subnet, log)
    installHooks()
    open.add(net)
    try {
      const br = net.bridgeNamespace
      await ip(['netns', 'add', br])
      await ip(['-n', br, 'link', 'set', 'lo', 'up'])
      await ip(['-n', br, 'link', 'add', 'br0', 'type', 'bridge'])
      await ip(['-n', br, 'link', 'set', 'br0', 'up'])
      log(`network ${net.cidr}: bridge in namespace ${br}`)
    } catch (err) {
      await net.teardown()
      throw err
    }
    return net
  }

  /** Adds a host: its namespace, a veth pair into the bridge, an address, lo up, and the rate if given. */
  async addHost(name: string, rate?: LinkRate): Promise<Host> {
    if (this.closed) throw new Error('the network was torn down')
    if (!/^[a-z0-9]{1,16}$/.test(name) || name === BRIDGE_ROLE) throw new Error(`host name "${name}": 1–16 of [a-z0-9], not "${BRIDGE_ROLE}"`)
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`)
    const index = this.hosts.size + 1
    if (index > MAX_HOSTS) throw new Error(`at most ${MAX_HOSTS} hosts`)
    const namespace = `${PREFIX}-${this.runId}-${name}`
    const address = `${NET}.${this.subnet}.${index}`
    const host: Host = { name, index, namespace, address, exec: ['ip', 'netns', 'exec', namespace], rate: undefined, linked: true }
    this.hosts.set(name, host)
    const br = this.bridgeNamespace
    await ip(['netns', 'add', namespace])
    // born inside the namespaces: one end is the bridge port p<i>, the other the host's eth0
    await ip(['-n', br, 'link', 'add', `p${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace])
    await ip(['-n', br, 'link', 'set', `p${index}`, 'master', 'br0'])
    await ip(['-n', br, 'link', 'set', `p${index}`, 'up'])
    await ip(['-n', namespace, 'link', 'set', 'lo', 'up'])
    await ip(['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0'])
    await ip(['-n', namespace, 'link', 'set', 'eth0', 'up'])
    if (rate !== undefined) await this.setRate(name, rate)
    this.log(`host ${name}: ${address} in ${namespace}${rate === undefined ? '' : `, ${describeRate(rate)}`}`)
    return host
  }

  host(name: string): Host {
    const h = this.hosts.get(name)
    if (h === undefined) throw new Error(`no host ${name}`)
    return h
  }

  list(): Host[] {
    return [...this.hosts.values()]
  }

  /** Limits a host's link in both directions (tbf); undefined removes the limits. */
  async setRate(name: string, rate: LinkRate | undefined): Promise<void> {
    const h = this.host(name)
    // what the host sends leaves through its eth0; what it receives leaves the bridge through its port
    const up = { namespace: h.namespace, dev: 'eth0' }
    const down = { namespace: this.bridgeNamespace, dev: `p${h.index}` }
    const qdisc = (side: typeof up, action: 'replace' | 'del', params: string[] = []) =>
      tc(['-n', side.namespace, 'qdisc', action, 'dev', side.dev, 'root', ...params])
    if (rate === undefined) {
      if (h.rate !== undefined) {
        await qdisc(up, 'del')
        await qdisc(down, 'del')
      }
    } else {
      await qdisc(up, 'replace', tbf(rate.upBitsPerSecond))
      await qdisc(down, 'replace', tbf(rate.downBitsPerSecond))
    }
    h.rate = rate
  }

  /**
   * Cuts a host's link: its bridge port goes down. The host keeps running and
   * sees no carrier; everyone else's packets to it vanish, as when a home
   * uplink drops (no reset, no error until timeouts).
   */
  async cut(name: string): Promise<void> {
    const h = this.host(name)
    await ip(['-n', this.bridgeNamespace, 'link', 'set', `p${h.index}`, 'down'])
    h.linked = false
    this.log(`host ${name}: link cut`)
  }

  /** Restores a cut link. */
  async restore(name: string): Promise<void> {
    const h = this.host(name)
    await ip(['-n', this.bridgeNamespace, 'link', 'set', `p${h.index}`, 'up'])
    h.linked = true
    this.log(`host ${name}: link restored`)
  }

  /** Runs a command inside a host to completion; resolves with its stdout. */
  async run(name: string, command: string, args: string[] = []): Promise<string> {
    const h = this.host(name)
    return ip(['netns', 'exec', h.namespace, command, ...args])
  }

  /**
   * Removes every namespace of this run (hosts first, then the bridge),
   * killing what still runs inside them. Stop your processes first if they
   * should exit gracefully. Idempotent.
   */
  async teardown(): Promise<void> {
    if (this.closed) return
    for (const h of this.hosts.values()) {
      const inside = (await ip(['netns', 'pids', h.namespace]).catch(() => '')).split('\n').filter(Boolean)
      if (inside.length > 0) this.log(`host ${h.name}: killing ${inside.length} process(es) still running inside (pid ${inside.join(', ')})`)
    }
    this.teardownSync()
    this.log(`network ${this.cidr}: removed`)
  }

  /** The same, synchronously (for 'exit' and signal handlers). */
  teardownSync(): void {
    if (this.closed) return
    this.closed = true
    open.delete(this)
    for (const h of this.hosts.values()) removeNamespaceSync(h.namespace)
    removeNamespaceSync(this.bridgeNamespace)
  }
}

function tbf(bitsPerSecond: number): string[] {
  if (!(bitsPerSecond >= 8000)) throw new Error(`rate ${bitsPerSecond} bit/s: at least 8 kbit/s`)
  const burst = Math.max(MIN_BURST_BYTES, Math.ceil(bitsPerSecond / 8 / 100))
  return ['tbf', 'rate', `${Math.round(bitsPerSecond)}bit`, 'burst', `${burst}b`, 'latency', TBF_LATENCY]
}

export function describeRate(rate: LinkRate): string {
  const f = (bps: number) => (bps >= 1e6 ? `${+(bps / 1e6).toFixed(1)} Mbit/s` : `${+(bps / 1e3).toFixed(1)} kbit/s`)
  return rate.upBitsPerSecond === rate.downBitsPerSecond ? f(rate.upBitsPerSecond) : `${f(rate.upBitsPerSecond)} up, ${f(rate.downBitsPerSecond)} down`
}
