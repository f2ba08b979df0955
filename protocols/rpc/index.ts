/**
 * @packageDocumentation
 * Request/response over libp2p streams: length-prefixed protobuf, sizes
 * checked before decoding, a deadline on every exchange, error responses
 * with stable codes.
 */

export {
  type ErrorFields,
  type MessageCodec,
  OK,
  RemoteError,
  type RequestOptions,
  type RpcLibp2p,
  type RpcSpec,
  request,
  type ServeContext,
  type ServeOptions,
  serve
} from './rpc.js'
