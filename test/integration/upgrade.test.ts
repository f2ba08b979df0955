/**
 * A data dir written by the previous release (schema 2: chunk bytes inside
 * LevelDB) is migrated on first start. The fixtures in
 * test/fixtures/datadir-v2 were made by that release: an owner that put a
 * 300,000-byte state through two holders, and one of those holders.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { decodeKeyFile } from '../../daemon/datadir/key-file.js'
import { MeshNode } from '../../daemon/node/mesh-node.js'
import { openLevel, SCHEMA_KEY } from '../../storage/index.js'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/datadir-v2/', import.meta.url))

interface Fixture {
  ownerPeerId: string
  holderPeerId: string
  sha256: string
  bytes: number
  chunks: number
  heldChunks: number
}

async function copyNode(name: string, into: string): Promise<{ dataDir: string; rootSecret: Uint8Array }> {
  const dataDir = join(into, name)
  await cp(join(FIXTURES, name), dataDir, { recursive: true })
  const keyFile = join(dataDir, 'node.key')
  const { rootSecret } = await decodeKeyFile(await readFile(keyFile, 'utf8'), keyFile)
  return { dataDir, rootSecret }
}

describe('a data dir of the previous release is migrated on first start', () => {
  const dirs: string[] = []
  const nodes: MeshNode[] = []
  after(async () => {
    for (const n of nodes) await n.stop().catch(() => {})
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('the holder keeps every chunk it held, intact and leased; the owner reads its state back from its own copies', async () => {
    const fixture = JSON.parse(await readFile(join(FIXTURES, 'fixture.json'), 'utf8')) as Fixture
    const root = await mkdtemp(join(tmpdir(), 'meshkeep-upgrade-'))
    dirs.push(root)

    const h = await copyNode('holder', root)
    const holder = new MeshNode({ ...h, register: false })
    nodes.push(holder)
    await holder.start()
    assert.equal(holder.peerId, fixture.holderPeerId)
    const held = holder.holder.holdings().owners.find(o => o.owner === fixture.ownerPeerId)
    assert.equal(held?.chunks, fixture.heldChunks, 'every chunk held before is held after')
    let intact = 0
    for await (const id of holder.holder.chunks.chunkIds(fixture.ownerPeerId)) {
      const bytes = await holder.holder.chunks.getChunk(fixture.ownerPeerId, id)
      const info = await holder.holder.chunks.info(fixture.ownerPeerId, id)
      assert.ok(bytes !== undefined && createHash('sha256').update(bytes).digest().equals(Buffer.from(id)), 'the bytes still hash to their id')
      assert.ok(info !== undefined && info.leaseExpiresAt > Date.now(), 'the lease came along')
      intact++
    }
    assert.equal(intact, fixture.heldChunks)
    await holder.stop()

    const o = await copyNode('owner', root)
    const owner = new MeshNode({ ...o, register: false })
    nodes.push(owner)
    await owner.start()
    assert.deepEqual(
      owner.owner.versions().map(v => v.version),
      [1]
    )
    const hash = createHash('sha256')
    const report = await owner.owner.read(1, piece => {
      hash.update(piece)
    })
    assert.equal(hash.digest('hex'), fixture.sha256, 'the state reads back exactly')
    assert.equal(report.localChunks, fixture.chunks, 'from the local copies, now in the blob store')
    await owner.stop()

    // both data dirs are at the new layout: stamped 3, chunk bytes in segment files, none left in LevelDB
    for (const name of ['holder', 'owner']) {
      assert.ok((await readdir(join(root, name, 'chunks'))).some(f => f.endsWith('.log')))
      const db = await openLevel(join(root, name, 'db'))
      try {
        assert.equal(new TextDecoder().decode(await db.store.get(SCHEMA_KEY)), '3')
        for await (const key of db.store.keys({})) assert.ok(!/^!holder!(c|i)!|^!owner!k!/.test(key), `${name}: ${key} left behind`)
      } finally {
        await db.close()
      }
    }
  })
})
