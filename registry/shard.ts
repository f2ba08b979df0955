import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { InvalidParamsError, sha256 } from '../core/index.js'
import { SHARD_CID_PREFIX, SHARD_COUNT } from './constants.js'

const encoder = new TextEncoder()
const cids: CID[] = []

/** The shard (0..255) a holder belongs to: the first byte of SHA-256 of its peer id bytes. */
export function shardOf(peerId: Uint8Array): number {
  return sha256(peerId)[0] ?? 0
}

/** Shard `n`'s rendezvous CID: CIDv1, raw codec, sha256 of `meshkeep/registry/shard/v1/<n>`. */
export function shardCid(n: number): CID {
  if (!Number.isInteger(n) || n < 0 || n >= SHARD_COUNT) {
    throw new InvalidParamsError(`shard must be an integer in 0..${SHARD_COUNT - 1}, got ${n}`)
  }
  let cid = cids[n]
  if (cid == null) {
    cid = CID.createV1(raw.code, createDigest(sha256Hasher.code, sha256(encoder.encode(`${SHARD_CID_PREFIX}${n}`))))
    cids[n] = cid
  }
  return cid
}
