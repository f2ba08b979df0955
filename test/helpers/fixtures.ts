import { ChunkCipher, deriveNodeKeys, generateRootSecret, type Identity, identityFromSeed, type NodeKeys } from '../../core/index.js'

export interface TestNode {
  secret: Uint8Array
  keys: NodeKeys
  identity: Identity
  cipher: ChunkCipher
}

/** A fresh node identity with its derived keys and chunk cipher. */
export function makeNode(secret = generateRootSecret()): TestNode {
  const keys = deriveNodeKeys(secret)
  const identity = identityFromSeed(keys.identitySeed)
  return { secret, keys, identity, cipher: new ChunkCipher({ chunkKey: keys.chunkKey, nonceKey: keys.nonceKey, owner: identity.peerId }) }
}
