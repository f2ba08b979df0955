import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { RpcLibp2p } from './rpc.js'

/** A node that can also close its connections to a peer (every libp2p node can). */
type HangUpLibp2p = RpcLibp2p & { hangUp?: (peer: PeerId, options?: AbortOptions) => Promise<void> }

/**
 * libp2p 3 can keep a connection whose stream muxer has closed while its
 * socket is still open: every new stream on it fails with
 * `ConnectionClosedError` ("the connection muxer is closed"), and dialing
 * again hands back the same dead connection, so retries alone never recover.
 * Seen when a node restarts with the same identity (a recovering owner).
 * This wrapper hangs up on such a peer and dials it once more, which opens
 * a fresh connection. Every other failure passes through unchanged.
 */
export function redialDeadConnections(libp2p: HangUpLibp2p, onRedial?: (peer: PeerId) => void): RpcLibp2p {
  const hangUp = libp2p.hangUp?.bind(libp2p)
  if (hangUp === undefined) return libp2p
  return {
    handle: libp2p.handle.bind(libp2p),
    unhandle: libp2p.unhandle.bind(libp2p),
    dialProtocol: async (peer, protocols, options) => {
      try {
        return await libp2p.dialProtocol(peer, protocols, options)
      } catch (err) {
        if (!(err instanceof Error && err.name === 'ConnectionClosedError') || options?.signal?.aborted === true) throw err
        onRedial?.(peer)
        await hangUp(peer, options).catch(() => {})
        return libp2p.dialProtocol(peer, protocols, options)
      }
    }
  }
}
