import { toHex } from '../bytes/index.js'

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

/** One remote copy of a chunk, as attested by its holder. */
export interface CopyRecord {
  holder: string
  attestedAt: number
  leaseExpiresAt: number
  receiptId: string
}

interface ChunkEntry {
  placed: boolean
  copies: Map<string, CopyRecord>
}

export const REPLICATION_TARGET = 2

/** Pure rule: health from whether placement ran and how many valid copies exist. */
export function classifyChunk(placed: boolean, validRemoteCopies: number, target = REPLICATION_TARGET): ChunkHealth {
  if (validRemoteCopies >= target) return 'Replicated'
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

/**
 * Tracks, per chunk id, which remote holders hold an attested, unexpired
 * copy. The owner's own copy never counts: health measures what the network
 * could give back to a fresh machine.
 */
export class HealthTracker {
  private readonly chunks = new Map<string, ChunkEntry>()
  private readonly owner: string
  private readonly target: number

  constructor(init: { owner: string; target?: number }) {
    this.owner = init.owner
    this.target = init.target ?? REPLICATION_TARGET
  }

  private entry(id: Uint8Array): ChunkEntry {
    const key = toHex(id)
    let e = this.chunks.get(key)
    if (e === undefined) {
      e = { placed: false, copies: new Map() }
      this.chunks.set(key, e)
    }
    return e
  }

  /** Starts tracking a chunk (Initializing until placement runs). */
  track(id: Uint8Array): void {
    this.entry(id)
  }

  /** Placement ran for this chunk: from now on no copies means AtRisk. */
  markPlaced(id: Uint8Array): void {
    this.entry(id).placed = true
  }

  recordCopy(id: Uint8Array, copy: CopyRecord): void {
    if (copy.holder === this.owner) return
    this.entry(id).copies.set(copy.holder, copy)
  }

  /** A copy is gone or untrustworthy (failed audit, holder left). */
  dropCopy(id: Uint8Array, holder: string): boolean {
    return this.chunks.get(toHex(id))?.copies.delete(holder) ?? false
  }

  /** Drops every copy on `holder`; returns the ids of the chunks affected. */
  dropHolder(holder: string): string[] {
    const affected: string[] = []
    for (const [id, e] of this.chunks) if (e.copies.delete(holder)) affected.push(id)
    return affected
  }

  /** Stops tracking chunks no retained version uses. */
  forget(keep: (idHex: string) => boolean): void {
    for (const id of [...this.chunks.keys()]) if (!keep(id)) this.chunks.delete(id)
  }

  validCopies(id: Uint8Array, now = Date.now()): CopyRecord[] {
    const e = this.chunks.get(toHex(id))
    if (e === undefined) return []
    return [...e.copies.values()].filter(c => c.leaseExpiresAt > now)
  }

  health(id: Uint8Array, now = Date.now()): ChunkHealth {
    const e = this.chunks.get(toHex(id))
    return classifyChunk(e?.placed ?? false, this.validCopies(id, now).length, this.target)
  }

  /** Summary for one version's chunk list (positions, in order). */
  summary(ids: readonly Uint8Array[], now = Date.now()): HealthSummary {
    return summarize(ids.map(id => this.health(id, now)))
  }

  /** Every holder that holds at least one valid copy of any tracked chunk. */
  holders(now = Date.now()): Set<string> {
    const out = new Set<string>()
    for (const e of this.chunks.values()) for (const c of e.copies.values()) if (c.leaseExpiresAt > now) out.add(c.holder)
    return out
  }
}
