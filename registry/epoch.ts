/**
 * True when `next` differs from `prev` by more than `threshold`: the size of
 * their symmetric difference divided by max(1, |prev|). Order and duplicates
 * in the inputs do not matter.
 */
export function epochChanged(prev: Iterable<string>, next: Iterable<string>, threshold: number): boolean {
  const a = new Set(prev)
  const b = new Set(next)
  let diff = 0
  for (const x of a) if (!b.has(x)) diff++
  for (const x of b) if (!a.has(x)) diff++
  return diff / Math.max(1, a.size) > threshold
}
