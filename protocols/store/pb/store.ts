import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface StoreRequest {
  items: StoreItem[]
  leaseMs: bigint
}

export namespace StoreRequest {
  let _codec: Codec<StoreRequest>

  export const codec = (): Codec<StoreRequest> => {
    if (_codec == null) {
      _codec = message<StoreRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.items != null && obj.items.length > 0) {
          for (const value of obj.items) {
            w.uint32(10)
            StoreItem.codec().encode(value, w)
          }
        }

        if ((obj.leaseMs != null && obj.leaseMs !== 0n)) {
          w.uint32(16)
          w.uint64(obj.leaseMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          items: [],
          leaseMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.items != null && obj.items.length === opts.limits.items) {
                throw new MaxLengthError('Decode error - repeated field "items" had too many elements')
              }

              obj.items.push(StoreItem.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.items$
              }))
              break
            }
            case 2: {
              obj.leaseMs = reader.uint64()
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
          items: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.items != null && obj.items === opts.limits.items) {
                throw new MaxLengthError('Streaming decode error - repeated field "items" had too many elements')
              }

              for (const evt of StoreItem.codec().stream(reader, reader.uint32(), `${prefix}.items[]`, {
                limits: opts.limits?.items$
              })) {
                yield {
                  ...evt,
                  index: obj.items
                }
              }

              obj.items++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.leaseMs`,
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

  export interface StoreRequestItemsIdFieldEvent {
    field: '$.items[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StoreRequestItemsDataFieldEvent {
    field: '$.items[].data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface StoreRequestItemsRenewFieldEvent {
    field: '$.items[].renew'
    value: boolean
    index: number
  }

  export interface StoreRequestLeaseMsFieldEvent {
    field: '$.leaseMs'
    value: bigint
  }

  export function encode (obj: Partial<StoreRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoreRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreRequest>): StoreRequest {
    return decodeMessage(buf, StoreRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreRequest>): Generator<StoreRequestItemsIdFieldEvent | StoreRequestItemsDataFieldEvent | StoreRequestItemsRenewFieldEvent | StoreRequestLeaseMsFieldEvent> {
    return streamMessage(buf, StoreRequest.codec(), opts)
  }
}

export interface StoreItem {
  id: Uint8Array<ArrayBuffer>
  data: Uint8Array<ArrayBuffer>
  renew: boolean
}

export namespace StoreItem {
  let _codec: Codec<StoreItem>

  export const codec = (): Codec<StoreItem> => {
    if (_codec == null) {
      _codec = message<StoreItem>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if ((obj.renew != null && obj.renew !== false)) {
          w.uint32(24)
          w.bool(obj.renew)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          data: uint8ArrayAlloc(0),
          renew: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.data = reader.bytes()
              break
            }
            case 3: {
              obj.renew = reader.bool()
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
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.renew`,
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

  export interface StoreItemIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreItemDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreItemRenewFieldEvent {
    field: '$.renew'
    value: boolean
  }

  export function encode (obj: Partial<StoreItem>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoreItem.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreItem>): StoreItem {
    return decodeMessage(buf, StoreItem.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreItem>): Generator<StoreItemIdFieldEvent | StoreItemDataFieldEvent | StoreItemRenewFieldEvent> {
    return streamMessage(buf, StoreItem.codec(), opts)
  }
}

export interface StoreResponse {
  errorCode: string
  errorMessage: string
  receipt: Uint8Array<ArrayBuffer>
  accepted: number[]
  paths: ProofPath[]
  refused: ItemError[]
}

export namespace StoreResponse {
  let _codec: Codec<StoreResponse>

  export const codec = (): Codec<StoreResponse> => {
    if (_codec == null) {
      _codec = message<StoreResponse>((obj, w, opts = {}) => {
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

        if ((obj.receipt != null && obj.receipt.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.receipt)
        }

        if (obj.accepted != null && obj.accepted.length > 0) {
          for (const value of obj.accepted) {
            w.uint32(32)
            w.uint32(value)
          }
        }

        if (obj.paths != null && obj.paths.length > 0) {
          for (const value of obj.paths) {
            w.uint32(42)
            ProofPath.codec().encode(value, w)
          }
        }

        if (obj.refused != null && obj.refused.length > 0) {
          for (const value of obj.refused) {
            w.uint32(50)
            ItemError.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          errorMessage: '',
          receipt: uint8ArrayAlloc(0),
          accepted: [],
          paths: [],
          refused: []
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
              obj.receipt = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.accepted != null && obj.accepted.length === opts.limits.accepted) {
                throw new MaxLengthError('Decode error - repeated field "accepted" had too many elements')
              }

              obj.accepted.push(reader.uint32())
              break
            }
            case 5: {
              if (opts.limits?.paths != null && obj.paths.length === opts.limits.paths) {
                throw new MaxLengthError('Decode error - repeated field "paths" had too many elements')
              }

              obj.paths.push(ProofPath.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.paths$
              }))
              break
            }
            case 6: {
              if (opts.limits?.refused != null && obj.refused.length === opts.limits.refused) {
                throw new MaxLengthError('Decode error - repeated field "refused" had too many elements')
              }

              obj.refused.push(ItemError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refused$
              }))
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
          accepted: 0,
          paths: 0,
          refused: 0
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
                field: `${prefix}.receipt`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.accepted != null && obj.accepted === opts.limits.accepted) {
                throw new MaxLengthError('Streaming decode error - repeated field "accepted" had too many elements')
              }

              yield {
                field: `${prefix}.accepted[]`,
                index: obj.accepted,
                value: reader.uint32()
              }

              obj.accepted++

              break
            }
            case 5: {
              if (opts.limits?.paths != null && obj.paths === opts.limits.paths) {
                throw new MaxLengthError('Streaming decode error - repeated field "paths" had too many elements')
              }

              for (const evt of ProofPath.codec().stream(reader, reader.uint32(), `${prefix}.paths[]`, {
                limits: opts.limits?.paths$
              })) {
                yield {
                  ...evt,
                  index: obj.paths
                }
              }

              obj.paths++

              break
            }
            case 6: {
              if (opts.limits?.refused != null && obj.refused === opts.limits.refused) {
                throw new MaxLengthError('Streaming decode error - repeated field "refused" had too many elements')
              }

              for (const evt of ItemError.codec().stream(reader, reader.uint32(), `${prefix}.refused[]`, {
                limits: opts.limits?.refused$
              })) {
                yield {
                  ...evt,
                  index: obj.refused
                }
              }

              obj.refused++

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

  export interface StoreResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface StoreResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface StoreResponseReceiptFieldEvent {
    field: '$.receipt'
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreResponseAcceptedFieldEvent {
    field: '$.accepted[]'
    index: number
    value: number
  }

  export interface StoreResponsePathsNodesFieldEvent {
    field: '$.paths[].nodes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface StoreResponseRefusedIndexFieldEvent {
    field: '$.refused[].index'
    value: number
    index: number
  }

  export interface StoreResponseRefusedCodeFieldEvent {
    field: '$.refused[].code'
    value: string
    index: number
  }

  export interface StoreResponseRefusedMessageFieldEvent {
    field: '$.refused[].message'
    value: string
    index: number
  }

  export function encode (obj: Partial<StoreResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, StoreResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreResponse>): StoreResponse {
    return decodeMessage(buf, StoreResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoreResponse>): Generator<StoreResponseErrorCodeFieldEvent | StoreResponseErrorMessageFieldEvent | StoreResponseReceiptFieldEvent | StoreResponseAcceptedFieldEvent | StoreResponsePathsNodesFieldEvent | StoreResponseRefusedIndexFieldEvent | StoreResponseRefusedCodeFieldEvent | StoreResponseRefusedMessageFieldEvent> {
    return streamMessage(buf, StoreResponse.codec(), opts)
  }
}

export interface ProofPath {
  nodes: Uint8Array<ArrayBuffer>[]
}

export namespace ProofPath {
  let _codec: Codec<ProofPath>

  export const codec = (): Codec<ProofPath> => {
    if (_codec == null) {
      _codec = message<ProofPath>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.nodes != null && obj.nodes.length > 0) {
          for (const value of obj.nodes) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nodes: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.nodes != null && obj.nodes.length === opts.limits.nodes) {
                throw new MaxLengthError('Decode error - repeated field "nodes" had too many elements')
              }

              obj.nodes.push(reader.bytes())
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
          nodes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.nodes != null && obj.nodes === opts.limits.nodes) {
                throw new MaxLengthError('Streaming decode error - repeated field "nodes" had too many elements')
              }

              yield {
                field: `${prefix}.nodes[]`,
                index: obj.nodes,
                value: reader.bytes()
              }

              obj.nodes++

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

  export interface ProofPathNodesFieldEvent {
    field: '$.nodes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ProofPath>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProofPath.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofPath>): ProofPath {
    return decodeMessage(buf, ProofPath.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofPath>): Generator<ProofPathNodesFieldEvent> {
    return streamMessage(buf, ProofPath.codec(), opts)
  }
}

export interface ItemError {
  index: number
  code: string
  message: string
}

export namespace ItemError {
  let _codec: Codec<ItemError>

  export const codec = (): Codec<ItemError> => {
    if (_codec == null) {
      _codec = message<ItemError>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(18)
          w.string(obj.code)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(26)
          w.string(obj.message)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          code: '',
          message: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
              break
            }
            case 2: {
              obj.code = reader.string()
              break
            }
            case 3: {
              obj.message = reader.string()
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
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
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

  export interface ItemErrorIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface ItemErrorCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface ItemErrorMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export function encode (obj: Partial<ItemError>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ItemError.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ItemError>): ItemError {
    return decodeMessage(buf, ItemError.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ItemError>): Generator<ItemErrorIndexFieldEvent | ItemErrorCodeFieldEvent | ItemErrorMessageFieldEvent> {
    return streamMessage(buf, ItemError.codec(), opts)
  }
}
