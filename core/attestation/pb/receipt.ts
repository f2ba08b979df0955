import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Receipt {
  format: number
  owner: Uint8Array<ArrayBuffer>
  holder: Uint8Array<ArrayBuffer>
  root: Uint8Array<ArrayBuffer>
  count: number
  totalBytes: bigint
  storedAt: bigint
  leaseExpiresAt: bigint
}

export namespace Receipt {
  let _codec: Codec<Receipt>

  export const codec = (): Codec<Receipt> => {
    if (_codec == null) {
      _codec = message<Receipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.format != null && obj.format !== 0)) {
          w.uint32(8)
          w.uint32(obj.format)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.owner)
        }

        if ((obj.holder != null && obj.holder.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.holder)
        }

        if ((obj.root != null && obj.root.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.root)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(40)
          w.uint32(obj.count)
        }

        if ((obj.totalBytes != null && obj.totalBytes !== 0n)) {
          w.uint32(48)
          w.uint64(obj.totalBytes)
        }

        if ((obj.storedAt != null && obj.storedAt !== 0n)) {
          w.uint32(56)
          w.uint64(obj.storedAt)
        }

        if ((obj.leaseExpiresAt != null && obj.leaseExpiresAt !== 0n)) {
          w.uint32(64)
          w.uint64(obj.leaseExpiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          format: 0,
          owner: uint8ArrayAlloc(0),
          holder: uint8ArrayAlloc(0),
          root: uint8ArrayAlloc(0),
          count: 0,
          totalBytes: 0n,
          storedAt: 0n,
          leaseExpiresAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.format = reader.uint32()
              break
            }
            case 2: {
              obj.owner = reader.bytes()
              break
            }
            case 3: {
              obj.holder = reader.bytes()
              break
            }
            case 4: {
              obj.root = reader.bytes()
              break
            }
            case 5: {
              obj.count = reader.uint32()
              break
            }
            case 6: {
              obj.totalBytes = reader.uint64()
              break
            }
            case 7: {
              obj.storedAt = reader.uint64()
              break
            }
            case 8: {
              obj.leaseExpiresAt = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.format`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.holder`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.root`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.totalBytes`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.storedAt`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.leaseExpiresAt`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReceiptFormatFieldEvent {
    field: '$.format'
    value: number
  }

  export interface ReceiptOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReceiptHolderFieldEvent {
    field: '$.holder'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReceiptRootFieldEvent {
    field: '$.root'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReceiptCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface ReceiptTotalBytesFieldEvent {
    field: '$.totalBytes'
    value: bigint
  }

  export interface ReceiptStoredAtFieldEvent {
    field: '$.storedAt'
    value: bigint
  }

  export interface ReceiptLeaseExpiresAtFieldEvent {
    field: '$.leaseExpiresAt'
    value: bigint
  }

  export function encode (obj: Partial<Receipt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Receipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Receipt {
    return decodeMessage(buf, Receipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Generator<ReceiptFormatFieldEvent | ReceiptOwnerFieldEvent | ReceiptHolderFieldEvent | ReceiptRootFieldEvent | ReceiptCountFieldEvent | ReceiptTotalBytesFieldEvent | ReceiptStoredAtFieldEvent | ReceiptLeaseExpiresAtFieldEvent> {
    return streamMessage(buf, Receipt.codec(), opts)
  }
}
