import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { sha256 } from '../../core/index.js'
import { ChunkStore } from '../../holder/index.js'
import { type OpenedDatabase, openLevel } from '../../storage/index.js'

const chunk = (n: number): { id: Uint8Array; bytes: Uint8Array } => {
  const bytes = new Uint8Array(randomBytes(n))
  return { id: sha256(bytes), bytes }
}

describe('ChunkStore quotas on a real LevelDB', () => {
  let dir: string
  let db: OpenedDatabase
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshkeep-chunkstore-'))
    db = await openLevel(join(dir, 'db'))
  })
  after(async () => {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('a store in flight counts against the quota, so concurrent batches cannot overshoot it together', async () => {
    const store = new ChunkStore(db.store.sub('a'), { capacityBytes: 10 << 20, ownerQuotaBytes: 100_000 })
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
    const store = new ChunkStore(db.store.sub('b'), { capacityBytes: 100_000, ownerQuotaBytes: 1 << 20 })
    await store.open()
    const release = store.reserve('one', 70_000)
    assert.throws(() => store.checkRoom('two', 40_000), /holder capacity full: 70000 of 100000/)
    release()
    store.checkRoom('two', 40_000)
  })

  it('usage survives a reopen: counters are rebuilt from the index', async () => {
    const store = new ChunkStore(db.store.sub('c'), { capacityBytes: 10 << 20, ownerQuotaBytes: 1 << 20 })
    await store.open()
    await store.putChunks('owner', [chunk(1000), chunk(2000)], Date.now(), Date.now() + 60_000)
    const again = new ChunkStore(db.store.sub('c'), { capacityBytes: 10 << 20, ownerQuotaBytes: 1 << 20 })
    await again.open()
    assert.deepEqual(again.owners(), [{ owner: 'owner', chunks: 2, manifests: 0, bytes: 3000 }])
    assert.equal(again.usedBytes, 3000)
  })
})
