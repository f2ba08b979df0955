import { createHash, hash } from 'node:crypto'
import { bytesEqual } from '../bytes/index.js'

/**
 * RFC 6962 / RFC 9162 Merkle tree hash, with 0x00/0x01 prefixes separating
 * leaves from inner nodes (no second-preimage tricks), over any leaf count.
 */
export const MAX_PROOF_DEPTH = 32

/**
 * Hashing is on the hot path of every receipt (issue and verify) and of every
 * audit root (64 segments of a 64 KiB chunk, recomputed on store and
 * recovery). A one-shot `crypto.hash` over a reused scratch buffer costs
 * about half of a `createHash().update().update().digest()` chain, whose
 * per-call object and native-handle setup dominates for inputs this small.
 * Reuse is safe: hashing is synchronous, so no two calls interleave.
 */
const SCRATCH_BYTES = 1 + 2048
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES)

function sha256Of(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', bytes, 'buffer'))
}

export function leafHash(data: Uint8Array): Uint8Array {
  // past the scratch size a copy would cost more than the streaming hash saves
  if (data.length >= SCRATCH_BYTES) return new Uint8Array(createHash('sha256').update(Uint8Array.of(0x00)).update(data).digest())
  const buf = scratch.subarray(0, data.length + 1)
  buf[0] = 0x00
  buf.set(data, 1)
  return sha256Of(buf)
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const n = 1 + left.length + right.length
  const buf = n <= SCRATCH_BYTES ? scratch.subarray(0, n) : Buffer.allocUnsafe(n)
  buf[0] = 0x01
  buf.set(left, 1)
  buf.set(right, 1 + left.length)
  return sha256Of(buf)
}

/** Largest power of two strictly less than n (n ≥ 2). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** Root over leaf hashes; also fills `paths[i]` with each leaf's audit path. */
function build(leaves: Uint8Array[], lo: number, hi: number, paths: Uint8Array[][]): Uint8Array {
  const n = hi - lo
  if (n === 1) return leaves[lo] as Uint8Array
  const k = split(n)
  const left = build(leaves, lo, lo + k, paths)
  const right = build(leaves, lo + k, hi, paths)
  for (let i = lo; i < lo + k; i++) paths[i]?.push(right)
  for (let i = lo + k; i < hi; i++) paths[i]?.push(left)
  return nodeHash(left, right)
}

/** Root and every audit path for a batch of leaf hashes (at least one). */
export function merkleTree(leafHashes: Uint8Array[]): { root: Uint8Array; paths: Uint8Array[][] } {
  if (leafHashes.length === 0) throw new RangeError('a Merkle tree needs at least one leaf')
  const paths: Uint8Array[][] = leafHashes.map(() => [])
  const root = build(leafHashes, 0, leafHashes.length, paths)
  return { root, paths }
}

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` of `size` under `root`? */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size || path.length > MAX_PROOF_DEPTH) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return false
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r)
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>>= 1
          sn >>>= 1
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn >>>= 1
    sn >>>= 1
  }
  return sn === 0 && bytesEqual(r, root)
}
