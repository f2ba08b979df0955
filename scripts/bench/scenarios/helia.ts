/**
 * Scenario 7: the same bytes through Helia (IPFS in JavaScript) between the
 * same number of nodes, 5 helper processes on loopback, all connected.
 * Replicate = add on one node, then two others pin it (fetch every block
 * over Bitswap and keep it): two remote copies, as meshkeep's put makes.
 * Recover = a fresh node reads the file back (cat) from the others. The
 * states are byte-for-byte the replicate runs' states (same seeds).
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { HelperProcess } from '../lib/child-rpc.js'
import { benchScript } from '../lib/paths.js'
import { waitForQuiet } from '../lib/quiet.js'
import { fmt, type Results } from '../lib/report.js'
import { type StateFile, writeStateFile } from '../lib/state-file.js'
import { MiB, mbps, median } from '../lib/stats.js'

interface Ready {
  peerId: string
  addrs: string[]
}
type Peer = HelperProcess<Ready>

async function startPeer(root: string, name: string): Promise<Peer> {
  return HelperProcess.spawn<Ready>(`helia ${name}`, benchScript('helia-peer.js'), [join(root, `blocks-${name}`)])
}

export async function runHelia(
  root: string,
  results: Results,
  size: number,
  runs: number,
  meshkeep: { replicateMbps: number | undefined; recoverMbps: number | undefined }
): Promise<void> {
  const dir = join(root, 'helia')
  const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(n => startPeer(dir, n)))
  const peers = [a, b, c, d] as Peer[]
  const quiet = () =>
    waitForQuiet(
      peers.map(p => p.pid),
      { timeoutMs: 30_000 }
    )
  try {
    for (const p of peers) await p.call('dial', { addrs: peers.filter(q => q !== p).map(q => q.ready.addrs[0]) })
    // warm-up, as for meshkeep's first put
    const warm = await writeStateFile(join(dir, 'warm-up'), Math.min(size, 16 * MiB), 'helia-warm-up')
    const warmCid = (await a?.call<{ cid: string }>('add', { file: warm.path }))?.cid
    await Promise.all([b, c].map(p => p?.call('pin', { cid: warmCid })))
    await rm(warm.path)

    const rep: Array<{ ms: number; addMs: number }> = []
    let last: { state: StateFile; cid: string } | undefined
    for (let run = 1; run <= runs; run++) {
      const state = await writeStateFile(join(dir, `state-${run}`), size, `run-${run}`)
      if (last !== undefined) await rm(last.state.path, { force: true })
      await quiet()
      const t0 = performance.now()
      const add = await (a as Peer).call<{ cid: string; ms: number }>('add', { file: state.path })
      await Promise.all([b, c].map(p => (p as Peer).call('pin', { cid: add.cid })))
      const ms = performance.now() - t0
      rep.push({ ms, addMs: add.ms })
      last = { state, cid: add.cid }
      process.stderr.write(`    run ${run}: Helia add + 2 pins ${fmt(mbps(size, ms))} MB/s (add alone ${fmt(mbps(size, add.ms))} MB/s)\n`)
    }
    const rec: number[] = []
    for (let run = 1; run <= runs && last !== undefined; run++) {
      const e = await startPeer(dir, `fresh${run}`)
      try {
        await e.call('dial', { addrs: peers.map(p => p.ready.addrs[0]) })
        await quiet()
        const r = await e.call<{ ms: number; bytes: number; sha256: string }>('cat', { cid: last.cid })
        if (r.bytes !== last.state.bytes || r.sha256 !== last.state.sha256) throw new Error('Helia returned different bytes than were added')
        rec.push(r.ms)
        process.stderr.write(`    run ${run}: Helia cat on a fresh node ${fmt(mbps(size, r.ms))} MB/s\n`)
      } finally {
        await e.stop()
        await rm(join(dir, `blocks-fresh${run}`), { recursive: true, force: true })
      }
    }
    const replicateMbps = median(rep.map(r => mbps(size, r.ms)))
    const recoverMbps = median(rec.map(ms => mbps(size, ms)))
    const row = (id: string, what: string, ours: number | undefined, theirs: number, note: string, samples: Record<string, number[]>) =>
      results.add({
        id,
        what,
        result: ours === undefined ? 'meshkeep not measured in this run' : `meshkeep ${fmt(ours)} MB/s`,
        value: ours ?? Number.NaN,
        unit: 'MB/s',
        baseline: { label: 'Helia, same bytes and nodes', value: theirs, unit: 'MB/s' },
        ...(ours === undefined ? {} : { ratio: ours / theirs, goal: { text: '> 1 (faster than Helia)', met: ours > theirs } }),
        note,
        samples
      })
    row(
      '7a',
      `replicate ${size / MiB} MiB vs Helia (add on one node, pin on two others)`,
      meshkeep.replicateMbps,
      replicateMbps,
      `Helia (helia 7, @helia/unixfs 8 defaults: 1 MiB blocks, raw leaves, CIDv1; file-system blockstore; Bitswap over TCP + noise + yamux) does no encryption and signs nothing; meshkeep figure from row 2. Helia's add alone: ${fmt(median(rep.map(r => mbps(size, r.addMs))))} MB/s.`,
      { heliaMs: rep.map(r => r.ms), heliaAddMs: rep.map(r => r.addMs) }
    )
    row('7b', `recover ${size / MiB} MiB vs Helia (cat on a fresh node)`, meshkeep.recoverMbps, recoverMbps, 'meshkeep figure from row 3.', { heliaMs: rec })
  } finally {
    await Promise.allSettled(peers.map(p => p.stop()))
  }
}
