import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { ed25519 as noble } from '@noble/curves/ed25519.js'
import { InvalidKeyError } from '../errors/index.js'

/**
 * Ed25519 on two back ends.
 *
 * - `nativeEd25519` uses OpenSSL through `node:crypto`; it is what the daemon
 *   uses, because it runs an order of magnitude faster than pure JS (see
 *   docs/PERSISTENCE.md, "Attestations"), and it is what libp2p's own keys use
 *   on Node.
 * - `nobleEd25519` (@noble/curves) is the audited pure-JS reference. Tests
 *   check both against RFC 8032 and against each other, so a platform whose
 *   OpenSSL misbehaves is caught, and code that cannot use OpenSSL can switch.
 */
export interface Ed25519 {
  readonly name: string
  publicKeyFromSeed: (seed: Uint8Array) => Uint8Array
  sign: (seed: Uint8Array, message: Uint8Array) => Uint8Array
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean
}

export const ED25519_SEED_BYTES = 32
export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64

// DER prefixes that wrap a raw 32-byte key as PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

function withPrefix(prefix: Uint8Array, key: Uint8Array): Buffer {
  const der = Buffer.alloc(prefix.length + key.length)
  der.set(prefix)
  der.set(key, prefix.length)
  return der
}

function checkLength(what: string, bytes: Uint8Array, expected: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== expected) {
    throw new InvalidKeyError(`Ed25519 ${what} must be ${expected} bytes, got ${bytes?.length ?? typeof bytes}`)
  }
}

/**
 * KeyObjects are cached by key bytes: parsing DER costs about as much as a
 * verification. The caches are small and bounded (holders and owners talk to
 * a bounded set of peers).
 */
class KeyCache<T> {
  private readonly map = new Map<string, T>()
  constructor(private readonly max: number) {}
  get(key: Uint8Array, make: () => T): T {
    const id = Buffer.from(key.buffer, key.byteOffset, key.length).toString('base64')
    let value = this.map.get(id)
    if (value === undefined) {
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string)
      value = make()
      this.map.set(id, value)
    }
    return value
  }
}

const privateKeys = new KeyCache<KeyObject>(64)
const publicKeys = new KeyCache<KeyObject>(4096)

function nativePrivate(seed: Uint8Array): KeyObject {
  checkLength('seed', seed, ED25519_SEED_BYTES)
  return privateKeys.get(seed, () => createPrivateKey({ key: withPrefix(PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' }))
}

function nativePublic(publicKey: Uint8Array): KeyObject | undefined {
  checkLength('public key', publicKey, ED25519_PUBLIC_KEY_BYTES)
  try {
    return publicKeys.get(publicKey, () => createPublicKey({ key: withPrefix(SPKI_PREFIX, publicKey), format: 'der', type: 'spki' }))
  } catch {
    return undefined // not a valid curve point: nothing verifies under it
  }
}

export const nativeEd25519: Ed25519 = {
  name: 'node:crypto',
  publicKeyFromSeed(seed) {
    const spki = createPublicKey(nativePrivate(seed)).export({ format: 'der', type: 'spki' })
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length))
  },
  sign(seed, message) {
    return new Uint8Array(sign(null, message, nativePrivate(seed)))
  },
  verify(publicKey, message, signature) {
    if (signature.length !== ED25519_SIGNATURE_BYTES) return false
    const key = nativePublic(publicKey)
    return key !== undefined && verify(null, message, key, signature)
  }
}

export const nobleEd25519: Ed25519 = {
  name: '@noble/curves',
  publicKeyFromSeed(seed) {
    checkLength('seed', seed, ED25519_SEED_BYTES)
    return noble.getPublicKey(seed)
  },
  sign(seed, message) {
    checkLength('seed', seed, ED25519_SEED_BYTES)
    return noble.sign(message, seed)
  },
  verify(publicKey, message, signature) {
    checkLength('public key', publicKey, ED25519_PUBLIC_KEY_BYTES)
    if (signature.length !== ED25519_SIGNATURE_BYTES) return false
    try {
      // Strict RFC 8032 rules, matching OpenSSL, rather than ZIP-215.
      return noble.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  }
}
