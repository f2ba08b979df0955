import type { AbortOptions, Libp2p } from '@libp2p/interface'
import { forEachLimit, isEd25519PeerId, peerIdToString } from '../core/index.js'
import { shardCid } from './shard.js'

/** Where registry candidates come from: the DHT's provider records and the local peer store. */
export type DiscoveryLibp2p = Pick<Libp2p, 'contentRouting' | 'peerStore'>

export interface ShardScanOptions extends AbortOptions {
  /** queries in flight at once */
  concurrency: number
  /** deadline of each shard query, ms */
  timeoutMs: number
  /** the caller's deadline and the registry's stop signal, combined per query */
  deadline: (ms: number) => AbortSignal
  /** called for every Ed25519 provider found (may repeat a peer) */
  onProvider: (peerIdString: string) => void
  /** called when a shard's query failed or ran out of time */
  onIncomplete: (shard: number, err: unknown) => void
}

/**
 * Finds the providers of each shard's CID. A query that fails or times out
 * is reported, not thrown: a missing answer is no evidence that a shard's
 * holders left.
 */
export async function scanShards(libp2p: DiscoveryLibp2p, shards: number[], options: ShardScanOptions): Promise<void> {
  await forEachLimit(shards, options.concurrency, async shard => {
    const signal = options.deadline(options.timeoutMs)
    try {
      for await (const p of libp2p.contentRouting.findProviders(shardCid(shard), { signal })) {
        const bytes = p.id.toMultihash().bytes
        if (isEd25519PeerId(bytes)) options.onProvider(peerIdToString(bytes))
      }
      // an aborted query may end quietly rather than throw: it is still incomplete
      if (signal.aborted) throw signal.reason
    } catch (err) {
      options.signal?.throwIfAborted()
      options.onIncomplete(shard, err)
    }
  })
}

/**
 * Peers this node already knows that speak the mesh DHT protocol. On a small
 * mesh that is every node, found without a single query; their records are
 * still fetched and verified like any provider's.
 */
export async function peerStoreCandidates(libp2p: DiscoveryLibp2p, protocol: string, options: AbortOptions = {}): Promise<string[]> {
  const peers = await libp2p.peerStore.all({ filters: [p => p.protocols.includes(protocol)], signal: options.signal })
  const out: string[] = []
  for (const p of peers) {
    const bytes = p.id.toMultihash().bytes
    if (isEd25519PeerId(bytes)) out.push(peerIdToString(bytes))
  }
  return out
}

/** The shards one refresh sweeps: all of them, or `count` starting at `cursor` (wrapping). */
export function shardWindow(shardCount: number, cursor: number, count: number): number[] {
  const n = Math.min(Math.max(1, count), shardCount)
  return Array.from({ length: n }, (_, i) => (cursor + i) % shardCount)
}
