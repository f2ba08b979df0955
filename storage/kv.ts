import { Level } from 'level'

/** One write in an atomic batch. */
export type KvOperation = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

export interface KvRange {
  gte?: string
  lt?: string
  reverse?: boolean
  limit?: number
}

/** How a write reaches the disk. */
export interface WriteOptions {
  /**
   * Return only once the write is on stable storage (LevelDB: an fsync of its
   * log). A synced write also makes every earlier write of the same database
   * durable, since they share one log. Without it a write survives a crash
   * of the process, but not a power cut. @default false
   */
  sync?: boolean
}

/**
 * The small key-value surface meshkeep's stores use. Keys are strings that
 * sort the way ranges need; values are bytes. Batches are atomic: either all
 * of their writes reach the disk or none do.
 */
export interface KeyValueStore {
  get: (key: string) => Promise<Uint8Array | undefined>
  /** Several gets in one call (one trip to LevelDB's thread instead of one per key). */
  getMany: (keys: string[]) => Promise<Array<Uint8Array | undefined>>
  put: (key: string, value: Uint8Array, options?: WriteOptions) => Promise<void>
  del: (key: string, options?: WriteOptions) => Promise<void>
  batch: (ops: KvOperation[], options?: WriteOptions) => Promise<void>
  entries: (range: KvRange) => AsyncIterable<[string, Uint8Array]>
  keys: (range: KvRange) => AsyncIterable<string>
  /** A view whose keys all start with `prefix!` (a LevelDB sublevel). */
  sub: (prefix: string) => KeyValueStore
}

/** A database or one of its sublevels: they share one API. */
type AnyLevel = Level<string, Uint8Array>

class LevelStore implements KeyValueStore {
  constructor(private readonly db: AnyLevel) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.db.get(key)) as Uint8Array | undefined
  }
  async getMany(keys: string[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return []
    return (await this.db.getMany(keys)) as Array<Uint8Array | undefined>
  }
  async put(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    await this.db.put(key, value, { sync: options?.sync === true })
  }
  async del(key: string, options?: WriteOptions): Promise<void> {
    await this.db.del(key, { sync: options?.sync === true })
  }
  async batch(ops: KvOperation[], options?: WriteOptions): Promise<void> {
    if (ops.length > 0) await this.db.batch(ops, { sync: options?.sync === true })
  }
  async *entries(range: KvRange): AsyncIterable<[string, Uint8Array]> {
    for await (const [k, v] of this.db.iterator({ ...range, limit: range.limit ?? -1 })) yield [k as string, v as Uint8Array]
  }
  async *keys(range: KvRange): AsyncIterable<string> {
    for await (const [k] of this.db.iterator({ ...range, limit: range.limit ?? -1, values: false })) yield k as string
  }
  sub(prefix: string): KeyValueStore {
    return new LevelStore(this.db.sublevel<string, Uint8Array>(prefix, { valueEncoding: 'view' }) as unknown as AnyLevel)
  }
}

/** A LevelDB database on disk, opened and ready. */
export interface OpenedDatabase {
  store: KeyValueStore
  close: () => Promise<void>
}

export async function openLevel(path: string): Promise<OpenedDatabase> {
  const db = new Level<string, Uint8Array>(path, { valueEncoding: 'view' })
  await db.open()
  return { store: new LevelStore(db), close: () => db.close() }
}
