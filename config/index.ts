/**
 * @packageDocumentation
 * The daemon's configuration: one schema table (zod schemas per key), four
 * sources (defaults < config file < MESHKEEP_* environment < flags), strict
 * validation, a deep-frozen result. Every default lives in defaults.ts.
 *
 * @example
 * ```ts
 * const config = await loadConfig({ flags, env: process.env })
 * ```
 */
export { CONFIG_DEFAULTS, defaultDataDir, defaultSocket } from './defaults.js'
export {
  CONFIG_FILE_ENV,
  CONFIG_FILE_FLAG,
  type ConfigSources,
  defaultConfig,
  loadConfig,
  MAX_CONFIG_FILE_BYTES,
  RESERVED_ENV,
  readConfigFile
} from './load.js'
export { renderExampleToml, renderKeyTable } from './reference.js'
export {
  CONFIG_SCHEMA,
  type ConfigFlag,
  type ConfigKeyInfo,
  type ConfigKeyPath,
  configFlags,
  configKeys,
  envName,
  MESHKEEP_CONFIG_SCHEMA
} from './schema.js'
export { type ConfigDefaults, LOG_LEVELS, type LogLevel, type MeshkeepConfig } from './types.js'
export { formatBytes, formatDuration, parseByteSize, parseDuration } from './values.js'
