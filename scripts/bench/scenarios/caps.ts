/**
 * Scenario 10: bandwidth caps (issue 13, part 3). Five daemons on separate
 * hosts (network namespaces, root only), every link at 200 Mbit/s, far above
 * the caps. The owner runs with `limits.uploadBytesPerSecond` and puts a
 * state; a fresh host restored from the phrase runs with
 * `limits.downloadBytesPerSecond` and recovers it. Each figure is the rate
 * achieved over the cap: the goal is that the cap holds within 10 % (the
 * rate is at most 1.1× the cap, and, so the cap is not needlessly strict, at
 * least 0.9× it).
 */
import { join } from 'node:path'
import type { PutRpcResult } from '../../../daemon/control/results.js'
import { HostMesh } from '../../lib/host-mesh.js'
import { describeRate, mbit, missingNetworkTools } from '../../lib/netns.js'
import { BenchDaemon } from '../lib/daemon.js'
import { LAUNCHER } from '../lib/paths.js'
import { waitForQuiet } from '../lib/quiet.js'
import { fmt, type Results } from '../lib/report.js'
import { HashingSink, writeStateFile } from '../lib/state-file.js'
import { formatSize, MiB, median } from '../lib/stats.js'
import { benchSettings } from './mesh-context.js'

const LINK = mbit(200)
const CAP = 4 * MiB
export const CAPS_STATE_BYTES = 16 * MiB
const HOLDERS = ['h1', 'h2', 'h3', 'h4']

export async function runCaps(root: string, results: Results, runs: number): Promise<void> {
  const missing = missingNetworkTools()
  if (missing !== undefined) throw new Error(`${missing}; run the bench as root for this scenario`)
  const dir = join(root, 'caps')
  const settings = benchSettings()
  const mesh = await HostMesh.open(
    [
      { name: 'h1', rate: LINK },
      { name: 'owner', rate: LINK, config: { limits: { uploadBytesPerSecond: CAP } } },
      ...HOLDERS.slice(1).map(name => ({ name, rate: LINK }))
    ],
    { root: dir, daemon: { launcher: LAUNCHER, env: settings.env, keepLines: false, readyTimeoutMs: 90_000 } }
  )
  const up: number[] = []
  const down: number[] = []
  try {
    const owner = mesh.node('owner')
    const members = HOLDERS.length + 1
    await Promise.all([...mesh.nodes.values()].map(n => BenchDaemon.of(n.name, n.daemon).waitForMembers(members, 180_000, 250)))
    for (let run = 1; run <= runs; run++) {
      const state = await writeStateFile(join(dir, `state-${run}`), CAPS_STATE_BYTES, `caps-${run}`)
      await waitForQuiet(
        mesh
          .daemons()
          .filter(d => d.running)
          .map(d => d.pid),
        { timeoutMs: 30_000 }
      )
      const t0 = performance.now()
      const put: PutRpcResult = await BenchDaemon.of('owner', owner.daemon).put(state.path)
      const putMs = performance.now() - t0
      // chunk payload only: the cap also counts framing, so this slightly understates the capped traffic
      up.push(put.bytesSent / (putMs / 1000))

      // the owner's machine is lost; a fresh host restored from the phrase, with the download cap, recovers
      await owner.daemon.stop('SIGTERM', 30_000)
      const fresh = await mesh.add({ name: `fresh${run}`, rate: LINK, config: { limits: { downloadBytesPerSecond: CAP } } }, owner.phrase)
      await BenchDaemon.of(fresh.name, fresh.daemon).waitForMembers(members, 180_000, 250)
      const sink = new HashingSink()
      const report = await BenchDaemon.of(fresh.name, fresh.daemon).recover(sink.write)
      if (sink.bytes !== state.bytes || sink.hex() !== state.sha256) throw new Error('the capped recovery did not return the state exactly')
      // the transfer, without the wait for the mesh that precedes it
      down.push(report.bytes / ((report.ms - report.waitedMs) / 1000))
      await fresh.daemon.stop('SIGTERM', 30_000)
      await mesh.restart('owner')
      await BenchDaemon.of('owner', owner.daemon).waitForMembers(members, 180_000, 250)
      process.stderr.write(
        `    run ${run}: put ${fmt((up.at(-1) as number) / MiB, 2)} MiB/s under a ${formatSize(CAP)}/s upload cap; recover ${fmt((down.at(-1) as number) / MiB, 2)} MiB/s under a ${formatSize(CAP)}/s download cap\n`
      )
    }
  } finally {
    await mesh.close()
  }
  const setup = `5 hosts on ${describeRate(LINK)} links; cap ${formatSize(CAP)}/s`
  for (const [id, what, rates, note] of [
    [
      '10a',
      `put ${formatSize(CAPS_STATE_BYTES)} with limits.uploadBytesPerSecond`,
      up,
      'chunk payload sent by the put over its duration (framing, a fraction of a percent, not counted)'
    ],
    [
      '10b',
      `recover ${formatSize(CAPS_STATE_BYTES)} with limits.downloadBytesPerSecond`,
      down,
      'state bytes recovered over the transfer time (the wait for the mesh before it excluded)'
    ]
  ] as const) {
    const rate = median([...rates])
    const ratio = rate / CAP
    results.add({
      id,
      what,
      result: `${fmt(rate / MiB, 2)} MiB/s`,
      value: rate / MiB,
      unit: 'MiB/s',
      baseline: { label: 'the cap', value: CAP / MiB, unit: 'MiB/s' },
      ratio,
      goal: { text: 'within 10 % of the cap (0.9–1.1×)', met: ratio >= 0.9 && ratio <= 1.1 },
      note: `${setup}; ${note}. Median of ${rates.length} run${rates.length === 1 ? '' : 's'}.`,
      samples: { bytesPerSecond: [...rates] }
    })
  }
}
