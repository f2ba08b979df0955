/**
 * A tiny request/response channel between the bench and a helper process
 * (the raw libp2p peer, the Helia peer): JSON lines, requests on the child's
 * stdin, answers on its stdout, logs on its stderr. The child's first line
 * is `{ "ready": … }`; it exits when its stdin closes, so a dead bench never
 * leaves helpers behind.
 */
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { spawnTracked, stopChild } from '../../lib/children.js'

interface Answer {
  id: number
  result?: unknown
  error?: string
}

type Handler = (params: Record<string, unknown>) => Promise<unknown>

/** Parent side: one helper process. */
export class HelperProcess<Ready> {
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private stderrTail = ''

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly ready: Ready
  ) {}

  get pid(): number {
    return this.child.pid ?? -1
  }

  static async spawn<Ready>(name: string, script: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<HelperProcess<Ready>> {
    const child = spawnTracked(process.execPath, [script, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    let helper: HelperProcess<Ready> | undefined
    let stderr = ''
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-4000)
      if (helper !== undefined) helper.stderrTail = stderr
    })
    const ready = await new Promise<Ready>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${name} exited (${code}) before it was ready: ${stderr.trim()}`))
      child.once('exit', onExit)
      lines.once('line', line => {
        child.off('exit', onExit)
        try {
          resolve((JSON.parse(line) as { ready: Ready }).ready)
        } catch {
          reject(new Error(`${name} wrote "${line.slice(0, 200)}" instead of its ready line`))
        }
      })
    })
    helper = new HelperProcess(name, child, ready)
    helper.stderrTail = stderr
    const h = helper
    lines.on('line', line => h.onLine(line))
    child.once('exit', code => {
      for (const w of h.waiting.values()) w.reject(new Error(`${name} exited (${code}): ${h.stderrTail.trim()}`))
      h.waiting.clear()
    })
    return helper
  }

  private onLine(line: string): void {
    let msg: Answer
    try {
      msg = JSON.parse(line) as Answer
    } catch {
      return
    }
    const w = this.waiting.get(msg.id)
    if (w === undefined) return
    this.waiting.delete(msg.id)
    if (msg.error !== undefined) w.reject(new Error(`${this.name}: ${msg.error}`))
    else w.resolve(msg.result)
  }

  call<T>(cmd: string, params: Record<string, unknown> = {}, timeoutMs = 600_000): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`${this.name}: ${cmd} took longer than ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, {
        resolve: v => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: e => {
          clearTimeout(timer)
          reject(e)
        }
      })
      this.child.stdin?.write(`${JSON.stringify({ id, cmd, params })}\n`)
    })
  }

  /** Closes stdin (the helper's cue to stop), then SIGTERM/SIGKILL if it lingers. */
  async stop(): Promise<void> {
    this.child.stdin?.end()
    const exited = new Promise<void>(resolve => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve()
      else this.child.once('exit', () => resolve())
    })
    const late = setTimeout(() => void stopChild(this.child, 5_000), 10_000)
    await exited
    clearTimeout(late)
  }
}

/** Child side: announce readiness, answer requests one line each, exit when the parent goes away. */
export function serveParent(ready: unknown, handlers: Record<string, Handler>, onClose: () => Promise<void>): void {
  const write = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`)
  write({ ready })
  const lines = createInterface({ input: process.stdin })
  lines.on('line', line => {
    let req: { id: number; cmd: string; params: Record<string, unknown> }
    try {
      req = JSON.parse(line) as typeof req
    } catch {
      return
    }
    const handler = handlers[req.cmd]
    if (handler === undefined) {
      write({ id: req.id, error: `unknown command ${req.cmd}` })
      return
    }
    handler(req.params).then(
      result => write({ id: req.id, result: result ?? null }),
      (err: unknown) => write({ id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) })
    )
  })
  lines.once('close', () => {
    onClose().finally(() => process.exit(0))
  })
}
