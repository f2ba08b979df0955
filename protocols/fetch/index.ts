/**
 * @packageDocumentation
 * `/meshkeep/fetch/1.0.0`: an owner asks a holder for chunks it stored.
 * Holders serve a chunk only to its owner (the noise-authenticated peer).
 */
export { fetchChunks } from './client.js'
export { FetchRequest, FetchResponse } from './pb/fetch.js'
export { type FetchHandler, type FetchServerComponents, fetchServer } from './server.js'
export { fetchSpec } from './spec.js'
