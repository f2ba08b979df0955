import type { Candidate, ChunkHealth } from '../core/index.js'

/** A holder the owner may place chunks on. */
export interface HolderInfo extends Candidate {
  peerIdString: string
}

/** Where the owner learns the current holders (the registry's membership view). */
export interface HolderDirectory {
  members: () => HolderInfo[]
  /**
   * Whether the view was built at least once. Until it is, a holder missing
   * from `members()` is not taken as having left. @default always ready
   */
  ready?: () => boolean
}

/** The signed pointer to an owner's latest version, as the DHT stores it. */
export interface VersionPointerInfo {
  version: number
  manifestId: Uint8Array
  holders: Uint8Array[]
}

/** Where the owner publishes and finds its latest-version pointer. */
export interface PointerDirectory {
  publish: (pointer: VersionPointerInfo, options?: { signal?: AbortSignal }) => Promise<void>
  resolve: (options?: { signal?: AbortSignal }) => Promise<VersionPointerInfo | undefined>
}

export interface Progress {
  bytes: number
  chunks: number
}

export interface PutResult {
  version: number
  totalSize: number
  chunks: number
  /** chunks sent (not already attested at their holders) */
  chunksSent: number
  bytesSent: number
  retries: number
  fallbacks: number
  invalidAttestations: number
  ms: number
}

export interface RecoveryReport {
  version: number
  chunks: number
  bytes: number
  holdersUsed: string[]
  retries: number
  ms: number
}

/** The last repair run, for status output. */
export interface RepairStatus {
  at: number
  /** new copies stored */
  moved: number
  /** copies that could not be placed */
  failed: number
}

/** One known remote copy of a chunk, as `replication()` lists it. */
export interface ReplicaInfo {
  peerId: string
  /** the holder signed a receipt for this copy; false when it was verified only by an audit (after recovery) */
  attested: boolean
  /** when the receipt or the verifying audit was checked, ms */
  attestedAt: number
  leaseExpiresAt: number
  /** false while the holder does not answer (its copy does not count towards health) */
  reachable: boolean
}

export interface ReplicationView {
  version: number | null
  chunks: Array<{ index: number; id: string; size: number; health: ChunkHealth; holders: ReplicaInfo[] }>
}
