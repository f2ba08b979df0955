import type { Socket } from 'node:net'
import { MeshkeepError } from '../../core/index.js'
import { FRAME_ABORT, FRAME_END, FRAME_STATUS, frameHeader, MAX_FRAME_BYTES, MAX_STATUS_BYTES } from './protocol.js'

export interface WriteOptions {
  /** give up with TIMEOUT when the peer reads nothing for this long, ms */
  drainTimeoutMs?: number
  signal?: AbortSignal
}

/**
 * Writes lines and frames to one socket and honours back-pressure: when the
 * kernel buffer is full, the next write waits for `drain` (bounded in time),
 * so a slow reader slows the producer instead of growing our memory.
 */
export class SocketWriter {
  constructor(private readonly socket: Socket) {}

  get closed(): boolean {
    return this.socket.destroyed || !this.socket.writable
  }

  /** Writes one JSON message and its newline. */
  async writeJson(message: unknown, options: WriteOptions = {}): Promise<void> {
    await this.write(`${JSON.stringify(message)}\n`, options)
  }

  /** Writes `bytes` as one or more data frames of at most 1 MiB. Empty input writes nothing (a zero length would end the stream). */
  async writeData(bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
    for (let off = 0; off < bytes.length; off += MAX_FRAME_BYTES) {
      const part = bytes.subarray(off, Math.min(bytes.length, off + MAX_FRAME_BYTES))
      this.socket.write(frameHeader(part.length))
      await this.write(part, options)
    }
  }

  /** Writes one status frame (a JSON object; dropped when over MAX_STATUS_BYTES). */
  async writeStatus(status: Record<string, unknown>, options: WriteOptions = {}): Promise<void> {
    const body = Buffer.from(JSON.stringify(status))
    if (body.length > MAX_STATUS_BYTES) return
    this.socket.write(frameHeader(FRAME_STATUS))
    this.socket.write(frameHeader(body.length))
    await this.write(body, options)
  }

  async writeEnd(options: WriteOptions = {}): Promise<void> {
    await this.write(frameHeader(FRAME_END), options)
  }

  async writeAbort(options: WriteOptions = {}): Promise<void> {
    await this.write(frameHeader(FRAME_ABORT), options)
  }

  private async write(data: string | Uint8Array, options: WriteOptions): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.closed) throw new MeshkeepError('UNAVAILABLE', 'the connection is closed')
    if (this.socket.write(data)) return
    await this.drained(options)
  }

  private drained(options: WriteOptions): Promise<void> {
    const { drainTimeoutMs, signal } = options
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const cleanup = () => {
        clearTimeout(timer)
        this.socket.off('drain', onDrain)
        this.socket.off('close', onClose)
        signal?.removeEventListener('abort', onAbort)
      }
      const onDrain = () => {
        cleanup()
        resolve()
      }
      const onClose = () => {
        cleanup()
        reject(new MeshkeepError('UNAVAILABLE', 'the connection closed while writing'))
      }
      const onAbort = () => {
        cleanup()
        reject(signal?.reason)
      }
      this.socket.on('drain', onDrain)
      this.socket.on('close', onClose)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (drainTimeoutMs !== undefined && drainTimeoutMs > 0) {
        timer = setTimeout(() => {
          cleanup()
          reject(new MeshkeepError('TIMEOUT', `the peer read nothing for ${Math.round(drainTimeoutMs / 1000)} s`))
        }, drainTimeoutMs)
      }
    })
  }
}
