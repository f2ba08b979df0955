/**
 * Placer and Distributor against real holders (HolderService on LevelDB)
 * over in-memory streams: where chunks go, what is booked, what an
 * incremental put sends, and what a cheating receipt earns.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, it } from 'node:test'
import {
  AttestationVerifier,
  ChunkCipher,
  deriveNodeKeys,
  generateRootSecret,
  type Identity,
  identityFromSeed,
  issueReceipt,
  MAX_PIECE_BYTES,
  rankHolders,
  sha256,
  toHex
} from '../../core/index.js'
import { HolderService } from '../../holder/index.js'
import { CopyBook, Distributor, type HolderInfo, newPlaceCounters, OwnerStore, Placer } from '../../owner/index.js'
import { storeServer } from '../../protocols/index.js'
import type { OpenedDatabase } from '../../storage/index.js'
import { MemoryNet } from '../helpers/memory-net.js'
import { openTestStores, type TestStores } from '../helpers/stores.js'

const node = () => {
  const keys = deriveNodeKeys(generateRootSecret())
  return { identity: identityFromSeed(keys.identitySeed), keys }
}
const info = (identity: Identity): HolderInfo => ({ peerId: identity.peerId, peerIdString: identity.peerIdString, capacityBucket: 30 })
const HOUR = 3_600_000

describe('placement against real holders over in-memory streams', () => {
  let stores: TestStores
  let db: OpenedDatabase
  let net: MemoryNet
  let holders: Array<{ identity: Identity; service: HolderService }>
  let owner: ReturnType<typeof node>
  let book: CopyBook
  let store: OwnerStore
  let placer: Placer
  beforeEach(async () => {
    stores = await openTestStores('meshkeep-distribution-')
    db = stores.db
    net = new MemoryNet()
    holders = []
    for (let i = 0; i < 4; i++) {
      const h = node()
      const service = new HolderService({
        libp2p: net.endpoint(h.identity.peerIdString),
        identity: h.identity,
        store: db.store.sub(`holder${i}`),
        blobs: await stores.moreBlobs(`holder${i}-chunks`)
      })
      await service.start()
      holders.push({ identity: h.identity, service })
    }
    owner = node()
    store = new OwnerStore(db.store.sub('owner'), stores.blobs)
    book = new CopyBook({ store })
    placer = new Placer(
      { libp2p: net.endpoint(owner.identity.peerIdString), identity: owner.identity, verifier: new AttestationVerifier(), book },
      { leaseMs: 24 * HOUR, attempts: 2, retryBaseMs: 10, requestTimeoutMs: 5_000 }
    )
  })
  afterEach(async () => {
    for (const h of holders) await h.service.stop()
    await stores.close()
  })

  const distributor = () =>
    new Distributor(
      {
        libp2p: net.endpoint(owner.identity.peerIdString),
        identity: owner.identity,
        keys: owner.keys,
        cipher: new ChunkCipher({ chunkKey: owner.keys.chunkKey, nonceKey: owner.keys.nonceKey, owner: owner.identity.peerId }),
        store,
        book,
        placer,
        verifier: new AttestationVerifier()
      },
      // no hedging: this test pins the rendezvous placement itself (hedging has its own tests)
      { windowChunks: 8, windowsInFlight: 2, concurrency: 4, keepLocalChunks: true, requestTimeoutMs: 5_000, leaseMs: HOUR, hedge: false }
    )

  it('puts each chunk on its two rendezvous primaries, books both copies, stores the manifest twice; an incremental put sends only what changed', async () => {
    const members = holders.map(h => info(h.identity))
    const state = new Uint8Array(randomBytes(20 * MAX_PIECE_BYTES + 123))
    const d = await distributor().distribute([state], 1, members, AbortSignal.timeout(60_000))
    assert.equal(d.manifest.chunks.length, 21)
    assert.equal(d.counters.chunksSent, 42)
    assert.equal(d.counters.hedges + d.counters.fallbacks, 0, 'every primary answered')
    for (const c of d.manifest.chunks) {
      const primaries = rankHolders(c.id, owner.identity.peerId, members, c.size)
        .slice(0, 2)
        .map(h => h.peerIdString)
        .sort()
      assert.deepEqual(
        book
          .counting(c.id)
          .map(k => k.holder)
          .sort(),
        primaries
      )
      for (const h of holders) {
        const held = (await h.service.chunks.getChunk(owner.identity.peerIdString, c.id)) !== undefined
        assert.equal(held, primaries.includes(h.identity.peerIdString), 'holders hold exactly what the book says')
      }
    }
    assert.equal(d.manifestHolders.length, 2)
    assert.equal(book.summary(d.manifest.chunks.map(c => c.id)).recoveryConfidence, 'HIGH')
    // every local copy was kept
    assert.deepEqual((await store.localChunkIds()).sort(), d.manifest.chunks.map(c => toHex(c.id)).sort())

    // one piece changed: one chunk, two copies, is all that travels
    state.set(randomBytes(10), 5 * MAX_PIECE_BYTES)
    const again = await distributor().distribute([state], 2, members, AbortSignal.timeout(60_000))
    assert.equal(again.counters.chunksSent, 2)
    assert.equal(book.summary(again.manifest.chunks.map(c => c.id)).replicated, 21)
  })

  it('a receipt signed by someone else is not booked, and the chunk is not counted', async () => {
    const cheat = node()
    const forger = node()
    const endpoint = net.endpoint(cheat.identity.peerIdString)
    await storeServer({
      libp2p: endpoint,
      handler: {
        store: async (remote, items) => {
          const atts = issueReceipt({
            holder: forger.identity, // not the holder that answers
            owner: remote.toMultihash().bytes,
            items: items.map(i => ({ id: i.id, size: i.data.length })),
            storedAt: Date.now(),
            leaseExpiresAt: Date.now() + HOUR
          })
          return { receipt: atts[0]?.receipt ?? new Uint8Array(0), accepted: items.map((_, i) => i), paths: atts.map(a => a.path), refused: [] }
        }
      }
    }).start()
    const bytes = new Uint8Array(randomBytes(5000))
    const counters = newPlaceCounters()
    const ok = await placer.storeAt(info(cheat.identity), [{ id: sha256(bytes), bytes }], AbortSignal.timeout(10_000), counters)
    assert.deepEqual(ok, [false])
    assert.equal(counters.invalidAttestations, 1)
    assert.deepEqual(book.copies(sha256(bytes)), [])
  })

  it('a holder that cannot be reached yields undefined (the caller falls back), and the exchange is not booked', async () => {
    const gone = node()
    const bytes = new Uint8Array(randomBytes(5000))
    const ok = await placer.storeAt(info(gone.identity), [{ id: sha256(bytes), bytes }], AbortSignal.timeout(10_000))
    assert.equal(ok, undefined)
    assert.deepEqual(book.copies(sha256(bytes)), [])
  })
})
