/**
 * @packageDocumentation
 * On-disk storage: LevelDB behind a small key-value interface, schema
 * migrations, and the blob store that keeps chunk bytes in segment files.
 */
export * from './blob-store/index.js'
export { type KeyValueStore, type KvOperation, type KvRange, type OpenedDatabase, openLevel, type WriteOptions } from './kv.js'
export { MIGRATIONS, type MigrateOptions, type MigrateResult, type Migration, migrate, SCHEMA_KEY, SCHEMA_VERSION } from './migrations.js'
