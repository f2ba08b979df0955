import { createHash } from 'node:crypto'
import { bytesEqual } from '../bytes/index.js'
import { bucketFits } from './capacity.js'

/** A holder as placement sees it. */
export interface Candidate {
  /** peer id bytes */
  peerId: Uint8Array
  /** advertised free-capacity bucket (see capacity.ts) */
  capacityBucket: number
}

export interface Placement<C extends Candidate = Candidate> {
  /** the two (or fewer, if too few holders) highest-ranked eligible holders */
  primaries: C[]
  /** every other eligible holder, best first */
  fallbacks: C[]
}

/**
 * The replication factor: remote copies of every chunk and manifest. The one
 * home of this number; placement, health, repair and the owner all read it.
 */
export const REPLICAS = 2

const DOMAIN = new TextEncoder().encode('meshkeep/rendezvous/v1')

/**
 * Highest-random-weight score of `holder` for `chunkId`: the first 8 bytes of
 * SHA-256(domain || chunkId || holder) as an unsigned big-endian integer.
 * Pure bytes in, bytes out: every node on every platform computes the same.
 */
export function rendezvousScore(chunkId: Uint8Array, holder: Uint8Array): bigint {
  const h = createHash('sha256').update(DOMAIN).update(chunkId).update(holder).digest()
  return h.readBigUInt64BE(0)
}

/**
 * All eligible candidates for a chunk, best first. The owner is never a
 * candidate, duplicates count once, and holders whose bucket cannot fit the
 * chunk are skipped. Ties (astronomically rare) break on the peer id bytes.
 */
export function rankHolders<C extends Candidate>(chunkId: Uint8Array, owner: Uint8Array, candidates: Iterable<C>, chunkSize: number): C[] {
  const seen = new Set<string>()
  const scored: Array<{ c: C; score: bigint; key: string }> = []
  for (const c of candidates) {
    if (bytesEqual(c.peerId, owner)) continue
    const key = Buffer.from(c.peerId).toString('hex')
    if (seen.has(key)) continue
    seen.add(key)
    if (!bucketFits(c.capacityBucket, chunkSize)) continue
    scored.push({ c, score: rendezvousScore(chunkId, c.peerId), key })
  }
  scored.sort((a, b) => (a.score === b.score ? (a.key < b.key ? -1 : 1) : a.score > b.score ? -1 : 1))
  return scored.map(s => s.c)
}

/** The chunk's primaries (top two distinct holders) and ordered fallbacks. */
export function selectHolders<C extends Candidate>(
  chunkId: Uint8Array,
  owner: Uint8Array,
  candidates: Iterable<C>,
  chunkSize: number,
  replicas = REPLICAS
): Placement<C> {
  const ranked = rankHolders(chunkId, owner, candidates, chunkSize)
  return { primaries: ranked.slice(0, replicas), fallbacks: ranked.slice(replicas) }
}
