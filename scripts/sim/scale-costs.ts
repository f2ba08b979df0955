/**
 * Per-member and per-chunk costs that docs/SCALE.md multiplies out:
 *
 * - the size of a signed `/mkreg/` record and of a `/mkptr/` version pointer;
 * - the JS heap per member when records are held the way `Registry` holds
 *   them (`seen`: the best record with its bytes; `members`: the holder entry);
 * - the CPU time of `rankHolders` for one chunk over a view of 1,000 and
 *   10,000 holders (the owner ranks every chunk of its latest version on every
 *   repair pass), next to the simulation's scorer for the same work.
 *
 *   node --expose-gc dist/scripts/sim/scale-costs.js [members=10000]
 */
import { randomBytes } from 'node:crypto'
import { identityFromSeed, peerIdFromPublicKey, rankHolders } from '../../core/index.js'
import {
  createRegistryRecord,
  createVersionPointer,
  type HolderRecord,
  type RegistryRecordInfo,
  registryKey,
  validateRegistryRecord
} from '../../registry/index.js'
import { ScoreKernel } from './score.js'

const gc = (globalThis as { gc?: () => void }).gc

function heapUsed(): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

const count = Number(process.argv[2] ?? 10_000)
if (!Number.isInteger(count) || count < 1) throw new Error(`members must be a positive integer, got ${process.argv[2]}`)
if (gc === undefined) console.warn('run with --expose-gc for a stable heap figure')

// two addresses, as a typical dual-stack home node advertises
const addrsOf = (i: number) => [`/ip4/198.51.${(i >> 8) & 255}.${i & 255}/tcp/4710`, `/ip6/2001:db8::${i.toString(16)}/tcp/4710`]
const identities = Array.from({ length: count }, () => identityFromSeed(randomBytes(32)))
const signed = identities.map((identity, i) =>
  createRegistryRecord({ identity, addrs: addrsOf(i), capacityBucket: 20, seq: Date.now() + i, registeredAt: Date.now() })
)
const before = heapUsed()
const seen = new Map<string, { info: RegistryRecordInfo; bytes: Uint8Array }>()
const members = new Map<string, HolderRecord>()
signed.forEach((bytes, i) => {
  const identity = identities[i]
  if (identity === undefined) return
  // a copy, as a record fetched from the DHT arrives in its own buffer
  const own = Uint8Array.from(bytes)
  const info = validateRegistryRecord(registryKey(identity.peerId), own)
  seen.set(info.peerIdString, { info, bytes: own })
  const { peerId, peerIdString, addrs, capacityBucket, seq, registeredAt } = info
  members.set(peerIdString, { peerId, peerIdString, addrs, capacityBucket, seq, registeredAt })
})
const after = heapUsed()
const owner = identities[0]
if (owner === undefined) throw new Error('no identity')
const pointer = createVersionPointer({ owner, version: 7, manifestId: randomBytes(32), manifestHolders: [identities[1]?.peerId ?? owner.peerId, owner.peerId] })
const recordBytes = signed.reduce((a, b) => a + b.length, 0) / count

/** Mean ms of one call of `work` over `runs` runs, after one warm-up. */
function timeMs(runs: number, work: (i: number) => void): number {
  work(-1)
  const t = performance.now()
  for (let i = 0; i < runs; i++) work(i)
  return (performance.now() - t) / runs
}

const rankCost: Record<string, { rankHoldersMs: number; simScorerMs: number }> = {}
for (const n of [1000, 10_000]) {
  const candidates = Array.from({ length: n }, () => ({ peerId: peerIdFromPublicKey(randomBytes(32)), capacityBucket: 20 }))
  const ownerId = peerIdFromPublicKey(randomBytes(32))
  const chunks = Array.from({ length: 21 }, () => randomBytes(32))
  const kernel = new ScoreKernel(candidates.map(c => c.peerId))
  rankCost[String(n)] = {
    rankHoldersMs: timeMs(20, i => rankHolders(chunks[i + 1] as Uint8Array, ownerId, candidates, 65_536)),
    simScorerMs: timeMs(20, i => kernel.scoreChunk(chunks[i + 1] as Uint8Array))
  }
}

console.log(
  JSON.stringify(
    {
      members: count,
      recordBytesMean: recordBytes,
      pointerBytes: pointer.length,
      heapBytesPerMember: (after - before) / count,
      gcExposed: gc !== undefined,
      kept: seen.size + members.size,
      rankCostPerChunk: rankCost
    },
    null,
    2
  )
)
