/**
 * Helia is a bench-only dependency: its own npm project in
 * scripts/bench/helia, installed on first use (npm ci from its lockfile,
 * npm install without one), never part of meshkeep's dependencies.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { HELIA_DIR } from './paths.js'

export function heliaInstalled(): boolean {
  return existsSync(join(HELIA_DIR, 'node_modules', 'helia', 'package.json')) && existsSync(join(HELIA_DIR, 'node_modules', '@helia', 'unixfs', 'package.json'))
}

export async function ensureHelia(): Promise<void> {
  if (heliaInstalled()) return
  const lock = existsSync(join(HELIA_DIR, 'package-lock.json'))
  const args = [lock ? 'ci' : 'install', '--prefix', HELIA_DIR, '--no-audit', '--no-fund']
  process.stderr.write(`bench: installing the bench-only Helia dependencies: npm ${args.join(' ')}\n`)
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', args, { stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`npm ${args[0]} in ${HELIA_DIR} exited ${code}`))))
  })
  if (!heliaInstalled()) throw new Error(`Helia is still missing from ${HELIA_DIR}/node_modules after npm ${args[0]}`)
}
