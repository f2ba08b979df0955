import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ReleaseRequest {
  ids: Uint8Array<ArrayBuffer>[]
  manifestVersions: bigint[]
}

export namespace ReleaseRequest {
  let _codec: Codec<ReleaseRequest>

  export const codec = (): Codec<ReleaseRequest> => {
    if (_codec == null) {
      _codec = message<ReleaseRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.manifestVersions != null && obj.manifestVersions.length > 0) {
          for (const value of obj.manifestVersions) {
            w.uint32(16)
            w.uint64(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: [],
          manifestVersions: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
              break
            }
            case 2: {
              if (opts.limits?.manifestVersions != null && obj.manifestVersions.length === opts.limits.manifestVersions) {
                throw new MaxLengthError('Decode error - repeated field "manifestVersions" had too many elements')
              }

              obj.manifestVersions.push(reader.uint64())
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
          ids: 0,
          manifestVersions: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

              break
            }
            case 2: {
              if (opts.limits?.manifestVersions != null && obj.manifestVersions === opts.limits.manifestVersions) {
                throw new MaxLengthError('Streaming decode error - repeated field "manifestVersions" had too many elements')
              }

              yield {
                field: `${prefix}.manifestVersions[]`,
                index: obj.manifestVersions,
                value: reader.uint64()
              }

              obj.manifestVersions++

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

  export interface ReleaseRequestIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReleaseRequestManifestVersionsFieldEvent {
    field: '$.manifestVersions[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<ReleaseRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReleaseRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReleaseRequest>): ReleaseRequest {
    return decodeMessage(buf, ReleaseRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReleaseRequest>): Generator<ReleaseRequestIdsFieldEvent | ReleaseRequestManifestVersionsFieldEvent> {
    return streamMessage(buf, ReleaseRequest.codec(), opts)
  }
}

export interface ReleaseResponse {
  errorCode: string
  errorMessage: string
  released: number
}

export namespace ReleaseResponse {
  let _codec: Codec<ReleaseResponse>

  export const codec = (): Codec<ReleaseResponse> => {
    if (_codec == null) {
      _codec = message<ReleaseResponse>((obj, w, opts = {}) => {
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

        if ((obj.released != null && obj.released !== 0)) {
          w.uint32(24)
          w.uint32(obj.released)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          errorMessage: '',
          released: 0
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
              obj.released = reader.uint32()
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
                field: `${prefix}.released`,
                value: reader.uint32()
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

  export interface ReleaseResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface ReleaseResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface ReleaseResponseReleasedFieldEvent {
    field: '$.released'
    value: number
  }

  export function encode (obj: Partial<ReleaseResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReleaseResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReleaseResponse>): ReleaseResponse {
    return decodeMessage(buf, ReleaseResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReleaseResponse>): Generator<ReleaseResponseErrorCodeFieldEvent | ReleaseResponseErrorMessageFieldEvent | ReleaseResponseReleasedFieldEvent> {
    return streamMessage(buf, ReleaseResponse.codec(), opts)
  }
}
