/**
 * A mesh of separate daemon processes on 127.0.0.1: the first node is the
 * bootstrap peer of the others, and the mesh is ready when every node's
 * registry view holds every node.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { BenchDaemon, type DaemonSettings, type Identity, initFromPhrase, initNode } from './daemon.js'

export interface MeshNodeHandle {
  daemon: BenchDaemon
  identity: Identity
}

export interface StartNodeOptions {
  root: string
  name: string
  bootstrap: string[]
  settings: DaemonSettings
  /** restore this identity instead of creating one */
  phrase?: string
  /** restart the node already in the data dir (no init) */
  reuse?: boolean
}

/** `init` (or `init --recover`) in a fresh data dir under `root`, then start the daemon. */
export async function startNode(o: StartNodeOptions): Promise<MeshNodeHandle> {
  const dataDir = join(o.root, o.name)
  await mkdir(o.root, { recursive: true })
  let identity: Identity = { peerId: '', phrase: o.phrase ?? '' }
  if (o.reuse !== true) {
    if (o.phrase === undefined) identity = await initNode(dataDir)
    else identity = { peerId: await initFromPhrase(dataDir, o.phrase), phrase: o.phrase }
  }
  const daemon = await BenchDaemon.start({ name: o.name, dataDir, bootstrap: o.bootstrap, settings: o.settings, logFile: `${dataDir}.log` })
  return { daemon, identity }
}

/** Starts `names.length` nodes, the first one the bootstrap peer, and waits for full views everywhere. */
export async function startMesh(root: string, names: string[], settings: DaemonSettings, bootstrap: string[] = []): Promise<MeshNodeHandle[]> {
  const [first, ...rest] = names
  if (first === undefined) return []
  const head = await startNode({ root, name: first, bootstrap, settings })
  const boot = bootstrap.length > 0 ? bootstrap : [head.daemon.addr]
  // a few at a time: starting many Node processes at once on 2 cores only slows each of them
  const others: MeshNodeHandle[] = []
  for (let i = 0; i < rest.length; i += 4) {
    others.push(...(await Promise.all(rest.slice(i, i + 4).map(name => startNode({ root, name, bootstrap: boot, settings })))))
  }
  return [head, ...others]
}

/** Waits until every node's view holds at least `members` members. */
export async function waitForViews(nodes: MeshNodeHandle[], members: number, timeoutMs = 180_000): Promise<void> {
  await Promise.all(nodes.map(n => n.daemon.waitForMembers(members, timeoutMs, 250)))
}
