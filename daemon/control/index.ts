/**
 * @packageDocumentation
 * The control socket: JSON-RPC 2.0 over a Unix socket, with binary frames
 * for state bytes. The daemon runs a {@link ControlServer}; the CLI talks to
 * it with a {@link ControlClient}. docs/CONTROL-SOCKET.md has the protocol.
 */
export { type CallOptions, type ClientOptions, ControlClient, type StreamOptions } from './client.js'
export { ControlError, type ControlLogger, codeOf, DaemonUnreachableError, errorObject } from './errors.js'
export {
  FRAME_ABORT,
  FRAME_END,
  FRAME_HEADER_BYTES,
  frameHeader,
  isErrorCode,
  isMethodName,
  JSONRPC_VERSION,
  MAX_FRAME_BYTES,
  METHODS,
  type MethodName,
  type RequestId,
  RPC_CODES,
  type RpcErrorObject,
  type RpcRequest,
  type RpcResponse,
  rpcCodeFor,
  type StreamKind
} from './protocol.js'
export { ControlServer, type ControlServerInit, type MethodContext, type MethodHandler, type MethodTable } from './server.js'
export { assertSocketPath, claimSocketPath, MAX_SOCKET_PATH_BYTES, socketAnswers } from './socket-file.js'
export { type Frame, type LineResult, type ReadOptions, SocketReader } from './socket-reader.js'
export { SocketWriter, type WriteOptions } from './socket-writer.js'
