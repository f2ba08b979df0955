/**
 * How fast each holder has been serving this node: an exponentially weighted
 * moving average of bytes per millisecond over completed exchanges, and the
 * bytes now outstanding at each. Recovery and reads pick, among the holders
 * likely to have a chunk, the one expected to finish soonest, so one slow
 * holder does not set the pace of a whole transfer.
 */
export class HolderSpeeds {
  private readonly rate = new Map<string, number>()
  private readonly outstanding = new Map<string, number>()

  /** @param alpha weight of the newest sample */
  constructor(private readonly alpha = 0.3) {}

  /** An exchange with `holder` moved `bytes` in `ms`. */
  sample(holder: string, bytes: number, ms: number): void {
    const r = bytes / Math.max(1, ms)
    const prev = this.rate.get(holder)
    this.rate.set(holder, prev === undefined ? r : prev + this.alpha * (r - prev))
  }

  /** The holder failed to answer: treat it as very slow until it proves otherwise. */
  penalize(holder: string): void {
    this.rate.set(holder, Math.min(this.rate.get(holder) ?? Number.POSITIVE_INFINITY, 1e-3))
  }

  begin(holder: string, bytes: number): void {
    this.outstanding.set(holder, (this.outstanding.get(holder) ?? 0) + bytes)
  }

  end(holder: string, bytes: number): void {
    const left = (this.outstanding.get(holder) ?? 0) - bytes
    if (left > 0) this.outstanding.set(holder, left)
    else this.outstanding.delete(holder)
  }

  /**
   * Expected time for `holder` to deliver `bytes` more, ms. A holder never
   * measured counts as fast as the fastest known one, so every holder gets
   * tried and measured.
   */
  expectedMs(holder: string, bytes: number): number {
    const rate = this.rate.get(holder) ?? this.fastest()
    return ((this.outstanding.get(holder) ?? 0) + bytes) / rate
  }

  /** Holders ordered by expected finish for `bytes` more (stable: ties keep the given order). */
  fastestFirst<T>(holders: readonly T[], id: (h: T) => string, bytes: number): T[] {
    return holders
      .map((h, i) => ({ h, i, t: this.expectedMs(id(h), bytes) }))
      .sort((a, b) => a.t - b.t || a.i - b.i)
      .map(x => x.h)
  }

  private fastest(): number {
    let best = 0
    for (const r of this.rate.values()) if (r > best) best = r
    return best > 0 ? best : 1
  }
}
