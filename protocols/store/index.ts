/**
 * @packageDocumentation
 * `/meshkeep/store/1.0.0`: an owner hands a holder a batch of chunks (or
 * asks it to renew the lease of chunks it already holds); the holder checks
 * and stores them and answers with one signed receipt for the batch and a
 * Merkle path per accepted chunk, plus a refusal per other chunk.
 */
export { type StoreItem, type StoreItemResult, storeChunks } from './client.js'
export { StoreRequest, StoreResponse } from './pb/store.js'
export { type IncomingChunk, type StoreHandler, type StoreOutcome, type StoreServerComponents, storeServer } from './server.js'
export { storeSpec } from './spec.js'
