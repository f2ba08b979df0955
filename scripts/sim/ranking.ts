/**
 * Exact rendezvous rankings of a chunk over any membership the simulation
 * reaches, from the scan's per-chunk lists, without scoring again.
 *
 * A list kept by the scan is the exact top of its population, and every
 * holder missing from it ranks below its last entry. So after merging the
 * starting holders' list (minus those who left) with the newcomers who have
 * joined, every entry that ranks at or above the last entry of each list that
 * was cut short is in its true place. When fewer than `prefix` entries are
 * certain (most of a chunk's top holders left), the chunk is scored again in
 * full: exact either way, and counted in `fallbacks`.
 */
import type { Population } from './population.js'
import { better, type ScanInput, type ScanOutput } from './scan.js'
import { ScoreKernel } from './score.js'

/** A membership: who is a member now. Newcomers join in index order: base .. base+joined-1. */
export interface View {
  alive: Uint8Array
  joined: number
}

export function baseView(pop: Population): View {
  const alive = new Uint8Array(pop.universe)
  alive.fill(1, 0, pop.base)
  return { alive, joined: 0 }
}

export function cloneView(v: View): View {
  return { alive: Uint8Array.from(v.alive), joined: v.joined }
}

export function memberIds(pop: Population, v: View): string[] {
  const out: string[] = []
  for (let i = 0; i < pop.universe; i++) if (v.alive[i] === 1) out.push(pop.peerIdStrings[i] as string)
  return out
}

export class Ranker {
  /** chunks that had to be scored again */
  fallbacks = 0
  private kernel: ScoreKernel | undefined
  private readonly partOf: Int32Array
  private readonly candIdx: Int32Array
  private readonly candHi: Uint32Array
  private readonly candLo: Uint32Array
  private readonly newIdx: Int32Array
  private readonly newHi: Uint32Array
  private readonly newLo: Uint32Array

  constructor(
    private readonly pop: Population,
    private readonly input: ScanInput,
    private readonly parts: ScanOutput[]
  ) {
    this.partOf = new Int32Array(pop.chunks).fill(-1)
    parts.forEach((p, k) => {
      this.partOf.fill(k, p.start, p.end)
    })
    if (this.partOf.includes(-1)) throw new Error('the scan outputs do not cover every chunk')
    this.candIdx = new Int32Array(input.topK)
    this.candHi = new Uint32Array(input.topK)
    this.candLo = new Uint32Array(input.topK)
    this.newIdx = new Int32Array(input.prefix)
    this.newHi = new Uint32Array(input.prefix)
    this.newLo = new Uint32Array(input.prefix)
  }

  get prefixLength(): number {
    return this.input.prefix
  }

  get chunks(): number {
    return this.pop.chunks
  }

  get base(): number {
    return this.pop.base
  }

  get universe(): number {
    return this.pop.universe
  }

  private listing: { start: Int32Array; chunks: Int32Array } | undefined
  private recording: { start: Int32Array; chunks: Int32Array } | undefined

  /** Chunks whose kept list of starting holders includes holder h. */
  chunksListing(h: number): Int32Array {
    this.listing ??= this.invert(p => ({ idx: p.topIdx, chunkOf: k => p.start + Math.floor(k / this.input.topK) }))
    return this.listing.chunks.subarray(this.listing.start[h], this.listing.start[h + 1])
  }

  /** Chunks where newcomer h is a record. */
  chunksRecording(h: number): Int32Array {
    this.recording ??= this.invert(p => {
      const chunkOfRec = new Int32Array(p.recIdx.length)
      for (let c = p.start; c < p.end; c++) chunkOfRec.fill(c, p.recStart[c - p.start], p.recStart[c - p.start + 1])
      return { idx: p.recIdx, chunkOf: k => chunkOfRec[k] as number }
    })
    return this.recording.chunks.subarray(this.recording.start[h], this.recording.start[h + 1])
  }

  /** holder → chunks, as compressed rows, from each part's (holder index, chunk) entries */
  private invert(entries: (p: ScanOutput) => { idx: Int32Array; chunkOf: (k: number) => number }): { start: Int32Array; chunks: Int32Array } {
    const start = new Int32Array(this.pop.universe + 1)
    const lists = this.parts.map(entries)
    for (const { idx } of lists) for (const h of idx) if (h >= 0) start[h + 1] = (start[h + 1] as number) + 1
    for (let h = 0; h < this.pop.universe; h++) start[h + 1] = (start[h + 1] as number) + (start[h] as number)
    const fill = Int32Array.from(start)
    const chunks = new Int32Array(start[this.pop.universe] as number)
    for (const { idx, chunkOf } of lists) {
      for (let k = 0; k < idx.length; k++) {
        const h = idx[k] as number
        if (h < 0) continue
        chunks[fill[h] as number] = chunkOf(k)
        fill[h] = (fill[h] as number) + 1
      }
    }
    return { start, chunks }
  }

  /** The first `prefix` holders (fewer if fewer are eligible) of chunk c's ranking over the members of `view`, best first. */
  prefix(c: number, view: View): number[] {
    const { topK, prefix } = this.input
    const { tieRank, base } = this.pop
    const part = this.parts[this.partOf[c] as number] as ScanOutput
    const o = (c - part.start) * topK
    // A: the kept starting holders that are still members (already in rank order)
    const aIdx = this.candIdx
    const aHi = this.candHi
    const aLo = this.candLo
    let nA = 0
    const truncA = (part.topIdx[o + topK - 1] as number) >= 0
    for (let k = 0; k < topK; k++) {
      const i = part.topIdx[o + k] as number
      if (i < 0) break
      if (view.alive[i] !== 1) continue
      aIdx[nA] = i
      aHi[nA] = part.topHi[o + k] as number
      aLo[nA] = part.topLo[o + k] as number
      nA++
    }
    // B: the newcomers' running top `prefix` among those joined so far, from the records (in join order)
    const bIdx = this.newIdx
    const bHi = this.newHi
    const bLo = this.newLo
    let nB = 0
    const r0 = part.recStart[c - part.start] as number
    const r1 = part.recStart[c - part.start + 1] as number
    for (let r = r0; r < r1; r++) {
      const i = part.recIdx[r] as number
      if (i >= base + view.joined) break
      if (view.alive[i] !== 1) throw new Error(`newcomer ${i} joined but is not a member: the simulation lets newcomers only join`)
      const h = part.recHi[r] as number
      const l = part.recLo[r] as number
      let pos = nB
      while (pos > 0 && better(h, l, tieRank[i] as number, bHi[pos - 1] as number, bLo[pos - 1] as number, tieRank[bIdx[pos - 1] as number] as number)) pos--
      if (pos >= prefix) continue
      for (let k = Math.min(nB, prefix - 1); k > pos; k--) {
        bIdx[k] = bIdx[k - 1] as number
        bHi[k] = bHi[k - 1] as number
        bLo[k] = bLo[k - 1] as number
      }
      bIdx[pos] = i
      bHi[pos] = h
      bLo[pos] = l
      if (nB < prefix) nB++
    }
    const truncB = nB === prefix
    // merge; keep the entries that rank at or above the last entry of every list that was cut short
    const lastA = o + topK - 1
    const out: number[] = []
    let a = 0
    let b = 0
    while (out.length < prefix && (a < nA || b < nB)) {
      const takeA =
        b >= nB ||
        (a < nA &&
          better(
            aHi[a] as number,
            aLo[a] as number,
            tieRank[aIdx[a] as number] as number,
            bHi[b] as number,
            bLo[b] as number,
            tieRank[bIdx[b] as number] as number
          ))
      const i = (takeA ? aIdx[a] : bIdx[b]) as number
      const h = (takeA ? aHi[a] : bHi[b]) as number
      const l = (takeA ? aLo[a] : bLo[b]) as number
      if (truncA && !this.atLeast(h, l, i, part.topHi[lastA] as number, part.topLo[lastA] as number, part.topIdx[lastA] as number)) break
      if (truncB && !this.atLeast(h, l, i, bHi[prefix - 1] as number, bLo[prefix - 1] as number, bIdx[prefix - 1] as number)) break
      out.push(i)
      if (takeA) a++
      else b++
    }
    if (out.length === prefix || (!truncA && !truncB)) return out
    this.fallbacks++
    return this.rescore(c, view).slice(0, prefix)
  }

  /** Chunk c's whole ranking over the members of `view`, scored again (for checks and fallbacks). */
  rescore(c: number, view: View): number[] {
    const { tieRank, peerIds } = this.pop
    this.kernel ??= new ScoreKernel(peerIds)
    this.kernel.scoreChunk(this.pop.chunkIds.subarray(c * 32, c * 32 + 32))
    const { hi, lo } = this.kernel
    const owner = this.pop.chunkOwner[c] as number
    const minBucket = this.pop.chunkMinBucket[c] as number
    const list: number[] = []
    for (let i = 0; i < this.pop.universe; i++) if (view.alive[i] === 1 && i !== owner && (this.pop.buckets[i] as number) >= minBucket) list.push(i)
    return list.sort((a, b) =>
      better(hi[a] as number, lo[a] as number, tieRank[a] as number, hi[b] as number, lo[b] as number, tieRank[b] as number) ? -1 : 1
    )
  }

  /** (h, l, i) is the entry (hb, lb, ib) or ranks above it */
  private atLeast(h: number, l: number, i: number, hb: number, lb: number, ib: number): boolean {
    const t = this.pop.tieRank
    return i === ib || better(h, l, t[i] as number, hb, lb, t[ib] as number)
  }
}

/**
 * A membership that changes one event at a time, with each chunk's ranking
 * prefix cached. An event invalidates only the chunks it can touch: a holder
 * that leaves, those whose kept list holds it; a newcomer, those where it is
 * a record (where it does not enter the top among newcomers, it cannot enter
 * the merged top either). Chunks that needed a re-score are never cached.
 */
export class ViewRanking {
  readonly view: View
  private readonly cache: Array<number[] | undefined>

  constructor(
    private readonly ranker: Ranker,
    view: View
  ) {
    this.view = cloneView(view)
    this.cache = new Array(ranker.chunks)
  }

  get prefixLength(): number {
    return this.ranker.prefixLength
  }

  prefix(c: number): number[] {
    const hit = this.cache[c]
    if (hit !== undefined) return hit
    const before = this.ranker.fallbacks
    const out = this.ranker.prefix(c, this.view)
    if (this.ranker.fallbacks === before) this.cache[c] = out
    return out
  }

  leave(h: number): void {
    if (this.view.alive[h] !== 1) throw new Error(`holder ${h} is not a member`)
    if (h >= this.ranker.base) throw new Error('newcomers only join in this simulation')
    this.view.alive[h] = 0
    for (const c of this.ranker.chunksListing(h)) this.cache[c] = undefined
  }

  /** The next newcomer joins; returns its index. */
  join(): number {
    const h = this.ranker.base + this.view.joined
    if (h >= this.ranker.universe) throw new Error('no newcomer left to join')
    this.view.alive[h] = 1
    this.view.joined++
    for (const c of this.ranker.chunksRecording(h)) this.cache[c] = undefined
    return h
  }
}
