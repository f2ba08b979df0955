/**
 * @packageDocumentation
 * Signed envelopes: the one way meshkeep signs anything (manifests, receipts,
 * registry records, version pointers, identity handoffs).
 *
 * The signature covers `len(domain) || domain || payload`. Each record type
 * has its own domain string, so a signature can never be replayed as a
 * different kind of record. Verification bounds the size first, then decodes,
 * then checks the signature with the key taken from the claimed signer's peer
 * id.
 */

import { ab, bytesEqual } from '../bytes/index.js'
import { type Ed25519, nativeEd25519 } from '../crypto/index.js'
import { InvalidMessageError, InvalidSignatureError } from '../errors/index.js'
import { publicKeyFromPeerId } from '../identity/index.js'
import { SignedEnvelope } from './pb/envelope.js'

export { SignedEnvelope }

const encoder = new TextEncoder()

/** Domain strings. Never reuse one for a different payload type. */
export const SIGNING_DOMAINS = {
  manifest: 'meshkeep/manifest/v1',
  receipt: 'meshkeep/receipt/v1',
  registryRecord: 'meshkeep/registry-record/v1',
  versionPointer: 'meshkeep/version-pointer/v1',
  identityHandoff: 'meshkeep/identity-handoff/v1'
} as const

export type SigningDomain = keyof typeof SIGNING_DOMAINS

function signedBytes(domain: SigningDomain, payload: Uint8Array): Uint8Array {
  const d = encoder.encode(SIGNING_DOMAINS[domain])
  const out = new Uint8Array(1 + d.length + payload.length)
  out[0] = d.length
  out.set(d, 1)
  out.set(payload, 1 + d.length)
  return out
}

export function signEnvelope(domain: SigningDomain, payload: Uint8Array, seed: Uint8Array, ed: Ed25519 = nativeEd25519): Uint8Array {
  const signature = ed.sign(seed, signedBytes(domain, payload))
  return SignedEnvelope.encode({ payload: ab(payload), signature: ab(signature) })
}

/** Decodes an envelope after checking its size; does not verify it. */
export function openEnvelope(bytes: Uint8Array, maxBytes: number): SignedEnvelope {
  if (bytes.length > maxBytes) {
    throw new InvalidMessageError(`signed envelope is ${bytes.length} bytes, over the ${maxBytes}-byte limit`)
  }
  let env: SignedEnvelope
  try {
    env = SignedEnvelope.decode(bytes)
  } catch (err) {
    throw new InvalidMessageError('signed envelope is not valid protobuf', { cause: err })
  }
  // protobuf decoders are lenient (wire types are not checked, fields may
  // repeat); insisting on the canonical bytes makes every envelope have
  // exactly one encoding, so its hash is a stable identity.
  if (!bytesEqual(SignedEnvelope.encode(env), bytes)) {
    throw new InvalidMessageError('signed envelope is not canonically encoded')
  }
  if (env.signature.length !== 64) {
    throw new InvalidSignatureError(`signature must be 64 bytes, got ${env.signature.length}`)
  }
  return env
}

/** Throws `InvalidSignatureError` unless `signer` (a peer id) signed `env`. */
export function verifyEnvelope(domain: SigningDomain, env: SignedEnvelope, signer: Uint8Array, ed: Ed25519 = nativeEd25519): void {
  const publicKey = publicKeyFromPeerId(signer)
  if (!ed.verify(publicKey, signedBytes(domain, env.payload), env.signature)) {
    throw new InvalidSignatureError(`the ${SIGNING_DOMAINS[domain]} signature does not verify under the signer's key`)
  }
}
