/**
 * @packageDocumentation
 * State-version manifests: built while a state streams past, sealed with the
 * manifest key, signed by the owner, and checked strictly when opened.
 */
export { MANIFEST_FORMAT_V1, MAX_MANIFEST_BYTES, MAX_MANIFEST_CHUNKS } from './constants.js'
export { type ChunkRef, inspectManifest, type Manifest, ManifestBuilder, type ManifestSummary, openManifest, sealManifest } from './manifest.js'
