import { randomBytes } from 'node:crypto'
import { ab, bytesEqual } from '../bytes/index.js'
import { CHUNK_ID_BYTES, CHUNK_OVERHEAD_BYTES, MAX_CHUNK_BYTES, MAX_PIECE_BYTES, type StateChunk, StateDigest } from '../chunking/index.js'
import { aesGcmOpen, aesGcmSeal, GCM_NONCE_BYTES } from '../crypto/index.js'
import { openEnvelope, signEnvelope, verifyEnvelope } from '../envelope/index.js'
import { InvalidManifestError, MeshkeepError } from '../errors/index.js'
import { type Identity, isEd25519PeerId, peerIdToString } from '../identity/index.js'
import { MANIFEST_FORMAT_V1, MAX_MANIFEST_BYTES, MAX_MANIFEST_CHUNKS } from './constants.js'
import { ManifestBody, ManifestHeader } from './pb/manifest.js'

export interface ChunkRef {
  id: Uint8Array
  /** ciphertext bytes, header and tag included */
  size: number
}

/** One state version, as the owner sees it after opening the manifest. */
export interface Manifest {
  version: number
  totalSize: number
  plaintextDigest: Uint8Array
  pieceSize: number
  createdAt: number
  chunks: ChunkRef[]
}

/** What anyone (holders, the DHT) can check without keys. */
export interface ManifestSummary {
  owner: Uint8Array
  version: number
}

const encoder = new TextEncoder()

function manifestAad(owner: Uint8Array, version: number): Uint8Array {
  const domain = encoder.encode('meshkeep/manifest-body/v1')
  const aad = new Uint8Array(domain.length + owner.length + 8)
  aad.set(domain)
  aad.set(owner, domain.length)
  new DataView(aad.buffer).setBigUint64(domain.length + owner.length, BigInt(version))
  return aad
}

/** Accumulates a manifest from the chunks of a state as they stream past. */
export class ManifestBuilder {
  private readonly digest = new StateDigest()
  private readonly chunks: ChunkRef[] = []

  add(chunk: StateChunk): void {
    if (this.chunks.length >= MAX_MANIFEST_CHUNKS) {
      throw new MeshkeepError(
        'INVALID_PARAMS',
        `a state version holds at most ${MAX_MANIFEST_CHUNKS} chunks (about ${Math.floor((MAX_MANIFEST_CHUNKS * MAX_PIECE_BYTES) / 1e9)} GB)`
      )
    }
    this.digest.add(chunk.pieceDigest, chunk.plainSize)
    this.chunks.push({ id: chunk.id, size: chunk.bytes.length })
  }

  get chunkCount(): number {
    return this.chunks.length
  }
  get totalSize(): number {
    return this.digest.totalBytes
  }

  build(version: number, createdAt = Date.now()): Manifest {
    return {
      version,
      totalSize: this.digest.totalBytes,
      plaintextDigest: this.digest.digest(),
      pieceSize: MAX_PIECE_BYTES,
      createdAt,
      chunks: this.chunks
    }
  }
}

/**
 * Encrypts the manifest body with the manifest key and signs the header with
 * the owner's identity. The result is what holders store and serve.
 */
export function sealManifest(manifest: Manifest, manifestKey: Uint8Array, owner: Identity): Uint8Array {
  checkVersion(manifest.version)
  const chunkIds = new Uint8Array(manifest.chunks.length * CHUNK_ID_BYTES)
  manifest.chunks.forEach((c, i) => {
    chunkIds.set(c.id, i * CHUNK_ID_BYTES)
  })
  const body = ManifestBody.encode({
    version: BigInt(manifest.version),
    totalSize: BigInt(manifest.totalSize),
    plaintextDigest: ab(manifest.plaintextDigest),
    pieceSize: manifest.pieceSize,
    createdAt: BigInt(manifest.createdAt),
    chunkIds,
    chunkSizes: manifest.chunks.map(c => c.size)
  })
  const nonce = new Uint8Array(randomBytes(GCM_NONCE_BYTES))
  const ciphertext = aesGcmSeal(manifestKey, nonce, body, manifestAad(owner.peerId, manifest.version)) as Uint8Array<ArrayBuffer>
  const header = ManifestHeader.encode({
    format: MANIFEST_FORMAT_V1,
    owner: ab(owner.peerId),
    version: BigInt(manifest.version),
    nonce,
    ciphertext
  })
  return signEnvelope('manifest', header, owner.seed)
}

/**
 * Checks a sealed manifest's size, schema and owner signature without any
 * key: what a holder does before it stores one.
 */
export function inspectManifest(sealed: Uint8Array, expectedOwner?: Uint8Array): ManifestSummary & { header: ManifestHeader } {
  const env = wrap(() => openEnvelope(sealed, MAX_MANIFEST_BYTES))
  let header: ManifestHeader
  try {
    header = ManifestHeader.decode(env.payload)
  } catch (err) {
    throw new InvalidManifestError('manifest header is not valid protobuf', { cause: err })
  }
  if (header.format !== MANIFEST_FORMAT_V1) throw new InvalidManifestError(`unknown manifest format ${header.format}`)
  if (!isEd25519PeerId(header.owner)) throw new InvalidManifestError('manifest owner is not an Ed25519 peer id')
  if (expectedOwner !== undefined && !bytesEqual(header.owner, expectedOwner)) {
    throw new InvalidManifestError(`manifest belongs to ${peerIdToString(header.owner)}, not to the expected owner`)
  }
  if (header.nonce.length !== GCM_NONCE_BYTES) throw new InvalidManifestError('manifest nonce has the wrong length')
  const version = toSafeNumber(header.version, 'version')
  wrap(() => verifyEnvelope('manifest', env, header.owner))
  return { owner: header.owner, version, header }
}

/** Verifies, decrypts and validates a sealed manifest for its owner. */
export function openManifest(sealed: Uint8Array, manifestKey: Uint8Array, owner: Uint8Array): Manifest {
  const { header, version } = inspectManifest(sealed, owner)
  const bodyBytes = wrap(() => aesGcmOpen(manifestKey, header.nonce, header.ciphertext, manifestAad(owner, version)))
  let body: ManifestBody
  try {
    body = ManifestBody.decode(bodyBytes, { limits: { chunkSizes: MAX_MANIFEST_CHUNKS } })
  } catch (err) {
    throw new InvalidManifestError('manifest body does not match the schema', { cause: err })
  }
  return validateBody(body, version)
}

function validateBody(body: ManifestBody, version: number): Manifest {
  if (toSafeNumber(body.version, 'body version') !== version) throw new InvalidManifestError('manifest body version differs from its signed header')
  const count = body.chunkSizes.length
  if (body.chunkIds.length !== count * CHUNK_ID_BYTES) {
    throw new InvalidManifestError(`manifest lists ${count} chunk sizes but ${body.chunkIds.length / CHUNK_ID_BYTES} chunk ids`)
  }
  if (body.plaintextDigest.length !== 32) throw new InvalidManifestError('manifest plaintext digest must be 32 bytes')
  if (body.pieceSize < 1 || body.pieceSize > MAX_PIECE_BYTES) throw new InvalidManifestError(`manifest piece size ${body.pieceSize} is out of range`)
  const totalSize = toSafeNumber(body.totalSize, 'total size')
  const chunks: ChunkRef[] = new Array(count)
  let plain = 0
  for (let i = 0; i < count; i++) {
    const size = body.chunkSizes[i] ?? 0
    const full = body.pieceSize + CHUNK_OVERHEAD_BYTES
    if (size < CHUNK_OVERHEAD_BYTES || size > MAX_CHUNK_BYTES || (i < count - 1 && size !== full) || size > full) {
      throw new InvalidManifestError(`manifest chunk ${i} has impossible size ${size}`)
    }
    plain += size - CHUNK_OVERHEAD_BYTES
    chunks[i] = { id: body.chunkIds.subarray(i * CHUNK_ID_BYTES, (i + 1) * CHUNK_ID_BYTES), size }
  }
  if (plain !== totalSize) throw new InvalidManifestError(`manifest chunk sizes add up to ${plain} bytes, not the stated ${totalSize}`)
  return {
    version,
    totalSize,
    plaintextDigest: body.plaintextDigest,
    pieceSize: body.pieceSize,
    createdAt: toSafeNumber(body.createdAt, 'created-at'),
    chunks
  }
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw new MeshkeepError('INVALID_PARAMS', `version must be a positive integer, got ${version}`)
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidManifestError(`manifest ${what} ${value} is out of range`)
  return Number(value)
}

/** Re-labels lower-level failures as manifest failures, keeping the cause. */
function wrap<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof InvalidManifestError) throw err
    const message = err instanceof Error ? err.message : String(err)
    throw new InvalidManifestError(`manifest rejected: ${message}`, { cause: err })
  }
}
