/**
 * A small strict argv parser: `--name value`, `--name=value`, boolean
 * `--name`, repeatable list flags, `--` to end flags, `-` as a positional
 * (stdin/stdout). Anything unknown is a UsageError naming it.
 */

export type FlagKind = 'string' | 'boolean' | 'list'

export interface FlagSpec {
  name: string
  kind: FlagKind
  /** placeholder in help, e.g. DIR */
  value?: string
  help: string
}

export interface PositionalSpec {
  name: string
  optional?: boolean
  help: string
}

export type FlagValues = Record<string, string | boolean | string[]>

export interface ParsedArgs {
  flags: FlagValues
  positionals: string[]
  help: boolean
}

/** A command line the CLI cannot accept; exits 2 with the command's usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

export function parseArgs(argv: readonly string[], flags: readonly FlagSpec[], positionals: readonly PositionalSpec[], command: string): ParsedArgs {
  const byName = new Map(flags.map(f => [f.name, f]))
  const out: FlagValues = {}
  const rest: string[] = []
  let help = false
  let onlyPositionals = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      rest.push(arg)
      continue
    }
    if (arg === '--') {
      onlyPositionals = true
      continue
    }
    if (arg === '-h' || arg === '--help') {
      help = true
      continue
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown flag ${arg} (flags are spelled --name)`, command)
    const eq = arg.indexOf('=')
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
    const spec = byName.get(name)
    if (spec === undefined) throw new UsageError(`unknown flag --${name} for meshkeep ${command}`, command)
    if (spec.kind === 'boolean') {
      if (eq >= 0) {
        const v = arg.slice(eq + 1)
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} takes no value (or =true/=false), got "${v}"`, command)
        out[name] = v === 'true'
      } else {
        out[name] = true
      }
      continue
    }
    let value: string
    if (eq >= 0) value = arg.slice(eq + 1)
    else {
      const next = argv[i + 1]
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw new UsageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ''}`, command)
      value = next
      i++
    }
    if (spec.kind === 'list') {
      const list = (out[name] as string[] | undefined) ?? []
      list.push(value)
      out[name] = list
    } else {
      if (out[name] !== undefined) throw new UsageError(`--${name} given more than once`, command)
      out[name] = value
    }
  }
  if (!help) {
    const required = positionals.filter(p => p.optional !== true).length
    if (rest.length < required) {
      const missing = positionals.slice(rest.length, required).map(p => p.name)
      throw new UsageError(`missing ${missing.join(' and ')}`, command)
    }
    if (rest.length > positionals.length) throw new UsageError(`unexpected argument "${rest[positionals.length]}"`, command)
  }
  return { flags: out, positionals: rest, help }
}

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name]
  return typeof v === 'string' ? v : undefined
}

export function boolFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true
}
