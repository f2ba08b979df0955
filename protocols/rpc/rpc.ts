import type { AbortOptions, Connection, PeerId, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { pbStream } from '@libp2p/utils'
import type { DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ERROR_CODES, type ErrorCode, InvalidMessageError, MeshkeepError } from '../../core/index.js'

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

/** The slice of libp2p that request/response protocols use. */
export interface RpcLibp2p {
  dialProtocol: (peer: PeerId, protocols: string | string[], options?: AbortOptions) => Promise<Stream>
  handle: (protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: StreamHandlerOptions) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  /** closes every connection to a peer; used to replace a dead connection (every libp2p node has it) */
  hangUp?: (peer: PeerId, options?: AbortOptions) => Promise<void>
}

/**
 * Opens a protocol stream. libp2p 3 can keep a connection whose stream muxer
 * has closed while its socket is still open: every new stream on it fails
 * with `ConnectionClosedError`, and dialing again hands back the same dead
 * connection (seen when a peer restarts with the same identity). So on that
 * error we hang up and dial once more, which opens a fresh connection.
 */
async function openStream(libp2p: RpcLibp2p, peer: PeerId, protocol: string, signal: AbortSignal): Promise<Stream> {
  try {
    return await libp2p.dialProtocol(peer, protocol, { signal })
  } catch (err) {
    if (libp2p.hangUp == null || !(err instanceof Error && err.name === 'ConnectionClosedError') || signal.aborted) throw err
    await libp2p.hangUp(peer, { signal }).catch(() => {})
    return libp2p.dialProtocol(peer, protocol, { signal })
  }
}

export interface RequestOptions extends AbortOptions {
  /** deadline for the whole exchange, ms */
  timeoutMs?: number
}

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

/** Why a remote request failed, with the remote's stable code when it sent one. */
export class RemoteError extends MeshkeepError {
  readonly remote: boolean
  constructor(code: ErrorCode, message: string, remote: boolean, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'RemoteError'
    this.remote = remote
  }
}

function deadline(options: RequestOptions, fallbackMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? fallbackMs)
  return options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
}

function toCode(code: string): ErrorCode {
  return (code in ERROR_CODES ? code : 'INTERNAL') as ErrorCode
}

/** Maps a transport failure to a typed error the caller can act on. */
function transportError(err: unknown, signal: AbortSignal, protocol: string): MeshkeepError {
  if (err instanceof MeshkeepError) return err
  const message = err instanceof Error ? err.message : String(err)
  const name = err instanceof Error ? err.name : ''
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined
    return reason?.name === 'TimeoutError'
      ? new RemoteError('TIMEOUT', `${protocol}: no answer before the deadline`, false, { cause: err })
      : new RemoteError('ABORTED', `${protocol}: cancelled`, false, { cause: err })
  }
  if (name === 'InvalidDataLengthError' || name === 'InvalidMessageLengthError' || name === 'InvalidDataLengthLengthError') {
    return new RemoteError('INVALID_MESSAGE', `${protocol}: response exceeds its size limit`, false, { cause: err })
  }
  return new RemoteError('UNAVAILABLE', `${protocol}: ${message}`, false, { cause: err })
}

/**
 * One request, one response, on a fresh stream, within a deadline. The
 * response is size-checked before decoding; an error response becomes a
 * `RemoteError` carrying the holder's code.
 */
export async function request<Req, Res extends ErrorFields>(
  libp2p: RpcLibp2p,
  peer: PeerId,
  spec: RpcSpec<Req, Res>,
  req: Req,
  options: RequestOptions = {}
): Promise<Res> {
  const signal = deadline(options, spec.timeoutMs)
  let stream: Stream | undefined
  try {
    stream = await openStream(libp2p, peer, spec.protocol, signal)
    const pb = pbStream(stream, { maxDataLength: spec.maxResponseBytes })
    await pb.write(req, spec.request, { signal })
    const res = await pb.read(spec.response, { signal, ...spec.responseLimits })
    await stream.close({ signal }).catch(() => {})
    if (res.errorCode !== '') {
      throw new RemoteError(toCode(res.errorCode), `${spec.protocol}: holder refused: ${res.errorMessage.slice(0, 500)}`, true)
    }
    return res
  } catch (err) {
    const mapped = transportError(err, signal, spec.protocol)
    stream?.abort(mapped)
    throw mapped
  }
}

/** How long a peer that sent a malformed request may keep its stream after our error answer, ms. */
const INVALID_STREAM_RESET_GRACE_MS = 2_000

export interface ServeContext {
  remotePeer: PeerId
  signal: AbortSignal
}

export interface ServeOptions {
  maxInboundStreams?: number
  /** called for every failed request (logging, metrics) */
  onError?: (err: MeshkeepError, remotePeer: PeerId) => void
}

/**
 * Registers a handler that reads exactly one request (size-checked before it
 * is decoded), answers with the handler's response, and closes. A malformed,
 * oversized or failing request gets an error response and the stream is
 * reset; the handler's failure never escapes to the node.
 */
export async function serve<Req, Res extends ErrorFields>(
  libp2p: RpcLibp2p,
  spec: RpcSpec<Req, Res>,
  handler: (req: Req, ctx: ServeContext) => Promise<Res>,
  options: ServeOptions = {}
): Promise<void> {
  await libp2p.handle(
    spec.protocol,
    async (stream, connection) => {
      const signal = AbortSignal.timeout(spec.timeoutMs)
      const pb = pbStream(stream, { maxDataLength: spec.maxRequestBytes })
      let res: Res
      let failed: MeshkeepError | undefined
      try {
        let req: Req
        try {
          req = await pb.read(spec.request, { signal, ...spec.requestLimits })
        } catch (err) {
          throw new InvalidMessageError(`malformed or oversized ${spec.protocol} request: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
        }
        res = await handler(req, { remotePeer: connection.remotePeer, signal })
      } catch (err) {
        failed = err instanceof MeshkeepError ? err : new MeshkeepError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err })
        res = spec.errorResponse(failed.code, failed.message)
        options.onError?.(failed, connection.remotePeer)
      }
      try {
        await pb.write(res, spec.response, { signal })
        await stream.close({ signal })
        if (failed?.code === 'INVALID_MESSAGE') {
          // The peer sent junk. Resetting at once would discard the error answer in flight, so the
          // stream is reset only if the peer has not finished with it after a short grace.
          const invalid = failed
          setTimeout(() => {
            if (stream.status !== 'closed') stream.abort(invalid)
          }, INVALID_STREAM_RESET_GRACE_MS).unref()
        }
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    },
    { maxInboundStreams: options.maxInboundStreams ?? 64, force: true }
  )
}

/** Error fields for a successful response. */
export const OK: ErrorFields = { errorCode: '', errorMessage: '' }
