import { chmod, unlink } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { MeshkeepError } from '../../core/index.js'
import { type ControlLogger, errorObject } from './errors.js'
import { isMethodName, JSONRPC_VERSION, METHODS, type MethodName, type RequestId, RPC_CODES, type RpcErrorObject } from './protocol.js'
import { claimSocketPath } from './socket-file.js'
import { SocketReader } from './socket-reader.js'
import { SocketWriter } from './socket-writer.js'

/** What a method handler gets besides its params. */
export interface MethodContext {
  /** aborted when the daemon shuts down or the client disconnects */
  signal: AbortSignal
  /** upload methods: the client's bytes, frame by frame; throws ABORTED if the client gives up */
  upload: () => AsyncIterable<Uint8Array>
  /** download methods: sends bytes to the client, waiting while the client is slow to read */
  send: (bytes: Uint8Array) => Promise<void>
  /**
   * download methods whose request asked for it (`params.progress: true`):
   * tells the client what the operation is doing (a status frame). Best
   * effort: a status that cannot be written is dropped.
   */
  status: (status: Record<string, unknown>) => void
}

export type MethodHandler = (params: Record<string, unknown>, ctx: MethodContext) => Promise<unknown>

export type MethodTable = Record<MethodName, MethodHandler>

export interface ControlServerInit {
  /** Unix socket path (created 0600) */
  path: string
  methods: MethodTable
  /** longest request line accepted, bytes */
  maxRequestBytes: number
  /** connections served at once; more are answered BUSY and closed */
  maxClients: number
  /** a connection waiting this long for its next request is closed, ms @default 300000 */
  idleTimeoutMs?: number
  /** an upload frame or a download drain waiting this long fails with TIMEOUT, ms @default 120000 */
  streamTimeoutMs?: number
  log?: ControlLogger
}

interface Connection {
  socket: Socket
  reader: SocketReader
  writer: SocketWriter
  /** aborted when the client goes away */
  gone: AbortController
  /** the request being handled, if any */
  current: Promise<void> | undefined
}

class ProtocolViolation extends Error {}

/**
 * The control socket: JSON-RPC 2.0 over newline-delimited JSON on a Unix
 * socket, with binary frames for state bytes (docs/CONTROL-SOCKET.md).
 * Each connection handles one request at a time; a bad request gets an
 * error response and the connection (and the daemon) go on.
 */
export class ControlServer {
  private server: Server | undefined
  private readonly connections = new Set<Connection>()
  private readonly shutdown = new AbortController()
  private readonly idleTimeoutMs: number
  private readonly streamTimeoutMs: number

  constructor(private readonly init: ControlServerInit) {
    this.idleTimeoutMs = init.idleTimeoutMs ?? 300_000
    this.streamTimeoutMs = init.streamTimeoutMs ?? 120_000
  }

  get path(): string {
    return this.init.path
  }

  /** Connected clients right now. */
  get clients(): number {
    return this.connections.size
  }

  /** Claims the socket path (refusing if another daemon answers on it) and listens, mode 0600. */
  async listen(): Promise<void> {
    const removedStale = await claimSocketPath(this.init.path)
    if (removedStale) this.init.log?.warn({ socket: this.init.path }, 'removed a stale control socket nobody answered on')
    const server = createServer({ allowHalfOpen: true }, socket => this.accept(socket))
    // the umask closes the window between bind() and chmod() in which others could connect
    const umask = process.umask(0o177)
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.init.path, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } finally {
      process.umask(umask)
    }
    await chmod(this.init.path, 0o600)
    server.on('error', err => this.init.log?.error({ err }, 'control socket error'))
    this.server = server
  }

  /**
   * Graceful stop: accept no new connections, abort requests in flight with
   * `reason` (they answer ABORTED), wait for them up to `graceMs`, close
   * every connection and remove the socket file.
   */
  async close(reason: Error = new MeshkeepError('ABORTED', 'the daemon is shutting down'), graceMs = 10_000): Promise<void> {
    const server = this.server
    this.server = undefined
    const closed = server === undefined ? Promise.resolve() : new Promise<void>(resolve => server.close(() => resolve()))
    this.shutdown.abort(reason)
    const inflight = [...this.connections].map(c => c.current).filter(p => p !== undefined)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.allSettled(inflight), new Promise(resolve => (timer = setTimeout(resolve, graceMs)))])
    clearTimeout(timer)
    for (const c of this.connections) c.socket.destroy()
    await closed
    // only a socket we listened on is ours to remove: after a failed listen() the path may be another daemon's
    if (server !== undefined) await unlink(this.init.path).catch(() => {})
  }

  private accept(socket: Socket): void {
    if (this.shutdown.signal.aborted) {
      socket.destroy()
      return
    }
    const writer = new SocketWriter(socket)
    if (this.connections.size >= this.init.maxClients) {
      this.init.log?.warn({ clients: this.connections.size }, 'control client refused: too many clients')
      writer
        .writeJson({
          jsonrpc: JSONRPC_VERSION,
          id: null,
          error: errorObject(new MeshkeepError('BUSY', `too many control clients (${this.init.maxClients}); retry later`))
        })
        .catch(() => {})
        .finally(() => socket.end())
      socket.on('error', () => {})
      setTimeout(() => socket.destroy(), 1000).unref()
      return
    }
    const conn: Connection = { socket, reader: new SocketReader(socket), writer, gone: new AbortController(), current: undefined }
    this.connections.add(conn)
    socket.on('close', () => {
      conn.gone.abort(new MeshkeepError('ABORTED', 'the client disconnected'))
      this.connections.delete(conn)
    })
    this.serve(conn)
      .catch(err => this.init.log?.debug({ err }, 'control connection ended with an error'))
      .finally(() => {
        socket.end()
        setTimeout(() => socket.destroy(), 1000).unref()
      })
  }

  private async serve(conn: Connection): Promise<void> {
    const max = this.init.maxRequestBytes
    while (!this.shutdown.signal.aborted && !conn.gone.signal.aborted) {
      let line: Awaited<ReturnType<SocketReader['readLine']>>
      try {
        line = await conn.reader.readLine(max, { idleTimeoutMs: this.idleTimeoutMs, signal: this.shutdown.signal })
      } catch {
        return // idle timeout or shutdown: close quietly
      }
      if (line.kind === 'eof') return
      if (line.kind === 'oversized') {
        await this.reply(conn, null, {
          code: RPC_CODES.INVALID_REQUEST,
          message: `request of ${line.bytes} bytes is over the ${max}-byte limit (control.maxRequestBytes)`,
          data: { code: 'INVALID_MESSAGE' }
        })
        continue
      }
      if (line.text.trim() === '') continue
      const run = this.handleLine(conn, line.text)
      conn.current = run.then(
        () => undefined,
        () => undefined
      )
      try {
        await run
      } catch (err) {
        if (err instanceof ProtocolViolation) return // the stream is out of sync: the only safe thing is to hang up
        throw err
      } finally {
        conn.current = undefined
      }
    }
  }

  private async handleLine(conn: Connection, text: string): Promise<void> {
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch (err) {
      await this.reply(conn, null, {
        code: RPC_CODES.PARSE_ERROR,
        message: `request is not valid JSON: ${(err as Error).message}`,
        data: { code: 'INVALID_MESSAGE' }
      })
      return
    }
    if (Array.isArray(message)) {
      await this.reply(conn, null, {
        code: RPC_CODES.INVALID_REQUEST,
        message: 'batch requests are not supported; send one request per line',
        data: { code: 'INVALID_MESSAGE' }
      })
      return
    }
    if (typeof message !== 'object' || message === null) {
      await this.reply(conn, null, { code: RPC_CODES.INVALID_REQUEST, message: 'a request must be a JSON object', data: { code: 'INVALID_MESSAGE' } })
      return
    }
    const req = message as Record<string, unknown>
    const rawId = req.id
    const idValid = rawId === undefined || rawId === null || typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId))
    const id: RequestId = idValid ? ((rawId ?? null) as RequestId) : null
    if (req.jsonrpc !== JSONRPC_VERSION || typeof req.method !== 'string' || !idValid) {
      await this.reply(conn, id, {
        code: RPC_CODES.INVALID_REQUEST,
        message: 'a request needs "jsonrpc": "2.0", a string "method" and a string, number or null "id"',
        data: { code: 'INVALID_MESSAGE' }
      })
      return
    }
    const method = req.method
    if (!isMethodName(method)) {
      await this.reply(conn, id, { code: RPC_CODES.METHOD_NOT_FOUND, message: `unknown method "${method}"`, data: { code: 'NOT_FOUND' } })
      return
    }
    const kind = METHODS[method]
    const notification = rawId === undefined
    if (notification && kind !== 'none') {
      // without an id there is no response line to end the byte stream with
      await this.reply(conn, null, { code: RPC_CODES.INVALID_REQUEST, message: `${method} streams bytes and needs an "id"`, data: { code: 'INVALID_MESSAGE' } })
      if (kind === 'upload') await this.drainUpload(conn, { terminated: false })
      return
    }
    const params = req.params ?? {}
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      await this.reply(conn, id, {
        code: RPC_CODES.INVALID_PARAMS,
        message: '"params" must be an object (by-name parameters)',
        data: { code: 'INVALID_PARAMS' }
      })
      if (kind === 'upload') await this.drainUpload(conn, { terminated: false })
      else if (kind === 'download') await conn.writer.writeAbort().catch(() => {})
      return
    }
    const started = Date.now()
    this.init.log?.debug({ method, id }, 'control request')
    if (kind === 'upload') await this.runUpload(conn, id, method, params as Record<string, unknown>)
    else if (kind === 'download') await this.runDownload(conn, id, method, params as Record<string, unknown>)
    else {
      const signal = this.requestSignal(conn)
      let result: unknown
      try {
        result = await this.init.methods[method](params as Record<string, unknown>, { signal, upload: noUpload, send: noDownload, status: noStatus })
      } catch (err) {
        if (!notification) await this.replyError(conn, id, method, err)
        return
      }
      if (!notification) await this.reply(conn, id, undefined, result)
    }
    this.init.log?.debug({ method, id, ms: Date.now() - started }, 'control request done')
  }

  private requestSignal(conn: Connection): AbortSignal {
    return AbortSignal.any([this.shutdown.signal, conn.gone.signal])
  }

  private async runUpload(conn: Connection, id: RequestId, method: MethodName, params: Record<string, unknown>): Promise<void> {
    const signal = this.requestSignal(conn)
    const state = { terminated: false, violated: false }
    const reader = conn.reader
    const timeout = this.streamTimeoutMs
    async function* upload(): AsyncGenerator<Uint8Array> {
      while (!state.terminated) {
        let frame: Awaited<ReturnType<SocketReader['readFrame']>>
        try {
          frame = await reader.readFrame({ idleTimeoutMs: timeout, signal })
        } catch (err) {
          // a bad length or a cut connection: the rest of the stream cannot be found again
          if (err instanceof MeshkeepError && err.code === 'INVALID_MESSAGE') state.violated = true
          throw err
        }
        if (frame.kind === 'end') {
          state.terminated = true
          return
        }
        if (frame.kind === 'abort') {
          state.terminated = true
          throw new MeshkeepError('ABORTED', 'the client aborted the upload')
        }
        if (frame.kind === 'status') {
          state.violated = true
          throw new MeshkeepError('INVALID_MESSAGE', 'status frames travel only from the daemon to the client')
        }
        yield frame.bytes
      }
    }
    let used = false
    const ctx: MethodContext = {
      signal,
      upload: () => {
        if (used) throw new MeshkeepError('INTERNAL', 'the upload stream can be read only once')
        used = true
        return upload()
      },
      send: noDownload,
      status: noStatus
    }
    let result: unknown
    let failure: unknown
    try {
      result = await this.init.methods[method](params, ctx)
    } catch (err) {
      failure = err
    }
    // An early answer (e.g. WRITE_BLOCKED before any byte was read) goes out at once:
    // the client stops sending when it sees it, and we skip what is still in flight.
    if (failure !== undefined) await this.replyError(conn, id, method, failure)
    else await this.reply(conn, id, undefined, result)
    if (state.violated) throw new ProtocolViolation('upload framing violated')
    if (!state.terminated && !signal.aborted) await this.drainUpload(conn, state)
    if (!state.terminated) throw new ProtocolViolation('upload not terminated')
  }

  /** Reads and drops upload frames up to the stream's end, so the next request line is found. */
  private async drainUpload(conn: Connection, state: { terminated: boolean }): Promise<void> {
    try {
      for (;;) {
        const frame = await conn.reader.readFrame({ idleTimeoutMs: this.streamTimeoutMs, signal: this.requestSignal(conn) })
        if (frame.kind !== 'data') {
          state.terminated = true
          return
        }
      }
    } catch {
      throw new ProtocolViolation('upload could not be drained')
    }
  }

  private async runDownload(conn: Connection, id: RequestId, method: MethodName, params: Record<string, unknown>): Promise<void> {
    const signal = this.requestSignal(conn)
    const writeOpts = { drainTimeoutMs: this.streamTimeoutMs, signal }
    // status frames are only for clients that asked (older clients would read one as a data frame)
    const { progress, ...methodParams } = params
    let writing: Promise<void> = Promise.resolve()
    const ctx: MethodContext = {
      signal,
      upload: noUpload,
      send: async bytes => {
        await writing
        await conn.writer.writeData(bytes, writeOpts)
      },
      status:
        progress === true
          ? s => {
              writing = writing.then(() => conn.writer.writeStatus(s, writeOpts)).catch(() => {})
            }
          : noStatus
    }
    let result: unknown
    try {
      result = await this.init.methods[method](methodParams, ctx)
      await writing
    } catch (err) {
      if (conn.writer.closed) return
      await conn.writer.writeAbort().catch(() => {})
      await this.replyError(conn, id, method, err)
      return
    }
    await conn.writer.writeEnd()
    await this.reply(conn, id, undefined, result)
  }

  private async replyError(conn: Connection, id: RequestId, method: string, err: unknown): Promise<void> {
    const error = errorObject(err)
    if (error.data?.code === 'INTERNAL') this.init.log?.error({ err, method }, 'control request failed unexpectedly')
    else this.init.log?.debug({ method, code: error.data?.code, msg: error.message }, 'control request refused')
    await this.reply(conn, id, error)
  }

  private async reply(conn: Connection, id: RequestId, error: RpcErrorObject | undefined, result?: unknown): Promise<void> {
    const message = error !== undefined ? { jsonrpc: JSONRPC_VERSION, id, error } : { jsonrpc: JSONRPC_VERSION, id, result: result ?? null }
    await conn.writer.writeJson(message, { drainTimeoutMs: this.streamTimeoutMs }).catch(() => {
      conn.socket.destroy()
    })
  }
}

function noUpload(): AsyncIterable<Uint8Array> {
  throw new MeshkeepError('INTERNAL', 'this method takes no upload')
}

function noStatus(): void {}

function noDownload(): Promise<void> {
  throw new MeshkeepError('INTERNAL', 'this method sends no bytes')
}
