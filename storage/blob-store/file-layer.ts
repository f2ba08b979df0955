import { constants } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { mkdir, open, readdir, unlink } from 'node:fs/promises'

/** One open segment file, as the blob store uses it. */
export interface SegmentFile {
  /** Writes `parts`, one after the other, at `position` (the store only ever writes at its end). */
  write: (parts: Uint8Array[], position: number) => Promise<void>
  /** Reads `length` bytes at `position` into a new buffer; fewer only at the end of the file. */
  read: (position: number, length: number) => Promise<Uint8Array>
  /** Flushes everything written so far to stable storage. */
  sync: () => Promise<void>
  truncate: (length: number) => Promise<void>
  size: () => Promise<number>
  close: () => Promise<void>
}

/**
 * The few file operations the blob store needs, so tests can put a layer
 * underneath that drops what was not synced (a power cut) or fails writes
 * (a full disk).
 */
export interface FileLayer {
  /** Creates `dir` if needed. */
  ensureDir: (dir: string) => Promise<void>
  /** Opens (creating it if `create`) a file for reading and writing. */
  open: (path: string, options: { create: boolean }) => Promise<SegmentFile>
  /** File names in `dir`. */
  list: (dir: string) => Promise<string[]>
  remove: (path: string) => Promise<void>
  /** Makes the creation and removal of entries in `dir` durable. */
  syncDir: (dir: string) => Promise<void>
}

class NodeSegmentFile implements SegmentFile {
  constructor(private readonly handle: FileHandle) {}

  async write(parts: Uint8Array[], position: number): Promise<void> {
    let left = parts.filter(p => p.length > 0)
    let at = position
    while (left.length > 0) {
      // writev takes the parts as they lie in memory: no copy into one buffer
      const { bytesWritten } = await this.handle.writev(left, at)
      if (bytesWritten === 0) throw new Error('write made no progress')
      at += bytesWritten
      let skip = bytesWritten
      const rest: Uint8Array[] = []
      for (const p of left) {
        if (skip >= p.length) {
          skip -= p.length
          continue
        }
        rest.push(skip > 0 ? p.subarray(skip) : p)
        skip = 0
      }
      left = rest
    }
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const out = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, position + done)
      if (bytesRead === 0) break
      done += bytesRead
    }
    return done === length ? out : out.subarray(0, done)
  }

  async sync(): Promise<void> {
    await this.handle.datasync()
  }

  async truncate(length: number): Promise<void> {
    await this.handle.truncate(length)
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size
  }

  async close(): Promise<void> {
    await this.handle.close()
  }
}

/** The real file system (`node:fs`). */
export const nodeFileLayer: FileLayer = {
  ensureDir: async dir => {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  },
  // read-write without O_APPEND: positional writes land where the store says (it only writes at its own end)
  open: async (path, { create }) => new NodeSegmentFile(await open(path, constants.O_RDWR | (create ? constants.O_CREAT : 0), 0o600)),
  list: dir => readdir(dir),
  remove: path => unlink(path),
  syncDir: async dir => {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  }
}
