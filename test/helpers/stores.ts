import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlobStore, type OpenedDatabase, openLevel } from '../../storage/index.js'

/** A real LevelDB and a real blob store in a temp dir, as a node has them. */
export interface TestStores {
  dir: string
  db: OpenedDatabase
  blobs: BlobStore
  /** another blob store over the same database (its own segment dir and index sublevel) */
  moreBlobs: (name: string) => Promise<BlobStore>
  close: () => Promise<void>
}

export async function openTestStores(prefix = 'meshkeep-stores-'): Promise<TestStores> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const db = await openLevel(join(dir, 'db'))
  const all: BlobStore[] = []
  const moreBlobs = async (name: string) => {
    const b = new BlobStore({ dir: join(dir, name), index: db.store.sub(name) })
    await b.open()
    all.push(b)
    return b
  }
  const blobs = await moreBlobs('blobs')
  return {
    dir,
    db,
    blobs,
    moreBlobs,
    close: async () => {
      for (const b of all) await b.close()
      await db.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
