/**
 * @packageDocumentation
 * The holder side: stores, serves, audits and releases other owners' chunks.
 */
export { HolderService, type HolderComponents, type HolderInit, type Holdings } from './holder-service.js'
export { ChunkStore, chunkMatchesId, type OwnerUsage, type StoredInfo } from './chunk-store.js'
export { RateLimiter, type RateLimiterInit } from './rate-limiter.js'
export * from './constants.js'
