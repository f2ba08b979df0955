import type { ChunkCipher } from './chunk-cipher.js'
import { MAX_PIECE_BYTES } from './constants.js'
import { rechunk } from './rechunk.js'

/** One chunk of a state version, in order. */
export interface StateChunk {
  index: number
  id: Uint8Array
  bytes: Uint8Array
  /** plaintext bytes in this chunk */
  plainSize: number
  pieceDigest: Uint8Array
}

/**
 * Streams a state through the chunk cipher: plaintext bytes in, encrypted
 * chunks out, one piece in memory at a time.
 */
export async function* sealStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  cipher: ChunkCipher,
  pieceSize = MAX_PIECE_BYTES
): AsyncGenerator<StateChunk> {
  let index = 0
  for await (const piece of rechunk(source, pieceSize)) {
    const sealed = cipher.seal(piece)
    yield { index: index++, id: sealed.id, bytes: sealed.bytes, plainSize: piece.length, pieceDigest: sealed.pieceDigest }
  }
}
