#!/usr/bin/env node
/**
 * The `meshkeep` command line: `meshkeep <command> [options]`. One module
 * per command under commands/; this file only dispatches and turns errors
 * into exit codes (0 ok, 1 error, 2 usage, 3 daemon unreachable, 78 bad
 * daemon configuration).
 */
import { parseCommandLine, UsageError } from './argv.js'
import { COMMANDS } from './commands/index.js'
import { commandHelp, mainHelp } from './help.js'
import { type CliIo, EXIT, reportError } from './output.js'
import { SOFTWARE_VERSION } from './version.js'

/** Errors after which a restart of the daemon cannot help: exit 78 so systemd does not loop. */
const CONFIG_CODES = new Set(['INVALID_CONFIG', 'INSECURE_PERMISSIONS'])

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(mainHelp(SOFTWARE_VERSION, COMMANDS))
    return EXIT.OK
  }
  if (name === 'version' || name === '--version') {
    if (rest.length > 0 && !(rest.length === 1 && rest[0] === '--help')) return reportError(io, new UsageError('version takes no arguments', 'version'))
    io.stdout.write(`${SOFTWARE_VERSION}\n`)
    return EXIT.OK
  }
  if (name === 'help') {
    const topic = rest[0]
    const command = COMMANDS.find(c => c.name === topic)
    if (topic !== undefined && command === undefined) return reportError(io, new UsageError(`no command "${topic}"`))
    io.stdout.write(command === undefined ? mainHelp(SOFTWARE_VERSION, COMMANDS) : commandHelp(command))
    return EXIT.OK
  }
  const command = COMMANDS.find(c => c.name === name)
  if (command === undefined) {
    io.stderr.write(`meshkeep: unknown command "${name}"\n\n${mainHelp(SOFTWARE_VERSION, COMMANDS)}`)
    return EXIT.USAGE
  }
  try {
    const args = parseCommandLine(rest, command)
    if (args.help) {
      io.stdout.write(commandHelp(command))
      return EXIT.OK
    }
    return await command.run(args, io)
  } catch (err) {
    const code = reportError(io, err, command.name)
    if (command.name === 'daemon' && code === EXIT.ERROR && err instanceof Error && CONFIG_CODES.has((err as { code?: string }).code ?? '')) return EXIT.CONFIG
    return code
  }
}

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }
const argv = process.argv.slice(2)
main(argv, io).then(
  code => {
    // Exit now rather than when the event loop empties: the daemon leaves libp2p
    // timers behind, and a client may still hold stdin. Writes to pipes, files and
    // terminals are synchronous on Linux, so no output is lost.
    process.exit(code)
  },
  err => {
    process.stderr.write(`meshkeep: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(EXIT.ERROR)
  }
)
