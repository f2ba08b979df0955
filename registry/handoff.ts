/**
 * Identity handoffs: `meshkeep rotate` replaces an owner's root secret, and
 * with it the peer id. The old identity signs a small record naming the new
 * one and publishes it under `/mkrot/<old peer id>` (domain
 * `identityHandoff`), so anyone holding the old phrase, and any peer, can
 * learn that the old identity moved on, when, and to whom.
 *
 * The record is checked like the registry's others: size first, then the
 * envelope (canonical), then the payload (canonical), the schema, and last
 * the signature by the key in the DHT key's peer id.
 */
import type { AbortOptions } from '@libp2p/interface'
import { type KadDHT, MessageType, type SelectFn, type ValidateFn } from '@libp2p/kad-dht'
import {
  ab,
  bytesEqual,
  type Identity,
  isEd25519PeerId,
  MeshkeepError,
  openEnvelope,
  peerIdFromString,
  peerIdToString,
  type SignedEnvelope,
  signEnvelope,
  verifyEnvelope
} from '../core/index.js'
import { compareBytes, recordKey } from './envelope.js'
import { IdentityHandoff as IdentityHandoffPb } from './pb/handoff.js'

/** DHT key namespace of identity handoffs: `/mkrot/<old peer id>`. */
export const HANDOFF_NAMESPACE = 'mkrot'

/** A handoff envelope is under 200 bytes (two peer ids, a time, a signature); anything larger is rejected unread. */
export const MAX_HANDOFF_BYTES = 512

/** The only payload format so far. */
export const HANDOFF_FORMAT_V1 = 1

/** Why a handoff was rejected; stable, so callers and tests can tell the checks apart. */
export type HandoffRejection =
  | 'oversized'
  | 'malformed'
  | 'non-canonical'
  | 'bad-key'
  | 'bad-format'
  | 'bad-peer-id'
  | 'wrong-identity'
  | 'same-identity'
  | 'out-of-range'
  | 'bad-signature'

/**
 * A DHT record in the `mkrot` namespace failed validation. The code is
 * `INVALID_SIGNATURE` for a bad signature and `INVALID_MESSAGE` otherwise;
 * `reason` says which check failed.
 */
export class InvalidHandoffError extends MeshkeepError {
  readonly reason: HandoffRejection

  constructor(reason: HandoffRejection, message: string, options?: { cause?: unknown }) {
    super(reason === 'bad-signature' ? 'INVALID_SIGNATURE' : 'INVALID_MESSAGE', `identity-handoff: ${message}`, options)
    this.name = 'InvalidHandoffError'
    this.reason = reason
  }
}

/** A verified handoff. */
export interface IdentityHandoff {
  /** the old peer id (it signed the record) */
  from: Uint8Array
  /** the old peer id in its `12D3KooW…` form */
  fromPeerId: string
  /** the new peer id */
  to: Uint8Array
  toPeerId: string
  /** when the old identity signed it, ms since the Unix epoch (owner clock) */
  rotatedAt: number
}

export interface CreateHandoffInit {
  /** the old identity; its seed signs the record */
  from: Identity
  /** the new peer id */
  to: Uint8Array
  /** @default Date.now() */
  rotatedAt?: number
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
const strictDecoder = new TextDecoder('utf-8', { fatal: true })

/** The DHT key of an identity's handoff: `/mkrot/<old peer id>`. */
export function handoffKey(from: Uint8Array | string): Uint8Array {
  return recordKey(HANDOFF_NAMESPACE, typeof from === 'string' ? from : peerIdToString(from))
}

/** Signs a handoff with the old identity's key; the result always passes {@link parseHandoff}. */
export function createHandoff(init: CreateHandoffInit): Uint8Array {
  const payload = IdentityHandoffPb.encode({
    format: HANDOFF_FORMAT_V1,
    from: ab(init.from.peerId),
    to: ab(init.to),
    rotatedAt: BigInt(init.rotatedAt ?? Date.now())
  })
  const bytes = signEnvelope('identityHandoff', payload, init.from.seed)
  parseHandoff(bytes, init.from.peerId)
  return bytes
}

/**
 * Verifies a handoff: size, envelope and payload decoding (both canonical),
 * format, peer ids (and that `from` is `expectedFrom` when given), then the
 * signature of `from`. Throws {@link InvalidHandoffError}.
 */
export function parseHandoff(bytes: Uint8Array, expectedFrom?: Uint8Array): IdentityHandoff {
  if (bytes.length > MAX_HANDOFF_BYTES) {
    throw new InvalidHandoffError('oversized', `record is ${bytes.length} bytes, over the ${MAX_HANDOFF_BYTES}-byte limit`)
  }
  let env: SignedEnvelope
  try {
    env = openEnvelope(bytes, MAX_HANDOFF_BYTES)
  } catch (err) {
    throw new InvalidHandoffError('malformed', `record is not a signed envelope: ${messageOf(err)}`, { cause: err })
  }
  let p: IdentityHandoffPb
  try {
    p = IdentityHandoffPb.decode(env.payload)
  } catch (err) {
    throw new InvalidHandoffError('malformed', `record payload does not decode: ${messageOf(err)}`, { cause: err })
  }
  // one encoding per record, so equal records are equal bytes and the selector's tie-break is stable
  if (!bytesEqual(IdentityHandoffPb.encode(p), env.payload)) throw new InvalidHandoffError('non-canonical', 'record payload is not canonically encoded')
  if (p.format !== HANDOFF_FORMAT_V1) throw new InvalidHandoffError('bad-format', `format ${p.format} is not ${HANDOFF_FORMAT_V1}`)
  if (!isEd25519PeerId(p.from) || !isEd25519PeerId(p.to)) throw new InvalidHandoffError('bad-peer-id', 'from and to must be Ed25519 peer ids')
  if (expectedFrom != null && !bytesEqual(p.from, expectedFrom)) {
    throw new InvalidHandoffError('wrong-identity', `record is signed for ${peerIdToString(p.from)}, expected ${peerIdToString(expectedFrom)}`)
  }
  if (bytesEqual(p.from, p.to)) throw new InvalidHandoffError('same-identity', 'a handoff must name another identity')
  if (p.rotatedAt > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidHandoffError('out-of-range', `rotated-at ${p.rotatedAt} is above 2^53 - 1`)
  try {
    verifyEnvelope('identityHandoff', env, p.from)
  } catch (err) {
    throw new InvalidHandoffError('bad-signature', `signature does not verify under the key of the old identity: ${messageOf(err)}`, { cause: err })
  }
  return { from: p.from, fromPeerId: peerIdToString(p.from), to: p.to, toPeerId: peerIdToString(p.to), rotatedAt: Number(p.rotatedAt) }
}

/** The old peer id a `/mkrot/<peer id>` key names. */
function fromOfKey(key: Uint8Array): Uint8Array {
  let text: string
  try {
    text = strictDecoder.decode(key)
  } catch (err) {
    throw new InvalidHandoffError('bad-key', 'DHT key is not UTF-8', { cause: err })
  }
  const parts = text.split('/')
  if (parts.length !== 3 || parts[0] !== '' || parts[1] !== HANDOFF_NAMESPACE) {
    throw new InvalidHandoffError('bad-key', `DHT key "${text.slice(0, 80)}" is not of the form /${HANDOFF_NAMESPACE}/<peer id>`)
  }
  try {
    return peerIdFromString(parts[2] ?? '')
  } catch (err) {
    throw new InvalidHandoffError('bad-key', `DHT key does not name an Ed25519 peer id: ${messageOf(err)}`, { cause: err })
  }
}

/** Verifies a handoff found under `key`: the signer must be the identity the key names. */
export function validateHandoff(key: Uint8Array, value: Uint8Array): IdentityHandoff {
  if (value.length > MAX_HANDOFF_BYTES) {
    throw new InvalidHandoffError('oversized', `record is ${value.length} bytes, over the ${MAX_HANDOFF_BYTES}-byte limit`)
  }
  return parseHandoff(value, fromOfKey(key))
}

/**
 * Index of the best handoff: the EARLIEST `rotatedAt`, ties broken by the
 * smaller envelope bytes; invalid records never win. The first handoff is
 * the one the owner published when it rotated. The old key is the one that
 * leaked, so whoever holds it can sign more handoffs; a later one must not
 * displace the owner's. (A back-dated one can: nothing signed by a leaked
 * key is proof of anything, which is why the new phrase, not this record,
 * is what recovers the state.)
 */
export function selectHandoff(key: Uint8Array, records: Uint8Array[]): number {
  let best = -1
  let bestAt = Number.POSITIVE_INFINITY
  let bestBytes: Uint8Array | undefined
  records.forEach((bytes, i) => {
    let h: IdentityHandoff
    try {
      h = validateHandoff(key, bytes)
    } catch {
      return
    }
    if (bestBytes == null || h.rotatedAt < bestAt || (h.rotatedAt === bestAt && compareBytes(bytes, bestBytes) < 0)) {
      best = i
      bestAt = h.rotatedAt
      bestBytes = bytes
    }
  })
  return Math.max(best, 0)
}

export const handoffValidator: ValidateFn = (key, value) => {
  validateHandoff(key, value)
}

export const handoffSelector: SelectFn = (key, records) => selectHandoff(key, records)

/** The part of libp2p handoffs travel through: the private DHT. */
export interface HandoffLibp2p {
  services: { dht: KadDHT }
}

/** Deadline of one DHT put or get of a handoff, ms. */
const HANDOFF_QUERY_TIMEOUT_MS = 10_000

/**
 * Puts a handoff into the DHT (anyone may: the record carries its own
 * signature) and returns how many peers stored it. It is validated first,
 * because `put` does not report remote rejections. Fails with UNAVAILABLE
 * when no peer stored it.
 */
export async function publishHandoff(libp2p: HandoffLibp2p, record: Uint8Array, options: AbortOptions = {}): Promise<{ stored: number }> {
  const h = parseHandoff(record)
  const signal = AbortSignal.any([AbortSignal.timeout(HANDOFF_QUERY_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
  let stored = 0
  try {
    for await (const event of libp2p.services.dht.put(handoffKey(h.from), record, { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageType === MessageType.PUT_VALUE) stored++
    }
  } catch (err) {
    options.signal?.throwIfAborted()
    if (stored === 0) throw new MeshkeepError('UNAVAILABLE', 'no peer stored the identity handoff before the deadline', { cause: err })
  }
  if (stored === 0) throw new MeshkeepError('UNAVAILABLE', 'no peer stored the identity handoff')
  return { stored }
}

/** The best handoff published for `from`, or undefined when the DHT has none. */
export async function resolveHandoff(libp2p: HandoffLibp2p, from: Uint8Array | string, options: AbortOptions = {}): Promise<IdentityHandoff | undefined> {
  const key = handoffKey(from)
  const signal = AbortSignal.any([AbortSignal.timeout(HANDOFF_QUERY_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
  let value: Uint8Array | undefined
  try {
    for await (const event of libp2p.services.dht.get(key, { signal })) {
      if (event.name === 'VALUE') value = event.value
    }
  } catch (err) {
    // the best value is yielded before corrections go out; a failed correction must not hide it
    if (value == null && !(err instanceof Error && err.name === 'NotFoundError')) throw err
  }
  return value == null ? undefined : validateHandoff(key, value)
}
