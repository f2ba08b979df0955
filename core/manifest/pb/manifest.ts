import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ManifestHeader {
  format: number
  owner: Uint8Array<ArrayBuffer>
  version: bigint
  nonce: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
}

export namespace ManifestHeader {
  let _codec: Codec<ManifestHeader>

  export const codec = (): Codec<ManifestHeader> => {
    if (_codec == null) {
      _codec = message<ManifestHeader>((obj, w, opts = {}) => {
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

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(24)
          w.uint64(obj.version)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.nonce)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          format: 0,
          owner: uint8ArrayAlloc(0),
          version: 0n,
          nonce: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
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
              obj.version = reader.uint64()
              break
            }
            case 4: {
              obj.nonce = reader.bytes()
              break
            }
            case 5: {
              obj.ciphertext = reader.bytes()
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
                field: `${prefix}.version`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
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

  export interface ManifestHeaderFormatFieldEvent {
    field: '$.format'
    value: number
  }

  export interface ManifestHeaderOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestHeaderVersionFieldEvent {
    field: '$.version'
    value: bigint
  }

  export interface ManifestHeaderNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestHeaderCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ManifestHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ManifestHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestHeader>): ManifestHeader {
    return decodeMessage(buf, ManifestHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestHeader>): Generator<ManifestHeaderFormatFieldEvent | ManifestHeaderOwnerFieldEvent | ManifestHeaderVersionFieldEvent | ManifestHeaderNonceFieldEvent | ManifestHeaderCiphertextFieldEvent> {
    return streamMessage(buf, ManifestHeader.codec(), opts)
  }
}

export interface ManifestBody {
  version: bigint
  totalSize: bigint
  plaintextDigest: Uint8Array<ArrayBuffer>
  pieceSize: number
  createdAt: bigint
  chunkIds: Uint8Array<ArrayBuffer>
  chunkSizes: number[]
}

export namespace ManifestBody {
  let _codec: Codec<ManifestBody>

  export const codec = (): Codec<ManifestBody> => {
    if (_codec == null) {
      _codec = message<ManifestBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(8)
          w.uint64(obj.version)
        }

        if ((obj.totalSize != null && obj.totalSize !== 0n)) {
          w.uint32(16)
          w.uint64(obj.totalSize)
        }

        if ((obj.plaintextDigest != null && obj.plaintextDigest.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.plaintextDigest)
        }

        if ((obj.pieceSize != null && obj.pieceSize !== 0)) {
          w.uint32(32)
          w.uint32(obj.pieceSize)
        }

        if ((obj.createdAt != null && obj.createdAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.createdAt)
        }

        if ((obj.chunkIds != null && obj.chunkIds.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.chunkIds)
        }

        if (obj.chunkSizes != null && obj.chunkSizes.length > 0) {
          for (const value of obj.chunkSizes) {
            w.uint32(56)
            w.uint32(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0n,
          totalSize: 0n,
          plaintextDigest: uint8ArrayAlloc(0),
          pieceSize: 0,
          createdAt: 0n,
          chunkIds: uint8ArrayAlloc(0),
          chunkSizes: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint64()
              break
            }
            case 2: {
              obj.totalSize = reader.uint64()
              break
            }
            case 3: {
              obj.plaintextDigest = reader.bytes()
              break
            }
            case 4: {
              obj.pieceSize = reader.uint32()
              break
            }
            case 5: {
              obj.createdAt = reader.uint64()
              break
            }
            case 6: {
              obj.chunkIds = reader.bytes()
              break
            }
            case 7: {
              if (opts.limits?.chunkSizes != null && obj.chunkSizes.length === opts.limits.chunkSizes) {
                throw new MaxLengthError('Decode error - repeated field "chunkSizes" had too many elements')
              }

              obj.chunkSizes.push(reader.uint32())
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
        const obj = {
          chunkSizes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.totalSize`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.plaintextDigest`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.pieceSize`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.chunkIds`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              if (opts.limits?.chunkSizes != null && obj.chunkSizes === opts.limits.chunkSizes) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunkSizes" had too many elements')
              }

              yield {
                field: `${prefix}.chunkSizes[]`,
                index: obj.chunkSizes,
                value: reader.uint32()
              }

              obj.chunkSizes++

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

  export interface ManifestBodyVersionFieldEvent {
    field: '$.version'
    value: bigint
  }

  export interface ManifestBodyTotalSizeFieldEvent {
    field: '$.totalSize'
    value: bigint
  }

  export interface ManifestBodyPlaintextDigestFieldEvent {
    field: '$.plaintextDigest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestBodyPieceSizeFieldEvent {
    field: '$.pieceSize'
    value: number
  }

  export interface ManifestBodyCreatedAtFieldEvent {
    field: '$.createdAt'
    value: bigint
  }

  export interface ManifestBodyChunkIdsFieldEvent {
    field: '$.chunkIds'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestBodyChunkSizesFieldEvent {
    field: '$.chunkSizes[]'
    index: number
    value: number
  }

  export function encode (obj: Partial<ManifestBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ManifestBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestBody>): ManifestBody {
    return decodeMessage(buf, ManifestBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestBody>): Generator<ManifestBodyVersionFieldEvent | ManifestBodyTotalSizeFieldEvent | ManifestBodyPlaintextDigestFieldEvent | ManifestBodyPieceSizeFieldEvent | ManifestBodyCreatedAtFieldEvent | ManifestBodyChunkIdsFieldEvent | ManifestBodyChunkSizesFieldEvent> {
    return streamMessage(buf, ManifestBody.codec(), opts)
  }
}
