/**
 * @packageDocumentation
 * The holder side: stores, serves, audits and releases other owners' chunks.
 */

export { ChunkStore, chunkMatchesId, type OwnerUsage, type StoredInfo } from './chunk-store.js'
export * from './constants.js'
export { type HolderComponents, type HolderInit, HolderService, type Holdings } from './holder-service.js'
export { RateLimiter, type RateLimiterInit } from './rate-limiter.js'
