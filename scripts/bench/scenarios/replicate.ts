/**
 * Scenario 2: the owner puts a state until every chunk is Replicated (two
 * attested remote copies), interleaved run by run with the raw libp2p push
 * of the same bytes to the same number of holders, split the way the put
 * split them. Each run stores new content, so nothing is skipped as
 * already stored.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ReplicationResult } from '../../../daemon/control/results.js'
import type { BenchDaemon } from '../lib/daemon.js'
import { CpuMeter, RssSampler } from '../lib/proc.js'
import { fmt } from '../lib/report.js'
import { type StateFile, writeStateFile } from '../lib/state-file.js'
import { MiB, mbps, median, waitFor } from '../lib/stats.js'
import { TcpSnapshot } from '../lib/tcp-bytes.js'
import type { MeshBench, ReplicateSample } from './mesh-context.js'

const GOAL = 0.7

/** Bytes of chunk payload each holder received for the latest version, in the order of `holders`. */
async function bytesPerHolder(owner: BenchDaemon, holderIds: string[]): Promise<number[]> {
  const r = await owner.call<ReplicationResult>('replication', {}, 120_000)
  const per = new Map<string, number>()
  for (const c of r.chunks) for (const h of c.holders) per.set(h.peerId, (per.get(h.peerId) ?? 0) + c.size)
  return holderIds.map(id => per.get(id) ?? 0)
}

/** One put, measured; resolves once every chunk is Replicated. */
export async function measuredPut(mesh: MeshBench, state: StateFile): Promise<Omit<ReplicateSample, 'raw'>> {
  const owner = await mesh.ensureOwner()
  await mesh.quiet()
  const holderPids = mesh.holderPids()
  const rss = new RssSampler([owner.pid, ...holderPids])
  const cpu = new CpuMeter([owner.pid, ...holderPids])
  const tcp = TcpSnapshot.take()
  const t0 = performance.now()
  const put = await owner.put(state.path)
  if (put.chunksReplicated < put.chunks) {
    await waitFor(
      'every chunk to be Replicated',
      async () => {
        const s = await owner.status()
        return s.chunks.replicated === s.chunks.total ? true : undefined
      },
      300_000,
      100
    )
  }
  const ms = performance.now() - t0
  const wire = tcp === undefined ? undefined : TcpSnapshot.take()?.since(tcp, owner.pid)
  const cpuMs = cpu.stop()
  const peaks = rss.stop()
  const anon = rss.anonymousPeaks()
  return {
    ms,
    stateBytes: put.totalSize,
    chunks: put.chunks,
    chunksSent: put.chunksSent,
    bytesSent: put.bytesSent,
    ...(wire === undefined ? {} : { wireSent: wire.sent }),
    ownerCpuMs: cpuMs.get(owner.pid) ?? Number.NaN,
    holdersCpuMs: holderPids.reduce((n, p) => n + (cpuMs.get(p) ?? 0), 0),
    ownerPeakRss: peaks.get(owner.pid) ?? Number.NaN,
    holderPeakRss: Math.max(...holderPids.map(p => peaks.get(p) ?? 0)),
    ownerPeakAnon: anon.get(owner.pid) ?? Number.NaN,
    holderPeakAnon: Math.max(...holderPids.map(p => anon.get(p) ?? 0))
  }
}

export async function runReplicate(mesh: MeshBench, size: number, runs: number): Promise<void> {
  const owner = await mesh.ensureOwner()
  // Warm-up put (JIT, connections, LevelDB files): the raw helpers are warmed up too.
  const warm = await writeStateFile(join(mesh.root, 'state-warm-up'), Math.min(size, 16 * MiB), 'warm-up')
  await owner.put(warm.path)
  await rm(warm.path)
  const holderIds = mesh.holders.map(h => h.daemon.peerId)
  for (let run = 1; run <= runs; run++) {
    const state = await writeStateFile(join(mesh.root, `state-${run}`), size, `run-${run}`)
    if (mesh.state !== undefined) await rm(mesh.state.path, { force: true })
    mesh.state = state
    const sample = await measuredPut(mesh, state)
    const split = await bytesPerHolder(owner, holderIds)
    await mesh.quiet()
    const raw = await mesh.raw.push(split)
    mesh.replicate.push({ ...sample, raw })
    process.stderr.write(
      `    run ${run}: put ${fmt(mbps(sample.stateBytes, sample.ms))} MB/s state, ${fmt(mbps(sample.bytesSent, sample.ms))} MB/s payload; raw push ${fmt(mbps(raw.bytes, raw.ms))} MB/s\n`
    )
  }
  reportReplicate(mesh)
}

function reportReplicate(mesh: MeshBench): void {
  const s = mesh.replicate
  const state = median(s.map(x => mbps(x.stateBytes, x.ms)))
  const payload = median(s.map(x => mbps(x.bytesSent, x.ms)))
  const wireSamples = s.filter(x => x.wireSent !== undefined).map(x => mbps(x.wireSent as number, x.ms))
  const wire = wireSamples.length > 0 ? median(wireSamples) : Number.NaN
  const raw = median(s.map(x => mbps(x.raw.bytes, x.raw.ms)))
  const ratio = payload / raw
  const ownerCpu = median(s.map(x => x.ownerCpuMs / x.ms))
  const holdersCpu = median(s.map(x => x.holdersCpuMs / x.ms))
  const size = s[0]?.stateBytes ?? 0
  const overhead = median(s.filter(x => x.wireSent !== undefined).map(x => (x.wireSent as number) / x.bytesSent - 1))
  mesh.results.add({
    id: '2',
    what: `replicate ${size / MiB} MiB, 5 daemons (owner + 4 holders), 2 attested copies per chunk`,
    result: `${fmt(state)} MB/s state, ${fmt(payload)} MB/s chunk payload, ${fmt(wire)} MB/s wire`,
    value: state,
    unit: 'MB/s',
    baseline: { label: 'raw libp2p push, same bytes per holder', value: raw, unit: 'MB/s' },
    ratio,
    goal: { text: `≥ ${GOAL}× raw`, met: ratio >= GOAL },
    note: `Time from the start of the put (streamed over the control socket) until it returned with every chunk Replicated. Payload = sealed chunk bytes sent (put's bytesSent, 2 × state plus GCM overhead); wire = the owner's TCP bytes (ss bytes_acked), ${Number.isFinite(overhead) ? `${fmt(overhead * 100)} % over payload (protobuf, yamux, noise, DHT)` : 'n/a'}. Ratio = payload MB/s ÷ raw push MB/s. CPU during the put: owner ${fmt(ownerCpu * 100, 0)} % of one core, the 4 holders together ${fmt(holdersCpu * 100, 0)} %.`,
    samples: {
      putMs: s.map(x => x.ms),
      rawPushMs: s.map(x => x.raw.ms),
      bytesSent: s.map(x => x.bytesSent),
      wireSent: s.map(x => x.wireSent ?? Number.NaN),
      ownerCpuMs: s.map(x => x.ownerCpuMs),
      holdersCpuMs: s.map(x => x.holdersCpuMs)
    }
  })
}
