import { createHash, type Hash } from 'node:crypto'

/**
 * The state's plaintext digest: SHA-256 over the ordered per-piece SHA-256
 * digests (a hash list). Each piece digest is computed once anyway for the
 * synthetic nonce, so the whole-state digest costs no second pass over the
 * data, and it still pins every byte and the order of the pieces.
 */
export class StateDigest {
  private readonly hash: Hash = createHash('sha256')
  private pieces = 0
  private bytes = 0

  add(pieceDigest: Uint8Array, pieceLength: number): void {
    this.hash.update(pieceDigest)
    this.pieces++
    this.bytes += pieceLength
  }

  get pieceCount(): number {
    return this.pieces
  }
  get totalBytes(): number {
    return this.bytes
  }

  digest(): Uint8Array {
    const out = this.hash.digest()
    return new Uint8Array(out.buffer, out.byteOffset, out.length)
  }
}
