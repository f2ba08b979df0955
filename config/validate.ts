/**
 * The zod side of the configuration: each kind of value (kinds.ts) as two
 * schemas, one for a typed value (a TOML or JSON file, or the merged
 * config) and one for text (a MESHKEEP_* variable or a flag), and the
 * schemas of a whole config file and of the loaded config, built from the
 * table (schema.ts). Every message says what was expected and what was
 * given; the loader adds the key and where the value came from.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { peerIdFromString } from '../core/index.js'
import { formatBytes, formatDuration, isLoopbackHost, parseByteSize, parseDuration, parseHostPort, show, type ValueKind } from './kinds.js'
import { CONFIG_KEY_PATHS, type ConfigKeyPath, defaultOf, MAX_SOCKET_PATH_BYTES, specOf } from './schema.js'
import { LOG_LEVELS, type MeshkeepConfig } from './types.js'

export interface KindSchemas {
  /** a value from a file (TOML/JSON types) or the merged config */
  readonly schema: z.ZodType
  /** a value from a MESHKEEP_* variable or a flag: always text */
  readonly text: z.ZodType
}

/** A zod error function: `expected <what>, got <the input>`. */
function expected(what: string): (issue: { input?: unknown }) => string {
  return issue => `expected ${what}, got ${show(issue.input)}`
}

/** The range checks of a numeric kind, with the bounds and the input in the kind's units. */
function inRange(schema: z.ZodNumber, kind: ValueKind<number>, format: (n: number) => string): z.ZodNumber {
  const min = kind.min ?? 0
  const max = kind.max ?? Number.MAX_SAFE_INTEGER
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${format(min)}` : `a value from ${format(min)} to ${format(max)}`
  const error = (issue: { input?: unknown }) => `expected ${range}, got ${typeof issue.input === 'number' ? format(issue.input) : show(issue.input)}`
  return schema.min(min, { error }).max(max, { error })
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

const same = (schema: z.ZodType): KindSchemas => ({ schema, text: schema })

function integerSchemas(kind: ValueKind<number>): KindSchemas {
  const schema = inRange(z.int({ error: expected('an integer') }), kind, String)
  return { schema, text: z.preprocess(raw => (typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw), schema) }
}

function bytesSchemas(kind: ValueKind<number>): KindSchemas {
  const int = z.int({ error: expected('a byte size: an integer, or a string such as "512MiB" or "10GiB"') })
  return same(z.preprocess(fromUnits(parseByteSize), inRange(int, kind, formatBytes)))
}

function durationSchemas(kind: ValueKind<number>): KindSchemas {
  const int = z.int({ error: expected('a duration: milliseconds as an integer, or a string such as "30s", "10m" or "1h"') })
  return same(z.preprocess(fromUnits(parseDuration), inRange(int, kind, formatDuration)))
}

const TRUE_WORDS = ['true', '1', 'yes', 'on']
const FALSE_WORDS = ['false', '0', 'no', 'off']

function booleanSchemas(): KindSchemas {
  return {
    schema: z.boolean({ error: expected('true or false') }),
    text: z.preprocess(
      raw => (typeof raw === 'string' ? raw.trim() : raw),
      z.stringbool({ truthy: TRUE_WORDS, falsy: FALSE_WORDS, error: expected('true or false (or 1/0, yes/no, on/off)') })
    )
  }
}

function pathSchemas(): KindSchemas {
  return same(
    z
      .string({ error: expected('a non-empty path') })
      .trim()
      .min(1, { error: expected('a non-empty path') })
      .refine(p => !p.includes('\0'), { error: 'expected a path without NUL bytes' })
  )
}

function logLevelSchemas(): KindSchemas {
  return same(
    z.preprocess(raw => (typeof raw === 'string' ? raw.trim().toLowerCase() : raw), z.enum(LOG_LEVELS, { error: expected(`one of ${LOG_LEVELS.join(', ')}`) }))
  )
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

/** Multiaddrs come back normalised; "a,b," and "a, b" in text mean [a, b], an empty text an empty list. */
function multiaddrSchemas(kind: ValueKind<readonly string[]>): KindSchemas {
  const check = kind.role === 'bootstrap' ? bootstrapAddr : listenAddr
  const maxItems = kind.maxItems ?? Number.MAX_SAFE_INTEGER
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
  return { schema, text }
}

function hostPortSchemas(): KindSchemas {
  const what = 'host:port such as "127.0.0.1:9464" or "[::1]:9464"'
  return same(
    z
      .string({ error: expected(what) })
      .trim()
      .refine(text => parseHostPort(text) !== undefined, { error: expected(what) })
  )
}

function buildSchemas(kind: ValueKind<unknown>): KindSchemas {
  switch (kind.name) {
    case 'integer':
      return integerSchemas(kind as ValueKind<number>)
    case 'bytes':
      return bytesSchemas(kind as ValueKind<number>)
    case 'duration':
      return durationSchemas(kind as ValueKind<number>)
    case 'boolean':
      return booleanSchemas()
    case 'path':
      return pathSchemas()
    case 'logLevel':
      return logLevelSchemas()
    case 'multiaddrs':
      return multiaddrSchemas(kind as ValueKind<readonly string[]>)
    case 'hostPort':
      return hostPortSchemas()
  }
}

const SCHEMAS = new Map<ConfigKeyPath, KindSchemas>(CONFIG_KEY_PATHS.map(key => [key, buildSchemas(specOf(key).kind)]))

/** The schemas of one key. */
export function schemasOf(key: ConfigKeyPath): KindSchemas {
  return SCHEMAS.get(key) as KindSchemas
}

/** Builds a nested strict zod object from one schema per key; `section` wraps each table. */
function nestedSchema(leaf: (key: ConfigKeyPath) => z.ZodType, section: (table: z.ZodType) => z.ZodType): z.ZodObject {
  const root: Record<string, z.ZodType> = {}
  const tables = new Map<string, Record<string, z.ZodType>>()
  for (const key of CONFIG_KEY_PATHS) {
    const [head, name] = key.split('.') as [string, string | undefined]
    if (name === undefined) {
      root[head] = leaf(key)
      continue
    }
    const table = tables.get(head) ?? {}
    table[name] = leaf(key)
    tables.set(head, table)
  }
  for (const [name, shape] of tables) {
    root[name] = section(
      z.strictObject(shape, { error: issue => (issue.code === 'invalid_type' ? `expected a table such as [${name}], got ${show(issue.input)}` : undefined) })
    )
  }
  return z.strictObject(root)
}

/** A config file: any subset of the keys, nested in their tables; unknown keys are refused. */
export const CONFIG_FILE_SCHEMA = nestedSchema(
  key => schemasOf(key).schema.optional(),
  table => table.optional()
)

/**
 * The whole configuration: every key, its default (from defaults.ts) where
 * the merged sources leave it unset, and the rules that span keys. dataDir
 * and socket have no static default: the loader supplies them.
 */
export const MESHKEEP_CONFIG_SCHEMA = nestedSchema(
  key => {
    const def = defaultOf(key)
    return def === undefined ? schemasOf(key).schema : schemasOf(key).schema.default(def)
  },
  table => table.prefault({})
).superRefine((value, ctx) => {
  const config = value as unknown as MeshkeepConfig
  const socketBytes = Buffer.byteLength(config.socket)
  if (socketBytes > MAX_SOCKET_PATH_BYTES) {
    ctx.addIssue({
      code: 'custom',
      path: ['socket'],
      input: config.socket,
      message: `a Unix socket path must be at most ${MAX_SOCKET_PATH_BYTES} bytes, got ${socketBytes} (${config.socket}); set socket to a shorter path`
    })
  }
  const host = parseHostPort(config.metrics.listen)?.host
  if (host !== undefined && !isLoopbackHost(host) && !config.metrics.allowRemote) {
    ctx.addIssue({
      code: 'custom',
      path: ['metrics', 'listen'],
      input: config.metrics.listen,
      message: `${host} is not a loopback address, so anyone on the network could read the metrics; expected 127.0.0.1 or [::1], or set metrics.allowRemote = true`
    })
  }
}) as unknown as z.ZodType<MeshkeepConfig>
