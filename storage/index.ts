/**
 * @packageDocumentation
 * On-disk storage: LevelDB behind a small key-value interface.
 */
export { openLevel, type KeyValueStore, type KvOperation, type KvRange, type OpenedDatabase } from './kv.js'
