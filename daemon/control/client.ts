import { connect, type Socket } from 'node:net'
import { MeshkeepError } from '../../core/index.js'
import { ControlError, DaemonUnreachableError } from './errors.js'
import { JSONRPC_VERSION, type MethodName, type RpcErrorObject, type RpcResponse } from './protocol.js'
import { SocketReader } from './socket-reader.js'
import { SocketWriter } from './socket-writer.js'

export interface ClientOptions {
  /** deadline to connect, ms @default 5000 */
  connectTimeoutMs?: number
  /** deadline of a call without a byte stream, ms @default 60000 */
  timeoutMs?: number
  /** a byte stream (or the wait for its final answer) that makes no progress for this long fails with TIMEOUT, ms @default 300000 */
  streamTimeoutMs?: number
}

export interface CallOptions {
  signal?: AbortSignal
  timeoutMs?: number
}

export interface StreamOptions {
  signal?: AbortSignal
  /** bytes moved so far */
  onProgress?: (bytes: number) => void
  /** download methods: what the daemon says the operation is doing (ask for it with `params.progress: true`) */
  onStatus?: (status: Record<string, unknown>) => void
}

/** Responses can be large (per-chunk replication of a big state): lines up to 256 MiB. */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024

const ANSWERED = Symbol('answered')

async function* toAsync<T>(it: Iterator<T>): AsyncGenerator<T> {
  for (let step = it.next(); step.done !== true; step = it.next()) yield step.value
}

/** `{` never starts a frame header (lengths are ≤ 1 MiB or 0xFFFFFFFF), so it marks a response line sent instead of a stream. */
const OPEN_BRACE = 0x7b

/**
 * A client of the daemon's control socket. One request at a time per
 * client; the CLI opens one client per command. Every wait is bounded and
 * every call honours an AbortSignal.
 */
export class ControlClient {
  private nextId = 1
  private busy = false
  private readonly reader: SocketReader
  private readonly writer: SocketWriter
  private readonly timeoutMs: number
  private readonly streamTimeoutMs: number

  private constructor(
    readonly path: string,
    private readonly socket: Socket,
    options: ClientOptions
  ) {
    this.reader = new SocketReader(socket)
    this.writer = new SocketWriter(socket)
    this.timeoutMs = options.timeoutMs ?? 60_000
    this.streamTimeoutMs = options.streamTimeoutMs ?? 300_000
  }

  /** Connects to the daemon at `path`; fails with DaemonUnreachableError when nothing answers there. */
  static async connect(path: string, options: ClientOptions & { signal?: AbortSignal } = {}): Promise<ControlClient> {
    const timeoutMs = options.connectTimeoutMs ?? 5000
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path)
      const fail = (err: Error) => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        s.destroy()
        reject(err)
      }
      const onAbort = () => fail(new MeshkeepError('ABORTED', 'connect aborted'))
      const timer = setTimeout(
        () => fail(new DaemonUnreachableError(path, `the meshkeep daemon at ${path} did not accept a connection within ${timeoutMs} ms`)),
        timeoutMs
      )
      options.signal?.addEventListener('abort', onAbort, { once: true })
      s.once('error', err =>
        fail(new DaemonUnreachableError(path, `cannot reach the meshkeep daemon at ${path}: ${describeConnectError(err)}`, { cause: err }))
      )
      s.once('connect', () => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        resolve(s)
      })
    })
    socket.on('error', () => {}) // surfaced by the reader and writer
    return new ControlClient(path, socket, options)
  }

  close(): void {
    this.socket.end()
    this.socket.destroy()
  }

  /** Calls a method without a byte stream. */
  async call<T>(method: MethodName | string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      const id = this.nextId++
      const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs), ...(options.signal ? [options.signal] : [])])
      await this.send({ jsonrpc: JSONRPC_VERSION, id, method, params }, signal)
      return (await this.readResponse(id, { signal })) as T
    })
  }

  /**
   * Calls an upload method: sends `source` as frames after the request and
   * returns the final answer. Stops sending as soon as the daemon answers
   * early (a refusal); a failing source or an abort sends the abort frame.
   */
  async upload<T>(
    method: MethodName,
    params: Record<string, unknown>,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: StreamOptions = {}
  ): Promise<T> {
    return this.exclusive(async () => {
      const id = this.nextId++
      const { signal } = options
      await this.send({ jsonrpc: JSONRPC_VERSION, id, method, params }, signal)
      let answered = false
      const response = this.readResponse(id, { signal }).finally(() => {
        answered = true
      })
      response.catch(() => {}) // observed below
      // resolves when the daemon has answered (or the connection died): a source that
      // waits for input (a pipe on stdin) must not keep us from noticing
      const settled = response.then(
        (): typeof ANSWERED => ANSWERED,
        (): typeof ANSWERED => ANSWERED
      )
      const writeOpts = { drainTimeoutMs: this.streamTimeoutMs, signal }
      const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source[Symbol.iterator]())
      let sent = 0
      try {
        for (;;) {
          const step = await Promise.race([iterator.next(), settled])
          if (step === ANSWERED || answered) break
          if (step.done === true) break
          await this.writer.writeData(step.value, writeOpts)
          sent += step.value.length
          options.onProgress?.(sent)
        }
        if (answered) {
          await this.writer.writeAbort(writeOpts).catch(() => {})
          // stop reading the source (closes a file, lets stdin go)
          void iterator.return?.()
        } else await this.writer.writeEnd(writeOpts)
      } catch (err) {
        void iterator.return?.()
        await this.writer.writeAbort().catch(() => {})
        if (signal?.aborted) throw abortError(signal)
        // a refusal that arrived while we were sending explains more than our write failure
        const early = await Promise.race([
          response.then(
            () => undefined,
            e => e as unknown
          ),
          sleep(1000).then(() => undefined)
        ])
        throw early ?? err
      }
      return (await this.withDeadline(response, `the daemon did not answer ${method} within ${Math.round(this.streamTimeoutMs / 1000)} s`)) as T
    })
  }

  /**
   * Calls a download method: hands every received piece to `sink` (awaited,
   * so a slow sink slows the daemon) and returns the final answer. An abort
   * frame from the daemon makes this throw the daemon's error.
   */
  async download<T>(
    method: MethodName,
    params: Record<string, unknown>,
    sink: (bytes: Uint8Array) => Promise<void> | void,
    options: StreamOptions = {}
  ): Promise<T> {
    return this.exclusive(async () => {
      const id = this.nextId++
      const { signal } = options
      await this.send({ jsonrpc: JSONRPC_VERSION, id, method, params }, signal)
      const readOpts = { idleTimeoutMs: this.streamTimeoutMs, signal }
      let received = 0
      for (;;) {
        const first = await this.guard(this.reader.peekByte(readOpts), signal)
        if (first === undefined) throw new DaemonUnreachableError(this.path, `the daemon at ${this.path} closed the connection during ${method}`)
        if (first === OPEN_BRACE) {
          // refused before the stream began (e.g. BUSY at connect)
          await this.readResponse(id, readOpts)
          throw new MeshkeepError('INVALID_MESSAGE', `the daemon answered ${method} without a byte stream`)
        }
        const frame = await this.guard(this.reader.readFrame(readOpts), signal)
        if (frame.kind === 'status') {
          options.onStatus?.(frame.status)
          continue
        }
        if (frame.kind === 'data') {
          await sink(frame.bytes)
          received += frame.bytes.length
          options.onProgress?.(received)
          continue
        }
        const result = await this.readResponse(id, readOpts)
        if (frame.kind === 'abort') throw new MeshkeepError('INVALID_MESSAGE', `the daemon aborted the ${method} stream but answered without an error`)
        return result as T
      }
    })
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.busy) throw new MeshkeepError('BUSY', 'this control client is already running a request')
    this.busy = true
    try {
      return await fn()
    } finally {
      this.busy = false
    }
  }

  private async send(message: object, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.writer.writeJson(message, { drainTimeoutMs: this.timeoutMs, signal })
    } catch (err) {
      if (signal?.aborted) throw abortError(signal)
      throw new DaemonUnreachableError(this.path, `the daemon at ${this.path} closed the connection`, { cause: err })
    }
  }

  /** Reads the response to `id`; an error response throws a ControlError carrying the daemon's code. */
  private async readResponse(id: number, options: { idleTimeoutMs?: number; signal?: AbortSignal | undefined }): Promise<unknown> {
    const line = await this.guard(this.reader.readLine(MAX_RESPONSE_BYTES, options), options.signal)
    if (line.kind === 'eof') throw new DaemonUnreachableError(this.path, `the daemon at ${this.path} closed the connection before it answered`)
    if (line.kind === 'oversized') throw new MeshkeepError('INVALID_MESSAGE', `response of ${line.bytes} bytes is over the ${MAX_RESPONSE_BYTES}-byte limit`)
    let msg: RpcResponse
    try {
      msg = JSON.parse(line.text) as RpcResponse
    } catch {
      throw new MeshkeepError('INVALID_MESSAGE', 'the daemon sent a response that is not JSON')
    }
    if (typeof msg !== 'object' || msg === null || msg.jsonrpc !== JSONRPC_VERSION)
      throw new MeshkeepError('INVALID_MESSAGE', 'the daemon sent a response that is not JSON-RPC 2.0')
    if ('error' in msg) throw new ControlError(msg.error as RpcErrorObject)
    // id null is only ever used for errors (unparseable request, too many clients)
    if (msg.id !== id) throw new MeshkeepError('INVALID_MESSAGE', `response id ${String(msg.id)} does not match request id ${id}`)
    return msg.result
  }

  /** Turns timeouts and aborts of the caller's signal into the right typed errors. */
  private async guard<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await p
    } catch (err) {
      if (signal?.aborted) throw abortError(signal)
      throw err
    }
  }

  private async withDeadline<T>(p: Promise<T>, message: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new MeshkeepError('TIMEOUT', message)), this.streamTimeoutMs)
        })
      ])
    } finally {
      clearTimeout(timer)
    }
  }
}

function abortError(signal: AbortSignal): MeshkeepError {
  const reason: unknown = signal.reason
  if (reason instanceof MeshkeepError) return reason
  if (reason instanceof Error && reason.name === 'TimeoutError') return new MeshkeepError('TIMEOUT', 'the daemon did not answer in time')
  return new MeshkeepError('ABORTED', 'cancelled')
}

function describeConnectError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no socket file there'
    case 'ECONNREFUSED':
      return 'nothing listens on the socket (a stale socket file)'
    case 'EACCES':
      return 'permission denied (the socket is mode 0600: run as the daemon user)'
    default:
      return err.message
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms).unref())
}
