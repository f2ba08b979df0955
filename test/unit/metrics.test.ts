/**
 * The Prometheus endpoint on a real libp2p node: meshkeep's families from a
 * snapshot, and libp2p's own (connections, streams, DHT operations, process)
 * in the same scrape.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { createMeshLibp2p, type MeshLibp2p } from '../../daemon/node/libp2p.js'
import { DaemonMetrics, type MetricsSnapshot, startMetricsServer } from '../../daemon/runtime/metrics.js'

const SNAPSHOT: MetricsSnapshot = {
  peers: 1,
  registryMembers: 4,
  registryEpoch: 7,
  writeState: 'DEGRADED',
  chunks: { replicated: 10, partial: 2, atRisk: 1, initializing: 3 },
  stateVersion: 5,
  heldBytes: 65_536,
  distributedBytesTotal: 123_456,
  recoveredBytesTotal: 789,
  auditFailuresTotal: 2,
  controlClients: 1
}

const OURS: Record<string, { type: 'gauge' | 'counter'; help: string }> = {
  meshkeep_peers: { type: 'gauge', help: 'Connected libp2p peers.' },
  meshkeep_registry_members: { type: 'gauge', help: 'Holders in the registry view, this node included.' },
  meshkeep_registry_epoch: { type: 'gauge', help: 'Epoch of the registry view.' },
  meshkeep_write_state: { type: 'gauge', help: 'Write state of this owner: 1 for the current state, 0 for the others.' },
  meshkeep_chunks: { type: 'gauge', help: 'Chunks of the latest state version by replication health.' },
  meshkeep_state_version: { type: 'gauge', help: 'Latest state version of this owner (0 before the first).' },
  meshkeep_held_bytes: { type: 'gauge', help: 'Bytes held for other owners.' },
  meshkeep_distributed_bytes_total: { type: 'counter', help: 'Chunk bytes sent to holders since the daemon started.' },
  meshkeep_recovered_bytes_total: { type: 'counter', help: 'State bytes rebuilt from the network (get and recover) since the daemon started.' },
  meshkeep_audit_failures_total: { type: 'counter', help: 'Holder audits that failed.' },
  meshkeep_control_clients: { type: 'gauge', help: 'Control socket connections open.' }
}

interface Family {
  type: string
  help: string
  /** sample lines: `name{labels}` → value */
  samples: Map<string, number>
}

/** The exposition text as families by name. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const family = (name: string): Family => {
    let f = families.get(name)
    if (f === undefined) {
      f = { type: '', help: '', samples: new Map() }
      families.set(name, f)
    }
    return f
  }
  for (const line of text.split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line)
    if (help !== null) family(help[1] as string).help = help[2] as string
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) family(type[1] as string).type = type[2] as string
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line)
    if (sample !== null) {
      const name = sample[1] as string
      // histogram and summary samples carry a suffix; they belong to the family without it
      const owner = [...families.keys()].find(f => name === f || name.startsWith(`${f}_`)) ?? name
      family(owner).samples.set(`${name}${sample[2] ?? ''}`, Number(sample[3]))
    }
  }
  return families
}

describe('metrics endpoint', { timeout: 60_000 }, () => {
  let a: MeshLibp2p
  let b: MeshLibp2p
  let server: Server
  let url: string
  let snapshots = 0

  before(async () => {
    const registry = new Registry()
    a = await createMeshLibp2p({ identitySeed: randomBytes(32), metrics: { registry, statfsLocation: tmpdir() } })
    b = await createMeshLibp2p({ identitySeed: randomBytes(32) })
    // traffic for libp2p's families: a connection, a ping stream, a DHT query
    await a.dial(b.getMultiaddrs()[0] ?? assert.fail('b listens'), { signal: AbortSignal.timeout(10_000) })
    await a.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(10_000) })
    for await (const _ of a.services.dht.getClosestPeers(randomBytes(32), { signal: AbortSignal.timeout(20_000) })) {
      // the events are not the point; the operation's metrics are
    }
    const metrics = new DaemonMetrics(() => {
      snapshots++
      return SNAPSHOT
    }, registry)
    const started = await startMetricsServer('127.0.0.1:0', metrics)
    server = started.server
    url = started.url
  })

  after(async () => {
    server?.closeAllConnections()
    await new Promise<void>(resolve => (server === undefined ? resolve() : server.close(() => resolve())))
    await a?.stop()
    await b?.stop()
  })

  async function scrape(): Promise<{ text: string; families: Map<string, Family>; contentType: string }> {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
    assert.equal(res.status, 200)
    const text = await res.text()
    return { text, families: parseExposition(text), contentType: res.headers.get('content-type') ?? '' }
  }

  it("serves meshkeep's families with their names, types and help, from one snapshot per scrape", async () => {
    const before = snapshots
    const { families, contentType } = await scrape()
    assert.equal(snapshots - before, 1, 'one snapshot for the whole scrape')
    assert.match(contentType, /^text\/plain; version=0\.0\.4; charset=utf-8$/)
    for (const [name, { type, help }] of Object.entries(OURS)) {
      const f = families.get(name)
      assert.ok(f !== undefined, `${name} is exposed`)
      assert.equal(f.type, type, `${name} is a ${type}`)
      assert.equal(f.help, help, `${name}'s help`)
    }
    const value = (family: string, sample: string) => families.get(family)?.samples.get(sample)
    assert.equal(value('meshkeep_peers', 'meshkeep_peers'), 1)
    assert.equal(value('meshkeep_registry_members', 'meshkeep_registry_members'), 4)
    assert.equal(value('meshkeep_write_state', 'meshkeep_write_state{state="DEGRADED"}'), 1)
    for (const other of ['PROVISIONAL', 'ISOLATED', 'ACTIVE']) assert.equal(value('meshkeep_write_state', `meshkeep_write_state{state="${other}"}`), 0)
    assert.equal(value('meshkeep_chunks', 'meshkeep_chunks{health="replicated"}'), 10)
    assert.equal(value('meshkeep_chunks', 'meshkeep_chunks{health="at_risk"}'), 1)
    assert.equal(value('meshkeep_chunks', 'meshkeep_chunks{health="initializing"}'), 3)
    assert.equal(value('meshkeep_state_version', 'meshkeep_state_version'), 5)
  })

  it('shows the totals as the node keeps them, however often it is scraped', async () => {
    await scrape()
    const { families } = await scrape()
    assert.equal(families.get('meshkeep_distributed_bytes_total')?.samples.get('meshkeep_distributed_bytes_total'), 123_456)
    assert.equal(families.get('meshkeep_recovered_bytes_total')?.samples.get('meshkeep_recovered_bytes_total'), 789)
    assert.equal(families.get('meshkeep_audit_failures_total')?.samples.get('meshkeep_audit_failures_total'), 2)
  })

  it("serves libp2p's families beside ours: connections, streams, bytes, DHT queries, process", async () => {
    const { families } = await scrape()
    const sample = (family: string, name: string): number | undefined => families.get(family)?.samples.get(name)
    const connections = 'libp2p_connection_manager_connections'
    assert.equal(sample(connections, `${connections}{${connections}="outbound"}`), 1, 'the one outbound connection')
    assert.equal(sample(connections, `${connections}{${connections}="inbound"}`), 0)
    assert.equal(families.get('libp2p_protocol_streams_total')?.type, 'gauge', 'open streams per protocol')
    const ping = sample('libp2p_data_transfer_bytes_total', 'libp2p_data_transfer_bytes_total{protocol="/ipfs/ping/1.0.0 sent"}')
    assert.ok(ping !== undefined && ping >= 32, `the ping's bytes are counted per protocol: ${ping}`)
    const findNode = 'meshkeep_dht_outbound_rpc_requests_total'
    const queries = sample(findNode, `${findNode}{${findNode}="FIND_NODE"}`)
    assert.ok(queries !== undefined && queries >= 1, `the DHT query's FIND_NODE requests are counted: ${queries}`)
    assert.ok(
      families.get('meshkeep_dht_operation_time_seconds')?.samples.has('meshkeep_dht_operation_time_seconds{operation="GET_CLOSEST_PEERS"}'),
      'the DHT query is timed'
    )
    assert.equal(sample('meshkeep_dht_routing_table_size', 'meshkeep_dht_routing_table_size'), 1, 'the one peer in the routing table')
    const cpu = sample('process_cpu_seconds_total', 'process_cpu_seconds_total')
    assert.ok(cpu !== undefined && cpu > 0, "the process's CPU time")
    assert.ok((families.get('nodejs_fs_usage_bytes')?.samples.size ?? 0) > 0, 'disk usage where the data dir is')
  })

  it('answers 404 off /metrics and 405 to other methods', async () => {
    const base = url.replace(/\/metrics$/, '')
    assert.equal((await fetch(`${base}/other`)).status, 404)
    assert.equal((await fetch(url, { method: 'POST' })).status, 405)
    const head = await fetch(url, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(await head.text(), '')
  })
})
