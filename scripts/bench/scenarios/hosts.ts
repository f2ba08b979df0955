/**
 * Scenario 9: a slow holder on separate hosts (issue 13, part 2). Five
 * daemons, each on its own host (a network namespace with its own address and
 * a tbf-limited link, scripts/lib/netns.ts; root only): the owner and four
 * holders, every link at 200 Mbit/s. Each run puts a fresh state twice, once
 * with every holder fast and once with one holder's link at 20 Mbit/s (10×
 * slower), and recovers each on a fresh host restored from the phrase. The
 * figure is the ratio of the put times (goal ≤ 1.5×: the slow holder's long
 * tail handed to the next-ranked holder); recovery times are shown for both.
 * The two modes alternate in order from run to run, so drift over the run
 * does not favour one of them.
 */
import { join } from 'node:path'
import type { ReplicationResult } from '../../../daemon/control/results.js'
import { HostMesh, type HostNode } from '../../lib/host-mesh.js'
import { describeRate, mbit, missingNetworkTools } from '../../lib/netns.js'
import { describeShortfall, replicationShortfall } from '../../lib/replication-check.js'
import { BenchDaemon } from '../lib/daemon.js'
import { LAUNCHER } from '../lib/paths.js'
import { waitForQuiet } from '../lib/quiet.js'
import { fmt, type Results } from '../lib/report.js'
import { HashingSink, writeStateFile } from '../lib/state-file.js'
import { formatSize, MiB, median } from '../lib/stats.js'
import { benchSettings } from './mesh-context.js'

const FAST = mbit(200)
const SLOW = mbit(20)
const HOLDERS = ['h1', 'h2', 'h3', 'h4']
/** The holder whose link is slowed (which one does not matter: placement spreads chunks evenly). */
const SLOW_HOLDER = 'h4'
export const HOSTS_STATE_BYTES = 24 * MiB
const PUT_GOAL = 1.5

type Mode = 'fast' | 'slow'

interface Sample {
  mode: Mode
  putMs: number
  /** chunks of which the slow holder took a copy */
  onSlow: number
  chunks: number
  recoverMs: number
}

async function quiet(mesh: HostMesh): Promise<void> {
  await waitForQuiet(
    mesh
      .daemons()
      .filter(d => d.running)
      .map(d => d.pid),
    { timeoutMs: 30_000 }
  )
}

async function waitForMembers(node: HostNode, members: number): Promise<void> {
  await BenchDaemon.of(node.name, node.daemon).waitForMembers(members, 180_000, 250)
}

/** One put of a new state, then its recovery on a fresh host; the owner runs again afterwards. */
async function measure(mesh: HostMesh, root: string, mode: Mode, tag: string): Promise<Sample> {
  await mesh.net.setRate(SLOW_HOLDER, mode === 'slow' ? SLOW : FAST)
  const owner = mesh.node('owner')
  const slowId = mesh.node(SLOW_HOLDER).peerId
  const state = await writeStateFile(join(root, `state-${tag}`), HOSTS_STATE_BYTES, `hosts-${tag}`)
  await quiet(mesh)

  const t0 = performance.now()
  await BenchDaemon.of('owner', owner.daemon).put(state.path)
  const putMs = performance.now() - t0
  const rep = await owner.daemon.call<ReplicationResult>('replication')
  const shortfall = replicationShortfall(rep)
  if (shortfall.short.length > 0) throw new Error(`after the ${mode} put: ${describeShortfall(shortfall)}`)
  const onSlow = rep.chunks.filter(c => c.holders.some(h => h.peerId === slowId)).length

  // the owner's machine is lost; a fresh host restored from the phrase recovers (the slow link stays slow)
  await owner.daemon.stop('SIGTERM', 30_000)
  const fresh = await mesh.add({ name: `fresh${tag}`, rate: FAST }, owner.phrase)
  await waitForMembers(fresh, HOLDERS.length + 1)
  await quiet(mesh)
  const sink = new HashingSink()
  const t1 = performance.now()
  await BenchDaemon.of(fresh.name, fresh.daemon).recover(sink.write)
  const recoverMs = performance.now() - t1
  const digest = sink.hex()
  if (sink.bytes !== state.bytes || digest !== state.sha256)
    throw new Error(`recovered ${sink.bytes} bytes with SHA-256 ${digest}; the state was ${state.bytes} bytes, ${state.sha256}`)
  await fresh.daemon.stop('SIGTERM', 30_000)
  await mesh.restart('owner')
  await waitForMembers(owner, HOLDERS.length + 1)
  return { mode, putMs, onSlow, chunks: rep.chunks.length, recoverMs }
}

export async function runHosts(root: string, results: Results, runs: number): Promise<void> {
  const missing = missingNetworkTools()
  if (missing !== undefined) throw new Error(`${missing}; run the bench as root for this scenario`)
  const dir = join(root, 'hosts')
  const settings = benchSettings()
  const mesh = await HostMesh.open(
    ['h1', 'owner', ...HOLDERS.slice(1)].map(name => ({ name, rate: FAST })),
    { root: dir, daemon: { launcher: LAUNCHER, env: settings.env, keepLines: false, readyTimeoutMs: 90_000 } }
  )
  try {
    await Promise.all([...mesh.nodes.values()].map(n => waitForMembers(n, HOLDERS.length + 1)))
    // warm-up (JIT, connections, LevelDB files), not measured
    const warm = await writeStateFile(join(dir, 'state-warm-up'), 8 * MiB, 'hosts-warm-up')
    await BenchDaemon.of('owner', mesh.node('owner').daemon).put(warm.path)
    const samples: Sample[] = []
    for (let run = 1; run <= runs; run++) {
      const order: Mode[] = run % 2 === 1 ? ['fast', 'slow'] : ['slow', 'fast']
      for (const mode of order) {
        const s = await measure(mesh, dir, mode, `${run}${mode}`)
        samples.push(s)
        process.stderr.write(
          `    run ${run}, ${mode === 'fast' ? 'all holders fast' : `${SLOW_HOLDER} slow`}: put ${fmt(s.putMs / 1000, 2)} s (${SLOW_HOLDER} has a copy of ${s.onSlow} of ${s.chunks} chunks), recover ${fmt(s.recoverMs / 1000, 2)} s\n`
        )
      }
    }
    report(results, samples)
  } finally {
    await mesh.close()
  }
}

function report(results: Results, samples: Sample[]): void {
  const of = (mode: Mode, f: (s: Sample) => number) => median(samples.filter(s => s.mode === mode).map(f))
  const putFast = of('fast', s => s.putMs)
  const putSlow = of('slow', s => s.putMs)
  const recFast = of('fast', s => s.recoverMs)
  const recSlow = of('slow', s => s.recoverMs)
  const share = of('slow', s => s.onSlow / s.chunks)
  const size = formatSize(HOSTS_STATE_BYTES)
  const setup = `5 hosts (owner + 4 holders), links ${describeRate(FAST)}; slow: one holder at ${describeRate(SLOW)}`
  const runs = samples.length / 2
  results.add({
    id: '9a',
    what: `put ${size} on separate hosts with one holder 10× slower`,
    result: `${fmt(putSlow / 1000, 2)} s (the slow holder has a copy of ${fmt(share * 100, 0)} % of the chunks)`,
    value: putSlow / 1000,
    unit: 's',
    baseline: { label: 'the same put, every holder fast', value: putFast / 1000, unit: 's' },
    ratio: putSlow / putFast,
    goal: { text: `≤ ${PUT_GOAL}× all fast`, met: putSlow / putFast <= PUT_GOAL },
    note: `${setup}. Time from the start of the put (streamed over the control socket) until it returned; every chunk then had 2 attested copies (checked). A new ${size} state per put; the fast and slow puts alternate in order run by run. Median of ${runs} run${runs === 1 ? '' : 's'}.`,
    samples: { putFastMs: samples.filter(s => s.mode === 'fast').map(s => s.putMs), putSlowMs: samples.filter(s => s.mode === 'slow').map(s => s.putMs) }
  })
  results.add({
    id: '9b',
    what: `recover ${size} on a fresh host with one holder 10× slower`,
    result: `${fmt(recSlow / 1000, 2)} s`,
    value: recSlow / 1000,
    unit: 's',
    baseline: { label: 'the same recovery, every holder fast', value: recFast / 1000, unit: 's' },
    ratio: recSlow / recFast,
    note: `${setup}. The owner's daemon is stopped; a fresh host restored from the phrase (link ${describeRate(FAST)}) joins, and the recover call is timed to its last byte; the bytes are hashed and checked. The slow holder keeps its slow link during the recovery.`,
    samples: {
      recoverFastMs: samples.filter(s => s.mode === 'fast').map(s => s.recoverMs),
      recoverSlowMs: samples.filter(s => s.mode === 'slow').map(s => s.recoverMs)
    }
  })
}
