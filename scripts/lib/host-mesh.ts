/**
 * A meshkeep mesh on separate hosts: a HostNetwork (scripts/lib/netns.ts)
 * with one daemon per host, each initialised through the CLI, the first one
 * the bootstrap peer of the others. For the tests and the bench that need the
 * topology but not the testbed's story. `close()` stops every daemon and
 * removes the network; the network also goes when the process exits.
 */
import { join } from 'node:path'
import type { StatusResult } from '../../daemon/control/results.js'
import { DaemonProcess, type DaemonStartOptions, initFromPhrase, initNode, waitFor } from './daemon-process.js'
import { onHost } from './host-daemon.js'
import { type Host, HostNetwork, type LinkRate } from './netns.js'

export interface HostNode {
  name: string
  host: Host
  /** the daemon now running on the host (a new one after `restart`) */
  daemon: DaemonProcess
  peerId: string
  /** the recovery phrase (of a node made with `init`) */
  phrase: string
}

export interface HostSpec {
  name: string
  rate?: LinkRate
  /** this node's config, over the mesh's (`HostMeshOptions.config`) */
  config?: Record<string, unknown>
}

export interface HostMeshOptions {
  /** data dirs, config files and daemon logs (<name>.log) go here */
  root: string
  /** daemon config (see DaemonStartOptions.config) */
  config?: Record<string, unknown>
  /** more DaemonStartOptions for every daemon (env, launcher, keepLines…) */
  daemon?: Omit<DaemonStartOptions, 'dataDir' | 'bootstrap' | 'listen' | 'prefix' | 'config' | 'logFile'>
  /** the network's progress lines */
  log?: (line: string) => void
}

export class HostMesh {
  readonly nodes = new Map<string, HostNode>()
  private readonly configs = new Map<string, Record<string, unknown> | undefined>()

  private constructor(
    readonly net: HostNetwork,
    private readonly options: HostMeshOptions
  ) {}

  /** Builds the network and starts one daemon per spec; the first is everyone's bootstrap peer. */
  static async open(specs: HostSpec[], options: HostMeshOptions): Promise<HostMesh> {
    const net = await HostNetwork.create({ log: options.log })
    const mesh = new HostMesh(net, options)
    try {
      const [first, ...rest] = specs
      if (first !== undefined) await mesh.add(first)
      // two at a time: many Node processes starting at once on 2 cores only slow each other
      for (let i = 0; i < rest.length; i += 2) await Promise.all(rest.slice(i, i + 2).map(s => mesh.add(s)))
    } catch (err) {
      await mesh.close()
      throw err
    }
    return mesh
  }

  /** The address of the first node still running: what a new node bootstraps to. */
  get bootstrap(): string[] {
    const first = [...this.nodes.values()].find(n => n.daemon.running)
    return first === undefined ? [] : [first.daemon.addr]
  }

  node(name: string): HostNode {
    const n = this.nodes.get(name)
    if (n === undefined) throw new Error(`no node ${name}`)
    return n
  }

  daemons(): DaemonProcess[] {
    return [...this.nodes.values()].map(n => n.daemon)
  }

  /**
   * A new host with a new node on it: `init` in a fresh data dir, or
   * `init --recover` from `phrase` (a lost machine restored elsewhere).
   */
  async add(spec: HostSpec, phrase?: string): Promise<HostNode> {
    const dataDir = join(this.options.root, spec.name)
    const init = phrase === undefined ? await initNode(dataDir) : { peerId: await initFromPhrase(dataDir, phrase), phrase }
    const host = await this.net.addHost(spec.name, spec.rate)
    this.configs.set(spec.name, spec.config)
    const daemon = await this.startDaemon(spec.name, host, dataDir)
    const node: HostNode = { name: spec.name, host, daemon, peerId: init.peerId, phrase: init.phrase }
    this.nodes.set(spec.name, node)
    return node
  }

  /** Starts a stopped node's daemon again, on its host, from its data dir. */
  async restart(name: string): Promise<HostNode> {
    const node = this.node(name)
    if (node.daemon.running) throw new Error(`${name} is running`)
    node.daemon = await this.startDaemon(name, node.host, node.daemon.dataDir)
    return node
  }

  private startDaemon(name: string, host: Host, dataDir: string): Promise<DaemonProcess> {
    return DaemonProcess.start({
      ...this.options.daemon,
      dataDir,
      bootstrap: this.bootstrap,
      config: mergeConfig(this.options.config, this.configs.get(name)),
      logFile: join(this.options.root, `${name}.log`),
      ...onHost(host)
    })
  }

  /** Waits until every running daemon's registry view holds at least `members` members. */
  async waitForViews(members: number, timeoutMs = 120_000): Promise<void> {
    await waitFor(
      `every registry view to hold ${members} members`,
      async () => {
        const views = await Promise.all(
          this.daemons()
            .filter(d => d.running)
            .map(d => d.call<StatusResult>('status').then(s => s.registry.members))
        )
        return views.every(m => m >= members)
      },
      timeoutMs,
      500
    )
  }

  /** Stops every daemon (SIGTERM, SIGKILL after 15 s), then removes the network. */
  async close(): Promise<void> {
    await Promise.allSettled(this.daemons().map(d => d.stop('SIGTERM', 15_000)))
    await this.net.teardown()
  }
}

/** `over` laid over `base`, table by table (one level deep, as the config file's tables are). */
function mergeConfig(base?: Record<string, unknown>, over?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (over === undefined) return base
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = out[k]
    out[k] = typeof v === 'object' && v !== null && typeof b === 'object' && b !== null ? { ...(b as object), ...(v as object) } : v
  }
  return out
}
