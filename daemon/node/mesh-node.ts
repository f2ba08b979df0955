import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { capacityBucket, deriveNodeKeys, type Identity, identityFromSeed, MeshkeepError, type NodeKeys } from '../../core/index.js'
import { type HolderInit, HolderService } from '../../holder/index.js'
import { type OwnerInit, OwnerService, OwnerStore, type PointerDirectory } from '../../owner/index.js'
import { type RpcLibp2p, Throttle } from '../../protocols/index.js'
import { createVersionPointer, Registry, type RegistryInit, registrySelectors, registryValidators, resolveHandoff } from '../../registry/index.js'
import { BlobStore, type KeyValueStore, LOCAL_NAMESPACE, migrate, type OpenedDatabase, openLevel } from '../../storage/index.js'
import { createMeshLibp2p, dialBootstrap, type Libp2pMetricsInit, type MeshLibp2p } from './libp2p.js'

/** First delay before a lone node dials its bootstrap list again; it doubles up to the max, ms. */
const BOOTSTRAP_RETRY_FIRST_MS = 2_000
const BOOTSTRAP_RETRY_MAX_MS = 60_000

export interface MeshNodeInit {
  /** where LevelDB lives (`<dataDir>/db`) */
  dataDir: string
  rootSecret: Uint8Array
  /**
   * The LevelDB sublevel of this identity's owner records. Each identity a
   * data dir has had (see `meshkeep rotate`) keeps its own @default 'owner'
   */
  ownerStore?: string
  listen?: string[]
  bootstrap?: string[]
  holder?: HolderInit
  owner?: OwnerInit
  registry?: RegistryInit
  /** register as a holder at start @default true */
  register?: boolean
  /** caps on the node's protocol traffic, bytes per second (0 or absent: uncapped) */
  limits?: { uploadBytesPerSecond?: number; downloadBytesPerSecond?: number }
  /** libp2p's metrics, when the daemon serves them */
  metrics?: Libp2pMetricsInit
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

/**
 * One meshkeep node: libp2p with the private DHT, the registry, the holder
 * service (storing for others) and the owner service (replicating its own
 * state), over one LevelDB database.
 */
export class MeshNode {
  private ownIdentity: Identity
  private ownKeys: NodeKeys
  libp2p!: MeshLibp2p
  registry!: Registry
  holder!: HolderService
  owner!: OwnerService
  private db!: OpenedDatabase
  private blobs!: BlobStore
  private started = false
  private registering: Promise<void> = Promise.resolve()
  private bootstrap: string[] = []
  private bootstrapTimer: NodeJS.Timeout | undefined

  constructor(private init: MeshNodeInit) {
    this.ownKeys = deriveNodeKeys(init.rootSecret)
    this.ownIdentity = identityFromSeed(this.ownKeys.identitySeed)
  }

  /** The identity the node runs as (it changes only through `switchIdentity`). */
  get identity(): Identity {
    return this.ownIdentity
  }

  get keys(): NodeKeys {
    return this.ownKeys
  }

  get peerId(): string {
    return this.identity.peerIdString
  }

  /** The sublevel of this identity's owner records. */
  get ownerStoreName(): string {
    return this.init.ownerStore ?? 'owner'
  }

  /**
   * A sublevel of the node's database, e.g. another identity's owner
   * records during a rotation. Valid while the node runs: `stop()` closes
   * the database.
   */
  sublevel(name: string): KeyValueStore {
    if (!this.started) throw new MeshkeepError('UNAVAILABLE', 'the node is not running')
    return this.db.store.sub(name)
  }

  /**
   * An identity's owner records (`name`, this node's by default): its
   * sublevel of the database, and its local copies in the blob store under
   * a namespace of its own (`self` for the node's first identity).
   */
  ownerStore(name = this.ownerStoreName): OwnerStore {
    return new OwnerStore(this.db.store.sub(name), this.blobs, name === 'owner' ? LOCAL_NAMESPACE : `self-${name}`)
  }

  /**
   * Stops the node and starts it again as another identity (a rotation's
   * switch): a new libp2p node with the new peer id, its own owner records
   * (`ownerStore`), the same holder store, listen addresses and bootstrap
   * list.
   */
  async switchIdentity(rootSecret: Uint8Array, ownerStore: string): Promise<void> {
    // stop() is a no-op after a switch whose start failed (and undid itself): this start is its retry
    await this.stop()
    this.init = { ...this.init, rootSecret, ownerStore }
    this.ownKeys = deriveNodeKeys(rootSecret)
    this.ownIdentity = identityFromSeed(this.ownKeys.identitySeed)
    await this.start()
  }

  async start(): Promise<void> {
    if (this.started) return
    await mkdir(this.init.dataDir, { recursive: true, mode: 0o700 })
    this.db = await openLevel(join(this.init.dataDir, 'db'))
    // what this start has set going, undone in reverse if a later part fails: LevelDB's lock and
    // libp2p's port must be free again for the caller (or a retry, as a rotation's switch makes)
    const undo: Array<() => Promise<void> | void> = [() => this.db.close()]
    // chunk bytes: segment files beside the database, their index in its `blobs` sublevel
    this.blobs = new BlobStore({ dir: join(this.init.dataDir, 'chunks'), index: this.db.store.sub('blobs'), log: this.init.log })
    undo.push(() => this.blobs.close())
    try {
      await this.startServices(undo)
    } catch (err) {
      clearTimeout(this.bootstrapTimer)
      for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => {})
      throw err
    }
    this.started = true
  }

  /**
   * A short-lived helper node for another identity of this data dir (the
   * old one during a rotation): the same network settings as this node,
   * but it listens nowhere and runs the DHT as a client only, so it is in
   * no routing table and no registry. The caller stops it.
   */
  createHelperLibp2p(identitySeed: Uint8Array): Promise<MeshLibp2p> {
    return createMeshLibp2p({ identitySeed, listen: [], clientMode: true, validators: registryValidators(), selectors: registrySelectors() })
  }

  /** True between a successful `start()` and `stop()`. */
  get running(): boolean {
    return this.started
  }

  private async startServices(undo: Array<() => Promise<void> | void>): Promise<void> {
    await this.blobs.open()
    await migrate(this.db.store, { log: this.init.log, blobs: this.blobs })
    this.libp2p = await createMeshLibp2p({
      identitySeed: this.keys.identitySeed,
      listen: this.init.listen,
      validators: registryValidators(),
      selectors: registrySelectors(),
      ...(this.init.metrics === undefined ? {} : { metrics: this.init.metrics })
    })
    const libp2p = this.libp2p
    undo.push(() => libp2p.stop())
    this.registry = new Registry(
      { libp2p: this.libp2p, identity: this.identity },
      {
        ...this.init.registry,
        onChange: view => {
          this.init.registry?.onChange?.(view)
          // refreshes the write state; a holder that left gets its chunks re-replicated
          this.owner?.onMembershipChange()
        },
        onEpoch: view => {
          this.init.registry?.onEpoch?.(view)
          // a new epoch moves the chunks whose rendezvous primaries changed
          this.owner?.onEpoch()
        }
      }
    )
    const rpc = this.protocolView()
    this.holder = new HolderService({ libp2p: rpc, identity: this.identity, store: this.db.store.sub('holder'), blobs: this.blobs }, this.init.holder)
    const pointers: PointerDirectory = {
      publish: async (p, opts) => {
        await this.registry.publishVersionPointer(
          createVersionPointer({ owner: this.identity, version: p.version, manifestId: p.manifestId, manifestHolders: p.holders }),
          opts
        )
      },
      resolve: async opts => {
        const p = await this.registry.resolveVersionPointer(this.identity.peerId, opts)
        return p === undefined ? undefined : { version: p.version, manifestId: p.manifestId, holders: p.manifestHolders }
      },
      handoff: async opts => {
        const h = await resolveHandoff(this.libp2p, this.identity.peerId, opts)
        return h === undefined ? undefined : { to: h.toPeerId, rotatedAt: h.rotatedAt }
      }
    }
    this.owner = new OwnerService(
      {
        libp2p: rpc,
        identity: this.identity,
        keys: this.keys,
        store: this.ownerStore(),
        directory: {
          members: () => this.registry.view().members,
          ready: () => this.registry.view().updatedAt > 0,
          refresh: async ({ signal }) => {
            await this.registry.refresh({ signal })
          },
          connectedPeers: () => [...new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()))]
        },
        pointers
      },
      { ...this.init.owner, log: this.init.log }
    )
    const { holder, owner, registry } = this
    undo.push(() => registry.stop())
    await holder.start()
    undo.push(() => holder.stop())
    undo.push(() => owner.stop())
    await owner.start()
    owner.startMaintenance()
    this.libp2p.addEventListener('peer:connect', () => this.owner.writeState.dispatch({ type: 'PEER_CONNECTED' }))
    this.bootstrap = [...(this.init.bootstrap ?? [])]
    if (this.bootstrap.length > 0) await dialBootstrap(this.libp2p, this.bootstrap)
    this.scheduleBootstrap(BOOTSTRAP_RETRY_FIRST_MS)
    this.registry.start()
    if (this.init.register !== false) {
      // Not awaited: a node that is alone (the first of a mesh) cannot publish yet, and must not
      // hold up its control socket for that. The registration counts locally at once, and the
      // registry publishes it again as soon as a mesh peer appears.
      this.registering = this.registry.register({ capacityBucket: capacityBucket(this.holder.chunks.freeBytes), signal: AbortSignal.timeout(15_000) }).then(
        () => undefined,
        err => this.init.log?.('registration not yet published; retried when a mesh peer appears', { err: String(err) })
      )
    }
  }

  /**
   * What the owner and holder protocols see of libp2p: dialling, handlers,
   * and the traffic caps of `limits`, which every request and response of
   * meshkeep's protocols then waits for.
   */
  private protocolView(): RpcLibp2p {
    const { uploadBytesPerSecond: up = 0, downloadBytesPerSecond: down = 0 } = this.init.limits ?? {}
    const libp2p = this.libp2p
    return {
      dialProtocol: (peer, protocols, options) => libp2p.dialProtocol(peer, protocols, options),
      handle: (protocol, handler, options) => libp2p.handle(protocol, handler, options),
      unhandle: protocol => libp2p.unhandle(protocol),
      hangUp: (peer, options) => libp2p.hangUp(peer, options),
      bandwidth: {
        upload: up > 0 ? new Throttle({ bytesPerSecond: up }) : undefined,
        download: down > 0 ? new Throttle({ bytesPerSecond: down }) : undefined
      }
    }
  }

  /** Settles when the registration started by `start()` has been published, or has failed for now. */
  whenRegistered(): Promise<void> {
    return this.registering
  }

  /** Replaces the bootstrap list (config reload) and dials the new entries now; returns how many answered. */
  async setBootstrap(addrs: string[]): Promise<number> {
    const known = new Set(this.bootstrap)
    this.bootstrap = [...addrs]
    const fresh = addrs.filter(a => !known.has(a))
    return fresh.length === 0 ? 0 : dialBootstrap(this.libp2p, fresh)
  }

  /**
   * A node with no connections dials its bootstrap list again, backing off
   * from 2 s to a minute: the bootstrap node may have been down or slow when
   * this node started, and without a first peer the node would stay alone.
   */
  private scheduleBootstrap(delay: number): void {
    clearTimeout(this.bootstrapTimer)
    if (this.bootstrap.length === 0) return
    this.bootstrapTimer = setTimeout(() => {
      const alone = this.libp2p.getConnections().length === 0
      const dial = alone ? dialBootstrap(this.libp2p, this.bootstrap) : Promise.resolve(0)
      dial
        .then(n => {
          if (alone) this.init.log?.('no peers: dialled the bootstrap list again', { answered: n })
        })
        .catch(() => {})
        .finally(() => {
          if (this.started) this.scheduleBootstrap(alone ? Math.min(delay * 2, BOOTSTRAP_RETRY_MAX_MS) : BOOTSTRAP_RETRY_FIRST_MS)
        })
    }, delay)
    this.bootstrapTimer.unref()
  }

  /** Multiaddrs other nodes can dial (with /p2p/<id>). */
  addrs(): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.bootstrapTimer)
    this.registry.stop()
    await this.registering // stop() aborted its queries
    await this.owner.stop()
    await this.holder.stop()
    await this.libp2p.stop()
    await this.blobs.close()
    await this.db.close()
  }
}
