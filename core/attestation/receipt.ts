import { ab, bytesEqual, toHex } from '../bytes/index.js'
import { CHUNK_ID_BYTES } from '../chunking/index.js'
import { type Ed25519, nativeEd25519, sha256 } from '../crypto/index.js'
import { openEnvelope, type SignedEnvelope, signEnvelope, verifyEnvelope } from '../envelope/index.js'
import { InvalidAttestationError, MeshkeepError } from '../errors/index.js'
import { type Identity, isEd25519PeerId, peerIdToString } from '../identity/index.js'
import { leafHash, MAX_PROOF_DEPTH, merkleTree, verifyInclusion } from './merkle.js'
import { Receipt } from './pb/receipt.js'

export { Receipt }

export const RECEIPT_FORMAT_V1 = 1
/** A receipt envelope is a few hundred bytes; anything larger is hostile. */
export const MAX_RECEIPT_BYTES = 1024
/** Chunks one receipt may cover. */
export const MAX_RECEIPT_BATCH = 4096

export interface ReceiptItem {
  id: Uint8Array
  size: number
}

/** A chunk's proof of storage: the batch receipt and the chunk's path in it. */
export interface ChunkAttestation {
  /** the signed receipt envelope (shared by every chunk in the batch) */
  receipt: Uint8Array
  index: number
  path: Uint8Array[]
}

/** The leaf for one chunk: H(0x00 || id || size as u32 big-endian). */
export function receiptLeaf(item: ReceiptItem): Uint8Array {
  const data = new Uint8Array(CHUNK_ID_BYTES + 4)
  data.set(item.id)
  new DataView(data.buffer).setUint32(CHUNK_ID_BYTES, item.size)
  return leafHash(data)
}

export interface IssueReceiptInit {
  holder: Identity
  owner: Uint8Array
  items: ReceiptItem[]
  storedAt: number
  leaseExpiresAt: number
  ed?: Ed25519
}

/** Holder side: one signature for a whole batch, a path per chunk. */
export function issueReceipt(init: IssueReceiptInit): ChunkAttestation[] {
  const { items } = init
  if (items.length === 0 || items.length > MAX_RECEIPT_BATCH) {
    throw new MeshkeepError('INVALID_PARAMS', `a receipt covers 1..${MAX_RECEIPT_BATCH} chunks, got ${items.length}`)
  }
  const { root, paths } = merkleTree(items.map(receiptLeaf))
  const payload = Receipt.encode({
    format: RECEIPT_FORMAT_V1,
    owner: ab(init.owner),
    holder: ab(init.holder.peerId),
    root: ab(root),
    count: items.length,
    totalBytes: BigInt(items.reduce((s, i) => s + i.size, 0)),
    storedAt: BigInt(init.storedAt),
    leaseExpiresAt: BigInt(init.leaseExpiresAt)
  })
  const receipt = signEnvelope('receipt', payload, init.holder.seed, init.ed)
  return paths.map((path, index) => ({ receipt, index, path }))
}

/** A verified attestation: what health tracking records. */
export interface VerifiedAttestation {
  holder: Uint8Array
  storedAt: number
  leaseExpiresAt: number
  /** identifies the receipt (for counting batches and de-duplicating) */
  receiptId: string
}

export interface AttestationVerifierInit {
  ed?: Ed25519
  /** how far a holder's clock may run ahead of ours, ms @default 300000 */
  maxClockSkewMs?: number
  /** verified receipts kept, so each batch signature is checked once @default 4096 */
  cacheSize?: number
}

interface CachedReceipt {
  owner: Uint8Array
  holder: Uint8Array
  root: Uint8Array
  count: number
  storedAt: number
  leaseExpiresAt: number
}

/**
 * Owner side: checks a holder's attestation for one chunk. Signature checks
 * are cached per receipt, so a batch of n chunks costs one Ed25519
 * verification and n short hash paths.
 */
export class AttestationVerifier {
  private readonly ed: Ed25519
  private readonly maxClockSkewMs: number
  private readonly cacheSize: number
  private readonly verified = new Map<string, CachedReceipt>()
  /** Ed25519 verifications actually performed (for metrics and benchmarks). */
  signatureChecks = 0

  constructor(init: AttestationVerifierInit = {}) {
    this.ed = init.ed ?? nativeEd25519
    this.maxClockSkewMs = init.maxClockSkewMs ?? 300_000
    this.cacheSize = init.cacheSize ?? 4096
  }

  /**
   * Throws `InvalidAttestationError` (with a `reason`) unless `att` proves
   * that `holder` stored chunk `item` for `owner` and its lease is current.
   */
  verify(att: ChunkAttestation, expected: { owner: Uint8Array; holder: Uint8Array; item: ReceiptItem }, now = Date.now()): VerifiedAttestation {
    const receiptId = toHex(sha256(att.receipt))
    const r = this.verified.get(receiptId) ?? this.checkReceipt(att.receipt, receiptId)
    if (!bytesEqual(r.holder, expected.holder)) {
      throw new InvalidAttestationError('wrong-holder', `receipt was signed by ${peerIdToString(r.holder)}, not by the holder that sent it`)
    }
    if (!bytesEqual(r.owner, expected.owner)) {
      throw new InvalidAttestationError('wrong-owner', 'receipt names a different owner')
    }
    if (att.path.length > MAX_PROOF_DEPTH || !verifyInclusion(receiptLeaf(expected.item), att.index, r.count, att.path, r.root)) {
      throw new InvalidAttestationError('wrong-chunk', `receipt does not cover chunk ${toHex(expected.item.id).slice(0, 16)}… of ${expected.item.size} bytes`)
    }
    if (r.storedAt > now + this.maxClockSkewMs) {
      throw new InvalidAttestationError('not-yet-valid', 'receipt is dated in the future beyond the allowed clock skew')
    }
    if (r.leaseExpiresAt <= now) {
      throw new InvalidAttestationError('expired', `receipt lease expired at ${new Date(r.leaseExpiresAt).toISOString()}`)
    }
    return { holder: r.holder, storedAt: r.storedAt, leaseExpiresAt: r.leaseExpiresAt, receiptId }
  }

  private checkReceipt(bytes: Uint8Array, receiptId: string): CachedReceipt {
    let receipt: Receipt
    let env: SignedEnvelope
    try {
      env = openEnvelope(bytes, MAX_RECEIPT_BYTES)
      receipt = Receipt.decode(env.payload)
    } catch (err) {
      throw new InvalidAttestationError('malformed', `receipt is malformed: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (
      receipt.format !== RECEIPT_FORMAT_V1 ||
      !isEd25519PeerId(receipt.holder) ||
      !isEd25519PeerId(receipt.owner) ||
      receipt.root.length !== 32 ||
      receipt.count < 1 ||
      receipt.count > MAX_RECEIPT_BATCH ||
      receipt.leaseExpiresAt <= receipt.storedAt ||
      receipt.leaseExpiresAt > BigInt(Number.MAX_SAFE_INTEGER)
    ) {
      throw new InvalidAttestationError('malformed', 'receipt fields are out of range')
    }
    this.signatureChecks++
    try {
      verifyEnvelope('receipt', env, receipt.holder, this.ed)
    } catch {
      throw new InvalidAttestationError('bad-signature', 'receipt signature does not verify under the holder key')
    }
    const cached: CachedReceipt = {
      owner: receipt.owner,
      holder: receipt.holder,
      root: receipt.root,
      count: receipt.count,
      storedAt: Number(receipt.storedAt),
      leaseExpiresAt: Number(receipt.leaseExpiresAt)
    }
    if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value as string)
    this.verified.set(receiptId, cached)
    return cached
  }
}
