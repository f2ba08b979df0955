import type { PeerId } from '@libp2p/interface'
import type { ChunkAttestation } from '../../core/index.js'
import { type RequestOptions, type RpcLibp2p, request } from '../rpc/index.js'
import type { ManifestRequest } from './pb/manifest.js'
import { manifestSpec } from './spec.js'

const NONE: ManifestRequest = { put: new Uint8Array(0), getVersion: 0n, getLatest: false, leaseMs: 0n, list: false }

/**
 * Stores a sealed manifest for `leaseMs` (the holder may shorten it; storing
 * one already held renews its lease). Returns the holder's (unverified)
 * attestation over it.
 */
export async function putManifest(libp2p: RpcLibp2p, holder: PeerId, sealed: Uint8Array, leaseMs: number, options?: RequestOptions): Promise<ChunkAttestation> {
  const res = await request(libp2p, holder, manifestSpec, { ...NONE, put: sealed as Uint8Array<ArrayBuffer>, leaseMs: BigInt(leaseMs) }, options)
  return { receipt: res.receipt, index: 0, path: [] }
}

/** Fetches one of the caller's sealed manifests (a version, or the latest). Unverified. */
export async function getManifest(libp2p: RpcLibp2p, holder: PeerId, version: number | 'latest', options?: RequestOptions): Promise<Uint8Array> {
  const res = await request(
    libp2p,
    holder,
    manifestSpec,
    version === 'latest' ? { ...NONE, getLatest: true } : { ...NONE, getVersion: BigInt(version) },
    options
  )
  return res.manifest
}

/** The versions of the caller's manifests a holder keeps, ascending. Unverified: a holder may lie by omission. */
export async function listManifests(libp2p: RpcLibp2p, holder: PeerId, options?: RequestOptions): Promise<number[]> {
  const res = await request(libp2p, holder, manifestSpec, { ...NONE, list: true }, options)
  return res.versions.map(Number).filter(v => Number.isSafeInteger(v) && v > 0)
}
