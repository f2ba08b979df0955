/**
 * Scenario 1: chunk + encrypt (sealStream) and reassemble + decrypt
 * (openStream) against bare AES-256-GCM over the same bytes. Runs the
 * existing core bench (scripts/bench/core.ts) as a child process, so its
 * ≈ 200 MB of pools never sit in the orchestrator, and reads its JSON.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { spawnTracked } from '../../lib/children.js'
import { benchScript } from '../lib/paths.js'
import type { Results } from '../lib/report.js'
import { fmt } from '../lib/report.js'
import { MiB } from '../lib/stats.js'

const GOAL = 0.8

interface CoreJson {
  mb: number
  mbPerSec: { bareSeal: number; encryptChunk: number; reassembleDecrypt: number; bareOpen: number; bareSha256: number }
  ratio: { threePassCeiling: number }
  samplesMs: Record<string, number[]>
  peakRssMb: number
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(process.execPath, [benchScript('core.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr?.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-4000)
      process.stderr.write(b.toString('utf8').replace(/^/gm, '    '))
    })
    child.on('error', reject)
    child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`core bench exited ${code}: ${err.trim()}`))))
  })
}

export async function runCoreScenario(results: Results, sizeBytes: number, runs: number, workDir: string): Promise<void> {
  const mb = Math.max(1, Math.round(sizeBytes / MiB))
  const json = join(workDir, 'core.json')
  await run(['--mb', String(mb), '--runs', String(runs), '--json', json, '--skip-attestation'])
  const r = JSON.parse(await readFile(json, 'utf8')) as CoreJson
  const m = r.mbPerSec
  const ceiling = `single-thread ceiling of GCM + 2 SHA-256 passes per piece: ${fmt(r.ratio.threePassCeiling, 2)}`
  const seal = m.encryptChunk / m.bareSeal
  results.add({
    id: '1a',
    what: `chunk + encrypt, ${mb} MiB (sealStream → manifest)`,
    result: `${fmt(m.encryptChunk)} MB/s`,
    value: m.encryptChunk,
    unit: 'MB/s',
    baseline: { label: 'bare AES-256-GCM seal, same pieces', value: m.bareSeal, unit: 'MB/s' },
    ratio: seal,
    goal: { text: `≥ ${GOAL}× bare GCM`, met: seal >= GOAL },
    note: `One thread, in memory, 65,507-byte pieces: each piece is hashed (chunk id), sealed with AES-256-GCM under a synthetic nonce and hashed again (manifest). Bare SHA-256 runs at ${fmt(m.bareSha256)} MB/s here; ${ceiling}.`,
    samples: { encryptChunkMs: r.samplesMs.encryptChunk ?? [], bareSealMs: r.samplesMs.bareSeal ?? [] }
  })
  const open = m.reassembleDecrypt / m.bareOpen
  results.add({
    id: '1b',
    what: `reassemble + decrypt, ${mb} MiB (openStream)`,
    result: `${fmt(m.reassembleDecrypt)} MB/s`,
    value: m.reassembleDecrypt,
    unit: 'MB/s',
    baseline: { label: 'bare AES-256-GCM open, same pieces', value: m.bareOpen, unit: 'MB/s' },
    ratio: open,
    goal: { text: `≥ ${GOAL}× bare GCM`, met: open >= GOAL },
    note: `openStream checks every chunk id (SHA-256), opens it, and checks the plaintext digest at the end. Core bench peak RSS ${fmt(r.peakRssMb, 0)} MB (its pools).`,
    samples: { reassembleDecryptMs: r.samplesMs.reassembleDecrypt ?? [], bareOpenMs: r.samplesMs.bareOpen ?? [] }
  })
}
