import { type ChunkHealth, classifyChunk, type HealthSummary, summarize, toHex } from '../core/index.js'
import type { OwnerStore } from './owner-store.js'
import type { Copy } from './types.js'

export interface CopyBookComponents {
  store: OwnerStore
  /** the wall clock leases are read against @default Date.now */
  now?: () => number
}

const hexOf = (id: Uint8Array | string): string => (typeof id === 'string' ? id : toHex(id))
const pair = (hex: string, holder: string) => `${hex}!${holder}`

/**
 * Where the owner's chunks are: every known remote copy, persisted in the
 * owner store and indexed in memory. It is the one owner of copies: health
 * is derived from it on demand, so there is no second record to keep in step.
 *
 * A copy counts towards health when its lease runs, its holder answers (not
 * suspended) and the owner is not in the middle of asking the holder to
 * release it. Copies of a suspended holder stay in the book and count again
 * as soon as it answers.
 */
export class CopyBook {
  private readonly byChunk = new Map<string, Map<string, Copy>>()
  private readonly suspended = new Set<string>()
  /** copies that failed an audit: that holder is not given that chunk again */
  private readonly distrusted = new Set<string>()
  /** copies the owner asked its holder to release and is waiting to hear back about */
  private readonly releasing = new Set<string>()

  /** the wall clock leases are read against */
  readonly now: () => number

  constructor(private readonly components: CopyBookComponents) {
    this.now = components.now ?? Date.now
  }

  /** Rebuilds the index from the store. */
  async load(): Promise<void> {
    this.byChunk.clear()
    for await (const [idHex, c] of this.components.store.copies()) this.remember(idHex, c)
  }

  private remember(idHex: string, c: Copy): void {
    let m = this.byChunk.get(idHex)
    if (m === undefined) {
      m = new Map()
      this.byChunk.set(idHex, m)
    }
    m.set(c.holder, c)
  }

  /** Records (or replaces) a verified copy. */
  async record(id: Uint8Array, c: Copy): Promise<void> {
    await this.recordMany([{ id, copy: c }])
  }

  /** Records (or replaces) verified copies, in one write. */
  async recordMany(copies: Array<{ id: Uint8Array; copy: Copy }>): Promise<void> {
    if (copies.length === 0) return
    await this.components.store.putCopies(copies)
    for (const { id, copy } of copies) {
      const hex = toHex(id)
      this.distrusted.delete(pair(hex, copy.holder))
      this.remember(hex, copy)
    }
  }

  /** Forgets one copy (failed audit, released, holder gone). */
  async drop(id: Uint8Array | string, holder: string): Promise<boolean> {
    const hex = hexOf(id)
    const m = this.byChunk.get(hex)
    if (m?.delete(holder) !== true) return false
    if (m.size === 0) this.byChunk.delete(hex)
    await this.components.store.deleteCopies([{ id: hex, holder }])
    return true
  }

  /** Forgets every copy on `holder`; returns the chunk ids (hex) affected. */
  async dropHolder(holder: string): Promise<string[]> {
    const affected = this.chunksOn(holder)
    for (const hex of affected) {
      const m = this.byChunk.get(hex)
      m?.delete(holder)
      if (m?.size === 0) this.byChunk.delete(hex)
    }
    await this.components.store.deleteCopies(affected.map(hex => ({ id: hex, holder })))
    this.suspended.delete(holder)
    return affected
  }

  /** Forgets chunks no retained version uses: records, roots, local copies. */
  async forget(idsHex: string[]): Promise<void> {
    if (idsHex.length === 0) return
    await this.components.store.forgetChunks(idsHex)
    for (const hex of idsHex) this.byChunk.delete(hex)
  }

  /**
   * The owner is about to ask the holder to release this copy: from now on
   * it does not count, and an audit that finds it gone is no failure (the
   * holder may delete it before the owner hears back).
   */
  startRelease(id: Uint8Array | string, holder: string): void {
    this.releasing.add(pair(hexOf(id), holder))
  }

  /** The holder confirmed (the copy is forgotten) or could not be asked (the copy counts again). */
  async finishRelease(id: Uint8Array | string, holder: string, confirmed: boolean): Promise<boolean> {
    const hex = hexOf(id)
    if (!this.releasing.delete(pair(hex, holder))) return false
    return confirmed ? this.drop(hex, holder) : false
  }

  isReleasing(id: Uint8Array | string, holder: string): boolean {
    return this.releasing.has(pair(hexOf(id), holder))
  }

  /** A copy failed its audit: never place that chunk on that holder again (this run). */
  distrust(id: Uint8Array | string, holder: string): void {
    this.distrusted.add(pair(hexOf(id), holder))
  }
  isDistrusted(id: Uint8Array | string, holder: string): boolean {
    return this.distrusted.has(pair(hexOf(id), holder))
  }

  /** The holder stopped answering: its copies stop counting towards health. */
  suspend(holder: string): void {
    this.suspended.add(holder)
  }

  /** The holder answers again: its copies count again. */
  resume(holder: string): void {
    this.suspended.delete(holder)
  }

  isSuspended(holder: string): boolean {
    return this.suspended.has(holder)
  }

  /** Every known copy of a chunk, counting or not. */
  copies(id: Uint8Array | string): Copy[] {
    return [...(this.byChunk.get(hexOf(id))?.values() ?? [])]
  }

  /** The copies that count at `now`: lease running, holder answering, not being released. */
  counting(id: Uint8Array | string, now = this.now()): Copy[] {
    const hex = hexOf(id)
    const m = this.byChunk.get(hex)
    if (m === undefined) return []
    const out: Copy[] = []
    for (const c of m.values()) if (c.leaseExpiresAt > now && !this.suspended.has(c.holder) && !this.releasing.has(pair(hex, c.holder))) out.push(c)
    return out
  }

  /** A chunk's health at `now` (its placement has run: no counting copy means AtRisk). */
  health(id: Uint8Array | string, now = this.now()): ChunkHealth {
    return classifyChunk(true, this.counting(id, now).length)
  }

  /** Health of a version's chunk list (positions, in order). */
  summary(ids: readonly Uint8Array[], now = this.now()): HealthSummary {
    return summarize(ids.map(id => this.health(id, now)))
  }

  has(id: Uint8Array | string, holder: string): boolean {
    return this.byChunk.get(hexOf(id))?.has(holder) ?? false
  }

  /** Chunk ids (hex) with a copy on `holder`. */
  chunksOn(holder: string): string[] {
    const out: string[] = []
    for (const [hex, m] of this.byChunk) if (m.has(holder)) out.push(hex)
    return out
  }

  /** Every holder with at least one known copy. */
  holders(): Set<string> {
    const out = new Set<string>()
    for (const m of this.byChunk.values()) for (const h of m.keys()) out.add(h)
    return out
  }

  /** Every chunk id (hex) with at least one known copy. */
  chunkIds(): string[] {
    return [...this.byChunk.keys()]
  }
}
