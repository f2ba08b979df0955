/**
 * Scenario 5: peak RSS of the owner and of the holders while a large state
 * (1 GiB by default) is put and then recovered on a fresh node, against the
 * peaks of the same processes' roles at the replicate/recover size. Memory
 * is flat when the large-state peaks are no higher than the small ones.
 * RSS is polled every 50 ms from /proc/<pid>/status: VmRSS (what the goal
 * is about) and RssAnon (the same without file-backed pages: LevelDB maps
 * its table files, and every page of them a process reads counts in VmRSS
 * as page cache the kernel can drop).
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fmt } from '../lib/report.js'
import { writeStateFile } from '../lib/state-file.js'
import { MiB, mbps } from '../lib/stats.js'
import type { MeshBench } from './mesh-context.js'
import { measuredRecover } from './recover.js'
import { measuredPut } from './replicate.js'

const OWNER_GOAL_BYTES = 300 * MiB

export async function runFootprint(mesh: MeshBench, size: number): Promise<void> {
  const small = mesh.state?.bytes
  const state = await writeStateFile(join(mesh.root, 'state-footprint'), size, 'footprint')
  const put = await measuredPut(mesh, state)
  process.stderr.write(`    put ${fmt(mbps(put.stateBytes, put.ms))} MB/s, owner peak ${fmt(put.ownerPeakRss / MiB, 0)} MB\n`)
  const rec = await measuredRecover(mesh, state)
  process.stderr.write(`    recover ${fmt(mbps(rec.bytes, rec.ms))} MB/s, node peak ${fmt(rec.nodePeakRss / MiB, 0)} MB\n`)
  await rm(state.path, { force: true })
  // the small-state peaks: highest over the replicate and recover runs
  const maxOf = (xs: number[]) => (xs.length > 0 ? Math.max(...xs) : Number.NaN)
  const base = {
    owner: maxOf(mesh.replicate.map(r => r.ownerPeakRss)),
    holderPut: maxOf(mesh.replicate.map(r => r.holderPeakRss)),
    node: maxOf(mesh.recover.map(r => r.nodePeakRss)),
    holderRecover: maxOf(mesh.recover.map(r => r.holderPeakRss))
  }
  const label = small === undefined ? 'n/a' : `peak at ${small / MiB} MiB`
  const big = `${size / MiB >= 1024 ? `${size / (1 << 30)} GiB` : `${size / MiB} MiB`}`
  const row = (id: string, what: string, peak: number, anon: number, basePeak: number, goal?: boolean) =>
    mesh.results.add({
      id,
      what: `${what}, ${big} state`,
      result: `${fmt(peak / MiB, 0)} MB peak RSS (${fmt(anon / MiB, 0)} MB anonymous)`,
      value: peak / MiB,
      unit: 'MB',
      ...(Number.isFinite(basePeak) ? { baseline: { label, value: basePeak / MiB, unit: 'MB' }, ratio: peak / basePeak } : {}),
      ...(goal === true ? { goal: { text: '≤ 300 MB', met: peak <= OWNER_GOAL_BYTES } } : {})
    })
  row('5a', 'owner during put', put.ownerPeakRss, put.ownerPeakAnon, base.owner, true)
  row('5b', 'busiest holder during put', put.holderPeakRss, put.holderPeakAnon, base.holderPut)
  row('5c', 'fresh node (owner identity) during recover', rec.nodePeakRss, rec.nodePeakAnon, base.node, true)
  row('5d', 'busiest holder during recover', rec.holderPeakRss, rec.holderPeakAnon, base.holderRecover)
  mesh.results.extra.footprint = { size, put, recover: rec }
}
