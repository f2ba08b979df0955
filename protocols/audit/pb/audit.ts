import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface AuditRequest {
  challenges: Challenge[]
}

export namespace AuditRequest {
  let _codec: Codec<AuditRequest>

  export const codec = (): Codec<AuditRequest> => {
    if (_codec == null) {
      _codec = message<AuditRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.challenges != null && obj.challenges.length > 0) {
          for (const value of obj.challenges) {
            w.uint32(10)
            Challenge.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          challenges: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.challenges != null && obj.challenges.length === opts.limits.challenges) {
                throw new MaxLengthError('Decode error - repeated field "challenges" had too many elements')
              }

              obj.challenges.push(Challenge.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.challenges$
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
          challenges: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.challenges != null && obj.challenges === opts.limits.challenges) {
                throw new MaxLengthError('Streaming decode error - repeated field "challenges" had too many elements')
              }

              for (const evt of Challenge.codec().stream(reader, reader.uint32(), `${prefix}.challenges[]`, {
                limits: opts.limits?.challenges$
              })) {
                yield {
                  ...evt,
                  index: obj.challenges
                }
              }

              obj.challenges++

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

  export interface AuditRequestChallengesIdFieldEvent {
    field: '$.challenges[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface AuditRequestChallengesNonceFieldEvent {
    field: '$.challenges[].nonce'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<AuditRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AuditRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuditRequest>): AuditRequest {
    return decodeMessage(buf, AuditRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuditRequest>): Generator<AuditRequestChallengesIdFieldEvent | AuditRequestChallengesNonceFieldEvent> {
    return streamMessage(buf, AuditRequest.codec(), opts)
  }
}

export interface Challenge {
  id: Uint8Array<ArrayBuffer>
  nonce: Uint8Array<ArrayBuffer>
}

export namespace Challenge {
  let _codec: Codec<Challenge>

  export const codec = (): Codec<Challenge> => {
    if (_codec == null) {
      _codec = message<Challenge>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          nonce: uint8ArrayAlloc(0)
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
              obj.nonce = reader.bytes()
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
                field: `${prefix}.nonce`,
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

  export interface ChallengeIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChallengeNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Challenge>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Challenge.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Challenge>): Challenge {
    return decodeMessage(buf, Challenge.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Challenge>): Generator<ChallengeIdFieldEvent | ChallengeNonceFieldEvent> {
    return streamMessage(buf, Challenge.codec(), opts)
  }
}

export interface AuditResponse {
  errorCode: string
  errorMessage: string
  proofs: Proof[]
}

export namespace AuditResponse {
  let _codec: Codec<AuditResponse>

  export const codec = (): Codec<AuditResponse> => {
    if (_codec == null) {
      _codec = message<AuditResponse>((obj, w, opts = {}) => {
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

        if (obj.proofs != null && obj.proofs.length > 0) {
          for (const value of obj.proofs) {
            w.uint32(26)
            Proof.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          errorMessage: '',
          proofs: []
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
              if (opts.limits?.proofs != null && obj.proofs.length === opts.limits.proofs) {
                throw new MaxLengthError('Decode error - repeated field "proofs" had too many elements')
              }

              obj.proofs.push(Proof.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.proofs$
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
          proofs: 0
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
              if (opts.limits?.proofs != null && obj.proofs === opts.limits.proofs) {
                throw new MaxLengthError('Streaming decode error - repeated field "proofs" had too many elements')
              }

              for (const evt of Proof.codec().stream(reader, reader.uint32(), `${prefix}.proofs[]`, {
                limits: opts.limits?.proofs$
              })) {
                yield {
                  ...evt,
                  index: obj.proofs
                }
              }

              obj.proofs++

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

  export interface AuditResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface AuditResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface AuditResponseProofsMissingFieldEvent {
    field: '$.proofs[].missing'
    value: boolean
    index: number
  }

  export interface AuditResponseProofsSegmentsFieldEvent {
    field: '$.proofs[].segments[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface AuditResponseProofsPathsNodesFieldEvent {
    field: '$.proofs[].paths[].nodes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface AuditResponseProofsLeaseExpiresAtFieldEvent {
    field: '$.proofs[].leaseExpiresAt'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<AuditResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AuditResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuditResponse>): AuditResponse {
    return decodeMessage(buf, AuditResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuditResponse>): Generator<AuditResponseErrorCodeFieldEvent | AuditResponseErrorMessageFieldEvent | AuditResponseProofsMissingFieldEvent | AuditResponseProofsSegmentsFieldEvent | AuditResponseProofsPathsNodesFieldEvent | AuditResponseProofsLeaseExpiresAtFieldEvent> {
    return streamMessage(buf, AuditResponse.codec(), opts)
  }
}

export interface Proof {
  missing: boolean
  segments: Uint8Array<ArrayBuffer>[]
  paths: SegmentPath[]
  leaseExpiresAt: bigint
}

export namespace Proof {
  let _codec: Codec<Proof>

  export const codec = (): Codec<Proof> => {
    if (_codec == null) {
      _codec = message<Proof>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.missing != null && obj.missing !== false)) {
          w.uint32(8)
          w.bool(obj.missing)
        }

        if (obj.segments != null && obj.segments.length > 0) {
          for (const value of obj.segments) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.paths != null && obj.paths.length > 0) {
          for (const value of obj.paths) {
            w.uint32(26)
            SegmentPath.codec().encode(value, w)
          }
        }

        if ((obj.leaseExpiresAt != null && obj.leaseExpiresAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.leaseExpiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          missing: false,
          segments: [],
          paths: [],
          leaseExpiresAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.missing = reader.bool()
              break
            }
            case 2: {
              if (opts.limits?.segments != null && obj.segments.length === opts.limits.segments) {
                throw new MaxLengthError('Decode error - repeated field "segments" had too many elements')
              }

              obj.segments.push(reader.bytes())
              break
            }
            case 3: {
              if (opts.limits?.paths != null && obj.paths.length === opts.limits.paths) {
                throw new MaxLengthError('Decode error - repeated field "paths" had too many elements')
              }

              obj.paths.push(SegmentPath.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.paths$
              }))
              break
            }
            case 4: {
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
        const obj = {
          segments: 0,
          paths: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.missing`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              if (opts.limits?.segments != null && obj.segments === opts.limits.segments) {
                throw new MaxLengthError('Streaming decode error - repeated field "segments" had too many elements')
              }

              yield {
                field: `${prefix}.segments[]`,
                index: obj.segments,
                value: reader.bytes()
              }

              obj.segments++

              break
            }
            case 3: {
              if (opts.limits?.paths != null && obj.paths === opts.limits.paths) {
                throw new MaxLengthError('Streaming decode error - repeated field "paths" had too many elements')
              }

              for (const evt of SegmentPath.codec().stream(reader, reader.uint32(), `${prefix}.paths[]`, {
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
            case 4: {
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

  export interface ProofMissingFieldEvent {
    field: '$.missing'
    value: boolean
  }

  export interface ProofSegmentsFieldEvent {
    field: '$.segments[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofPathsNodesFieldEvent {
    field: '$.paths[].nodes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofLeaseExpiresAtFieldEvent {
    field: '$.leaseExpiresAt'
    value: bigint
  }

  export function encode (obj: Partial<Proof>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Proof.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Proof>): Proof {
    return decodeMessage(buf, Proof.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Proof>): Generator<ProofMissingFieldEvent | ProofSegmentsFieldEvent | ProofPathsNodesFieldEvent | ProofLeaseExpiresAtFieldEvent> {
    return streamMessage(buf, Proof.codec(), opts)
  }
}

export interface SegmentPath {
  nodes: Uint8Array<ArrayBuffer>[]
}

export namespace SegmentPath {
  let _codec: Codec<SegmentPath>

  export const codec = (): Codec<SegmentPath> => {
    if (_codec == null) {
      _codec = message<SegmentPath>((obj, w, opts = {}) => {
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

  export interface SegmentPathNodesFieldEvent {
    field: '$.nodes[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SegmentPath>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SegmentPath.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SegmentPath>): SegmentPath {
    return decodeMessage(buf, SegmentPath.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SegmentPath>): Generator<SegmentPathNodesFieldEvent> {
    return streamMessage(buf, SegmentPath.codec(), opts)
  }
}
