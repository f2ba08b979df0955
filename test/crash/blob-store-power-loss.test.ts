/**
 * Power loss, simulated many times: a file layer and an index that drop
 * every write not yet synced (test/helpers/lossy-storage.ts states the fault
 * model), cut at seeded random points while writers, deleters, lease renewals
 * and compaction run at once. After each cut the store must open, and:
 * - every putMany that resolved (a holder would have signed its receipt)
 *   reads back bit-exact, with the metadata of the last resolved write;
 * - every delete that resolved stays deleted;
 * - a blob whose write or delete was in flight is either as before or as
 *   after, never anything else.
 *
 * MESHKEEP_CRASH_SEED repeats one seed; MESHKEEP_CRASH_ITERATIONS runs more.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sha256 } from '../../core/index.js'
import { BlobStore } from '../../storage/index.js'
import { LossyFiles, LossyKv, prng } from '../helpers/lossy-storage.js'

const ITERATIONS = Number(process.env.MESHKEEP_CRASH_ITERATIONS ?? 600)
const FIRST_SEED = process.env.MESHKEEP_CRASH_SEED === undefined ? Date.now() % 1_000_000 : Number(process.env.MESHKEEP_CRASH_SEED)
const KEYS = 24
const CUTS = 3

interface Version {
  bytes: Uint8Array
  meta: Uint8Array
}

/** One operation on one key, in the order it was submitted. */
type Op = { kind: 'put'; v: Version } | { kind: 'del' } | { kind: 'meta'; meta: Uint8Array }

/** Per key: the state when the burst began, what the burst submitted, and how much of it was acknowledged. */
interface KeyLog {
  base: Version | null
  ops: Op[]
  /** ops acknowledged (they resolve in the order they were submitted) */
  acked: number
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function apply(state: Version | null, op: Op): Version | null {
  if (op.kind === 'put') return op.v
  if (op.kind === 'del') return null
  return state === null ? null : { bytes: state.bytes, meta: op.meta }
}

const same = (a: Version | null, b: Version | null) => (a === null || b === null ? a === b : hex(a.bytes) === hex(b.bytes) && hex(a.meta) === hex(b.meta))
const show = (v: Version | null) => (v === null ? 'absent' : `${v.bytes.length} bytes, meta ${hex(v.meta)}`)

describe('blob store: power cuts at random points lose nothing that was acknowledged', () => {
  it(`${ITERATIONS} seeded runs of ${CUTS} power cuts each (first seed ${FIRST_SEED})`, async t => {
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const seed = FIRST_SEED + iteration
      try {
        await run(seed)
      } catch (err) {
        t.diagnostic(`repeat with MESHKEEP_CRASH_SEED=${seed} MESHKEEP_CRASH_ITERATIONS=1`)
        throw err
      }
    }
  })
})

async function run(seed: number): Promise<void> {
  const random = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
  const ids = Array.from({ length: KEYS }, (_, k) => sha256(Uint8Array.of(k, seed & 0xff)))
  const logs = new Map<string, KeyLog>(ids.map(id => [hex(id), { base: null, ops: [], acked: 0 }]))
  let files = new LossyFiles()
  let index = new LossyKv()
  const segmentBytes = 20_000 + Math.floor(random() * 60_000)

  for (let cut = 0; cut <= CUTS; cut++) {
    const store = new BlobStore({ dir: '/blobs', index, files, segmentBytes })
    await store.open()
    await verify(store, logs, ids, `seed ${seed}, after cut ${cut}`)
    if (cut === CUTS) {
      await store.close()
      return
    }
    // a burst of concurrent work, with the power cut somewhere inside it
    let powerOff = false
    const work: Array<Promise<unknown>> = []
    const ops = 10 + Math.floor(random() * 30)
    for (let n = 0; n < ops; n++) {
      const id = pick(ids)
      const log = logs.get(hex(id)) as KeyLog
      const r = random()
      const ack = (k: number) => () => {
        if (!powerOff) log.acked = Math.max(log.acked, k)
      }
      if (r < 0.55) {
        const size = 1 + Math.floor(random() * 8000)
        const v: Version = { bytes: Uint8Array.from({ length: size }, () => Math.floor(random() * 256)), meta: Uint8Array.of(n, cut) }
        log.ops.push({ kind: 'put', v })
        work.push(store.putMany('o', [{ id, bytes: v.bytes, meta: v.meta }]).then(ack(log.ops.length)))
      } else if (r < 0.75) {
        log.ops.push({ kind: 'del' })
        work.push(store.delete('o', [id]).then(ack(log.ops.length)))
      } else if (r < 0.9) {
        const meta = Uint8Array.of(200 + n, cut)
        log.ops.push({ kind: 'meta', meta })
        work.push(store.setMeta('o', [{ id, meta }]).then(ack(log.ops.length)))
      } else {
        work.push(store.compact({ below: 0.8 }))
      }
      // let some of it run before the next op
      if (random() < 0.5) await new Promise(r => setImmediate(r))
    }
    // the power goes after a random number of turns of the event loop
    const turns = Math.floor(random() * 40)
    for (let k = 0; k < turns; k++) await new Promise(r => setImmediate(r))
    powerOff = true
    files = files.crash(random)
    index = index.crash()
    // work in flight fails against the dead machine; its outcome is unknown, which the checks allow for
    await Promise.allSettled(work)
  }
}

/**
 * Each key must be in the state some prefix of its submitted operations
 * leaves, at least as long as the acknowledged prefix: commits are atomic
 * and in order, so nothing else is possible. That state becomes the next
 * burst's base.
 */
async function verify(store: BlobStore, logs: Map<string, KeyLog>, ids: Uint8Array[], where: string): Promise<void> {
  for (const id of ids) {
    const key = hex(id)
    const log = logs.get(key) as KeyLog
    const bytes = await store.get('o', id)
    const m = await store.meta('o', id)
    assert.equal(m?.size, bytes?.length, `${where}: blob ${key.slice(0, 8)}: its index entry and its bytes agree`)
    const found: Version | null = bytes === undefined ? null : { bytes, meta: (m as { meta: Uint8Array }).meta }
    const allowed: Array<Version | null> = []
    let state = log.base
    for (let k = 0; k <= log.ops.length; k++) {
      if (k > 0) state = apply(state, log.ops[k - 1] as Op)
      if (k >= log.acked) allowed.push(state)
    }
    assert.ok(
      allowed.some(a => same(a, found)),
      `${where}: blob ${key.slice(0, 8)} is ${show(found)}; ${log.acked} of ${log.ops.length} operations were acknowledged, so it must be one of: ${allowed.map(show).join(' | ')}`
    )
    log.base = found
    log.ops = []
    log.acked = 0
  }
}
