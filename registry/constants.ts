/** Shards the holder population is split into; a holder's shard is the first byte of SHA-256(peer id). */
export const SHARD_COUNT = 256

/** The string hashed into shard `n`'s CID: `meshkeep/registry/shard/v1/<n>`. */
export const SHARD_CID_PREFIX = 'meshkeep/registry/shard/v1/'

/** DHT key namespace of holder records: `/mkreg/<peer id>`. */
export const REGISTRY_NAMESPACE = 'mkreg'

/** DHT key namespace of owner version pointers: `/mkptr/<owner peer id>`. */
export const POINTER_NAMESPACE = 'mkptr'

/** A registry record envelope is a few hundred bytes at most; anything larger is rejected unread. */
export const MAX_REGISTRY_RECORD_BYTES = 4096

/** A version pointer envelope (8 holders at most) fits well within this. */
export const MAX_VERSION_POINTER_BYTES = 2048

/** Multiaddrs one holder may advertise. */
export const MAX_ADDRS = 16

/** Characters in one advertised multiaddr. */
export const MAX_ADDR_CHARS = 256

/** Peer ids a version pointer may name as manifest holders. */
export const MAX_MANIFEST_HOLDERS = 8

/** Bytes in a manifest id (SHA-256). */
export const MANIFEST_ID_BYTES = 32

/** How often the membership view is rebuilt, ms. */
export const REFRESH_INTERVAL_MS = 60_000

/** How often our own record (and our latest version pointer) is put again, ms. Remote nodes keep records 48 h. */
export const REPUBLISH_INTERVAL_MS = 60 * 60_000

/** The private DHT's protocol id; every meshkeep node speaks it, so the peer store can name registry candidates. */
export const MESH_DHT_PROTOCOL = '/meshkeep/kad/1.0.0'

/**
 * Shards queried on the network by one routine refresh. A shard query walks
 * the DHT even when the shard is empty (about 4 RPCs per peer on a small
 * mesh), so sweeping all 256 on every refresh costs seconds of CPU. Routine
 * refreshes sweep a rolling window; the first refresh and `refresh({ full: true })`
 * sweep them all.
 */
export const SHARDS_PER_REFRESH = 16

/**
 * Known mesh peers from which a registry's first routine refresh becomes a
 * full sweep: Kademlia's bucket size. Below it, the DHT's self-query has
 * shown this node every peer, and a rolling window is enough.
 */
export const FULL_SWEEP_MIN_PEERS = 20

/** Delay of the refresh triggered when a new mesh peer is identified; coalesces a burst of arrivals, ms. */
export const NEW_PEER_REFRESH_DELAY_MS = 500

/** Shard queries (and record fetches) run at once during a refresh. */
export const SHARD_CONCURRENCY = 16

/** Deadline of one DHT put, provide or get, ms. */
export const QUERY_TIMEOUT_MS = 10_000

/** Deadline of one shard's `findProviders` query during a refresh, ms. */
export const SHARD_QUERY_TIMEOUT_MS = 5_000

/** Fraction of membership that must change (symmetric difference / previous size) to start a new epoch. */
export const EPOCH_CHANGE_THRESHOLD = 0.1

/**
 * At most this long after `start()`, a node runs quick discovery rounds: it
 * is still learning the mesh (its first refresh may know only the bootstrap
 * peer). Settling ends earlier, as soon as every known mesh peer is a member.
 * Epochs are not held back meanwhile: a real join soon after start must count, ms.
 */
export const SETTLE_MS = 30_000

/** While settling, the delay after the first refresh; it doubles after each one, ms. */
export const SETTLE_FIRST_REFRESH_MS = 1_000
