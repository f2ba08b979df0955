/** The simulation's figures as Markdown tables. */
import type { ClassLoad, SimResult } from './simulate.js'

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x))
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : String(x))
const int = (x: number) => Math.round(x).toLocaleString('en-US')
const size = (b: number) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let u = 0
  while (b >= 1024 && u < units.length - 1) {
    b /= 1024
    u++
  }
  return `${b.toFixed(u === 0 ? 0 : 1)} ${units[u]}`
}

function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n')
}

function classTable(classes: ClassLoad[]): string {
  return table(
    ['class', 'holders', 'copies per holder', 'bytes per holder', 'promised free', 'holders over their promise'],
    classes.map(c => [c.name, int(c.holders), f(c.meanCopies, 2), size(c.meanBytes), size(c.meanPromisedBytes), int(c.overflowing)])
  )
}

export function markdown(r: SimResult): string {
  const p = r.params
  const u = r.uniformity
  const x2 = u.chiSquare
  const out: string[] = []
  out.push(
    `## Placement simulation: ${int(p.holders)} holders, ${int(p.chunks)} chunks, ${int(p.owners)} owners, seed ${p.seed}`,
    '',
    `Real code: core/placement (rankHolders' ranking, scored by scripts/sim/score.ts), owner \`planChunk\`, registry \`epochChanged\` (threshold ${p.epochThreshold}).`,
    '',
    '### Placement uniformity',
    '',
    table(
      [
        'eligible holders',
        'full (bucket 0)',
        'copies',
        'on full holders',
        'mean per holder',
        'χ²',
        'df',
        'χ² 1% / 0.1% critical',
        'p-value',
        'max',
        'min',
        'max/min',
        'max/mean',
        'min/mean'
      ],
      [
        [
          int(u.eligible),
          int(u.ineligible),
          int(u.copies),
          int(u.copiesOnIneligible),
          f(u.expectedPerHolder, 2),
          f(x2.statistic),
          int(x2.df),
          `${f(x2.critical01)} / ${f(x2.critical001)}`,
          f(x2.pValue, 3),
          u.maxLoad,
          u.minLoad,
          f(u.maxOverMin, 2),
          f(u.maxOverMean, 2),
          f(u.minOverMean, 2)
        ]
      ]
    ),
    '',
    x2.statistic < x2.critical01
      ? `χ² is below the 1% critical value: the per-holder counts are what independent uniform draws over the eligible holders give, and max/min is the Poisson spread at a mean of ${f(u.expectedPerHolder, 1)} copies.`
      : `χ² is ABOVE the 1% critical value (p = ${f(x2.pValue, 4)}): the per-holder counts are not what uniform draws over the eligible holders give.`,
    '',
    'Load by capacity class (rendezvous as shipped: every eligible holder equal):',
    '',
    classTable(u.classes),
    '',
    'What-if, same chunks, capacity-weighted rendezvous (key = w / −ln u, w = promised free bytes):',
    '',
    classTable(u.weightedClasses),
    '',
    `The weighted placement's loads against the uniform expectation: χ² = ${f(u.weightedChiSquareVsUniform.statistic)} (0.1% critical ${f(u.weightedChiSquareVsUniform.critical001)}), so the statistic does reject a non-uniform placement.`,
    '',
    '### Movement on churn',
    '',
    table(
      ['scenario', 'members', 'refreshes', 'epochs', 'moved', 'ideal', 'moved vs ideal', 'released', 'still owed', '+ one rebalance', 'total vs ideal'],
      r.movement.map(m => [
        m.scenario,
        `${int(m.membersBefore)} → ${int(m.membersAfter)}`,
        m.refreshes,
        m.epochsFired,
        int(m.moved),
        int(m.ideal),
        pct(m.excess),
        int(m.released),
        int(m.debtCopies),
        int(m.movedByFinalRebalance),
        pct(m.excessWithRebalance)
      ])
    ),
    '',
    '"moved": copies stored by the owners\' passes as the registry drives them (a repair per view change, a rebalance when an epoch starts). "ideal": per chunk, the new primaries without a surviving copy. "still owed": primaries without a copy after those passes; they move at the next epoch ("+ one rebalance").',
    '',
    '### Repair after one holder is lost',
    '',
    table(
      ['lost', "holder's copies", 'copies re-sent', 'bytes', 'receiving holders', 'most to one holder', 'sending owners', 'failed'],
      r.repair.map(x => [x.lost, int(x.holderCopies), int(x.resent), size(x.bytes), int(x.receivers), int(x.maxPerReceiver), int(x.senders), int(x.failed)])
    ),
    '',
    '### Epochs under churn',
    '',
    table(
      ['sequence', 'events', 'refreshes', 'epochs', 'first after (refreshes)', 'mean between', 'members at end'],
      r.epochs.map(e => [
        e.name,
        int(e.events),
        int(e.refreshes),
        e.fired,
        e.firstAfter ?? '–',
        e.meanBetween === null ? '–' : f(e.meanBetween, 1),
        int(e.membersAtEnd)
      ])
    ),
    '',
    '### The simulation itself',
    '',
    table(
      ['total', 'scan', 'pairs scored', 'per pair (wall)', 'scan threads', 'CPU', 'max RSS', 'chunks re-scored'],
      [
        [
          `${f(r.run.totalMs / 1000, 1)} s`,
          `${f(r.run.scanMs / 1000, 1)} s`,
          int(r.run.pairs),
          `${f(r.run.nsPerPair, 1)} ns`,
          p.workers,
          `${f(r.run.cpuMs / 1000, 1)} s`,
          `${f(r.run.maxRssMiB, 0)} MiB`,
          int(r.run.fallbacks)
        ]
      ]
    )
  )
  return `${out.join('\n')}\n`
}
