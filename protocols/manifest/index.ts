/**
 * @packageDocumentation
 * `/meshkeep/manifest/1.0.0`: store a sealed manifest at a holder (answered
 * with a receipt over it), or fetch one of your own back.
 */
import type { PeerId } from '@libp2p/interface'
import type { ChunkAttestation } from '../../core/index.js'
import { MANIFEST_PROTOCOL, MANIFEST_TIMEOUT_MS, MAX_MANIFEST_MESSAGE_BYTES } from '../constants.js'
import { type RequestOptions, type RpcLibp2p, type RpcSpec, request } from '../rpc/index.js'
import { ManifestRequest, ManifestResponse } from './pb/manifest.js'

export { ManifestRequest, ManifestResponse }

export const manifestSpec: RpcSpec<ManifestRequest, ManifestResponse> = {
  protocol: MANIFEST_PROTOCOL,
  request: ManifestRequest,
  response: ManifestResponse,
  maxRequestBytes: MAX_MANIFEST_MESSAGE_BYTES,
  maxResponseBytes: MAX_MANIFEST_MESSAGE_BYTES,
  timeoutMs: MANIFEST_TIMEOUT_MS,
  errorResponse: (code, message) => ({ errorCode: code, errorMessage: message, manifest: new Uint8Array(0), receipt: new Uint8Array(0) })
}

/** Stores a sealed manifest; returns the holder's (unverified) attestation for it. */
export async function putManifest(libp2p: RpcLibp2p, holder: PeerId, sealed: Uint8Array, options?: RequestOptions): Promise<ChunkAttestation> {
  const res = await request(libp2p, holder, manifestSpec, { put: sealed as Uint8Array<ArrayBuffer>, getVersion: 0n, getLatest: false }, options)
  return { receipt: res.receipt, index: 0, path: [] }
}

/** Fetches one of the caller's sealed manifests (a version, or the latest). Unverified. */
export async function getManifest(libp2p: RpcLibp2p, holder: PeerId, version: number | 'latest', options?: RequestOptions): Promise<Uint8Array> {
  const res = await request(
    libp2p,
    holder,
    manifestSpec,
    { put: new Uint8Array(0), getVersion: version === 'latest' ? 0n : BigInt(version), getLatest: version === 'latest' },
    options
  )
  return res.manifest
}
