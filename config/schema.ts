/**
 * The configuration schema: one table that says, for every key, its kind
 * (with its range), environment variable, flag and help line; the defaults
 * come from defaults.ts. Validation (validate.ts builds the zod schemas
 * from it), loading, `--help`, the daemon's flags, the example file and the
 * docs all read this table, so they cannot drift apart. It does not load
 * zod: the CLI reads it for flags and help at every start.
 */
import { MAX_CHUNK_BYTES } from '../core/index.js'
import { CONFIG_DEFAULTS } from './defaults.js'
import { booleanKind, bytesKind, durationKind, hostPortKind, integerKind, logLevelKind, multiaddrListKind, pathKind, type ValueKind } from './kinds.js'
import { LOG_LEVELS, type MeshkeepConfig } from './types.js'

/** Every leaf of a config object as a dotted path: `holder.capacityBytes`, … */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string | number | boolean | readonly unknown[] ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>
}[keyof T & string]

/** The type at a dotted path. */
type ValueAt<T, P extends string> = P extends `${infer H}.${infer R}` ? (H extends keyof T ? ValueAt<T[H], R> : never) : P extends keyof T ? T[P] : never

export type ConfigKeyPath = Leaves<MeshkeepConfig>

export interface KeySpec<T = unknown> {
  readonly kind: ValueKind<T>
  /** how the default reads in --help and the docs, for the keys whose default depends on the environment */
  readonly defaultText?: string
  /** a value to show (commented out) in the example file, for those same keys */
  readonly example?: T
  /** a command-line flag of `meshkeep daemon`, for the few keys that have one */
  readonly flag?: string
  /** the flag's placeholder in --help, e.g. DIR */
  readonly flagValue?: string
  readonly help: string
}

const KiB = 1024
const MiB = 1024 * KiB
const SECOND = 1000
const MINUTE = 60 * SECOND
const DAY = 24 * 60 * MINUTE
const ANY_BYTES = Number.MAX_SAFE_INTEGER

/**
 * The table, in the order of --help and the example file. Ranges refuse
 * values that are certainly mistakes (a 0 ms timeout, a rate below one
 * chunk), not values that are merely unusual.
 */
export const CONFIG_SCHEMA: { readonly [P in ConfigKeyPath]: KeySpec<ValueAt<MeshkeepConfig, P>> } = {
  dataDir: {
    kind: pathKind,
    defaultText: '$STATE_DIRECTORY under systemd, else $XDG_DATA_HOME/meshkeep, else ~/.local/share/meshkeep',
    example: '/var/lib/meshkeep',
    flag: 'data-dir',
    flagValue: 'DIR',
    help: 'where the key file (node.key) and the database live'
  },
  socket: {
    kind: pathKind,
    defaultText: '<dataDir>/control.sock',
    example: '/run/meshkeep/control.sock',
    flag: 'socket',
    flagValue: 'PATH',
    help: 'control socket (JSON lines) the CLI talks to; at most 103 bytes long'
  },
  listen: { kind: multiaddrListKind(32, 'listen'), flag: 'listen', flagValue: 'MULTIADDR', help: 'multiaddrs to accept peer connections on' },
  bootstrap: {
    kind: multiaddrListKind(256, 'bootstrap'),
    flag: 'bootstrap',
    flagValue: 'MULTIADDR',
    help: 'peers to dial at start, each ending in /p2p/<peer id>, e.g. "/ip4/192.0.2.1/tcp/4710/p2p/12D3KooW..."'
  },
  logLevel: { kind: logLevelKind, flag: 'log-level', flagValue: 'LEVEL', help: `log verbosity: ${LOG_LEVELS.join(', ')}` },
  watchdog: { kind: booleanKind, help: 'send WATCHDOG=1 to systemd when the unit sets WatchdogSec (WATCHDOG_USEC)' },
  'metrics.enabled': { kind: booleanKind, flag: 'metrics', help: 'serve Prometheus metrics over HTTP at http://<metrics.listen>/metrics' },
  'metrics.listen': { kind: hostPortKind, help: 'host:port of the metrics endpoint; a non-loopback host is refused unless metrics.allowRemote' },
  'metrics.allowRemote': { kind: booleanKind, help: 'allow metrics.listen on a non-loopback address (the endpoint has no authentication)' },
  'holder.capacityBytes': { kind: bytesKind(0, ANY_BYTES), help: "disk space offered to other owners' chunks; 0 holds nothing" },
  'holder.ownerQuotaBytes': { kind: bytesKind(MAX_CHUNK_BYTES, ANY_BYTES), help: 'most one owner may store here (also capped by capacityBytes)' },
  'holder.maxLeaseMs': { kind: durationKind(MINUTE, 365 * DAY), help: 'longest lease granted to an owner' },
  'holder.requestsPerSecond': { kind: integerKind(1, 1_000_000), help: 'requests per second one peer may make (bursts of twice that)' },
  'holder.bytesPerSecond': { kind: bytesKind(MAX_CHUNK_BYTES, ANY_BYTES), help: 'bytes per second one peer may send (bursts of twice that)' },
  'owner.retainVersions': { kind: integerKind(1, 1000), help: 'versions of our own state kept replicated' },
  'owner.leaseMs': { kind: durationKind(MINUTE, 365 * DAY), help: 'lease asked of holders' },
  'owner.concurrency': { kind: integerKind(1, 256), help: 'store/fetch exchanges in flight at once' },
  'owner.requestTimeoutMs': { kind: durationKind(100, 10 * MINUTE), help: 'deadline of one exchange with a holder' },
  'owner.gracePeriodMs': { kind: durationKind(0, 7 * DAY), help: 'how long under-replication is tolerated before the state is DEGRADED' },
  'owner.auditIntervalMs': { kind: durationKind(SECOND, 30 * DAY), help: 'how often holders are asked to prove they keep our chunks' },
  'owner.repairAfterMs': { kind: durationKind(0, 30 * DAY), help: 'how long a holder may fail audits before its chunks are placed elsewhere' },
  'registry.refreshIntervalMs': { kind: durationKind(SECOND, DAY), help: 'how often the holder registry is reread' },
  'limits.uploadBytesPerSecond': {
    kind: bytesKind(0, ANY_BYTES),
    help: 'cap on the bytes per second this node sends over the mesh protocols (owner uploads and holder answers); 0: none'
  },
  'limits.downloadBytesPerSecond': {
    kind: bytesKind(0, ANY_BYTES),
    help: 'cap on the bytes per second this node receives over the mesh protocols; 0: none'
  },
  'control.maxRequestBytes': { kind: bytesKind(KiB, 64 * MiB), help: 'longest JSON line a control client may send' },
  'control.maxClients': { kind: integerKind(1, 4096), help: 'control connections open at once' }
}

export const CONFIG_KEY_PATHS = Object.keys(CONFIG_SCHEMA) as ConfigKeyPath[]

/** The flag and variable that name the config file; they are not keys of it. */
export const CONFIG_FILE_FLAG = 'config'
export const CONFIG_FILE_ENV = 'MESHKEEP_CONFIG'

/** The tables of the file, with the line that introduces each in the example file. */
export const CONFIG_SECTIONS: Readonly<Record<string, string>> = {
  metrics: 'Prometheus metrics over HTTP (docs/OPERATOR-GUIDE.md lists them).',
  holder: 'Serving other owners: what this node stores for the mesh.',
  owner: "Replicating this node's own state.",
  registry: 'The holder registry kept in the DHT.',
  limits:
    'Bandwidth caps on the mesh traffic (chunks, manifests, audits; not the DHT). A cap shorter than 1 MiB/s still lets one 1 MiB message through at a time.',
  control: 'The control socket the CLI talks to.'
}

export function specOf(key: ConfigKeyPath): KeySpec {
  return CONFIG_SCHEMA[key] as KeySpec
}

export function isConfigKey(key: string): key is ConfigKeyPath {
  return Object.hasOwn(CONFIG_SCHEMA, key)
}

/** `holder.capacityBytes` → `MESHKEEP_HOLDER_CAPACITY_BYTES` */
export function envName(key: string): string {
  return `MESHKEEP_${key
    .replaceAll('.', '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()}`
}

/** The default of a key, from CONFIG_DEFAULTS; undefined for dataDir and socket, which depend on the environment. */
export function defaultOf(key: ConfigKeyPath): unknown {
  let value: unknown = CONFIG_DEFAULTS
  for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part]
  return value
}

/**
 * A Unix socket path must fit sockaddr_un.sun_path: 108 bytes on Linux, 104
 * on macOS, including the NUL. Past that, bind() fails with a baffling
 * error at start; here we can say which setting to change.
 */
export const MAX_SOCKET_PATH_BYTES = 103

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

export interface ConfigKeyInfo {
  key: string
  /** the section it sits in, '' at the top level */
  section: string
  type: string
  /** undefined for dataDir and socket, whose defaults depend on the environment (see defaultText) */
  default: unknown
  defaultText: string
  env: string
  flag?: string
  flagValue?: string
  /** a list key: its flag is repeatable, its variable comma-separated */
  list: boolean
  help: string
}

/** Every key with its type, default, variable, flag and help, in table order: for --help and the docs. */
export function configKeys(): ConfigKeyInfo[] {
  return CONFIG_KEY_PATHS.map(key => {
    const spec = specOf(key)
    const def = defaultOf(key)
    const info: ConfigKeyInfo = {
      key,
      section: key.includes('.') ? key.slice(0, key.indexOf('.')) : '',
      type: spec.kind.type,
      default: Array.isArray(def) ? [...def] : def,
      defaultText: spec.defaultText ?? spec.kind.format(def),
      env: envName(key),
      list: spec.kind.list === true,
      help: spec.help
    }
    if (spec.flag !== undefined) info.flag = spec.flag
    if (spec.flagValue !== undefined) info.flagValue = spec.flagValue
    return info
  })
}

export interface ConfigFlag {
  /** the flag's name, without -- */
  name: string
  key: ConfigKeyPath
  /** a boolean flag takes no value; a list flag may be repeated */
  kind: 'string' | 'boolean' | 'list'
  /** placeholder in --help, e.g. DIR */
  value?: string
  help: string
}

/** The flags of `meshkeep daemon` that set config keys, in table order. */
export function configFlags(): ConfigFlag[] {
  return CONFIG_KEY_PATHS.flatMap(key => {
    const spec = specOf(key)
    if (spec.flag === undefined) return []
    const kind = spec.kind.name === 'boolean' ? 'boolean' : spec.kind.list === true ? 'list' : 'string'
    const flag: ConfigFlag = { name: spec.flag, key, kind, help: spec.help }
    if (spec.flagValue !== undefined) flag.value = spec.flagValue
    return [flag]
  })
}
