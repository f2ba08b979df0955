/** Help texts, built from the command table so they cannot drift from what the parser accepts. */
import type { ArgsSpec } from './argv.js'
import type { Command } from './commands/command.js'

export function mainHelp(version: string, commands: readonly Command[]): string {
  const width = Math.max(...commands.map(c => c.name.length), 'version'.length)
  return `meshkeep ${version} — peer-to-peer encrypted state replication

Usage: meshkeep <command> [options]

Commands:
${commands.map(c => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  ${'version'.padEnd(width)}  print the version
  ${'help'.padEnd(width)}  help for a command (also: meshkeep <command> --help)

Client commands find the daemon by --socket PATH, else $MESHKEEP_SOCKET, else
--data-dir DIR (its control.sock), else the default data dir.

Exit codes: 0 ok, 1 error (printed as "error <CODE>: <message>"), 2 usage
error, 3 cannot reach the daemon; meshkeep daemon also 78 for an invalid
configuration.
`
}

const WIDTH = 78

/**
 * `items` joined by spaces in lines of at most `width` columns: the first
 * line starts with `first`, the others with `next`. An item is never split.
 */
function fill(items: readonly string[], width: number, first = '', next = first): string {
  const lines: string[] = []
  let line = first
  let empty = true
  for (const item of items) {
    if (!empty && line.length + 1 + item.length > width) {
      lines.push(line)
      line = next
      empty = true
    }
    line = empty ? `${line}${item}` : `${line} ${item}`
    empty = false
  }
  lines.push(line)
  return lines.join('\n')
}

const words = (text: string): string[] => text.split(' ').filter(w => w !== '')

/** Paragraphs filled to WIDTH; lines that start with a space are kept as they are. */
function wrap(text: string): string {
  return text
    .split('\n')
    .map(line => (line.startsWith(' ') || line.length <= WIDTH ? line : fill(words(line), WIDTH)))
    .join('\n')
}

/** Two aligned columns; the right one wraps under itself. */
export function columns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => fill(words(right), WIDTH, `  ${left.padEnd(width)}  `, ' '.repeat(2 + width + 2)))
}

/** `get [--socket PATH] [--json] [--version N] OUT|-`, from the spec the parser reads. */
export function usageLine(c: ArgsSpec): string {
  const flags = c.flags.map(f => {
    const flag = `[--${f.name}${f.value === undefined ? '' : ` ${f.value}`}]`
    return f.kind === 'list' ? `${flag}...` : flag
  })
  const positionals = c.positionals.map(p => (p.optional === true ? `[${p.name}]` : p.name))
  const head = `Usage: meshkeep ${c.name} `
  return fill([...flags, ...positionals], WIDTH, head, ' '.repeat(head.length))
}

export function commandHelp(c: Command): string {
  const parts = [usageLine(c), '', wrap(`${c.summary.charAt(0).toUpperCase()}${c.summary.slice(1)}.`)]
  if (c.description !== undefined) parts.push('', wrap(c.description))
  if (c.positionals.length > 0) parts.push('', 'Arguments:', ...columns(c.positionals.map(p => [p.name, p.help] as const)))
  const flags = c.flags.map(f => [`--${f.name}${f.value === undefined ? '' : ` ${f.value}`}`, f.help] as const)
  parts.push('', 'Options:', ...columns([...flags, ['--help', 'show this help']]))
  return `${parts.join('\n')}\n`
}
