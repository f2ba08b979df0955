/**
 * Where get and recover write: stdout for `-`, else a file written
 * atomically. The bytes go to a temp file (0600, beside the target, so the
 * rename stays on one file system); only a complete, fsynced stream is
 * renamed to its final name. A failed or interrupted recover leaves no
 * partial file under that name (and removes its temp file).
 */
import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { MeshkeepError } from '../../core/index.js'

export interface OutputTarget {
  write: (bytes: Uint8Array) => Promise<void>
  /** makes the output final (rename into place) */
  commit: () => Promise<void>
  /** drops what was written (removes the temp file) */
  discard: () => Promise<void>
  /** what to call the output in messages */
  readonly name: string
}

export async function openOutput(target: string, stdout: NodeJS.WriteStream): Promise<OutputTarget> {
  if (target === '-') return stdoutTarget(stdout)
  const final = resolve(target)
  const temp = join(dirname(final), `.${basename(final)}.${process.pid}-${randomBytes(4).toString('hex')}.meshkeep-tmp`)
  const handle = await open(temp, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new MeshkeepError('INVALID_PARAMS', `cannot write ${final}: ${err.code === 'ENOENT' ? 'its directory does not exist' : (err.code ?? err.message)}`)
  })
  let closed = false
  const close = async (h: FileHandle) => {
    if (closed) return
    closed = true
    await h.close()
  }
  return {
    name: final,
    write: async bytes => {
      let off = 0
      while (off < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, off, bytes.length - off)
        off += bytesWritten
      }
    },
    commit: async () => {
      await handle.sync()
      await close(handle)
      await rename(temp, final)
      // the rename itself must survive a crash
      const dir = await open(dirname(final), 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    },
    discard: async () => {
      await close(handle).catch(() => {})
      await unlink(temp).catch(() => {})
    }
  }
}

function stdoutTarget(stdout: NodeJS.WriteStream): OutputTarget {
  return {
    name: 'stdout',
    write: bytes =>
      new Promise<void>((resolve, reject) => {
        // waiting for the callback is back-pressure: a slow reader of our stdout slows the daemon
        stdout.write(bytes, err => (err ? reject(err) : resolve()))
      }),
    commit: async () => {},
    discard: async () => {}
  }
}
