/**
 * One `meshkeep daemon` as a separate OS process, set up and driven the way
 * a user would: `meshkeep init` (or `init --recover` with the phrase on
 * stdin) through the CLI, then the daemon, then its control socket through
 * the project's ControlClient (streaming put and recover).
 */
import type { ChildProcess } from 'node:child_process'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { ControlClient } from '../../../daemon/control/index.js'
import type { PutRpcResult, RecoverRpcResult, StatusResult } from '../../../daemon/control/results.js'
import { spawnTracked, stopChild } from './children.js'
import { CLI_ENTRY, LAUNCHER } from './paths.js'
import { StopWaiting, waitFor } from './stats.js'

/** The bench's daemon settings: room for every version it stores, quiet logs. */
export interface DaemonSettings {
  /** MESHKEEP_* variables */
  env: Record<string, string>
  /** extra node flags (e.g. --cpu-prof) */
  nodeArgs?: string[]
}

/** The caller's environment without MESHKEEP_* (so nothing of the user's setup leaks in), plus `extra`. */
export function daemonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESHKEEP_') && k !== 'NOTIFY_SOCKET') env[k] = v
  return { ...env, ...extra }
}

/** Runs one CLI command to completion; returns stdout or throws with stderr. */
export function runCli(args: string[], input = '', env: NodeJS.ProcessEnv = daemonEnv({})): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(process.execPath, [CLI_ENTRY, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8')
    })
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', code => (code === 0 ? resolve(out) : reject(new Error(`meshkeep ${args[0]} exited ${code}: ${err.trim()}`))))
    child.stdin?.end(input)
  })
}

export interface Identity {
  peerId: string
  phrase: string
}

/** `meshkeep init --json`: a new identity in `dataDir`. */
export async function initNode(dataDir: string): Promise<Identity> {
  const r = JSON.parse(await runCli(['init', '--data-dir', dataDir, '--json'])) as { peerId: string; phrase: string }
  return { peerId: r.peerId, phrase: r.phrase }
}

/** `meshkeep init --recover` with the phrase on stdin: the same identity on a fresh data dir. */
export async function initFromPhrase(dataDir: string, phrase: string): Promise<string> {
  const r = JSON.parse(await runCli(['init', '--data-dir', dataDir, '--recover', '--json'], `${phrase}\n`)) as { peerId: string }
  return r.peerId
}

export interface StartOptions {
  name: string
  dataDir: string
  bootstrap?: string[]
  settings: DaemonSettings
  /** where stdout/stderr (JSON logs) go */
  logFile?: string
}

export class BenchDaemon {
  peerId = ''
  addrs: string[] = []

  private constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly socket: string,
    readonly child: ChildProcess,
    /** ms from spawn until the control socket answered */
    readonly startedAt: number
  ) {}

  get pid(): number {
    return this.child.pid ?? -1
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** The first listen address with /p2p/<id>: what others bootstrap to. */
  get addr(): string {
    const a = this.addrs[0]
    if (a === undefined) throw new Error(`${this.name} has no address`)
    return a
  }

  static async start(o: StartOptions): Promise<BenchDaemon> {
    const socket = join(o.dataDir, 'control.sock')
    const args = ['daemon', '--data-dir', o.dataDir, '--socket', socket, '--listen', '/ip4/127.0.0.1/tcp/0']
    for (const b of o.bootstrap ?? []) args.push('--bootstrap', b)
    const started = Date.now()
    // through the launcher, as users run it; node flags (a CPU profile) go in NODE_OPTIONS, which it passes on
    const env = daemonEnv(o.settings.env)
    if (o.settings.nodeArgs !== undefined) env.NODE_OPTIONS = [env.NODE_OPTIONS ?? '', ...o.settings.nodeArgs].join(' ').trim()
    const child = spawnTracked(LAUNCHER, args, { env: { ...env, MESHKEEP_NODE: process.execPath }, stdio: ['ignore', 'pipe', 'pipe'] })
    const log: WriteStream | undefined = o.logFile === undefined ? undefined : createWriteStream(o.logFile, { flags: 'a' })
    let tail = ''
    const keep = (b: Buffer) => {
      log?.write(b)
      tail = (tail + b.toString('utf8')).slice(-2000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    child.once('exit', () => log?.end())
    const d = new BenchDaemon(o.name, o.dataDir, socket, child, started)
    try {
      const id = await waitFor(
        `${o.name} to answer on its control socket`,
        async () => {
          const exited = () => new StopWaiting(`${o.name} exited (${child.exitCode ?? child.signalCode}): ${tail.trim()}`)
          if (!d.running) throw exited()
          return d.call<{ peerId: string; addrs: string[] }>('id', {}, 2000).catch(() => {
            if (!d.running) throw exited()
            return undefined
          })
        },
        90_000,
        100
      )
      d.peerId = id.peerId
      d.addrs = id.addrs
    } catch (err) {
      await stopChild(child, 2000)
      throw err
    }
    return d
  }

  async call<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const client = await ControlClient.connect(this.socket, { connectTimeoutMs: Math.min(timeoutMs, 5000) })
    try {
      return await client.call<T>(method, params, { timeoutMs })
    } finally {
      client.close()
    }
  }

  status(): Promise<StatusResult> {
    return this.call<StatusResult>('status')
  }

  /** Streams a file to `put` (1 MiB reads, as the CLI does). */
  async put(file: string): Promise<PutRpcResult> {
    const client = await ControlClient.connect(this.socket, { streamTimeoutMs: 600_000 })
    try {
      return await client.upload<PutRpcResult>('put', {}, createReadStream(file, { highWaterMark: 1 << 20 }))
    } finally {
      client.close()
    }
  }

  /** `recover`, every piece handed to `sink`. */
  async recover(sink: (piece: Uint8Array) => void): Promise<RecoverRpcResult> {
    const client = await ControlClient.connect(this.socket, { streamTimeoutMs: 600_000 })
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
  stop(): Promise<void> {
    return stopChild(this.child, 30_000)
  }
}
