import type { PeerId } from '@libp2p/interface'
import { OK, RpcServer, type RpcServerComponents, type ServeContext, type ServeOptions } from '../rpc/index.js'
import type { StoreRequest, StoreResponse } from './pb/store.js'
import { storeSpec } from './spec.js'

/** A chunk as it arrives: bytes to store, or a lease renewal of a chunk already held. */
export interface IncomingChunk {
  id: Uint8Array
  /** empty for a renewal */
  data: Uint8Array
  renew: boolean
}

/** What the holder made of a batch: one receipt over the accepted items (in leaf order), and the refusals. */
export interface StoreOutcome {
  receipt: Uint8Array
  /** request indices, in receipt leaf order */
  accepted: number[]
  /** one Merkle path per accepted item, same order */
  paths: Uint8Array[][]
  refused: Array<{ index: number; code: string; message: string }>
}

/** The holder's side of `/meshkeep/store/1.0.0`. */
export interface StoreHandler {
  store: (owner: PeerId, items: IncomingChunk[], leaseMs: number, ctx: ServeContext) => Promise<StoreOutcome>
}

export interface StoreServerComponents extends RpcServerComponents {
  handler: StoreHandler
}

/** Serves `/meshkeep/store/1.0.0`: decodes the batch (size-bounded), hands it to the holder, encodes its outcome. */
export function storeServer(components: StoreServerComponents, options?: ServeOptions): RpcServer<StoreRequest, StoreResponse> {
  return new RpcServer(
    components,
    storeSpec,
    async (req, ctx) => {
      const items = req.items.map(i => ({ id: i.id, data: i.data, renew: i.renew }))
      const out = await components.handler.store(ctx.remotePeer, items, Number(req.leaseMs), ctx)
      return {
        ...OK,
        receipt: out.receipt as Uint8Array<ArrayBuffer>,
        accepted: out.accepted,
        paths: out.paths.map(nodes => ({ nodes: nodes as Array<Uint8Array<ArrayBuffer>> })),
        refused: out.refused
      }
    },
    options
  )
}
