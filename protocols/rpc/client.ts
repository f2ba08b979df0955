import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { ERROR_CODES, type ErrorCode, MeshkeepError } from '../../core/index.js'
import { RemoteError } from './errors.js'
import type { ErrorFields, RpcLibp2p, RpcSpec } from './spec.js'

export interface RequestOptions extends AbortOptions {
  /** deadline for the whole exchange, ms */
  timeoutMs?: number
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
    const lp = lpStream(stream, { maxDataLength: spec.maxResponseBytes })
    // encoded once: its length is what the upload cap counts
    const out = spec.request.encode(req)
    await libp2p.bandwidth?.upload?.take(out.byteLength, signal)
    await lp.write(out, { signal })
    const raw = await lp.read({ signal })
    await libp2p.bandwidth?.download?.take(raw.byteLength, signal)
    const res = spec.response.decode(raw, spec.responseLimits)
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
