import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateRootSecret } from '../../core/index.js'
import { MeshNode, type MeshNodeInit } from '../../daemon/node/mesh-node.js'
import type { RegistryView } from '../../registry/index.js'

/** A set of real meshkeep nodes on 127.0.0.1, each with its own LevelDB in a temp dir. */
export class TestMesh {
  readonly nodes: MeshNode[] = []
  private readonly dirs: string[] = []
  private readonly secrets = new WeakMap<MeshNode, Uint8Array>()

  /** The root secret a node was started with: what its user would hold as the recovery phrase. */
  secretOf(node: MeshNode): Uint8Array {
    const secret = this.secrets.get(node)
    if (secret == null) throw new Error('node was not started by this mesh')
    return secret
  }

  async add(overrides: Partial<MeshNodeInit> = {}): Promise<MeshNode> {
    const dir = await mkdtemp(join(tmpdir(), 'meshkeep-test-'))
    this.dirs.push(dir)
    const bootstrap = this.nodes.length > 0 ? [this.nodes[0]?.addrs()[0] ?? ''] : []
    const rootSecret = overrides.rootSecret ?? generateRootSecret()
    const node = new MeshNode({
      dataDir: dir,
      rootSecret,
      bootstrap,
      registry: { refreshIntervalMs: 30_000, shardQueryTimeoutMs: 8_000, shardConcurrency: 32 },
      owner: { retryBaseMs: 20, requestTimeoutMs: 5_000, gracePeriodMs: 500 },
      holder: { gcIntervalMs: 60_000 },
      ...overrides
    })
    this.secrets.set(node, rootSecret)
    await node.start()
    // tests add nodes one after the other: each is published before the next arrives
    await node.whenRegistered()
    this.nodes.push(node)
    return node
  }

  /** Refreshes every registry until each sees `count` members (bounded). */
  async converge(count: number, nodes = this.nodes, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const views = await Promise.all(nodes.map(n => n.registry.refresh({ signal: AbortSignal.timeout(30_000) }).catch(() => n.registry.view())))
      if (views.every(v => v.members.length >= count)) return
      if (Date.now() > deadline) throw new Error(`registry views did not reach ${count} members: ${views.map(v => v.members.length).join(',')}`)
      for (const n of nodes) await n.registry.register({ capacityBucket: 20, signal: AbortSignal.timeout(5_000) }).catch(() => {})
      await new Promise(r => setTimeout(r, 300))
    }
  }

  /**
   * Starts `n` nodes and waits until every view holds all of them. The first
   * node does not register at start (it has nobody to register with, and
   * would wait for the DHT put's deadline); `converge` registers it.
   */
  async start(n: number, overrides: (index: number) => Partial<MeshNodeInit> = () => ({})): Promise<MeshNode[]> {
    const started: MeshNode[] = []
    for (let i = 0; i < n; i++) started.push(await this.add({ ...(i === 0 && this.nodes.length === 0 ? { register: false } : {}), ...overrides(i) }))
    await this.converge(this.nodes.length)
    return started
  }

  /** Refreshes one node's registry until its view satisfies `ok` (bounded); returns that view. */
  async refreshUntil(node: MeshNode, ok: (view: RegistryView) => boolean, timeoutMs = 60_000): Promise<RegistryView> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const view = await node.registry.refresh({ signal: AbortSignal.timeout(30_000) }).catch(() => node.registry.view())
      if (ok(view)) return view
      if (Date.now() > deadline) throw new Error(`registry view of ${node.peerId} did not reach the expected membership: ${view.members.length} members`)
      await new Promise(r => setTimeout(r, 300))
    }
  }

  async stop(node: MeshNode): Promise<void> {
    await node.stop()
    this.nodes.splice(this.nodes.indexOf(node), 1)
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map(n => n.stop()))
    this.nodes.length = 0
    await Promise.allSettled(this.dirs.map(d => rm(d, { recursive: true, force: true })))
  }
}

/**
 * Polls `condition` until it holds or `timeoutMs` passes (then throws with
 * `message`). For conditions reached by background work (audits, repair):
 * the deadline is generous, the test does not depend on how fast they are.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, message: string, timeoutMs = 60_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${message}`)
    await new Promise(r => setTimeout(r, intervalMs))
  }
}
