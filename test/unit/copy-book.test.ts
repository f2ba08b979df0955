import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { toHex } from '../../core/index.js'
import { type Copy, CopyBook, OwnerStore } from '../../owner/index.js'
import { openTestStores, type TestStores } from '../helpers/stores.js'

const id = (n: number) => new Uint8Array(32).fill(n)
const copy = (holder: string, leaseExpiresAt = 10_000): Copy => ({ holder, attestedAt: 1, leaseExpiresAt })

describe('CopyBook: the one model of a copy, and the health derived from it', () => {
  let stores: TestStores
  let store: OwnerStore
  let book: CopyBook
  beforeEach(async () => {
    stores = await openTestStores('meshkeep-copybook-')
    store = new OwnerStore(stores.db.store.sub('owner'), stores.blobs)
    book = new CopyBook({ store })
  })
  afterEach(async () => {
    await stores.close()
  })

  it('a holder counts once, expired leases lapse, and health follows', async () => {
    assert.equal(book.health(id(1), 0), 'AtRisk')
    await book.record(id(1), copy('a'))
    await book.record(id(1), copy('a'))
    assert.equal(book.health(id(1), 0), 'Partial')
    await book.record(id(1), copy('b', 500))
    assert.equal(book.health(id(1), 0), 'Replicated')
    assert.equal(book.health(id(1), 500), 'Partial', 'b lease expired')
    assert.deepEqual(
      book.counting(id(1), 0).map(c => c.holder),
      ['a', 'b']
    )
  })

  it('a suspended holder stops counting and counts again when it answers, without losing its copies', async () => {
    await book.recordMany([
      { id: id(1), copy: copy('a') },
      { id: id(1), copy: copy('b') }
    ])
    book.suspend('b')
    assert.equal(book.health(id(1), 0), 'Partial')
    assert.equal(book.copies(id(1)).length, 2)
    book.resume('b')
    assert.equal(book.health(id(1), 0), 'Replicated')
  })

  it('a copy being released does not count; an unconfirmed release gives it back, a confirmed one forgets it', async () => {
    await book.recordMany([
      { id: id(1), copy: copy('a') },
      { id: id(1), copy: copy('b') }
    ])
    book.startRelease(id(1), 'b')
    assert.equal(book.health(id(1), 0), 'Partial')
    assert.equal(await book.finishRelease(id(1), 'b', false), false)
    assert.equal(book.health(id(1), 0), 'Replicated')
    book.startRelease(id(1), 'b')
    assert.equal(await book.finishRelease(id(1), 'b', true), true)
    assert.deepEqual(
      book.copies(id(1)).map(c => c.holder),
      ['a']
    )
  })

  it('dropping a holder downgrades exactly its chunks', async () => {
    for (const n of [1, 2, 3]) await book.record(id(n), copy('a'))
    await book.record(id(1), copy('b'))
    await book.record(id(2), copy('b'))
    await book.record(id(3), copy('c'))
    assert.deepEqual((await book.dropHolder('b')).sort(), [toHex(id(1)), toHex(id(2))])
    assert.deepEqual(
      [1, 2, 3].map(n => book.health(id(n), 0)),
      ['Partial', 'Partial', 'Replicated']
    )
    assert.equal(await book.drop(id(3), 'c'), true)
    const s = book.summary([id(1), id(2), id(3), id(1)], 0)
    assert.equal(s.total, 4)
    assert.equal(s.partial, 4)
    assert.equal(s.recoveryConfidence, 'MEDIUM')
    assert.deepEqual([...book.holders()], ['a'])
  })

  it('what the book records survives a restart: a fresh book loads the same copies from the store', async () => {
    await book.recordMany([
      { id: id(1), copy: copy('a', 7_000) },
      { id: id(2), copy: copy('b', 8_000) }
    ])
    await book.drop(id(1), 'a')
    const again = new CopyBook({ store })
    await again.load()
    assert.deepEqual(again.chunkIds(), [toHex(id(2))])
    assert.deepEqual(
      again.copies(id(2)),
      [copy('b', 8_000)].map(c => ({ ...c, attestation: undefined }))
    )
  })
})
