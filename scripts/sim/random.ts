/**
 * Seeded randomness for the simulation: AES-256-CTR keystreams from
 * node:crypto, keyed by SHA-256 of the seed and a label. Each purpose
 * (holders, chunks, churn …) draws from its own labelled stream, so changing
 * one parameter does not shift the draws of another, and a run repeats
 * exactly from its seed.
 */
import { createCipheriv, createHash } from 'node:crypto'

const BLOCK = 64 * 1024

export class SeededRandom {
  private readonly cipher
  private readonly zeros = new Uint8Array(BLOCK)
  private pool = new Uint8Array(0)
  private at = 0

  constructor(seed: string | number, label: string) {
    const key = createHash('sha256').update(`meshkeep/sim/v1/${seed}/${label}`).digest()
    this.cipher = createCipheriv('aes-256-ctr', key, new Uint8Array(16))
  }

  /** `n` fresh bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      if (this.at === this.pool.length) {
        this.pool = this.cipher.update(this.zeros)
        this.at = 0
      }
      const take = Math.min(n - filled, this.pool.length - this.at)
      out.set(this.pool.subarray(this.at, this.at + take), filled)
      this.at += take
      filled += take
    }
    return out
  }

  uint32(): number {
    const b = this.bytes(4)
    return (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0
  }

  /** A uniform integer in [0, max), without modulo bias. */
  int(max: number): number {
    if (!Number.isInteger(max) || max < 1 || max > 2 ** 32) throw new RangeError(`int(max): max must be an integer in 1..2^32, got ${max}`)
    const limit = 2 ** 32 - (2 ** 32 % max)
    for (;;) {
      const x = this.uint32()
      if (x < limit) return x % max
    }
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.uint32() / 2 ** 32
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = items[i] as T
      items[i] = items[j] as T
      items[j] = t
    }
    return items
  }

  /** `k` distinct items of `items`, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k > items.length) throw new RangeError(`cannot sample ${k} of ${items.length}`)
    return this.shuffle([...items]).slice(0, k)
  }
}
