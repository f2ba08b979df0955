/**
 * @packageDocumentation
 * meshkeep's wire protocols. Each is a request/response over a fresh libp2p
 * stream with length-prefixed, size-bounded protobuf (see `rpc/`).
 */

export { AuditRequest, AuditResponse, auditChunks, auditProof, auditSpec } from './audit/index.js'
export * from './constants.js'
export { FetchRequest, FetchResponse, fetchChunks, fetchSpec } from './fetch/index.js'
export { getManifest, ManifestRequest, ManifestResponse, manifestSpec, putManifest } from './manifest/index.js'
export { ReleaseRequest, ReleaseResponse, releaseChunks, releaseSpec } from './release/index.js'
export * from './rpc/index.js'
export { type StoreItemResult, StoreRequest, StoreResponse, storeChunks, storeSpec } from './store/index.js'
