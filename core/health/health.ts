import { REPLICAS } from '../placement/index.js'

/** Health of one chunk, from the owner's point of view. */
export type ChunkHealth = 'Initializing' | 'Replicated' | 'Partial' | 'AtRisk'

/**
 * HIGH: every chunk has two attested remote copies (survives losing any one holder).
 * MEDIUM: every chunk has at least one (recoverable now, one failure from loss).
 * NONE: some chunk has no attested remote copy (not recoverable from the network).
 */
export type RecoveryConfidence = 'HIGH' | 'MEDIUM' | 'NONE'

export interface HealthSummary {
  total: number
  replicated: number
  partial: number
  atRisk: number
  initializing: number
  /** replicated / total, 1 for an empty version */
  healthRatio: number
  /** can the version be rebuilt from attested remote copies alone? */
  recoverable: boolean
  recoveryConfidence: RecoveryConfidence
}

/**
 * Pure rule: a chunk's health from whether placement ran for it and how many
 * valid remote copies it has (the owner's own copy never counts: health
 * measures what the network could give back to a fresh machine).
 */
export function classifyChunk(placed: boolean, validRemoteCopies: number): ChunkHealth {
  if (validRemoteCopies >= REPLICAS) return 'Replicated'
  if (validRemoteCopies >= 1) return 'Partial'
  return placed ? 'AtRisk' : 'Initializing'
}

/** Pure rule: aggregate per-chunk health into the version summary. */
export function summarize(healths: Iterable<ChunkHealth>): HealthSummary {
  const s = { total: 0, replicated: 0, partial: 0, atRisk: 0, initializing: 0 }
  for (const h of healths) {
    s.total++
    if (h === 'Replicated') s.replicated++
    else if (h === 'Partial') s.partial++
    else if (h === 'AtRisk') s.atRisk++
    else s.initializing++
  }
  const recoverable = s.atRisk === 0 && s.initializing === 0
  return {
    ...s,
    healthRatio: s.total === 0 ? 1 : s.replicated / s.total,
    recoverable,
    recoveryConfidence: s.replicated === s.total ? 'HIGH' : recoverable ? 'MEDIUM' : 'NONE'
  }
}
