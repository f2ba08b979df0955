import pRetry from 'p-retry'
import { MeshkeepError } from '../core/index.js'

export interface RetryOptions {
  /** attempts in all, the first included */
  attempts: number
  /** delay before the first retry; it doubles per retry, randomized ×1–2 */
  baseDelayMs: number
  maxDelayMs: number
  signal?: AbortSignal
  /** called before each retry */
  onRetry?: (err: unknown, attempt: number) => void
}

/** Transport trouble is worth retrying; a holder's considered refusal is not. */
export function isRetryable(err: unknown): boolean {
  return err instanceof MeshkeepError ? ['UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED', 'BUSY'].includes(err.code) : true
}

/**
 * Our retry policy for network exchanges, on `p-retry`: exponential backoff
 * with jitter, retryable errors only ({@link isRetryable}), and an abort
 * signal that ends the wait at once.
 */
export function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  return pRetry(() => fn(), {
    retries: Math.max(0, opts.attempts - 1),
    minTimeout: opts.baseDelayMs,
    maxTimeout: opts.maxDelayMs,
    factor: 2,
    randomize: true,
    signal: opts.signal,
    shouldRetry: ({ error, attemptNumber }) => {
      if (!isRetryable(error)) return false
      opts.onRetry?.(error, attemptNumber)
      return true
    }
  })
}
