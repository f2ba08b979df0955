import { MeshkeepError } from '../core/index.js'

/** Why a registry record or version pointer was rejected; stable so callers and metrics can count each kind. */
export type RecordRejection =
  | 'oversized'
  | 'malformed'
  | 'non-canonical'
  | 'bad-key'
  | 'key-mismatch'
  | 'bad-peer-id'
  | 'too-many-addrs'
  | 'bad-addr'
  | 'bad-capacity'
  | 'too-many-holders'
  | 'bad-manifest-id'
  | 'out-of-range'
  | 'wrong-owner'
  | 'bad-signature'

/**
 * A DHT record in the `mkreg` or `mkptr` namespace failed validation. The
 * code is `INVALID_SIGNATURE` for a bad signature and `INVALID_MESSAGE` for
 * everything else; `reason` says which check failed.
 */
export class InvalidRegistryRecordError extends MeshkeepError {
  readonly reason: RecordRejection
  /** which kind of record was rejected */
  readonly record: 'registry-record' | 'version-pointer'

  constructor(record: 'registry-record' | 'version-pointer', reason: RecordRejection, message: string, options?: { cause?: unknown }) {
    super(reason === 'bad-signature' ? 'INVALID_SIGNATURE' : 'INVALID_MESSAGE', `${record}: ${message}`, options)
    this.name = 'InvalidRegistryRecordError'
    this.reason = reason
    this.record = record
  }
}
