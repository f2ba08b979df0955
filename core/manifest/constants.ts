import { CHUNK_ID_BYTES } from '../chunking/index.js'

export const MANIFEST_FORMAT_V1 = 1
/**
 * Chunks per state version. 262,144 chunks × 65,507 bytes ≈ 17 GB of state;
 * the manifest then stays under 11 MB, which bounds what a manifest decoder
 * ever allocates.
 */
export const MAX_MANIFEST_CHUNKS = 262_144
/** Envelope + header + sealed body for the largest allowed manifest. */
export const MAX_MANIFEST_BYTES = MAX_MANIFEST_CHUNKS * (CHUNK_ID_BYTES + 5) + 4096
