import { type ErrorCode, MeshkeepError } from '../../core/index.js'
import { isErrorCode, type RpcErrorObject, rpcCodeFor } from './protocol.js'

/** The slice of a pino logger the control layer uses (pino's `Logger` fits). */
export interface ControlLogger {
  debug: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

/** The stable code of any error: its own if it is a MeshkeepError, ABORTED for aborts, INTERNAL otherwise. */
export function codeOf(err: unknown): ErrorCode {
  if (err instanceof MeshkeepError) return err.code
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return err.name === 'AbortError' ? 'ABORTED' : 'TIMEOUT'
  return 'INTERNAL'
}

/** The JSON-RPC error object for any thrown value; unexpected errors keep their message but travel as INTERNAL. */
export function errorObject(err: unknown): RpcErrorObject {
  const code = codeOf(err)
  const message = err instanceof Error ? err.message : String(err)
  return { code: rpcCodeFor(code), message, data: { code } }
}

/** An error response from the daemon, as the client raises it. */
export class ControlError extends MeshkeepError {
  /** the JSON-RPC error code */
  readonly rpcCode: number

  constructor(error: RpcErrorObject) {
    super(isErrorCode(error.data?.code) ? error.data.code : 'INTERNAL', error.message)
    this.name = 'ControlError'
    this.rpcCode = error.code
  }
}

/** The daemon could not be reached, or went away before it answered. The CLI exits 3 on it. */
export class DaemonUnreachableError extends MeshkeepError {
  readonly socket: string

  constructor(socket: string, message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options)
    this.name = 'DaemonUnreachableError'
    this.socket = socket
  }
}
