/**
 * Typed errors with stable codes.
 *
 * Every failure a user, the CLI or the control socket can see is a
 * `MeshkeepError` with a `code` from {@link ERROR_CODES}. Callers match on
 * `err.code` (stable across releases), never on the message text.
 */

/** Every stable error code, with the one-line meaning the README documents. */
export const ERROR_CODES = {
  INVALID_PHRASE: 'the recovery phrase is malformed, has an unknown word or a bad checksum',
  INVALID_KEY: 'a key or secret has the wrong length or form',
  DECRYPT_FAILED: 'authenticated decryption failed: wrong key, tampered or truncated data',
  INVALID_CHUNK: 'a chunk is malformed, oversized or does not match its id',
  INVALID_MANIFEST: 'a manifest failed its schema, size limit or signature',
  INVALID_SIGNATURE: 'a signature did not verify',
  INVALID_ATTESTATION: 'a holder receipt is forged, mismatched or expired',
  INVALID_MESSAGE: 'a wire message is malformed, oversized or unexpected',
  INTEGRITY_FAILED: 'rebuilt data does not match the digest the manifest promised',
  WRITE_BLOCKED: 'new writes are refused until the latest version is replicated again',
  INVALID_PARAMS: 'a request or argument is invalid',
  INVALID_CONFIG: 'the configuration is invalid',
  INSECURE_PERMISSIONS: 'a secret file or the data directory is readable or writable by other users',
  UNSUPPORTED_VERSION: 'data on disk was written by a newer meshkeep than this one',
  NOT_FOUND: 'the requested item does not exist',
  BUSY: 'the daemon is busy with conflicting work; retry later',
  QUOTA_EXCEEDED: 'a holder refused data: the owner quota or total capacity is full',
  DISK_FULL: 'the disk is full: the write was refused and nothing of it was kept; free space and retry',
  RATE_LIMITED: 'too many requests from this peer; retry later',
  NOT_ALLOWED: 'the holder does not serve this owner (its acceptOwners list), or the peer is not part of this mesh',
  TIMEOUT: 'an operation did not finish within its deadline',
  ABORTED: 'an operation was cancelled',
  UNAVAILABLE: 'no holder could serve the request',
  IDENTITY_ROTATED: 'this identity was replaced by `meshkeep rotate`: recover with the newer recovery phrase',
  INTERNAL: 'an unexpected internal error'
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** Base class of every error meshkeep raises on purpose. */
export class MeshkeepError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'MeshkeepError'
  }
}

export class InvalidPhraseError extends MeshkeepError {
  constructor(message: string) {
    super('INVALID_PHRASE', message)
    this.name = 'InvalidPhraseError'
  }
}

export class InvalidKeyError extends MeshkeepError {
  constructor(message: string) {
    super('INVALID_KEY', message)
    this.name = 'InvalidKeyError'
  }
}

export class DecryptionError extends MeshkeepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DECRYPT_FAILED', message, options)
    this.name = 'DecryptionError'
  }
}

export class InvalidChunkError extends MeshkeepError {
  constructor(message: string) {
    super('INVALID_CHUNK', message)
    this.name = 'InvalidChunkError'
  }
}

export class InvalidManifestError extends MeshkeepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MANIFEST', message, options)
    this.name = 'InvalidManifestError'
  }
}

export class InvalidSignatureError extends MeshkeepError {
  constructor(message: string) {
    super('INVALID_SIGNATURE', message)
    this.name = 'InvalidSignatureError'
  }
}

/** Why a receipt was rejected; stable so callers can count each kind. */
export type AttestationRejection = 'malformed' | 'bad-signature' | 'wrong-owner' | 'wrong-holder' | 'wrong-chunk' | 'expired' | 'not-yet-valid'

export class InvalidAttestationError extends MeshkeepError {
  readonly reason: AttestationRejection
  constructor(reason: AttestationRejection, message: string) {
    super('INVALID_ATTESTATION', message)
    this.name = 'InvalidAttestationError'
    this.reason = reason
  }
}

export class InvalidMessageError extends MeshkeepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MESSAGE', message, options)
    this.name = 'InvalidMessageError'
  }
}

export class IntegrityError extends MeshkeepError {
  constructor(message: string) {
    super('INTEGRITY_FAILED', message)
    this.name = 'IntegrityError'
  }
}

export class WriteBlockedError extends MeshkeepError {
  constructor(message: string) {
    super('WRITE_BLOCKED', message)
    this.name = 'WriteBlockedError'
  }
}

export class InvalidParamsError extends MeshkeepError {
  constructor(message: string) {
    super('INVALID_PARAMS', message)
    this.name = 'InvalidParamsError'
  }
}

/** True when `err` is a MeshkeepError carrying `code`. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof MeshkeepError && err.code === code
}
