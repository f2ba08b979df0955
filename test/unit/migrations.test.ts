import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  BlobStore,
  type KeyValueStore,
  MIGRATIONS,
  type Migration,
  migrate,
  type OpenedDatabase,
  openLevel,
  SCHEMA_KEY,
  SCHEMA_VERSION
} from '../../storage/index.js'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b))

let root: string
let n = 0
const open: OpenedDatabase[] = []
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshkeep-migrations-'))
})
after(async () => {
  await Promise.all(open.map(db => db.close()))
  await rm(root, { recursive: true, force: true })
})

async function db(path = join(root, `db${n++}`)): Promise<{ db: OpenedDatabase; path: string }> {
  const opened = await openLevel(path)
  open.push(opened)
  return { db: opened, path }
}

async function close(opened: OpenedDatabase): Promise<void> {
  open.splice(open.indexOf(opened), 1)
  await opened.close()
}

/** Every raw key and value, sublevels included: what "nothing changed" compares. */
async function snapshot(store: KeyValueStore): Promise<Array<[string, string]>> {
  const all: Array<[string, string]> = []
  for await (const [k, v] of store.entries({})) all.push([k, Buffer.from(v).toString('hex')])
  return all
}

/** Today's (v1) owner layout, as owner-store.ts writes it. */
async function seedV1(store: KeyValueStore): Promise<void> {
  const owner = store.sub('owner')
  await owner.put('meta!latest', enc('2'))
  await owner.put('manifest!00000000000000000001', enc('m1'))
  await owner.put('manifest!00000000000000000002', enc('m2'))
  await store.sub('holder').put('chunk!abc', enc('c'))
}

/**
 * A real v1→v2 migration: the owner's `meta!latest` is renamed `meta!head`
 * and each manifest gains a `manifest-size!<version>` index entry.
 */
const v1to2: Migration = {
  from: 1,
  to: 2,
  describe: 'owner: meta!latest → meta!head, index manifest sizes',
  async plan(store) {
    const owner = store.sub('owner')
    const ops: Array<{ type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }> = []
    const latest = await owner.get('meta!latest')
    if (latest !== undefined) ops.push({ type: 'del', key: '!owner!meta!latest' }, { type: 'put', key: '!owner!meta!head', value: latest })
    for await (const [k, v] of owner.entries({ gte: 'manifest!', lt: 'manifest"' })) {
      ops.push({ type: 'put', key: `!owner!manifest-size!${k.slice('manifest!'.length)}`, value: enc(String(v.length)) })
    }
    return ops
  }
}

/** Stamps unstamped v1 data as version 1 and stops there (the real migrations take it further). */
const STAMP_V1 = { target: 1, migrations: [] }

describe('schema migrations', () => {
  it('stamps a fresh database with SCHEMA_VERSION, and the stamp survives a reopen', async () => {
    const { db: first, path } = await db()
    assert.deepEqual(await migrate(first.store), { from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] })
    assert.equal(dec(await first.store.get(SCHEMA_KEY)), String(SCHEMA_VERSION))
    await close(first)
    const { db: again } = await db(path)
    assert.deepEqual(await migrate(again.store), { from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] })
    assert.deepEqual(await snapshot(again.store), [[SCHEMA_KEY, Buffer.from(String(SCHEMA_VERSION)).toString('hex')]])
  })

  it('treats unstamped data as version 1 and leaves it untouched', async () => {
    const { db: d } = await db()
    await seedV1(d.store)
    const before = await snapshot(d.store)
    const logs: string[] = []
    assert.deepEqual(await migrate(d.store, { log: msg => logs.push(msg), target: 1, migrations: [] }), { from: 1, to: 1, applied: [] })
    assert.deepEqual(
      (await snapshot(d.store)).filter(([k]) => k !== SCHEMA_KEY),
      before
    )
    assert.equal(dec(await d.store.get(SCHEMA_KEY)), '1')
    assert.ok(logs.length > 0)
    // the stamp does not collide with the holder and owner sublevels
    assert.equal(dec(await d.store.sub('owner').get('meta!latest')), '2')
    assert.equal(await d.store.sub('owner').get('meta!schema'), undefined)
  })

  it('runs a v1→v2 migration: data and version change together', async () => {
    const { db: d } = await db()
    await seedV1(d.store)
    await migrate(d.store, STAMP_V1)
    const result = await migrate(d.store, { migrations: [v1to2], target: 2 })
    assert.deepEqual(result, { from: 1, to: 2, applied: [v1to2.describe] })
    const owner = d.store.sub('owner')
    assert.equal(await owner.get('meta!latest'), undefined)
    assert.equal(dec(await owner.get('meta!head')), '2')
    assert.equal(dec(await owner.get('manifest-size!00000000000000000002')), '2')
    assert.equal(dec(await d.store.sub('holder').get('chunk!abc')), 'c')
    assert.equal(dec(await d.store.get(SCHEMA_KEY)), '2')
    assert.deepEqual(await migrate(d.store, { migrations: [v1to2], target: 2 }), { from: 2, to: 2, applied: [] }, 'a second run is a no-op')
  })

  it('a fresh database starts at the target without running migrations', async () => {
    const { db: d } = await db()
    let planned = false
    const spy: Migration = {
      ...v1to2,
      plan: async s => {
        planned = true
        return v1to2.plan(s)
      }
    }
    assert.deepEqual(await migrate(d.store, { migrations: [spy], target: 2 }), { from: 2, to: 2, applied: [] })
    assert.equal(planned, false)
  })

  it('a failing migration changes nothing: not the data, not the version', async () => {
    const { db: d } = await db()
    await seedV1(d.store)
    await migrate(d.store, STAMP_V1)
    const before = await snapshot(d.store)
    const broken: Migration = {
      from: 1,
      to: 2,
      describe: 'reads half the data, then fails',
      async plan(store) {
        const ops = await v1to2.plan(store)
        assert.ok(ops.length > 0, 'the migration had work planned when it failed')
        throw new Error('disk says no')
      }
    }
    await assert.rejects(migrate(d.store, { migrations: [broken], target: 2 }), {
      code: 'INTERNAL',
      message: /migration v1→v2 \(reads half the data, then fails\) failed: disk says no; the database is unchanged at version 1/
    })
    assert.deepEqual(await snapshot(d.store), before)
  })

  it('each step is its own atomic batch: v1→v2 sticks when v2→v3 fails', async () => {
    const { db: d } = await db()
    await seedV1(d.store)
    await migrate(d.store, STAMP_V1)
    const v2to3: Migration = {
      from: 2,
      to: 3,
      describe: 'fails after planning a write',
      async plan() {
        throw new Error('v3 refused')
      }
    }
    await assert.rejects(migrate(d.store, { migrations: [v2to3, v1to2], target: 3 }), { code: 'INTERNAL', message: /unchanged at version 2/ })
    assert.equal(dec(await d.store.get(SCHEMA_KEY)), '2')
    assert.equal(dec(await d.store.sub('owner').get('meta!head')), '2')
  })

  it('refuses a database from a newer meshkeep, naming both versions, and does not touch it', async () => {
    const { db: d } = await db()
    await seedV1(d.store)
    await d.store.put(SCHEMA_KEY, enc(String(SCHEMA_VERSION + 1)))
    const before = await snapshot(d.store)
    await assert.rejects(migrate(d.store), {
      code: 'UNSUPPORTED_VERSION',
      message: new RegExp(`has schema version ${SCHEMA_VERSION + 1}, but this meshkeep supports up to version ${SCHEMA_VERSION}`)
    })
    assert.deepEqual(await snapshot(d.store), before)
  })

  it('refuses an unreadable stamp, a gap in the chain, and a migration that writes the stamp', async () => {
    const { db: d } = await db()
    await d.store.put(SCHEMA_KEY, enc('one'))
    await assert.rejects(migrate(d.store), { code: 'INTERNAL', message: /unreadable: "one"/ })
    await d.store.put(SCHEMA_KEY, enc('1'))
    await assert.rejects(migrate(d.store, { migrations: [], target: 2 }), { code: 'INTERNAL', message: /no single migration from schema version 1 towards 2/ })
    const sneaky: Migration = { from: 1, to: 2, describe: 'sneaky', plan: async () => [{ type: 'put', key: SCHEMA_KEY, value: enc('9') }] }
    await assert.rejects(migrate(d.store, { migrations: [sneaky], target: 2 }), { code: 'INTERNAL', message: /only migrate\(\) may write/ })
    assert.equal(dec(await d.store.get(SCHEMA_KEY)), '1')
  })

  it('the real v1→v2 migration gives every manifest held for others a lease entry, and leaves everything else alone', async () => {
    const { db: d } = await db()
    await seedV1(d.store)
    const holder = d.store.sub('holder')
    await holder.put('m!ownerA!0000000000000003', enc('sealed-3'))
    await holder.put('m!ownerB!0000000000000001', enc('sealed-one'))
    const before = await snapshot(d.store)
    const t0 = Date.now()
    assert.deepEqual(await migrate(d.store, { target: 2 }), { from: 1, to: 2, applied: [MIGRATIONS[0]?.describe] })
    const lease = (b: Uint8Array | undefined) => {
      assert.ok(b !== undefined && b.length === 20)
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
      return { leaseExpiresAt: Number(v.getBigUint64(0)), storedAt: Number(v.getBigUint64(8)), size: v.getUint32(16) }
    }
    const a = lease(await holder.get('n!ownerA!0000000000000003'))
    const b = lease(await holder.get('n!ownerB!0000000000000001'))
    assert.equal(a.size, 'sealed-3'.length)
    assert.equal(b.size, 'sealed-one'.length)
    for (const l of [a, b]) {
      assert.ok(l.storedAt >= t0 && l.storedAt <= Date.now())
      assert.equal(l.leaseExpiresAt - l.storedAt, 30 * 24 * 3600 * 1000)
    }
    const after = (await snapshot(d.store)).filter(([k]) => k !== SCHEMA_KEY && !k.startsWith('!holder!n!'))
    assert.deepEqual(
      after,
      before.filter(([k]) => k !== SCHEMA_KEY)
    )
  })

  it('the real v2→v3 migration moves every chunk into the blob store (holders’ with their leases, the owner’s local copies), deletes the LevelDB copies, and resumes after a crash', async () => {
    const { db: d, path } = await db()
    const holder = d.store.sub('holder')
    const owner = d.store.sub('owner')
    const lease = (n: number) => {
      const b = new Uint8Array(20)
      new DataView(b.buffer).setBigUint64(0, BigInt(n))
      return b
    }
    const held = Array.from({ length: 300 }, (_, k) => ({
      owner: k % 2 === 0 ? 'ownerA' : 'ownerB',
      id: createHash('sha256').update(`held ${k}`).digest('hex'),
      bytes: enc(`chunk ${k}`)
    }))
    for (const h of held) {
      await holder.put(`c!${h.owner}!${h.id}`, h.bytes)
      await holder.put(`i!${h.owner}!${h.id}`, lease(1000 + held.indexOf(h)))
    }
    const local = Array.from({ length: 3 }, (_, k) => ({ id: Buffer.alloc(32, 200 + k).toString('hex'), bytes: enc(`mine ${k}`) }))
    for (const l of local) await owner.put(`k!${l.id}`, l.bytes)
    await owner.put('meta!latest', enc('1'))
    await migrate(d.store, { target: 2 })

    const blobsDir = `${path}-chunks`
    // a crash in the middle of the move: the first step is in the blob store, its legacy keys not yet deleted
    const first = new BlobStore({ dir: blobsDir, index: d.store.sub('blobs') })
    await first.open()
    await first.putMany('ownerA', [{ id: Buffer.from(held[0]?.id as string, 'hex'), bytes: held[0]?.bytes as Uint8Array, meta: lease(1000) }])
    await first.close()

    const blobs = new BlobStore({ dir: blobsDir, index: d.store.sub('blobs') })
    await blobs.open()
    assert.deepEqual(await migrate(d.store, { blobs }), { from: 2, to: 3, applied: [MIGRATIONS[1]?.describe] })
    for (const [k, h] of held.entries()) {
      assert.deepEqual(await blobs.get(h.owner, Buffer.from(h.id, 'hex')), h.bytes)
      assert.deepEqual((await blobs.meta(h.owner, Buffer.from(h.id, 'hex')))?.meta, lease(1000 + k))
    }
    for (const l of local) assert.deepEqual(await blobs.get('self', Buffer.from(l.id, 'hex')), l.bytes)
    const left: string[] = []
    for await (const key of d.store.keys({})) if (/^!holder!(c|i)!|^!owner!k!/.test(key)) left.push(key)
    assert.deepEqual(left, [], 'no chunk bytes or lease entries left in LevelDB')
    assert.equal(dec(await owner.get('meta!latest')), '1', 'the rest of the owner records are untouched')
    await blobs.close()
  })
})
