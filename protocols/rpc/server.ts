import type { PeerId, Startable } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { InvalidMessageError, MeshkeepError } from '../../core/index.js'
import type { ErrorFields, RpcLibp2p, RpcSpec } from './spec.js'

/** How long a peer that sent a malformed request may keep its stream after our error answer, ms. */
const INVALID_STREAM_RESET_GRACE_MS = 2_000

/** What a handler learns about the request besides its message. */
export interface ServeContext {
  remotePeer: PeerId
  /** aborted at the protocol's deadline */
  signal: AbortSignal
}

export type RpcHandler<Req, Res> = (req: Req, ctx: ServeContext) => Promise<Res>

export interface ServeOptions {
  /** inbound streams of this protocol per connection @default 64 */
  maxInboundStreams?: number
  /** called for every failed request, with the full error (local logs, metrics) */
  onError?: (err: MeshkeepError, remotePeer: PeerId) => void
}

/**
 * What a remote peer is told about a failure: the stable code, and the
 * message only of errors raised on purpose. Anything else (a bug, a disk
 * error, a library's exception) is `INTERNAL` with no detail: its text may
 * name paths or internals, which are the holder's business alone.
 */
export function remoteFailure(err: unknown): MeshkeepError {
  if (err instanceof MeshkeepError && err.code !== 'INTERNAL') return err
  return new MeshkeepError('INTERNAL', 'internal error', { cause: err })
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
  handler: RpcHandler<Req, Res>,
  options: ServeOptions = {}
): Promise<void> {
  await libp2p.handle(
    spec.protocol,
    async (stream, connection) => {
      const signal = AbortSignal.timeout(spec.timeoutMs)
      const lp = lpStream(stream, { maxDataLength: spec.maxRequestBytes })
      const { bandwidth } = libp2p
      let res: Res
      let failed: MeshkeepError | undefined
      try {
        const invalid = (err: unknown) => new InvalidMessageError(`malformed or oversized ${spec.protocol} request`, { cause: err })
        const raw = await lp.read({ signal }).catch(err => {
          throw invalid(err)
        })
        await bandwidth?.download?.take(raw.byteLength, signal)
        let req: Req
        try {
          req = spec.request.decode(raw, spec.requestLimits)
        } catch (err) {
          throw invalid(err)
        }
        res = await handler(req, { remotePeer: connection.remotePeer, signal })
      } catch (err) {
        const full = err instanceof MeshkeepError ? err : new MeshkeepError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err })
        options.onError?.(full, connection.remotePeer)
        failed = remoteFailure(err)
        res = spec.errorResponse(failed.code, failed.message)
      }
      try {
        const out = spec.response.encode(res)
        await bandwidth?.upload?.take(out.byteLength, signal)
        await lp.write(out, { signal })
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

export interface RpcServerComponents {
  libp2p: RpcLibp2p
}

/**
 * One protocol's server as a libp2p-style service: `start()` registers the
 * handler, `stop()` removes it.
 */
export class RpcServer<Req, Res extends ErrorFields> implements Startable {
  private started = false

  constructor(
    private readonly components: RpcServerComponents,
    private readonly spec: RpcSpec<Req, Res>,
    private readonly handler: RpcHandler<Req, Res>,
    private readonly options: ServeOptions = {}
  ) {}

  get protocol(): string {
    return this.spec.protocol
  }

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    await serve(this.components.libp2p, this.spec, this.handler, this.options)
    this.started = true
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.components.libp2p.unhandle(this.spec.protocol).catch(() => {})
  }
}
