/** Help texts, built from the command table so they cannot drift from what the parser accepts. */
import type { Command } from './commands/index.js'

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

function wrap(text: string, width = 78): string {
  return text
    .split('\n')
    .map(line => {
      if (line.startsWith(' ') || line.length <= width) return line
      const out: string[] = []
      let current = ''
      for (const word of line.split(' ')) {
        if (current !== '' && current.length + 1 + word.length > width) {
          out.push(current)
          current = word
        } else current = current === '' ? word : `${current} ${word}`
      }
      if (current !== '') out.push(current)
      return out.join('\n')
    })
    .join('\n')
}

export function commandHelp(c: Command): string {
  const parts = [`Usage: meshkeep ${c.usage}`, '', wrap(`${c.summary.charAt(0).toUpperCase()}${c.summary.slice(1)}.`)]
  if (c.description !== undefined) parts.push('', wrap(c.description))
  if (c.positionals.length > 0) {
    const width = Math.max(...c.positionals.map(p => p.name.length))
    parts.push('', 'Arguments:', ...c.positionals.map(p => `  ${p.name.padEnd(width)}  ${p.help}`))
  }
  const flags = c.flags.map(f => [`--${f.name}${f.value === undefined ? '' : ` ${f.value}`}`, f.help] as const)
  flags.push(['--help', 'show this help'])
  const width = Math.max(...flags.map(([f]) => f.length))
  parts.push('', 'Options:', ...flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`))
  return `${parts.join('\n')}\n`
}
