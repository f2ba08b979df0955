/**
 * What "replicated" means when a script or test checks it from outside: in
 * the owner's `meshkeep replication --json`, a copy counts when its holder
 * signed a receipt for it (attested) and answers (reachable). Every chunk
 * needs `target` such copies.
 */
import type { ReplicationResult } from '../../daemon/control/results.js'

/**
 * The copies users are promised (README: two copies of every chunk). Written
 * here rather than imported from core/: a check that read the product's own
 * constant would follow it wherever it went.
 */
export const REPLICATION_TARGET = 2

export interface Shortfall {
  /** chunks in the owner's latest version */
  chunks: number
  /** chunks with fewer than `target` attested, reachable copies (not counting the excluded holders) */
  short: Array<{ index: number; id: string; counted: number; listed: number }>
}

/** Chunks of `rep` with fewer than `target` attested, reachable copies; copies on `excluded` holders do not count. */
export function replicationShortfall(rep: ReplicationResult, excluded: Iterable<string> = [], target = REPLICATION_TARGET): Shortfall {
  const skip = new Set(excluded)
  const short: Shortfall['short'] = []
  for (const c of rep.chunks) {
    const counted = c.holders.filter(h => h.attested && h.reachable && !skip.has(h.peerId)).length
    if (counted < target) short.push({ index: c.index, id: c.id, counted, listed: c.holders.length })
  }
  return { chunks: rep.chunks.length, short }
}

/** One line: "129 of 129 chunks have 2 attested, reachable copies", plus the first few short ones. */
export function describeShortfall(s: Shortfall, target = REPLICATION_TARGET): string {
  const ok = s.chunks - s.short.length
  const head = `${ok} of ${s.chunks} chunks have ${target} attested, reachable copies`
  if (s.short.length === 0) return head
  const sample = s.short
    .slice(0, 5)
    .map(c => `#${c.index} ${c.counted} (${c.listed} listed)`)
    .join(', ')
  return `${head}; short: ${sample}${s.short.length > 5 ? ', …' : ''}`
}
