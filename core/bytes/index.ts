/**
 * @packageDocumentation
 * Small byte helpers shared by every layer.
 */

/** Equality for public values (ids, digests, peer ids); not constant-time. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}

export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/**
 * Narrows a byte array to the `Uint8Array<ArrayBuffer>` that generated
 * protobuf types ask for. Our buffers never live in SharedArrayBuffers, so
 * this only informs the type checker.
 */
export function ab(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}
