/**
 * The peer-system comparison: one Helia node (IPFS in JavaScript) as a
 * helper process, loaded from the bench-only install in scripts/bench/helia
 * so Helia never becomes a meshkeep dependency. Same transport as meshkeep:
 * TCP + noise + yamux on 127.0.0.1, identify, Bitswap, and nothing that
 * looks beyond loopback (no bootstrap list, no mDNS, no delegated or HTTP
 * routing, no AutoNAT, no UPnP): peers are dialled directly by address.
 * Blocks go to a file-system blockstore (durable, like meshkeep's LevelDB).
 * UnixFS defaults of @helia/unixfs: 1 MiB chunks, raw leaves, CIDv1.
 *
 * Commands (lib/child-rpc.ts): dial, add, pin, cat. Run by the bench only.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { serveParent } from './lib/child-rpc.js'
import { importFrom } from './lib/import-from.js'
import { HELIA_DIR } from './lib/paths.js'

// The slices of the Helia API this peer uses, typed here because the bench
// compiles without the bench-only install present.
interface Cid {
  toString(): string
}
interface Multiaddr {
  toString(): string
}
interface Libp2pNode {
  peerId: { toString(): string }
  getMultiaddrs(): Multiaddr[]
  dial(addr: Multiaddr): Promise<unknown>
}
interface HeliaNode {
  libp2p: Libp2pNode
  pins: { add(cid: Cid): AsyncIterable<unknown> }
  start(): Promise<unknown>
  stop(): Promise<void>
}
interface UnixFs {
  addByteStream(source: AsyncIterable<Uint8Array>): Promise<Cid>
  cat(cid: Cid): AsyncIterable<Uint8Array>
}
type Factory = () => unknown

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: helia-peer.js BLOCKSTORE_DIR')

const [helia, heliaLibp2p, bitswap, unixfsMod, fsStore, memStore, tcp, noise, yamux, identify, ma, mf] = await Promise.all([
  importFrom<{ createHeliaLight(init: object): HeliaNode }>(HELIA_DIR, 'helia'),
  importFrom<{ withLibp2pLight(h: HeliaNode, opts: object): HeliaNode }>(HELIA_DIR, '@helia/libp2p'),
  importFrom<{ withBitswap(h: HeliaNode): HeliaNode }>(HELIA_DIR, '@helia/bitswap'),
  importFrom<{ unixfs(h: HeliaNode): UnixFs }>(HELIA_DIR, '@helia/unixfs'),
  importFrom<{ FsBlockstore: new (path: string) => { open(): Promise<void> } }>(HELIA_DIR, 'blockstore-fs'),
  importFrom<{ MemoryDatastore: new () => object }>(HELIA_DIR, 'datastore-core'),
  importFrom<{ tcp: Factory }>(HELIA_DIR, '@libp2p/tcp'),
  importFrom<{ noise: Factory }>(HELIA_DIR, '@chainsafe/libp2p-noise'),
  importFrom<{ yamux: Factory }>(HELIA_DIR, '@chainsafe/libp2p-yamux'),
  importFrom<{ identify: Factory }>(HELIA_DIR, '@libp2p/identify'),
  importFrom<{ multiaddr(s: string): Multiaddr }>(HELIA_DIR, '@multiformats/multiaddr'),
  importFrom<{ CID: { parse(s: string): Cid } }>(HELIA_DIR, 'multiformats')
])

const blockstore = new fsStore.FsBlockstore(dir)
await blockstore.open()
const node = bitswap.withBitswap(
  heliaLibp2p.withLibp2pLight(helia.createHeliaLight({ blockstore, datastore: new memStore.MemoryDatastore() }), {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp.tcp()],
    connectionEncrypters: [noise.noise()],
    streamMuxers: [yamux.yamux()],
    peerDiscovery: [],
    services: { identify: identify.identify() },
    connectionManager: { inboundConnectionThreshold: 1000 }
  })
)
await node.start()
const fs = unixfsMod.unixfs(node)

serveParent(
  { peerId: node.libp2p.peerId.toString(), addrs: node.libp2p.getMultiaddrs().map(a => a.toString()) },
  {
    dial: async p => {
      await Promise.all((p.addrs as string[]).map(a => node.libp2p.dial(ma.multiaddr(a))))
    },
    /** Imports a file: chunk, hash, store every block locally. */
    add: async p => {
      const t0 = performance.now()
      const cid = await fs.addByteStream(createReadStream(p.file as string, { highWaterMark: 1 << 20 }))
      return { cid: cid.toString(), ms: performance.now() - t0 }
    },
    /** Pins a CID: fetches every block of the DAG from the peers (Bitswap) and keeps it. */
    pin: async p => {
      const t0 = performance.now()
      for await (const _ of node.pins.add(mf.CID.parse(p.cid as string))) {
        // each pinned block; nothing to do
      }
      return { ms: performance.now() - t0 }
    },
    /** Reads a file back (fetching what is not local) and hashes it. */
    cat: async p => {
      const t0 = performance.now()
      const digest = createHash('sha256')
      let bytes = 0
      for await (const piece of fs.cat(mf.CID.parse(p.cid as string))) {
        digest.update(piece)
        bytes += piece.length
      }
      return { ms: performance.now() - t0, bytes, sha256: digest.digest('hex') }
    }
  },
  async () => {
    await node.stop()
  }
)
