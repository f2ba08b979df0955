/**
 * @packageDocumentation
 * Request/response over libp2p streams, shared by every meshkeep protocol:
 * one length-prefixed protobuf request and one response on a fresh stream,
 * sizes checked before decoding, a deadline on every exchange, error
 * responses with stable codes (and no internals) for remote peers.
 */

export { type BandwidthLimits, Throttle } from './bandwidth.js'
export { type RequestOptions, request } from './client.js'
export { RemoteError } from './errors.js'
export { type RpcHandler, RpcServer, type RpcServerComponents, remoteFailure, type ServeContext, type ServeOptions, serve } from './server.js'
export { type ErrorFields, type MessageCodec, OK, type RpcLibp2p, type RpcSpec } from './spec.js'
