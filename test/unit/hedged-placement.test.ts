import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Queue } from '@libp2p/utils'
import { identityFromSeed, sha256 } from '../../core/index.js'
import { ExchangeTimes, type HolderInfo, type PlacementJob, type Placer, placeHedged } from '../../owner/index.js'

const holder = (): HolderInfo => {
  const id = identityFromSeed(new Uint8Array(randomBytes(32)))
  return { peerId: id.peerId, peerIdString: id.peerIdString, capacityBucket: 20 }
}

/**
 * A placer whose holders answer at once, except `slow` ones, which never
 * answer until their exchange is aborted: the long tail, at its worst. It
 * stands in for the network only to inject that slowness; what is tested is
 * the scheduling around it.
 */
function fakePlacer(slow: ReadonlySet<string>) {
  const copies = new Map<string, string[]>()
  const aborted: string[] = []
  const placer = {
    storeAt: async (h: HolderInfo, items: Array<{ id: Uint8Array }>, signal: AbortSignal) => {
      if (slow.has(h.peerIdString)) {
        await new Promise<void>((_, reject) =>
          signal.addEventListener(
            'abort',
            () => {
              aborted.push(h.peerIdString)
              reject(signal.reason)
            },
            { once: true }
          )
        )
      }
      await new Promise(r => setImmediate(r))
      signal.throwIfAborted()
      for (const i of items) {
        const key = Buffer.from(i.id).toString('hex')
        copies.set(key, [...(copies.get(key) ?? []), h.peerIdString])
      }
      return items.map(() => true)
    }
  } as unknown as Placer
  return { placer, copies, aborted }
}

function jobs(n: number, holders: HolderInfo[]): PlacementJob[] {
  return Array.from({ length: n }, () => {
    const bytes = new Uint8Array(randomBytes(1024))
    // every chunk ranks the holders differently, as rendezvous hashing does
    const ranked = [...holders].sort(() => Math.random() - 0.5)
    return { chunk: { id: sha256(bytes), bytes }, ranked, needed: 2 }
  })
}

const counters = () => ({ retries: 0, invalidAttestations: 0, bytesSent: 0, chunksSent: 0, fallbacks: 0, hedges: 0, cancelled: 0 })

describe('hedged placement: a holder that never answers holds nobody back', () => {
  it('every chunk gets its two copies on answering holders; the silent holder’s exchanges are hedged, then cancelled', async () => {
    const holders = Array.from({ length: 5 }, holder)
    const silent = holders[0] as HolderInfo
    const { placer, copies, aborted } = fakePlacer(new Set([silent.peerIdString]))
    const list = jobs(64, holders)
    const c = counters()
    // without hedging this would never finish: the silent holder is a primary of ~40% of the chunks
    await placeHedged(list, {
      placer,
      exchanges: new Queue({ concurrency: 8 }),
      times: new ExchangeTimes({ factor: 3, minMs: 50, minSamples: 3, tickMs: 10 }),
      counters: c,
      signal: AbortSignal.timeout(60_000),
      hedge: { factor: 3, minMs: 50, minSamples: 3, tickMs: 10 }
    })
    const silentPrimary = list.filter(j => j.ranked.slice(0, 2).includes(silent)).length
    assert.ok(silentPrimary > 0, 'the silent holder is a primary of some chunks')
    for (const j of list) {
      const at = copies.get(Buffer.from(j.chunk.id).toString('hex')) ?? []
      assert.equal(new Set(at).size, 2, 'two copies on two distinct holders')
      assert.ok(!at.includes(silent.peerIdString), 'none on the silent holder')
      assert.equal(j.needed, 2, 'the caller’s jobs are not mutated')
    }
    assert.ok(c.hedges >= silentPrimary, `every chunk of the silent holder was hedged (${c.hedges} hedges for ${silentPrimary} chunks)`)
    assert.ok(c.cancelled > 0 && aborted.length === c.cancelled, 'the silent holder’s exchanges were cancelled once their chunks were placed')
  })

  it('holders that all answer promptly are never hedged', async () => {
    const holders = Array.from({ length: 5 }, holder)
    const { placer, copies } = fakePlacer(new Set())
    const list = jobs(64, holders)
    const c = counters()
    const hedge = { factor: 3, minMs: 10_000, minSamples: 3, tickMs: 10 }
    await placeHedged(list, {
      placer,
      exchanges: new Queue({ concurrency: 8 }),
      times: new ExchangeTimes(hedge),
      counters: c,
      signal: AbortSignal.timeout(60_000),
      hedge
    })
    assert.equal(c.hedges, 0)
    assert.equal(c.cancelled, 0)
    for (const j of list) {
      const at = [...(copies.get(Buffer.from(j.chunk.id).toString('hex')) ?? [])].sort()
      const primaries = j.ranked
        .slice(0, 2)
        .map(h => h.peerIdString)
        .sort()
      assert.deepEqual(at, primaries, 'each chunk sits on its two best-ranked holders, and nowhere else')
    }
  })
})
