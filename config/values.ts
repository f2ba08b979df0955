/**
 * The kinds of value a config key can hold, each as zod schemas: one for a
 * typed value (a TOML or JSON file, or the merged config) and one for text
 * (a MESHKEEP_* variable or a flag). Every message says what was expected
 * and what was given; the loader adds the key and where the value came from.
 */
import { isIP } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { MeshkeepError, peerIdFromString } from '../core/index.js'
import { LOG_LEVELS, type LogLevel } from './types.js'

export interface ValueKind<T> {
  /** the type column of --help and the docs */
  readonly type: string
  /** a value from a file (TOML/JSON types) or the merged config */
  readonly schema: z.ZodType<T>
  /** a value from a MESHKEEP_* variable or a flag: always text */
  readonly text: z.ZodType<T>
  /** how a value of this kind reads in the docs and the example file */
  readonly format: (value: T) => string
  /** several values: repeatable flag, comma-separated variable */
  readonly list?: boolean
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

export function show(raw: unknown): string {
  if (raw instanceof Date) return `a date (${raw.toISOString()})`
  const text = JSON.stringify(raw) ?? String(raw)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** A zod error function: `expected <what>, got <the input>`. */
function expected(what: string): (issue: { input?: unknown }) => string {
  return issue => `expected ${what}, got ${show(issue.input)}`
}

/** The range checks of a numeric kind, with the bounds and the input in the kind's units. */
function inRange(schema: z.ZodNumber, min: number, max: number, format: (n: number) => string): z.ZodNumber {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${format(min)}` : `a value from ${format(min)} to ${format(max)}`
  const error = (issue: { input?: unknown }) => `expected ${range}, got ${typeof issue.input === 'number' ? format(issue.input) : show(issue.input)}`
  return schema.min(min, { error }).max(max, { error })
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

/** Applies `parse` to a string and lets the schema judge the result; text it cannot read goes on as is and fails the schema's type check. */
function fromUnits(parse: (text: string) => number): (raw: unknown) => unknown {
  return raw => {
    if (typeof raw !== 'string') return raw
    try {
      return parse(raw)
    } catch {
      return raw
    }
  }
}

/** An integer within [min, max]; text must be all digits. */
export function integerKind(min: number, max: number): ValueKind<number> {
  const schema = inRange(z.int({ error: expected('an integer') }), min, max, String)
  return {
    type: 'integer',
    schema,
    text: z.preprocess(raw => (typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw), schema),
    format: String
  }
}

/** Bytes: an integer, or text with a unit (`"512MiB"`), within [min, max]. */
export function bytesKind(min: number, max: number): ValueKind<number> {
  const schema = z.preprocess(
    fromUnits(parseByteSize),
    inRange(z.int({ error: expected('a byte size: an integer, or a string such as "512MiB" or "10GiB"') }), min, max, formatBytes)
  )
  return { type: 'byte size', schema, text: schema, format: formatBytes }
}

/** Milliseconds: an integer, or text with units (`"30s"`, `"1h30m"`), within [min, max]. */
export function durationKind(min: number, max: number): ValueKind<number> {
  const schema = z.preprocess(
    fromUnits(parseDuration),
    inRange(z.int({ error: expected('a duration: milliseconds as an integer, or a string such as "30s", "10m" or "1h"') }), min, max, formatDuration)
  )
  return { type: 'duration', schema, text: schema, format: formatDuration }
}

const TRUE_WORDS = ['true', '1', 'yes', 'on']
const FALSE_WORDS = ['false', '0', 'no', 'off']

/** A file says true or false; text may also say 1/0, yes/no, on/off. */
export const booleanKind: ValueKind<boolean> = {
  type: 'boolean',
  schema: z.boolean({ error: expected('true or false') }),
  text: z.preprocess(
    raw => (typeof raw === 'string' ? raw.trim() : raw),
    z.stringbool({ truthy: TRUE_WORDS, falsy: FALSE_WORDS, error: expected('true or false (or 1/0, yes/no, on/off)') })
  ),
  format: String
}

const pathSchema = z
  .string({ error: expected('a non-empty path') })
  .trim()
  .min(1, { error: expected('a non-empty path') })
  .refine(p => !p.includes('\0'), { error: 'expected a path without NUL bytes' })

/** A non-empty path; the loader resolves it (relative paths, `~/`). */
export const pathKind: ValueKind<string> = { type: 'path', schema: pathSchema, text: pathSchema, format: value => JSON.stringify(value), path: true }

const logLevelSchema = z.preprocess(
  raw => (typeof raw === 'string' ? raw.trim().toLowerCase() : raw),
  z.enum(LOG_LEVELS, { error: expected(`one of ${LOG_LEVELS.join(', ')}`) })
)

/** One of LOG_LEVELS, in any case. */
export const logLevelKind: ValueKind<LogLevel> = {
  type: LOG_LEVELS.join('|'),
  schema: logLevelSchema,
  text: logLevelSchema,
  format: value => JSON.stringify(value)
}

function parseMultiaddr(text: string, example: string): ReturnType<typeof multiaddr> {
  try {
    return multiaddr(text)
  } catch (err) {
    throw new Error(`expected a multiaddr such as ${example}, got ${show(text)} (${err instanceof Error ? err.message : String(err)})`)
  }
}

const LISTEN_EXAMPLE = '/ip4/0.0.0.0/tcp/4710'
const BOOTSTRAP_EXAMPLE = '/ip4/192.0.2.1/tcp/4710/p2p/12D3KooW...'

function listenAddr(text: string): string {
  return parseMultiaddr(text, LISTEN_EXAMPLE).toString()
}

function bootstrapAddr(text: string): string {
  const addr = parseMultiaddr(text, BOOTSTRAP_EXAMPLE)
  const components = addr.getComponents()
  const last = components.at(-1)
  if (last?.name !== 'p2p' || last.value === undefined || components.length < 2) {
    throw new Error(`expected a multiaddr ending in /p2p/<peer id>, such as ${BOOTSTRAP_EXAMPLE}, got ${show(text)}`)
  }
  try {
    // multiaddr() accepts any string after /p2p/; meshkeep peers are Ed25519 ids
    peerIdFromString(last.value)
  } catch {
    throw new Error(`expected an Ed25519 peer id (12D3KooW...) after /p2p/, got ${show(last.value)}`)
  }
  return addr.toString()
}

/** A list of multiaddrs (normalised); bootstrap entries must end in /p2p/<Ed25519 peer id>. Text is comma-separated. */
export function multiaddrListKind(maxItems: number, role: 'listen' | 'bootstrap'): ValueKind<readonly string[]> {
  const check = role === 'listen' ? listenAddr : bootstrapAddr
  const item = z
    .string({ error: expected('a multiaddr string') })
    .trim()
    .transform((text, ctx) => {
      try {
        return check(text)
      } catch (err) {
        ctx.issues.push({ code: 'custom', input: text, message: (err as Error).message })
        return z.NEVER
      }
    })
  const schema = z
    .array(item, { error: expected(`an array of multiaddr strings, e.g. ["${LISTEN_EXAMPLE}"]`) })
    .max(maxItems, { error: issue => `expected at most ${maxItems} entries, got ${Array.isArray(issue.input) ? issue.input.length : show(issue.input)}` })
  // "a,b," and "a, b" mean [a, b]; an empty variable means an empty list
  const text = z.preprocess(
    raw =>
      typeof raw === 'string'
        ? raw
            .split(',')
            .map(s => s.trim())
            .filter(s => s !== '')
        : raw,
    schema
  )
  return { type: 'multiaddr list', schema, text, format: value => JSON.stringify(value), list: true }
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

const HOST_PORT = 'host:port such as "127.0.0.1:9464" or "[::1]:9464"'
const hostPortSchema = z
  .string({ error: expected(HOST_PORT) })
  .trim()
  .refine(text => parseHostPort(text) !== undefined, { error: expected(HOST_PORT) })

export const hostPortKind: ValueKind<string> = { type: 'host:port', schema: hostPortSchema, text: hostPortSchema, format: value => JSON.stringify(value) }

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}
