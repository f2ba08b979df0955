/**
 * @packageDocumentation
 * Root secret, recovery phrase and HKDF key derivation.
 *
 * @example
 * ```ts
 * const secret = generateRootSecret()
 * const phrase = secretToPhrase(secret)           // write this down
 * const keys = deriveNodeKeys(phraseToSecret(phrase))
 * ```
 */
export { hkdfSha256 } from './hkdf.js'
export { HKDF_SALT, KEY_LABELS, type KeyPurpose } from './labels.js'
export { normalizePhrase, PHRASE_WORDS, phraseToSecret, secretToPhrase } from './phrase.js'
export { assertRootSecret, deriveKey, deriveNodeKeys, generateRootSecret, type NodeKeys, ROOT_SECRET_BYTES } from './root-secret.js'
