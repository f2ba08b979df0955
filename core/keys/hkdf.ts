import { hkdfSync } from 'node:crypto'
import { InvalidKeyError } from '../errors/index.js'

/**
 * HKDF-SHA256 (RFC 5869): extract-then-expand. A thin wrapper over
 * `node:crypto` so the known-answer tests exercise exactly what we ship.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
    throw new InvalidKeyError(`HKDF output length must be 1..8160 bytes, got ${length}`)
  }
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length))
}
