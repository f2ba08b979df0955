/**
 * The control methods: each turns a JSON-RPC request into calls on the
 * MeshNode and a plain JSON result (daemon/control/results.ts).
 */
import { MeshkeepError, WRITE_STATE_ADVICE } from '../../core/index.js'
import type { Progress } from '../../owner/index.js'
import type { MethodContext, MethodTable } from '../control/index.js'
import type {
  GetRpcResult,
  HoldingsResult,
  IdResult,
  LeaveResult,
  PeersResult,
  PutRpcResult,
  RecoverRpcResult,
  ReplicationResult,
  ShutdownResult,
  StatusResult,
  VersionsResult
} from '../control/results.js'
import type { MeshNode } from '../node/mesh-node.js'
import type { RotatePrepareResult, Rotation, RotationStatus } from '../rotation/index.js'
import type { DaemonStats } from './stats.js'

export interface MethodDeps {
  node: MeshNode
  stats: DaemonStats
  dataDir: string
  socket: string
  software: string
  /** key rotation (`rotate`, `rotation`); without it those methods answer NOT_FOUND */
  rotation?: Rotation
  /** asks the daemon to stop gracefully (after the answer went out) */
  requestShutdown: () => void
}

/** Refuses parameters a method does not take, so a typo is an error and not a silent default. */
function checkParams(method: string, params: Record<string, unknown>, allowed: readonly string[] = []): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      const takes = allowed.length === 0 ? 'takes no parameters' : `takes ${allowed.join(', ')}`
      throw new MeshkeepError('INVALID_PARAMS', `unknown parameter "${key}": ${method} ${takes}`)
    }
  }
}

/**
 * Which operations may run together (docs/USER-GUIDE.md, "Concurrent
 * operations"):
 * - a `put` supersedes a `put` in flight (the older one aborts and publishes
 *   nothing: the owner's own rule);
 * - `recover` replaces this node's latest version, so it excludes `put` and
 *   another `recover` (`BUSY`);
 * - `get` is a pure read of a retained version: it runs beside anything,
 *   any number at once;
 * - confirming a rotation (`rotate`) restarts the node as the new identity,
 *   so it excludes `put` and `recover`, and they it.
 */
class OperationGuard {
  private readonly running = new Map<number, { method: string; startedAt: number }>()
  private next = 0

  list(): Array<{ method: string; startedAt: number }> {
    return [...this.running.values()]
  }

  async run<T>(method: 'put' | 'get' | 'recover' | 'rotate', fn: () => Promise<T>): Promise<T> {
    const conflicts = (other: string): boolean => {
      if (method === 'get' || other === 'get') return false
      if (method === 'put') return other === 'recover' || other === 'rotate'
      return other === 'put' || other === 'recover' || other === 'rotate'
    }
    const conflicting = this.list().find(op => conflicts(op.method))
    if (conflicting !== undefined) {
      throw new MeshkeepError('BUSY', `a ${conflicting.method} is running (since ${new Date(conflicting.startedAt).toISOString()}); retry when it has finished`)
    }
    const key = this.next++
    this.running.set(key, { method, startedAt: Date.now() })
    try {
      return await fn()
    } finally {
      this.running.delete(key)
    }
  }
}

/** Longest `timeoutMs` a read or recovery may ask for: a day. */
const MAX_TRANSFER_TIMEOUT_MS = 24 * 3600 * 1000

function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new MeshkeepError(
      'INVALID_PARAMS',
      `${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${JSON.stringify(value)}`
    )
  }
  return value
}

/** Progress of a transfer as status frames (the CLI shows them on a TTY). */
function statusOf(ctx: MethodContext): (p: Progress) => void {
  let last = ''
  return p => {
    if (p.phase === 'transferring') return // the client counts the bytes itself
    const key = `${p.phase}:${p.members ?? ''}`
    if (key === last) return
    last = key
    ctx.status({ phase: p.phase, ...(p.members === undefined ? {} : { members: p.members }) })
  }
}

function requireRotation(deps: MethodDeps): Rotation {
  if (deps.rotation === undefined) throw new MeshkeepError('NOT_FOUND', 'this daemon does not rotate keys')
  return deps.rotation
}

export function createMethods(deps: MethodDeps): MethodTable {
  const { node, stats } = deps
  const ops = new OperationGuard()

  const status = (): StatusResult => {
    node.owner.refreshWriteState()
    const s = node.owner.summary()
    const view = node.registry.view()
    const latest = node.owner.latestManifest
    const holdings = node.holder.holdings()
    const state = node.owner.writeState.state
    const audit = node.owner.lastAudit
    const repair = node.owner.lastRepair
    return {
      peerId: node.peerId,
      addrs: node.addrs(),
      writeState: state,
      writeStateAdvice: WRITE_STATE_ADVICE[state],
      version: latest?.version ?? null,
      size: latest?.totalSize ?? null,
      chunks: { total: s.total, replicated: s.replicated, partial: s.partial, atRisk: s.atRisk, initializing: s.initializing },
      healthRatio: s.healthRatio,
      recoveryConfidence: s.recoveryConfidence,
      recoverable: s.recoverable,
      registry: { members: view.members.length, epoch: view.epoch, updatedAt: view.updatedAt },
      peers: node.libp2p.getPeers().length,
      holding: { owners: holdings.owners.length, chunks: holdings.chunks, bytes: holdings.bytes },
      maintenance: {
        auditFailures: node.owner.auditFailures,
        lastAudit:
          audit === undefined
            ? null
            : { at: audit.at, challenged: audit.challenged, passed: audit.passed, failed: audit.failed, unreachable: audit.unreachable },
        lastRepair: repair === undefined ? null : { at: repair.at, moved: repair.moved, failed: repair.failed }
      },
      operations: ops.list(),
      dataDir: deps.dataDir,
      socket: deps.socket,
      uptimeMs: Date.now() - stats.startedAt,
      software: deps.software
    }
  }

  return {
    id: async params => {
      checkParams('id', params)
      return { peerId: node.peerId, addrs: node.addrs() } satisfies IdResult
    },

    status: async params => {
      checkParams('status', params)
      return status()
    },

    replication: async params => {
      checkParams('replication', params)
      return node.owner.replication() satisfies ReplicationResult
    },

    peers: async params => {
      checkParams('peers', params)
      const members = new Set(node.registry.view().members.map(m => m.peerIdString))
      const byPeer = new Map<string, PeersResult['peers'][number]>()
      for (const conn of node.libp2p.getConnections()) {
        const id = conn.remotePeer.toString()
        const entry = byPeer.get(id) ?? { peerId: id, addrs: [], direction: conn.direction, member: members.has(id) }
        entry.addrs.push(conn.remoteAddr.toString())
        byPeer.set(id, entry)
      }
      return { peers: [...byPeer.values()].sort((a, b) => a.peerId.localeCompare(b.peerId)) } satisfies PeersResult
    },

    holdings: async params => {
      checkParams('holdings', params)
      const h = node.holder.holdings()
      return {
        owners: h.owners.map(o => ({ owner: o.owner, chunks: o.chunks, manifests: o.manifests, bytes: o.bytes })),
        chunks: h.chunks,
        bytes: h.bytes,
        capacityBytes: h.capacityBytes,
        ownerQuotaBytes: h.ownerQuotaBytes
      } satisfies HoldingsResult
    },

    leave: async (params, ctx) => {
      checkParams('leave', params)
      const before = node.holder.holdings()
      let tombstoneError: unknown
      try {
        await node.registry.leave({ signal: ctx.signal })
      } catch (err) {
        tombstoneError = err
      }
      // stop holding either way: the user asked to leave, and the tombstone is retried by a second `leave`
      await node.holder.drain()
      if (tombstoneError !== undefined) {
        const code = tombstoneError instanceof MeshkeepError ? tombstoneError.code : 'UNAVAILABLE'
        throw new MeshkeepError(
          code,
          `held chunks were dropped, but the tombstone did not reach the mesh: ${(tombstoneError as Error).message}; run meshkeep leave again`
        )
      }
      return { left: true, releasedChunks: before.chunks, releasedBytes: before.bytes } satisfies LeaveResult
    },

    shutdown: async params => {
      checkParams('shutdown', params)
      setImmediate(deps.requestShutdown)
      return { stopping: true } satisfies ShutdownResult
    },

    put: async (params, ctx) => {
      checkParams('put', params)
      const blocked = deps.rotation?.writesBlocked()
      if (blocked !== undefined) throw new MeshkeepError('BUSY', blocked)
      return ops.run('put', async () => {
        const result = await node.owner.put(ctx.upload(), { signal: ctx.signal })
        stats.distributedBytes += result.bytesSent
        stats.puts++
        const s = node.owner.summary()
        return { ...result, writeState: node.owner.writeState.state, chunksReplicated: s.replicated } satisfies PutRpcResult
      })
    },

    get: async (params, ctx) => {
      checkParams('get', params, ['version', 'timeoutMs'])
      const version = positiveInteger('version', params.version)
      const timeoutMs = positiveInteger('timeoutMs', params.timeoutMs, MAX_TRANSFER_TIMEOUT_MS)
      return ops.run('get', async () => {
        const report = await node.owner.read(version, bytes => ctx.send(bytes), { signal: ctx.signal, timeoutMs, onProgress: statusOf(ctx) })
        stats.readBytes += report.bytes
        return report satisfies GetRpcResult
      })
    },

    recover: async (params, ctx) => {
      checkParams('recover', params, ['timeoutMs'])
      const timeoutMs = positiveInteger('timeoutMs', params.timeoutMs, MAX_TRANSFER_TIMEOUT_MS)
      const blocked = deps.rotation?.recoverBlocked()
      if (blocked !== undefined) throw new MeshkeepError('BUSY', blocked)
      return ops.run('recover', async () => {
        const report = await node.owner.recover(bytes => ctx.send(bytes), { signal: ctx.signal, timeoutMs, onProgress: statusOf(ctx) })
        stats.recoveredBytes += report.bytes
        stats.recoveries++
        return report satisfies RecoverRpcResult
      })
    },

    versions: async params => {
      checkParams('versions', params)
      return { versions: node.owner.versions() } satisfies VersionsResult
    },

    rotate: async params => {
      checkParams('rotate', params, ['confirm', 'cancel'])
      const rotation = requireRotation(deps)
      if (params.cancel !== undefined) {
        if (params.cancel !== true || params.confirm !== undefined) throw new MeshkeepError('INVALID_PARAMS', 'cancel must be true, alone')
        return rotation.cancel() satisfies Promise<RotationStatus>
      }
      if (params.confirm !== undefined) {
        const digest = params.confirm
        if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) {
          throw new MeshkeepError('INVALID_PARAMS', 'confirm must be the hex SHA-256 of the phrase that rotate returned')
        }
        return ops.run('rotate', () => rotation.confirm(digest)) satisfies Promise<RotationStatus>
      }
      return rotation.prepare() satisfies Promise<RotatePrepareResult>
    },

    rotation: async params => {
      checkParams('rotation', params)
      return requireRotation(deps).status() satisfies RotationStatus
    }
  }
}
