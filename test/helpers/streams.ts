/** Test helpers for byte streams. */

export async function collect<T>(source: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of source) out.push(x)
  return out
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Splits `data` at the given cut points, as a stream of arbitrary framing. */
export function* framed(data: Uint8Array, cuts: number[]): Generator<Uint8Array> {
  let last = 0
  for (const c of [...new Set(cuts.map(c => Math.min(Math.max(c, 0), data.length)))].sort((a, b) => a - b)) {
    yield data.subarray(last, c)
    last = c
  }
  yield data.subarray(last)
}

/** A deterministic pseudo-random stream of `total` bytes, in `step`-byte buffers. */
export function* patternStream(total: number, step = 1 << 20, seed = 1): Generator<Uint8Array> {
  let x = seed >>> 0 || 1
  for (let off = 0; off < total; off += step) {
    const n = Math.min(step, total - off)
    const buf = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      buf[i] = x & 0xff
      if (i + 1 < n) buf[i + 1] = (x >>> 8) & 0xff
      if (i + 2 < n) buf[i + 2] = (x >>> 16) & 0xff
      if (i + 3 < n) buf[i + 3] = (x >>> 24) & 0xff
    }
    yield buf
  }
}
