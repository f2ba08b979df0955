/**
 * @packageDocumentation
 * Cryptographic primitives, each a thin wrapper over a vetted implementation
 * (`node:crypto`, `@noble/curves`) so tests can pin them to published vectors.
 */
export { AES_KEY_BYTES, aesGcmOpen, aesGcmSeal, GCM_NONCE_BYTES, GCM_TAG_BYTES } from './aes-gcm.js'
export { ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES, ED25519_SIGNATURE_BYTES, type Ed25519, nativeEd25519, nobleEd25519 } from './ed25519.js'
export { hmacSha256, sha256 } from './hash.js'
