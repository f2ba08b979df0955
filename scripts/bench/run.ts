/**
 * `npm run bench`: every performance figure of meshkeep on this machine, each
 * as the median of several runs against a baseline measured in the same run,
 * printed as one Markdown table and written as JSON. Everything it needs is
 * set up here on 127.0.0.1 (daemons, raw libp2p helpers, Helia nodes) and
 * removed at the end, also on failure or Ctrl-C. See docs/PERFORMANCE.md.
 *
 *   npm run bench                                   # everything, default sizes
 *   npm run bench -- --size 16MiB --footprint-size 64MiB --runs 1
 *   npm run bench -- --only replicate,recover --profile
 */
import { join } from 'node:path'
import { cleanupAll, installCleanupHandlers, keepTempDirs, tempDir } from '../lib/children.js'
import { type BenchArgs, parseBenchArgs, type ScenarioName, USAGE } from './lib/args.js'
import { summariseProfiles } from './lib/cpu-profile.js'
import { ensureHelia } from './lib/helia-install.js'
import { describeMachine } from './lib/machine.js'
import { fmt, Results, renderMarkdown, writeOutputs } from './lib/report.js'
import { formatSize, MiB, mbps, median } from './lib/stats.js'
import { reportAttestation } from './scenarios/attestation.js'
import { runBlobStore } from './scenarios/blob-store.js'
import { CAPS_STATE_BYTES, runCaps } from './scenarios/caps.js'
import { runCoreScenario } from './scenarios/core.js'
import { runFootprint } from './scenarios/footprint.js'
import { runHelia } from './scenarios/helia.js'
import { HOSTS_STATE_BYTES, runHosts } from './scenarios/hosts.js'
import { runIncremental } from './scenarios/incremental.js'
import { MeshBench } from './scenarios/mesh-context.js'
import { runRecover } from './scenarios/recover.js'
import { runRegistry } from './scenarios/registry.js'
import { runReplicate } from './scenarios/replicate.js'

const MESH_SCENARIOS: ScenarioName[] = ['replicate', 'recover', 'incremental', 'footprint', 'attestation', 'registry']

function step(title: string): void {
  process.stderr.write(`\nbench: ${title}\n`)
}

/**
 * Runs one scenario; a failure becomes a warning in the table (the stack goes
 * to the JSON) and the bench goes on with the next scenario.
 */
async function attempt(results: Results, name: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn()
    return true
  } catch (err) {
    results.warn(`${name} failed: ${err instanceof Error ? err.message : String(err)}`)
    results.errors.push(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    return false
  }
}

/** Scenarios 2–6 and 8 on one mesh; what a scenario needs but was not asked for runs unreported (e.g. a put before a recover). */
async function runMesh(args: BenchArgs, root: string, results: Results): Promise<{ replicateMbps?: number; recoverMbps?: number }> {
  const want = (s: ScenarioName) => args.only.has(s)
  const profileDir = args.profile ? join(root, 'profiles') : undefined
  step('starting a mesh of 5 daemons (owner + 4 holders) and the raw libp2p helpers')
  const mesh = await MeshBench.open(root, results, profileDir)
  const out: { replicateMbps?: number; recoverMbps?: number } = {}
  try {
    const needsState = want('replicate') || want('recover') || want('incremental') || want('attestation') || want('footprint')
    let stored = false
    if (needsState) {
      step(`2. replicate ${formatSize(args.size)}, ${args.runs} runs, interleaved with the raw libp2p push`)
      stored = await attempt(results, 'replicate', () => runReplicate(mesh, args.size, args.runs))
      if (stored) out.replicateMbps = median(mesh.replicate.map(s => mbps(s.stateBytes, s.ms)))
      // the row is reported by runReplicate; drop it when replicate itself was not asked for
      const row = results.rows.findIndex(r => r.id === '2')
      if (!want('replicate') && row >= 0) results.rows.splice(row, 1)
    }
    if (want('attestation') && stored) {
      step('6. attestation cost')
      await attempt(results, 'attestation', async () => reportAttestation(results, mesh.replicate))
    }
    if (want('incremental') && stored) {
      step('4. incremental: 1 byte changed in place')
      await attempt(results, 'incremental', () => runIncremental(mesh))
    }
    if (want('recover') && stored) {
      step(`3. recover ${formatSize(args.size)} on fresh nodes, ${args.runs} runs, interleaved with the raw libp2p pull`)
      if (await attempt(results, 'recover', () => runRecover(mesh, args.runs))) out.recoverMbps = median(mesh.recover.map(s => mbps(s.bytes, s.ms)))
    }
    if (want('footprint')) {
      step(`5. footprint: put and recover ${formatSize(args.footprintSize)}`)
      await attempt(results, 'footprint', () => runFootprint(mesh, args.footprintSize))
    }
    if (want('registry')) {
      step(`8. registry: a fresh node joins meshes of ${args.registryNodes.join(' and ')} daemons`)
      await attempt(results, 'registry', () => runRegistry(mesh, args.registryNodes, args.runs))
    }
  } finally {
    step('stopping the mesh')
    await mesh.close()
  }
  if (profileDir !== undefined) {
    for (const s of await summariseProfiles(join(profileDir, 'owner'), 20)) {
      results.sections.push(profileSection('CPU profile: owner daemon (replicate, incremental)', s))
    }
    for (const s of await summariseProfiles(join(profileDir, 'fresh1'), 20)) {
      results.sections.push(profileSection('CPU profile: fresh node (first recover)', s))
    }
  }
  return out
}

function profileSection(title: string, s: Awaited<ReturnType<typeof summariseProfiles>>[number]) {
  return {
    title: `${title}: ${fmt(s.busyMs / 1000)} s busy, ${fmt(s.idleMs / 1000)} s idle over the process's life`,
    lines: [
      '| self ms | share of busy | function | where |',
      '| ---: | ---: | --- | --- |',
      ...s.top.map(f => `| ${fmt(f.selfMs, 0)} | ${fmt(f.share * 100)} % | ${f.name} | ${f.where} |`)
    ]
  }
}

async function main(): Promise<number> {
  let args: BenchArgs | 'help'
  try {
    args = parseBenchArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  // the daemons run on this binary: libp2p 3 needs Node 22 (npm run bench puts the bundled one first on PATH)
  if (Number(process.versions.node.split('.')[0]) < 22) {
    process.stderr.write(
      `bench: Node.js >= 22 is required, this is ${process.version}; run it as \`npm run bench\` (after npm ci), which uses the bundled Node 22\n`
    )
    return 2
  }
  installCleanupHandlers()
  keepTempDirs(args.keep)
  const machine = describeMachine()
  const results = new Results()
  const started = Date.now()
  const root = await tempDir('mkb-')
  process.stderr.write(`bench: ${machine.summary}\nbench: work dir ${root}${args.keep ? ' (kept)' : ''}\n`)
  const want = (s: ScenarioName) => args.only.has(s)
  try {
    const heliaReady = want('helia') && (await attempt(results, 'installing Helia', ensureHelia))
    if (want('core')) {
      step(`1. chunk + encrypt / reassemble + decrypt, ${formatSize(args.size)}, ${args.runs} runs`)
      await attempt(results, 'core', () => runCoreScenario(results, args.size, args.runs, root))
    }
    let meshkeep: { replicateMbps?: number; recoverMbps?: number } = {}
    if (MESH_SCENARIOS.some(want)) {
      await attempt(results, 'mesh', async () => {
        meshkeep = await runMesh(args, root, results)
      })
    }
    if (heliaReady) {
      step(`7. Helia: the same ${formatSize(args.size)} between 5 Helia nodes, ${args.runs} runs`)
      await attempt(results, 'helia', () =>
        runHelia(root, results, args.size, args.runs, {
          replicateMbps: want('replicate') ? meshkeep.replicateMbps : undefined,
          recoverMbps: want('recover') ? meshkeep.recoverMbps : undefined
        })
      )
    }
    if (want('hosts')) {
      step(`9. separate hosts: put and recover ${formatSize(HOSTS_STATE_BYTES)}, every holder fast vs one 10x slower, ${args.runs} runs`)
      await attempt(results, 'hosts', () => runHosts(root, results, args.runs))
    }
    if (want('store')) {
      step(`11. the chunk store: durable 64 KiB writes against LevelDB, reads, and opening a store of ${formatSize(args.footprintSize)}, ${args.runs} runs`)
      await attempt(results, 'store', () => runBlobStore(root, results, args.runs, args.footprintSize))
    }
    if (want('caps')) {
      step(`10. bandwidth caps on separate hosts: put and recover ${formatSize(CAPS_STATE_BYTES)} under 4 MiB/s caps, ${args.runs} runs`)
      await attempt(results, 'caps', () => runCaps(root, results, args.runs))
    }
  } catch (err) {
    results.warn(`the bench stopped early: ${err instanceof Error ? err.message : String(err)}`)
  } finally {
    await cleanupAll()
  }
  const minutes = (Date.now() - started) / 60_000
  const header = `### meshkeep bench: ${formatSize(args.size)} state (footprint ${formatSize(args.footprintSize)}), median of ${args.runs} run${args.runs === 1 ? '' : 's'}, ${fmt(minutes)} min`
  const markdown = renderMarkdown(results, machine, header)
  process.stdout.write(`\n${markdown}`)
  await writeOutputs(args.json, args.markdown, results, machine, { args: { ...args, only: [...args.only] }, minutes, mib: MiB }, markdown)
  process.stderr.write(`bench: wrote ${args.json} and ${args.markdown}\n`)
  // a table with a failed scenario is still printed, but the exit status says it is incomplete
  return results.warnings.some(w => w.startsWith('the bench stopped early') || / failed: /.test(w)) ? 1 : 0
}

process.exit(await main())
