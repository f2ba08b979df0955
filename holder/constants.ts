/** Defaults for the holder side. */
export const DEFAULT_CAPACITY_BYTES = 10 * 1024 ** 3 // 10 GiB for all owners together
export const DEFAULT_OWNER_QUOTA_BYTES = 2 * 1024 ** 3 // 2 GiB per owner
export const DEFAULT_MAX_LEASE_MS = 30 * 24 * 3600 * 1000 // 30 days
export const DEFAULT_GC_INTERVAL_MS = 10 * 60 * 1000 // 10 min
/** Per-peer token buckets: requests/s and bytes/s, with bursts twice as large. */
export const DEFAULT_PEER_REQUESTS_PER_SECOND = 200
export const DEFAULT_PEER_BYTES_PER_SECOND = 256 * 1024 ** 2
/** All peers together, so made-up peer ids cannot add up to more than the node allows. */
export const DEFAULT_TOTAL_REQUESTS_PER_SECOND = 1000
export const DEFAULT_TOTAL_BYTES_PER_SECOND = 512 * 1024 ** 2
