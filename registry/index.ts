/**
 * @packageDocumentation
 * The holder registry: which nodes offer storage, found through the private
 * Kad-DHT without any central list.
 *
 * - **Shards.** Holders are split into 256 shards; a holder's shard is the
 *   first byte of SHA-256 of its peer id bytes ({@link shardOf}). Each shard
 *   has a fixed CID ({@link shardCid}) that its registered holders `provide()`.
 * - **Records.** Each holder publishes a signed {@link HolderRecord} under
 *   `/mkreg/<peer id>` (domain `registryRecord`). The highest `seq` wins and,
 *   on equal `seq`, a tombstone wins, so leaving is final until the holder
 *   registers again with a higher `seq`.
 * - **View.** {@link Registry.refresh} fetches and verifies the records of
 *   every candidate and keeps the live ones. Candidates are the providers
 *   of the shards it sweeps (all 256 on the first and on a full refresh, a
 *   rolling window of {@link SHARDS_PER_REFRESH} otherwise), the current
 *   members, and peers in the peer store that speak the mesh DHT protocol. The view
 *   carries an epoch that advances only when membership moved by more than
 *   10% ({@link epochChanged}), so placement is not reshuffled for every
 *   small change.
 * - **Version pointers.** An owner publishes its newest state version under
 *   `/mkptr/<owner peer id>` (domain `versionPointer`), so a node restored
 *   from the recovery phrase alone can find its latest manifest.
 *
 * - **Identity handoffs.** An owner that replaced its root secret
 *   (`meshkeep rotate`) publishes, signed by the old identity, the new peer
 *   id under `/mkrot/<old peer id>` (domain `identityHandoff`); see
 *   {@link createHandoff}.
 *
 * All three namespaces need their validators and selectors installed in every
 * node's DHT:
 *
 * @example
 * ```ts
 * const libp2p = await createMeshLibp2p({ identitySeed, validators: registryValidators(), selectors: registrySelectors() })
 * const registry = new Registry({ libp2p, identity })
 * registry.start()
 * await registry.register({ capacityBucket: capacityBucket(freeBytes) })
 * const { epoch, members } = await registry.refresh()
 * ```
 */
import type { Selectors, Validators } from '@libp2p/kad-dht'
import { POINTER_NAMESPACE, REGISTRY_NAMESPACE } from './constants.js'
import { HANDOFF_NAMESPACE, handoffSelector, handoffValidator } from './handoff.js'
import { versionPointerSelector, versionPointerValidator } from './pointer.js'
import { registrySelector, registryValidator } from './record.js'

export {
  EPOCH_CHANGE_THRESHOLD,
  FULL_SWEEP_MIN_PEERS,
  MAX_ADDR_CHARS,
  MAX_ADDRS,
  MAX_MANIFEST_HOLDERS,
  MAX_REGISTRY_RECORD_BYTES,
  MAX_VERSION_POINTER_BYTES,
  MESH_DHT_PROTOCOL,
  NEW_PEER_REFRESH_DELAY_MS,
  POINTER_NAMESPACE,
  QUERY_TIMEOUT_MS,
  REFRESH_INTERVAL_MS,
  REGISTRY_NAMESPACE,
  REPUBLISH_INTERVAL_MS,
  SETTLE_FIRST_REFRESH_MS,
  SETTLE_MS,
  SHARD_CONCURRENCY,
  SHARD_COUNT,
  SHARD_QUERY_TIMEOUT_MS,
  SHARDS_PER_REFRESH
} from './constants.js'
export { peerStoreCandidates, scanShards, shardWindow } from './discovery.js'
export { epochChanged } from './epoch.js'
export { InvalidRegistryRecordError, type RecordRejection } from './errors.js'
export {
  type CreateHandoffInit,
  createHandoff,
  HANDOFF_NAMESPACE,
  type HandoffLibp2p,
  type HandoffRejection,
  handoffKey,
  type IdentityHandoff,
  InvalidHandoffError,
  MAX_HANDOFF_BYTES,
  parseHandoff,
  publishHandoff,
  resolveHandoff,
  selectHandoff,
  validateHandoff
} from './handoff.js'
export {
  type CreateVersionPointerInit,
  createVersionPointer,
  parseVersionPointer,
  pointerKey,
  selectVersionPointer,
  type VersionPointer,
  validateVersionPointer
} from './pointer.js'
export {
  type CreateRegistryRecordInit,
  createRegistryRecord,
  type HolderRecord,
  parseRegistryRecord,
  type RegistryRecordInfo,
  registryKey,
  selectRegistryRecord,
  validateRegistryRecord
} from './record.js'
export {
  type PutResult,
  type RefreshOptions,
  type RegisterOptions,
  Registry,
  type RegistryComponents,
  type RegistryInit,
  type RegistryLibp2p,
  type RegistryView
} from './registry.js'
export { shardCid, shardOf } from './shard.js'

/**
 * The DHT validators for the `mkreg`, `mkptr` and `mkrot` namespaces. Each checks, in
 * order: size, decoding (canonical encoding), schema (the peer id is Ed25519
 * and is the one the key names; address count, length and syntax; capacity
 * bucket) and finally the signature. A rejection throws
 * {@link InvalidRegistryRecordError} ({@link InvalidHandoffError} for
 * handoffs) with a `reason`.
 */
export function registryValidators(): Validators {
  return { [REGISTRY_NAMESPACE]: registryValidator, [POINTER_NAMESPACE]: versionPointerValidator, [HANDOFF_NAMESPACE]: handoffValidator }
}

/**
 * The DHT selectors for the same namespaces: the highest `seq` (tombstone on
 * a tie) for holder records, the highest version for pointers, the earliest
 * handoff for handoffs; full ties are
 * broken by comparing the envelope bytes, so every node picks the same one.
 */
export function registrySelectors(): Selectors {
  return { [REGISTRY_NAMESPACE]: registrySelector, [POINTER_NAMESPACE]: versionPointerSelector, [HANDOFF_NAMESPACE]: handoffSelector }
}
