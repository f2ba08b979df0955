/**
 * @packageDocumentation
 * `/meshkeep/release/1.0.0`: an owner tells a holder which of its chunks and
 * manifests no retained version uses any more.
 */
export { releaseChunks } from './client.js'
export { ReleaseRequest, ReleaseResponse } from './pb/release.js'
export { type ReleaseHandler, type ReleaseServerComponents, releaseServer } from './server.js'
export { releaseSpec } from './spec.js'
