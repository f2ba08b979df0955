import { type HealthTracker, toHex } from '../core/index.js'
import type { OwnerStore, StoredCopy } from './owner-store.js'

/** A remote copy as the owner knows it (the receipt itself stays in the store). */
export interface KnownCopy {
  holder: string
  /** the holder signed a receipt for it (else it was verified by an audit) */
  attested: boolean
  attestedAt: number
  leaseExpiresAt: number
}

export interface CopyBookComponents {
  store: OwnerStore
  health: HealthTracker
}

const hexOf = (id: Uint8Array | string): string => (typeof id === 'string' ? id : toHex(id))

/**
 * Where the owner's chunks are: every known remote copy, persisted in the
 * owner store and indexed in memory. Health counts only the copies the owner
 * currently trusts, so the book mirrors into the HealthTracker every copy
 * except those on suspended (unreachable) holders; a suspended holder's
 * copies come back into health when it answers again.
 */
export class CopyBook {
  private readonly byChunk = new Map<string, Map<string, KnownCopy>>()
  private readonly suspended = new Set<string>()
  /** copies that failed an audit: that holder is not given that chunk again */
  private readonly distrusted = new Set<string>()
  /** copies the owner asked its holder to release and is waiting to hear back about */
  private readonly releasing = new Set<string>()

  constructor(private readonly components: CopyBookComponents) {}

  /** Rebuilds the index (and health) from the store. */
  async load(): Promise<void> {
    this.byChunk.clear()
    for await (const [idHex, c] of this.components.store.copies()) this.remember(idHex, c)
  }

  private remember(idHex: string, c: StoredCopy): void {
    const copy: KnownCopy = { holder: c.holder, attested: c.attestation !== undefined, attestedAt: c.attestedAt, leaseExpiresAt: c.leaseExpiresAt }
    let m = this.byChunk.get(idHex)
    if (m === undefined) {
      m = new Map()
      this.byChunk.set(idHex, m)
    }
    m.set(c.holder, copy)
    if (!this.suspended.has(c.holder)) this.mirror(idHex, copy)
  }

  private mirror(idHex: string, c: KnownCopy): void {
    this.components.health.recordCopy(Buffer.from(idHex, 'hex'), {
      holder: c.holder,
      attestedAt: c.attestedAt,
      leaseExpiresAt: c.leaseExpiresAt,
      receiptId: ''
    })
  }

  /** Records (or replaces) a verified copy. */
  async record(id: Uint8Array, c: StoredCopy): Promise<void> {
    await this.components.store.putCopy(id, c)
    this.distrusted.delete(`${toHex(id)}!${c.holder}`)
    this.remember(toHex(id), c)
  }

  /** Forgets one copy (failed audit, released, holder gone). */
  async drop(id: Uint8Array | string, holder: string): Promise<boolean> {
    const hex = hexOf(id)
    const m = this.byChunk.get(hex)
    if (m?.delete(holder) !== true) return false
    if (m.size === 0) this.byChunk.delete(hex)
    await this.components.store.deleteCopy(Buffer.from(hex, 'hex'), holder)
    this.components.health.dropCopy(Buffer.from(hex, 'hex'), holder)
    return true
  }

  /** Forgets every copy on `holder`; returns the chunk ids (hex) affected. */
  async dropHolder(holder: string): Promise<string[]> {
    const affected = this.chunksOn(holder)
    for (const hex of affected) await this.drop(hex, holder)
    this.suspended.delete(holder)
    return affected
  }

  /** Forgets chunks no retained version uses: records, roots, local copies, health. */
  async forget(idsHex: string[]): Promise<void> {
    if (idsHex.length === 0) return
    await this.components.store.forgetChunks(idsHex)
    const gone = new Set(idsHex)
    for (const hex of idsHex) this.byChunk.delete(hex)
    this.components.health.forget(hex => !gone.has(hex))
  }

  /**
   * The owner is about to ask the holder to release this copy: from now on
   * it does not count, and an audit that finds it gone is no failure (the
   * holder may delete it before the owner hears back).
   */
  startRelease(id: Uint8Array | string, holder: string): void {
    const hex = hexOf(id)
    this.releasing.add(`${hex}!${holder}`)
    this.components.health.dropCopy(Buffer.from(hex, 'hex'), holder)
  }

  /** The holder confirmed (the copy is forgotten) or could not be asked (the copy counts again). */
  async finishRelease(id: Uint8Array | string, holder: string, confirmed: boolean): Promise<boolean> {
    const hex = hexOf(id)
    if (!this.releasing.delete(`${hex}!${holder}`)) return false
    if (confirmed) return this.drop(hex, holder)
    const c = this.byChunk.get(hex)?.get(holder)
    if (c !== undefined && !this.suspended.has(holder)) this.mirror(hex, c)
    return false
  }

  isReleasing(id: Uint8Array | string, holder: string): boolean {
    return this.releasing.has(`${hexOf(id)}!${holder}`)
  }

  /** A copy failed its audit: never place that chunk on that holder again (this run). */
  distrust(id: Uint8Array | string, holder: string): void {
    this.distrusted.add(`${hexOf(id)}!${holder}`)
  }
  isDistrusted(id: Uint8Array | string, holder: string): boolean {
    return this.distrusted.has(`${hexOf(id)}!${holder}`)
  }

  /** The holder stopped answering: its copies stop counting towards health. */
  suspend(holder: string): void {
    if (this.suspended.has(holder)) return
    this.suspended.add(holder)
    this.components.health.dropHolder(holder)
  }

  /** The holder answers again: its copies count again. */
  resume(holder: string): void {
    if (!this.suspended.delete(holder)) return
    for (const [hex, m] of this.byChunk) {
      const c = m.get(holder)
      if (c !== undefined && !this.releasing.has(`${hex}!${holder}`)) this.mirror(hex, c)
    }
  }

  isSuspended(holder: string): boolean {
    return this.suspended.has(holder)
  }

  copies(id: Uint8Array | string): KnownCopy[] {
    return [...(this.byChunk.get(hexOf(id))?.values() ?? [])]
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
