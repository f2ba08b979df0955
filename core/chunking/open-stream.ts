import { bytesEqual, toHex } from '../bytes/index.js'
import { sha256 } from '../crypto/index.js'
import { IntegrityError, InvalidChunkError } from '../errors/index.js'
import type { ChunkCipher } from './chunk-cipher.js'
import { CHUNK_ID_BYTES, CHUNK_OVERHEAD_BYTES } from './constants.js'
import { StateDigest } from './state-digest.js'

/** What the opener checks the chunks against: a manifest's promises. */
export interface ExpectedState {
  chunks: ReadonlyArray<{ id: Uint8Array; size: number }>
  totalSize: number
  pieceSize: number
  plaintextDigest: Uint8Array
}

export interface OpenStreamOptions {
  /**
   * The caller already checked that every chunk hashes to the id at its
   * position (a fetcher must, to fall back to another holder), so the chunk is
   * not hashed a second time. GCM still authenticates each chunk and the
   * plaintext digest still pins the whole state. @default false
   */
  idsVerified?: boolean
}

/**
 * Verifies and decrypts an ordered stream of chunks back into the state.
 * Each chunk must hash to the id the manifest lists at its position; every
 * full piece must be `pieceSize` long; at the end the total size and the
 * plaintext digest must match. Any mismatch throws before the bad bytes are
 * yielded (a piece is yielded only once its chunk authenticated).
 */
export async function* openStream(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  cipher: ChunkCipher,
  expected: ExpectedState,
  options: OpenStreamOptions = {}
): AsyncGenerator<Uint8Array> {
  const digest = new StateDigest()
  let index = 0
  for await (const bytes of chunks) {
    const ref = expected.chunks[index]
    if (ref === undefined) throw new IntegrityError(`got more chunks than the ${expected.chunks.length} the manifest lists`)
    if (ref.id.length !== CHUNK_ID_BYTES || (options.idsVerified !== true && !bytesEqual(sha256(bytes), ref.id))) {
      throw new InvalidChunkError(`chunk ${index} does not hash to its id ${toHex(ref.id).slice(0, 16)}…`)
    }
    const piece = cipher.open(bytes)
    const isLast = index === expected.chunks.length - 1
    if ((!isLast && piece.length !== expected.pieceSize) || piece.length > expected.pieceSize || piece.length + CHUNK_OVERHEAD_BYTES !== ref.size) {
      throw new IntegrityError(`chunk ${index} holds ${piece.length} plaintext bytes, which does not fit the manifest`)
    }
    digest.add(sha256(piece), piece.length)
    index++
    yield piece
  }
  if (index !== expected.chunks.length) {
    throw new IntegrityError(`stream ended after ${index} of ${expected.chunks.length} chunks`)
  }
  if (digest.totalBytes !== expected.totalSize) {
    throw new IntegrityError(`rebuilt ${digest.totalBytes} bytes, the manifest says ${expected.totalSize}`)
  }
  if (!bytesEqual(digest.digest(), expected.plaintextDigest)) {
    throw new IntegrityError('the rebuilt state does not match the manifest plaintext digest')
  }
}
