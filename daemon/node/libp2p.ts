import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { type Identify, identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper, type Selectors, type Validators } from '@libp2p/kad-dht'
import { type Ping, ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Registry } from 'prom-client'
import { MESH_DHT_PROTOCOL } from '../../registry/index.js'

/** The private DHT's protocol id: meshkeep nodes never join the public IPFS DHT. */
export { MESH_DHT_PROTOCOL }

export type MeshServices = { identify: Identify; ping: Ping; dht: KadDHT }
export type MeshLibp2p = Libp2p<MeshServices>

export interface MeshLibp2pInit {
  /** Ed25519 seed derived from the root secret: the node's peer id follows from it. */
  identitySeed: Uint8Array
  /** multiaddrs to listen on @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /** DHT record validators and selectors, keyed by the key's first path segment */
  validators?: Validators
  selectors?: Selectors
  /**
   * Run the DHT as a client only: the node queries but serves no records and
   * is not added to other peers' routing tables (a short-lived helper node,
   * such as the old identity during a rotation) @default false
   */
  clientMode?: boolean
  /** first DHT self-query delay, ms @default 200 */
  initialQuerySelfInterval?: number
  /** where libp2p registers its metrics; without it libp2p keeps none */
  metrics?: Libp2pMetricsInit
}

export interface Libp2pMetricsInit {
  /** the daemon's registry, so one scrape shows libp2p's families beside meshkeep's */
  registry: Registry
  /** the file system nodejs_fs_usage_bytes reports on: the data dir @default the working directory */
  statfsLocation?: string
}

/**
 * A libp2p node configured for meshkeep: TCP + noise + yamux, identify, ping
 * and a private Kad-DHT in server mode. Loopback and LAN addresses are kept
 * (the public-DHT default `removePrivateAddressesMapper` would drop them and
 * leave routing tables empty on 127.0.0.1).
 */
export async function createMeshLibp2p(init: MeshLibp2pInit): Promise<MeshLibp2p> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', init.identitySeed)
  return createLibp2p({
    privateKey,
    addresses: { listen: init.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
    // connections, streams, dials, data transferred, DHT operations, and the process's CPU, memory and event loop
    ...(init.metrics === undefined
      ? {}
      : {
          metrics: prometheusMetrics({
            registry: init.metrics.registry,
            ...(init.metrics.statfsLocation === undefined ? {} : { statfsLocation: init.metrics.statfsLocation })
          })
        }),
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      // every local test node dials from 127.0.0.1: the default of 5/s/host refuses them
      inboundConnectionThreshold: 1000,
      maxIncomingPendingConnections: 100
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: MESH_DHT_PROTOCOL,
        clientMode: init.clientMode ?? false,
        peerInfoMapper: passthroughMapper,
        initialQuerySelfInterval: init.initialQuerySelfInterval ?? 200,
        querySelfInterval: 60_000,
        validators: init.validators ?? {},
        selectors: init.selectors ?? {},
        logPrefix: 'meshkeep:dht',
        datastorePrefix: '/meshkeep-dht',
        metricsPrefix: 'meshkeep_dht'
      })
    }
  })
}

/** Dials each bootstrap address (bounded in time); returns how many answered. */
export async function dialBootstrap(node: MeshLibp2p, addrs: string[], signal?: AbortSignal): Promise<number> {
  const results = await Promise.allSettled(addrs.map(a => node.dial(multiaddr(a), { signal: signal ?? AbortSignal.timeout(5000) })))
  return results.filter(r => r.status === 'fulfilled').length
}
