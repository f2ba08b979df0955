/**
 * Scenario 6: attestations the owner verified per second during the
 * replicate runs (one per chunk copy stored), against what one core can
 * verify (measured here, same batch size as the store protocol). The
 * quotient is the share of one core verification took: far below 1, it
 * cannot be what bounds replication.
 */
import { fmt, type Results } from '../lib/report.js'
import { median } from '../lib/stats.js'
import { measureVerifyCost } from './attestation-cost.js'
import type { ReplicateSample } from './mesh-context.js'

export function reportAttestation(results: Results, samples: ReplicateSample[]): void {
  const cost = measureVerifyCost()
  const rate = median(samples.map(s => s.chunksSent / (s.ms / 1000)))
  const share = rate / cost.perSecond
  const ownerCpu = median(samples.map(s => s.ownerCpuMs / s.ms))
  results.add({
    id: '6',
    what: 'attestations verified per second on the owner during replicate',
    result: `${fmt(rate, 0)} /s (${fmt(rate * cost.signaturesPerAttestation, 0)} Ed25519 checks/s)`,
    value: rate,
    unit: '/s',
    baseline: { label: `one core verifies, batches of ${cost.batch}`, value: cost.perSecond, unit: '/s' },
    ratio: share,
    goal: { text: 'does not bound throughput (< 0.1 of a core)', met: share < 0.1 },
    note: `One attestation per chunk copy: a Merkle path to the batch's receipt root (${cost.batch} chunks per receipt, one Ed25519 signature per receipt, cached). ${fmt(cost.usPerAttestation)} µs per attestation on one core; verification takes ${fmt(share * 100, 1)} % of one core at the replicate rate, while the whole owner process used ${fmt(ownerCpu * 100, 0)} %.`
  })
}
