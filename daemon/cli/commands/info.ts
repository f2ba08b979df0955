/** Read-only commands: id, status, replication, peers, holdings. */
import type { HoldingsResult, IdResult, PeersResult, ReplicationResult, StatusResult } from '../../control/results.js'
import { boolFlag } from '../argv.js'
import { humanBytes, humanMs, print, printJson, table } from '../output.js'
import { connectDaemon } from '../socket.js'
import { CONNECT_FLAGS, type Command, JSON_FLAG } from './command.js'

async function callDaemon<T>(method: string, flags: Parameters<typeof connectDaemon>[0], env: NodeJS.ProcessEnv): Promise<T> {
  const client = await connectDaemon(flags, env)
  try {
    return await client.call<T>(method)
  } finally {
    client.close()
  }
}

export const idCommand: Command = {
  name: 'id',
  summary: "print this node's peer id and addresses",
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [],
  run: async ({ flags }, io) => {
    const r = await callDaemon<IdResult>('id', flags, io.env)
    if (boolFlag(flags, 'json')) printJson(io, r)
    else {
      print(io, r.peerId)
      for (const a of r.addrs) print(io, `  ${a}`)
    }
    return 0
  }
}

function percent(ratio: number): string {
  return `${Math.floor(ratio * 1000) / 10}%`
}

/** The human form of status: a short table, and in a non-ACTIVE state one line on what it means. */
export function formatStatus(s: StatusResult): string {
  const rows: Array<[string, string]> = [
    ['peer id', s.peerId],
    ['write state', s.writeState],
    ['version', s.version === null ? 'none yet' : `${s.version} (${humanBytes(s.size ?? 0)})`],
    [
      'chunks',
      s.chunks.total === 0
        ? '-'
        : `${s.chunks.total} total: ${s.chunks.replicated} replicated, ${s.chunks.partial} partial, ${s.chunks.atRisk} at risk, ${s.chunks.initializing} initializing`
    ],
    ['health', s.version === null ? '-' : `${percent(s.healthRatio)} replicated, recovery confidence ${s.recoveryConfidence}`],
    ['registry', `${s.registry.members} member${s.registry.members === 1 ? '' : 's'}, epoch ${s.registry.epoch}`],
    ['peers', `${s.peers} connected`],
    ['holding', `${humanBytes(s.holding.bytes)} in ${s.holding.chunks} chunks for ${s.holding.owners} owner${s.holding.owners === 1 ? '' : 's'}`]
  ]
  const { lastAudit, lastRepair, auditFailures } = s.maintenance
  if (lastAudit !== null) {
    rows.push([
      'last audit',
      `${humanMs(Date.now() - lastAudit.at)} ago: ${lastAudit.passed} of ${lastAudit.challenged} passed, ${lastAudit.failed} failed, ${lastAudit.unreachable} unreachable (${auditFailures} failures in all)`
    ])
  }
  if (lastRepair !== null)
    rows.push(['last repair', `${humanMs(Date.now() - lastRepair.at)} ago: ${lastRepair.moved} copies moved, ${lastRepair.failed} failed`])
  for (const op of s.operations) rows.push(['running', `${op.method} for ${humanMs(Date.now() - op.startedAt)}`])
  let text = table(rows)
  if (s.writeState !== 'ACTIVE') text += `\n\n${s.writeState}: ${s.writeStateAdvice}`
  return text
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'write state, replication health, registry and peers',
  description:
    'Write states: ACTIVE (replicated or within the grace period), PROVISIONAL (no peer reached yet), ISOLATED (no other holder in the registry), DEGRADED (under-replicated past the grace period: writes are refused).',
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [],
  run: async ({ flags }, io) => {
    const s = await callDaemon<StatusResult>('status', flags, io.env)
    if (boolFlag(flags, 'json')) printJson(io, s)
    else print(io, formatStatus(s))
    return 0
  }
}

const short = (peerId: string) => (peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId)

export const replicationCommand: Command = {
  name: 'replication',
  summary: 'per-chunk holders and health of the latest version',
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [],
  run: async ({ flags }, io) => {
    const r = await callDaemon<ReplicationResult>('replication', flags, io.env)
    if (boolFlag(flags, 'json')) {
      printJson(io, r)
      return 0
    }
    if (r.version === null) {
      print(io, 'no state version yet')
      return 0
    }
    const counts = new Map<string, number>()
    for (const c of r.chunks) counts.set(c.health, (counts.get(c.health) ?? 0) + 1)
    print(io, `version ${r.version}: ${r.chunks.length} chunks (${[...counts].map(([h, n]) => `${n} ${h}`).join(', ')})`)
    print(io, `${'#'.padStart(5)}  ${'chunk'.padEnd(16)}  ${'size'.padStart(10)}  ${'health'.padEnd(12)}  holders`)
    for (const c of r.chunks) {
      const holders = c.holders.map(h => short(h.peerId)).join(', ') || '-'
      print(io, `${String(c.index).padStart(5)}  ${c.id.slice(0, 16)}  ${humanBytes(c.size).padStart(10)}  ${c.health.padEnd(12)}  ${holders}`)
    }
    return 0
  }
}

export const peersCommand: Command = {
  name: 'peers',
  summary: 'connected peers',
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [],
  run: async ({ flags }, io) => {
    const r = await callDaemon<PeersResult>('peers', flags, io.env)
    if (boolFlag(flags, 'json')) printJson(io, r)
    else if (r.peers.length === 0) print(io, 'no connected peers')
    else for (const p of r.peers) print(io, `${p.peerId}  ${p.direction.padEnd(8)}  ${p.member ? 'holder' : '      '}  ${p.addrs.join(' ')}`)
    return 0
  }
}

export const holdingsCommand: Command = {
  name: 'holdings',
  summary: 'what this node holds for other owners',
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [],
  run: async ({ flags }, io) => {
    const h = await callDaemon<HoldingsResult>('holdings', flags, io.env)
    if (boolFlag(flags, 'json')) {
      printJson(io, h)
      return 0
    }
    print(io, `holding ${humanBytes(h.bytes)} in ${h.chunks} chunks for ${h.owners.length} owner${h.owners.length === 1 ? '' : 's'}`)
    print(io, `capacity ${humanBytes(h.capacityBytes)}, quota per owner ${humanBytes(h.ownerQuotaBytes)}`)
    for (const o of h.owners) print(io, `  ${o.owner}  ${String(o.chunks).padStart(7)} chunks  ${humanBytes(o.bytes).padStart(10)}  ${o.manifests} manifests`)
    return 0
  }
}
