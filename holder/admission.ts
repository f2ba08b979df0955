import { RateLimiter } from '@libp2p/utils'
import { MeshkeepError } from '../core/index.js'

export interface AdmissionInit {
  /** requests per second one peer may make */
  peerRequestsPerSecond: number
  /** request bytes per second one peer may send */
  peerBytesPerSecond: number
  /** requests per second all peers together may make: made-up peer ids cannot add up to more */
  totalRequestsPerSecond: number
  /** request bytes per second all peers together may send */
  totalBytesPerSecond: number
  /** owners this holder serves: `any`, or a list of peer ids (others are refused with `NOT_ALLOWED`) */
  acceptOwners?: 'any' | readonly string[]
}

/**
 * Who may use this holder, and how much. Checked for every request before
 * any work is done:
 *
 * 1. the owner must be accepted (`acceptOwners`);
 * 2. the whole holder's budget (requests and bytes per second across every
 *    peer) must have room, so a flood of made-up peer ids is bounded;
 * 3. the peer's own budget must have room, so one peer cannot starve the
 *    others.
 *
 * Budgets are fixed one-second windows (`@libp2p/utils` `RateLimiter`); a
 * peer's entry expires with its window, and entries are only made for
 * requests the total budget admitted, so the limiter's memory is bounded by
 * the total request rate whatever ids peers make up.
 */
export class Admission {
  private readonly total: { requests: RateLimiter; bytes: RateLimiter }
  private readonly perPeer: { requests: RateLimiter; bytes: RateLimiter }
  private readonly accepted?: ReadonlySet<string>

  constructor(init: AdmissionInit) {
    this.total = {
      requests: new RateLimiter({ points: init.totalRequestsPerSecond, duration: 1, keyPrefix: '' }),
      bytes: new RateLimiter({ points: init.totalBytesPerSecond, duration: 1, keyPrefix: '' })
    }
    this.perPeer = {
      requests: new RateLimiter({ points: init.peerRequestsPerSecond, duration: 1, keyPrefix: '' }),
      bytes: new RateLimiter({ points: init.peerBytesPerSecond, duration: 1, keyPrefix: '' })
    }
    if (init.acceptOwners !== undefined && init.acceptOwners !== 'any') this.accepted = new Set(init.acceptOwners)
  }

  /** Whether this holder serves `owner` at all. */
  accepts(owner: string): boolean {
    return this.accepted === undefined || this.accepted.has(owner)
  }

  /** Admits one request of `bytes` from `peer`, or throws (`NOT_ALLOWED`, `RATE_LIMITED`). */
  admit(peer: string, bytes = 0): void {
    if (!this.accepts(peer)) throw new MeshkeepError('NOT_ALLOWED', 'this holder does not serve your peer id (holder.acceptOwners)')
    take(this.total.requests, 'all', 1, 'this holder is at its request limit; retry later')
    if (bytes > 0) take(this.total.bytes, 'all', bytes, 'this holder is at its bandwidth limit; retry later')
    take(this.perPeer.requests, peer, 1, 'too many requests from this peer; slow down and retry')
    if (bytes > 0) take(this.perPeer.bytes, peer, bytes, 'too many bytes from this peer; slow down and retry')
  }

  /** Peers with a live budget entry (bounded; for tests and metrics). */
  get trackedPeers(): number {
    return this.perPeer.requests.memoryStorage.storage.size
  }
}

function take(limiter: RateLimiter, key: string, points: number, message: string): void {
  try {
    limiter.consume(key, points)
  } catch (err) {
    if (err instanceof Error && err.name === 'RateLimitError') throw new MeshkeepError('RATE_LIMITED', message)
    throw err
  }
}
