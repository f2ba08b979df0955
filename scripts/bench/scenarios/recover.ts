/**
 * Scenario 3: the owner's machine is gone (its daemon stopped); a fresh node
 * restored from the recovery phrase rebuilds the latest state from the
 * holders, interleaved run by run with the raw libp2p pull of the same
 * bytes from the same number of holders. Every recovery is hashed and
 * checked against the state that was put.
 */
import { rm } from 'node:fs/promises'
import type { RecoverRpcResult } from '../../../daemon/control/results.js'
import { CpuMeter, RssSampler } from '../lib/proc.js'
import { fmt } from '../lib/report.js'
import { HashingSink, type StateFile } from '../lib/state-file.js'
import { MiB, mbps, median } from '../lib/stats.js'
import { TcpSnapshot } from '../lib/tcp-bytes.js'
import { HOLDERS, type MeshBench, type RecoverSample } from './mesh-context.js'
import { evenSplit } from './raw-baseline.js'

const GOAL = 0.7

/** One recovery on a fresh node, measured; the fresh node stays up as the owner-identity process. */
export async function measuredRecover(mesh: MeshBench, state: StateFile): Promise<Omit<RecoverSample, 'raw'> & { report: RecoverRpcResult }> {
  await mesh.stopOwner()
  const node = await mesh.startFresh()
  await mesh.quiet()
  const holderPids = mesh.holderPids()
  const rss = new RssSampler([node.pid, ...holderPids])
  const cpu = new CpuMeter([node.pid, ...holderPids])
  const tcp = TcpSnapshot.take()
  const sink = new HashingSink()
  let lastByte = 0
  const t0 = performance.now()
  const report = await node.recover(piece => {
    sink.write(piece)
    lastByte = performance.now()
  })
  const ms = performance.now() - t0
  const wire = tcp === undefined ? undefined : TcpSnapshot.take()?.since(tcp, node.pid)
  const cpuMs = cpu.stop()
  const peaks = rss.stop()
  const anon = rss.anonymousPeaks()
  const digest = sink.hex()
  if (sink.bytes !== state.bytes || digest !== state.sha256)
    throw new Error(`recovered ${sink.bytes} bytes with SHA-256 ${digest}; the state was ${state.bytes} bytes, ${state.sha256}`)
  return {
    ms,
    lastByteMs: lastByte - t0,
    bytes: sink.bytes,
    ...(wire === undefined ? {} : { wireReceived: wire.received }),
    nodeCpuMs: cpuMs.get(node.pid) ?? Number.NaN,
    holdersCpuMs: holderPids.reduce((n, p) => n + (cpuMs.get(p) ?? 0), 0),
    nodePeakRss: peaks.get(node.pid) ?? Number.NaN,
    holderPeakRss: Math.max(...holderPids.map(p => peaks.get(p) ?? 0)),
    nodePeakAnon: anon.get(node.pid) ?? Number.NaN,
    holderPeakAnon: Math.max(...holderPids.map(p => anon.get(p) ?? 0)),
    report
  }
}

export async function runRecover(mesh: MeshBench, runs: number): Promise<void> {
  const state = mesh.state
  if (state === undefined) throw new Error('recover needs a stored state (run replicate first)')
  for (let run = 1; run <= runs; run++) {
    const previous = mesh.owner
    const { report, ...sample } = await measuredRecover(mesh, state)
    // the previous fresh node's data dir is no longer needed (the original owner's stays for restarts)
    if (previous?.name.startsWith('fresh')) await rm(previous.dataDir, { recursive: true, force: true })
    await mesh.quiet()
    const raw = await mesh.raw.pull(evenSplit(state.bytes, HOLDERS))
    mesh.recover.push({ ...sample, raw })
    process.stderr.write(
      `    run ${run}: recover ${fmt(mbps(sample.bytes, sample.ms))} MB/s (last byte at ${fmt(sample.lastByteMs / 1000, 1)} s of ${fmt(sample.ms / 1000, 1)} s, ${report.holdersUsed.length} holders, ${report.retries} retries); raw pull ${fmt(mbps(raw.bytes, raw.ms))} MB/s\n`
    )
  }
  const s = mesh.recover
  const rate = median(s.map(x => mbps(x.bytes, x.ms)))
  const toLastByte = median(s.map(x => mbps(x.bytes, x.lastByteMs)))
  const raw = median(s.map(x => mbps(x.raw.bytes, x.raw.ms)))
  const ratio = rate / raw
  mesh.results.add({
    id: '3',
    what: `recover ${state.bytes / MiB} MiB on a fresh node from the recovery phrase`,
    result: `${fmt(rate)} MB/s (${fmt(toLastByte)} MB/s to the last byte)`,
    value: rate,
    unit: 'MB/s',
    baseline: { label: 'raw libp2p pull, same bytes from 4 holders', value: raw, unit: 'MB/s' },
    ratio,
    goal: { text: `≥ ${GOAL}× raw`, met: ratio >= GOAL },
    note: `Time of the recover call on a fresh daemon (already joined): version pointer from the DHT, manifest, every chunk fetched, checked, decrypted and streamed over the control socket, SHA-256 of the output checked. The call returns when the last byte is out; the census that then locates the copies runs in the background (the bench waits for the daemons to go idle before the next run). CPU during recovery: the node ${fmt(median(s.map(x => x.nodeCpuMs / x.ms)) * 100, 0)} % of one core, the 4 holders together ${fmt(median(s.map(x => x.holdersCpuMs / x.ms)) * 100, 0)} %.`,
    samples: {
      recoverMs: s.map(x => x.ms),
      lastByteMs: s.map(x => x.lastByteMs),
      rawPullMs: s.map(x => x.raw.ms),
      wireReceived: s.map(x => x.wireReceived ?? Number.NaN)
    }
  })
}
