import { lstat, mkdir, unlink } from 'node:fs/promises'
import { connect } from 'node:net'
import { dirname } from 'node:path'
import { MeshkeepError } from '../../core/index.js'

/** sun_path holds 108 bytes on Linux, including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107

export function assertSocketPath(path: string): void {
  const n = Buffer.byteLength(path)
  if (n > MAX_SOCKET_PATH_BYTES) {
    throw new MeshkeepError(
      'INVALID_CONFIG',
      `socket path ${path} is ${n} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit of Unix sockets; set socket (--socket) to a shorter path`
    )
  }
}

/** Resolves true when something accepts a connection on `path`. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise(resolve => {
    const s = connect(path)
    const done = (answers: boolean) => {
      clearTimeout(timer)
      s.destroy()
      resolve(answers)
    }
    // a listener that accepts but is too busy to finish the handshake still owns the path
    const timer = setTimeout(() => done(true), timeoutMs)
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/**
 * Makes `path` free for a new listener: creates its directory (0700), keeps
 * a socket file some other daemon still answers on (BUSY), and removes only
 * a stale one nobody answers on. Never removes a file that is not a socket.
 * Returns whether a stale socket was removed.
 */
export async function claimSocketPath(path: string): Promise<boolean> {
  assertSocketPath(path)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  let st: Awaited<ReturnType<typeof lstat>>
  try {
    st = await lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  if (!st.isSocket()) throw new MeshkeepError('INVALID_CONFIG', `${path} exists and is not a socket; refusing to replace it (set socket to another path)`)
  if (await socketAnswers(path)) {
    throw new MeshkeepError('BUSY', `another meshkeep daemon answers on ${path}; stop it first (SIGTERM) or give this one another --socket`)
  }
  await unlink(path).catch(err => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  })
  return true
}
