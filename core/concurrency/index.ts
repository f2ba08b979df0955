/**
 * Bounded concurrency for network fan-out: a shard scan, record fetches,
 * chunk placement. Both helpers keep at most `concurrency` calls in flight.
 */

/** Runs `fn` over `items` with at most `concurrency` calls in flight; rejects with the first failure. */
export async function forEachLimit<T>(items: Iterable<T>, concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]()
  const worker = async (): Promise<void> => {
    for (let next = it.next(); next.done !== true; next = it.next()) await fn(next.value)
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
}

/** A limiter for work that is discovered as it runs: `limit(fn)` waits for a free slot, then runs `fn`. */
export type Limiter = <R>(fn: () => Promise<R>) => Promise<R>

/** Creates a semaphore admitting at most `concurrency` calls at once, in arrival order. */
export function createLimiter(concurrency: number): Limiter {
  let active = 0
  const queue: Array<() => void> = []
  return async fn => {
    if (active >= concurrency) await new Promise<void>(resolve => queue.push(resolve))
    active++
    try {
      return await fn()
    } finally {
      active--
      queue.shift()?.()
    }
  }
}
