/**
 * @packageDocumentation
 * The offline persistence core every meshkeep node runs: keys, encryption,
 * chunking, manifests, placement, attestations, health and write-blocking.
 * Nothing here touches the network or the disk.
 */

export * from './attestation/index.js'
export * from './bytes/index.js'
export * from './chunking/index.js'
export * from './concurrency/index.js'
export * from './crypto/index.js'
export * from './envelope/index.js'
export * from './errors/index.js'
export * from './health/index.js'
export * from './identity/index.js'
export * from './keys/index.js'
export * from './manifest/index.js'
export * from './placement/index.js'
export * from './write-state/index.js'
