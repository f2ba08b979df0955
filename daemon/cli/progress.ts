/**
 * A one-line progress display on stderr for put, get and recover: bytes,
 * rate, and a bar when the total is known. Only on a TTY: piped or
 * redirected output stays quiet so scripts and logs see no control codes.
 */
import { humanBytes } from './output.js'

export interface Progress {
  update: (bytes: number) => void
  /** clears the line */
  done: () => void
}

const QUIET: Progress = { update: () => {}, done: () => {} }
const BAR_WIDTH = 24

/** The text of one progress line (exported for tests). */
export function formatProgress(label: string, bytes: number, elapsedMs: number, total?: number): string {
  const rate = elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0
  const parts = [label.padEnd(8)]
  if (total !== undefined && total > 0) {
    const ratio = Math.min(1, bytes / total)
    const filled = Math.round(ratio * BAR_WIDTH)
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`)
    parts.push(`${humanBytes(bytes)} / ${humanBytes(total)}`)
  } else {
    parts.push(humanBytes(bytes))
  }
  parts.push(`${humanBytes(Math.round(rate))}/s`)
  return parts.join('  ')
}

export function createProgress(stream: NodeJS.WriteStream, label: string, total?: number): Progress {
  if (stream.isTTY !== true) return QUIET
  const started = Date.now()
  let last = 0
  let shown = false
  return {
    update: bytes => {
      const now = Date.now()
      if (now - last < 100 && (total === undefined || bytes < total)) return // 10 redraws a second are plenty
      last = now
      shown = true
      stream.write(`\r\x1b[2K${formatProgress(label, bytes, now - started, total)}`)
    },
    done: () => {
      if (shown) stream.write('\r\x1b[2K')
      shown = false
    }
  }
}
