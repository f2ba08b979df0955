import { randomBytes } from 'node:crypto'
import { InvalidKeyError } from '../errors/index.js'
import { hkdfSha256 } from './hkdf.js'
import { HKDF_SALT, KEY_LABELS, type KeyPurpose } from './labels.js'

export const ROOT_SECRET_BYTES = 32

const encoder = new TextEncoder()
const SALT = encoder.encode(HKDF_SALT)

/** A fresh 32-byte root secret from the OS CSPRNG. */
export function generateRootSecret(): Uint8Array {
  return new Uint8Array(randomBytes(ROOT_SECRET_BYTES))
}

export function assertRootSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== ROOT_SECRET_BYTES) {
    throw new InvalidKeyError(`root secret must be ${ROOT_SECRET_BYTES} bytes, got ${secret?.length ?? typeof secret}`)
  }
}

/** Derives the 32-byte key for one purpose from the root secret. */
export function deriveKey(secret: Uint8Array, purpose: KeyPurpose): Uint8Array {
  assertRootSecret(secret)
  return hkdfSha256(secret, SALT, encoder.encode(KEY_LABELS[purpose]), 32)
}

/** Every key a node uses, derived once from its root secret. */
export interface NodeKeys {
  /** Ed25519 seed: the libp2p identity and the signing key. */
  readonly identitySeed: Uint8Array
  readonly chunkKey: Uint8Array
  readonly nonceKey: Uint8Array
  readonly manifestKey: Uint8Array
}

export function deriveNodeKeys(secret: Uint8Array): NodeKeys {
  return {
    identitySeed: deriveKey(secret, 'identity'),
    chunkKey: deriveKey(secret, 'chunkEncryption'),
    nonceKey: deriveKey(secret, 'chunkNonce'),
    manifestKey: deriveKey(secret, 'manifestEncryption')
  }
}
