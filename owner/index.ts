/**
 * @packageDocumentation
 * The owner side: distribution, health, write-blocking, audits, lease
 * renewal, repair, release, reads of retained versions and recovery.
 */
export { Auditor, type AuditorComponents, type AuditorInit, type AuditReport, type AuditTarget } from './auditor.js'
export { ChunkFetcher, type ChunkFetcherComponents, type ChunkFetcherInit, type FetchOptions, type FetchStats } from './chunk-fetcher.js'
export { CopyBook, type CopyBookComponents } from './copy-book.js'
export { Distributor, type DistributorComponents, type DistributorInit } from './distributor.js'
export { DEFAULT_HEDGE, ExchangeTimes, type HedgeInit, type PlacementJob, placeHedged } from './hedged-placement.js'
export { HolderSpeeds } from './holder-speeds.js'
export { waitForMesh } from './mesh-wait.js'
export type { OwnerInit } from './owner-init.js'
export { type OwnerComponents, OwnerService, type TransferOptions } from './owner-service.js'
export { type ManifestCopy, type ManifestPlacement, OwnerStore } from './owner-store.js'
export { newPlaceCounters, type PlaceCounters, type PlaceItem, Placer, type PlacerComponents, type PlacerInit } from './placer.js'
export { Reachability } from './reachability.js'
export { type ReleaseReport, Releaser, type ReleaserComponents, type ReleaserInit } from './releaser.js'
export { type ChunkPlan, planChunk, Repairer, type RepairerComponents, type RepairerInit, type RepairReport, type RetainedVersion } from './repairer.js'
export { isRetryable, type RetryOptions, withRetry } from './retry.js'
export type {
  Copy,
  HandoffInfo,
  HolderDirectory,
  HolderInfo,
  PointerDirectory,
  Progress,
  PutResult,
  ReadReport,
  RecoveryReport,
  RepairStatus,
  ReplicaInfo,
  ReplicationView,
  VersionInfo,
  VersionPointerInfo
} from './types.js'
