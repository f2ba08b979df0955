/**
 * The 5-node mesh the daemon scenarios share: one owner and four holders,
 * separate `meshkeep daemon` processes on 127.0.0.1, plus the raw libp2p
 * helpers of the baselines. The owner's identity (its recovery phrase) is
 * what the recover scenarios restore on fresh nodes; at most one process
 * with that identity runs at a time.
 */
import { join } from 'node:path'
import type { BenchDaemon, DaemonSettings } from '../lib/daemon.js'
import { type MeshNodeHandle, startMesh, startNode, waitForViews } from '../lib/mesh.js'
import { waitForQuiet } from '../lib/quiet.js'
import type { Results } from '../lib/report.js'
import type { StateFile } from '../lib/state-file.js'
import { RawPeers } from './raw-baseline.js'

export const HOLDERS = 4

/**
 * Daemon settings for the bench: room for every version it stores (the
 * defaults cap one owner at 2 GiB per holder), warn-level logs. Everything
 * else is the shipped default, concurrency and rate limits included.
 */
export function benchSettings(): DaemonSettings {
  return {
    env: {
      MESHKEEP_HOLDER_CAPACITY_BYTES: '64GiB',
      MESHKEEP_HOLDER_OWNER_QUOTA_BYTES: '48GiB',
      MESHKEEP_LOG_LEVEL: 'warn'
    }
  }
}

export interface ReplicateSample {
  ms: number
  stateBytes: number
  chunks: number
  chunksSent: number
  bytesSent: number
  /** bytes the owner process sent over TCP during the put (undefined without `ss`) */
  wireSent?: number
  ownerCpuMs: number
  holdersCpuMs: number
  ownerPeakRss: number
  holderPeakRss: number
  /** the same peaks counting anonymous memory only (RssAnon: without mapped files) */
  ownerPeakAnon: number
  holderPeakAnon: number
  raw: { ms: number; bytes: number }
}

export interface RecoverSample {
  ms: number
  lastByteMs: number
  bytes: number
  wireReceived?: number
  nodeCpuMs: number
  holdersCpuMs: number
  nodePeakRss: number
  holderPeakRss: number
  nodePeakAnon: number
  holderPeakAnon: number
  raw: { ms: number; bytes: number }
}

export class MeshBench {
  /** the process holding the owner identity now (undefined while none runs) */
  owner: BenchDaemon | undefined
  readonly replicate: ReplicateSample[] = []
  readonly recover: RecoverSample[] = []
  /** the latest state the owner stored (what recover must reproduce) */
  state: StateFile | undefined
  /** extra nodes started for the registry scenario */
  readonly extras: MeshNodeHandle[] = []
  private freshCount = 0

  private constructor(
    readonly root: string,
    readonly settings: DaemonSettings,
    /** settings of owner-identity processes (with --cpu-prof under --profile) */
    readonly ownerSettings: (name: string) => DaemonSettings,
    private readonly ownerNode: MeshNodeHandle,
    readonly holders: MeshNodeHandle[],
    readonly raw: RawPeers,
    readonly results: Results
  ) {
    this.owner = ownerNode.daemon
  }

  get phrase(): string {
    return this.ownerNode.identity.phrase
  }

  get bootstrap(): string[] {
    return [(this.holders[0] as MeshNodeHandle).daemon.addr]
  }

  holderPids(): number[] {
    return this.holders.map(h => h.daemon.pid)
  }

  allPids(): number[] {
    return [...(this.owner === undefined ? [] : [this.owner.pid]), ...this.holderPids(), ...this.extras.map(e => e.daemon.pid)]
  }

  static async open(root: string, results: Results, profileDir: string | undefined): Promise<MeshBench> {
    const settings = benchSettings()
    const ownerSettings = (name: string): DaemonSettings =>
      profileDir === undefined ? settings : { ...settings, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)] }
    const meshRoot = join(root, 'mesh')
    const owner = await startNode({ root: meshRoot, name: 'owner', bootstrap: [], settings: ownerSettings('owner') })
    const holders = await startMesh(
      meshRoot,
      Array.from({ length: HOLDERS }, (_, i) => `holder${i + 1}`),
      settings,
      [owner.daemon.addr]
    )
    await waitForViews([owner, ...holders], HOLDERS + 1)
    const raw = await RawPeers.start(HOLDERS)
    return new MeshBench(meshRoot, settings, ownerSettings, owner, holders, raw, results)
  }

  /** Lets background work of the previous step settle (releases, repairs, registry refresh). */
  async quiet(): Promise<void> {
    if (!(await waitForQuiet([...this.allPids(), ...this.raw.pids], { timeoutMs: 30_000 })))
      this.results.warn('the daemons were still busy 30 s after the previous step; the next figure may include their background work')
  }

  /** Stops the owner-identity process (a lost machine, before a recovery). */
  async stopOwner(): Promise<void> {
    await this.owner?.stop()
    this.owner = undefined
  }

  /** Restarts the original owner from its data dir, if no owner-identity process runs. */
  async ensureOwner(): Promise<BenchDaemon> {
    if (this.owner !== undefined) return this.owner
    const restarted = await startNode({ root: this.root, name: 'owner', bootstrap: this.bootstrap, settings: this.ownerSettings('owner'), reuse: true })
    this.owner = restarted.daemon
    await this.owner.waitForMembers(HOLDERS + 1)
    return this.owner
  }

  /** A fresh node restored from the owner's phrase (a new machine); becomes the owner-identity process. */
  async startFresh(): Promise<BenchDaemon> {
    if (this.owner !== undefined) throw new Error('stop the owner before starting another process with its identity')
    const name = `fresh${++this.freshCount}`
    const n = await startNode({ root: this.root, name, bootstrap: this.bootstrap, settings: this.ownerSettings(name), phrase: this.phrase })
    this.owner = n.daemon
    await n.daemon.waitForMembers(HOLDERS + 1)
    return n.daemon
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.raw.stop(), this.owner?.stop(), ...this.holders.map(h => h.daemon.stop()), ...this.extras.map(e => e.daemon.stop())])
  }
}
