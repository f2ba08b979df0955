/**
 * The one pass over every (chunk, holder) pair. For each chunk it keeps what
 * every later question needs, so no scenario scores a pair twice:
 *
 * - the top `topK` starting holders in rank order (owner and holders whose
 *   bucket cannot fit the chunk left out, as in `rankHolders`);
 * - "records" among the newcomers: walking them in join order, each one that
 *   enters the running top `prefix`. The top `prefix` newcomers joined by any
 *   point in time are always among them, so the ranking after any number of
 *   joins is known exactly without another pass;
 * - the top two starting holders under capacity-weighted rendezvous (a
 *   what-if, not our placement: see `weightedKey`).
 *
 * Runs in worker threads (worker.ts) or in the calling thread.
 */
import { Worker } from 'node:worker_threads'
import { ScoreKernel } from './score.js'

/** Plain typed arrays, so the input can go to a worker as it is. */
export interface ScanInput {
  /** universe × 38 bytes */
  peerIds: Uint8Array
  universe: number
  base: number
  buckets: Uint8Array
  tieRank: Int32Array
  /** capacity weight of each starting holder for the weighted what-if (0: not eligible) */
  weights: Float64Array
  chunkIds: Uint8Array
  chunkOwner: Int32Array
  chunkMinBucket: Uint8Array
  topK: number
  prefix: number
}

export interface ScanOutput {
  start: number
  end: number
  /** per chunk `topK` universe indices (-1 where fewer are eligible), best first, and their scores */
  topIdx: Int32Array
  topHi: Uint32Array
  topLo: Uint32Array
  /** newcomer records: chunk c's are entries recStart[c-start] .. recStart[c-start+1]-1, in join order */
  recStart: Int32Array
  recIdx: Int32Array
  recHi: Uint32Array
  recLo: Uint32Array
  /** per chunk the two weighted primaries (-1 if fewer) */
  weighted: Int32Array
}

/** a beats b in rank order: higher score, ties to the lower peer id */
export function better(hiA: number, loA: number, tieA: number, hiB: number, loB: number, tieB: number): boolean {
  return hiA > hiB || (hiA === hiB && (loA > loB || (loA === loB && tieA < tieB)))
}

/**
 * Weighted rendezvous (Schindelhauer and Schomaker's logarithmic method):
 * key = w / −ln(u) with u the score as a fraction of 2^32 (its high word is
 * plenty here). The top keys fall on holders in proportion to w.
 */
export function weightedKey(weight: number, hi: number): number {
  return weight / -Math.log((hi + 0.5) / 2 ** 32)
}

/** Inserts (idx, hi, lo) into a sorted list of at most `cap` entries; returns whether it got in. */
function insert(idx: Int32Array, his: Uint32Array, los: Uint32Array, tie: Int32Array, len: number, cap: number, i: number, hi: number, lo: number): number {
  let pos = len
  while (pos > 0 && better(hi, lo, tie[i] as number, his[pos - 1] as number, los[pos - 1] as number, tie[idx[pos - 1] as number] as number)) pos--
  if (pos >= cap) return len
  const end = Math.min(len, cap - 1)
  for (let k = end; k > pos; k--) {
    idx[k] = idx[k - 1] as number
    his[k] = his[k - 1] as number
    los[k] = los[k - 1] as number
  }
  idx[pos] = i
  his[pos] = hi
  los[pos] = lo
  return Math.min(len + 1, cap)
}

export function scanRange(input: ScanInput, start: number, end: number): ScanOutput {
  const { universe, base, buckets, tieRank, weights, topK, prefix } = input
  const ids: Uint8Array[] = []
  for (let i = 0; i < universe; i++) ids.push(input.peerIds.subarray(i * 38, i * 38 + 38))
  const kernel = new ScoreKernel(ids)
  const n = end - start
  const topIdx = new Int32Array(n * topK).fill(-1)
  const topHi = new Uint32Array(n * topK)
  const topLo = new Uint32Array(n * topK)
  const weighted = new Int32Array(n * 2).fill(-1)
  const recStart = new Int32Array(n + 1)
  // about prefix × (1 + ln(newcomers / prefix)) records per chunk; grown by doubling when short
  let recCap = Math.max(1024, Math.ceil(n * prefix * (2 + Math.log(Math.max(1, (universe - base) / prefix)))))
  let recIdx = new Int32Array(recCap)
  let recHi = new Uint32Array(recCap)
  let recLo = new Uint32Array(recCap)
  let recLen = 0
  const kIdx = new Int32Array(topK)
  const kHi = new Uint32Array(topK)
  const kLo = new Uint32Array(topK)
  const pIdx = new Int32Array(prefix)
  const pHi = new Uint32Array(prefix)
  const pLo = new Uint32Array(prefix)
  const { hi, lo } = kernel
  for (let c = start; c < end; c++) {
    kernel.scoreChunk(input.chunkIds.subarray(c * 32, c * 32 + 32))
    const owner = input.chunkOwner[c] as number
    const minBucket = input.chunkMinBucket[c] as number
    let len = 0
    let w1 = -1
    let w2 = -1
    let k1 = -1
    let k2 = -1
    for (let i = 0; i < base; i++) {
      if (i === owner || (buckets[i] as number) < minBucket) continue
      const h = hi[i] as number
      const l = lo[i] as number
      if (len < topK || better(h, l, tieRank[i] as number, kHi[topK - 1] as number, kLo[topK - 1] as number, tieRank[kIdx[topK - 1] as number] as number)) {
        len = insert(kIdx, kHi, kLo, tieRank, len, topK, i, h, l)
      }
      // weighted what-if: −ln(u) ≥ 1 − u bounds the key from above, so most logs are skipped
      const w = weights[i] as number
      if (w > 0 && w / (1 - (h + 0.5) / 2 ** 32) > k2) {
        const key = weightedKey(w, h)
        if (key > k1) {
          w2 = w1
          k2 = k1
          w1 = i
          k1 = key
        } else if (key > k2) {
          w2 = i
          k2 = key
        }
      }
    }
    const o = (c - start) * topK
    topIdx.set(kIdx.subarray(0, len), o)
    topHi.set(kHi.subarray(0, len), o)
    topLo.set(kLo.subarray(0, len), o)
    weighted[(c - start) * 2] = w1
    weighted[(c - start) * 2 + 1] = w2
    let plen = 0
    for (let i = base; i < universe; i++) {
      if ((buckets[i] as number) < minBucket) continue
      const h = hi[i] as number
      const l = lo[i] as number
      const before = plen
      if (
        plen < prefix ||
        better(h, l, tieRank[i] as number, pHi[prefix - 1] as number, pLo[prefix - 1] as number, tieRank[pIdx[prefix - 1] as number] as number)
      ) {
        plen = insert(pIdx, pHi, pLo, tieRank, plen, prefix, i, h, l)
        if (plen > before || pIdx.includes(i)) {
          if (recLen === recCap) {
            recCap *= 2
            const grow = <T extends Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
              const b = make(recCap)
              b.set(a)
              return b
            }
            recIdx = grow(recIdx, k => new Int32Array(k))
            recHi = grow(recHi, k => new Uint32Array(k))
            recLo = grow(recLo, k => new Uint32Array(k))
          }
          recIdx[recLen] = i
          recHi[recLen] = h
          recLo[recLen] = l
          recLen++
        }
      }
    }
    recStart[c - start + 1] = recLen
  }
  return {
    start,
    end,
    topIdx,
    topHi,
    topLo,
    recStart,
    recIdx: recIdx.slice(0, recLen),
    recHi: recHi.slice(0, recLen),
    recLo: recLo.slice(0, recLen),
    weighted
  }
}

/** Splits the chunks over `workers` threads (0: this thread) and returns the outputs in chunk order. */
export async function scan(input: ScanInput, chunks: number, workers: number): Promise<ScanOutput[]> {
  if (workers <= 0) return [scanRange(input, 0, chunks)]
  const per = Math.ceil(chunks / workers)
  const ranges: Array<[number, number]> = []
  for (let s = 0; s < chunks; s += per) ranges.push([s, Math.min(chunks, s + per)])
  return Promise.all(
    ranges.map(
      ([start, end]) =>
        new Promise<ScanOutput>((resolve, reject) => {
          const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { input, start, end } })
          let result: ScanOutput | undefined
          worker.once('message', (out: ScanOutput) => {
            result = out
          })
          worker.once('error', reject)
          worker.once('exit', code => {
            if (result !== undefined) resolve(result)
            else reject(new Error(`scan worker for chunks ${start}..${end} exited with code ${code} and no result`))
          })
        })
    )
  )
}
