import { GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../crypto/index.js'

/** Hard ceiling for one chunk on the wire and on disk, header and tag included. */
export const MAX_CHUNK_BYTES = 65_536
/** The first byte of every chunk: lets a future format coexist with this one. */
export const CHUNK_FORMAT_V1 = 0x01
/** format byte + synthetic nonce */
export const CHUNK_HEADER_BYTES = 1 + GCM_NONCE_BYTES
export const CHUNK_OVERHEAD_BYTES = CHUNK_HEADER_BYTES + GCM_TAG_BYTES
/** Plaintext bytes per chunk, so that a full chunk is exactly MAX_CHUNK_BYTES. */
export const MAX_PIECE_BYTES = MAX_CHUNK_BYTES - CHUNK_OVERHEAD_BYTES
/** A chunk id is the SHA-256 of the chunk's bytes. */
export const CHUNK_ID_BYTES = 32
