/**
 * One `meshkeep daemon` of the bench: a DaemonProcess (scripts/lib) started
 * the way users run it, through the `bin/meshkeep` launcher, with its logs in
 * a file, plus what the bench measures through its control socket (streaming
 * put and recover, registry views).
 */
import { createReadStream } from 'node:fs'
import { ControlClient } from '../../../daemon/control/index.js'
import type { PutRpcResult, RecoverRpcResult, StatusResult } from '../../../daemon/control/results.js'
import { DaemonProcess, type InitResult, initFromPhrase, initNode } from '../../lib/daemon-process.js'
import { LAUNCHER } from './paths.js'
import { waitFor } from './stats.js'

export { initFromPhrase, initNode }

/** The bench's daemon settings: room for every version it stores, quiet logs. */
export interface DaemonSettings {
  /** MESHKEEP_* variables */
  env: Record<string, string>
  /** extra node flags (e.g. --cpu-prof) */
  nodeArgs?: string[]
}

export type Identity = Pick<InitResult, 'peerId' | 'phrase'>

export interface StartOptions {
  name: string
  dataDir: string
  bootstrap?: string[]
  settings: DaemonSettings
  /** where stdout/stderr (JSON logs) go */
  logFile?: string
}

export class BenchDaemon {
  private constructor(
    readonly name: string,
    readonly process: DaemonProcess
  ) {}

  get peerId(): string {
    return this.process.peerId
  }

  get dataDir(): string {
    return this.process.dataDir
  }

  get pid(): number {
    return this.process.pid
  }

  get running(): boolean {
    return this.process.running
  }

  /** The first listen address with /p2p/<id>: what others bootstrap to. */
  get addr(): string {
    return this.process.addr
  }

  /** The bench's view of a daemon started elsewhere (e.g. on a host of a HostMesh). */
  static of(name: string, process: DaemonProcess): BenchDaemon {
    return new BenchDaemon(name, process)
  }

  static async start(o: StartOptions): Promise<BenchDaemon> {
    const d = await DaemonProcess.start({
      dataDir: o.dataDir,
      bootstrap: o.bootstrap,
      env: o.settings.env,
      nodeArgs: o.settings.nodeArgs,
      // through the launcher, as users run it; node flags (a CPU profile) go in NODE_OPTIONS, which it passes on
      launcher: LAUNCHER,
      logFile: o.logFile,
      keepLines: false,
      readyTimeoutMs: 90_000
    }).catch((err: Error) => {
      throw new Error(`${o.name}: ${err.message}`)
    })
    return new BenchDaemon(o.name, d)
  }

  call<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    return this.process.call<T>(method, params, timeoutMs)
  }

  status(): Promise<StatusResult> {
    return this.call<StatusResult>('status')
  }

  /** Streams a file to `put` (1 MiB reads, as the CLI does). */
  async put(file: string): Promise<PutRpcResult> {
    const client = await ControlClient.connect(this.process.socket, { streamTimeoutMs: 600_000 })
    try {
      return await client.upload<PutRpcResult>('put', {}, createReadStream(file, { highWaterMark: 1 << 20 }))
    } finally {
      client.close()
    }
  }

  /** `recover`, every piece handed to `sink`. */
  async recover(sink: (piece: Uint8Array) => void): Promise<RecoverRpcResult> {
    const client = await ControlClient.connect(this.process.socket, { streamTimeoutMs: 600_000 })
    try {
      return await client.download<RecoverRpcResult>('recover', {}, sink)
    } finally {
      client.close()
    }
  }

  /** Waits until the registry view has at least `members` members; resolves with the status that showed it. */
  waitForMembers(members: number, timeoutMs = 120_000, intervalMs = 100): Promise<StatusResult> {
    return waitFor(
      `${this.name} to see ${members} registry members`,
      async () => {
        const s = await this.status()
        return s.registry.members >= members ? s : undefined
      },
      timeoutMs,
      intervalMs
    )
  }

  /** Graceful stop (SIGTERM): the daemon closes LevelDB and libp2p, and writes its CPU profile if it has one. */
  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 30_000)
  }
}
