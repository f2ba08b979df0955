/**
 * Waits until a set of processes is idle (their CPU over a window below a
 * threshold), so background work one step leaves behind (releases, repair,
 * registry refresh) does not run into the next measurement.
 */
import { readCpuMs } from './proc.js'
import { sleep } from './stats.js'

export async function waitForQuiet(pids: number[], options: { windowMs?: number; maxShare?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const windowMs = options.windowMs ?? 1000
  const maxShare = options.maxShare ?? 0.1
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  const total = () => pids.reduce((n, p) => n + (readCpuMs(p) ?? 0), 0)
  while (Date.now() < deadline) {
    const before = total()
    await sleep(windowMs)
    if (total() - before <= windowMs * maxShare) return true
  }
  return false
}
