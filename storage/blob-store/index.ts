/**
 * @packageDocumentation
 * A store for many small immutable blobs (meshkeep's chunks): bytes in
 * append-only, checksummed segment files, a small index in LevelDB, group
 * commit (a write resolves once durable), torn tails cut at open, and
 * background compaction of segments that are mostly garbage.
 */
export { BlobDamagedError, BlobStore, type BlobStoreInit, type BlobStoreStats, type NamespaceUsage } from './blob-store.js'
export { type FileLayer, nodeFileLayer, type SegmentFile } from './file-layer.js'
export { type BlobRecord, decodeRecord, encodeRecord, RECORD_HEADER_BYTES, RECORD_MAGIC, recordLength } from './record.js'

/** The blob namespace of a node's own local copies (holder namespaces are owners' peer ids, which never read `self`). */
export const LOCAL_NAMESPACE = 'self'
