import { peerIdFromString } from '@libp2p/peer-id'
import {
  type AttestationVerifier,
  auditRoot,
  bytesEqual,
  type ChunkRef,
  type Identity,
  peerIdFromString as peerIdBytes,
  REPLICAS,
  rankHolders,
  sha256,
  toHex
} from '../core/index.js'
import { fetchChunks, MAX_BATCH, MAX_RELEASE_IDS, putManifest, RemoteError, type RpcLibp2p, releaseChunks } from '../protocols/index.js'
import type { CopyBook } from './copy-book.js'
import { eachLimited } from './each-limited.js'
import type { ManifestCopy, OwnerStore } from './owner-store.js'
import { batchesByHolder, type Placer } from './placer.js'
import type { Reachability } from './reachability.js'
import type { HolderDirectory, HolderInfo, PointerDirectory } from './types.js'

export interface RepairerComponents {
  libp2p: RpcLibp2p
  identity: Identity
  verifier: AttestationVerifier
  store: OwnerStore
  book: CopyBook
  reach: Reachability
  placer: Placer
  directory: HolderDirectory
  pointers: PointerDirectory
  onContact: (holder: string, answered: boolean) => void
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface RepairerInit {
  /** a holder down this long is treated as gone */
  repairAfterMs: number
  /** store/fetch/release exchanges in flight at once */
  concurrency: number
  /** chunks whose bytes are in memory at once */
  windowChunks: number
  requestTimeoutMs: number
  /** a copy (or manifest copy) whose lease ends within this is renewed */
  renewBeforeMs: number
  /** lease asked of holders for manifests, ms */
  leaseMs: number
}

/** One retained version, as the repairer walks it. */
export interface RetainedVersion {
  version: number
  chunks: readonly ChunkRef[]
  /** the latest version: its pointer is the one the DHT names */
  latest: boolean
}

/** What one repair run did. */
export interface RepairReport {
  at: number
  /** new copies stored */
  moved: number
  /** copies still missing after every eligible holder was tried */
  failed: number
  /** copies whose lease was renewed without sending their bytes */
  renewed: number
  /** surplus copies released after a rebalance (only once the new ones were attested) */
  released: number
  /** holders treated as gone: left the registry, or unreachable past `repairAfterMs` */
  gone: string[]
  /** manifest copies stored anew or renewed */
  manifestMoved: number
  /** the version pointer was (re)published */
  pointerPublished: boolean
  ms: number
}

/** Where one chunk's copies should go. */
export interface ChunkPlan {
  /** new copies to store */
  want: number
  /** holders to try, best first (eligible, not holding it, not down) */
  candidates: HolderInfo[]
  /** the chunk's rendezvous primaries over the current members */
  top: string[]
}

/**
 * Pure placement rule for one chunk. `ranked` is the chunk's rendezvous
 * ranking over the current members (the owner excluded); `have` the holders
 * whose copy counts (including holders only briefly unreachable, whose
 * copies are pending, not lost); `down` holders are never targets.
 *
 * - Repair: a chunk with fewer than two copies gets new ones at the next
 *   holders of its ranking that do not hold it.
 * - Rebalance (after an epoch change): a chunk whose primaries (top two)
 *   changed gets copies at the new primaries, and only there.
 */
export function planChunk(ranked: HolderInfo[], have: ReadonlySet<string>, down: (holder: string) => boolean, rebalance: boolean): ChunkPlan {
  const top = ranked.slice(0, REPLICAS).map(h => h.peerIdString)
  const open = ranked.filter(h => !have.has(h.peerIdString) && !down(h.peerIdString))
  const deficit = Math.max(0, REPLICAS - have.size)
  const misplaced = rebalance ? top.filter(h => !have.has(h) && !down(h)).length : 0
  // a rebalance of a chunk that has its two copies moves it to the primaries or not at all
  const candidates = rebalance && deficit === 0 ? open.filter(h => top.includes(h.peerIdString)) : open
  return { want: Math.max(deficit, misplaced), candidates, top }
}

interface Job {
  ref: ChunkRef
  hex: string
  plan: ChunkPlan
  sources: string[]
  bytes?: Uint8Array
  tried: Set<string>
  placed: string[]
}

/**
 * Keeps every retained version alive: drops copies on holders that are gone,
 * renews leases before they end (without resending bytes), stores new copies
 * from a good source (the local copy, else a remaining holder, id verified)
 * at the next holders of each chunk's ranking, moves the primaries after an
 * epoch change (releasing the old copies only once the new ones are
 * attested), keeps each version's manifest on two live holders with running
 * leases, and republishes the latest version's pointer when its holders
 * change.
 */
export class Repairer {
  constructor(
    private readonly components: RepairerComponents,
    private readonly init: RepairerInit
  ) {}

  async run(retained: readonly RetainedVersion[], options: { rebalance: boolean; signal: AbortSignal }): Promise<RepairReport> {
    const started = Date.now()
    const { signal, rebalance } = options
    const { book, reach, directory, identity, log } = this.components
    // leases are read on the book's clock; `started` only times the run
    const now = book.now()
    const self = identity.peerIdString
    const members = directory.members().filter(m => m.peerIdString !== self)
    const memberIds = new Set(members.map(m => m.peerIdString))
    // before the first registry view, an empty member list is no evidence that anyone left
    const viewReady = directory.ready?.() ?? true
    const overdue = new Set(reach.overdue(now, this.init.repairAfterMs))
    const gone = [...book.holders()].filter(h => (viewReady && !memberIds.has(h)) || overdue.has(h))
    for (const h of gone) {
      const affected = await book.dropHolder(h)
      log?.('holder gone; its copies are dropped', { holder: h, chunks: affected.length, left: !memberIds.has(h) })
    }
    const live = members.filter(m => !overdue.has(m.peerIdString))
    const isDown = (h: string) => reach.isDown(h)
    const report: RepairReport = { at: started, moved: 0, failed: 0, renewed: 0, released: 0, gone, manifestMoved: 0, pointerPublished: false, ms: 0 }
    const renewBy = now + this.init.renewBeforeMs

    // every chunk of every retained version, once
    const refs = new Map<string, ChunkRef>()
    for (const v of retained) for (const ref of v.chunks) if (!refs.has(toHex(ref.id))) refs.set(toHex(ref.id), ref)

    report.renewed = await this.renew(refs, renewBy, signal)

    const jobs: Job[] = []
    const surplus = new Map<string, string[]>()
    for (const [hex, ref] of refs) {
      const copies = book.copies(hex).filter(c => c.leaseExpiresAt > renewBy)
      const have = new Set(copies.map(c => c.holder))
      const ranked = rankHolders(
        ref.id,
        identity.peerId,
        live.filter(m => !book.isDistrusted(hex, m.peerIdString)),
        ref.size
      )
      const plan = planChunk(ranked, have, isDown, rebalance)
      if (plan.want > 0) {
        // sources: reachable holders of a live copy, best-ranked first
        const order = new Map(ranked.map((h, i) => [h.peerIdString, i]))
        const sources = book
          .copies(hex)
          .filter(c => c.leaseExpiresAt > now)
          .map(c => c.holder)
          .filter(h => !book.isSuspended(h))
          .sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9))
        jobs.push({ ref, hex, plan, sources, tried: new Set(), placed: [] })
      } else if (rebalance && plan.top.length === REPLICAS && plan.top.every(h => have.has(h))) {
        this.noteSurplus(surplus, hex, have, plan.top)
      }
    }

    for (let i = 0; i < jobs.length; i += this.init.windowChunks) {
      signal.throwIfAborted()
      const window = jobs.slice(i, i + this.init.windowChunks)
      await this.loadBytes(window, signal)
      await this.place(window, signal)
      for (const job of window) {
        report.moved += job.placed.length
        report.failed += job.plan.want
        job.bytes = undefined
        if (!rebalance) continue
        const now = new Set(book.copies(job.hex).map(c => c.holder))
        if (job.plan.top.length === REPLICAS && job.plan.top.every(h => now.has(h))) this.noteSurplus(surplus, job.hex, now, job.plan.top)
      }
    }
    report.released = await this.releaseSurplus(surplus, signal)
    for (const v of retained) await this.repairManifest(v, live, memberIds, viewReady, overdue, renewBy, report, signal)
    report.ms = Date.now() - started
    return report
  }

  /**
   * Extends the lease of every copy that ends before `renewBy`, at its
   * holder, without sending the bytes: a holder that still has an intact
   * copy signs a fresh receipt; one that says it has none loses the copy
   * from the book (repair then stores a new one).
   */
  private async renew(refs: ReadonlyMap<string, ChunkRef>, renewBy: number, signal: AbortSignal): Promise<number> {
    const { book, placer, directory } = this.components
    const now = book.now()
    const byHolder = new Map<string, ChunkRef[]>()
    for (const [hex, ref] of refs) {
      for (const c of book.counting(hex, now)) {
        if (c.leaseExpiresAt > renewBy) continue
        const list = byHolder.get(c.holder) ?? []
        list.push(ref)
        byHolder.set(c.holder, list)
      }
    }
    const members = new Map(directory.members().map(m => [m.peerIdString, m]))
    let renewed = 0
    const batches: Array<[string, ChunkRef[]]> = []
    for (const [holder, list] of byHolder) for (let k = 0; k < list.length; k += MAX_BATCH) batches.push([holder, list.slice(k, k + MAX_BATCH)])
    await eachLimited(batches, this.init.concurrency, async ([holder, batch]) => {
      const info = members.get(holder) ?? { peerIdString: holder, peerId: peerIdBytes(holder), capacityBucket: 0 }
      const ok = await placer.storeAt(
        info,
        batch.map(r => ({ id: r.id, size: r.size, renew: true as const })),
        signal
      )
      if (ok === undefined) return // unreachable: reachability and repair deal with it
      for (const [k, ref] of batch.entries()) {
        if (ok[k] === true) renewed++
        else await book.drop(ref.id, holder)
      }
    })
    return renewed
  }

  /** Copies beyond the primaries, on holders that can be asked to release them. */
  private noteSurplus(surplus: Map<string, string[]>, hex: string, holders: ReadonlySet<string>, top: string[]): void {
    for (const h of holders) {
      if (top.includes(h) || this.components.book.isSuspended(h)) continue
      const list = surplus.get(h) ?? []
      list.push(hex)
      surplus.set(h, list)
    }
  }

  /** Fills `bytes` for each job: the local copy, else a fetch from its sources; every id checked. */
  private async loadBytes(jobs: Job[], signal: AbortSignal): Promise<void> {
    const { store, libp2p, onContact } = this.components
    const pending: Job[] = []
    for (const job of jobs) {
      const local = await store.getChunk(job.ref.id)
      if (local !== undefined && bytesEqual(sha256(local), job.ref.id)) job.bytes = local
      else pending.push(job)
    }
    let open = pending
    while (open.length > 0) {
      signal.throwIfAborted()
      const bySource = new Map<string, Job[]>()
      for (const job of open) {
        const source = job.sources.shift()
        if (source === undefined) continue
        const list = bySource.get(source) ?? []
        list.push(job)
        bySource.set(source, list)
      }
      if (bySource.size === 0) break
      const batches: Array<[string, Job[]]> = []
      for (const [h, list] of bySource) for (let k = 0; k < list.length; k += MAX_BATCH) batches.push([h, list.slice(k, k + MAX_BATCH)])
      await eachLimited(batches, this.init.concurrency, async ([holder, batch]) => {
        try {
          const data = await fetchChunks(
            libp2p,
            peerIdFromString(holder),
            batch.map(j => j.ref.id),
            { signal, timeoutMs: this.init.requestTimeoutMs }
          )
          onContact(holder, true)
          for (const [k, job] of batch.entries()) {
            const d = data[k]
            if (d !== undefined && bytesEqual(sha256(d), job.ref.id)) job.bytes = d
          }
        } catch (err) {
          if (signal.aborted) throw signal.reason
          onContact(holder, err instanceof RemoteError && err.remote)
        }
      })
      open = open.filter(j => j.bytes === undefined)
    }
    for (const job of jobs) {
      if (job.bytes === undefined) {
        this.components.log?.('no intact copy to repair from', { chunk: job.hex.slice(0, 16) })
        continue
      }
      // the bytes are here anyway: record the audit root if it is missing
      if ((await store.getAuditRoot(job.ref.id)) === undefined) await store.putAuditRoot(job.ref.id, auditRoot(job.bytes))
    }
  }

  /** Rounds of batched stores; each failure moves that chunk to its next candidate. */
  private async place(jobs: Job[], signal: AbortSignal): Promise<void> {
    const { placer, reach } = this.components
    const next = (job: Job) => job.plan.candidates.filter(h => !job.tried.has(h.peerIdString) && !reach.isDown(h.peerIdString))
    let open = jobs.filter(j => j.bytes !== undefined && j.plan.want > 0)
    while (open.length > 0) {
      signal.throwIfAborted()
      const picks: Array<{ holder: HolderInfo; job: Job }> = []
      for (const job of open) {
        for (const h of next(job).slice(0, job.plan.want)) {
          job.tried.add(h.peerIdString)
          picks.push({ holder: h, job })
        }
      }
      const batches = batchesByHolder(picks)
      if (batches.length === 0) break
      await eachLimited(batches, this.init.concurrency, async b => {
        const ok = await placer.storeAt(
          b.holder,
          b.jobs.map(j => ({ id: j.ref.id, bytes: j.bytes as Uint8Array })),
          signal
        )
        ok?.forEach((stored, k) => {
          const job = b.jobs[k] as Job
          if (!stored) return
          job.plan.want--
          job.placed.push(b.holder.peerIdString)
        })
      })
      open = open.filter(j => j.plan.want > 0 && next(j).length > 0)
    }
  }

  /** Asks holders to drop surplus copies; a copy leaves the book only once its holder confirmed. */
  private async releaseSurplus(surplus: Map<string, string[]>, signal: AbortSignal): Promise<number> {
    const { libp2p, book, onContact, log } = this.components
    let released = 0
    await eachLimited(surplus, this.init.concurrency, async ([holder, ids]) => {
      for (let i = 0; i < ids.length; i += MAX_RELEASE_IDS) {
        const slice = ids.slice(i, i + MAX_RELEASE_IDS)
        for (const hex of slice) book.startRelease(hex, holder)
        try {
          await releaseChunks(
            libp2p,
            peerIdFromString(holder),
            slice.map(h => Buffer.from(h, 'hex')),
            [],
            { signal, timeoutMs: this.init.requestTimeoutMs }
          )
          onContact(holder, true)
        } catch (err) {
          for (const hex of slice) await book.finishRelease(hex, holder, false)
          if (signal.aborted) throw signal.reason
          onContact(holder, err instanceof RemoteError && err.remote)
          log?.('releasing surplus copies failed; they stay until their lease ends', { holder, err: String(err) })
          return
        }
        for (const hex of slice) if (await book.finishRelease(hex, holder, true)) released++
      }
    })
    return released
  }

  /**
   * Keeps a retained version's manifest on two live holders with running
   * leases (storing it again renews a lease), and, for the latest version,
   * republishes the pointer when its holders changed or it never went out.
   */
  private async repairManifest(
    v: RetainedVersion,
    live: HolderInfo[],
    memberIds: ReadonlySet<string>,
    viewReady: boolean,
    overdue: ReadonlySet<string>,
    renewBy: number,
    report: RepairReport,
    signal: AbortSignal
  ): Promise<void> {
    const { store, libp2p, identity, verifier, reach, pointers, log } = this.components
    const placement = await store.getManifestPlacement(v.version)
    const sealed = await store.getManifest(v.version)
    if (placement === undefined || sealed === undefined) return
    const kept = placement.holders.filter(h => (!viewReady || memberIds.has(h.holder)) && !overdue.has(h.holder))
    let changed = kept.length !== placement.holders.length
    const put = async (holder: HolderInfo): Promise<ManifestCopy | undefined> => {
      try {
        const att = await putManifest(libp2p, peerIdFromString(holder.peerIdString), sealed, this.init.leaseMs, {
          signal,
          timeoutMs: this.init.requestTimeoutMs
        })
        const ok = verifier.verify(
          att,
          { owner: identity.peerId, holder: holder.peerId, item: { id: placement.manifestId, size: sealed.length } },
          this.components.book.now()
        )
        report.manifestMoved++
        changed = true
        return { holder: holder.peerIdString, leaseExpiresAt: ok.leaseExpiresAt }
      } catch (err) {
        if (signal.aborted) throw signal.reason
        log?.('manifest store failed', { holder: holder.peerIdString, version: v.version, err: String(err) })
        return undefined
      }
    }
    const byId = new Map(live.map(h => [h.peerIdString, h]))
    const holders: ManifestCopy[] = []
    for (const copy of kept) {
      const info = byId.get(copy.holder)
      // a lease about to end is renewed by storing the manifest again; a holder that refuses loses its place
      if (copy.leaseExpiresAt <= renewBy && info !== undefined && !reach.isDown(copy.holder)) {
        const renewed = await put(info)
        if (renewed !== undefined) holders.push(renewed)
        else changed = true
      } else holders.push(copy)
    }
    if (holders.length < REPLICAS) {
      const ranked = rankHolders(placement.manifestId, identity.peerId, live, Math.min(sealed.length, 65_536))
      for (const h of ranked) {
        if (holders.length >= REPLICAS) break
        if (holders.some(c => c.holder === h.peerIdString) || reach.isDown(h.peerIdString)) continue
        const placed = await put(h)
        if (placed !== undefined) holders.push(placed)
      }
    }
    const moved = holders.map(h => h.holder).join() !== placement.holders.map(h => h.holder).join()
    let published = placement.published && !moved
    if (v.latest && !published && holders.length > 0) {
      try {
        await pointers.publish(
          { version: v.version, manifestId: placement.manifestId, holders: holders.map(h => peerIdBytes(h.holder)) },
          { signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]) }
        )
        published = true
        report.pointerPublished = true
      } catch (err) {
        if (signal.aborted) throw signal.reason
        log?.('publishing the version pointer failed; will retry on the next repair', { err: String(err) })
      }
    }
    if (changed || published !== placement.published) await store.putManifestPlacement(v.version, { manifestId: placement.manifestId, holders, published })
  }
}
