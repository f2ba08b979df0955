import type { Socket } from 'node:net'
import { MeshkeepError } from '../../core/index.js'
import { FRAME_ABORT, FRAME_END, FRAME_HEADER_BYTES, FRAME_STATUS, MAX_FRAME_BYTES, MAX_STATUS_BYTES } from './protocol.js'

export type LineResult = { kind: 'line'; text: string } | { kind: 'oversized'; bytes: number } | { kind: 'eof' }

export type Frame = { kind: 'data'; bytes: Buffer } | { kind: 'status'; status: Record<string, unknown> } | { kind: 'end' } | { kind: 'abort' }

export interface ReadOptions {
  /** give up with TIMEOUT when no byte arrives for this long, ms */
  idleTimeoutMs?: number
  signal?: AbortSignal
}

const NEWLINE = 0x0a

/**
 * Reads newline-delimited lines and length-prefixed frames from one socket,
 * in whatever order the protocol asks for them. Bytes are buffered only up to
 * a high-water mark: past it the socket is paused, so a fast peer cannot make
 * us hold a large upload in memory (TCP-style back-pressure on the Unix socket).
 */
export class SocketReader {
  private chunks: Buffer[] = []
  private length = 0
  /** bytes at the front already searched for a newline */
  private scanned = 0
  private ended = false
  private failure: Error | undefined
  private wake: (() => void) | undefined
  private waiting = false

  constructor(
    private readonly socket: Socket,
    private readonly highWaterMark = 2 * (MAX_FRAME_BYTES + FRAME_HEADER_BYTES)
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk)
      this.length += chunk.length
      if (!this.waiting && this.length >= this.highWaterMark) socket.pause()
      this.notify()
    })
    socket.on('end', () => {
      this.ended = true
      this.notify()
    })
    socket.on('close', () => {
      this.ended = true
      this.notify()
    })
    socket.on('error', (err: Error) => {
      this.failure ??= err
      this.ended = true
      this.notify()
    })
  }

  /** Bytes received and not read yet. */
  get buffered(): number {
    return this.length
  }

  /** True once the peer closed its side (or the socket failed) and everything buffered has been read. */
  get exhausted(): boolean {
    return this.ended && this.length === 0
  }

  /**
   * Reads one line (without its `\n`, and without a trailing `\r`). A line
   * longer than `maxBytes` is skipped up to its newline without being held
   * in memory and reported as `oversized`, so the caller can answer an error
   * and go on with the next line.
   */
  async readLine(maxBytes: number, options: ReadOptions = {}): Promise<LineResult> {
    let skipped = 0
    let skipping = false
    for (;;) {
      const idx = this.indexOfNewline()
      if (idx >= 0) {
        const line = this.take(idx + 1)
        if (skipping || idx > maxBytes) return { kind: 'oversized', bytes: skipped + idx }
        const end = idx > 0 && line[idx - 1] === 0x0d ? idx - 1 : idx
        return { kind: 'line', text: line.toString('utf8', 0, end) }
      }
      if (this.length > maxBytes) {
        skipped += this.length
        this.discardAll()
        skipping = true
      }
      if (this.ended) {
        if (skipping) return { kind: 'oversized', bytes: skipped + this.length }
        if (this.length === 0) return { kind: 'eof' }
        // a last line without its newline still counts
        return { kind: 'line', text: this.take(this.length).toString('utf8') }
      }
      await this.waitForData(options)
    }
  }

  /** The next byte without consuming it, or undefined at the end of the stream. */
  async peekByte(options: ReadOptions = {}): Promise<number | undefined> {
    while (this.length === 0) {
      if (this.ended) return undefined
      await this.waitForData(options)
    }
    return this.chunks[0]?.[0]
  }

  /** Reads exactly `n` bytes; fails with INVALID_MESSAGE if the stream ends first. */
  async readExact(n: number, options: ReadOptions = {}): Promise<Buffer> {
    while (this.length < n) {
      if (this.ended) {
        throw new MeshkeepError('INVALID_MESSAGE', `the connection ended in the middle of a frame (${this.length} of ${n} bytes)`, { cause: this.failure })
      }
      await this.waitForData(options)
    }
    return this.take(n)
  }

  /** Reads one frame: data (1 B to 1 MiB), end, or abort. Any other length is a protocol error. */
  async readFrame(options: ReadOptions = {}): Promise<Frame> {
    const header = await this.readExact(FRAME_HEADER_BYTES, options)
    const n = header.readUInt32BE(0)
    if (n === FRAME_END) return { kind: 'end' }
    if (n === FRAME_ABORT) return { kind: 'abort' }
    if (n === FRAME_STATUS) {
      const length = (await this.readExact(FRAME_HEADER_BYTES, options)).readUInt32BE(0)
      if (length > MAX_STATUS_BYTES) throw new MeshkeepError('INVALID_MESSAGE', `status frame of ${length} bytes is over the ${MAX_STATUS_BYTES}-byte limit`)
      const body = await this.readExact(length, options)
      let status: unknown
      try {
        status = JSON.parse(body.toString('utf8'))
      } catch {
        throw new MeshkeepError('INVALID_MESSAGE', 'a status frame is not JSON')
      }
      if (typeof status !== 'object' || status === null || Array.isArray(status))
        throw new MeshkeepError('INVALID_MESSAGE', 'a status frame is not a JSON object')
      return { kind: 'status', status: status as Record<string, unknown> }
    }
    if (n > MAX_FRAME_BYTES) throw new MeshkeepError('INVALID_MESSAGE', `frame of ${n} bytes is over the ${MAX_FRAME_BYTES}-byte limit`)
    return { kind: 'data', bytes: await this.readExact(n, options) }
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private async waitForData(options: ReadOptions): Promise<void> {
    const { idleTimeoutMs, signal } = options
    signal?.throwIfAborted()
    this.waiting = true
    if (this.socket.isPaused()) this.socket.resume()
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    try {
      await new Promise<void>((resolve, reject) => {
        this.wake = resolve
        if (idleTimeoutMs !== undefined && idleTimeoutMs > 0) {
          timer = setTimeout(() => reject(new MeshkeepError('TIMEOUT', `no data from the peer for ${Math.round(idleTimeoutMs / 1000)} s`)), idleTimeoutMs)
        }
        if (signal !== undefined) {
          onAbort = () => reject(signal.reason)
          signal.addEventListener('abort', onAbort, { once: true })
        }
      })
    } finally {
      this.wake = undefined
      this.waiting = false
      clearTimeout(timer)
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
      if (this.length >= this.highWaterMark && !this.ended) this.socket.pause()
    }
  }

  /** Index of the first newline in the buffered bytes, or -1; never rescans bytes it has searched. */
  private indexOfNewline(): number {
    let base = 0
    for (const chunk of this.chunks) {
      if (base + chunk.length > this.scanned) {
        const from = Math.max(0, this.scanned - base)
        const i = chunk.indexOf(NEWLINE, from)
        if (i >= 0) return base + i
      }
      base += chunk.length
    }
    this.scanned = this.length
    return -1
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]
    let out: Buffer
    if (first !== undefined && first.length === n) {
      this.chunks.shift()
      out = first
    } else if (first !== undefined && first.length > n) {
      out = first.subarray(0, n)
      this.chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let filled = 0
      while (filled < n) {
        const c = this.chunks[0] as Buffer
        const want = n - filled
        if (c.length <= want) {
          c.copy(out, filled)
          filled += c.length
          this.chunks.shift()
        } else {
          c.copy(out, filled, 0, want)
          this.chunks[0] = c.subarray(want)
          filled += want
        }
      }
    }
    this.length -= n
    this.scanned = Math.max(0, this.scanned - n)
    // refill before the buffer runs dry, so reading and receiving overlap
    if (!this.ended && this.socket.isPaused() && this.length < this.highWaterMark / 2) this.socket.resume()
    return out
  }

  private discardAll(): void {
    this.chunks = []
    this.length = 0
    this.scanned = 0
  }
}
