import { createHmac, hash } from 'node:crypto'

/** SHA-256 in one call (native, uses SHA-NI where the CPU has it). */
export function sha256(data: Uint8Array): Uint8Array {
  const out = hash('sha256', data, 'buffer')
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const mac = createHmac('sha256', key)
  for (const part of parts) mac.update(part)
  const out = mac.digest()
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}
