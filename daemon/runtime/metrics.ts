/**
 * Prometheus metrics: meshkeep's own families in a prom-client Registry,
 * collected from a snapshot of the node on each scrape, beside libp2p's
 * families (connections, streams, DHT operations, process and Node.js
 * figures), which @libp2p/prometheus-metrics registers in the same
 * Registry (see daemon/node/libp2p.ts). node:http serves it on
 * metrics.listen.
 */
import { createServer, type Server } from 'node:http'
import { Counter, Gauge, type Metric, Registry } from 'prom-client'
import { MeshkeepError, WRITE_STATES, type WriteState } from '../../core/index.js'

export interface MetricsSnapshot {
  peers: number
  registryMembers: number
  registryEpoch: number
  writeState: WriteState
  chunks: { replicated: number; partial: number; atRisk: number; initializing: number }
  /** latest state version, 0 before the first */
  stateVersion: number
  heldBytes: number
  distributedBytesTotal: number
  recoveredBytesTotal: number
  auditFailuresTotal: number
  controlClients: number
}

/** The labels of meshkeep_chunks, in the order they are exposed. */
const HEALTH_LABELS = [
  ['replicated', 'replicated'],
  ['partial', 'partial'],
  ['at_risk', 'atRisk'],
  ['initializing', 'initializing']
] as const

/**
 * meshkeep's metric families, registered in `registry`. Each collects its
 * value when scraped; one scrape takes one snapshot of the node, so the
 * families agree with each other.
 */
export class DaemonMetrics {
  readonly registry: Registry
  /** the snapshot of the scrape under way, if any */
  private current: MetricsSnapshot | undefined
  /** meshkeep's own families, to register again after a new libp2p node cleared the registry */
  private readonly own: Metric[] = []

  constructor(
    private readonly snapshot: () => MetricsSnapshot,
    registry: Registry = new Registry()
  ) {
    this.registry = registry
    const read = (): MetricsSnapshot => this.current ?? this.snapshot()
    const registers = [registry]
    const before = new Set(registry.getMetricsAsArray().map(m => m.name))
    const gauge = (name: string, help: string, value: (s: MetricsSnapshot) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value(read()))
        }
      })
    // a total kept by the node: the counter shows it as it stands (reset, then one increment)
    const counter = (name: string, help: string, value: (s: MetricsSnapshot) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset()
          this.inc(value(read()))
        }
      })

    gauge('meshkeep_peers', 'Connected libp2p peers.', s => s.peers)
    gauge('meshkeep_registry_members', 'Holders in the registry view, this node included.', s => s.registryMembers)
    gauge('meshkeep_registry_epoch', 'Epoch of the registry view.', s => s.registryEpoch)
    new Gauge({
      name: 'meshkeep_write_state',
      help: 'Write state of this owner: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
      registers,
      collect() {
        const state = read().writeState
        for (const s of WRITE_STATES) this.set({ state: s }, s === state ? 1 : 0)
      }
    })
    new Gauge({
      name: 'meshkeep_chunks',
      help: 'Chunks of the latest state version by replication health.',
      labelNames: ['health'],
      registers,
      collect() {
        const chunks = read().chunks
        for (const [label, field] of HEALTH_LABELS) this.set({ health: label }, chunks[field])
      }
    })
    gauge('meshkeep_state_version', 'Latest state version of this owner (0 before the first).', s => s.stateVersion)
    gauge('meshkeep_held_bytes', 'Bytes held for other owners.', s => s.heldBytes)
    counter('meshkeep_distributed_bytes_total', 'Chunk bytes sent to holders since the daemon started.', s => s.distributedBytesTotal)
    counter('meshkeep_recovered_bytes_total', 'State bytes rebuilt from the network (get and recover) since the daemon started.', s => s.recoveredBytesTotal)
    counter('meshkeep_audit_failures_total', 'Holder audits that failed.', s => s.auditFailuresTotal)
    gauge('meshkeep_control_clients', 'Control socket connections open.', s => s.controlClients)
    for (const m of registry.getMetricsAsArray()) if (!before.has(m.name)) this.own.push(m as unknown as Metric)
  }

  /**
   * Registers meshkeep's families again where they went missing: the
   * daemon clears the registry before a new libp2p node (the new identity
   * of a rotation) registers its families in it.
   */
  restoreFamilies(): void {
    for (const m of this.own) {
      const name = (m as unknown as { name: string }).name
      if (this.registry.getSingleMetric(name) === undefined) this.registry.registerMetric(m)
    }
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The exposition text of every family in the registry, ours from one snapshot. */
  async scrape(): Promise<string> {
    this.current = this.snapshot()
    try {
      return await this.registry.metrics()
    } finally {
      this.current = undefined
    }
  }
}

/** `127.0.0.1:9464` / `[::1]:9464` → host and port (0 picks a free port). */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':')
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1')
  const port = Number(listen.slice(i + 1))
  if (i <= 0 || host === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`metrics listen address ${listen} is not host:port`)
  return { host, port }
}

/** What the endpoint serves: the exposition text and its content type. */
export interface MetricsSource {
  readonly contentType: string
  scrape(): Promise<string>
}

/** Serves GET /metrics; returns the server once it listens. */
export async function startMetricsServer(listen: string, metrics: MetricsSource): Promise<{ server: Server; url: string }> {
  const { host, port } = parseListen(listen)
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n')
      return
    }
    metrics.scrape().then(
      body => {
        res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : body)
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`)
      }
    )
  })
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message
      reject(new MeshkeepError('UNAVAILABLE', `cannot serve metrics on ${listen}: ${why}; change metrics.listen`, { cause: err }))
    })
    server.listen(port, host, () => {
      server.removeAllListeners('error')
      resolve()
    })
  })
  const addr = server.address()
  const boundPort = typeof addr === 'object' && addr !== null ? addr.port : port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return { server, url: `http://${shownHost}:${boundPort}/metrics` }
}
