/**
 * @packageDocumentation
 * The owner side: distribution, health, write-blocking and recovery.
 */
export { OwnerService, type OwnerComponents, type OwnerInit } from './owner-service.js'
export { OwnerStore, type StoredAttestation } from './owner-store.js'
export { withRetry, isRetryable, type RetryOptions } from './retry.js'
export type { HolderDirectory, HolderInfo, PointerDirectory, VersionPointerInfo, Progress, PutResult, RecoveryReport } from './types.js'
