/**
 * Scenario 8: how long a fresh node takes to build the full membership view
 * when it joins a mesh of N daemons (5: the bench mesh; 20: the bench mesh
 * plus extra daemons, all separate processes). Timed from the spawn of
 * `meshkeep daemon` until its `status` shows N + 1 members (itself
 * included), polled every 100 ms. The fresh node has one identity for
 * every run (restored from its phrase into a new data dir), so a departed
 * run's registry record is its own and the target stays N + 1.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { initNode } from '../lib/daemon.js'
import { startMesh, startNode } from '../lib/mesh.js'
import { fmt } from '../lib/report.js'
import { median } from '../lib/stats.js'
import type { MeshBench } from './mesh-context.js'

interface JoinSample {
  /** spawn → full view, ms; undefined when the view was not full within the deadline */
  ms?: number
  /** spawn → control socket answers (process start, LevelDB, libp2p, registration), ms */
  readyMs: number
  /** members in the view at the end */
  members: number
}

/** How long a joiner may take before the run counts as "not within". */
const JOIN_DEADLINE_MS = 150_000
/** How long the existing mesh gets to converge (three default refresh periods) before a newcomer is timed anyway. */
const MESH_DEADLINE_MS = 180_000

async function growMesh(mesh: MeshBench, nodes: number): Promise<number> {
  await mesh.ensureOwner()
  const live = 1 + mesh.holders.length + mesh.extras.length
  if (nodes > live) {
    const names = Array.from({ length: nodes - live }, (_, i) => `extra${mesh.extras.length + i + 1}`)
    const added = await startMesh(mesh.root, names, mesh.settings, mesh.bootstrap)
    mesh.extras.push(...added)
  }
  return 1 + mesh.holders.length + mesh.extras.length
}

async function joinOnce(mesh: MeshBench, phrase: string, target: number, run: number): Promise<JoinSample> {
  const name = `joiner-${target}-${run}`
  const t0 = Date.now()
  const n = await startNode({ root: mesh.root, name, bootstrap: mesh.bootstrap, settings: mesh.settings, phrase })
  const readyMs = Date.now() - t0
  try {
    const s = await n.daemon.waitForMembers(target, JOIN_DEADLINE_MS, 100)
    return { ms: Date.now() - t0, readyMs, members: s.registry.members }
  } catch {
    return { readyMs, members: (await n.daemon.status().catch(() => undefined))?.registry.members ?? 0 }
  } finally {
    await n.daemon.stop()
    await rm(n.daemon.dataDir, { recursive: true, force: true })
  }
}

/** The smallest view among the live nodes (how far the mesh itself has converged). */
async function smallestView(mesh: MeshBench): Promise<number> {
  const daemons = [mesh.owner, ...mesh.holders.map(h => h.daemon), ...mesh.extras.map(e => e.daemon)]
  const views = await Promise.all(
    daemons.map(
      d =>
        d?.status().then(
          s => s.registry.members,
          () => 0
        ) ?? 0
    )
  )
  return Math.min(...views)
}

export async function runRegistry(mesh: MeshBench, sizes: number[], runs: number): Promise<void> {
  const { phrase } = await initNode(join(mesh.root, 'joiner-identity'))
  let first: { nodes: number; ms: number } | undefined
  for (const nodes of [...sizes].sort((a, b) => a - b)) {
    const live = await growMesh(mesh, nodes)
    if (live !== nodes) {
      mesh.results.warn(`registry at ${nodes} nodes skipped: the bench mesh already has ${live} nodes`)
      continue
    }
    // every live node should see every other one before a newcomer is timed; if the mesh does not get there, time the newcomer anyway and say so
    const t0 = Date.now()
    let converged = false
    while (Date.now() - t0 < MESH_DEADLINE_MS && !converged) {
      converged = (await smallestView(mesh)) >= nodes
      if (!converged) await new Promise(r => setTimeout(r, 1000))
    }
    const meshView = await smallestView(mesh)
    if (!converged)
      mesh.results.warn(`registry: the ${nodes} existing daemons had not all seen each other after ${MESH_DEADLINE_MS / 1000} s (smallest view ${meshView})`)
    await mesh.quiet()
    const samples: JoinSample[] = []
    for (let run = 1; run <= runs; run++) {
      const sample = await joinOnce(mesh, phrase, nodes + 1, run)
      samples.push(sample)
      process.stderr.write(
        `    ${nodes} nodes, run ${run}: ${sample.ms === undefined ? `view of ${sample.members} after ${JOIN_DEADLINE_MS / 1000} s` : `full view after ${fmt(sample.ms / 1000, 2)} s`}\n`
      )
      // a newcomer that did not get there within the deadline will not in the next run either: save the minutes
      if (sample.ms === undefined) break
    }
    const done = samples.filter(s => s.ms !== undefined).map(s => s.ms as number)
    const missed = samples.length - done.length
    // a run that never got there counts as the deadline: the median is then a lower bound
    const ms = median([...done, ...Array<number>(missed).fill(JOIN_DEADLINE_MS)])
    const ready = median(samples.map(s => s.readyMs))
    const bound = missed > 0 ? '≥ ' : ''
    mesh.results.add({
      id: first === undefined ? '8a' : '8b',
      what: `registry: fresh node joins a mesh of ${nodes} daemons, full view of ${nodes + 1} members`,
      result: `${bound}${fmt(ms / 1000, 2)} s (daemon answering after ${fmt(ready / 1000, 2)} s)${missed > 0 ? `; ${missed} of ${samples.length} runs not within ${JOIN_DEADLINE_MS / 1000} s` : ''}`,
      value: ms / 1000,
      unit: 's',
      ...(first === undefined ? {} : { baseline: { label: `same at ${first.nodes} nodes`, value: first.ms / 1000, unit: 's' }, ratio: ms / first.ms }),
      note: `Spawn of the fresh daemon until its status shows all ${nodes + 1} members, polled every 100 ms; the existing mesh ${converged ? 'had converged' : `had not converged (smallest view ${meshView} of ${nodes})`} before the first run. Runs: ${samples.map(s => (s.ms === undefined ? `>${JOIN_DEADLINE_MS / 1000} s (${s.members} members)` : `${fmt(s.ms / 1000, 1)} s`)).join(', ')}.`,
      samples: { ms: samples.map(s => s.ms ?? Number.NaN), readyMs: samples.map(s => s.readyMs), members: samples.map(s => s.members) }
    })
    first ??= { nodes, ms }
  }
}
