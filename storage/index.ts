/**
 * @packageDocumentation
 * On-disk storage: LevelDB behind a small key-value interface.
 */
export { type KeyValueStore, type KvOperation, type KvRange, type OpenedDatabase, openLevel } from './kv.js'
export { MIGRATIONS, type MigrateOptions, type MigrateResult, type Migration, migrate, SCHEMA_KEY, SCHEMA_VERSION } from './migrations.js'
