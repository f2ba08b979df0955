import { randomBytes } from 'node:crypto'
import { generateRootSecret, identityFromSeed, issueReceipt, peerIdFromString } from '../../core/index.js'
import type { MeshNode } from '../../daemon/node/mesh-node.js'
import { fetchSpec } from '../../protocols/fetch/index.js'
import { OK, type ServeContext, serve } from '../../protocols/rpc/index.js'
import { type StoreResponse, storeSpec } from '../../protocols/store/index.js'

/**
 * Ways a holder can cheat. Each one replaces a protocol handler of an
 * otherwise honest, registered MeshNode, so the owner meets it through the
 * real registry, placement and wire protocols.
 */
export type Misbehaviour =
  /** serves stored chunks with one bit flipped */
  | 'corrupt-fetch'
  /** attests every chunk but stores none of them */
  | 'drop-chunks'
  /** stores, then signs its receipts with a key that is not its own */
  | 'forge-receipt'
  /** answers every batch after the first with the first batch's (valid, signed) receipt */
  | 'replay-receipt'
  /** answers store requests only after `delayMs` */
  | 'slow-store'
  /** answers store requests with junk: random bytes, then a length prefix claiming 1 GiB, alternately */
  | 'junk-store'

export interface MisbehaveOptions {
  /** for 'slow-store' @default 10000 */
  delayMs?: number
}

type StoreItems = Array<{ id: Uint8Array; data: Uint8Array }>

/** Stores and attests like an honest holder, signing with `seed` (the node's own unless forging). */
async function honestStore(node: MeshNode, items: StoreItems, leaseMs: number, ctx: ServeContext, seed?: Uint8Array): Promise<StoreResponse> {
  const owner = ctx.remotePeer.toString()
  const now = Date.now()
  const leaseExpiresAt = now + Math.max(leaseMs, 60_000)
  await node.holder.chunks.putChunks(
    owner,
    items.map(i => ({ id: i.id, bytes: i.data })),
    now,
    leaseExpiresAt
  )
  // a forger claims to be this holder but cannot sign as it
  const holder = seed == null ? node.identity : { ...identityFromSeed(seed), peerId: node.identity.peerId, peerIdString: node.identity.peerIdString }
  const atts = issueReceipt({
    holder,
    owner: peerIdFromString(owner),
    items: items.map(i => ({ id: i.id, size: i.data.length })),
    storedAt: now,
    leaseExpiresAt
  })
  return {
    ...OK,
    receipt: (atts[0]?.receipt ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    accepted: items.map((_, i) => i),
    paths: atts.map(a => ({ nodes: a.path as Array<Uint8Array<ArrayBuffer>> })),
    refused: []
  }
}

/** Turns a started MeshNode into a holder that cheats in the given way, counting the requests it cheated on. */
export async function misbehave(node: MeshNode, how: Misbehaviour, options: MisbehaveOptions = {}): Promise<{ cheated: () => number }> {
  let cheated = 0
  const libp2p = node.libp2p
  switch (how) {
    case 'corrupt-fetch':
      await serve(libp2p, fetchSpec, async (req, ctx) => {
        const owner = ctx.remotePeer.toString()
        const chunks = []
        for (const id of req.ids) {
          const data = await node.holder.chunks.getChunk(owner, id)
          if (data !== undefined && data.length > 0) {
            const bad = new Uint8Array(data)
            bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0x01
            chunks.push({ id, data: bad as Uint8Array<ArrayBuffer>, missing: false })
            cheated++
          } else chunks.push({ id, data: new Uint8Array(0), missing: true })
        }
        return { ...OK, chunks }
      })
      break
    case 'drop-chunks':
      await serve(libp2p, storeSpec, async (req, ctx) => {
        const res = await honestStore(node, req.items, Number(req.leaseMs), ctx)
        await node.holder.chunks.deleteChunks(
          ctx.remotePeer.toString(),
          req.items.map(i => i.id)
        )
        cheated++
        return res
      })
      break
    case 'forge-receipt': {
      const stranger = generateRootSecret()
      await serve(libp2p, storeSpec, async (req, ctx) => {
        cheated++
        return honestStore(node, req.items, Number(req.leaseMs), ctx, stranger)
      })
      break
    }
    case 'replay-receipt': {
      let first: StoreResponse | undefined
      await serve(libp2p, storeSpec, async (req, ctx) => {
        if (first == null) {
          first = await honestStore(node, req.items, Number(req.leaseMs), ctx)
          return first
        }
        cheated++
        // claim every item of this batch under the old receipt's leaves
        const n = Math.min(req.items.length, first.accepted.length)
        return { ...first, accepted: Array.from({ length: n }, (_, i) => i), paths: first.paths.slice(0, n) }
      })
      break
    }
    case 'slow-store':
      await serve(libp2p, { ...storeSpec, timeoutMs: (options.delayMs ?? 10_000) + 30_000 }, async (req, ctx) => {
        cheated++
        await new Promise(resolve => setTimeout(resolve, options.delayMs ?? 10_000))
        return honestStore(node, req.items, Number(req.leaseMs), ctx)
      })
      break
    case 'junk-store':
      await libp2p.handle(
        storeSpec.protocol,
        async stream => {
          cheated++
          // 0xff 0xff 0xff 0xff 0x03 is a varint of 1 GiB; random bytes are whatever they decode to
          const junk = cheated % 2 === 0 ? Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x03, ...randomBytes(64)]) : new Uint8Array(randomBytes(4096))
          stream.send(junk)
          await stream.close().catch(() => stream.abort(new Error('closing failed')))
        },
        { force: true }
      )
      break
  }
  return { cheated: () => cheated }
}
