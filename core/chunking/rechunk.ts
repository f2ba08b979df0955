/**
 * Re-frames a byte stream into pieces of exactly `size` bytes (the last may
 * be shorter; an empty stream yields nothing). Input that already lines up is
 * passed through as subarrays without copying; only pieces that straddle
 * input buffers are assembled in a fresh buffer. Memory held: one piece.
 */
export async function* rechunk(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`piece size must be a positive integer, got ${size}`)
  let pending: Uint8Array | undefined
  let filled = 0
  for await (const input of source) {
    let offset = 0
    while (offset < input.length) {
      if (pending === undefined && input.length - offset >= size) {
        yield input.subarray(offset, offset + size)
        offset += size
        continue
      }
      pending ??= new Uint8Array(size)
      const take = Math.min(size - filled, input.length - offset)
      pending.set(input.subarray(offset, offset + take), filled)
      filled += take
      offset += take
      if (filled === size) {
        yield pending
        pending = undefined
        filled = 0
      }
    }
  }
  if (pending !== undefined && filled > 0) yield pending.subarray(0, filled)
}
