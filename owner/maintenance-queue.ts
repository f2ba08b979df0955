import { MeshkeepError } from '../core/index.js'

/** What background maintenance still has to do. */
export interface Wanted {
  repair: boolean
  rebalance: boolean
  release: boolean
}

/**
 * Runs the owner's background maintenance one pass at a time. Requests
 * (`want`) are merged into flags; a single loop drains them, so a burst of
 * triggers (audit failures, registry changes, puts) costs one pass. A pass
 * aborted by a put (`ABORTED`) puts its work back and runs again after it.
 */
export class MaintenanceQueue {
  private readonly wanted: Wanted = { repair: false, rebalance: false, release: false }
  private timer?: NodeJS.Timeout
  private running?: Promise<void>

  constructor(
    private readonly pass: (w: Wanted) => Promise<void>,
    private readonly stopped: () => boolean,
    private readonly log?: (msg: string, fields?: Record<string, unknown>) => void
  ) {}

  /** Queues work; a loop starts after `delayMs` unless one is queued or running (it picks this up). */
  want(what: Partial<Wanted>, delayMs = 50): void {
    if (this.stopped()) return
    this.wanted.repair ||= what.repair === true
    this.wanted.rebalance ||= what.rebalance === true
    this.wanted.release ||= what.release === true
    if (this.timer !== undefined || this.running !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.running = this.drain().finally(() => {
        this.running = undefined
        if (this.pending()) this.want({}, 500)
      })
    }, delayMs)
    this.timer.unref()
  }

  /** Cancels a loop not yet started and waits for a running one (its work is aborted by the owner's stop signal). */
  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running?.catch(() => {})
  }

  private pending(): boolean {
    return this.wanted.repair || this.wanted.rebalance || this.wanted.release
  }

  private async drain(): Promise<void> {
    while (!this.stopped() && this.pending()) {
      const w = { ...this.wanted }
      this.wanted.repair = this.wanted.rebalance = this.wanted.release = false
      try {
        await this.pass(w)
      } catch (err) {
        if (this.stopped()) return
        if (err instanceof MeshkeepError && err.code === 'ABORTED') {
          // a put took the lock: do it again afterwards
          this.wanted.repair ||= w.repair
          this.wanted.rebalance ||= w.rebalance
          this.wanted.release ||= w.release
          return
        }
        this.log?.('maintenance failed', { err: String(err) })
      }
    }
  }
}
