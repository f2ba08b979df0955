import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { sha256 } from '../../core/index.js'
import { BlobDamagedError, BlobStore, type OpenedDatabase, openLevel } from '../../storage/index.js'
import { LossyFiles, LossyKv } from '../helpers/lossy-storage.js'

const blob = (n = 65_536) => {
  const bytes = new Uint8Array(randomBytes(n))
  return { id: sha256(bytes), bytes }
}
const meta = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff)

describe('BlobStore on real files and a real LevelDB', () => {
  let dir: string
  let db: OpenedDatabase
  const stores: BlobStore[] = []
  const store = (init: Partial<ConstructorParameters<typeof BlobStore>[0]> = {}) => {
    const s = new BlobStore({ dir: join(dir, 'blobs'), index: db.store.sub('blobs'), ...init })
    stores.push(s)
    return s
  }
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshkeep-blobs-'))
    db = await openLevel(join(dir, 'db'))
  })
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close()
    await db.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('stores, reads, replaces metadata and deletes; everything survives a reopen; usage is counted per namespace', async () => {
    const s = store()
    await s.open()
    const a = blob()
    const b = blob(100)
    await s.putMany('owner1', [
      { id: a.id, bytes: a.bytes, meta: meta(1) },
      { id: b.id, bytes: b.bytes, meta: meta(2) }
    ])
    await s.putMany('owner2', [{ id: a.id, bytes: a.bytes }])
    assert.deepEqual(await s.get('owner1', a.id), a.bytes)
    assert.deepEqual(await s.get('owner2', a.id), a.bytes)
    assert.equal(await s.get('owner3', a.id), undefined, 'namespaces are apart')
    assert.deepEqual(await s.meta('owner1', b.id), { size: 100, meta: meta(2) })
    assert.equal(
      await s.setMeta('owner1', [
        { id: b.id, meta: meta(7) },
        { id: blob(10).id, meta: meta(8) }
      ]),
      1
    )
    assert.equal(await s.delete('owner1', [a.id, blob(10).id]), 1)
    assert.deepEqual(Object.fromEntries(s.namespaces()), { owner1: { blobs: 1, bytes: 100 }, owner2: { blobs: 1, bytes: 65_536 } })
    await s.close()

    const again = store()
    await again.open()
    assert.equal(await again.get('owner1', a.id), undefined)
    assert.deepEqual(await again.get('owner1', b.id), b.bytes)
    assert.deepEqual(await again.meta('owner1', b.id), { size: 100, meta: meta(7) })
    assert.deepEqual(await again.get('owner2', a.id), a.bytes)
    assert.deepEqual(Object.fromEntries(again.namespaces()), { owner1: { blobs: 1, bytes: 100 }, owner2: { blobs: 1, bytes: 65_536 } })
    const listed = []
    for await (const e of again.entries('owner1')) listed.push(e)
    assert.deepEqual(listed, [{ ns: 'owner1', id: b.id, size: 100, meta: meta(7) }])
  })

  it('group commit: concurrent writers share syncs, and each resolves only once durable', async () => {
    const index = new LossyKv()
    const files = new LossyFiles()
    const s = new BlobStore({ dir: '/blobs', index, files })
    await s.open()
    const items = Array.from({ length: 64 }, () => blob(4096))
    await Promise.all(items.map(i => s.putMany('o', [i])))
    assert.ok(index.syncs < 64, `64 writers, ${index.syncs} synced index batches`)
    // every resolved write is durable: a power cut right now loses none of them
    const after = new BlobStore({ dir: '/blobs', index: index.crash(), files: files.crash(() => 0) })
    await after.open()
    for (const i of items) assert.deepEqual(await after.get('o', i.id), i.bytes)
  })

  it('rolls over to new segments and compacts mostly-dead ones without losing a live blob; reads go on during compaction', async () => {
    const s = store({ segmentBytes: 300_000 })
    await s.open()
    const items = Array.from({ length: 40 }, () => blob(30_000))
    for (let k = 0; k < items.length; k += 4) await s.putMany('o', items.slice(k, k + 4))
    const before = s.stats()
    assert.ok(before.segments >= 4, `${before.segments} segments`)
    // delete three in four: most segments are now mostly garbage
    const dead = items.filter((_, i) => i % 4 !== 0)
    const live = items.filter((_, i) => i % 4 === 0)
    assert.equal(
      await s.delete(
        'o',
        dead.map(d => d.id)
      ),
      dead.length
    )
    const reading = (async () => {
      let reads = 0
      for (let round = 0; round < 5; round++)
        for (const l of live) {
          assert.deepEqual(await s.get('o', l.id), l.bytes)
          reads++
        }
      return reads
    })()
    const r = await s.compact({ below: 0.5 })
    assert.equal(await reading, 5 * live.length)
    assert.ok(r.segments > 0 && r.reclaimedBytes > 0, JSON.stringify(r))
    const after = s.stats()
    assert.ok(after.fileBytes < before.fileBytes, `${after.fileBytes} < ${before.fileBytes}`)
    for (const l of live) assert.deepEqual(await s.get('o', l.id), l.bytes)
    for (const d of dead) assert.equal(await s.get('o', d.id), undefined)
    await s.close()
    const again = store({ segmentBytes: 300_000 })
    await again.open()
    for (const l of live) assert.deepEqual(await again.get('o', l.id), l.bytes)
    assert.equal(again.stats().blobs, live.length)
  })

  it('a blob written or deleted while its segment is compacted keeps what was written last', async () => {
    const index = new LossyKv()
    const files = new LossyFiles()
    const s = new BlobStore({ dir: '/b', index, files, segmentBytes: 100_000 })
    await s.open()
    const items = Array.from({ length: 12 }, () => blob(20_000))
    for (const i of items) await s.putMany('o', [i])
    await s.delete(
      'o',
      items.slice(0, 8).map(i => i.id)
    )
    const replaced = items[9] as { id: Uint8Array; bytes: Uint8Array }
    const gone = items[10] as { id: Uint8Array }
    await Promise.all([s.compact({ below: 0.9 }), s.putMany('o', [{ ...replaced, meta: meta(9) }]), s.delete('o', [gone.id])])
    assert.deepEqual(await s.meta('o', replaced.id), { size: 20_000, meta: meta(9) })
    assert.equal(await s.get('o', gone.id), undefined)
    assert.deepEqual(await s.get('o', (items[8] as { id: Uint8Array }).id), (items[8] as { bytes: Uint8Array }).bytes)
  })

  it('a torn tail is cut off at open; a damaged record is reported naming its segment, and other blobs stay readable', async () => {
    const s = store()
    await s.open()
    const a = blob(1000)
    const b = blob(1000)
    await s.putMany('o', [a, b])
    await s.close()
    const seg = join(dir, 'blobs', (await readdir(join(dir, 'blobs')))[0] as string)
    const size = (await stat(seg)).size
    // a crash in the middle of the next record
    await writeFile(seg, Buffer.concat([await readFile(seg), Buffer.from(randomBytes(700))]))
    const again = store()
    await again.open()
    assert.equal((await stat(seg)).size, size, 'the torn tail is gone')
    assert.deepEqual(await again.get('o', b.id), b.bytes)
    await again.putMany('o', [blob(10)])
    await again.close()
    // flip a byte inside a's payload
    const bytes = await readFile(seg)
    bytes[100] = (bytes[100] as number) ^ 0xff
    await writeFile(seg, bytes)
    const third = store()
    await third.open()
    await assert.rejects(
      third.get('o', a.id),
      (err: Error) => err instanceof BlobDamagedError && err.message.includes('seg-00000001.log') && /checksum/.test(err.message)
    )
    assert.deepEqual(await third.get('o', b.id), b.bytes)
  })

  it('a full disk fails the write with DISK_FULL, keeps every earlier blob, and the store writes again once there is room', async () => {
    const index = new LossyKv()
    const files = new LossyFiles()
    const s = new BlobStore({ dir: '/b', index, files })
    await s.open()
    const kept = blob(10_000)
    await s.putMany('o', [kept])
    files.spaceLeft = 15_000
    await assert.rejects(s.putMany('o', [blob(10_000), blob(10_000)]), (err: Error & { code?: string }) => err.code === 'DISK_FULL')
    assert.deepEqual(await s.get('o', kept.id), kept.bytes)
    assert.equal(s.stats().blobs, 1)
    files.spaceLeft = Number.POSITIVE_INFINITY
    const later = blob(10_000)
    await s.putMany('o', [later])
    assert.deepEqual(await s.get('o', later.id), later.bytes)
    await s.close()
    const again = new BlobStore({ dir: '/b', index, files })
    await again.open()
    assert.deepEqual(await again.get('o', kept.id), kept.bytes)
    assert.deepEqual(await again.get('o', later.id), later.bytes)
    assert.equal(again.stats().blobs, 2)
  })

  it('rebuilds a lost index from the segments alone', async () => {
    const s = store()
    await s.open()
    const items = Array.from({ length: 5 }, () => blob(3000))
    await s.putMany(
      'o',
      items.map((i, n) => ({ ...i, meta: meta(n) }))
    )
    await s.close()
    for await (const key of db.store.sub('blobs').keys({})) await db.store.sub('blobs').del(key)
    const fresh = store()
    assert.equal(await fresh.rebuildIndex(), 5)
    await fresh.open()
    for (const [n, i] of items.entries()) {
      assert.deepEqual(await fresh.get('o', i.id), i.bytes)
      assert.deepEqual((await fresh.meta('o', i.id))?.meta, meta(n))
    }
  })

  it('opens and iterates an index of 100,000 entries (counters only, nothing per blob kept in memory)', async () => {
    const index = db.store.sub('blobs')
    // index entries written directly: what is measured is opening and iterating, not writing
    for (let k = 0; k < 100_000; k += 10_000) {
      const ops = []
      for (let j = k; j < k + 10_000; j++) {
        const v = Buffer.alloc(24)
        v.writeUInt32BE(1, 0)
        v.writeUInt32BE(60, 12)
        v.writeUInt32BE(20, 20)
        ops.push({ type: 'put' as const, key: `e!o!${j.toString(16).padStart(64, '0')}`, value: v })
      }
      await index.batch(ops)
    }
    const s = store()
    await s.open()
    assert.deepEqual(Object.fromEntries(s.namespaces()), { o: { blobs: 100_000, bytes: 2_000_000 } })
    let n = 0
    for await (const e of s.entries('o')) if (e.size === 20) n++
    assert.equal(n, 100_000)
  })
})
