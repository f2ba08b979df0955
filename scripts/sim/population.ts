/**
 * The simulated mesh: holders (peer ids and advertised capacity buckets),
 * owners and their chunks. Everything comes from labelled seeded streams.
 */
import { bucketFits, CHUNK_OVERHEAD_BYTES, MAX_CAPACITY_BUCKET, MAX_CHUNK_BYTES, peerIdFromPublicKey, peerIdToString } from '../../core/index.js'
import { SeededRandom } from './random.js'

/** One class of holders in the capacity mix: a share of the population and a range of buckets. */
export interface CapacityClass {
  name: string
  share: number
  /** inclusive bucket range, drawn uniformly */
  buckets: [number, number]
}

/**
 * The default mix. Bucket b ≥ 1 promises 2^(b−1) × 64 KiB free: buckets 1–3
 * are 64–512 KiB ("nearly full"), 15–25 are 1 GiB–1 TiB. A share of holders
 * is full (bucket 0) and must get nothing.
 */
export const DEFAULT_CAPACITY_MIX: readonly CapacityClass[] = [
  { name: 'full (bucket 0)', share: 0.05, buckets: [0, 0] },
  { name: 'nearly full (64–512 KiB)', share: 0.1, buckets: [1, 3] },
  { name: 'roomy (1 GiB–1 TiB)', share: 0.85, buckets: [15, 25] }
]

/** Newcomers are fresh nodes with room: the roomy class. */
export const NEWCOMER_BUCKETS: [number, number] = [15, 25]

export interface PopulationInit {
  /** holders at the start */
  holders: number
  /** holders that can join later (fixed join order: index order) */
  newcomers: number
  chunks: number
  /** owners (drawn from the starting holders; they never leave) */
  owners: number
  seed: string | number
  mix?: readonly CapacityClass[]
}

export interface Population {
  /** starting holders: universe indices 0..base-1 */
  base: number
  /** base + newcomers; newcomers are base..universe-1, in join order */
  universe: number
  peerIds: Uint8Array[]
  peerIdStrings: string[]
  buckets: Uint8Array
  /** the capacity class of each holder (index into `mix`; newcomers: -1) */
  classOf: Int8Array
  mix: readonly CapacityClass[]
  /** position of each holder when peer ids are sorted bytewise (= hex order): the tie-break of rankHolders */
  tieRank: Int32Array
  owners: Int32Array
  chunks: number
  /** chunk ids, 32 bytes each */
  chunkIds: Uint8Array
  chunkOwner: Int32Array
  chunkSize: Int32Array
  /** the smallest capacity bucket that fits the chunk (bucketFits is monotone in the bucket); 255 when none does */
  chunkMinBucket: Uint8Array
}

export function chunkId(pop: Population, c: number): Uint8Array {
  return pop.chunkIds.subarray(c * 32, c * 32 + 32)
}

function drawBuckets(rng: SeededRandom, count: number, mix: readonly CapacityClass[]): { buckets: Uint8Array; classOf: Int8Array } {
  const buckets = new Uint8Array(count)
  const classOf = new Int8Array(count)
  // exact class counts (largest remainder), then shuffled onto holders
  const counts = mix.map(m => Math.floor(m.share * count))
  let left = count - counts.reduce((a, b) => a + b, 0)
  const byRemainder = mix.map((m, i) => ({ i, r: m.share * count - Math.floor(m.share * count) })).sort((a, b) => b.r - a.r)
  for (const { i } of byRemainder) {
    if (left === 0) break
    counts[i] = (counts[i] as number) + 1
    left--
  }
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i))
  let at = 0
  mix.forEach((m, ci) => {
    for (let k = 0; k < (counts[ci] as number); k++) {
      const h = order[at++] as number
      const [lo, hi] = m.buckets
      buckets[h] = lo + rng.int(hi - lo + 1)
      classOf[h] = ci
    }
  })
  return { buckets, classOf }
}

export function minBucketFor(size: number): number {
  for (let b = 1; b <= MAX_CAPACITY_BUCKET; b++) if (bucketFits(b, size)) return b
  return 255
}

export function makePopulation(init: PopulationInit): Population {
  const mix = init.mix ?? DEFAULT_CAPACITY_MIX
  if (!Number.isInteger(init.holders) || init.holders < 3) throw new RangeError(`holders must be an integer ≥ 3, got ${init.holders}`)
  if (!Number.isInteger(init.chunks) || init.chunks < 1) throw new RangeError(`chunks must be a positive integer, got ${init.chunks}`)
  if (!Number.isInteger(init.owners) || init.owners < 1 || init.owners > init.holders) throw new RangeError(`owners must be in 1..holders, got ${init.owners}`)
  const base = init.holders
  const universe = base + init.newcomers
  const ids = new SeededRandom(init.seed, 'peer-ids')
  const peerIds: Uint8Array[] = []
  const seen = new Set<string>()
  while (peerIds.length < universe) {
    const id = peerIdFromPublicKey(ids.bytes(32))
    const s = peerIdToString(id)
    if (seen.has(s)) continue // 2^-256: but duplicates would break the per-holder counts
    seen.add(s)
    peerIds.push(id)
  }
  const peerIdStrings = peerIds.map(peerIdToString)
  const caps = new SeededRandom(init.seed, 'capacity')
  const drawn = drawBuckets(caps, base, mix)
  const buckets = new Uint8Array(universe)
  const classOf = new Int8Array(universe).fill(-1)
  buckets.set(drawn.buckets)
  classOf.set(drawn.classOf)
  for (let i = base; i < universe; i++) buckets[i] = NEWCOMER_BUCKETS[0] + caps.int(NEWCOMER_BUCKETS[1] - NEWCOMER_BUCKETS[0] + 1)

  const order = Array.from({ length: universe }, (_, i) => i).sort((a, b) => Buffer.compare(peerIds[a] as Uint8Array, peerIds[b] as Uint8Array))
  const tieRank = new Int32Array(universe)
  order.forEach((h, r) => {
    tieRank[h] = r
  })

  const who = new SeededRandom(init.seed, 'owners')
  const owners = Int32Array.from(
    who.sample(
      Array.from({ length: base }, (_, i) => i),
      init.owners
    )
  )

  // Chunk ids are SHA-256 of ciphertext: uniform bytes. Chunk c belongs to owner c mod owners;
  // each owner's last chunk is the short tail of its state, the rest are full 64 KiB chunks.
  const chunkRng = new SeededRandom(init.seed, 'chunks')
  const chunkIds = chunkRng.bytes(init.chunks * 32)
  const chunkOwner = new Int32Array(init.chunks)
  const chunkSize = new Int32Array(init.chunks).fill(MAX_CHUNK_BYTES)
  const chunkMinBucket = new Uint8Array(init.chunks)
  const lastOf = new Map<number, number>()
  for (let c = 0; c < init.chunks; c++) {
    chunkOwner[c] = owners[c % init.owners] as number
    lastOf.set(c % init.owners, c)
  }
  for (const c of lastOf.values()) chunkSize[c] = CHUNK_OVERHEAD_BYTES + 1 + chunkRng.int(MAX_CHUNK_BYTES - CHUNK_OVERHEAD_BYTES)
  for (let c = 0; c < init.chunks; c++) chunkMinBucket[c] = minBucketFor(chunkSize[c] as number)

  return {
    base,
    universe,
    peerIds,
    peerIdStrings,
    buckets,
    classOf,
    mix,
    tieRank,
    owners,
    chunks: init.chunks,
    chunkIds,
    chunkOwner,
    chunkSize,
    chunkMinBucket
  }
}
