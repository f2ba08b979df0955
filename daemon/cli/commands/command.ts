/** What every command module exports, and the flags most of them share. Its name, flags and positionals drive both parsing and --help. */
import { MeshkeepError } from '../../../core/index.js'
import type { FlagSpec, ParsedArgs, PositionalSpec } from '../argv.js'
import type { CliIo } from '../output.js'

export interface Command {
  name: string
  /** one line for `meshkeep --help` */
  summary: string
  /** paragraphs after the usage line */
  description?: string
  flags: FlagSpec[]
  positionals: PositionalSpec[]
  /** resolves with the exit code; throws for errors the caller reports */
  run: (args: ParsedArgs, io: CliIo) => Promise<number>
}

/** How a client command finds the daemon. */
export const CONNECT_FLAGS: FlagSpec[] = [
  { name: 'socket', kind: 'string', value: 'PATH', help: 'control socket of the daemon (else $MESHKEEP_SOCKET, else DIR/control.sock)' },
  { name: 'data-dir', kind: 'string', value: 'DIR', help: "the daemon's data dir, to find its control.sock (else $MESHKEEP_DATA_DIR, else the default)" }
]

export const JSON_FLAG: FlagSpec = { name: 'json', kind: 'boolean', help: 'print the result as JSON' }

/** An AbortSignal that fires on the first Ctrl-C; a second Ctrl-C exits at once. */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onInt = () => {
    if (controller.signal.aborted) process.exit(130)
    controller.abort(new MeshkeepError('ABORTED', 'interrupted (Ctrl-C)'))
  }
  process.on('SIGINT', onInt)
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInt) }
}
