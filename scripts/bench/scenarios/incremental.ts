/**
 * Scenario 4: invert one byte in the middle of the stored state, in place,
 * and put it again. Chunk encryption is deterministic (synthetic nonces),
 * so only the piece holding that byte becomes a new chunk; every other
 * chunk is already attested at its holders and is skipped. Goal: the new
 * chunk goes to its two holders, one chunk each.
 */
import { MAX_PIECE_BYTES } from '../../../core/index.js'
import type { ReplicationResult } from '../../../daemon/control/results.js'
import { fmt } from '../lib/report.js'
import { flipByte } from '../lib/state-file.js'
import { median } from '../lib/stats.js'
import { TcpSnapshot } from '../lib/tcp-bytes.js'
import type { MeshBench } from './mesh-context.js'

export async function runIncremental(mesh: MeshBench): Promise<void> {
  const owner = await mesh.ensureOwner()
  if (mesh.state === undefined) throw new Error('incremental needs a stored state (run replicate first)')
  const offset = Math.floor(mesh.state.bytes / 2) + 123
  mesh.state = await flipByte(mesh.state, offset)
  await mesh.quiet()
  const tcp = TcpSnapshot.take()
  const t0 = performance.now()
  const put = await owner.put(mesh.state.path)
  const ms = performance.now() - t0
  const wire = tcp === undefined ? undefined : TcpSnapshot.take()?.since(tcp, owner.pid).sent
  const changed = Math.floor(offset / MAX_PIECE_BYTES)
  const replication = await owner.call<ReplicationResult>('replication', {}, 120_000)
  const holders = replication.chunks[changed]?.holders.length ?? 0
  const perHolder = holders > 0 ? put.chunksSent / holders : Number.NaN
  const full = median(mesh.replicate.filter(r => r.wireSent !== undefined).map(r => r.wireSent as number))
  const met = put.chunksSent === holders && holders === 2
  mesh.results.add({
    id: '4',
    what: `incremental: 1 byte changed in place at offset ${offset.toLocaleString('en-US')}, put again`,
    result: `${put.chunksSent} chunks (${fmt(perHolder, 0)} per holder), ${fmt(put.bytesSent / 1024, 0)} KiB chunk payload, ${wire === undefined ? 'n/a' : `${fmt(wire / 1024, 0)} KiB`} on the wire, ${fmt(ms / 1000, 2)} s`,
    value: put.chunksSent,
    unit: 'chunks',
    ...(Number.isFinite(full) && wire !== undefined
      ? { baseline: { label: 'wire bytes of a full put, KiB', value: full / 1024, unit: 'KiB' }, ratio: wire / full }
      : {}),
    goal: { text: 'one chunk per holder', met },
    note: `chunksSent and bytesSent are put's own counts; wire is every TCP byte the owner sent during the put: the new chunk, the sealed manifest (${replication.chunks.length} chunk references) to its two holders, and the signed version pointer in the DHT. The ratio is wire bytes against a full put of the same state.`,
    samples: { ms: [ms], chunksSent: [put.chunksSent], bytesSent: [put.bytesSent], wireSent: [wire ?? Number.NaN] }
  })
}
