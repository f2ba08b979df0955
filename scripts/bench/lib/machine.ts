/** What the bench ran on, for the table's header and the JSON. */
import { cpus, freemem, loadavg, release, totalmem } from 'node:os'

export interface Machine {
  cpu: string
  logicalCpus: number
  memoryGiB: number
  freeMemoryGiB: number
  kernel: string
  node: string
  /** 1-minute load average when the bench started: other work sharing the cores */
  loadAtStart: number
  date: string
  summary: string
}

export function describeMachine(): Machine {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  const logicalCpus = cpus().length
  const memoryGiB = totalmem() / 2 ** 30
  const m = {
    cpu,
    logicalCpus,
    memoryGiB,
    freeMemoryGiB: freemem() / 2 ** 30,
    kernel: `Linux ${release()}`,
    node: process.version,
    loadAtStart: loadavg()[0] ?? 0,
    date: new Date().toISOString()
  }
  return {
    ...m,
    summary: `${cpu}, ${logicalCpus} logical CPUs, ${memoryGiB.toFixed(0)} GiB RAM, ${m.kernel}, Node ${m.node}; load average ${m.loadAtStart.toFixed(2)} at start; ${m.date}`
  }
}
