/**
 * @packageDocumentation
 * Peer identities without a libp2p dependency.
 *
 * An Ed25519 libp2p peer id is the identity multihash of the protobuf
 * `PublicKey { Type: Ed25519, Data: <32 bytes> }`, so the public key can be
 * read straight out of it. Receipts, manifests and registry records carry
 * peer ids as these 38 bytes; verification takes the key from the id itself,
 * never from anything the sender attaches. Tests check this module against
 * `@libp2p/peer-id`.
 */
import { base58btc } from 'multiformats/bases/base58'
import { ED25519_PUBLIC_KEY_BYTES, type Ed25519, nativeEd25519 } from '../crypto/index.js'
import { InvalidKeyError } from '../errors/index.js'

/** identity multihash (0x00, len 36) + protobuf PublicKey (Type=1 Ed25519, Data len 32) */
const PEER_ID_PREFIX = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
export const PEER_ID_BYTES = PEER_ID_PREFIX.length + ED25519_PUBLIC_KEY_BYTES

export function peerIdFromPublicKey(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new InvalidKeyError(`Ed25519 public key must be 32 bytes, got ${publicKey.length}`)
  }
  const out = new Uint8Array(PEER_ID_BYTES)
  out.set(PEER_ID_PREFIX)
  out.set(publicKey, PEER_ID_PREFIX.length)
  return out
}

/** The Ed25519 public key inside a peer id, or an error if it holds none. */
export function publicKeyFromPeerId(peerId: Uint8Array): Uint8Array {
  if (peerId.length !== PEER_ID_BYTES || !PEER_ID_PREFIX.every((b, i) => peerId[i] === b)) {
    throw new InvalidKeyError('peer id is not an Ed25519 identity peer id')
  }
  return peerId.subarray(PEER_ID_PREFIX.length)
}

export function isEd25519PeerId(peerId: Uint8Array): boolean {
  return peerId.length === PEER_ID_BYTES && PEER_ID_PREFIX.every((b, i) => peerId[i] === b)
}

/** The familiar `12D3KooW…` string form. */
export function peerIdToString(peerId: Uint8Array): string {
  return base58btc.baseEncode(peerId)
}

export function peerIdFromString(text: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = base58btc.baseDecode(text)
  } catch {
    throw new InvalidKeyError(`"${text.slice(0, 64)}" is not a base58 peer id`)
  }
  publicKeyFromPeerId(bytes)
  return bytes
}

/** A node's signing identity: its seed, public key and peer id. */
export interface Identity {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
  readonly peerId: Uint8Array
  readonly peerIdString: string
}

export function identityFromSeed(seed: Uint8Array, ed: Ed25519 = nativeEd25519): Identity {
  const publicKey = ed.publicKeyFromSeed(seed)
  const peerId = peerIdFromPublicKey(publicKey)
  return { seed, publicKey, peerId, peerIdString: peerIdToString(peerId) }
}
