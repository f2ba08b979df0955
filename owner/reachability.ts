/**
 * Which holders stopped answering, and since when. A holder is marked down
 * when an exchange with it fails at the transport level (no connection,
 * deadline), and up again on any answer. Repair waits `repairAfterMs` before
 * treating a down holder as gone, so a restart or a short outage does not
 * move its chunks.
 */
export class Reachability {
  private readonly down = new Map<string, number>()

  /** Returns true when the holder was up until now. The first failure's time is kept. */
  markDown(holder: string, now = Date.now()): boolean {
    if (this.down.has(holder)) return false
    this.down.set(holder, now)
    return true
  }

  /** Returns true when the holder was down until now. */
  markUp(holder: string): boolean {
    return this.down.delete(holder)
  }

  isDown(holder: string): boolean {
    return this.down.has(holder)
  }

  downSince(holder: string): number | undefined {
    return this.down.get(holder)
  }

  /** Holders down for at least `afterMs` at `now`. */
  overdue(now: number, afterMs: number): string[] {
    return [...this.down].filter(([, since]) => now - since >= afterMs).map(([h]) => h)
  }

  /** Every holder currently down. */
  downHolders(): string[] {
    return [...this.down.keys()]
  }
}
