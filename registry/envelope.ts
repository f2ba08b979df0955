import { multiaddr } from '@multiformats/multiaddr'
import { bytesEqual, openEnvelope, peerIdFromString, type SignedEnvelope, type SigningDomain, verifyEnvelope } from '../core/index.js'
import { InvalidRegistryRecordError } from './errors.js'

type RecordKind = 'registry-record' | 'version-pointer'

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true })

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** `/<namespace>/<peer id string>` as DHT key bytes. */
export function recordKey(namespace: string, peerIdString: string): Uint8Array {
  return encoder.encode(`/${namespace}/${peerIdString}`)
}

/** The peer id bytes a `/<namespace>/<peer id>` key names, or a `bad-key` rejection. */
export function peerIdFromKey(kind: RecordKind, namespace: string, key: Uint8Array): Uint8Array {
  let text: string
  try {
    text = strictDecoder.decode(key)
  } catch (err) {
    throw new InvalidRegistryRecordError(kind, 'bad-key', 'DHT key is not UTF-8', { cause: err })
  }
  const parts = text.split('/')
  if (parts.length !== 3 || parts[0] !== '' || parts[1] !== namespace) {
    throw new InvalidRegistryRecordError(kind, 'bad-key', `DHT key "${text.slice(0, 80)}" is not of the form /${namespace}/<peer id>`)
  }
  try {
    return peerIdFromString(parts[2] ?? '')
  } catch (err) {
    throw new InvalidRegistryRecordError(kind, 'bad-key', `DHT key does not name an Ed25519 peer id: ${messageOf(err)}`, { cause: err })
  }
}

/** Size limit, then envelope decoding (canonical), then the payload decoder; the signature is not checked here. */
export function openRecord<T>(
  kind: RecordKind,
  bytes: Uint8Array,
  maxBytes: number,
  codec: { decode(buf: Uint8Array): T; encode(obj: T): Uint8Array }
): { env: SignedEnvelope; payload: T } {
  if (bytes.length > maxBytes) {
    throw new InvalidRegistryRecordError(kind, 'oversized', `record is ${bytes.length} bytes, over the ${maxBytes}-byte limit`)
  }
  let env: SignedEnvelope
  try {
    env = openEnvelope(bytes, maxBytes)
  } catch (err) {
    throw new InvalidRegistryRecordError(kind, 'malformed', `record is not a signed envelope: ${messageOf(err)}`, { cause: err })
  }
  let payload: T
  try {
    payload = codec.decode(env.payload)
  } catch (err) {
    const tooMany = err instanceof Error && err.name === 'MaxLengthError'
    throw new InvalidRegistryRecordError(kind, tooMany ? 'out-of-range' : 'malformed', `record payload does not decode: ${messageOf(err)}`, { cause: err })
  }
  // same reason as the envelope: one encoding per record, so equal records are equal bytes
  if (!bytesEqual(codec.encode(payload), env.payload)) {
    throw new InvalidRegistryRecordError(kind, 'non-canonical', 'record payload is not canonically encoded')
  }
  return { env, payload }
}

export function checkSignature(kind: RecordKind, domain: SigningDomain, env: SignedEnvelope, signer: Uint8Array): void {
  try {
    verifyEnvelope(domain, env, signer)
  } catch (err) {
    throw new InvalidRegistryRecordError(kind, 'bad-signature', `signature does not verify under the key of the peer id it names: ${messageOf(err)}`, {
      cause: err
    })
  }
}

export function checkMultiaddr(kind: RecordKind, addr: string, maxChars: number): void {
  if (addr.length === 0 || addr.length > maxChars) {
    throw new InvalidRegistryRecordError(kind, 'bad-addr', `multiaddr must be 1..${maxChars} characters, got ${addr.length}`)
  }
  try {
    multiaddr(addr)
  } catch (err) {
    throw new InvalidRegistryRecordError(kind, 'bad-addr', `"${addr.slice(0, 64)}" is not a valid multiaddr: ${messageOf(err)}`, { cause: err })
  }
}

/** A uint64 field that must fit a JS number exactly. */
export function safeNumber(kind: RecordKind, field: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidRegistryRecordError(kind, 'out-of-range', `${field} ${value} is above 2^53 - 1`)
  }
  return Number(value)
}

/** Lexicographic byte order, for deterministic tie-breaks. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length))
}
