import { Queue } from '@libp2p/utils'

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight (a
 * `@libp2p/utils` `Queue`), waits for every call, and rejects with the first
 * failure once all have settled, so nothing keeps running after the caller
 * has moved on.
 */
export async function eachLimited<T>(items: Iterable<T>, concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = new Queue<void>({ concurrency: Math.max(1, concurrency) })
  const settled = await Promise.allSettled([...items].map(item => queue.add(() => fn(item))))
  for (const s of settled) if (s.status === 'rejected') throw s.reason
}
