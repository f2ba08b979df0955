import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import type { RpcLibp2p } from '../../protocols/index.js'

type Handler = (stream: Stream, connection: Connection) => void | Promise<void>

/**
 * meshkeep's protocols between peers in one process, over in-memory stream
 * pairs (`@libp2p/utils` `streamPair`): the real clients, servers, codecs and
 * size limits, without TCP, noise or yamux. The fast tier of protocol tests.
 * A peer's identity is its peer id, as noise would have authenticated it.
 */
export class MemoryNet {
  private readonly handlers = new Map<string, Map<string, Handler>>()

  /** The RpcLibp2p of one peer of this net. */
  endpoint(peerId: PeerId | string): RpcLibp2p {
    const self = typeof peerId === 'string' ? peerIdFromString(peerId) : peerId
    const key = self.toString()
    const mine = new Map<string, Handler>()
    this.handlers.set(key, mine)
    return {
      dialProtocol: async (peer, protocols, options) => {
        options?.signal?.throwIfAborted()
        const protocol = Array.isArray(protocols) ? protocols[0] : protocols
        const handler = protocol === undefined ? undefined : this.handlers.get(peer.toString())?.get(protocol)
        if (protocol === undefined || handler === undefined) {
          const err = new Error(`${peer.toString()} does not speak ${protocol}`)
          err.name = 'UnsupportedProtocolError'
          throw err
        }
        const [outbound, inbound] = await streamPair({ protocol })
        const connection = { remotePeer: self } as unknown as Connection
        void Promise.resolve(handler(inbound, connection)).catch(() => {})
        return outbound
      },
      handle: async (protocol, handler) => {
        mine.set(protocol, handler)
      },
      unhandle: async protocol => {
        mine.delete(protocol)
      }
    }
  }

  /** Takes a peer off the net: its handlers stop answering. */
  remove(peerId: PeerId | string): void {
    this.handlers.delete(peerId.toString())
  }
}
