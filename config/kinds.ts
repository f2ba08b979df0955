/**
 * The kinds of value a config key can hold, as data: the type column of the
 * docs, how a value reads there, its range, whether it is a list or a path.
 * validate.ts turns each kind into zod schemas. This module does not load
 * zod, so the CLI can read the table (flags, help) without paying for it.
 */
import { isIP } from 'node:net'
import { MeshkeepError } from '../core/index.js'
import { LOG_LEVELS, type LogLevel } from './types.js'

export type KindName = 'path' | 'boolean' | 'integer' | 'bytes' | 'duration' | 'logLevel' | 'multiaddrs' | 'hostPort'

/** A kind of value; `T` is what a valid value of the kind is. */
export interface ValueKind<T> {
  readonly name: KindName
  /** the type column of --help and the docs */
  readonly type: string
  /** how a value of this kind reads in the docs and the example file */
  readonly format: (value: T) => string
  /** the range of a number, in its unit (bytes, ms) */
  readonly min?: number
  readonly max?: number
  /** several values: repeatable flag, comma-separated variable; at most maxItems */
  readonly list?: boolean
  readonly maxItems?: number
  /** what a multiaddr list is for: bootstrap entries must end in /p2p/<peer id> */
  readonly role?: 'listen' | 'bootstrap'
  /** a path, resolved against the config file's directory (or the working directory) */
  readonly path?: boolean
}

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const json = (value: unknown): string => JSON.stringify(value)

/** An integer within [min, max]; text must be all digits. */
export function integerKind(min: number, max: number): ValueKind<number> {
  return { name: 'integer', type: 'integer', format: String, min, max }
}

/** Bytes: an integer, or text with a unit (`"512MiB"`), within [min, max]. */
export function bytesKind(min: number, max: number): ValueKind<number> {
  return { name: 'bytes', type: 'byte size', format: formatBytes, min, max }
}

/** Milliseconds: an integer, or text with units (`"30s"`, `"1h30m"`), within [min, max]. */
export function durationKind(min: number, max: number): ValueKind<number> {
  return { name: 'duration', type: 'duration', format: formatDuration, min, max }
}

/** A file says true or false; text may also say 1/0, yes/no, on/off. */
export const booleanKind: ValueKind<boolean> = { name: 'boolean', type: 'boolean', format: String }

/** A non-empty path; the loader resolves it (relative paths, `~/`). */
export const pathKind: ValueKind<string> = { name: 'path', type: 'path', format: json, path: true }

/** One of LOG_LEVELS, in any case. */
export const logLevelKind: ValueKind<LogLevel> = { name: 'logLevel', type: LOG_LEVELS.join('|'), format: json }

/** A list of multiaddrs; bootstrap entries must end in /p2p/<Ed25519 peer id>. Text is comma-separated. */
export function multiaddrListKind(maxItems: number, role: 'listen' | 'bootstrap'): ValueKind<readonly string[]> {
  return { name: 'multiaddrs', type: 'multiaddr list', format: json, list: true, maxItems, role }
}

/** `host:port`, the host an IP address or a DNS name. */
export const hostPortKind: ValueKind<string> = { name: 'hostPort', type: 'host:port', format: json }

export function show(raw: unknown): string {
  if (raw instanceof Date) return `a date (${raw.toISOString()})`
  const text = JSON.stringify(raw) ?? String(raw)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** Thrown by parseByteSize / parseDuration for text that is not a size or a duration. */
function invalidValue(message: string): MeshkeepError {
  return new MeshkeepError('INVALID_CONFIG', message)
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
  if (m === null || unit === undefined) throw invalidValue(`expected a byte size such as 1048576, "512MiB" or "10GiB", got ${show(text)}`)
  const bytes = Number(m[1]) * unit
  if (!Number.isSafeInteger(bytes)) throw invalidValue(`expected a whole number of bytes below 2^53, got ${show(text)}`)
  return bytes
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY }

/** `30000`, `"500ms"`, `"30s"`, `"10m"`, `"1h30m"`, `"7d"` → milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim()
  const fail = (): never => {
    throw invalidValue(`expected a duration in ms such as 30000, or "500ms", "30s", "10m", "1h30m", "7d", got ${show(text)}`)
  }
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(trimmed)) return fail()
  let ms = 0
  for (const [, n, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(n) * (DURATION_UNITS[unit ?? ''] ?? Number.NaN)
  if (!Number.isSafeInteger(ms)) throw invalidValue(`expected a whole number of milliseconds, got ${show(text)}`)
  return ms
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

/** `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`. */
export function parseHostPort(raw: unknown): { host: string; port: number; text: string } | undefined {
  if (typeof raw !== 'string') return undefined
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(raw.trim())
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (host === undefined || !(port >= 1 && port <= 65535)) return undefined
  if (m?.[1] !== undefined && isIP(host) !== 6) return undefined
  if (m?.[2] !== undefined && isIP(host) === 0 && !/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}))*$/.test(host)) return undefined
  return { host, port, text: raw.trim() }
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}
