/**
 * The raw libp2p baselines: one "owner" helper and one helper per holder,
 * separate processes with the daemon's own libp2p stack, moving the same
 * bytes as the scenario they are compared with (push: the put's bytes per
 * holder; pull: the state split evenly over the holders), as 64 KiB
 * length-prefixed messages on one stream per peer.
 */
import { HelperProcess } from '../lib/child-rpc.js'
import { benchScript } from '../lib/paths.js'

/** The message size of the baseline: a chunk's size. */
export const MESSAGE_BYTES = 64 * 1024

interface Ready {
  peerId: string
  addrs: string[]
}

export interface Transfer {
  ms: number
  bytes: number
}

export class RawPeers {
  private constructor(
    readonly owner: HelperProcess<Ready>,
    readonly holders: Array<HelperProcess<Ready>>
  ) {}

  get pids(): number[] {
    return [this.owner.pid, ...this.holders.map(h => h.pid)]
  }

  static async start(holders: number): Promise<RawPeers> {
    const script = benchScript('raw-libp2p-peer.js')
    const owner = await HelperProcess.spawn<Ready>('raw owner', script)
    const hs = await Promise.all(Array.from({ length: holders }, (_, i) => HelperProcess.spawn<Ready>(`raw holder ${i + 1}`, script)))
    const peers = new RawPeers(owner, hs)
    await owner.call('dial', { addrs: hs.map(h => h.ready.addrs[0]) })
    // warm-up (JIT, yamux windows): the timed transfers start hot, as the daemons are after their first put
    await peers.push(hs.map(() => 8 << 20))
    await peers.pull(hs.map(() => 8 << 20))
    return peers
  }

  private targets(perHolder: number[]) {
    return perHolder.map((bytes, i) => ({ addr: (this.holders[i % this.holders.length] as HelperProcess<Ready>).ready.addrs[0], bytes }))
  }

  /** Owner → holders, all at once; `perHolder[i]` bytes to holder i. */
  push(perHolder: number[]): Promise<Transfer> {
    return this.owner.call<Transfer>('push', { targets: this.targets(perHolder), messageBytes: MESSAGE_BYTES })
  }

  /** Holders → owner, all at once. */
  pull(perHolder: number[]): Promise<Transfer> {
    return this.owner.call<Transfer>('pull', { targets: this.targets(perHolder), messageBytes: MESSAGE_BYTES })
  }

  async stop(): Promise<void> {
    await Promise.all([this.owner, ...this.holders].map(p => p.stop()))
  }
}

/** `total` bytes split as evenly as possible over `n` peers. */
export function evenSplit(total: number, n: number): number[] {
  const base = Math.floor(total / n)
  return Array.from({ length: n }, (_, i) => base + (i < total - base * n ? 1 : 0))
}
