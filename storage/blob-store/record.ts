import { crc32 } from 'node:zlib'

/**
 * One record of a segment file: a blob as it was written.
 *
 *   offset  size  field
 *   0       4     magic "MKB1"
 *   4       4     CRC-32 of everything after this field
 *   8       1     namespace length (≤ 255)
 *   9       1     id length (≤ 255)
 *   10      2     metadata length (≤ 65535)
 *   12      4     payload length
 *   16      …     namespace (UTF-8), id, metadata, payload
 *
 * Big-endian. The namespace, id and metadata make a segment enough to
 * rebuild the index from; the CRC catches torn and damaged records.
 */
export const RECORD_MAGIC = 0x4d4b4231
export const RECORD_HEADER_BYTES = 16

export interface BlobRecord {
  ns: string
  id: Uint8Array
  meta: Uint8Array
  payload: Uint8Array
}

const text = new TextEncoder()
const untext = new TextDecoder('utf-8', { fatal: true })

/**
 * The bytes of one record, as a list of parts so the payload is written
 * where it already lies (no copy of the blob).
 */
export function encodeRecord(r: BlobRecord): { parts: Uint8Array[]; length: number } {
  const ns = text.encode(r.ns)
  if (ns.length > 255 || r.id.length > 255 || r.meta.length > 65_535) throw new RangeError('namespace, id or metadata too long for a record')
  const head = Buffer.alloc(RECORD_HEADER_BYTES + ns.length + r.id.length + r.meta.length)
  head.writeUInt32BE(RECORD_MAGIC, 0)
  head.writeUInt8(ns.length, 8)
  head.writeUInt8(r.id.length, 9)
  head.writeUInt16BE(r.meta.length, 10)
  head.writeUInt32BE(r.payload.length, 12)
  head.set(ns, RECORD_HEADER_BYTES)
  head.set(r.id, RECORD_HEADER_BYTES + ns.length)
  head.set(r.meta, RECORD_HEADER_BYTES + ns.length + r.id.length)
  const crc = crc32(r.payload, crc32(head.subarray(8)))
  head.writeUInt32BE(crc, 4)
  return { parts: [head, r.payload], length: head.length + r.payload.length }
}

/** What the fixed header says: the record's total length, or why it is not a record. */
export function recordLength(header: Uint8Array): number | 'not a record' {
  if (header.length < RECORD_HEADER_BYTES) return 'not a record'
  const v = Buffer.from(header.buffer, header.byteOffset, header.byteLength)
  if (v.readUInt32BE(0) !== RECORD_MAGIC) return 'not a record'
  return RECORD_HEADER_BYTES + v.readUInt8(8) + v.readUInt8(9) + v.readUInt16BE(10) + v.readUInt32BE(12)
}

/** Parses and checks a whole record; a string says what is wrong with it. */
export function decodeRecord(bytes: Uint8Array): BlobRecord | string {
  const length = recordLength(bytes)
  if (length === 'not a record') return 'no record magic'
  if (bytes.length !== length) return `record is ${bytes.length} bytes, its header says ${length}`
  const v = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (crc32(v.subarray(8)) !== v.readUInt32BE(4)) return 'checksum mismatch'
  const nsLen = v.readUInt8(8)
  const idLen = v.readUInt8(9)
  const metaLen = v.readUInt16BE(10)
  let at = RECORD_HEADER_BYTES
  let ns: string
  try {
    ns = untext.decode(v.subarray(at, at + nsLen))
  } catch {
    return 'namespace is not UTF-8'
  }
  at += nsLen
  // plain Uint8Array views over the record's bytes (no copy)
  const view = (from: number, to: number) => new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from)
  const id = view(at, at + idLen)
  at += idLen
  const meta = view(at, at + metaLen)
  at += metaLen
  return { ns, id, meta, payload: view(at, bytes.length) }
}
