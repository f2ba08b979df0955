import { type Logger, pino } from 'pino'
import type { LogLevel } from '../../config/index.js'

export type { Logger }

/**
 * The daemon's logger: pino JSON lines on stdout (journald and docker pick
 * them up there), ISO timestamps, synchronous writes so the last lines
 * before an exit are not lost.
 */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream | number = 1): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: label => ({ level: label }) }
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination
  )
}
