/**
 * @packageDocumentation
 * meshkeep's wire protocols. Each is a request/response over a fresh libp2p
 * stream with length-prefixed, size-bounded protobuf (see `rpc/`), and each
 * folder holds the protocol's client, its server (a service the holder
 * starts with a handler of its own), its spec (id, codecs, limits, deadline)
 * and its `pb/` messages.
 */

export * from './audit/index.js'
export * from './constants.js'
export * from './fetch/index.js'
export * from './manifest/index.js'
export * from './release/index.js'
export * from './rpc/index.js'
export * from './store/index.js'
