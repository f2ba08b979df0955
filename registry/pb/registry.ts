import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RegistryRecord {
  peerId: Uint8Array<ArrayBuffer>
  addrs: string[]
  capacityBucket: number
  seq: bigint
  registeredAt: bigint
  tombstone: boolean
}

export namespace RegistryRecord {
  let _codec: Codec<RegistryRecord>

  export const codec = (): Codec<RegistryRecord> => {
    if (_codec == null) {
      _codec = message<RegistryRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.string(value)
          }
        }

        if ((obj.capacityBucket != null && obj.capacityBucket !== 0)) {
          w.uint32(24)
          w.uint32(obj.capacityBucket)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(32)
          w.uint64(obj.seq)
        }

        if ((obj.registeredAt != null && obj.registeredAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.registeredAt)
        }

        if ((obj.tombstone != null && obj.tombstone !== false)) {
          w.uint32(48)
          w.bool(obj.tombstone)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          addrs: [],
          capacityBucket: 0,
          seq: 0n,
          registeredAt: 0n,
          tombstone: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              if (obj.addrs.length === 16) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
              break
            }
            case 3: {
              obj.capacityBucket = reader.uint32()
              break
            }
            case 4: {
              obj.seq = reader.uint64()
              break
            }
            case 5: {
              obj.registeredAt = reader.uint64()
              break
            }
            case 6: {
              obj.tombstone = reader.bool()
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
          addrs: 16
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              if (obj.addrs === 16) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.string()
              }

              obj.addrs++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.capacityBucket`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.registeredAt`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.tombstone`,
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

  export interface RegistryRecordPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryRecordAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: string
  }

  export interface RegistryRecordCapacityBucketFieldEvent {
    field: '$.capacityBucket'
    value: number
  }

  export interface RegistryRecordSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface RegistryRecordRegisteredAtFieldEvent {
    field: '$.registeredAt'
    value: bigint
  }

  export interface RegistryRecordTombstoneFieldEvent {
    field: '$.tombstone'
    value: boolean
  }

  export function encode (obj: Partial<RegistryRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RegistryRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryRecord>): RegistryRecord {
    return decodeMessage(buf, RegistryRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryRecord>): Generator<RegistryRecordPeerIdFieldEvent | RegistryRecordAddrsFieldEvent | RegistryRecordCapacityBucketFieldEvent | RegistryRecordSeqFieldEvent | RegistryRecordRegisteredAtFieldEvent | RegistryRecordTombstoneFieldEvent> {
    return streamMessage(buf, RegistryRecord.codec(), opts)
  }
}

export interface VersionPointer {
  owner: Uint8Array<ArrayBuffer>
  version: bigint
  manifestId: Uint8Array<ArrayBuffer>
  manifestHolders: Uint8Array<ArrayBuffer>[]
  createdAt: bigint
}

export namespace VersionPointer {
  let _codec: Codec<VersionPointer>

  export const codec = (): Codec<VersionPointer> => {
    if (_codec == null) {
      _codec = message<VersionPointer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.owner)
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(16)
          w.uint64(obj.version)
        }

        if ((obj.manifestId != null && obj.manifestId.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.manifestId)
        }

        if (obj.manifestHolders != null && obj.manifestHolders.length > 0) {
          for (const value of obj.manifestHolders) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.createdAt != null && obj.createdAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.createdAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          owner: uint8ArrayAlloc(0),
          version: 0n,
          manifestId: uint8ArrayAlloc(0),
          manifestHolders: [],
          createdAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.owner = reader.bytes()
              break
            }
            case 2: {
              obj.version = reader.uint64()
              break
            }
            case 3: {
              obj.manifestId = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.manifestHolders != null && obj.manifestHolders.length === opts.limits.manifestHolders) {
                throw new MaxLengthError('Decode error - repeated field "manifestHolders" had too many elements')
              }

              if (obj.manifestHolders.length === 8) {
                throw new MaxLengthError('Decode error - repeated field "manifestHolders" had too many elements')
              }

              obj.manifestHolders.push(reader.bytes())
              break
            }
            case 5: {
              obj.createdAt = reader.uint64()
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
          manifestHolders: 8
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.manifestId`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.manifestHolders != null && obj.manifestHolders === opts.limits.manifestHolders) {
                throw new MaxLengthError('Streaming decode error - repeated field "manifestHolders" had too many elements')
              }

              if (obj.manifestHolders === 8) {
                throw new MaxLengthError('Streaming decode error - repeated field "manifestHolders" had too many elements')
              }

              yield {
                field: `${prefix}.manifestHolders[]`,
                index: obj.manifestHolders,
                value: reader.bytes()
              }

              obj.manifestHolders++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.createdAt`,
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

  export interface VersionPointerOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VersionPointerVersionFieldEvent {
    field: '$.version'
    value: bigint
  }

  export interface VersionPointerManifestIdFieldEvent {
    field: '$.manifestId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VersionPointerManifestHoldersFieldEvent {
    field: '$.manifestHolders[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface VersionPointerCreatedAtFieldEvent {
    field: '$.createdAt'
    value: bigint
  }

  export function encode (obj: Partial<VersionPointer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VersionPointer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VersionPointer>): VersionPointer {
    return decodeMessage(buf, VersionPointer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VersionPointer>): Generator<VersionPointerOwnerFieldEvent | VersionPointerVersionFieldEvent | VersionPointerManifestIdFieldEvent | VersionPointerManifestHoldersFieldEvent | VersionPointerCreatedAtFieldEvent> {
    return streamMessage(buf, VersionPointer.codec(), opts)
  }
}
