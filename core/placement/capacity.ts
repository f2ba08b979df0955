import { MAX_CHUNK_BYTES } from '../chunking/index.js'

/**
 * Free-capacity buckets. Holders advertise a bucket rather than an exact byte
 * count (it changes less often and leaks less). Bucket 0 means "full": less
 * than one chunk of room. Bucket b ≥ 1 means at least 2^(b-1) × 64 KiB free.
 */
export const MAX_CAPACITY_BUCKET = 40

export function capacityBucket(freeBytes: number): number {
  if (!(freeBytes >= MAX_CHUNK_BYTES)) return 0
  const b = Math.floor(Math.log2(freeBytes / MAX_CHUNK_BYTES)) + 1
  return Math.min(b, MAX_CAPACITY_BUCKET)
}

/** The least free space a holder in `bucket` promises. */
export function bucketMinFreeBytes(bucket: number): number {
  if (bucket <= 0) return 0
  return 2 ** (Math.min(bucket, MAX_CAPACITY_BUCKET) - 1) * MAX_CHUNK_BYTES
}

export function bucketFits(bucket: number, bytes: number): boolean {
  return bucket > 0 && bucketMinFreeBytes(bucket) >= bytes
}
