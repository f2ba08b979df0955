import type { AbortOptions, Connection, PeerId, Stream, StreamHandlerOptions } from '@libp2p/interface'
import type { DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { ErrorCode } from '../../core/index.js'
import type { BandwidthLimits } from './bandwidth.js'

/** A protons-generated message namespace (or anything shaped like one). */
export interface MessageCodec<T> {
  encode: (obj: T) => Uint8Array
  decode: (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<T>) => T
}

/** What every meshkeep response carries besides its payload. */
export interface ErrorFields {
  errorCode: string
  errorMessage: string
}

/** Error fields for a successful response. */
export const OK: ErrorFields = { errorCode: '', errorMessage: '' }

/** The slice of libp2p that request/response protocols use. */
export interface RpcLibp2p {
  dialProtocol: (peer: PeerId, protocols: string | string[], options?: AbortOptions) => Promise<Stream>
  handle: (protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  /** closes every connection to a peer; used to replace a dead connection (every libp2p node has it) */
  hangUp?: (peer: PeerId, options?: AbortOptions) => Promise<void>
  /** caps on this node's protocol traffic, applied to every request and response @default uncapped */
  bandwidth?: BandwidthLimits
}

/** One request/response protocol: its id, codecs, size limits and deadline. */
export interface RpcSpec<Req, Res extends ErrorFields> {
  protocol: string
  request: MessageCodec<Req>
  response: MessageCodec<Res>
  /** largest request a holder reads; checked before decoding */
  maxRequestBytes: number
  /** largest response an owner reads; checked before decoding */
  maxResponseBytes: number
  /** repeated-field limits applied while decoding */
  requestLimits?: DecodeOptions<Req>
  responseLimits?: DecodeOptions<Res>
  /** default deadline, ms */
  timeoutMs: number
  /** builds the error response for `code` */
  errorResponse: (code: ErrorCode, message: string) => Res
}
