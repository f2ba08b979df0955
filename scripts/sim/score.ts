/**
 * Rendezvous scores of one chunk against every holder, bit for bit the same
 * as `rendezvousScore` in core/placement, fast enough for 10⁹ pairs.
 *
 * score(c, h) = u64be(SHA-256(domain ‖ chunkId ‖ holderPeerId)[0..8]). With the
 * 22-byte domain, a 32-byte chunk id and a 38-byte Ed25519 peer id the message
 * is 92 bytes: two SHA-256 blocks. One `node:crypto` call per pair costs about
 * 1.6 µs here (the call, not the hashing), and plain JavaScript about 0.55 µs
 * (no 32-bit rotate). This kernel is a small WebAssembly function, generated
 * below, that hashes four holders at once in 128-bit SIMD lanes and skips the
 * work that does not change between pairs:
 *
 * - block 1 holds the domain, the chunk id and the first 10 bytes of the peer
 *   id, 6 of which are the identity prefix every Ed25519 peer id shares, so
 *   rounds 0–14 and the schedule words that depend on nothing else are
 *   computed once per chunk (in JavaScript, `loadChunk`);
 * - block 2 holds only the rest of the peer id and the padding, so its whole
 *   message schedule, plus the round constants, is computed once per holder
 *   (`ScoreKernel` constructor).
 *
 * No approximation: every pair gets its full SHA-256, and
 * test/property/placement-sim.test.ts checks the rankings against `rankHolders`.
 */
// lib ES2023 has no WebAssembly types (they come with the DOM lib); the little used here:
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  Memory: new (init: { initial: number }) => { buffer: ArrayBuffer }
}

const DOMAIN = new TextEncoder().encode('meshkeep/rendezvous/v1')
const CHUNK_ID_BYTES = 32
/** the identity multihash and protobuf header shared by every Ed25519 peer id */
const SHARED_PREFIX = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
const PEER_ID_BYTES = SHARED_PREFIX.length + 32
const MESSAGE_BYTES = DOMAIN.length + CHUNK_ID_BYTES + PEER_ID_BYTES
// the word layout below (holder bytes entering block 1 at word 15) is worked out for these sizes
if (DOMAIN.length !== 22 || MESSAGE_BYTES !== 92) throw new Error('score kernel: unexpected message layout')

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
])
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])

const k = (t: number) => K[t] as number
const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))
const sigma0 = (x: number) => rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)
const sigma1 = (x: number) => rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10)
const bigSigma0 = (x: number) => rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22)
const bigSigma1 = (x: number) => rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25)
const readWord = (b: Uint8Array, i: number) => ((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0) | 0

/** Block-1 schedule words known from the chunk alone: 0..14, and 16, 18, 20 (their inputs skip word 15). */
const CHUNK_WORDS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20])

// Memory layout, in bytes. The chunk area holds the working variables after
// round 14 (8 words) and the chunk-only schedule words (at 8 + t). Each group
// of four holders takes 66 vectors: word 15, then K[t] + W[t] of block 2.
const CHUNK_AREA = 0
const CHUNK_AREA_WORDS = 8 + 64
const GROUP_BYTES = 66 * 16
const OUT_GROUP_BYTES = 32

/** One WebAssembly instruction stream, written with the opcodes of the core and SIMD specs. */
class Code {
  readonly bytes: number[] = []
  private op(...b: number[]): this {
    this.bytes.push(...b)
    return this
  }
  private simd(sub: number): this {
    return this.op(0xfd, ...uleb(sub))
  }
  get(i: number) {
    return this.op(0x20, ...uleb(i))
  }
  set(i: number) {
    return this.op(0x21, ...uleb(i))
  }
  i32(v: number) {
    return this.op(0x41, ...sleb(v | 0))
  }
  i32Add() {
    return this.op(0x6a)
  }
  i32Sub() {
    return this.op(0x6b)
  }
  i32Load(offset: number) {
    return this.op(0x28, 2, ...uleb(offset))
  }
  v128Load(offset: number) {
    return this.simd(0x00).op(4, ...uleb(offset))
  }
  v128Store(offset: number) {
    return this.simd(0x0b).op(4, ...uleb(offset))
  }
  splat() {
    return this.simd(0x11)
  }
  and() {
    return this.simd(0x4e)
  }
  or() {
    return this.simd(0x50)
  }
  xor() {
    return this.simd(0x51)
  }
  /** (v1, v2, mask) → v1 where mask bits are 1, v2 elsewhere */
  bitselect() {
    return this.simd(0x52)
  }
  shl() {
    return this.simd(0xab)
  }
  shrU() {
    return this.simd(0xad)
  }
  add() {
    return this.simd(0xae)
  }
  splatConst(v: number) {
    return this.i32(v).splat()
  }
  blockLoop(body: (c: this) => void) {
    this.op(0x02, 0x40, 0x03, 0x40)
    body(this)
    return this.op(0x0b, 0x0b)
  }
  brIf(depth: number) {
    return this.op(0x0d, ...uleb(depth))
  }
  eqz() {
    return this.op(0x45)
  }
  br(depth: number) {
    return this.op(0x0c, ...uleb(depth))
  }
  /** x rotated right by n, in each lane */
  rotr(x: number, n: number) {
    return this.get(x)
      .i32(n)
      .shrU()
      .get(x)
      .i32(32 - n)
      .shl()
      .or()
  }
  /** rotr(x, r1) ^ rotr(x, r2) ^ (shift ? x >>> r3 : rotr(x, r3)) */
  mix(x: number, r1: number, r2: number, r3: number, shift: boolean) {
    this.rotr(x, r1).rotr(x, r2).xor()
    if (shift) this.get(x).i32(r3).shrU()
    else this.rotr(x, r3)
    return this.xor()
  }
}

function uleb(v: number): number[] {
  const out: number[] = []
  do {
    let b = v & 0x7f
    v >>>= 7
    if (v !== 0) b |= 0x80
    out.push(b)
  } while (v !== 0)
  return out
}

function sleb(v: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = v & 0x7f
    v >>= 7
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body]
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()]
const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)]

/**
 * The module: `score(groups, holders, out)` hashes `groups` groups of four
 * holders (at byte offset `holders`) for the chunk in the chunk area, and
 * writes each group's four high words, then four low words, at `out`.
 */
function buildModule(): Uint8Array {
  // locals: params 0..2 (i32), then v128 locals
  const P_GROUPS = 0
  const P_HOLDERS = 1
  const P_OUT = 2
  let next = 3
  const v = () => next++
  const cw = new Map<number, number>() // chunk-only schedule words, splatted
  for (const t of CHUNK_WORDS) cw.set(t, v())
  const w: number[] = Array.from({ length: 64 }, () => v()) // per-lane schedule words
  const s0 = Array.from({ length: 8 }, () => v()) // chunk state after round 14, splatted
  const vars = Array.from({ length: 8 }, () => v()) // a..h
  const t1 = v()
  const t2 = v()
  const m0 = v()
  const m1 = v()
  const localCount = next - 3

  const c = new Code()
  for (const [t, local] of cw)
    c.i32(0)
      .i32Load(CHUNK_AREA + 4 * (8 + t))
      .splat()
      .set(local)
  for (let i = 0; i < 8; i++)
    c.i32(0)
      .i32Load(CHUNK_AREA + 4 * i)
      .splat()
      .set(s0[i] as number)
  const word = (t: number) => (CHUNK_WORDS.has(t) ? (cw.get(t) as number) : (w[t] as number))

  /** One round; `kw` pushes K[t] + W[t]. `r` names the locals holding a..h; returns the renamed list. */
  const round = (r: number[], kw: () => void): number[] => {
    const [a, b, cc, d, e, f, g, h] = r as [number, number, number, number, number, number, number, number]
    // t1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]; Ch = bitselect(f, g, e)
    c.get(h).mix(e, 6, 11, 25, false).add().get(f).get(g).get(e).bitselect().add()
    kw()
    c.add().set(t1)
    // t2 = Σ0(a) + Maj(a, b, c); Maj = bitselect(b, a, a ^ c)
    c.mix(a, 2, 13, 22, false).get(b).get(a).get(a).get(cc).xor().bitselect().add().set(t2)
    // e' = d + t1 (into d's local), a' = t1 + t2 (into h's local)
    c.get(d).get(t1).add().set(d)
    c.get(t1).get(t2).add().set(h)
    return [h, a, b, cc, d, e, f, g]
  }

  c.blockLoop(() => {
    c.get(P_GROUPS).eqz().brIf(1)
    // block 1: word 15 from the holder, the rest of the schedule per lane
    c.get(P_HOLDERS)
      .v128Load(0)
      .set(w[15] as number)
    for (let t = 16; t < 64; t++) {
      if (CHUNK_WORDS.has(t)) continue
      c.mix(word(t - 2), 17, 19, 10, true)
        .get(word(t - 7))
        .add()
        .mix(word(t - 15), 7, 18, 3, true)
        .add()
        .get(word(t - 16))
        .add()
        .set(w[t] as number)
    }
    for (let i = 0; i < 8; i++) c.get(s0[i] as number).set(vars[i] as number)
    let r = [...vars]
    for (let t = 15; t < 64; t++) r = round(r, () => c.splatConst(k(t)).get(word(t)).add())
    // feed-forward: block 2 starts from IV + (a..h)
    for (let i = 0; i < 8; i++)
      c.get(r[i] as number)
        .splatConst(IV[i] as number)
        .add()
        .set(r[i] as number)
    c.get(r[0] as number).set(m0)
    c.get(r[1] as number).set(m1)
    for (let t = 0; t < 64; t++) r = round(r, () => c.get(P_HOLDERS).v128Load((2 + t) * 16))
    c.get(P_OUT)
      .get(r[0] as number)
      .get(m0)
      .add()
      .v128Store(0)
    c.get(P_OUT)
      .get(r[1] as number)
      .get(m1)
      .add()
      .v128Store(16)
    c.get(P_HOLDERS).i32(GROUP_BYTES).i32Add().set(P_HOLDERS)
    c.get(P_OUT).i32(OUT_GROUP_BYTES).i32Add().set(P_OUT)
    c.get(P_GROUPS).i32(1).i32Sub().set(P_GROUPS)
    c.br(0)
  })
  c.bytes.push(0x0b) // end of function

  const I32 = 0x7f
  const V128 = 0x7b
  const body = [...vec([[...uleb(localCount), V128]]), ...c.bytes]
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([])]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('score'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]]))
  ])
}

let compiled: object | undefined

export function isKernelPeerId(peerId: Uint8Array): boolean {
  return peerId.length === PEER_ID_BYTES && SHARED_PREFIX.every((b, i) => peerId[i] === b)
}

/**
 * Scores one chunk against a fixed list of holders. Build once per holder
 * list (it precomputes each holder's block 2), then `scoreChunk` per chunk:
 * `hi[i]`, `lo[i]` are the high and low 32 bits of holder i's score.
 */
export class ScoreKernel {
  readonly count: number
  readonly hi: Uint32Array
  readonly lo: Uint32Array
  private readonly groups: number
  private readonly chunkArea: Int32Array
  private readonly out: Uint32Array
  private readonly outOffset: number
  private readonly run: (groups: number, holders: number, out: number) => void
  private readonly holdersOffset: number

  constructor(peerIds: readonly Uint8Array[]) {
    this.count = peerIds.length
    this.groups = Math.ceil(this.count / 4)
    this.holdersOffset = CHUNK_AREA_WORDS * 4
    this.outOffset = this.holdersOffset + this.groups * GROUP_BYTES
    const bytes = this.outOffset + this.groups * OUT_GROUP_BYTES
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65_536) + 1 })
    compiled ??= new WebAssembly.Module(buildModule())
    const instance = new WebAssembly.Instance(compiled, { env: { memory } })
    this.run = instance.exports.score as (groups: number, holders: number, out: number) => void
    this.chunkArea = new Int32Array(memory.buffer, CHUNK_AREA, CHUNK_AREA_WORDS)
    this.out = new Uint32Array(memory.buffer, this.outOffset, this.groups * 8)
    this.hi = new Uint32Array(this.groups * 4)
    this.lo = new Uint32Array(this.groups * 4)

    const table = new Int32Array(memory.buffer, this.holdersOffset, (this.groups * GROUP_BYTES) / 4)
    const block = new Uint8Array(64)
    const w = new Int32Array(64)
    for (let i = 0; i < this.count; i++) {
      const id = peerIds[i] as Uint8Array
      if (!isKernelPeerId(id)) throw new Error(`holder ${i}: the score kernel needs 38-byte Ed25519 peer ids`)
      // block 2: peer id bytes 10..37, the 0x80 pad byte, zeros, the bit length
      block.fill(0)
      block.set(id.subarray(10), 0)
      block[28] = 0x80
      block[62] = (MESSAGE_BYTES * 8) >>> 8
      block[63] = (MESSAGE_BYTES * 8) & 0xff
      for (let t = 0; t < 16; t++) w[t] = readWord(block, t * 4)
      for (let t = 16; t < 64; t++) w[t] = (sigma1(w[t - 2] as number) + (w[t - 7] as number) + sigma0(w[t - 15] as number) + (w[t - 16] as number)) | 0
      const group = (i >> 2) * (GROUP_BYTES / 4)
      const lane = i & 3
      table[group + lane] = readWord(id, 6)
      for (let t = 0; t < 64; t++) table[group + (2 + t) * 4 + lane] = (k(t) + (w[t] as number)) | 0
    }
  }

  /** Scores every holder for `chunkId` into `hi` and `lo`. */
  scoreChunk(chunkId: Uint8Array): void {
    if (chunkId.length !== CHUNK_ID_BYTES) throw new Error(`the score kernel needs 32-byte chunk ids, got ${chunkId.length}`)
    const block = new Uint8Array(64)
    block.set(DOMAIN, 0)
    block.set(chunkId, DOMAIN.length)
    block.set(SHARED_PREFIX, DOMAIN.length + CHUNK_ID_BYTES)
    const w = new Int32Array(64)
    for (let t = 0; t < 15; t++) w[t] = readWord(block, t * 4)
    for (const t of [16, 18, 20]) w[t] = (sigma1(w[t - 2] as number) + (w[t - 7] as number) + sigma0(w[t - 15] as number) + (w[t - 16] as number)) | 0
    let [a, b, c, d, e, f, g, h] = IV as unknown as [number, number, number, number, number, number, number, number]
    for (let t = 0; t < 15; t++) {
      const t1 = (h + bigSigma1(e) + ((e & f) ^ (~e & g)) + k(t) + (w[t] as number)) | 0
      const t2 = (bigSigma0(a) + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    this.chunkArea.set([a, b, c, d, e, f, g, h], 0)
    for (const t of CHUNK_WORDS) this.chunkArea[8 + t] = w[t] as number
    this.run(this.groups, this.holdersOffset, this.outOffset)
    const out = this.out
    for (let gi = 0; gi < this.groups; gi++) {
      for (let lane = 0; lane < 4; lane++) {
        this.hi[gi * 4 + lane] = out[gi * 8 + lane] as number
        this.lo[gi * 4 + lane] = out[gi * 8 + 4 + lane] as number
      }
    }
  }
}
