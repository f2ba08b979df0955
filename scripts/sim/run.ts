/**
 * `npm run sim`: the placement, churn, repair and epoch simulation (see
 * scripts/sim/index.ts). Prints Markdown tables, or JSON with --json.
 */
import { parseArgs } from 'node:util'
import { markdown } from './report.js'
import { simulate } from './simulate.js'

const USAGE = `usage: npm run sim -- [options]

  --holders N          holders at the start (default 10000)
  --chunks N           chunk ids placed (default 100000)
  --owners N           owners, drawn from the holders; chunk c belongs to owner c mod N (default holders/10)
  --seed S             seed of every random draw; the same seed gives the same figures (default 1)
  --churn F            share of holders leaving, and of new ones joining, in the churn scenarios (default 0.1)
  --events-per-refresh N   membership events one registry refresh sees in the sequences (default 10)
  --workers N          scan threads, 0 for none (default min(4, cores))
  --json               print the results as JSON instead of Markdown
  --help               this text`

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${text}"`)
  return n
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      holders: { type: 'string' },
      chunks: { type: 'string' },
      owners: { type: 'string' },
      seed: { type: 'string' },
      churn: { type: 'string' },
      'events-per-refresh': { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const holders = positiveInt('holders', values.holders, 10_000, 3)
  const churn = values.churn === undefined ? 0.1 : Number(values.churn)
  if (!(churn > 0 && churn < 1)) throw new Error(`--churn must be a fraction in (0, 1), got "${values.churn}"`)
  const result = await simulate({
    holders,
    chunks: positiveInt('chunks', values.chunks, 100_000),
    owners: positiveInt('owners', values.owners, Math.max(1, Math.floor(holders / 10))),
    seed: values.seed ?? '1',
    churn,
    eventsPerRefresh: positiveInt('events-per-refresh', values['events-per-refresh'], 10),
    ...(values.workers === undefined ? {} : { workers: positiveInt('workers', values.workers, 0, 0) })
  })
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : markdown(result))
}

main().catch(err => {
  console.error(err instanceof Error ? err.message : err)
  console.error(`\n${USAGE}`)
  process.exitCode = 1
})
