/**
 * The control socket's wire protocol: JSON-RPC 2.0 messages, one per line,
 * plus binary frames for the byte streams of `put`, `get` and `recover`.
 * docs/CONTROL-SOCKET.md describes it for client authors.
 */
import { ERROR_CODES, type ErrorCode } from '../../core/index.js'

export const JSONRPC_VERSION = '2.0'

/** JSON-RPC 2.0 error codes. Meshkeep errors use the server range; `error.data.code` names the stable meshkeep code. */
export const RPC_CODES = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** any other meshkeep error (WRITE_BLOCKED, NOT_FOUND, BUSY, …) */
  SERVER_ERROR: -32000
} as const

/** Largest payload of one binary frame: 1 MiB. */
export const MAX_FRAME_BYTES = 1024 * 1024

/** Frame header value that ends a stream cleanly. */
export const FRAME_END = 0

/** Frame header value that ends a stream because its sender gave up; the response line that follows carries the error. */
export const FRAME_ABORT = 0xffff_ffff

/**
 * Frame header value of a status frame, sent by the daemon in a download
 * whose request asked for them (`params.progress: true`): a u32 length
 * follows, then that many bytes of a UTF-8 JSON object describing what the
 * operation is doing (e.g. `{"phase":"waiting for the mesh","members":3}`).
 */
export const FRAME_STATUS = 0xffff_fffe

/** Largest status frame payload, bytes. */
export const MAX_STATUS_BYTES = 4096

/** Bytes of a frame header (u32 big-endian payload length). */
export const FRAME_HEADER_BYTES = 4

/** How a method moves bytes besides its JSON request and response. */
export type StreamKind = 'none' | 'upload' | 'download'

/** Every method the daemon answers, with its stream direction. */
export const METHODS = {
  id: 'none',
  status: 'none',
  replication: 'none',
  peers: 'none',
  holdings: 'none',
  leave: 'none',
  shutdown: 'none',
  put: 'upload',
  get: 'download',
  recover: 'download',
  versions: 'none',
  rotate: 'none',
  rotation: 'none'
} as const satisfies Record<string, StreamKind>

export type MethodName = keyof typeof METHODS

export type RequestId = string | number | null

export interface RpcRequest {
  jsonrpc: typeof JSONRPC_VERSION
  id?: RequestId
  method: string
  params?: Record<string, unknown>
}

export interface RpcErrorObject {
  code: number
  message: string
  data?: { code: ErrorCode }
}

export type RpcResponse =
  | { jsonrpc: typeof JSONRPC_VERSION; id: RequestId; result: unknown }
  | { jsonrpc: typeof JSONRPC_VERSION; id: RequestId; error: RpcErrorObject }

/** The JSON-RPC code a meshkeep error code travels with. */
export function rpcCodeFor(code: ErrorCode): number {
  if (code === 'INVALID_PARAMS') return RPC_CODES.INVALID_PARAMS
  if (code === 'INTERNAL') return RPC_CODES.INTERNAL_ERROR
  return RPC_CODES.SERVER_ERROR
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}

export function isMethodName(value: string): value is MethodName {
  return Object.hasOwn(METHODS, value)
}

/** Encodes one frame header. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
  header.writeUInt32BE(length, 0)
  return header
}
