import type { PeerId } from '@libp2p/interface'
import { OK, RpcServer, type RpcServerComponents, type ServeContext, type ServeOptions } from '../rpc/index.js'
import type { ReleaseRequest, ReleaseResponse } from './pb/release.js'
import { releaseSpec } from './spec.js'

/** The holder's side of `/meshkeep/release/1.0.0`: drop the caller's chunks and manifests; returns how many existed. */
export interface ReleaseHandler {
  release: (owner: PeerId, ids: Uint8Array[], manifestVersions: number[], ctx: ServeContext) => Promise<number>
}

export interface ReleaseServerComponents extends RpcServerComponents {
  handler: ReleaseHandler
}

/** Serves `/meshkeep/release/1.0.0`. Only the owner (the remote peer) can release what is held for it. */
export function releaseServer(components: ReleaseServerComponents, options?: ServeOptions): RpcServer<ReleaseRequest, ReleaseResponse> {
  return new RpcServer(
    components,
    releaseSpec,
    async (req, ctx) => {
      const released = await components.handler.release(ctx.remotePeer, req.ids, req.manifestVersions.map(Number), ctx)
      return { ...OK, released }
    },
    options
  )
}
