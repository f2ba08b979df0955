/**
 * @packageDocumentation
 * `/meshkeep/manifest/1.0.0`: store a sealed manifest at a holder for a
 * lease (answered with a receipt over it; storing it again renews the
 * lease), fetch one of your own back, or list the versions a holder keeps
 * for you.
 */
export { getManifest, listManifests, putManifest } from './client.js'
export { ManifestRequest, ManifestResponse } from './pb/manifest.js'
export { type ManifestHandler, type ManifestServerComponents, manifestServer } from './server.js'
export { manifestSpec } from './spec.js'
