/**
 * Prometheus metrics: a snapshot of the node rendered in the text exposition
 * format (version 0.0.4) by hand, served by node:http on metrics.listen.
 */
import { createServer, type Server } from 'node:http'
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

type Sample = { labels?: Record<string, string>; value: number }

interface Family {
  name: string
  type: 'gauge' | 'counter'
  help: string
  samples: Sample[]
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"')
}

function renderFamily(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`]
  for (const s of f.samples) {
    const labels =
      s.labels === undefined
        ? ''
        : `{${Object.entries(s.labels)
            .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
            .join(',')}}`
    lines.push(`${f.name}${labels} ${Number.isFinite(s.value) ? s.value : 'NaN'}`)
  }
  return lines.join('\n')
}

/** The exposition text for one snapshot. */
export function renderMetrics(m: MetricsSnapshot): string {
  const families: Family[] = [
    { name: 'meshkeep_peers', type: 'gauge', help: 'Connected libp2p peers.', samples: [{ value: m.peers }] },
    { name: 'meshkeep_registry_members', type: 'gauge', help: 'Holders in the registry view, this node included.', samples: [{ value: m.registryMembers }] },
    { name: 'meshkeep_registry_epoch', type: 'gauge', help: 'Epoch of the registry view.', samples: [{ value: m.registryEpoch }] },
    {
      name: 'meshkeep_write_state',
      type: 'gauge',
      help: 'Write state of this owner: 1 for the current state, 0 for the others.',
      samples: WRITE_STATES.map(s => ({ labels: { state: s }, value: s === m.writeState ? 1 : 0 }))
    },
    {
      name: 'meshkeep_chunks',
      type: 'gauge',
      help: 'Chunks of the latest state version by replication health.',
      samples: [
        { labels: { health: 'replicated' }, value: m.chunks.replicated },
        { labels: { health: 'partial' }, value: m.chunks.partial },
        { labels: { health: 'at_risk' }, value: m.chunks.atRisk },
        { labels: { health: 'initializing' }, value: m.chunks.initializing }
      ]
    },
    { name: 'meshkeep_state_version', type: 'gauge', help: 'Latest state version of this owner (0 before the first).', samples: [{ value: m.stateVersion }] },
    { name: 'meshkeep_held_bytes', type: 'gauge', help: 'Bytes held for other owners.', samples: [{ value: m.heldBytes }] },
    {
      name: 'meshkeep_distributed_bytes_total',
      type: 'counter',
      help: 'Chunk bytes sent to holders since the daemon started.',
      samples: [{ value: m.distributedBytesTotal }]
    },
    {
      name: 'meshkeep_recovered_bytes_total',
      type: 'counter',
      help: 'State bytes rebuilt from the network (get and recover) since the daemon started.',
      samples: [{ value: m.recoveredBytesTotal }]
    },
    { name: 'meshkeep_audit_failures_total', type: 'counter', help: 'Holder audits that failed.', samples: [{ value: m.auditFailuresTotal }] },
    { name: 'meshkeep_control_clients', type: 'gauge', help: 'Control socket connections open.', samples: [{ value: m.controlClients }] }
  ]
  return `${families.map(renderFamily).join('\n')}\n`
}

/** `127.0.0.1:9464` / `[::1]:9464` → host and port. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':')
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1')
  const port = Number(listen.slice(i + 1))
  if (i <= 0 || host === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`metrics listen address ${listen} is not host:port`)
  return { host, port }
}

/** Serves GET /metrics; returns the server once it listens. */
export async function startMetricsServer(listen: string, snapshot: () => MetricsSnapshot): Promise<{ server: Server; url: string }> {
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
    let body: string
    try {
      body = renderMetrics(snapshot())
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${(err as Error).message}\n`)
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body)
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
