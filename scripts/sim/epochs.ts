/**
 * How often `epochChanged` fires under sequences of membership events, with
 * the registry's rule: the epoch base is the member set when the current
 * epoch began, each refresh compares the current set with it, and a new
 * epoch replaces the base. Only membership matters here, so holders are
 * plain names.
 */
import { epochChanged } from '../../registry/index.js'
import type { SeededRandom } from './random.js'

export interface EpochSequence {
  name: string
  events: number
  refreshes: number
  fired: number
  /** refreshes from the start to the first epoch change, and between later ones (mean) */
  firstAfter: number | null
  meanBetween: number | null
  membersAtEnd: number
}

type Event = { kind: 'leave' } | { kind: 'join' } | { kind: 'return'; who: string[] } | { kind: 'drop'; who: string[] }

function run(name: string, start: number, batches: Event[][], threshold: number, rng: SeededRandom): EpochSequence {
  let next = 0
  const members = new Set<string>()
  for (; next < start; next++) members.add(`h${next}`)
  let base = [...members]
  let fired = 0
  const fires: number[] = []
  let events = 0
  batches.forEach((batch, r) => {
    for (const ev of batch) {
      events++
      if (ev.kind === 'join') members.add(`h${next++}`)
      else if (ev.kind === 'leave') {
        // a uniformly random member; Set order is insertion order, so pick by index
        const k = rng.int(members.size)
        let i = 0
        for (const m of members) {
          if (i++ === k) {
            members.delete(m)
            break
          }
        }
      } else if (ev.kind === 'drop') for (const m of ev.who) members.delete(m)
      else for (const m of ev.who) members.add(m)
    }
    const ids = [...members]
    if (epochChanged(base, ids, threshold)) {
      fired++
      fires.push(r + 1)
      base = ids
    }
  })
  const gaps = fires.slice(1).map((f, i) => f - (fires[i] as number))
  return {
    name,
    events,
    refreshes: batches.length,
    fired,
    firstAfter: fires[0] ?? null,
    meanBetween: gaps.length > 0 ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null,
    membersAtEnd: members.size
  }
}

function inBatches(events: Event[], per: number): Event[][] {
  const out: Event[][] = []
  for (let i = 0; i < events.length; i += per) out.push(events.slice(i, i + per))
  return out
}

export function runEpochSequences(holders: number, eventsPerRefresh: number, threshold: number, rng: SeededRandom): EpochSequence[] {
  const n = holders
  const pct = (x: number) => Math.round(x * n)
  const repeat = (count: number, make: (i: number) => Event) => Array.from({ length: count }, (_, i) => make(i))
  const flapping: Event[][] = []
  for (let round = 0; round < 10; round++) {
    // the same 1% of holders leave in one refresh and come back in the next
    const who = Array.from({ length: pct(0.01) }, (_, i) => `h${(round * pct(0.01) + i) % n}`)
    flapping.push([{ kind: 'drop', who }], [{ kind: 'return', who }])
  }
  return [
    run(
      '10% leave + 10% join in one refresh',
      n,
      [[...repeat(pct(0.1), () => ({ kind: 'leave' })), ...repeat(pct(0.1), () => ({ kind: 'join' }))]],
      threshold,
      rng
    ),
    run(
      `steady churn: 30% replaced, leave/join alternating, ${eventsPerRefresh} events per refresh`,
      n,
      inBatches(
        repeat(pct(0.6), i => ({ kind: i % 2 === 0 ? 'leave' : 'join' })),
        eventsPerRefresh
      ),
      threshold,
      rng
    ),
    run(
      `growth to 1.5×, joins only, ${eventsPerRefresh} per refresh`,
      n,
      inBatches(
        repeat(pct(0.5), () => ({ kind: 'join' })),
        eventsPerRefresh
      ),
      threshold,
      rng
    ),
    run(
      `shrink to 0.7×, leaves only, ${eventsPerRefresh} per refresh`,
      n,
      inBatches(
        repeat(pct(0.3), () => ({ kind: 'leave' })),
        eventsPerRefresh
      ),
      threshold,
      rng
    ),
    run(
      `growth by 9.9%, joins only, ${eventsPerRefresh} per refresh`,
      n,
      inBatches(
        repeat(Math.floor(0.099 * n), () => ({ kind: 'join' })),
        eventsPerRefresh
      ),
      threshold,
      rng
    ),
    run('flapping: the same 1% leave and return, 10 times', n, flapping, threshold, rng)
  ]
}
