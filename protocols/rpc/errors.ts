import { type ErrorCode, MeshkeepError } from '../../core/index.js'

/**
 * Why a remote request failed. `remote` tells an answer (the peer refused,
 * with its stable code) from the lack of one (no connection, deadline,
 * garbage): owners count only the latter against a holder's reachability.
 */
export class RemoteError extends MeshkeepError {
  readonly remote: boolean
  constructor(code: ErrorCode, message: string, remote: boolean, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'RemoteError'
    this.remote = remote
  }
}
