/**
 * What the kernel knows about a process: resident memory (VmRSS, and the
 * high-water mark VmHWM) and CPU time. Linux only (/proc); elsewhere the
 * readers return undefined and the table says n/a.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const KiB = 1024

/** Clock ticks per second for /proc/<pid>/stat (getconf CLK_TCK; 100 on every common Linux). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

export interface Memory {
  rssBytes: number
  hwmBytes: number
  /** anonymous resident memory: the process's own heap and buffers */
  anonBytes: number
  /** file-backed resident pages (mapped files, e.g. LevelDB's mmapped tables): page cache the kernel can drop */
  fileBytes: number
}

export function readMemory(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * KiB
    return { rssBytes: field('VmRSS'), hwmBytes: field('VmHWM'), anonBytes: field('RssAnon'), fileBytes: field('RssFile') }
  } catch {
    return undefined
  }
}

/** User + system CPU time of the process, ms (threads included). */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may contain spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) / TICKS) * 1000
  } catch {
    return undefined
  }
}

/**
 * Polls VmRSS of a set of processes every `intervalMs` during one phase and
 * keeps each one's maximum: the phase's peak, which VmHWM (a high-water mark
 * since the process started) cannot give for a later phase.
 */
export class RssSampler {
  private readonly peaks = new Map<number, number>()
  private readonly anonPeaks = new Map<number, number>()
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly pids: number[],
    intervalMs = 50
  ) {
    this.sample()
    this.timer = setInterval(() => this.sample(), intervalMs)
  }

  private sample(): void {
    for (const pid of this.pids) {
      const m = readMemory(pid)
      if (m === undefined) continue
      if (m.rssBytes > (this.peaks.get(pid) ?? 0)) this.peaks.set(pid, m.rssBytes)
      if (m.anonBytes > (this.anonPeaks.get(pid) ?? 0)) this.anonPeaks.set(pid, m.anonBytes)
    }
  }

  /** Peak VmRSS per pid over the phase, bytes. */
  stop(): Map<number, number> {
    clearInterval(this.timer)
    this.sample()
    return new Map(this.peaks)
  }

  /** Peak RssAnon per pid over the phase (after `stop()`), bytes. */
  anonymousPeaks(): Map<number, number> {
    return new Map(this.anonPeaks)
  }
}

/** CPU ms each process used between construction and `stop()`. */
export class CpuMeter {
  private readonly start: Map<number, number>

  constructor(private readonly pids: number[]) {
    this.start = new Map(pids.map(p => [p, readCpuMs(p) ?? Number.NaN]))
  }

  stop(): Map<number, number> {
    return new Map(this.pids.map(p => [p, (readCpuMs(p) ?? Number.NaN) - (this.start.get(p) ?? Number.NaN)]))
  }
}
