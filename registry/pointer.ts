import type { SelectFn, ValidateFn } from '@libp2p/kad-dht'
import { ab, bytesEqual, type Identity, isEd25519PeerId, peerIdToString, signEnvelope } from '../core/index.js'
import { MANIFEST_ID_BYTES, MAX_MANIFEST_HOLDERS, MAX_VERSION_POINTER_BYTES, POINTER_NAMESPACE } from './constants.js'
import { checkSignature, compareBytes, openRecord, peerIdFromKey, recordKey, safeNumber } from './envelope.js'
import { InvalidRegistryRecordError } from './errors.js'
import { VersionPointer as VersionPointerPb } from './pb/registry.js'

const KIND = 'version-pointer'

/** An owner's latest state version, as verified from its signed pointer. */
export interface VersionPointer {
  /** the owner's peer id bytes (it signed the pointer) */
  owner: Uint8Array
  ownerString: string
  /** the state version; a higher version replaces a lower one */
  version: number
  /** SHA-256 of the sealed manifest bytes */
  manifestId: Uint8Array
  /** peer ids of holders that store the manifest (at most 8) */
  manifestHolders: Uint8Array[]
  /** when the owner signed the pointer, ms since the Unix epoch (owner clock) */
  createdAt: number
}

export interface CreateVersionPointerInit {
  /** the owner's identity; its seed signs the pointer */
  owner: Identity
  version: number
  manifestId: Uint8Array
  manifestHolders: Uint8Array[]
  /** @default Date.now() */
  createdAt?: number
}

/** The DHT key of an owner's pointer: `/mkptr/<owner peer id>`. */
export function pointerKey(owner: Uint8Array | string): Uint8Array {
  return recordKey(POINTER_NAMESPACE, typeof owner === 'string' ? owner : peerIdToString(owner))
}

/** Signs a version pointer with the owner's key (domain `versionPointer`); the result always passes {@link parseVersionPointer}. */
export function createVersionPointer(init: CreateVersionPointerInit): Uint8Array {
  const payload = VersionPointerPb.encode({
    owner: ab(init.owner.peerId),
    version: BigInt(init.version),
    manifestId: ab(init.manifestId),
    manifestHolders: init.manifestHolders.map(ab),
    createdAt: BigInt(init.createdAt ?? Date.now())
  })
  const bytes = signEnvelope('versionPointer', payload, init.owner.seed)
  parseVersionPointer(bytes, init.owner.peerId)
  return bytes
}

/**
 * Verifies a version pointer: size, then decoding, then schema (and that the
 * owner is `expectedOwner` when given), then the owner's signature. Throws
 * `InvalidRegistryRecordError`.
 */
export function parseVersionPointer(bytes: Uint8Array, expectedOwner?: Uint8Array): VersionPointer {
  const { env, payload: p } = openRecord<VersionPointerPb>(KIND, bytes, MAX_VERSION_POINTER_BYTES, VersionPointerPb)
  if (!isEd25519PeerId(p.owner)) {
    throw new InvalidRegistryRecordError(KIND, 'bad-peer-id', 'pointer owner is not an Ed25519 peer id')
  }
  if (expectedOwner != null && !bytesEqual(p.owner, expectedOwner)) {
    throw new InvalidRegistryRecordError(KIND, 'wrong-owner', `pointer names owner ${peerIdToString(p.owner)}, expected ${peerIdToString(expectedOwner)}`)
  }
  if (p.manifestId.length !== MANIFEST_ID_BYTES) {
    throw new InvalidRegistryRecordError(KIND, 'bad-manifest-id', `manifest id must be ${MANIFEST_ID_BYTES} bytes, got ${p.manifestId.length}`)
  }
  if (p.manifestHolders.length > MAX_MANIFEST_HOLDERS) {
    throw new InvalidRegistryRecordError(
      KIND,
      'too-many-holders',
      `pointer names ${p.manifestHolders.length} holders, over the limit of ${MAX_MANIFEST_HOLDERS}`
    )
  }
  if (!p.manifestHolders.every(isEd25519PeerId)) {
    throw new InvalidRegistryRecordError(KIND, 'bad-peer-id', 'a manifest holder is not an Ed25519 peer id')
  }
  const version = safeNumber(KIND, 'version', p.version)
  const createdAt = safeNumber(KIND, 'created-at', p.createdAt)
  checkSignature(KIND, 'versionPointer', env, p.owner)
  return { owner: p.owner, ownerString: peerIdToString(p.owner), version, manifestId: p.manifestId, manifestHolders: p.manifestHolders, createdAt }
}

/** Verifies a pointer found under `key` (a `/mkptr/<owner>` key): the owner must be the one the key names. */
export function validateVersionPointer(key: Uint8Array, value: Uint8Array): VersionPointer {
  if (value.length > MAX_VERSION_POINTER_BYTES) {
    throw new InvalidRegistryRecordError(KIND, 'oversized', `record is ${value.length} bytes, over the ${MAX_VERSION_POINTER_BYTES}-byte limit`)
  }
  return parseVersionPointer(value, peerIdFromKey(KIND, POINTER_NAMESPACE, key))
}

/** Index of the best pointer: the highest version, ties broken by the larger envelope bytes; invalid pointers never win. */
export function selectVersionPointer(key: Uint8Array, records: Uint8Array[]): number {
  let best = -1
  let bestVersion = -1
  let bestCreatedAt = -1
  let bestBytes: Uint8Array | undefined
  records.forEach((bytes, i) => {
    let p: VersionPointer
    try {
      p = validateVersionPointer(key, bytes)
    } catch {
      return
    }
    // highest version; for the same version the newest pointer (a republish naming new manifest
    // holders after a repair); bytes only break exact ties, so every node picks the same record
    const better =
      bestBytes == null ||
      p.version > bestVersion ||
      (p.version === bestVersion && (p.createdAt > bestCreatedAt || (p.createdAt === bestCreatedAt && compareBytes(bytes, bestBytes) > 0)))
    if (better) {
      best = i
      bestVersion = p.version
      bestCreatedAt = p.createdAt
      bestBytes = bytes
    }
  })
  return Math.max(best, 0)
}

export const versionPointerValidator: ValidateFn = (key, value) => {
  validateVersionPointer(key, value)
}

export const versionPointerSelector: SelectFn = (key, records) => selectVersionPointer(key, records)
