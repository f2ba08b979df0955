/**
 * Defaults for the holder side. The ones an operator can set are the
 * config's (config/defaults.ts, `[holder]`), so a HolderService built in
 * code behaves like the daemon started without a config.
 */
import { CONFIG_DEFAULTS } from '../config/defaults.js'

/** bytes, for all owners together */
export const DEFAULT_CAPACITY_BYTES = CONFIG_DEFAULTS.holder.capacityBytes
/** bytes, per owner */
export const DEFAULT_OWNER_QUOTA_BYTES = CONFIG_DEFAULTS.holder.ownerQuotaBytes
/** ms */
export const DEFAULT_MAX_LEASE_MS = CONFIG_DEFAULTS.holder.maxLeaseMs
/** Per-peer token buckets: requests/s and bytes/s, with bursts twice as large. */
export const DEFAULT_PEER_REQUESTS_PER_SECOND = CONFIG_DEFAULTS.holder.requestsPerSecond
export const DEFAULT_PEER_BYTES_PER_SECOND = CONFIG_DEFAULTS.holder.bytesPerSecond
/** How often expired leases are collected, ms; not a config key. */
export const DEFAULT_GC_INTERVAL_MS = 10 * 60 * 1000
/** All peers together, so made-up peer ids cannot add up to more than the node allows (not config keys yet). */
export const DEFAULT_TOTAL_REQUESTS_PER_SECOND = 1000
export const DEFAULT_TOTAL_BYTES_PER_SECOND = 512 * 1024 ** 2
