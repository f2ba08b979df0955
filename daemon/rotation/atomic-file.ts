/**
 * Whole-file replacement that survives a crash or a power cut at any point:
 * the reader finds the old contents or the new ones, never a torn file.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { toHex } from '../../core/index.js'
import { fsyncDir } from '../datadir/key-file.js'

/**
 * Writes `text` to `path`, replacing what is there: a 0600 temp file in the
 * same directory, fsync, rename over `path` (atomic on POSIX), then fsync
 * of the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path)
  const temp = join(dir, `.${basename(path)}.${toHex(new Uint8Array(randomBytes(6)))}.tmp`)
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    try {
      await handle.chmod(0o600) // the umask only removes bits, but be exact
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
  await fsyncDir(dir)
}

/** Removes `path` (absent is fine) and makes the removal durable. */
export async function removeFileDurably(path: string): Promise<void> {
  await rm(path, { force: true })
  await fsyncDir(dirname(path))
}
