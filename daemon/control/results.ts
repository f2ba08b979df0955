/**
 * What each control method returns (the `result` of its response). The
 * daemon builds these; the CLI prints them; docs/CONTROL-SOCKET.md lists them.
 */
import type { ChunkHealth, RecoveryConfidence, WriteState } from '../../core/index.js'
import type { PutResult, ReadReport, RecoveryReport, VersionInfo } from '../../owner/index.js'

export interface IdResult {
  peerId: string
  addrs: string[]
}

export interface ChunkCounts {
  total: number
  replicated: number
  partial: number
  atRisk: number
  initializing: number
}

export interface StatusResult {
  peerId: string
  addrs: string[]
  writeState: WriteState
  /** what the write state means and what to do */
  writeStateAdvice: string
  /** latest state version, or null before the first */
  version: number | null
  /** plaintext bytes of the latest version, or null */
  size: number | null
  chunks: ChunkCounts
  /** replicated / total, 1 for no version */
  healthRatio: number
  recoveryConfidence: RecoveryConfidence
  recoverable: boolean
  registry: { members: number; epoch: number; updatedAt: number }
  /** connected peers */
  peers: number
  holding: { owners: number; chunks: number; bytes: number }
  /** audits and repair of this owner's copies */
  maintenance: {
    auditFailures: number
    lastAudit: { at: number; challenged: number; passed: number; failed: number; unreachable: number } | null
    lastRepair: { at: number; moved: number; failed: number } | null
  }
  /** put, get or recover requests running now */
  operations: Array<{ method: string; startedAt: number }>
  dataDir: string
  socket: string
  uptimeMs: number
  /** meshkeep release */
  software: string
}

export interface ReplicaResult {
  peerId: string
  /** the holder signed a receipt for this copy (false: verified only by an audit, after a recovery) */
  attested: boolean
  attestedAt: number
  leaseExpiresAt: number
  /** false while the holder does not answer; its copy then does not count towards health */
  reachable: boolean
}

export interface ReplicationResult {
  version: number | null
  chunks: Array<{ index: number; id: string; size: number; health: ChunkHealth; holders: ReplicaResult[] }>
}

export interface PeersResult {
  peers: Array<{ peerId: string; addrs: string[]; direction: string; member: boolean }>
}

export interface HoldingsResult {
  owners: Array<{ owner: string; chunks: number; manifests: number; bytes: number }>
  chunks: number
  bytes: number
  capacityBytes: number
  ownerQuotaBytes: number
}

/** The owner's put report, plus what the caller wants to know right after it. */
export interface PutRpcResult extends PutResult {
  /** write state right after the put */
  writeState: WriteState
  chunksReplicated: number
}

/** `recover`: the recovery report. */
export type RecoverRpcResult = RecoveryReport

/** `get`: the read report (a pure read: nothing about the node changed). */
export type GetRpcResult = ReadReport

/** `versions`: every retained version, ascending. */
export interface VersionsResult {
  versions: VersionInfo[]
}

export interface LeaveResult {
  left: boolean
  releasedChunks: number
  releasedBytes: number
}

export interface ShutdownResult {
  stopping: boolean
}
