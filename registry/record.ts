import type { SelectFn, ValidateFn } from '@libp2p/kad-dht'
import { ab, bytesEqual, type Identity, isEd25519PeerId, MAX_CAPACITY_BUCKET, peerIdToString, signEnvelope } from '../core/index.js'
import { MAX_ADDR_CHARS, MAX_ADDRS, MAX_REGISTRY_RECORD_BYTES, REGISTRY_NAMESPACE } from './constants.js'
import { checkMultiaddr, checkSignature, compareBytes, openRecord, peerIdFromKey, recordKey, safeNumber } from './envelope.js'
import { InvalidRegistryRecordError } from './errors.js'
import { RegistryRecord } from './pb/registry.js'

const KIND = 'registry-record'

/** A holder as the registry lists it. */
export interface HolderRecord {
  /** the holder's peer id bytes (Ed25519 identity multihash) */
  peerId: Uint8Array
  /** the same peer id in its `12D3KooW…` form */
  peerIdString: string
  /** multiaddrs the holder advertised */
  addrs: string[]
  /** free-capacity bucket (see `capacityBucket` in core) */
  capacityBucket: number
  /** the record's sequence number; higher replaces lower */
  seq: number
  /** when the holder signed the record, ms since the Unix epoch (holder clock) */
  registeredAt: number
}

/** A verified registry record: a holder entry or its tombstone. */
export interface RegistryRecordInfo extends HolderRecord {
  /** true when the holder has left */
  tombstone: boolean
}

export interface CreateRegistryRecordInit {
  identity: Identity
  addrs: string[]
  capacityBucket: number
  seq: number
  registeredAt: number
  tombstone?: boolean
}

/** The DHT key of a holder's record: `/mkreg/<peer id>`. */
export function registryKey(peerId: Uint8Array | string): Uint8Array {
  return recordKey(REGISTRY_NAMESPACE, typeof peerId === 'string' ? peerId : peerIdToString(peerId))
}

/** Signs a registry record. The result is checked with {@link parseRegistryRecord}, so an invalid record is never produced. */
export function createRegistryRecord(init: CreateRegistryRecordInit): Uint8Array {
  const payload = RegistryRecord.encode({
    peerId: ab(init.identity.peerId),
    addrs: init.addrs,
    capacityBucket: init.capacityBucket,
    seq: BigInt(init.seq),
    registeredAt: BigInt(init.registeredAt),
    tombstone: init.tombstone === true
  })
  const bytes = signEnvelope('registryRecord', payload, init.identity.seed)
  parseRegistryRecord(bytes, init.identity.peerId)
  return bytes
}

/**
 * Verifies a registry record: size, then decoding, then schema (and that it
 * names `expectedPeerId` when given), then the signature under the key in the
 * peer id it names. Throws `InvalidRegistryRecordError`.
 */
export function parseRegistryRecord(bytes: Uint8Array, expectedPeerId?: Uint8Array): RegistryRecordInfo {
  const { env, payload: r } = openRecord<RegistryRecord>(KIND, bytes, MAX_REGISTRY_RECORD_BYTES, RegistryRecord)
  if (!isEd25519PeerId(r.peerId)) {
    throw new InvalidRegistryRecordError(KIND, 'bad-peer-id', 'record peer id is not an Ed25519 peer id')
  }
  if (expectedPeerId != null && !bytesEqual(r.peerId, expectedPeerId)) {
    throw new InvalidRegistryRecordError(
      KIND,
      'key-mismatch',
      `record names ${peerIdToString(r.peerId)}, but is stored under ${peerIdToString(expectedPeerId)}`
    )
  }
  if (r.addrs.length > MAX_ADDRS) {
    throw new InvalidRegistryRecordError(KIND, 'out-of-range', `record has ${r.addrs.length} addresses, over the limit of ${MAX_ADDRS}`)
  }
  for (const a of r.addrs) checkMultiaddr(KIND, a, MAX_ADDR_CHARS)
  if (r.capacityBucket > MAX_CAPACITY_BUCKET) {
    throw new InvalidRegistryRecordError(KIND, 'bad-capacity', `capacity bucket ${r.capacityBucket} is above the maximum ${MAX_CAPACITY_BUCKET}`)
  }
  const seq = safeNumber(KIND, 'seq', r.seq)
  if (seq < 1) throw new InvalidRegistryRecordError(KIND, 'out-of-range', 'seq must be at least 1')
  const registeredAt = safeNumber(KIND, 'registered-at', r.registeredAt)
  checkSignature(KIND, 'registryRecord', env, r.peerId)
  return {
    peerId: r.peerId,
    peerIdString: peerIdToString(r.peerId),
    addrs: r.addrs,
    capacityBucket: r.capacityBucket,
    seq,
    registeredAt,
    tombstone: r.tombstone
  }
}

/** Verifies a record found under `key` (a `/mkreg/<peer id>` key). */
export function validateRegistryRecord(key: Uint8Array, value: Uint8Array): RegistryRecordInfo {
  if (value.length > MAX_REGISTRY_RECORD_BYTES) {
    // size first, before even looking at the key
    throw new InvalidRegistryRecordError(KIND, 'oversized', `record is ${value.length} bytes, over the ${MAX_REGISTRY_RECORD_BYTES}-byte limit`)
  }
  return parseRegistryRecord(value, peerIdFromKey(KIND, REGISTRY_NAMESPACE, key))
}

/** Positive when `a` beats `b`: higher seq, then tombstone over live (remove wins), then the larger envelope bytes. */
export function compareRegistryRecords(a: { info: RegistryRecordInfo; bytes: Uint8Array }, b: { info: RegistryRecordInfo; bytes: Uint8Array }): number {
  if (a.info.seq !== b.info.seq) return a.info.seq > b.info.seq ? 1 : -1
  if (a.info.tombstone !== b.info.tombstone) return a.info.tombstone ? 1 : -1
  return compareBytes(a.bytes, b.bytes)
}

/** Index of the best record; records that fail validation never win over valid ones. */
export function selectRegistryRecord(key: Uint8Array, records: Uint8Array[]): number {
  let best = -1
  let bestRec: { info: RegistryRecordInfo; bytes: Uint8Array } | undefined
  records.forEach((bytes, i) => {
    let info: RegistryRecordInfo
    try {
      info = validateRegistryRecord(key, bytes)
    } catch {
      return
    }
    const rec = { info, bytes }
    if (bestRec == null || compareRegistryRecords(rec, bestRec) > 0) {
      best = i
      bestRec = rec
    }
  })
  return Math.max(best, 0)
}

export const registryValidator: ValidateFn = (key, value) => {
  validateRegistryRecord(key, value)
}

export const registrySelector: SelectFn = (key, records) => selectRegistryRecord(key, records)
