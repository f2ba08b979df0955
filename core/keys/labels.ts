/**
 * HKDF `info` labels. One label per key purpose, versioned, so that a key
 * can be rotated by bumping its label without touching the others, and no
 * two purposes ever share key material.
 *
 * Never change an existing label: every stored chunk, manifest and the
 * node's peer id depend on it. Add a new one instead.
 */
export const KEY_LABELS = {
  /** Ed25519 seed of the node's libp2p identity and signing key. */
  identity: 'meshkeep/v1/identity-ed25519-seed',
  /** AES-256-GCM key that encrypts state chunks. */
  chunkEncryption: 'meshkeep/v1/chunk-aes256gcm',
  /** HMAC-SHA256 key that derives each chunk's synthetic nonce. */
  chunkNonce: 'meshkeep/v1/chunk-nonce-hmac',
  /** AES-256-GCM key that encrypts manifests. */
  manifestEncryption: 'meshkeep/v1/manifest-aes256gcm'
} as const

export type KeyPurpose = keyof typeof KEY_LABELS

/**
 * HKDF salt. The root secret is 32 uniformly random bytes, so the salt adds
 * no strength; a fixed, named salt separates meshkeep keys from any other
 * use of the same secret (RFC 5869 §3.1).
 */
export const HKDF_SALT = 'meshkeep/hkdf-salt/v1'
