import type { PeerId } from '@libp2p/interface'
import { OK, RpcServer, type RpcServerComponents, type ServeContext, type ServeOptions } from '../rpc/index.js'
import type { FetchRequest, FetchResponse } from './pb/fetch.js'
import { fetchSpec } from './spec.js'

/** The holder's side of `/meshkeep/fetch/1.0.0`: the caller's own chunks, `undefined` where missing. */
export interface FetchHandler {
  fetch: (owner: PeerId, ids: Uint8Array[], ctx: ServeContext) => Promise<Array<Uint8Array | undefined>>
}

export interface FetchServerComponents extends RpcServerComponents {
  handler: FetchHandler
}

/** Serves `/meshkeep/fetch/1.0.0`. The remote peer is the owner: a holder never serves one owner's chunks to another. */
export function fetchServer(components: FetchServerComponents, options?: ServeOptions): RpcServer<FetchRequest, FetchResponse> {
  return new RpcServer(
    components,
    fetchSpec,
    async (req, ctx) => {
      const data = await components.handler.fetch(ctx.remotePeer, req.ids, ctx)
      const chunks = req.ids.map((id, i) => {
        const d = data[i]
        return { id, data: (d ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>, missing: d === undefined }
      })
      return { ...OK, chunks }
    },
    options
  )
}
