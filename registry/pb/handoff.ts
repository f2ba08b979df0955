import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface IdentityHandoff {
  format: number
  from: Uint8Array<ArrayBuffer>
  to: Uint8Array<ArrayBuffer>
  rotatedAt: bigint
}

export namespace IdentityHandoff {
  let _codec: Codec<IdentityHandoff>

  export const codec = (): Codec<IdentityHandoff> => {
    if (_codec == null) {
      _codec = message<IdentityHandoff>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.format != null && obj.format !== 0)) {
          w.uint32(8)
          w.uint32(obj.format)
        }

        if ((obj.from != null && obj.from.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.from)
        }

        if ((obj.to != null && obj.to.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.to)
        }

        if ((obj.rotatedAt != null && obj.rotatedAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.rotatedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          format: 0,
          from: uint8ArrayAlloc(0),
          to: uint8ArrayAlloc(0),
          rotatedAt: 0n
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
              obj.from = reader.bytes()
              break
            }
            case 3: {
              obj.to = reader.bytes()
              break
            }
            case 4: {
              obj.rotatedAt = reader.uint64()
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
                field: `${prefix}.from`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.to`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.rotatedAt`,
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

  export interface IdentityHandoffFormatFieldEvent {
    field: '$.format'
    value: number
  }

  export interface IdentityHandoffFromFieldEvent {
    field: '$.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface IdentityHandoffToFieldEvent {
    field: '$.to'
    value: Uint8Array<ArrayBuffer>
  }

  export interface IdentityHandoffRotatedAtFieldEvent {
    field: '$.rotatedAt'
    value: bigint
  }

  export function encode (obj: Partial<IdentityHandoff>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IdentityHandoff.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdentityHandoff>): IdentityHandoff {
    return decodeMessage(buf, IdentityHandoff.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IdentityHandoff>): Generator<IdentityHandoffFormatFieldEvent | IdentityHandoffFromFieldEvent | IdentityHandoffToFieldEvent | IdentityHandoffRotatedAtFieldEvent> {
    return streamMessage(buf, IdentityHandoff.codec(), opts)
  }
}
