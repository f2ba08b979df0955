import { aesGcmOpen, aesGcmSeal, GCM_NONCE_BYTES, hmacSha256, sha256 } from '../crypto/index.js'
import { DecryptionError, InvalidChunkError } from '../errors/index.js'
import { CHUNK_FORMAT_V1, CHUNK_HEADER_BYTES, CHUNK_OVERHEAD_BYTES, MAX_CHUNK_BYTES, MAX_PIECE_BYTES } from './constants.js'

export interface ChunkCipherInit {
  /** AES-256-GCM key (HKDF label `chunkEncryption`). */
  chunkKey: Uint8Array
  /** HMAC key for synthetic nonces (HKDF label `chunkNonce`). */
  nonceKey: Uint8Array
  /** Owner peer id, bound into every chunk's AAD. */
  owner: Uint8Array
}

/** One encrypted piece, ready to store. */
export interface SealedPiece {
  /** `format || nonce || ciphertext || tag`, at most MAX_CHUNK_BYTES. */
  bytes: Uint8Array
  /** SHA-256(bytes): anyone can check integrity without keys. */
  id: Uint8Array
  /** SHA-256 of the plaintext piece; feeds the state digest. */
  pieceDigest: Uint8Array
}

const AAD_DOMAIN = new TextEncoder().encode('meshkeep/chunk/v1')

/**
 * Deterministic authenticated encryption of state pieces.
 *
 * nonce = HMAC-SHA256(nonceKey, aad || SHA-256(piece))[0..12]
 * chunk = 0x01 || nonce || AES-256-GCM(chunkKey, nonce, piece, aad)
 *
 * The nonce is a keyed function of everything GCM authenticates, so equal
 * (aad, piece) pairs give equal chunks (unchanged pieces are not re-sent) and
 * distinct pairs get distinct nonces except with probability ~n²/2⁹⁷. The
 * trade-off (holders learn when two pieces are equal) is in docs/PERSISTENCE.md.
 */
export class ChunkCipher {
  private readonly chunkKey: Uint8Array
  private readonly nonceKey: Uint8Array
  private readonly aad: Uint8Array

  constructor(init: ChunkCipherInit) {
    this.chunkKey = init.chunkKey
    this.nonceKey = init.nonceKey
    this.aad = new Uint8Array(AAD_DOMAIN.length + init.owner.length + 1)
    this.aad.set(AAD_DOMAIN)
    this.aad.set(init.owner, AAD_DOMAIN.length)
    this.aad[this.aad.length - 1] = CHUNK_FORMAT_V1
  }

  seal(piece: Uint8Array): SealedPiece {
    if (piece.length > MAX_PIECE_BYTES) {
      throw new InvalidChunkError(`a piece holds at most ${MAX_PIECE_BYTES} bytes, got ${piece.length}`)
    }
    const pieceDigest = sha256(piece)
    const nonce = hmacSha256(this.nonceKey, this.aad, pieceDigest).subarray(0, GCM_NONCE_BYTES)
    // every byte is written below, so skip zero-filling (measurably faster per chunk)
    const bytes = new Uint8Array(Buffer.allocUnsafeSlow(piece.length + CHUNK_OVERHEAD_BYTES).buffer, 0, piece.length + CHUNK_OVERHEAD_BYTES)
    bytes[0] = CHUNK_FORMAT_V1
    bytes.set(nonce, 1)
    aesGcmSeal(this.chunkKey, nonce, piece, this.aad, bytes, CHUNK_HEADER_BYTES)
    return { bytes, id: sha256(bytes), pieceDigest }
  }

  /** Decrypts one chunk; throws on a bad format, size or authentication. */
  open(bytes: Uint8Array): Uint8Array {
    if (bytes.length > MAX_CHUNK_BYTES) {
      throw new InvalidChunkError(`chunk is ${bytes.length} bytes, over the ${MAX_CHUNK_BYTES}-byte limit`)
    }
    if (bytes.length < CHUNK_OVERHEAD_BYTES) {
      throw new DecryptionError(`chunk is ${bytes.length} bytes, shorter than its ${CHUNK_OVERHEAD_BYTES}-byte header and tag (truncated?)`)
    }
    if (bytes[0] !== CHUNK_FORMAT_V1) {
      throw new InvalidChunkError(`unknown chunk format 0x${(bytes[0] ?? 0).toString(16)}`)
    }
    const nonce = bytes.subarray(1, CHUNK_HEADER_BYTES)
    return aesGcmOpen(this.chunkKey, nonce, bytes.subarray(CHUNK_HEADER_BYTES), this.aad)
  }
}
