/** Exit codes, error lines and number formatting shared by the commands. */
import { ERROR_CODES, type ErrorCode, MeshkeepError } from '../../core/index.js'
import { codeOf, DaemonUnreachableError } from '../control/index.js'
import { UsageError } from './argv.js'

export const EXIT = {
  OK: 0,
  /** the daemon (or a local step) refused or failed: `error <CODE>: <message>` on stderr */
  ERROR: 1,
  /** bad command line */
  USAGE: 2,
  /** no daemon answers on the socket */
  UNREACHABLE: 3,
  /** `meshkeep daemon` with a configuration or file permissions a restart cannot fix (sysexits EX_CONFIG; the systemd unit does not restart on it) */
  CONFIG: 78
} as const

const VAGUE_CODES: ReadonlySet<ErrorCode> = new Set(['UNAVAILABLE', 'INTERNAL'])

/** What a command writes to and reads from; the process streams in real use. */
export interface CliIo {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  stdin: NodeJS.ReadStream
  env: NodeJS.ProcessEnv
}

export function print(io: CliIo, text = ''): void {
  io.stdout.write(`${text}\n`)
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/**
 * Writes the error line(s) for `err` and returns the exit code:
 * `error <CODE>: <message>` plus the code's meaning, and for an unreachable
 * daemon which socket was tried and how to start one.
 */
export function reportError(io: CliIo, err: unknown, command?: string): number {
  if (err instanceof UsageError) {
    io.stderr.write(`meshkeep: ${err.message}\n`)
    const name = err.command ?? command
    io.stderr.write(`Run 'meshkeep${name === undefined ? '' : ` ${name}`} --help' for usage.\n`)
    return EXIT.USAGE
  }
  if (err instanceof DaemonUnreachableError) {
    io.stderr.write(`error ${err.code}: ${err.message}\n`)
    io.stderr.write(`Start a daemon with 'meshkeep daemon --data-dir DIR', or point --socket (or MESHKEEP_SOCKET) at a running daemon's socket.\n`)
    return EXIT.UNREACHABLE
  }
  const code: ErrorCode = codeOf(err)
  const message = err instanceof Error ? err.message : String(err)
  io.stderr.write(`error ${code}: ${message}\n`)
  // the code's one-line meaning, where it is true in every use (UNAVAILABLE's is about holders only)
  if (err instanceof MeshkeepError && !VAGUE_CODES.has(code)) io.stderr.write(`  (${code}: ${ERROR_CODES[code]})\n`)
  return EXIT.ERROR
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const

/** 1536 → "1.5 KiB" */
export function humanBytes(n: number): string {
  let v = n
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${UNITS[u]}`
}

/** 1234 → "1.2 s", 95000 → "1 min 35 s" */
export function humanMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${s % 60} s`
}

/** Aligned two-column rows. */
export function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')
}
