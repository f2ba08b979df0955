/**
 * The old identity during a rotation, inside the daemon that already runs
 * as the new one. Holders serve an owner's chunks and manifests, and
 * release them, only to that owner's noise-authenticated peer id, so
 * reading the old state from the network, keeping it alive until the
 * handoff, and releasing it afterwards all need the old peer id on the
 * network while the node itself speaks as the new one.
 *
 * Why a second libp2p node: the alternative, one node switching back and
 * forth, would drop every connection and registration of the new identity
 * at each switch, and a crash in the wrong state would leave the node as
 * the wrong identity. A second node is independent of the first: it
 * listens nowhere, runs the DHT as a client only (it is in nobody's routing
 * table and is no registry candidate), is never registered as a holder,
 * dials holders at the addresses the main node's registry view lists, and
 * lives only as long as the rotation needs it.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  createLimiter,
  deriveNodeKeys,
  type Identity,
  identityFromSeed,
  MAX_CAPACITY_BUCKET,
  type Manifest,
  MeshkeepError,
  type NodeKeys,
  openManifest,
  rankHolders,
  toHex
} from '../../core/index.js'
import { type HolderDirectory, type OwnerInit, OwnerService, type OwnerStore, waitForMesh } from '../../owner/index.js'
import { listManifests, MAX_RELEASE_IDS, MAX_RELEASE_VERSIONS, releaseChunks } from '../../protocols/index.js'
import { createVersionPointer, Registry, type RegistryView } from '../../registry/index.js'
import { dialBootstrap, type MeshLibp2p } from '../node/libp2p.js'

/** Holders per chunk, in rendezvous order, asked to release it besides those the copy records name (like the census after a recovery). */
const RELEASE_DEPTH = 4
/** Holders asked at once while releasing. */
const RELEASE_CONCURRENCY = 8
/** Deadline of one list or release exchange, ms. */
const RELEASE_REQUEST_MS = 15_000

export interface OldIdentityInit {
  rootSecret: Uint8Array
  /** the old identity's owner records (`MeshNode.ownerStore`) */
  store: OwnerStore
  /** the running node's registry (the new identity's): the holders to talk to, and the DHT for pointers */
  registry: () => Registry
  /** peers the old identity must never count as holders: the new identity, which lives on this same machine */
  exclude: string[]
  bootstrap: string[]
  /** makes the helper node with the running node's network settings (`MeshNode.createHelperLibp2p`) */
  createLibp2p: (identitySeed: Uint8Array) => Promise<MeshLibp2p>
  owner: OwnerInit
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

/** What releasing the old identity's data did. */
export interface ReleaseAllReport {
  /** holders asked (every member of the view, and every holder a copy record names) */
  holders: number
  /** chunk copies and manifests the holders confirmed releasing */
  released: number
  /** holders that could not be asked; what they hold expires with its lease */
  unreached: string[]
}

export class OldIdentity {
  readonly identity: Identity
  readonly keys: NodeKeys
  private libp2p?: MeshLibp2p
  private ownerService?: OwnerService
  private readonly onViewChange = (evt: Event) => this.learnAddresses((evt as CustomEvent<RegistryView>).detail.members)
  private watched?: Registry
  private directory?: HolderDirectory
  /**
   * The view has settled (two refreshes in a row agree) since the helper
   * started. Until then a holder missing from it is not taken as gone: the
   * main node may have just started, and its first view names only some
   * holders; acting on it would drop the records of copies that exist.
   */
  private settled = false

  constructor(private readonly init: OldIdentityInit) {
    this.keys = deriveNodeKeys(init.rootSecret)
    this.identity = identityFromSeed(this.keys.identitySeed)
  }

  get peerId(): string {
    return this.identity.peerIdString
  }

  /** The old identity's owner service (its retained versions, reads, maintenance). */
  get owner(): OwnerService {
    if (this.ownerService === undefined) throw new MeshkeepError('UNAVAILABLE', 'the old identity is not started')
    return this.ownerService
  }

  /**
   * Starts the helper node and the owner service over the old records;
   * with `maintenance` (until the handoff), audits, lease renewals and
   * repair keep the old state recoverable.
   */
  async start(options: { maintenance: boolean; signal: AbortSignal }): Promise<void> {
    if (this.libp2p !== undefined) return
    const { init } = this
    const libp2p = await init.createLibp2p(this.keys.identitySeed)
    this.libp2p = libp2p
    try {
      if (init.bootstrap.length > 0) await dialBootstrap(libp2p, init.bootstrap)
      this.watched = init.registry()
      this.watched.addEventListener('change', this.onViewChange)
      this.learnAddresses(this.watched.view().members)
      const exclude = new Set([...init.exclude, this.peerId])
      const log = init.log
      const directory: HolderDirectory = {
        members: () =>
          init
            .registry()
            .view()
            .members.filter(m => !exclude.has(m.peerIdString)),
        ready: () => this.settled,
        refresh: async ({ signal }) => {
          const view = await init.registry().refresh({ signal })
          this.learnAddresses(view.members)
        },
        connectedPeers: () => [...new Set(libp2p.getConnections().map(c => c.remotePeer.toString()))].filter(p => !exclude.has(p))
      }
      this.directory = directory
      this.ownerService = new OwnerService(
        {
          libp2p,
          identity: this.identity,
          keys: this.keys,
          store: init.store,
          directory,
          pointers: {
            publish: async (p, opts) => {
              await init
                .registry()
                .publishVersionPointer(
                  createVersionPointer({ owner: this.identity, version: p.version, manifestId: p.manifestId, manifestHolders: p.holders }),
                  opts
                )
            },
            resolve: async opts => {
              const p = await init.registry().resolveVersionPointer(this.identity.peerId, opts)
              return p === undefined ? undefined : { version: p.version, manifestId: p.manifestId, holders: p.manifestHolders }
            }
          }
        },
        { ...init.owner, log: log === undefined ? undefined : (msg, fields) => log(`old identity: ${msg}`, { ...fields, identity: this.peerId }) }
      )
      await this.ownerService.start()
      if (options.maintenance) {
        await this.settle(options.signal)
        this.ownerService.startMaintenance()
      }
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Waits (once) until the registry view has settled; see `settled`. */
  private async settle(signal: AbortSignal): Promise<void> {
    if (this.settled || this.directory === undefined) return
    await waitForMesh(this.directory, this.peerId, signal)
    this.settled = true
  }

  /** Ends audits, repairs and releases of the old state (after the handoff nothing keeps it alive). */
  async stopMaintenance(): Promise<void> {
    await this.ownerService?.stop()
  }

  /**
   * Asks the holders to drop everything of the old identity: each holder
   * a copy record names, the chunks it holds and the manifests placed on
   * it; each chunk's first RELEASE_DEPTH holders in rendezvous order, that
   * chunk; every member of the view, the manifests it lists for the old
   * identity (a holder may keep one the records do not know of). Each
   * holder is tried up to three times; the rest are reported.
   */
  async releaseAll(signal: AbortSignal): Promise<ReleaseAllReport> {
    const libp2p = this.libp2p
    if (libp2p === undefined) throw new MeshkeepError('UNAVAILABLE', 'the old identity is not started')
    // who to ask comes from the view: a partial one would leave copies behind
    await this.settle(signal)
    this.learnAddresses(this.init.registry().view().members)
    const store = this.init.store
    const asks = new Map<string, { ids: Set<string>; versions: Set<number> }>()
    const ask = (holder: string) => {
      let a = asks.get(holder)
      if (a === undefined) {
        a = { ids: new Set(), versions: new Set() }
        asks.set(holder, a)
      }
      return a
    }
    for await (const [idHex, copy] of store.copies()) ask(copy.holder).ids.add(idHex)
    for (const v of await store.placedVersions()) for (const h of (await store.getManifestPlacement(v))?.holders ?? []) ask(h.holder).versions.add(v)
    const skip = new Set([...this.init.exclude, this.peerId])
    // full holders too: a copy may be where there is no room for a new one
    const members = this.init
      .registry()
      .view()
      .members.filter(m => !skip.has(m.peerIdString))
      .map(m => ({ ...m, capacityBucket: MAX_CAPACITY_BUCKET }))
    for (const m of members) ask(m.peerIdString)
    // Copies the records do not name sit where placement would have put them: a hedged store
    // cancelled before its receipt, a fallback, a copy made by a node restored from the old
    // phrase. They are on the chunk's first ranked holders.
    for (const m of await this.retainedManifests(store)) {
      for (const c of m.chunks) {
        const hex = toHex(c.id)
        for (const h of rankHolders(c.id, this.identity.peerId, members, c.size).slice(0, RELEASE_DEPTH)) ask(h.peerIdString).ids.add(hex)
      }
    }

    const report: ReleaseAllReport = { holders: asks.size, released: 0, unreached: [] }
    const limit = createLimiter(RELEASE_CONCURRENCY)
    await Promise.all(
      [...asks].map(([holder, a]) =>
        limit(async () => {
          for (let attempt = 1; ; attempt++) {
            try {
              report.released += await this.releaseAt(libp2p, holder, a, signal)
              return
            } catch (err) {
              signal.throwIfAborted()
              if (attempt >= 3) {
                report.unreached.push(holder)
                this.init.log?.('old identity: a holder could not be asked to release; its copies expire with their leases', { holder, err: String(err) })
                return
              }
              await new Promise(resolve => setTimeout(resolve, 1000 * attempt))
            }
          }
        })
      )
    )
    return report
  }

  /** Every manifest the old owner records keep, opened (a damaged one is skipped: its copies are found by the records). */
  private async retainedManifests(store: OwnerStore): Promise<Manifest[]> {
    const out: Manifest[] = []
    for (const v of await store.versions()) {
      const sealed = await store.getManifest(v)
      if (sealed === undefined) continue
      try {
        out.push(openManifest(sealed, this.keys.manifestKey, this.identity.peerId))
      } catch (err) {
        this.init.log?.('old identity: a stored manifest does not open; releasing the copies the records name', { version: v, err: String(err) })
      }
    }
    return out
  }

  /**
   * Publishes a tombstone for the old identity's registry record, with a
   * seq above any record of it in the DHT, so owners stop placing chunks
   * on it (it no longer answers: the node runs as the new identity). Sent
   * through the helper node: the tombstone is the old identity's own
   * leave, and the main node's shard provider record stays untouched.
   */
  async tombstone(signal: AbortSignal): Promise<void> {
    const libp2p = this.libp2p
    if (libp2p === undefined) throw new MeshkeepError('UNAVAILABLE', 'the old identity is not started')
    const registry = new Registry({ libp2p, identity: this.identity })
    try {
      await registry.leave({ signal })
    } finally {
      registry.stop()
    }
  }

  /** One holder: the versions it lists for us join the asked ones; then chunk ids and versions in protocol-sized slices. */
  private async releaseAt(libp2p: MeshLibp2p, holder: string, a: { ids: Set<string>; versions: Set<number> }, signal: AbortSignal): Promise<number> {
    const peer = peerIdFromString(holder)
    const options = { signal, timeoutMs: RELEASE_REQUEST_MS }
    for (const v of await listManifests(libp2p, peer, options)) a.versions.add(v)
    const ids = [...a.ids]
    const versions = [...a.versions]
    let released = 0
    const slices = Math.max(Math.ceil(ids.length / MAX_RELEASE_IDS), Math.ceil(versions.length / MAX_RELEASE_VERSIONS))
    for (let s = 0; s < slices; s++) {
      const idSlice = ids.slice(s * MAX_RELEASE_IDS, (s + 1) * MAX_RELEASE_IDS).map(h => Uint8Array.from(Buffer.from(h, 'hex')))
      const vSlice = versions.slice(s * MAX_RELEASE_VERSIONS, (s + 1) * MAX_RELEASE_VERSIONS)
      released += await releaseChunks(libp2p, peer, idSlice, vSlice, options)
    }
    return released
  }

  /** The helper node dials holders by peer id: give it the addresses the registry view lists. */
  private learnAddresses(members: RegistryView['members']): void {
    const libp2p = this.libp2p
    if (libp2p === undefined) return
    for (const m of members) {
      if (m.peerIdString === this.peerId || m.addrs.length === 0) continue
      try {
        const multiaddrs = m.addrs.map(a => multiaddr(a))
        libp2p.peerStore.merge(peerIdFromString(m.peerIdString), { multiaddrs }).catch(() => {})
      } catch {
        // an address the registry validated but this node cannot parse: the holder stays unreachable from here
      }
    }
  }

  /** Stops the owner service and the helper node. Idempotent. */
  async stop(): Promise<void> {
    this.watched?.removeEventListener('change', this.onViewChange)
    this.watched = undefined
    const owner = this.ownerService
    this.ownerService = undefined
    await owner?.stop()
    const libp2p = this.libp2p
    this.libp2p = undefined
    await libp2p?.stop()
  }
}
