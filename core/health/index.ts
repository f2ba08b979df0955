/**
 * @packageDocumentation
 * Per-chunk replication health and its aggregates.
 */
export {
  type ChunkHealth,
  type CopyRecord,
  classifyChunk,
  type HealthSummary,
  HealthTracker,
  REPLICATION_TARGET,
  type RecoveryConfidence,
  summarize
} from './health.js'
