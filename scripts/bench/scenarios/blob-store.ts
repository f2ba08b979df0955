/**
 * Scenario 11: the chunk store itself, in this process, on this machine's
 * disk. The same 64 KiB chunks are written by 8 concurrent writers (16
 * chunks per call, as a holder's store handler writes a batch) into
 *  - the blob store (segment files, group commit: durable on return),
 *  - LevelDB with synced batches (durable on return: the like-for-like
 *    baseline),
 *  - LevelDB without sync (what the previous release did: not durable),
 * and read back. Then a store holding `--store-size` (default 1 GiB) is
 * closed and opened again: the time a holder's restart spends on its store.
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256 } from '../../../core/index.js'
import { BlobStore, openLevel } from '../../../storage/index.js'
import { fmt, type Results } from '../lib/report.js'
import { formatSize, MiB, median } from '../lib/stats.js'

const CHUNK = 65_536
const WRITERS = 8
const PER_CALL = 16

interface Target {
  name: string
  put: (items: Array<{ id: Uint8Array; bytes: Uint8Array }>) => Promise<void>
  get: (id: Uint8Array) => Promise<Uint8Array | undefined>
  close: () => Promise<void>
}

function chunks(count: number): Array<{ id: Uint8Array; bytes: Uint8Array }> {
  // one random pool, sliced: the bench measures the store, not the random generator
  const pool = randomBytes(CHUNK * 64)
  return Array.from({ length: count }, (_, k) => {
    const bytes = new Uint8Array(pool.buffer, pool.byteOffset + (k % 64) * CHUNK, CHUNK).slice()
    bytes[0] = k & 0xff
    bytes[1] = (k >> 8) & 0xff
    bytes[2] = (k >> 16) & 0xff
    return { id: sha256(bytes), bytes }
  })
}

async function blobTarget(dir: string): Promise<Target> {
  const db = await openLevel(join(dir, 'db'))
  const store = new BlobStore({ dir: join(dir, 'chunks'), index: db.store.sub('blobs') })
  await store.open()
  return {
    name: 'blob store',
    put: items => store.putMany('o', items),
    get: id => store.get('o', id),
    close: async () => {
      await store.close()
      await db.close()
    }
  }
}

async function levelTarget(dir: string, sync: boolean): Promise<Target> {
  const db = await openLevel(join(dir, 'db'))
  const hex = (id: Uint8Array) => Buffer.from(id).toString('hex')
  return {
    name: sync ? 'LevelDB, synced batches' : 'LevelDB, unsynced batches',
    put: items =>
      db.store.batch(
        items.map(i => ({ type: 'put' as const, key: `c!o!${hex(i.id)}`, value: i.bytes })),
        { sync }
      ),
    get: id => db.store.get(`c!o!${hex(id)}`),
    close: () => db.close()
  }
}

async function measure(
  target: Target,
  items: Array<{ id: Uint8Array; bytes: Uint8Array }>
): Promise<{ writeMbps: number; readMbps: number; putsPerSecond: number }> {
  const calls: Array<Array<{ id: Uint8Array; bytes: Uint8Array }>> = []
  for (let k = 0; k < items.length; k += PER_CALL) calls.push(items.slice(k, k + PER_CALL))
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let c = next++; c < calls.length; c = next++) await target.put(calls[c] as Array<{ id: Uint8Array; bytes: Uint8Array }>)
    })
  )
  const writeS = (performance.now() - t0) / 1000
  const t1 = performance.now()
  for (const i of items) if ((await target.get(i.id))?.length !== CHUNK) throw new Error(`${target.name} lost a chunk`)
  const readS = (performance.now() - t1) / 1000
  const bytes = items.length * CHUNK
  return { writeMbps: bytes / MiB / writeS, readMbps: bytes / MiB / readS, putsPerSecond: items.length / writeS }
}

export async function runBlobStore(root: string, results: Results, runs: number, storeSize: number): Promise<void> {
  const dir = join(root, 'blob-store')
  const items = chunks(2048) // 128 MiB per target per run
  const samples = new Map<string, Array<{ writeMbps: number; readMbps: number; putsPerSecond: number }>>()
  for (let run = 1; run <= runs; run++) {
    for (const make of [(d: string) => blobTarget(d), (d: string) => levelTarget(d, true), (d: string) => levelTarget(d, false)]) {
      const d = join(dir, `run-${run}-${samples.size}`)
      const target = await make(d)
      try {
        const s = await measure(target, items)
        samples.set(target.name, [...(samples.get(target.name) ?? []), s])
        process.stderr.write(
          `    run ${run}, ${target.name}: write ${fmt(s.writeMbps, 0)} MiB/s (${fmt(s.putsPerSecond, 0)} chunks/s), read ${fmt(s.readMbps, 0)} MiB/s\n`
        )
      } finally {
        await target.close()
        await rm(d, { recursive: true, force: true })
      }
    }
  }
  const med = (name: string, f: (s: { writeMbps: number; readMbps: number; putsPerSecond: number }) => number) => median((samples.get(name) ?? []).map(f))
  const blobW = med('blob store', s => s.writeMbps)
  const syncedW = med('LevelDB, synced batches', s => s.writeMbps)
  const unsyncedW = med('LevelDB, unsynced batches', s => s.writeMbps)
  const note = `${items.length} chunks of 64 KiB (${formatSize(items.length * CHUNK)}) written by ${WRITERS} concurrent writers, ${PER_CALL} chunks per call, into a fresh store; then read back one by one. Median of ${runs} run${runs === 1 ? '' : 's'}.`
  results.add({
    id: '11a',
    what: 'chunk store: 64 KiB chunks written durably, 8 writers',
    result: `${fmt(blobW, 0)} MiB/s (${fmt(
      med('blob store', s => s.putsPerSecond),
      0
    )} chunks/s)`,
    value: blobW,
    unit: 'MiB/s',
    baseline: { label: 'LevelDB with synced batches (also durable)', value: syncedW, unit: 'MiB/s' },
    ratio: blobW / syncedW,
    note: `${note} For reference, LevelDB without sync (the previous release; not durable): ${fmt(unsyncedW, 0)} MiB/s, ${fmt(blobW / unsyncedW, 2)}× that.`,
    samples: Object.fromEntries([...samples].map(([name, list]) => [name, list.map(x => x.writeMbps)]))
  })
  const blobR = med('blob store', s => s.readMbps)
  const levelR = med('LevelDB, synced batches', s => s.readMbps)
  results.add({
    id: '11b',
    what: 'chunk store: 64 KiB chunks read one by one',
    result: `${fmt(blobR, 0)} MiB/s`,
    value: blobR,
    unit: 'MiB/s',
    baseline: { label: 'LevelDB', value: levelR, unit: 'MiB/s' },
    ratio: blobR / levelR,
    note
  })

  // a restart: how long opening a store that holds storeSize takes
  const big = join(dir, 'big')
  const target = await blobTarget(big)
  const batch = chunks(256)
  const total = Math.ceil(storeSize / CHUNK)
  for (let k = 0; k < total; k += batch.length) {
    await target.put(
      batch.map((c, j) => {
        const bytes = c.bytes.slice()
        bytes[3] = (k + j) & 0xff
        bytes[4] = ((k + j) >> 8) & 0xff
        bytes[5] = ((k + j) >> 16) & 0xff
        return { id: sha256(bytes), bytes }
      })
    )
  }
  await target.close()
  const opens: number[] = []
  for (let run = 1; run <= runs; run++) {
    const db = await openLevel(join(big, 'db'))
    const store = new BlobStore({ dir: join(big, 'chunks'), index: db.store.sub('blobs') })
    const t0 = performance.now()
    await store.open()
    opens.push(performance.now() - t0)
    if (store.stats().blobs !== total) throw new Error(`the reopened store counts ${store.stats().blobs} chunks, not ${total}`)
    await store.close()
    await db.close()
  }
  await rm(big, { recursive: true, force: true })
  const openMs = median(opens)
  results.add({
    id: '11c',
    what: `chunk store: open a store holding ${formatSize(total * CHUNK)}`,
    result: `${fmt(openMs, 0)} ms`,
    value: openMs,
    unit: 'ms',
    goal: { text: '≤ 2 s', met: openMs <= 2000 },
    note: `${total} chunks of 64 KiB; open() reads the committed tail, checks the active segment and counts the index (no chunk is read). Median of ${runs} opens.`,
    samples: { openMs: opens }
  })
}
