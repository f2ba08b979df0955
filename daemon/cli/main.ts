/**
 * The `meshkeep` command line. Commands arrive with the daemon (issue: the
 * daemon as users run it); until then only help and version answer.
 */
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }

const HELP = `meshkeep ${pkg.version} — peer-to-peer encrypted state replication

Usage: meshkeep <command> [options]

Commands:
  version     print the version

The daemon, init, put, get, recover and status commands are being built;
see README.md for the plan.
`

const [command] = process.argv.slice(2)
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(HELP)
} else if (command === 'version' || command === '--version') {
  process.stdout.write(`${pkg.version}\n`)
} else {
  process.stderr.write(`meshkeep: unknown command "${command}"\n\n${HELP}`)
  process.exitCode = 64
}
