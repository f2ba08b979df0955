/**
 * @packageDocumentation
 * The daemon's configuration: one schema table, four sources (defaults <
 * config file < MESHKEEP_* environment < flags), strict validation.
 *
 * @example
 * ```ts
 * const config = await loadConfig({ flags, env: process.env })
 * ```
 */
export { defaultConfig, defaultDataDir, defaultSocket } from './defaults.js'
export { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, type ConfigSources, loadConfig, MAX_CONFIG_FILE_BYTES, RESERVED_ENV, readConfigFile } from './load.js'
export {
  CONFIG_SCHEMA,
  type ConfigKeyInfo,
  type ConfigKeyPath,
  configKeys,
  envName,
  formatBytes,
  formatDuration,
  LOG_LEVELS,
  type LogLevel,
  type MeshkeepConfig,
  parseByteSize,
  parseDuration
} from './schema.js'
