/**
 * Loads the configuration from its four sources, lowest precedence first:
 * defaults < config file < MESHKEEP_* environment < command-line flags.
 * A higher source replaces a value outright (lists are not merged). Every
 * value is validated by the zod schemas of the table (schema.ts); every
 * problem, in every source, goes into one INVALID_CONFIG error, each naming
 * the key, where its value came from and what was expected. The result is
 * deep-frozen.
 */
import { open } from 'node:fs/promises'
import { dirname, extname, isAbsolute, resolve } from 'node:path'
import { parse as parseToml, TomlError } from 'smol-toml'
import type { z } from 'zod'
import { MeshkeepError } from '../core/index.js'
import { deepFreeze, defaultDataDir, defaultSocket, type Env, homeDir } from './defaults.js'
import { show } from './kinds.js'
import {
  CONFIG_FILE_ENV,
  CONFIG_FILE_FLAG,
  CONFIG_KEY_PATHS,
  CONFIG_SECTIONS,
  type ConfigKeyPath,
  configFlags,
  envName,
  isConfigKey,
  nearest,
  specOf
} from './schema.js'
import type { MeshkeepConfig } from './types.js'
import { CONFIG_FILE_SCHEMA, MESHKEEP_CONFIG_SCHEMA, schemasOf } from './validate.js'

export interface ConfigSources {
  /** parsed command-line flags; only the config flags are read, the CLI owns the rest */
  flags?: Readonly<Record<string, string | readonly string[] | boolean | undefined>>
  /** @default process.env */
  env?: Record<string, string | undefined>
  /** config file path; else `--config`, else $MESHKEEP_CONFIG */
  file?: string
}

/** A config file is a page of settings; anything larger is a mistake (or /dev/zero). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024
/**
 * MESHKEEP_* variables that are not config keys but are legal. Any other
 * unknown MESHKEEP_* variable is refused, so a typo such as
 * MESHKEEP_DATADIR cannot silently leave a setting at its default. Besides
 * the config file, they are the passphrase (data dir), the Node binary
 * (read by bin/meshkeep) and the rotation's test hook (daemon/runtime).
 */
export const RESERVED_ENV: ReadonlySet<string> = new Set([CONFIG_FILE_ENV, 'MESHKEEP_PASSPHRASE', 'MESHKEEP_NODE', 'MESHKEEP_TEST_ROTATION_HOLD'])

/** Where a value came from, for error messages. */
type Origin = { kind: 'file'; path: string } | { kind: 'env'; name: string } | { kind: 'flag'; name: string }

function describeOrigin(origin: Origin | undefined): string {
  switch (origin?.kind) {
    case undefined:
      return 'default'
    case 'file':
      return `in ${origin.path}`
    case 'env':
      return `from environment variable ${origin.name}`
    case 'flag':
      return `from flag --${origin.name}`
  }
}

interface Setting {
  value: unknown
  origin: Origin
}

/** How a source's relative paths resolve: against the config file's directory, else the working directory; `~/` is the home dir. */
interface PathContext {
  baseDir: string
  home: string
}

/** What one load has read so far, and every problem found: all are reported at once. */
class Reading {
  readonly settings = new Map<ConfigKeyPath, Setting>()
  readonly problems: string[] = []

  set(key: ConfigKeyPath, value: unknown, origin: Origin, paths: PathContext): void {
    this.settings.set(key, { value: specOf(key).kind.path === true ? resolvePath(value as string, paths) : value, origin })
  }

  /** One line per zod issue: the key, where its value came from, and what is wrong. */
  addIssues(issues: readonly z.core.$ZodIssue[], origin: (key: string) => string, prefix: readonly PropertyKey[] = []): void {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path]
      const key = path.filter(p => typeof p === 'string').join('.')
      if (issue.code === 'unrecognized_keys') {
        for (const name of issue.keys) {
          const unknown = key === '' ? name : `${key}.${name}`
          const hint = nearest(unknown, [...CONFIG_KEY_PATHS, ...Object.keys(CONFIG_SECTIONS)])
          this.problems.push(`unknown key ${unknown} (${origin(unknown)})${hint === undefined ? '' : `; did you mean ${hint}?`}`)
        }
        continue
      }
      const index = path.find(p => typeof p === 'number')
      this.problems.push(`${key} (${origin(key)}): ${index === undefined ? '' : `entry ${index + 1}: `}${issue.message}`)
    }
  }
}

/**
 * Loads, validates and deep-freezes the configuration. Every problem in
 * every source is reported in one INVALID_CONFIG error.
 */
export async function loadConfig(sources: ConfigSources): Promise<MeshkeepConfig> {
  const env: Env = sources.env ?? process.env
  const flags = sources.flags ?? {}
  const home = homeDir(env)
  const reading = new Reading()

  const file = configFilePath(sources, flags, env)
  if (file !== undefined) {
    const path = resolve(file)
    applyFile(reading, await readConfigFile(path), path, { baseDir: dirname(path), home })
  }
  applyEnv(reading, env, { baseDir: process.cwd(), home })
  applyFlags(reading, flags, { baseDir: process.cwd(), home })
  if (reading.problems.length > 0) throw invalidAll(reading.problems)
  return finish(reading, env)
}

/** The configuration with no file, no MESHKEEP_* variable and no flag. */
export function defaultConfig(env: Env = process.env): MeshkeepConfig {
  const dataDir = defaultDataDir(env)
  return deepFreeze(MESHKEEP_CONFIG_SCHEMA.parse({ dataDir, socket: defaultSocket(dataDir) }))
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

/** The file's values, validated as a whole against the schema of a config file. */
function applyFile(reading: Reading, table: Record<string, unknown>, path: string, paths: PathContext): void {
  const origin: Origin = { kind: 'file', path }
  const parsed = CONFIG_FILE_SCHEMA.safeParse(table)
  if (!parsed.success) {
    reading.addIssues(parsed.error.issues, () => describeOrigin(origin))
    return
  }
  for (const [name, value] of Object.entries(parsed.data)) {
    if (value === undefined) continue
    if (isConfigKey(name)) {
      reading.set(name, value, origin, paths)
      continue
    }
    for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
      const key = `${name}.${inner}`
      if (innerValue !== undefined && isConfigKey(key)) reading.set(key, innerValue, origin, paths)
    }
  }
}

const ENV_KEYS: ReadonlyMap<string, ConfigKeyPath> = new Map(CONFIG_KEY_PATHS.map(k => [envName(k), k]))

function applyEnv(reading: Reading, env: Env, paths: PathContext): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('MESHKEEP_') || raw === undefined || RESERVED_ENV.has(name)) continue
    const key = ENV_KEYS.get(name)
    if (key === undefined) {
      const hint = nearest(name, [...ENV_KEYS.keys(), ...RESERVED_ENV])
      reading.problems.push(`unknown environment variable ${name}${hint === undefined ? '' : `; did you mean ${hint}?`} (unset it, or see meshkeep --help)`)
      continue
    }
    // `MESHKEEP_LOG_LEVEL=` from a template means "not set"; for a list it means "empty"
    if (raw.trim() === '' && specOf(key).kind.list !== true) continue
    const origin: Origin = { kind: 'env', name }
    const parsed = schemasOf(key).text.safeParse(raw)
    if (parsed.success) reading.set(key, parsed.data, origin, paths)
    else reading.addIssues(parsed.error.issues, () => describeOrigin(origin), key.split('.'))
  }
}

const FLAG_KEYS: ReadonlyMap<string, ConfigKeyPath> = new Map(configFlags().map(f => [f.name, f.key]))

/** Flags arrive as the CLI parsed them: text, a list of texts for a repeatable flag, true for a boolean. */
function applyFlags(reading: Reading, flags: NonNullable<ConfigSources['flags']>, paths: PathContext): void {
  for (const [name, raw] of Object.entries(flags)) {
    const key = FLAG_KEYS.get(name)
    // an argument parser may leave absent options as undefined
    if (key === undefined || raw === undefined) continue
    const kind = specOf(key).kind
    const { schema, text } = schemasOf(key)
    const origin: Origin = { kind: 'flag', name }
    const where = `${key} (${describeOrigin(origin)})`
    let parsed: ReturnType<typeof text.safeParse>
    if (typeof raw === 'boolean') {
      if (kind.name !== 'boolean') {
        reading.problems.push(`${where}: expected a value after --${name}`)
        continue
      }
      parsed = schema.safeParse(raw)
    } else if (typeof raw === 'string') {
      parsed = text.safeParse(raw)
    } else if (kind.list === true) {
      parsed = text.safeParse(raw.join(','))
    } else {
      if (raw.length !== 1) {
        reading.problems.push(`${where}: expected --${name} once, got it ${raw.length} times`)
        continue
      }
      parsed = text.safeParse(raw[0])
    }
    if (parsed.success) reading.set(key, parsed.data, origin, paths)
    else reading.addIssues(parsed.error.issues, () => describeOrigin(origin), key.split('.'))
  }
}

/** `~` and `~/x` expand to the home dir (the shell does not expand them in --data-dir=~/x or a file); relative paths resolve against the source's base. */
function resolvePath(path: string, paths: PathContext): string {
  const expanded = path === '~' ? paths.home : path.startsWith('~/') ? `${paths.home}${path.slice(1)}` : path
  return isAbsolute(expanded) ? resolve(expanded) : resolve(paths.baseDir, expanded)
}

/** Merges the sources over the defaults and checks the rules that span keys; the result is frozen. */
function finish(reading: Reading, env: Env): MeshkeepConfig {
  const { settings } = reading
  const input: Record<string, Record<string, unknown> | unknown> = {}
  for (const [key, { value }] of settings) {
    const [head, name] = key.split('.') as [string, string | undefined]
    if (name === undefined) input[head] = value
    else input[head] = { ...(input[head] as Record<string, unknown> | undefined), [name]: value }
  }
  const dataDir = (settings.get('dataDir')?.value as string | undefined) ?? defaultDataDir(env)
  input.dataDir = dataDir
  input.socket ??= defaultSocket(dataDir)
  const parsed = MESHKEEP_CONFIG_SCHEMA.safeParse(input)
  if (!parsed.success) {
    const origin = (key: string): string => {
      const set = settings.get(key as ConfigKeyPath)
      if (set !== undefined || key !== 'socket') return describeOrigin(set?.origin)
      const dir = settings.get('dataDir')
      return dir === undefined ? '<dataDir>/control.sock' : `<dataDir>/control.sock, dataDir ${describeOrigin(dir.origin)}`
    }
    reading.addIssues(parsed.error.issues, origin)
    throw invalidAll(reading.problems)
  }
  return deepFreeze(parsed.data)
}

function invalidAll(problems: readonly string[]): MeshkeepError {
  // one problem reads as one line; several as a list under it
  return invalid(problems.length === 1 ? (problems[0] as string) : `${problems.length} problems:\n  ${problems.join('\n  ')}`)
}

function invalid(message: string, cause?: unknown): MeshkeepError {
  return new MeshkeepError('INVALID_CONFIG', message, cause === undefined ? undefined : { cause })
}
