/**
 * @packageDocumentation
 * The daemon's configuration: one schema table (validated with zod), four
 * sources (defaults < config file < MESHKEEP_* environment < flags), strict
 * validation, a deep-frozen result. Every default lives in defaults.ts.
 *
 * This index loads zod. The CLI imports defaults.ts and schema.ts directly
 * (neither loads it), so a client command does not pay for it.
 *
 * @example
 * ```ts
 * const config = await loadConfig({ flags, env: process.env })
 * ```
 */
export { CONFIG_DEFAULTS, defaultDataDir, defaultSocket } from './defaults.js'
export { formatBytes, formatDuration, parseByteSize, parseDuration } from './kinds.js'
export {
  type ConfigSources,
  defaultConfig,
  loadConfig,
  MAX_CONFIG_FILE_BYTES,
  RESERVED_ENV,
  readConfigFile
} from './load.js'
export { renderExampleToml, renderKeyTable } from './reference.js'
export {
  CONFIG_FILE_ENV,
  CONFIG_FILE_FLAG,
  CONFIG_SCHEMA,
  type ConfigFlag,
  type ConfigKeyInfo,
  type ConfigKeyPath,
  configFlags,
  configKeys,
  envName
} from './schema.js'
export { type ConfigDefaults, LOG_LEVELS, type LogLevel, type MeshkeepConfig } from './types.js'
export { MESHKEEP_CONFIG_SCHEMA } from './validate.js'
