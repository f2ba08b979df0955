/**
 * Loads the configuration from its four sources, lowest precedence first:
 * defaults < config file < MESHKEEP_* environment < command-line flags.
 * A higher source replaces a value outright (lists are not merged). Every
 * value is validated against the schema table; the first problem throws
 * INVALID_CONFIG naming the key, where it came from and what was expected.
 */
import { open } from 'node:fs/promises'
import { dirname, extname, resolve } from 'node:path'
import { parse as parseToml, TomlError } from 'smol-toml'
import { MeshkeepError } from '../core/index.js'
import { defaultDataDir, defaultSocket, type Env, homeDir } from './defaults.js'
import {
  buildConfig,
  CONFIG_KEY_PATHS,
  CONFIG_SCHEMA,
  CONFIG_SECTIONS,
  type ConfigKeyPath,
  describeOrigin,
  envName,
  isConfigKey,
  isListKind,
  isLoopbackHost,
  type MeshkeepConfig,
  nearest,
  type Origin,
  type ParseContext,
  parseHostPort,
  parseValue,
  show,
  specOf,
  ValueError
} from './schema.js'

export interface ConfigSources {
  /** parsed command-line flags; only the config flags are read, the CLI owns the rest */
  flags?: Record<string, string | string[] | boolean>
  /** @default process.env */
  env?: Record<string, string | undefined>
  /** config file path; else `--config`, else $MESHKEEP_CONFIG */
  file?: string
}

/** A config file is a page of settings; anything larger is a mistake (or /dev/zero). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024
export const CONFIG_FILE_FLAG = 'config'
export const CONFIG_FILE_ENV = 'MESHKEEP_CONFIG'
/**
 * MESHKEEP_* variables that are not config keys but are legal. Any other
 * unknown MESHKEEP_* variable is refused, so a typo such as
 * MESHKEEP_DATADIR cannot silently leave a setting at its default. Besides
 * the config file, they are the passphrase (data dir) and the Node binary
 * (read by bin/meshkeep).
 */
export const RESERVED_ENV: ReadonlySet<string> = new Set([CONFIG_FILE_ENV, 'MESHKEEP_PASSPHRASE', 'MESHKEEP_NODE'])

interface Setting {
  value: unknown
  origin: Origin
}

type Settings = Map<ConfigKeyPath, Setting>

export async function loadConfig(sources: ConfigSources): Promise<MeshkeepConfig> {
  const env: Env = sources.env ?? process.env
  const flags = sources.flags ?? {}
  const home = homeDir(env)
  const settings: Settings = new Map()

  const file = configFilePath(sources, flags, env)
  if (file !== undefined) {
    const path = resolve(file)
    applyFile(settings, await readConfigFile(path), { fromText: false, baseDir: dirname(path), home }, path)
  }
  applyEnv(settings, env, { fromText: true, baseDir: process.cwd(), home })
  applyFlags(settings, flags, { fromText: true, baseDir: process.cwd(), home })
  return finish(settings, env)
}

function configFilePath(sources: ConfigSources, flags: NonNullable<ConfigSources['flags']>, env: Env): string | undefined {
  if (sources.file !== undefined) return sources.file
  const flag = flags[CONFIG_FILE_FLAG]
  if (flag !== undefined) {
    if (typeof flag !== 'string' || flag === '') throw invalid(`--${CONFIG_FILE_FLAG} expects one file path, got ${show(flag)}`)
    return flag
  }
  const fromEnv = env[CONFIG_FILE_ENV]
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
}

/**
 * Reads and parses a config file: `.toml` or `.json`, at most
 * MAX_CONFIG_FILE_BYTES, UTF-8. The size is checked before parsing and
 * enforced while reading, so a file that grows or lies in stat cannot make
 * us buffer more.
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const format = extname(path).toLowerCase()
  if (format !== '.toml' && format !== '.json') throw invalid(`config file ${path}: expected a .toml or .json file`)
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw invalid(code === 'ENOENT' ? `config file ${path} does not exist` : `config file ${path} cannot be read (${code ?? String(err)})`, err)
  }
  let bytes: Buffer
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw invalid(`config file ${path} is not a regular file`)
    if (stat.size > MAX_CONFIG_FILE_BYTES) throw invalid(`config file ${path} is ${stat.size} bytes; expected at most ${MAX_CONFIG_FILE_BYTES}`)
    const buf = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > MAX_CONFIG_FILE_BYTES) throw invalid(`config file ${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`)
    }
    bytes = buf.subarray(0, length)
  } finally {
    await handle.close()
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (err) {
    throw invalid(`config file ${path} is not valid UTF-8`, err)
  }
  let parsed: unknown
  try {
    parsed = format === '.toml' ? parseToml(text, { unsafeKeyBehaviour: 'throw', maxDepth: 16 }) : JSON.parse(text)
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '')
      throw invalid(`config file ${path} is not valid TOML (line ${err.line}, column ${err.column}): ${reason}`, err)
    }
    throw invalid(`config file ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, err)
  }
  if (!isTable(parsed)) throw invalid(`config file ${path}: expected a table of settings at the top level, got ${show(parsed)}`)
  return parsed
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

function applyFile(settings: Settings, table: Record<string, unknown>, ctx: ParseContext, path: string, prefix = ''): void {
  const origin: Origin = { kind: 'file', path }
  for (const [name, raw] of Object.entries(table)) {
    const key = `${prefix}${name}`
    // a JSON key such as "holder.capacityBytes" is not a path: nesting is the only spelling
    if (!name.includes('.') && isConfigKey(key)) {
      settings.set(key, { value: parseOrThrow(key, raw, ctx, origin), origin })
    } else if (prefix === '' && !name.includes('.') && CONFIG_SECTIONS.has(name)) {
      if (!isTable(raw)) throw invalid(`${name} (${describeOrigin(origin)}): expected a table such as [${name}], got ${show(raw)}`)
      applyFile(settings, raw, ctx, path, `${name}.`)
    } else {
      const hint = nearest(key, [...CONFIG_KEY_PATHS, ...CONFIG_SECTIONS])
      throw invalid(`unknown key ${key} (${describeOrigin(origin)})${hint === undefined ? '' : `; did you mean ${hint}?`}`)
    }
  }
}

const ENV_KEYS: ReadonlyMap<string, ConfigKeyPath> = new Map(CONFIG_KEY_PATHS.map(k => [envName(k), k]))

function applyEnv(settings: Settings, env: Env, ctx: ParseContext): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('MESHKEEP_') || raw === undefined || RESERVED_ENV.has(name)) continue
    const key = ENV_KEYS.get(name)
    if (key === undefined) {
      const hint = nearest(name, [...ENV_KEYS.keys(), ...RESERVED_ENV])
      throw invalid(`unknown environment variable ${name}${hint === undefined ? '' : `; did you mean ${hint}?`} (unset it, or see meshkeep --help)`)
    }
    // `MESHKEEP_LOG_LEVEL=` from a template means "not set"; for a list it means "empty"
    if (raw.trim() === '' && !isListKind(specOf(key).kind)) continue
    const origin: Origin = { kind: 'env', name }
    settings.set(key, { value: parseOrThrow(key, raw, ctx, origin), origin })
  }
}

const FLAG_KEYS: ReadonlyMap<string, ConfigKeyPath> = new Map(
  CONFIG_KEY_PATHS.flatMap(k => {
    const flag = specOf(k).flag
    return flag === undefined ? [] : [[flag, k] as const]
  })
)

function applyFlags(settings: Settings, flags: NonNullable<ConfigSources['flags']>, ctx: ParseContext): void {
  for (const [name, raw] of Object.entries(flags)) {
    const key = FLAG_KEYS.get(name)
    // an argument parser may leave absent options as undefined
    if (key === undefined || raw === undefined) continue
    const spec = specOf(key)
    const origin: Origin = { kind: 'flag', name }
    const isList = isListKind(spec.kind)
    let value: unknown = raw
    if (typeof raw === 'boolean' && spec.kind !== 'boolean') {
      throw invalid(`${key} (${describeOrigin(origin)}): expected a value after --${name}`)
    }
    if (Array.isArray(raw) && !isList) {
      if (raw.length !== 1) throw invalid(`${key} (${describeOrigin(origin)}): expected --${name} once, got it ${raw.length} times`)
      value = raw[0]
    }
    settings.set(key, { value: parseOrThrow(key, value, ctx, origin), origin })
  }
}

function parseOrThrow(key: ConfigKeyPath, raw: unknown, ctx: ParseContext, origin: Origin): unknown {
  try {
    return parseValue(specOf(key), raw, ctx)
  } catch (err) {
    if (err instanceof ValueError) throw invalid(`${key} (${describeOrigin(origin)}): ${err.message}`)
    throw err
  }
}

/**
 * A Unix socket path must fit sockaddr_un.sun_path: 108 bytes on Linux, 104
 * on macOS, including the NUL. Past that, bind() fails with a baffling
 * error at start; here we can say which setting to change.
 */
const MAX_SOCKET_PATH_BYTES = 103

function finish(settings: Settings, env: Env): MeshkeepConfig {
  const value = (key: ConfigKeyPath): unknown => settings.get(key)?.value
  const origin = (key: ConfigKeyPath): string => {
    const o = settings.get(key)?.origin
    return o === undefined ? 'default' : describeOrigin(o)
  }
  const dataDir = (value('dataDir') as string | undefined) ?? defaultDataDir(env)
  const socket = (value('socket') as string | undefined) ?? defaultSocket(dataDir)

  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
    const why = settings.has('socket')
      ? origin('socket')
      : settings.has('dataDir')
        ? `<dataDir>/control.sock, dataDir ${origin('dataDir')}`
        : '<dataDir>/control.sock'
    throw invalid(
      `socket (${why}): a Unix socket path must be at most ${MAX_SOCKET_PATH_BYTES} bytes, got ${Buffer.byteLength(socket)} (${socket}); set socket to a shorter path`
    )
  }

  const metricsHost = parseHostPort(value('metrics.listen') ?? CONFIG_SCHEMA['metrics.listen'].default).host
  const allowRemote = (value('metrics.allowRemote') as boolean | undefined) ?? CONFIG_SCHEMA['metrics.allowRemote'].default
  if (!isLoopbackHost(metricsHost) && allowRemote !== true) {
    throw invalid(
      `metrics.listen (${origin('metrics.listen')}): ${metricsHost} is not a loopback address, so anyone on the network could read the metrics; ` +
        'expected 127.0.0.1 or [::1], or set metrics.allowRemote = true'
    )
  }

  return buildConfig(key => {
    if (key === 'dataDir') return dataDir
    if (key === 'socket') return socket
    if (settings.has(key)) return value(key)
    const def = CONFIG_SCHEMA[key].default
    return Array.isArray(def) ? [...def] : def
  })
}

function invalid(message: string, cause?: unknown): MeshkeepError {
  return new MeshkeepError('INVALID_CONFIG', message, cause === undefined ? undefined : { cause })
}
