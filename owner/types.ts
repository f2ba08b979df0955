import type { Candidate, ChunkAttestation, ChunkHealth, HealthSummary } from '../core/index.js'

/**
 * One remote copy of one of the owner's chunks: the owner's single model of
 * a copy. The copy book owns every copy; health, repair, audits, release and
 * the `replication` view derive from it.
 */
export interface Copy {
  /** the holder's peer id */
  holder: string
  /** the holder's signed receipt; absent when the copy was verified by an audit only (found after recovery) */
  attestation?: ChunkAttestation
  /** when the receipt (or the verifying audit) was checked, ms */
  attestedAt: number
  /** the end of the holder's lease on it, ms */
  leaseExpiresAt: number
}

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
  /** Rebuilds the view now (a recovery that missed a chunk asks for this). @default no-op */
  refresh?: (options: { signal: AbortSignal }) => Promise<void>
  /** Peers this node is connected to that speak the mesh protocols: holders the view may not know yet. @default none */
  connectedPeers?: () => string[]
}

/** The signed pointer to an owner's latest version, as the DHT stores it. */
export interface VersionPointerInfo {
  version: number
  manifestId: Uint8Array
  holders: Uint8Array[]
}

/** A verified record saying this identity was replaced (`meshkeep rotate`). */
export interface HandoffInfo {
  /** the new identity's peer id */
  to: string
  /** when the old identity signed the handoff, ms since the Unix epoch */
  rotatedAt: number
}

/** Where the owner publishes and finds its latest-version pointer. */
export interface PointerDirectory {
  publish: (pointer: VersionPointerInfo, options?: { signal?: AbortSignal }) => Promise<void>
  resolve: (options?: { signal?: AbortSignal }) => Promise<VersionPointerInfo | undefined>
  /** The handoff this identity published when it was rotated away, if any; recovery refuses such an identity. @default never rotated */
  handoff?: (options?: { signal?: AbortSignal }) => Promise<HandoffInfo | undefined>
}

/** Progress of a long operation, for a progress bar. */
export interface Progress {
  /** what the operation is doing now */
  phase?: 'waiting for the mesh' | 'finding the manifest' | 'transferring'
  /** members in the registry view (while waiting for the mesh) */
  members?: number
  bytes: number
  chunks: number
  /** bytes the operation will move in all, when known */
  totalBytes?: number
}

export interface PutResult {
  version: number
  totalSize: number
  chunks: number
  /** chunks sent (not already attested at their holders) */
  chunksSent: number
  bytesSent: number
  retries: number
  /** copies sent to a further holder after a refusal or failure */
  fallbacks: number
  /** copies also sent to a further holder because an exchange ran far longer than its peers (long-tail hedging) */
  hedges: number
  invalidAttestations: number
  ms: number
}

export interface RecoveryReport {
  version: number
  chunks: number
  bytes: number
  holdersUsed: string[]
  retries: number
  /** how long the registry view took to settle before the transfer began, ms */
  waitedMs: number
  ms: number
}

/** A version read back (`get`): nothing about the node changed. */
export interface ReadReport {
  version: number
  chunks: number
  bytes: number
  /** chunks read from this node's own copies */
  localChunks: number
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

/** One retained version, as `meshkeep versions` lists it. */
export interface VersionInfo {
  version: number
  /** plaintext bytes */
  size: number
  chunks: number
  /** when the version was written, ms since the Unix epoch */
  createdAt: number
  health: HealthSummary
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
