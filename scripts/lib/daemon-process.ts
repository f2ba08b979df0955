/**
 * Real meshkeep daemons as separate OS processes, driven through the built
 * CLI: spawn, wait until the control socket answers, talk to it, stop with
 * SIGTERM (SIGKILL as the last resort). Every process started here is
 * registered in ./children.ts and killed when this process exits, whatever
 * happens to the caller. Used by the testbed, the bench and the end-to-end
 * tests alike.
 */
import { type ChildProcess, execFileSync } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ControlClient } from '../../daemon/control/index.js'
import { spawnTracked, stopAllChildren } from './children.js'

export { stopAllChildren }

/** The CLI entry, found relative to this compiled file (works from dist/ and .build/cli alike). */
export const CLI_ENTRY = fileURLToPath(new URL('../../daemon/cli/main.js', import.meta.url))

/** The environment without any MESHKEEP_* variable of the caller, so tests see only what they set. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESHKEEP_') && k !== 'NOTIFY_SOCKET' && !k.startsWith('WATCHDOG_')) env[k] = v
  return { ...env, ...extra }
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  /** stdout as bytes (for `get -`) */
  stdoutBytes: Buffer
  stderr: string
  ms: number
}

export interface RunCliOptions {
  env?: Record<string, string>
  input?: string | Buffer
  timeoutMs?: number
}

/** Runs one CLI command to completion (killed after timeoutMs). */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawnTracked(process.execPath, [CLI_ENTRY, ...args], { env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout?.on('data', (b: Buffer) => out.push(b))
    child.stderr?.on('data', (b: Buffer) => err.push(b))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', e => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stdoutBytes: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started
      })
    })
    child.stdin?.on('error', () => {}) // a command that never reads stdin may close it first
    child.stdin?.end(options.input ?? '')
  })
}

/** A CLI command left running, for tests that feed its stdin over time or signal it. */
export interface RunningCli {
  child: ChildProcess
  result: Promise<CliResult>
}

export function spawnCli(args: string[], options: { env?: Record<string, string> } = {}): RunningCli {
  const started = Date.now()
  const child = spawnTracked(process.execPath, [CLI_ENTRY, ...args], { env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout?.on('data', (b: Buffer) => out.push(b))
  child.stderr?.on('data', (b: Buffer) => err.push(b))
  child.stdin?.on('error', () => {})
  const result = new Promise<CliResult>(resolve => {
    child.on('close', (code, signal) => {
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stdoutBytes: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started
      })
    })
  })
  return { child, result }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  await new Promise<void>(resolve => server.close(() => resolve()))
  if (typeof addr !== 'object' || addr === null) throw new Error('no port')
  return addr.port
}

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * A NOTIFY_SOCKET for tests: Node cannot bind a Unix datagram socket, so
 * systemd-socket-activate binds it and hands it to a tiny Node reader as
 * fd 3, which prints each datagram as a JSON line. Undefined when the
 * systemd tools are not installed (the test then skips).
 */
export interface NotifyListener {
  path: string
  messages: string[]
  stop: () => void
}

export async function startNotifyListener(path: string): Promise<NotifyListener | undefined> {
  if (!which('systemd-socket-activate') || !which('systemd-notify')) return undefined
  const reader = `const fs=require('fs');const b=Buffer.alloc(65536);const next=()=>fs.read(3,b,0,b.length,null,(e,n)=>{if(e)return;process.stdout.write(JSON.stringify(b.toString('utf8',0,n))+'\\n');next()});next()`
  const child = spawnTracked('systemd-socket-activate', ['--datagram', '-l', path, process.execPath, '-e', reader], { stdio: ['ignore', 'pipe', 'pipe'] })
  const messages: string[] = []
  let partial = ''
  child.stdout?.on('data', (b: Buffer) => {
    const parts = (partial + b.toString('utf8')).split('\n')
    partial = parts.pop() ?? ''
    for (const p of parts) messages.push(JSON.parse(p) as string)
  })
  await waitFor('the notify socket', () => existsSync(path), 10_000, 50)
  return { path, messages, stop: () => child.kill('SIGKILL') }
}

/** Runs a CLI command that must succeed; returns its stdout. */
export async function cli(args: string[], options: RunCliOptions = {}): Promise<string> {
  const r = await runCli(args, options)
  if (r.code !== 0) throw new Error(`meshkeep ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.trim()}`)
  return r.stdout
}

/** Polls `fn` until it returns a value other than undefined/false, or throws after timeoutMs naming `what` (or when `signal` aborts). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  intervalMs = 200,
  signal?: AbortSignal
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    signal?.throwIfAborted()
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`)
    await new Promise(r => setTimeout(r, intervalMs))
  }
}

export interface InitResult {
  dataDir: string
  peerId: string
  phrase: string
}

/** `meshkeep init --json` in `dataDir`. */
export async function initNode(dataDir: string, env: Record<string, string> = {}): Promise<InitResult> {
  const out = await cli(['init', '--data-dir', dataDir, '--json'], { env })
  const r = JSON.parse(out) as { peerId: string; phrase: string }
  return { dataDir, peerId: r.peerId, phrase: r.phrase }
}

/** `meshkeep init --recover --json` with the phrase on stdin: the same identity on a fresh data dir; resolves with its peer id. */
export async function initFromPhrase(dataDir: string, phrase: string, env: Record<string, string> = {}): Promise<string> {
  const out = await cli(['init', '--data-dir', dataDir, '--recover', '--json'], { env, input: `${phrase}\n` })
  return (JSON.parse(out) as { peerId: string }).peerId
}

export interface DaemonStartOptions {
  dataDir: string
  socket?: string
  bootstrap?: string[]
  /** @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /** a config object written to <dataDir>.config.json and passed with --config */
  config?: Record<string, unknown>
  env?: Record<string, string>
  args?: string[]
  /** @default 60000 */
  readyTimeoutMs?: number
  /** called with each stdout line (JSON log) */
  onLog?: (line: string) => void
  /** stdout and stderr are appended to this file as they come */
  logFile?: string
  /** keep every stdout line in `lines` (for `logs()`) @default true */
  keepLines?: boolean
  /**
   * Run the daemon through this launcher (`bin/meshkeep`, what users and the
   * systemd unit run: it adds the daemon's V8 heap cap) on this process's
   * Node, instead of the CLI entry directly.
   */
  launcher?: string
  /** Node flags (e.g. --cpu-prof), passed in NODE_OPTIONS */
  nodeArgs?: string[]
  /** a command the daemon runs under, e.g. `['ip', 'netns', 'exec', NAME]` (it must exec, so the PID stays the daemon's) */
  prefix?: string[]
}

/** Where DaemonProcess.start writes a daemon's config file. */
export function configPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}.config.json`
}

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

/** One `meshkeep daemon` process. */
export class DaemonProcess {
  readonly lines: string[] = []
  stderr = ''
  peerId = ''
  addrs: string[] = []
  readonly exited: Promise<ExitInfo>
  private exitInfo: ExitInfo | undefined

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly socket: string,
    options: Pick<DaemonStartOptions, 'onLog' | 'logFile' | 'keepLines'>
  ) {
    const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' })
    let partial = ''
    child.stdout?.on('data', (b: Buffer) => {
      log?.write(b)
      const parts = (partial + b.toString('utf8')).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) {
        if (options.keepLines !== false) this.lines.push(line)
        options.onLog?.(line)
      }
    })
    child.stderr?.on('data', (b: Buffer) => {
      log?.write(b)
      this.stderr += b.toString('utf8')
    })
    this.exited = new Promise(resolve => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal }
        log?.end()
        resolve(this.exitInfo)
      })
    })
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get running(): boolean {
    return this.exitInfo === undefined
  }

  /** The first listen address, with /p2p/<peer id>: what others bootstrap to. */
  get addr(): string {
    const a = this.addrs[0]
    if (a === undefined) throw new Error('daemon has no address')
    return a
  }

  /** Spawns a daemon and resolves once its control socket answers `id`. */
  static async start(options: DaemonStartOptions): Promise<DaemonProcess> {
    const socket = options.socket ?? join(options.dataDir, 'control.sock')
    const args = ['daemon', '--data-dir', options.dataDir, '--socket', socket]
    for (const l of options.listen ?? ['/ip4/127.0.0.1/tcp/0']) args.push('--listen', l)
    for (const b of options.bootstrap ?? []) args.push('--bootstrap', b)
    if (options.config !== undefined) {
      await writeFile(configPath(options.dataDir), JSON.stringify(options.config))
      args.push('--config', configPath(options.dataDir))
    }
    args.push(...(options.args ?? []))
    const env = cleanEnv(options.env)
    if (options.nodeArgs !== undefined) env.NODE_OPTIONS = [env.NODE_OPTIONS ?? '', ...options.nodeArgs].join(' ').trim()
    if (options.launcher !== undefined) env.MESHKEEP_NODE = process.execPath
    const command = options.launcher === undefined ? [process.execPath, CLI_ENTRY, ...args] : [options.launcher, ...args]
    const [file, ...rest] = [...(options.prefix ?? []), ...command] as [string, ...string[]]
    const child = spawnTracked(file, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const d = new DaemonProcess(child, options.dataDir, socket, options)
    const gone = new AbortController()
    try {
      const id = await Promise.race([
        waitFor('the control socket to answer', () => d.tryCall<{ peerId: string; addrs: string[] }>('id'), options.readyTimeoutMs ?? 60_000, 100, gone.signal),
        d.exited.then(e => {
          throw new Error(`daemon exited (${e.code ?? e.signal}) before it answered: ${d.stderr.trim() || d.lines.slice(-3).join('\n')}`)
        })
      ]).finally(() => gone.abort())
      d.peerId = id.peerId
      d.addrs = id.addrs
    } catch (err) {
      d.kill()
      throw err
    }
    return d
  }

  /** One control call; throws the daemon's error. */
  async call<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const client = await ControlClient.connect(this.socket, { connectTimeoutMs: Math.min(timeoutMs, 5000) })
    try {
      return await client.call<T>(method, params, { timeoutMs })
    } finally {
      client.close()
    }
  }

  private async tryCall<T>(method: string): Promise<T | undefined> {
    if (!this.running) return undefined
    try {
      return await this.call<T>(method, {}, 5000)
    } catch {
      return undefined
    }
  }

  /** Parsed JSON log lines (non-JSON lines skipped). */
  logs(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = []
    for (const l of this.lines) {
      try {
        out.push(JSON.parse(l) as Record<string, unknown>)
      } catch {
        // not a log line
      }
    }
    return out
  }

  /** Sends `signal` and waits for the exit; SIGKILL after timeoutMs. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo as ExitInfo
    this.child.kill(signal)
    let timer: NodeJS.Timeout | undefined
    const killed = new Promise<void>(resolve => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL')
        resolve()
      }, timeoutMs)
    })
    await Promise.race([this.exited, killed])
    clearTimeout(timer)
    return this.exited
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL')
  }
}

/** Temp dirs and daemons of one test file, all removed by `close()` (call it in `after`). */
export class Workspace {
  readonly daemons: DaemonProcess[] = []
  /** the promise, not its value: parallel first calls must share one directory */
  private root: Promise<string> | undefined

  /** The workspace root: a short path, because Unix socket paths are limited to 107 bytes. */
  dir(): Promise<string> {
    this.root ??= mkdtemp(join(tmpdir(), 'mk-e2e-'))
    return this.root
  }

  async path(name: string): Promise<string> {
    return join(await this.dir(), name)
  }

  async start(options: DaemonStartOptions): Promise<DaemonProcess> {
    const d = await DaemonProcess.start(options)
    this.daemons.push(d)
    return d
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.daemons.map(d => d.stop('SIGTERM', 15_000)))
    for (const d of this.daemons) d.kill()
    if (this.root !== undefined) await rm(await this.root, { recursive: true, force: true })
  }
}
