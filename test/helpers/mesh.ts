import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateRootSecret } from '../../core/index.js'
import { MeshNode, type MeshNodeInit } from '../../daemon/node/mesh-node.js'

/** A set of real meshkeep nodes on 127.0.0.1, each with its own LevelDB in a temp dir. */
export class TestMesh {
  readonly nodes: MeshNode[] = []
  private readonly dirs: string[] = []

  async add(overrides: Partial<MeshNodeInit> = {}): Promise<MeshNode> {
    const dir = await mkdtemp(join(tmpdir(), 'meshkeep-test-'))
    this.dirs.push(dir)
    const bootstrap = this.nodes.length > 0 ? [this.nodes[0]?.addrs()[0] ?? ''] : []
    const node = new MeshNode({
      dataDir: dir,
      rootSecret: generateRootSecret(),
      bootstrap,
      registry: { refreshIntervalMs: 30_000, shardQueryTimeoutMs: 8_000, shardConcurrency: 32 },
      owner: { retryBaseMs: 20, requestTimeoutMs: 5_000, gracePeriodMs: 500 },
      holder: { gcIntervalMs: 60_000 },
      ...overrides
    })
    await node.start()
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
