/**
 * @packageDocumentation
 * The holder side: stores, serves, audits, renews and releases other owners'
 * chunks and manifests, within quotas and per-peer and total rate limits.
 */

export { Admission, type AdmissionInit } from './admission.js'
export { ChunkStore, chunkMatchesId, type OwnerUsage, type StoredInfo } from './chunk-store.js'
export * from './constants.js'
export { type HolderComponents, type HolderInit, HolderService, type Holdings } from './holder-service.js'
