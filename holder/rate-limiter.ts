import { MeshkeepError } from '../core/index.js'

/**
 * Token buckets per peer: one for requests, one for bytes. A peer that
 * exceeds either is refused with RATE_LIMITED until its bucket refills, so
 * one peer cannot starve the others. The map of peers is bounded.
 */
export interface RateLimiterInit {
  requestsPerSecond: number
  bytesPerSecond: number
  /** bucket size as a multiple of the per-second rate @default 2 */
  burst?: number
  maxPeers?: number
  now?: () => number
}

interface Bucket {
  requests: number
  bytes: number
  at: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly burst: number
  private readonly maxPeers: number
  private readonly now: () => number

  constructor(private readonly init: RateLimiterInit) {
    this.burst = init.burst ?? 2
    this.maxPeers = init.maxPeers ?? 10_000
    this.now = init.now ?? Date.now
  }

  /** Takes one request and `bytes` from the peer's buckets, or throws RATE_LIMITED. */
  take(peer: string, bytes = 0): void {
    const now = this.now()
    let b = this.buckets.get(peer)
    if (b === undefined) {
      if (this.buckets.size >= this.maxPeers) this.buckets.delete(this.buckets.keys().next().value as string)
      b = { requests: this.init.requestsPerSecond * this.burst, bytes: this.init.bytesPerSecond * this.burst, at: now }
      this.buckets.set(peer, b)
    }
    const elapsed = Math.max(0, now - b.at) / 1000
    b.requests = Math.min(this.init.requestsPerSecond * this.burst, b.requests + elapsed * this.init.requestsPerSecond)
    b.bytes = Math.min(this.init.bytesPerSecond * this.burst, b.bytes + elapsed * this.init.bytesPerSecond)
    b.at = now
    if (b.requests < 1 || b.bytes < bytes) {
      throw new MeshkeepError('RATE_LIMITED', 'too many requests from this peer; slow down and retry')
    }
    b.requests -= 1
    b.bytes -= bytes
  }
}
