/**
 * The five wire protocols end to end over in-memory streams: real clients,
 * real servers, real codecs and limits, and a real HolderService on a real
 * LevelDB. Fast enough to cover what the whole-mesh tests only touch.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import {
  AttestationVerifier,
  AUDIT_NONCE_BYTES,
  auditRoot,
  ChunkCipher,
  deriveNodeKeys,
  generateRootSecret,
  type Identity,
  identityFromSeed,
  ManifestBuilder,
  sealManifest,
  sealStream,
  sha256,
  verifyAnswer
} from '../../core/index.js'
import { HolderService } from '../../holder/index.js'
import {
  auditChunks,
  fetchChunks,
  getManifest,
  listManifests,
  putManifest,
  type RemoteError,
  releaseChunks,
  STORE_PROTOCOL,
  StoreResponse,
  storeChunks
} from '../../protocols/index.js'
import type { OpenedDatabase } from '../../storage/index.js'
import { MemoryNet } from '../helpers/memory-net.js'
import { openTestStores, type TestStores } from '../helpers/stores.js'

const node = (): { identity: Identity; keys: ReturnType<typeof deriveNodeKeys> } => {
  const keys = deriveNodeKeys(generateRootSecret())
  return { identity: identityFromSeed(keys.identitySeed), keys }
}
const chunk = (n = 4000) => {
  const bytes = new Uint8Array(randomBytes(n))
  return { id: sha256(bytes), bytes }
}
const HOUR = 3_600_000

describe('protocols over in-memory streams, against a real holder', () => {
  let stores: TestStores
  let db: OpenedDatabase
  let net: MemoryNet
  let holder: ReturnType<typeof node>
  let service: HolderService
  let now: number
  beforeEach(async () => {
    stores = await openTestStores('meshkeep-protocols-')
    db = stores.db
    net = new MemoryNet()
    holder = node()
    now = Date.now()
    service = new HolderService(
      { libp2p: net.endpoint(holder.identity.peerIdString), identity: holder.identity, store: db.store.sub('holder'), blobs: stores.blobs },
      { now: () => now, gcIntervalMs: HOUR }
    )
    await service.start()
  })
  afterEach(async () => {
    await service.stop()
    await stores.close()
  })
  const holderPeer = () => peerIdFromString(holder.identity.peerIdString)

  it('store: every good chunk gets a verifiable receipt; a chunk that does not match its id is refused; renewals need an intact copy', async () => {
    const owner = node()
    const rpc = net.endpoint(owner.identity.peerIdString)
    const good = [chunk(), chunk(65_536)]
    const bad = { id: sha256(new Uint8Array(8)), bytes: new Uint8Array(randomBytes(100)) }
    const results = await storeChunks(rpc, holderPeer(), [...good, bad], HOUR)
    const verifier = new AttestationVerifier()
    for (const [i, c] of good.entries()) {
      const att = results[i]?.attestation
      assert.ok(att !== undefined, `chunk ${i} attested`)
      const v = verifier.verify(att, { owner: owner.identity.peerId, holder: holder.identity.peerId, item: { id: c.id, size: c.bytes.length } })
      assert.equal(v.leaseExpiresAt, now + HOUR)
    }
    assert.equal(results[2]?.refusal?.code, 'INVALID_CHUNK')
    assert.equal(service.holdings().bytes, 4000 + 65_536)

    // a renewal of a held chunk is receipted without its bytes; of an unknown one, refused
    now += 1000
    const unknown = chunk()
    const renewed = await storeChunks(
      rpc,
      holderPeer(),
      [
        { id: good[0]?.id as Uint8Array, renew: true },
        { id: unknown.id, renew: true }
      ],
      2 * HOUR
    )
    const att = renewed[0]?.attestation
    assert.ok(att !== undefined)
    assert.equal(
      verifier.verify(att, { owner: owner.identity.peerId, holder: holder.identity.peerId, item: { id: good[0]?.id as Uint8Array, size: 4000 } })
        .leaseExpiresAt,
      now + 2 * HOUR
    )
    assert.equal(renewed[1]?.refusal?.code, 'NOT_FOUND')
    assert.equal(service.holdings().bytes, 4000 + 65_536, 'a renewal stores nothing new')
  })

  it('fetch and audit answer only the owner; proofs verify against the owner’s root; release drops the copies', async () => {
    const owner = node()
    const other = node()
    const rpc = net.endpoint(owner.identity.peerIdString)
    const c = chunk(10_000)
    await storeChunks(rpc, holderPeer(), [c], HOUR)
    assert.deepEqual(await fetchChunks(rpc, holderPeer(), [c.id]), [c.bytes])
    assert.deepEqual(await fetchChunks(net.endpoint(other.identity.peerIdString), holderPeer(), [c.id]), [undefined], 'another owner gets nothing')

    const nonce = new Uint8Array(randomBytes(AUDIT_NONCE_BYTES))
    const [reply] = await auditChunks(rpc, holderPeer(), [{ id: c.id, nonce }])
    assert.ok(reply !== undefined && !reply.missing)
    assert.equal(verifyAnswer(auditRoot(c.bytes), c.bytes.length, nonce, reply.answer), true)
    assert.equal(reply.leaseExpiresAt, now + HOUR)
    assert.equal(verifyAnswer(auditRoot(chunk(10_000).bytes), 10_000, nonce, reply.answer), false, 'the proof is of these bytes only')

    assert.equal(await releaseChunks(rpc, holderPeer(), [c.id], []), 1)
    assert.deepEqual(await fetchChunks(rpc, holderPeer(), [c.id]), [undefined])
    assert.equal(service.holdings().bytes, 0)
  })

  it('manifests: put with a lease, get, list; only the owner may put its own; an ended lease is collected', async () => {
    const owner = node()
    const rpc = net.endpoint(owner.identity.peerIdString)
    const cipher = new ChunkCipher({ chunkKey: owner.keys.chunkKey, nonceKey: owner.keys.nonceKey, owner: owner.identity.peerId })
    const sealedOf = async (version: number) => {
      const b = new ManifestBuilder()
      for await (const c of sealStream([new Uint8Array(randomBytes(1000))], cipher)) b.add(c)
      return sealManifest(b.build(version), owner.keys.manifestKey, owner.identity)
    }
    const v1 = await sealedOf(1)
    const v2 = await sealedOf(2)
    const verifier = new AttestationVerifier()
    const att = await putManifest(rpc, holderPeer(), v1, 2 * 60_000)
    assert.equal(
      verifier.verify(att, { owner: owner.identity.peerId, holder: holder.identity.peerId, item: { id: sha256(v1), size: v1.length } }).leaseExpiresAt,
      now + 2 * 60_000
    )
    await putManifest(rpc, holderPeer(), v2, HOUR)
    assert.deepEqual(await getManifest(rpc, holderPeer(), 'latest'), v2)
    assert.deepEqual(await getManifest(rpc, holderPeer(), 1), v1)
    assert.deepEqual(await listManifests(rpc, holderPeer()), [1, 2])

    const thief = net.endpoint(node().identity.peerIdString)
    await assert.rejects(putManifest(thief, holderPeer(), v1, HOUR), (err: RemoteError) => err.remote && err.code === 'INVALID_MANIFEST')

    now += 2 * 60_000 + 1
    assert.equal(await service.collectGarbage(), 1, 'v1’s lease ended')
    assert.deepEqual(await listManifests(rpc, holderPeer()), [2])
    await assert.rejects(getManifest(rpc, holderPeer(), 1), (err: RemoteError) => err.code === 'NOT_FOUND')
  })

  it('junk instead of a request is answered INVALID_MESSAGE, and the holder keeps serving', async () => {
    const owner = node()
    const rpc = net.endpoint(owner.identity.peerIdString)
    const stream = await rpc.dialProtocol(holderPeer(), STORE_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(new Uint8Array(randomBytes(300)))
    const answer = StoreResponse.decode(await lp.read())
    assert.equal(answer.errorCode, 'INVALID_MESSAGE')
    const c = chunk()
    const [r] = await storeChunks(rpc, holderPeer(), [c], HOUR)
    assert.ok(r?.attestation !== undefined, 'the next request is served')
  })
})
