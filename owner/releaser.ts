import { peerIdFromString } from '@libp2p/peer-id'
import { type Identity, MeshkeepError, type NodeKeys, openManifest, toHex } from '../core/index.js'
import { MAX_RELEASE_IDS, MAX_RELEASE_VERSIONS, RemoteError, type RpcLibp2p, releaseChunks } from '../protocols/index.js'
import type { CopyBook } from './copy-book.js'
import { eachLimited } from './each-limited.js'
import type { OwnerStore } from './owner-store.js'

export interface ReleaserComponents {
  libp2p: RpcLibp2p
  identity: Identity
  keys: NodeKeys
  store: OwnerStore
  book: CopyBook
  onContact: (holder: string, answered: boolean) => void
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface ReleaserInit {
  /** versions kept, the latest included */
  retainVersions: number
  concurrency: number
  requestTimeoutMs: number
}

/** What one release run did. */
export interface ReleaseReport {
  at: number
  /** the versions kept */
  retained: number[]
  /** versions whose manifests were dropped from the owner store in this run */
  droppedVersions: number[]
  /** chunk copies holders confirmed releasing */
  copiesReleased: number
  /** chunks forgotten entirely (no copy left anywhere the owner knows of) */
  chunksForgotten: number
  /** holders that could not be asked; their copies are retried on the next run */
  failedHolders: string[]
}

/**
 * Keeps the latest `retainVersions` versions and lets go of the rest: every
 * holder is asked to release the chunks no retained version uses (and the
 * manifests of dropped versions), and the owner store drops their manifests,
 * copy records, audit roots and local copies.
 *
 * Safety: the set of chunks in use is computed from the retained manifests
 * themselves; if any of them cannot be opened nothing is released. A copy
 * leaves the book only after its holder confirmed; unreachable holders are
 * asked again on the next run (their leases end on their own otherwise).
 * The caller runs this under the distribution lock, so no put can start
 * reusing a chunk while it is being released.
 */
export class Releaser {
  constructor(
    private readonly components: ReleaserComponents,
    private readonly init: ReleaserInit
  ) {}

  /**
   * @param pinned versions being read right now: kept this run even when
   *   older than the retained ones (released on a later run)
   */
  async run(signal: AbortSignal, pinned: ReadonlySet<number> = new Set()): Promise<ReleaseReport> {
    const { store, book, keys, identity, log } = this.components
    const versions = await store.versions()
    const newest = versions.slice(-Math.max(1, this.init.retainVersions))
    const retained = versions.filter(v => newest.includes(v) || pinned.has(v))
    const oldest = newest[0] ?? Number.POSITIVE_INFINITY
    const dropped = (v: number) => v < oldest && !pinned.has(v)
    const report: ReleaseReport = { at: Date.now(), retained, droppedVersions: [], copiesReleased: 0, chunksForgotten: 0, failedHolders: [] }

    const used = new Set<string>()
    for (const v of retained) {
      const sealed = await store.getManifest(v)
      if (sealed === undefined) throw new MeshkeepError('INTERNAL', `retained version ${v} has no manifest in the owner store; nothing is released`)
      for (const c of openManifest(sealed, keys.manifestKey, identity.peerId).chunks) used.add(toHex(c.id))
    }

    // what each holder is asked to release: unused chunks it holds, manifests of dropped versions
    const asks = new Map<string, { ids: string[]; versions: number[] }>()
    const ask = (holder: string) => {
      let a = asks.get(holder)
      if (a === undefined) {
        a = { ids: [], versions: [] }
        asks.set(holder, a)
      }
      return a
    }
    const unused = book.chunkIds().filter(hex => !used.has(hex))
    for (const hex of unused) for (const c of book.copies(hex)) if (!book.isSuspended(c.holder)) ask(c.holder).ids.push(hex)
    const droppedPlacements = (await store.placedVersions()).filter(dropped)
    for (const v of droppedPlacements)
      for (const h of (await store.getManifestPlacement(v))?.holders ?? []) if (!book.isSuspended(h.holder)) ask(h.holder).versions.push(v)

    const released = new Map<number, Set<string>>()
    await eachLimited(asks, this.init.concurrency, async ([holder, a]) => {
      for (const hex of a.ids) book.startRelease(hex, holder)
      const ok = await this.ask(holder, a.ids, a.versions, signal).catch(async err => {
        for (const hex of a.ids) await book.finishRelease(hex, holder, false)
        throw err
      })
      if (!ok) {
        for (const hex of a.ids) await book.finishRelease(hex, holder, false)
        report.failedHolders.push(holder)
        return
      }
      for (const hex of a.ids) if (await book.finishRelease(hex, holder, true)) report.copiesReleased++
      for (const v of a.versions) released.set(v, (released.get(v) ?? new Set()).add(holder))
    })

    for (const v of droppedPlacements) {
      const p = await store.getManifestPlacement(v)
      if (p === undefined) continue
      const left = p.holders.filter(h => !released.get(v)?.has(h.holder))
      if (left.length === 0) await store.deleteManifestPlacement(v)
      else await store.putManifestPlacement(v, { ...p, holders: left })
    }
    for (const v of versions) {
      if (!dropped(v)) continue
      await store.deleteManifest(v)
      report.droppedVersions.push(v)
    }
    // chunks no retained version uses and no holder still has: forget them (roots and local copies too)
    const still = new Set(book.chunkIds())
    const local = new Set([...(await store.localChunkIds()), ...(await store.auditRootIds())])
    const forget = [...new Set([...unused, ...local])].filter(hex => !used.has(hex) && !still.has(hex))
    await book.forget(forget)
    report.chunksForgotten = forget.length
    await store.collectReceipts()
    if (report.copiesReleased > 0 || report.droppedVersions.length > 0) log?.('released', { ...report })
    return report
  }

  /** One holder: chunk ids and manifest versions, in protocol-sized slices. True when every slice was confirmed. */
  private async ask(holder: string, ids: string[], versions: number[], signal: AbortSignal): Promise<boolean> {
    const { libp2p, onContact, log } = this.components
    const slices = Math.max(Math.ceil(ids.length / MAX_RELEASE_IDS), Math.ceil(versions.length / MAX_RELEASE_VERSIONS), 1)
    for (let s = 0; s < slices; s++) {
      const idSlice = ids.slice(s * MAX_RELEASE_IDS, (s + 1) * MAX_RELEASE_IDS)
      const vSlice = versions.slice(s * MAX_RELEASE_VERSIONS, (s + 1) * MAX_RELEASE_VERSIONS)
      if (idSlice.length === 0 && vSlice.length === 0) continue
      try {
        await releaseChunks(
          libp2p,
          peerIdFromString(holder),
          idSlice.map(h => Buffer.from(h, 'hex')),
          vSlice,
          { signal, timeoutMs: this.init.requestTimeoutMs }
        )
        onContact(holder, true)
      } catch (err) {
        if (signal.aborted) throw signal.reason
        onContact(holder, err instanceof RemoteError && err.remote)
        log?.('release failed; retried on the next run', { holder, err: String(err) })
        return false
      }
    }
    return true
  }
}
