/**
 * The configuration schema: one table that says, for every key, its type,
 * range, default, environment variable, flag and help line. Loading,
 * validation, `--help` and the docs all read this table, so they cannot
 * drift apart.
 */
import { isIP } from 'node:net'
import { isAbsolute, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_CHUNK_BYTES, MeshkeepError, peerIdFromString } from '../core/index.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface MeshkeepConfig {
  /** key file, database and (by default) the control socket */
  dataDir: string
  /** control socket of the CLI @default <dataDir>/control.sock */
  socket: string
  /** multiaddrs to listen on */
  listen: string[]
  /** multiaddrs ending in /p2p/<peer id> */
  bootstrap: string[]
  logLevel: LogLevel
  /** Prometheus endpoint; `allowRemote` must be set to bind a non-loopback host */
  metrics: { enabled: boolean; listen: string; allowRemote: boolean }
  holder: { capacityBytes: number; ownerQuotaBytes: number; maxLeaseMs: number; requestsPerSecond: number; bytesPerSecond: number }
  owner: {
    retainVersions: number
    leaseMs: number
    concurrency: number
    requestTimeoutMs: number
    gracePeriodMs: number
    auditIntervalMs: number
    repairAfterMs: number
  }
  registry: { refreshIntervalMs: number }
  control: { maxRequestBytes: number; maxClients: number }
  /** send WATCHDOG=1 when systemd asks for it (WATCHDOG_USEC) */
  watchdog: boolean
}

/** Every leaf of a config object as a dotted path: `holder.capacityBytes`, … */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string | number | boolean | readonly unknown[] ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>
}[keyof T & string]

/** The type at a dotted path. */
type ValueAt<T, P extends string> = P extends `${infer H}.${infer R}` ? (H extends keyof T ? ValueAt<T[H], R> : never) : P extends keyof T ? T[P] : never

export type ConfigKeyPath = Leaves<MeshkeepConfig>

export type ValueKind = 'path' | 'boolean' | 'integer' | 'bytes' | 'duration' | 'logLevel' | 'listenAddrs' | 'bootstrapAddrs' | 'hostPort'

export interface KeySpec<T = unknown> {
  readonly kind: ValueKind
  /** absent when the default depends on the environment (see defaults.ts) */
  readonly default?: T
  /** how the default reads in --help and the docs */
  readonly defaultText?: string
  readonly min?: number
  readonly max?: number
  /** most entries a list may hold */
  readonly maxItems?: number
  /** a command-line flag, for the few keys that have one */
  readonly flag?: string
  readonly help: string
}

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * The table. Ranges refuse values that are certainly mistakes (a 0 ms
 * timeout, a rate below one chunk), not values that are merely unusual.
 * Defaults match HolderInit / OwnerInit / RegistryInit so a node started
 * without a config behaves like one built in code.
 */
export const CONFIG_SCHEMA: { readonly [P in ConfigKeyPath]: KeySpec<ValueAt<MeshkeepConfig, P>> } = {
  dataDir: {
    kind: 'path',
    defaultText: '$STATE_DIRECTORY under systemd, else $XDG_DATA_HOME/meshkeep, else ~/.local/share/meshkeep',
    flag: 'data-dir',
    help: 'where the key file and the database live'
  },
  socket: { kind: 'path', defaultText: '<dataDir>/control.sock', flag: 'socket', help: 'control socket (JSON lines) the CLI talks to' },
  listen: { kind: 'listenAddrs', default: ['/ip4/0.0.0.0/tcp/4710'], maxItems: 32, flag: 'listen', help: 'multiaddrs to accept peer connections on' },
  bootstrap: { kind: 'bootstrapAddrs', default: [], maxItems: 256, flag: 'bootstrap', help: 'peers to dial at start, each ending in /p2p/<peer id>' },
  logLevel: { kind: 'logLevel', default: 'info', flag: 'log-level', help: `log verbosity: ${LOG_LEVELS.join(', ')}` },
  'metrics.enabled': { kind: 'boolean', default: false, flag: 'metrics', help: 'serve Prometheus metrics over HTTP' },
  'metrics.listen': { kind: 'hostPort', default: '127.0.0.1:9464', help: 'host:port of the metrics endpoint' },
  'metrics.allowRemote': { kind: 'boolean', default: false, help: 'allow metrics.listen on a non-loopback address' },
  'holder.capacityBytes': {
    kind: 'bytes',
    default: 10 * GiB,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    help: "disk space offered to other owners' chunks; 0 holds nothing"
  },
  'holder.ownerQuotaBytes': {
    kind: 'bytes',
    default: 2 * GiB,
    min: MAX_CHUNK_BYTES,
    max: Number.MAX_SAFE_INTEGER,
    help: 'most one owner may store here (also capped by capacityBytes)'
  },
  'holder.maxLeaseMs': { kind: 'duration', default: 30 * DAY, min: MINUTE, max: 365 * DAY, help: 'longest lease granted to an owner' },
  'holder.requestsPerSecond': { kind: 'integer', default: 200, min: 1, max: 1_000_000, help: 'requests per second one peer may make (bursts of twice that)' },
  'holder.bytesPerSecond': {
    kind: 'bytes',
    default: 256 * MiB,
    min: MAX_CHUNK_BYTES,
    max: Number.MAX_SAFE_INTEGER,
    help: 'bytes per second one peer may send (bursts of twice that)'
  },
  'owner.retainVersions': { kind: 'integer', default: 3, min: 1, max: 1000, help: 'versions of our own state kept replicated' },
  'owner.leaseMs': { kind: 'duration', default: 7 * DAY, min: MINUTE, max: 365 * DAY, help: 'lease asked of holders' },
  'owner.concurrency': { kind: 'integer', default: 8, min: 1, max: 256, help: 'store/fetch exchanges in flight at once' },
  'owner.requestTimeoutMs': { kind: 'duration', default: 30 * SECOND, min: 100, max: 10 * MINUTE, help: 'deadline of one exchange with a holder' },
  'owner.gracePeriodMs': { kind: 'duration', default: MINUTE, min: 0, max: 7 * DAY, help: 'how long under-replication is tolerated before DEGRADED' },
  'owner.auditIntervalMs': {
    kind: 'duration',
    default: 10 * MINUTE,
    min: SECOND,
    max: 30 * DAY,
    help: 'how often holders are asked to prove they keep our chunks'
  },
  'owner.repairAfterMs': {
    kind: 'duration',
    default: 30 * MINUTE,
    min: 0,
    max: 30 * DAY,
    help: 'how long a holder may fail audits before its chunks are placed elsewhere'
  },
  'registry.refreshIntervalMs': { kind: 'duration', default: MINUTE, min: SECOND, max: DAY, help: 'how often the holder registry is reread' },
  'control.maxRequestBytes': { kind: 'bytes', default: MiB, min: KiB, max: 64 * MiB, help: 'longest JSON line a control client may send' },
  'control.maxClients': { kind: 'integer', default: 64, min: 1, max: 4096, help: 'control connections open at once' },
  watchdog: { kind: 'boolean', default: true, help: 'send WATCHDOG=1 to systemd when it asks (WATCHDOG_USEC)' }
}

export const CONFIG_KEY_PATHS = Object.keys(CONFIG_SCHEMA) as ConfigKeyPath[]

/** `holder.capacityBytes` → `MESHKEEP_HOLDER_CAPACITY_BYTES` */
export function envName(key: string): string {
  return `MESHKEEP_${key
    .replaceAll('.', '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()}`
}

export function specOf(key: ConfigKeyPath): KeySpec {
  return CONFIG_SCHEMA[key] as KeySpec
}

/** Sections are the tables of the file: `metrics`, `holder`, … */
export const CONFIG_SECTIONS: ReadonlySet<string> = new Set(CONFIG_KEY_PATHS.filter(k => k.includes('.')).map(k => k.slice(0, k.indexOf('.'))))

export function isConfigKey(key: string): key is ConfigKeyPath {
  return Object.hasOwn(CONFIG_SCHEMA, key)
}

/** Where a value came from, for error messages. */
export type Origin = { kind: 'default' } | { kind: 'file'; path: string } | { kind: 'env'; name: string } | { kind: 'flag'; name: string }

export function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'default':
      return 'default'
    case 'file':
      return `in ${origin.path}`
    case 'env':
      return `from environment variable ${origin.name}`
    case 'flag':
      return `from flag --${origin.name}`
  }
}

/**
 * Thrown by the value parsers. The loader rewraps it with the key and origin;
 * callers of parseByteSize / parseDuration get a plain INVALID_CONFIG.
 */
export class ValueError extends MeshkeepError {
  constructor(message: string) {
    super('INVALID_CONFIG', message)
    this.name = 'ValueError'
  }
}

export interface ParseContext {
  /** env and flags give text; a file gives typed TOML/JSON values */
  readonly fromText: boolean
  /** relative paths resolve against this: the config file's directory, else the working directory */
  readonly baseDir: string
  /** `~/` expands to this */
  readonly home: string
}

/** Parses and range-checks one raw value against its spec, or throws ValueError saying what was expected. */
export function parseValue(spec: KeySpec, raw: unknown, ctx: ParseContext): unknown {
  switch (spec.kind) {
    case 'path':
      return parsePath(raw, ctx)
    case 'boolean':
      return parseBoolean(raw, ctx)
    case 'integer':
      return inRange(spec, parseInteger(raw, ctx), String)
    case 'bytes':
      return inRange(spec, parseBytesValue(raw, ctx), formatBytes)
    case 'duration':
      return inRange(spec, parseDurationValue(raw, ctx), formatDuration)
    case 'logLevel':
      return parseLogLevel(raw)
    case 'listenAddrs':
      return parseList(spec, raw, ctx, parseListenAddr)
    case 'bootstrapAddrs':
      return parseList(spec, raw, ctx, parseBootstrapAddr)
    case 'hostPort':
      return parseHostPort(raw).text
  }
}

/** The type column of --help. */
export function describeKind(spec: KeySpec): string {
  switch (spec.kind) {
    case 'path':
      return 'path'
    case 'boolean':
      return 'boolean'
    case 'integer':
      return 'integer'
    case 'bytes':
      return 'byte size'
    case 'duration':
      return 'duration'
    case 'logLevel':
      return LOG_LEVELS.join('|')
    case 'listenAddrs':
    case 'bootstrapAddrs':
      return 'multiaddr list'
    case 'hostPort':
      return 'host:port'
  }
}

export function show(raw: unknown): string {
  if (raw instanceof Date) return `a date (${raw.toISOString()})`
  const text = JSON.stringify(raw) ?? String(raw)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function inRange(spec: KeySpec, value: number, format: (n: number) => string): number {
  const min = spec.min ?? 0
  const max = spec.max ?? Number.MAX_SAFE_INTEGER
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${format(min)}` : `a value from ${format(min)} to ${format(max)}`
    throw new ValueError(`expected ${range}, got ${format(value)}`)
  }
  return value
}

function parsePath(raw: unknown, ctx: ParseContext): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ValueError(`expected a non-empty path, got ${show(raw)}`)
  if (raw.includes('\0')) throw new ValueError('expected a path without NUL bytes')
  // the shell does not expand `~` inside --data-dir=~/x or a config file, so we do
  const expanded = raw === '~' ? ctx.home : raw.startsWith('~/') ? `${ctx.home}${raw.slice(1)}` : raw
  return isAbsolute(expanded) ? resolve(expanded) : resolve(ctx.baseDir, expanded)
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on'])
const FALSE_WORDS = new Set(['false', '0', 'no', 'off'])

function parseBoolean(raw: unknown, ctx: ParseContext): boolean {
  if (typeof raw === 'boolean') return raw
  if (ctx.fromText && typeof raw === 'string') {
    const word = raw.trim().toLowerCase()
    if (TRUE_WORDS.has(word)) return true
    if (FALSE_WORDS.has(word)) return false
  }
  throw new ValueError(`expected ${ctx.fromText ? 'true or false (or 1/0, yes/no, on/off)' : 'true or false'}, got ${show(raw)}`)
}

function parseInteger(raw: unknown, ctx: ParseContext): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw
  if (ctx.fromText && typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) {
    const n = Number(raw.trim())
    if (Number.isSafeInteger(n)) return n
  }
  throw new ValueError(`expected an integer, got ${show(raw)}`)
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: KiB,
  mib: MiB,
  gib: GiB,
  tib: 1024 * GiB
}

/** `1048576`, `"512MiB"`, `"10GiB"`, `"1.5GB"` → bytes (binary units are powers of 1024, decimal of 1000). */
export function parseByteSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = BYTE_UNITS[(m?.[2] ?? '').toLowerCase() || 'b']
  if (m === null || unit === undefined) throw new ValueError(`expected a byte size such as 1048576, "512MiB" or "10GiB", got ${show(text)}`)
  const bytes = Number(m[1]) * unit
  if (!Number.isSafeInteger(bytes)) throw new ValueError(`expected a whole number of bytes below 2^53, got ${show(text)}`)
  return bytes
}

function parseBytesValue(raw: unknown, ctx: ParseContext): number {
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw)) return raw
  } else if (typeof raw === 'string') {
    return parseByteSize(raw)
  }
  throw new ValueError(`expected a byte size such as 1048576${ctx.fromText ? '' : ' (an integer)'}, "512MiB" or "10GiB", got ${show(raw)}`)
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY }

/** `30000`, `"500ms"`, `"30s"`, `"10m"`, `"1h30m"`, `"7d"` → milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim()
  const fail = (): never => {
    throw new ValueError(`expected a duration in ms such as 30000, or "500ms", "30s", "10m", "1h30m", "7d", got ${show(text)}`)
  }
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(trimmed)) return fail()
  let ms = 0
  for (const [, n, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(n) * (DURATION_UNITS[unit ?? ''] ?? Number.NaN)
  if (!Number.isSafeInteger(ms)) throw new ValueError(`expected a whole number of milliseconds, got ${show(text)}`)
  return ms
}

function parseDurationValue(raw: unknown, ctx: ParseContext): number {
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw)) return raw
  } else if (typeof raw === 'string') {
    return parseDuration(raw)
  }
  throw new ValueError(`expected a duration such as 30000${ctx.fromText ? '' : ' (ms, an integer)'}, "30s", "10m" or "1h", got ${show(raw)}`)
}

/** Shortest exact form: 10737418240 → "10GiB", 1500 → "1500B". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 1024 * GiB],
    ['GiB', GiB],
    ['MiB', MiB],
    ['KiB', KiB]
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return `${bytes}B`
}

/** Shortest exact form: 600000 → "10m", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', SECOND]
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

function parseLogLevel(raw: unknown): LogLevel {
  const level = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined
  const found = LOG_LEVELS.find(l => l === level)
  if (found === undefined) throw new ValueError(`expected one of ${LOG_LEVELS.join(', ')}, got ${show(raw)}`)
  return found
}

function parseList(spec: KeySpec, raw: unknown, ctx: ParseContext, parseItem: (text: string) => string): string[] {
  let items: unknown[]
  if (Array.isArray(raw)) items = raw
  else if (ctx.fromText && typeof raw === 'string') items = raw.split(',')
  else throw new ValueError(`expected an array of multiaddr strings, e.g. ["/ip4/0.0.0.0/tcp/4710"], got ${show(raw)}`)
  // text sources are comma-separated: "a,b," and "a, b" mean [a, b]
  if (ctx.fromText) items = items.flatMap(i => (typeof i === 'string' ? i.split(',') : [i])).filter(i => typeof i !== 'string' || i.trim() !== '')
  const max = spec.maxItems ?? Number.POSITIVE_INFINITY
  if (items.length > max) throw new ValueError(`expected at most ${max} entries, got ${items.length}`)
  return items.map((item, i) => {
    if (typeof item !== 'string') throw new ValueError(`entry ${i + 1}: expected a multiaddr string, got ${show(item)}`)
    try {
      return parseItem(item.trim())
    } catch (err) {
      throw new ValueError(`entry ${i + 1}: ${err instanceof ValueError ? err.message : String(err)}`)
    }
  })
}

function parseMultiaddr(text: string, example: string): ReturnType<typeof multiaddr> {
  try {
    return multiaddr(text)
  } catch (err) {
    throw new ValueError(`expected a multiaddr such as ${example}, got ${show(text)} (${err instanceof Error ? err.message : String(err)})`)
  }
}

function parseListenAddr(text: string): string {
  return parseMultiaddr(text, '/ip4/0.0.0.0/tcp/4710').toString()
}

const BOOTSTRAP_EXAMPLE = '/ip4/192.0.2.1/tcp/4710/p2p/12D3KooW...'

function parseBootstrapAddr(text: string): string {
  const addr = parseMultiaddr(text, BOOTSTRAP_EXAMPLE)
  const components = addr.getComponents()
  const last = components.at(-1)
  if (last?.name !== 'p2p' || last.value === undefined || components.length < 2) {
    throw new ValueError(`expected a multiaddr ending in /p2p/<peer id>, such as ${BOOTSTRAP_EXAMPLE}, got ${show(text)}`)
  }
  try {
    // multiaddr() accepts any string after /p2p/; meshkeep peers are Ed25519 ids
    peerIdFromString(last.value)
  } catch {
    throw new ValueError(`expected an Ed25519 peer id (12D3KooW...) after /p2p/, got ${show(last.value)}`)
  }
  return addr.toString()
}

/** `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`. */
export function parseHostPort(raw: unknown): { host: string; port: number; text: string } {
  const expected = `expected host:port such as "127.0.0.1:9464" or "[::1]:9464", got ${show(raw)}`
  if (typeof raw !== 'string') throw new ValueError(expected)
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(raw.trim())
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (host === undefined || !(port >= 1 && port <= 65535)) throw new ValueError(expected)
  if (m?.[1] !== undefined && isIP(host) !== 6) throw new ValueError(expected)
  if (m?.[2] !== undefined && isIP(host) === 0 && !/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}))*$/.test(host))
    throw new ValueError(expected)
  return { host, port, text: raw.trim() }
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/** Unknown keys get a "did you mean": case, `_` and `-` are ignored, then edit distance. */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replaceAll(/[-_]/g, '')
  const target = norm(name)
  let best: { candidate: string; score: number } | undefined
  for (const candidate of candidates) {
    const c = norm(candidate)
    const prefix = Math.min(c.length, target.length) >= 3 && (c.startsWith(target) || target.startsWith(c))
    const score = c === target ? 0 : prefix ? 1 : levenshtein(target, c)
    if (best === undefined || score < best.score) best = { candidate, score }
  }
  return best !== undefined && best.score <= Math.max(2, Math.floor(target.length / 3)) ? best.candidate : undefined
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length] ?? 0
}

/** Builds the nested config object from one value per key path. */
export function buildConfig(value: (key: ConfigKeyPath) => unknown): MeshkeepConfig {
  const root: Record<string, unknown> = {}
  for (const key of CONFIG_KEY_PATHS) {
    const dot = key.indexOf('.')
    if (dot < 0) {
      root[key] = value(key)
      continue
    }
    const section = key.slice(0, dot)
    const table = (root[section] as Record<string, unknown> | undefined) ?? {}
    table[key.slice(dot + 1)] = value(key)
    root[section] = table
  }
  // every leaf of MeshkeepConfig has exactly one table entry (CONFIG_SCHEMA's type enforces it) and each parser returns its kind's type
  return root as unknown as MeshkeepConfig
}

export function isListKind(kind: ValueKind): boolean {
  return kind === 'listenAddrs' || kind === 'bootstrapAddrs'
}

export interface ConfigKeyInfo {
  key: string
  type: string
  /** undefined for dataDir and socket, whose defaults depend on the environment (see defaultText) */
  default: unknown
  defaultText: string
  env: string
  flag?: string
  help: string
}

/** Every key with its type, default, variable, flag and help, in table order: for --help and the docs. */
export function configKeys(): ConfigKeyInfo[] {
  return CONFIG_KEY_PATHS.map(key => {
    const spec = specOf(key)
    const info: ConfigKeyInfo = {
      key,
      type: describeKind(spec),
      default: Array.isArray(spec.default) ? [...spec.default] : spec.default,
      defaultText: spec.defaultText ?? formatDefault(spec),
      env: envName(key),
      help: spec.help
    }
    if (spec.flag !== undefined) info.flag = spec.flag
    return info
  })
}

function formatDefault(spec: KeySpec): string {
  const value = spec.default
  if (spec.kind === 'bytes' && typeof value === 'number') return formatBytes(value)
  if (spec.kind === 'duration' && typeof value === 'number') return formatDuration(value)
  return JSON.stringify(value) ?? ''
}
