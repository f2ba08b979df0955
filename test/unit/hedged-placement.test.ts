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

const counters = () => ({ retries: 0, invalidAttestations: 0, bytesSent: 0, chunksSent: 0, fallbacks: 0, hedges: 0, cancelled: 0, released: 0 })

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
      signal: AbortSignal.timeout(60_000)
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

  it('a slow exchange that finishes after its hedge leaves a surplus copy, which is released: each chunk keeps its two best-ranked copies', async () => {
    const [a, b, c] = Array.from({ length: 3 }, holder) as [HolderInfo, HolderInfo, HolderInfo]
    const copies = new Map<string, string[]>()
    const released: Array<[string, string[]]> = []
    const placer = {
      // a is slow but gets there; b and c answer at once
      storeAt: async (h: HolderInfo, items: Array<{ id: Uint8Array }>) => {
        await new Promise(r => setTimeout(r, h === a ? 300 : 1))
        for (const i of items) {
          const key = Buffer.from(i.id).toString('hex')
          copies.set(key, [...(copies.get(key) ?? []), h.peerIdString])
        }
        return items.map(() => true)
      },
      release: async (surplus: ReadonlyMap<string, string[]>) => {
        for (const [h, ids] of surplus) {
          released.push([h, ids])
          for (const id of ids)
            copies.set(
              id,
              (copies.get(id) ?? []).filter(x => x !== h)
            )
        }
        return [...surplus.values()].reduce((n, ids) => n + ids.length, 0)
      }
    } as unknown as Placer
    const chunkOf = () => {
      const bytes = new Uint8Array(randomBytes(1024))
      return { id: sha256(bytes), bytes }
    }
    // x can be hedged to c; y has nobody else, so a's exchange (carrying both) must run to its end
    const x = { chunk: chunkOf(), ranked: [a, b, c], needed: 2 }
    const y = { chunk: chunkOf(), ranked: [a, b], needed: 2 }
    // three quick finished exchanges give the median the hedge needs
    const warm = [0, 1, 2].map(() => ({ chunk: chunkOf(), ranked: [b, c], needed: 2 }))
    const c0 = counters()
    const hedge = { factor: 3, minMs: 50, minSamples: 3, tickMs: 10 }
    const times = new ExchangeTimes(hedge)
    await placeHedged(warm, { placer, exchanges: new Queue({ concurrency: 8 }), times, counters: counters(), signal: AbortSignal.timeout(60_000) })
    await placeHedged([x, y], { placer, exchanges: new Queue({ concurrency: 8 }), times, counters: c0, signal: AbortSignal.timeout(60_000) })
    const hex = (j: typeof x) => Buffer.from(j.chunk.id).toString('hex')
    assert.equal(c0.hedges, 1, 'x was hedged to c')
    assert.deepEqual(released, [[c.peerIdString, [hex(x)]]], 'x ended with a, b and c: c, the worst-ranked, was released')
    assert.deepEqual((copies.get(hex(x)) ?? []).sort(), [a.peerIdString, b.peerIdString].sort())
    assert.deepEqual((copies.get(hex(y)) ?? []).sort(), [a.peerIdString, b.peerIdString].sort())
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
      signal: AbortSignal.timeout(60_000)
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
