import { createCipheriv, createDecipheriv } from 'node:crypto'
import { DecryptionError, InvalidKeyError } from '../errors/index.js'

export const AES_KEY_BYTES = 32
export const GCM_NONCE_BYTES = 12
export const GCM_TAG_BYTES = 16

/**
 * AES-256-GCM, one-shot. Returns `ciphertext || tag` written into `out` when
 * given (so callers can place the header in front without a copy).
 */
export function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, out?: Uint8Array, outOffset = 0): Uint8Array {
  checkKeyAndNonce(key, nonce)
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES })
  cipher.setAAD(aad)
  const target = out ?? new Uint8Array(plaintext.length + GCM_TAG_BYTES)
  const body = cipher.update(plaintext)
  const rest = cipher.final()
  target.set(body, outOffset)
  target.set(rest, outOffset + body.length)
  target.set(cipher.getAuthTag(), outOffset + body.length + rest.length)
  return out != null ? target.subarray(outOffset, outOffset + plaintext.length + GCM_TAG_BYTES) : target
}

/**
 * Opens `ciphertext || tag`. Any failure (wrong key, wrong AAD, a flipped
 * bit, truncation) throws `DecryptionError`; no unauthenticated plaintext
 * ever leaves this function.
 */
export function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKeyAndNonce(key, nonce)
  if (sealed.length < GCM_TAG_BYTES) {
    throw new DecryptionError(`sealed data is ${sealed.length} bytes, shorter than the ${GCM_TAG_BYTES}-byte tag`)
  }
  const bodyLength = sealed.length - GCM_TAG_BYTES
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(sealed.subarray(bodyLength))
    const body = decipher.update(sealed.subarray(0, bodyLength))
    const rest = decipher.final()
    if (rest.length === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length)
    const out = new Uint8Array(body.length + rest.length)
    out.set(body)
    out.set(rest, body.length)
    return out
  } catch (err) {
    throw new DecryptionError('authentication failed: wrong key, or the data was tampered with or truncated', { cause: err })
  }
}

function checkKeyAndNonce(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) throw new InvalidKeyError(`AES-256 key must be ${AES_KEY_BYTES} bytes, got ${key.length}`)
  if (nonce.length !== GCM_NONCE_BYTES) throw new InvalidKeyError(`GCM nonce must be ${GCM_NONCE_BYTES} bytes, got ${nonce.length}`)
}
