import type { PeerId } from '@libp2p/interface'
import { InvalidMessageError, MeshkeepError } from '../../core/index.js'
import { MAX_LISTED_VERSIONS } from '../constants.js'
import { OK, RpcServer, type RpcServerComponents, type ServeContext, type ServeOptions } from '../rpc/index.js'
import type { ManifestRequest, ManifestResponse } from './pb/manifest.js'
import { manifestSpec } from './spec.js'

/** The holder's side of `/meshkeep/manifest/1.0.0`. The remote peer is always the owner the manifests belong to. */
export interface ManifestHandler {
  /** checks (signed by `owner`) and stores a sealed manifest; returns the receipt envelope over it */
  put: (owner: PeerId, sealed: Uint8Array, leaseMs: number, ctx: ServeContext) => Promise<Uint8Array>
  get: (owner: PeerId, version: number | 'latest', ctx: ServeContext) => Promise<Uint8Array | undefined>
  /** versions held for `owner`, ascending */
  list: (owner: PeerId, ctx: ServeContext) => Promise<number[]>
}

export interface ManifestServerComponents extends RpcServerComponents {
  handler: ManifestHandler
}

const EMPTY = { manifest: new Uint8Array(0), receipt: new Uint8Array(0), versions: [] as bigint[] }

/** Serves `/meshkeep/manifest/1.0.0`: exactly one of put, get (a version or the latest) and list per request. */
export function manifestServer(components: ManifestServerComponents, options?: ServeOptions): RpcServer<ManifestRequest, ManifestResponse> {
  const { handler } = components
  return new RpcServer(
    components,
    manifestSpec,
    async (req, ctx) => {
      const modes = [req.put.length > 0, req.getVersion > 0n || req.getLatest, req.list].filter(Boolean).length
      if (modes !== 1) throw new InvalidMessageError('a manifest request is exactly one of put, get and list')
      if (req.put.length > 0) {
        const receipt = await handler.put(ctx.remotePeer, req.put, Number(req.leaseMs), ctx)
        return { ...OK, ...EMPTY, receipt: receipt as Uint8Array<ArrayBuffer> }
      }
      if (req.list) {
        const versions = (await handler.list(ctx.remotePeer, ctx)).slice(-MAX_LISTED_VERSIONS)
        return { ...OK, ...EMPTY, versions: versions.map(BigInt) }
      }
      const manifest = await handler.get(ctx.remotePeer, req.getLatest ? 'latest' : Number(req.getVersion), ctx)
      if (manifest === undefined) throw new MeshkeepError('NOT_FOUND', 'no such manifest held for you')
      return { ...OK, ...EMPTY, manifest: manifest as Uint8Array<ArrayBuffer> }
    },
    options
  )
}
