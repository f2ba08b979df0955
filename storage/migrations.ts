/**
 * On-disk schema versions and their migrations.
 *
 * The root store keeps the layout version at `meta!schema` (a decimal
 * string). The holder and owner stores live in the `holder` and `owner`
 * sublevels, whose keys all start with `!`, so no root key of ours can
 * collide with theirs. Each migration's writes and its version bump go to
 * disk in one batch: a crash or a failing migration leaves the database at
 * the version before it, never half-way.
 */
import { MeshkeepError } from '../core/index.js'
import { type BlobStore, LOCAL_NAMESPACE } from './blob-store/index.js'
import type { KeyValueStore, KvOperation } from './kv.js'

/** The layout this build reads and writes. Version 1 is the first stamped layout. */
export const SCHEMA_VERSION = 3
export const SCHEMA_KEY = 'meta!schema'

export interface Migration {
  from: number
  to: number
  /** one line for the log: what changes on disk */
  describe: string
  /**
   * Reads what it needs and returns the writes that turn version `from`
   * into `to`. It must not write itself: only the returned operations are
   * applied, together with the version bump, in one atomic batch on the
   * root store, where a sublevel's key `k` is spelled `!<sublevel>!k`
   * (e.g. `!owner!meta!latest`).
   */
  plan: (store: KeyValueStore) => Promise<KvOperation[]>
  /**
   * For a migration that moves data out of LevelDB (a batch cannot hold
   * it): runs before `plan`, doing its own durable writes, and must be
   * idempotent, because a crash can interrupt it and it then runs again from
   * the start on the next open (the version is bumped only after it).
   */
  move?: (ctx: MigrationContext) => Promise<void>
}

/** What a migration's `move` step may use besides the database. */
export interface MigrationContext {
  store: KeyValueStore
  /** the blob store chunk bytes move to */
  blobs?: BlobStore
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

/** A held manifest's lease entry, as holder/chunk-store.ts encodes it: [leaseExpiresAt u64][storedAt u64][size u32]. */
function manifestLeaseEntry(size: number, storedAt: number, leaseExpiresAt: number): Uint8Array {
  const out = new Uint8Array(20)
  const v = new DataView(out.buffer)
  v.setBigUint64(0, BigInt(leaseExpiresAt))
  v.setBigUint64(8, BigInt(storedAt))
  v.setUint32(16, size)
  return out
}

/** The lease v1 manifests get: the holder's longest lease (30 days), so every owner has time to renew. */
const V2_MANIFEST_LEASE_MS = 30 * 24 * 3600 * 1000

/** Every migration since version 1, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    to: 2,
    describe: 'holder: manifests held for others get a lease entry (n!<owner>!<version>), so they expire and are collected like chunks',
    async plan(store) {
      const now = Date.now()
      const ops: KvOperation[] = []
      for await (const [key, value] of store.entries({ gte: '!holder!m!', lt: '!holder!m"' })) {
        ops.push({ type: 'put', key: `!holder!n!${key.slice('!holder!m!'.length)}`, value: manifestLeaseEntry(value.length, now, now + V2_MANIFEST_LEASE_MS) })
      }
      return ops
    }
  },
  {
    from: 2,
    to: 3,
    describe: 'chunk bytes move from LevelDB into the blob store: chunks held for others (with their leases) and the owner’s local copies',
    move: moveChunksToBlobStore,
    plan: async () => []
  }
]

/** Legacy keys moved per step: bounds the memory of the move whatever the data dir holds. */
const MOVE_STEP = 256

/**
 * v2 → v3: every `!holder!c!<owner>!<id>` (with its `!holder!i!…` lease
 * entry) goes into the blob store under the owner's namespace, every
 * `!owner!k!<id>` under `self`; each step's blobs are durable before its
 * legacy keys are deleted, so a crash at any point loses nothing and the
 * next open carries on.
 */
async function moveChunksToBlobStore({ store, blobs, log }: MigrationContext): Promise<void> {
  if (blobs === undefined) throw new MeshkeepError('INTERNAL', 'the v2→v3 migration needs the blob store')
  let moved = 0
  for (;;) {
    const batch: Array<{ key: string; value: Uint8Array }> = []
    for await (const [key, value] of store.entries({ gte: '!holder!c!', lt: '!holder!c"', limit: MOVE_STEP }))
      batch.push({ key, value: Uint8Array.from(value) })
    if (batch.length === 0) break
    const infos = await store.getMany(batch.map(b => `!holder!i!${b.key.slice('!holder!c!'.length)}`))
    const byOwner = new Map<string, Array<{ id: Uint8Array; bytes: Uint8Array; meta: Uint8Array }>>()
    const dels: KvOperation[] = []
    batch.forEach((b, k) => {
      const [owner = '', idHex = ''] = b.key.slice('!holder!c!'.length).split('!')
      // a chunk without a lease entry (never written by meshkeep) gets the longest lease; its owner renews it
      const meta = infos[k] ?? manifestLeaseEntry(b.value.length, Date.now(), Date.now() + V2_MANIFEST_LEASE_MS)
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), { id: Uint8Array.from(Buffer.from(idHex, 'hex')), bytes: b.value, meta }])
      dels.push({ type: 'del', key: b.key }, { type: 'del', key: `!holder!i!${owner}!${idHex}` })
    })
    for (const [owner, items] of byOwner) await blobs.putMany(owner, items)
    await store.batch(dels, { sync: true })
    moved += batch.length
  }
  for (;;) {
    const batch: Array<{ key: string; value: Uint8Array }> = []
    for await (const [key, value] of store.entries({ gte: '!owner!k!', lt: '!owner!k"', limit: MOVE_STEP })) batch.push({ key, value: Uint8Array.from(value) })
    if (batch.length === 0) break
    await blobs.putMany(
      LOCAL_NAMESPACE,
      batch.map(b => ({ id: Uint8Array.from(Buffer.from(b.key.slice('!owner!k!'.length), 'hex')), bytes: b.value }))
    )
    await store.batch(
      batch.map(b => ({ type: 'del' as const, key: b.key })),
      { sync: true }
    )
    moved += batch.length
  }
  if (moved > 0) log?.('moved chunk bytes into the blob store', { chunks: moved })
}

export interface MigrateOptions {
  /** @default MIGRATIONS */
  migrations?: readonly Migration[]
  /** the node's blob store, for migrations that move chunk bytes into it */
  blobs?: BlobStore
  /** the version to reach @default SCHEMA_VERSION */
  target?: number
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface MigrateResult {
  /** the version found on disk (the target, for a fresh database) */
  from: number
  to: number
  /** `describe` of each migration applied, in order */
  applied: string[]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Brings the database to `target`: stamps a fresh one, runs the migrations
 * an older one needs, and refuses one written by a newer meshkeep
 * (UNSUPPORTED_VERSION) rather than reading a layout it does not know.
 */
export async function migrate(store: KeyValueStore, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS
  const target = options.target ?? SCHEMA_VERSION
  const log = options.log

  const stamped = await readVersion(store)
  if (stamped === undefined) {
    // Nothing stored at all: a new data dir starts at the current layout.
    // Data without a stamp predates stamping, which began with version 1.
    const fresh = await isEmpty(store)
    const version = fresh ? target : 1
    await store.put(SCHEMA_KEY, encodeVersion(version))
    log?.('stamped the database schema version', { version, fresh })
    if (fresh) return { from: target, to: target, applied: [] }
    return runMigrations(store, version, target, migrations, log, options.blobs)
  }
  return runMigrations(store, stamped, target, migrations, log, options.blobs)
}

async function runMigrations(
  store: KeyValueStore,
  from: number,
  target: number,
  migrations: readonly Migration[],
  log: MigrateOptions['log'],
  blobs?: BlobStore
): Promise<MigrateResult> {
  if (from > target) {
    throw new MeshkeepError(
      'UNSUPPORTED_VERSION',
      `the database in this data dir has schema version ${from}, but this meshkeep supports up to version ${target}; it was written by a newer meshkeep. Run that version (or newer) instead`
    )
  }
  const applied: string[] = []
  let version = from
  while (version < target) {
    const step = nextMigration(migrations, version, target)
    log?.('migrating the database schema', { from: step.from, to: step.to, migration: step.describe })
    let ops: KvOperation[]
    try {
      await step.move?.({ store, blobs, log })
      ops = await step.plan(store)
    } catch (err) {
      throw failed(step, version, err)
    }
    if (ops.some(op => op.key === SCHEMA_KEY)) {
      throw new MeshkeepError('INTERNAL', `migration v${step.from}→v${step.to} (${step.describe}) writes ${SCHEMA_KEY}, which only migrate() may write`)
    }
    try {
      await store.batch([...ops, { type: 'put', key: SCHEMA_KEY, value: encodeVersion(step.to) }])
    } catch (err) {
      throw failed(step, version, err)
    }
    version = step.to
    applied.push(step.describe)
    log?.('migrated the database schema', { version, ops: ops.length })
  }
  return { from, to: version, applied }
}

function nextMigration(migrations: readonly Migration[], version: number, target: number): Migration {
  const candidates = migrations.filter(m => m.from === version)
  const step = candidates[0]
  if (candidates.length !== 1 || step === undefined || !Number.isInteger(step.to) || step.to <= step.from || step.to > target) {
    throw new MeshkeepError(
      'INTERNAL',
      `no single migration from schema version ${version} towards ${target} (found ${candidates.length}); this build's migrations are incomplete`
    )
  }
  return step
}

function failed(step: Migration, version: number, err: unknown): MeshkeepError {
  const reason = err instanceof Error ? err.message : String(err)
  const message = `migration v${step.from}→v${step.to} (${step.describe}) failed: ${reason}; the database is unchanged at version ${version}`
  return new MeshkeepError('INTERNAL', message, { cause: err })
}

async function readVersion(store: KeyValueStore): Promise<number | undefined> {
  const bytes = await store.get(SCHEMA_KEY)
  if (bytes === undefined) return undefined
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    text = ''
  }
  if (!/^[1-9]\d{0,8}$/.test(text)) {
    throw new MeshkeepError('INTERNAL', `the database's schema version (${SCHEMA_KEY}) is unreadable: ${JSON.stringify(text.slice(0, 32))}`)
  }
  return Number(text)
}

function encodeVersion(version: number): Uint8Array {
  return encoder.encode(String(version))
}

async function isEmpty(store: KeyValueStore): Promise<boolean> {
  for await (const _ of store.keys({ limit: 1 })) return false
  return true
}
