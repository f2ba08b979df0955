import type { Candidate } from '../core/index.js'

/** A holder the owner may place chunks on. */
export interface HolderInfo extends Candidate {
  peerIdString: string
}

/** Where the owner learns the current holders (the registry's membership view). */
export interface HolderDirectory {
  members: () => HolderInfo[]
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
