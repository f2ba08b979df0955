import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { sha256 } from '../../core/index.js'
import { ChunkStore } from '../../holder/index.js'
import { BlobStore } from '../../storage/index.js'
import { openTestStores, type TestStores } from '../helpers/stores.js'

const chunk = (n: number): { id: Uint8Array; bytes: Uint8Array } => {
  const bytes = new Uint8Array(randomBytes(n))
  return { id: sha256(bytes), bytes }
}

describe('ChunkStore quotas on a real LevelDB', () => {
  let stores: TestStores
  before(async () => {
    stores = await openTestStores('meshkeep-chunkstore-')
  })
  after(async () => {
    await stores.close()
  })

  it('a store in flight counts against the quota, so concurrent batches cannot overshoot it together', async () => {
    const store = new ChunkStore(stores.db.store.sub('a'), await stores.moreBlobs('a'), { capacityBytes: 10 << 20, ownerQuotaBytes: 100_000 })
    await store.open()
    const first = chunk(60_000)
    store.checkRoom('owner', first.bytes.length)
    const release = store.reserve('owner', first.bytes.length)
    // a second batch checked while the first is still being written
    assert.throws(
      () => store.checkRoom('owner', 60_000),
      (err: Error & { code?: string }) => err.code === 'QUOTA_EXCEEDED' && /owner quota full/.test(err.message)
    )
    // another owner is not affected
    store.checkRoom('other', 60_000)
    await store.putChunks('owner', [first], Date.now(), Date.now() + 60_000)
    release()
    release() // idempotent
    assert.equal(store.owners().find(o => o.owner === 'owner')?.bytes, 60_000)
    assert.throws(() => store.checkRoom('owner', 60_000), /owner quota full: 60000 of 100000/)
    store.checkRoom('owner', 40_000)
  })

  it('total capacity counts reservations of every owner', async () => {
    const store = new ChunkStore(stores.db.store.sub('b'), await stores.moreBlobs('b'), { capacityBytes: 100_000, ownerQuotaBytes: 1 << 20 })
    await store.open()
    const release = store.reserve('one', 70_000)
    assert.throws(() => store.checkRoom('two', 40_000), /holder capacity full: 70000 of 100000/)
    release()
    store.checkRoom('two', 40_000)
  })

  it('usage survives a reopen: counters are rebuilt from the index', async () => {
    const blobs = await stores.moreBlobs('c')
    const store = new ChunkStore(stores.db.store.sub('c'), blobs, { capacityBytes: 10 << 20, ownerQuotaBytes: 1 << 20 })
    await store.open()
    await store.putChunks('owner', [chunk(1000), chunk(2000)], Date.now(), Date.now() + 60_000)
    await store.putManifest('owner', 1, new Uint8Array(500), Date.now(), Date.now() + 60_000)
    await blobs.close()
    const reopened = new BlobStore({ dir: join(stores.dir, 'c'), index: stores.db.store.sub('c') })
    await reopened.open()
    const again = new ChunkStore(stores.db.store.sub('c'), reopened, { capacityBytes: 10 << 20, ownerQuotaBytes: 1 << 20 })
    await again.open()
    assert.deepEqual(again.owners(), [{ owner: 'owner', chunks: 2, manifests: 1, bytes: 3500 }])
    assert.equal(again.usedBytes, 3500)
    await reopened.close()
  })
})
