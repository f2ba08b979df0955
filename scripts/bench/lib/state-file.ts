/**
 * The states the bench stores: reproducible pseudo-random bytes (an
 * AES-256-CTR keystream under a key derived from a seed), written to a file
 * as a user's state would be. Random bytes, so nothing compresses or
 * deduplicates; a different seed per run, so no run finds its chunks
 * already at the holders.
 */
import { createCipheriv, createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'

const BLOCK = 4 << 20

export interface StateFile {
  path: string
  bytes: number
  /** SHA-256 of the content, hex: what a recovery must reproduce */
  sha256: string
}

export async function writeStateFile(path: string, bytes: number, seed: string): Promise<StateFile> {
  const key = createHash('sha256').update(`meshkeep bench state ${seed}`).digest()
  const ctr = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(BLOCK)
  const digest = createHash('sha256')
  const fh = await open(path, 'w')
  try {
    for (let off = 0; off < bytes; off += BLOCK) {
      const block = ctr.update(zeros.subarray(0, Math.min(BLOCK, bytes - off)))
      digest.update(block)
      await fh.write(block)
    }
  } finally {
    await fh.close()
  }
  return { path, bytes, sha256: digest.digest('hex') }
}

/** Inverts one byte in place (the incremental scenario); returns the new content hash. */
export async function flipByte(state: StateFile, offset: number): Promise<StateFile> {
  const fh = await open(state.path, 'r+')
  try {
    const b = Buffer.alloc(1)
    await fh.read(b, 0, 1, offset)
    b[0] = (b[0] as number) ^ 0xff
    await fh.write(b, 0, 1, offset)
  } finally {
    await fh.close()
  }
  return { ...state, sha256: await hashFile(state.path) }
}

export async function hashFile(path: string): Promise<string> {
  const digest = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: BLOCK })) digest.update(chunk as Buffer)
  return digest.digest('hex')
}

/** A sink that only counts and hashes: recoveries are checked against the original, not written to disk. */
export class HashingSink {
  readonly hash: Hash = createHash('sha256')
  bytes = 0

  write = (piece: Uint8Array): void => {
    this.hash.update(piece)
    this.bytes += piece.length
  }

  hex(): string {
    return this.hash.digest('hex')
  }
}
