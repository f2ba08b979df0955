/**
 * @packageDocumentation
 * The owner side: distribution, health, write-blocking, audits, repair,
 * release and recovery.
 */
export { Auditor, type AuditorComponents, type AuditorInit, type AuditReport, type AuditTarget } from './auditor.js'
export { CopyBook, type CopyBookComponents, type KnownCopy } from './copy-book.js'
export type { OwnerInit } from './owner-init.js'
export { type OwnerComponents, OwnerService } from './owner-service.js'
export { type ManifestPlacement, OwnerStore, type StoredAttestation, type StoredCopy } from './owner-store.js'
export { newPlaceCounters, type PlaceCounters, Placer, type PlacerComponents, type PlacerInit } from './placer.js'
export { Reachability } from './reachability.js'
export { type ReleaseReport, Releaser, type ReleaserComponents, type ReleaserInit } from './releaser.js'
export { type ChunkPlan, planChunk, Repairer, type RepairerComponents, type RepairerInit, type RepairReport } from './repairer.js'
export { isRetryable, type RetryOptions, withRetry } from './retry.js'
export type {
  HolderDirectory,
  HolderInfo,
  PointerDirectory,
  Progress,
  PutResult,
  RecoveryReport,
  RepairStatus,
  ReplicaInfo,
  ReplicationView,
  VersionPointerInfo
} from './types.js'
