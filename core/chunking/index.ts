/**
 * @packageDocumentation
 * Streaming encryption and chunking of states, and the reverse.
 *
 * @example
 * ```ts
 * const cipher = new ChunkCipher({ chunkKey, nonceKey, owner })
 * for await (const chunk of sealStream(fs.createReadStream(file), cipher)) store(chunk)
 * for await (const piece of openStream(fetchInOrder(ids), cipher, manifest)) out.write(piece)
 * ```
 */

export { ChunkCipher, type ChunkCipherInit, type SealedPiece } from './chunk-cipher.js'
export * from './constants.js'
export { type ExpectedState, type OpenStreamOptions, openStream } from './open-stream.js'
export { rechunk } from './rechunk.js'
export { type StateChunk, sealStream } from './seal-stream.js'
export { StateDigest } from './state-digest.js'
