/** The bench's command line: sizes, runs, which scenarios, where the results go. */
import { isAbsolute, join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from './paths.js'

export const SCENARIOS = ['core', 'replicate', 'recover', 'incremental', 'footprint', 'attestation', 'helia', 'registry', 'hosts', 'caps', 'store'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export interface BenchArgs {
  /** state size of scenarios 1–4 and 7, bytes */
  size: number
  /** state size of the footprint scenario, bytes */
  footprintSize: number
  runs: number
  only: Set<ScenarioName>
  /** mesh sizes a fresh node joins in the registry scenario */
  registryNodes: number[]
  json: string
  markdown: string
  /** owner and recovering daemons run with --cpu-prof; top functions go into the results */
  profile: boolean
  keep: boolean
}

export const USAGE = `usage: npm run bench -- [options]

  --size SIZE             state size for chunking, replicate, recover, incremental, Helia (default 256MiB)
  --footprint-size SIZE   state size for the peak-RSS scenario (default 1GiB)
  --runs N                runs per measurement; the table shows medians (default 3)
  --only LIST             comma-separated subset of: ${SCENARIOS.join(', ')}
  --registry-nodes LIST   mesh sizes a fresh node joins in the registry scenario (default 5,20)
  --json FILE             results as JSON (default bench-results/latest.json)
  --markdown FILE         the table as Markdown (default bench-results/latest.md)
  --profile               run the owner and the recovering daemon under --cpu-prof and list their top self-time functions
  --keep                  keep the temp dirs (daemon logs, data dirs) for inspection

Sizes: a number with B, KiB, MiB or GiB (KB, MB, GB mean the same binary units here).`

const UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 }

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = UNITS[(m?.[2] ?? '').toLowerCase() || 'b']
  if (m === null || unit === undefined) throw new Error(`not a size: "${text}" (e.g. 256MiB, 1GiB)`)
  const bytes = Math.round(Number(m[1]) * unit)
  if (bytes < 1 << 20) throw new Error(`size ${text} is under 1 MiB`)
  return bytes
}

function parseList<T>(text: string, item: (s: string) => T): T[] {
  return text
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '')
    .map(item)
}

function fromCwd(path: string): string {
  return isAbsolute(path) ? path : join(process.cwd(), path)
}

export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: '256MiB' },
      'footprint-size': { type: 'string', default: '1GiB' },
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      'registry-nodes': { type: 'string', default: '5,20' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    },
    strict: true
  })
  if (values.help) return 'help'
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`--runs must be an integer 1..50, got "${values.runs}"`)
  const only = new Set<ScenarioName>(
    values.only === undefined
      ? SCENARIOS
      : parseList(values.only, s => {
          if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario "${s}" (one of ${SCENARIOS.join(', ')})`)
          return s as ScenarioName
        })
  )
  const registryNodes = parseList(values['registry-nodes'], s => {
    const n = Number(s)
    if (!Number.isInteger(n) || n < 2 || n > 40) throw new Error(`--registry-nodes takes mesh sizes 2..40, got "${s}"`)
    return n
  })
  return {
    size: parseSize(values.size),
    footprintSize: parseSize(values['footprint-size']),
    runs,
    only,
    registryNodes,
    json: values.json !== undefined ? fromCwd(values.json) : join(REPO_ROOT, 'bench-results', 'latest.json'),
    markdown: values.markdown !== undefined ? fromCwd(values.markdown) : join(REPO_ROOT, 'bench-results', 'latest.md'),
    profile: values.profile,
    keep: values.keep
  }
}
