import { MeshkeepError } from '../core/index.js'

export interface RetryOptions {
  attempts: number
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

/** Exponential backoff with full jitter. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if (attempt >= opts.attempts || !isRetryable(err) || opts.signal?.aborted === true) throw err
      opts.onRetry?.(err, attempt)
      const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1))
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, Math.random() * cap)
        opts.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t)
            reject(opts.signal?.reason)
          },
          { once: true }
        )
      })
    }
  }
}
