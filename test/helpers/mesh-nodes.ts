import { randomBytes } from 'node:crypto'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import { type Identity, identityFromSeed } from '../../core/index.js'
import { createMeshLibp2p, type MeshLibp2p } from '../../daemon/node/libp2p.js'
import { Registry, type RegistryInit, registrySelectors, registryValidators } from '../../registry/index.js'

/** One in-process meshkeep node on 127.0.0.1 with the registry's DHT validators installed. */
export interface MeshTestNode {
  libp2p: MeshLibp2p
  identity: Identity
  registry: Registry
}

export interface StartMeshNodeOptions {
  /** nodes to dial after start */
  bootstrap?: MeshLibp2p[]
  registry?: RegistryInit
}

export async function startMeshNode(options: StartMeshNodeOptions = {}): Promise<MeshTestNode> {
  const seed = new Uint8Array(randomBytes(32))
  const identity = identityFromSeed(seed)
  const libp2p = await createMeshLibp2p({ identitySeed: seed, validators: registryValidators(), selectors: registrySelectors() })
  if (libp2p.peerId.toString() !== identity.peerIdString) {
    await libp2p.stop()
    throw new Error('core identity and libp2p peer id disagree')
  }
  for (const b of options.bootstrap ?? []) await libp2p.dial(b.getMultiaddrs(), { signal: AbortSignal.timeout(5000) })
  return { libp2p, identity, registry: new Registry({ libp2p, identity }, options.registry) }
}

export function routingTableSize(node: MeshLibp2p): number {
  return (node.services.dht as SingleKadDHT).routingTable.size
}

/** Waits until every node's routing table holds at least `min` peers (or the deadline passes). */
export async function waitForRoutingTables(nodes: MeshTestNode[], min: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (nodes.every(n => routingTableSize(n.libp2p) >= min)) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return false
}

/** Starts `n` nodes; every node after the first dials the first. Resolves once routing tables are full. */
export async function startMeshNodes(n: number, registry?: RegistryInit): Promise<MeshTestNode[]> {
  const nodes: MeshTestNode[] = []
  try {
    const first = await startMeshNode(registry == null ? {} : { registry })
    nodes.push(first)
    const rest = await Promise.all(
      Array.from({ length: n - 1 }, () => startMeshNode(registry == null ? { bootstrap: [first.libp2p] } : { bootstrap: [first.libp2p], registry }))
    )
    nodes.push(...rest)
    await waitForRoutingTables(nodes, Math.min(n - 1, 20))
    return nodes
  } catch (err) {
    await stopMeshNodes(nodes)
    throw err
  }
}

/** Stops every registry and node; never throws. */
export async function stopMeshNodes(nodes: MeshTestNode[]): Promise<void> {
  for (const n of nodes) n.registry.stop()
  await Promise.allSettled(nodes.map(n => n.libp2p.stop()))
}
