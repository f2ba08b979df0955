import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ManifestRequest {
  put: Uint8Array<ArrayBuffer>
  getVersion: bigint
  getLatest: boolean
  leaseMs: bigint
  list: boolean
}

export namespace ManifestRequest {
  let _codec: Codec<ManifestRequest>

  export const codec = (): Codec<ManifestRequest> => {
    if (_codec == null) {
      _codec = message<ManifestRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.put != null && obj.put.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.put)
        }

        if ((obj.getVersion != null && obj.getVersion !== 0n)) {
          w.uint32(16)
          w.uint64(obj.getVersion)
        }

        if ((obj.getLatest != null && obj.getLatest !== false)) {
          w.uint32(24)
          w.bool(obj.getLatest)
        }

        if ((obj.leaseMs != null && obj.leaseMs !== 0n)) {
          w.uint32(32)
          w.uint64(obj.leaseMs)
        }

        if ((obj.list != null && obj.list !== false)) {
          w.uint32(40)
          w.bool(obj.list)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          put: uint8ArrayAlloc(0),
          getVersion: 0n,
          getLatest: false,
          leaseMs: 0n,
          list: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.put = reader.bytes()
              break
            }
            case 2: {
              obj.getVersion = reader.uint64()
              break
            }
            case 3: {
              obj.getLatest = reader.bool()
              break
            }
            case 4: {
              obj.leaseMs = reader.uint64()
              break
            }
            case 5: {
              obj.list = reader.bool()
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
                field: `${prefix}.put`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.getVersion`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.getLatest`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.leaseMs`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.list`,
                value: reader.bool()
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

  export interface ManifestRequestPutFieldEvent {
    field: '$.put'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestRequestGetVersionFieldEvent {
    field: '$.getVersion'
    value: bigint
  }

  export interface ManifestRequestGetLatestFieldEvent {
    field: '$.getLatest'
    value: boolean
  }

  export interface ManifestRequestLeaseMsFieldEvent {
    field: '$.leaseMs'
    value: bigint
  }

  export interface ManifestRequestListFieldEvent {
    field: '$.list'
    value: boolean
  }

  export function encode (obj: Partial<ManifestRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ManifestRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestRequest>): ManifestRequest {
    return decodeMessage(buf, ManifestRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestRequest>): Generator<ManifestRequestPutFieldEvent | ManifestRequestGetVersionFieldEvent | ManifestRequestGetLatestFieldEvent | ManifestRequestLeaseMsFieldEvent | ManifestRequestListFieldEvent> {
    return streamMessage(buf, ManifestRequest.codec(), opts)
  }
}

export interface ManifestResponse {
  errorCode: string
  errorMessage: string
  manifest: Uint8Array<ArrayBuffer>
  receipt: Uint8Array<ArrayBuffer>
  versions: bigint[]
}

export namespace ManifestResponse {
  let _codec: Codec<ManifestResponse>

  export const codec = (): Codec<ManifestResponse> => {
    if (_codec == null) {
      _codec = message<ManifestResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.errorCode != null && obj.errorCode !== '')) {
          w.uint32(10)
          w.string(obj.errorCode)
        }

        if ((obj.errorMessage != null && obj.errorMessage !== '')) {
          w.uint32(18)
          w.string(obj.errorMessage)
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.manifest)
        }

        if ((obj.receipt != null && obj.receipt.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.receipt)
        }

        if (obj.versions != null && obj.versions.length > 0) {
          for (const value of obj.versions) {
            w.uint32(40)
            w.uint64(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          errorMessage: '',
          manifest: uint8ArrayAlloc(0),
          receipt: uint8ArrayAlloc(0),
          versions: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.errorCode = reader.string()
              break
            }
            case 2: {
              obj.errorMessage = reader.string()
              break
            }
            case 3: {
              obj.manifest = reader.bytes()
              break
            }
            case 4: {
              obj.receipt = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.versions != null && obj.versions.length === opts.limits.versions) {
                throw new MaxLengthError('Decode error - repeated field "versions" had too many elements')
              }

              obj.versions.push(reader.uint64())
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
          versions: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.errorCode`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.errorMessage`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.receipt`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.versions != null && obj.versions === opts.limits.versions) {
                throw new MaxLengthError('Streaming decode error - repeated field "versions" had too many elements')
              }

              yield {
                field: `${prefix}.versions[]`,
                index: obj.versions,
                value: reader.uint64()
              }

              obj.versions++

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

  export interface ManifestResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface ManifestResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface ManifestResponseManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestResponseReceiptFieldEvent {
    field: '$.receipt'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ManifestResponseVersionsFieldEvent {
    field: '$.versions[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<ManifestResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ManifestResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestResponse>): ManifestResponse {
    return decodeMessage(buf, ManifestResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestResponse>): Generator<ManifestResponseErrorCodeFieldEvent | ManifestResponseErrorMessageFieldEvent | ManifestResponseManifestFieldEvent | ManifestResponseReceiptFieldEvent | ManifestResponseVersionsFieldEvent> {
    return streamMessage(buf, ManifestResponse.codec(), opts)
  }
}
