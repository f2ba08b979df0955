/**
 * A byte-rate cap for one direction of a node's mesh traffic: a token bucket
 * of `bytesPerSecond`, holding at most `burstBytes`. `take(n)` resolves once
 * n bytes may pass; callers queue in arrival order (each waits out the debt
 * of those before it), and an aborted wait gives its bytes back.
 *
 * Written here rather than taken from a rate-limiting package because a
 * wait must end when its request is cancelled (`AbortSignal`), which the
 * token-bucket packages on npm do not offer.
 */
export class Throttle {
  readonly bytesPerSecond: number
  private readonly burstBytes: number
  private readonly now: () => number
  /** bytes that may pass now; negative while callers wait (their debt) */
  private tokens: number
  private at: number

  constructor(init: { bytesPerSecond: number; burstBytes?: number; now?: () => number }) {
    if (!(init.bytesPerSecond > 0)) throw new RangeError('bytesPerSecond must be positive')
    this.bytesPerSecond = init.bytesPerSecond
    // a quarter second of traffic, and never less than one largest message (so one can always pass)
    this.burstBytes = init.burstBytes ?? Math.max(Math.ceil(init.bytesPerSecond / 4), 1 << 20)
    this.now = init.now ?? Date.now
    this.tokens = this.burstBytes
    this.at = this.now()
  }

  /** Waits until `bytes` may pass (or rejects with the signal's reason). */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    const now = this.now()
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.at) * this.bytesPerSecond) / 1000)
    this.at = now
    this.tokens -= bytes
    if (this.tokens >= 0) return
    const waitMs = (-this.tokens * 1000) / this.bytesPerSecond
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer)
        this.tokens += bytes
        reject(signal?.reason)
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, waitMs)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

/** The caps on a node's mesh traffic, by direction (absent: uncapped). */
export interface BandwidthLimits {
  /** bytes this node sends: requests as an owner, responses as a holder */
  upload?: Throttle
  /** bytes this node receives */
  download?: Throttle
}
