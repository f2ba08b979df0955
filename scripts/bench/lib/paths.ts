/**
 * Where things are, found from this compiled file so the bench runs the same
 * from dist/ (after `npm run build`) and from a private --outDir build.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** The compiled tree this file belongs to (dist/ or .build/…): two levels above scripts/bench. */
export const BUILD_ROOT = join(here, '..', '..', '..')

/** The `meshkeep` CLI entry of the same build. */
export const CLI_ENTRY = join(BUILD_ROOT, 'daemon', 'cli', 'main.js')

/** A compiled bench script of the same build, e.g. `raw-libp2p-peer.js`. */
export function benchScript(name: string): string {
  return join(BUILD_ROOT, 'scripts', 'bench', name)
}

/** The repository root: the nearest directory above with meshkeep's package.json (the build may sit at any depth). */
export function findRepoRoot(start = here): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      const { name } = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }
      if (name === 'meshkeep') return dir
    }
    if (dirname(dir) === dir) throw new Error(`no meshkeep package.json above ${start}`)
  }
}

export const REPO_ROOT = findRepoRoot()

/**
 * The `meshkeep` launcher users and the systemd unit run (it picks the Node
 * binary and the daemon's V8 flags, and runs dist/). Daemons are started
 * through it so the bench measures what ships.
 */
export const LAUNCHER = join(REPO_ROOT, 'bin', 'meshkeep')

/** The bench-only npm project holding Helia (never a runtime dependency). */
export const HELIA_DIR = join(REPO_ROOT, 'scripts', 'bench', 'helia')
