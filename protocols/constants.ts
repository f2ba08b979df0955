import { MAX_CHUNK_BYTES, MAX_MANIFEST_BYTES, MAX_RECEIPT_BYTES } from '../core/index.js'

/**
 * Every wire constant of meshkeep's protocols, in one place: ids, size
 * limits (read before a byte is decoded), repeated-field limits and
 * deadlines. Protocol ids are `/meshkeep/<name>/<semver>`; a breaking change
 * bumps the version.
 */
export const PROTOCOL_PREFIX = '/meshkeep'
export const protocolId = (name: string, version = '1.0.0'): string => `${PROTOCOL_PREFIX}/${name}/${version}`

export const STORE_PROTOCOL = protocolId('store')
export const FETCH_PROTOCOL = protocolId('fetch')
/** v2: segment Merkle proofs the owner checks without holding the chunk (see core/attestation/audit-proof.ts) */
export const AUDIT_PROTOCOL = protocolId('audit', '2.0.0')
export const RELEASE_PROTOCOL = protocolId('release')
export const MANIFEST_PROTOCOL = protocolId('manifest')

/** Chunks per store or fetch exchange: ~1 MiB on the wire. */
export const MAX_BATCH = 16
/** Per-item framing slack (ids, tags, lengths). */
const ITEM_SLACK = 128
export const MAX_BATCH_BYTES = MAX_BATCH * (MAX_CHUNK_BYTES + ITEM_SLACK) + 1024
/** Store responses: a receipt, paths and refusals. */
export const MAX_STORE_RESPONSE_BYTES = MAX_RECEIPT_BYTES + MAX_BATCH * (33 * 8 + 600) + 1024
/** Audit challenges per exchange. */
export const MAX_AUDIT_CHALLENGES = 64
/** Ids per release exchange. */
export const MAX_RELEASE_IDS = 4096
/** Manifest versions per release exchange. */
export const MAX_RELEASE_VERSIONS = 64
/** Versions one manifest `list` answer names. */
export const MAX_LISTED_VERSIONS = 4096
export const MAX_MANIFEST_MESSAGE_BYTES = MAX_MANIFEST_BYTES + MAX_RECEIPT_BYTES + MAX_LISTED_VERSIONS * 11 + 1024

/** Deadlines, ms. */
export const STORE_TIMEOUT_MS = 30_000
export const FETCH_TIMEOUT_MS = 30_000
export const AUDIT_TIMEOUT_MS = 15_000
export const RELEASE_TIMEOUT_MS = 15_000
export const MANIFEST_TIMEOUT_MS = 60_000
