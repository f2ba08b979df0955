/**
 * One command's command line, parsed by `node:util` parseArgs from the
 * command's spec (strict, positionals allowed): `--name value`,
 * `--name=value`, boolean `--name`, repeatable list flags, `--` to end
 * flags, `-` as a positional (stdin/stdout), `-h`/`--help` anywhere. What
 * parseArgs refuses becomes a UsageError (exit 2) that names the flag.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'

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

/** What a command accepts: the same spec drives parsing and its --help. */
export interface ArgsSpec {
  /** the command's name, for messages */
  name: string
  flags: readonly FlagSpec[]
  positionals: readonly PositionalSpec[]
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

type Options = NonNullable<ParseArgsConfig['options']>
type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number]

/** Every command takes -h/--help; it is not a flag of the spec, so it never reaches a command's flags. */
const HELP = 'help'

function optionsOf(flags: readonly FlagSpec[]): Options {
  const options: Options = { [HELP]: { type: 'boolean', short: 'h' } }
  for (const f of flags) {
    options[f.name] = f.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: f.kind === 'list' }
  }
  return options
}

export function parseCommandLine(argv: readonly string[], spec: ArgsSpec): ParsedArgs {
  const options = optionsOf(spec.flags)
  let parsed: { values: Record<string, unknown>; positionals: string[]; tokens: Token[] }
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true, tokens: true })
  } catch (err) {
    throw usageError(err, argv, options, spec)
  }
  // parseArgs keeps the last of a repeated single-value flag; two values for one setting are a mistake
  const seen = new Set<string>()
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.name === HELP || options[token.name]?.multiple === true || options[token.name]?.type !== 'string') continue
    if (seen.has(token.name)) throw new UsageError(`--${token.name} given more than once`, spec.name)
    seen.add(token.name)
  }
  const { [HELP]: help, ...flags } = parsed.values
  const positionals = parsed.positionals
  if (help !== true) {
    const required = spec.positionals.filter(p => p.optional !== true).length
    if (positionals.length < required) {
      const missing = spec.positionals.slice(positionals.length, required).map(p => p.name)
      throw new UsageError(`missing ${missing.join(' and ')}`, spec.name)
    }
    if (positionals.length > spec.positionals.length) throw new UsageError(`unexpected argument "${positionals[spec.positionals.length]}"`, spec.name)
  }
  return { flags: flags as FlagValues, positionals, help: help === true }
}

/**
 * parseArgs says what is wrong in English of its own; we name the flag and
 * what it takes. A second, lenient pass over the same argv yields the tokens,
 * and the first one strict mode refuses is the culprit.
 */
function usageError(err: unknown, argv: readonly string[], options: Options, spec: ArgsSpec): unknown {
  const code = (err as { code?: string }).code
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return err
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true })
  for (const token of tokens) {
    const problem = tokenProblem(token, options, spec)
    if (problem !== undefined) return new UsageError(problem, spec.name)
  }
  return new UsageError((err as Error).message, spec.name)
}

function tokenProblem(token: Token, options: Options, spec: ArgsSpec): string | undefined {
  if (token.kind !== 'option') return undefined
  const option = options[token.name]
  if (option === undefined) {
    const spelling = token.rawName.startsWith('--') ? '' : ' (flags are spelled --name)'
    return `unknown flag ${token.rawName} for meshkeep ${spec.name}${spelling}`
  }
  const flag = spec.flags.find(f => f.name === token.name)
  if (option.type === 'boolean') return token.value === undefined ? undefined : `--${token.name} takes no value, got "${token.value}"`
  const wants = flag?.value === undefined ? '' : ` (${flag.value})`
  if (token.value === undefined) return `--${token.name} needs a value${wants}`
  // strict mode refuses `--socket --json`: the "value" is the next flag, the value was forgotten
  if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-'))
    return `--${token.name} needs a value${wants}, got the flag "${token.value}" (write --${token.name}=${token.value} if that is the value)`
  return undefined
}

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name]
  return typeof v === 'string' ? v : undefined
}

export function boolFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true
}
