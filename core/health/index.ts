/**
 * @packageDocumentation
 * Per-chunk replication health and its aggregates: pure rules over the
 * copies the owner's copy book counts.
 */
export { type ChunkHealth, classifyChunk, type HealthSummary, type RecoveryConfidence, summarize } from './health.js'
