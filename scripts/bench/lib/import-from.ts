/**
 * Imports an ES module package from another npm project's node_modules (the
 * bench-only Helia install), which Node's resolver would not search from
 * here. Follows the package's `exports["."]` import condition.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

type Exports = string | { [condition: string]: Exports } | undefined

function pick(exp: Exports): string | undefined {
  if (exp === undefined || typeof exp === 'string') return exp
  for (const condition of ['import', 'node', 'default']) {
    const target = pick(exp[condition])
    if (target !== undefined) return target
  }
  return undefined
}

export function resolvePackage(projectDir: string, name: string): string {
  const pkgDir = join(projectDir, 'node_modules', name)
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports?: Record<string, Exports> | string; main?: string }
  const exp = typeof pkg.exports === 'string' ? pkg.exports : pkg.exports?.['.']
  const target = pick(exp) ?? pkg.main ?? 'index.js'
  return pathToFileURL(join(pkgDir, target)).href
}

/** `import(name)` as seen from `projectDir`; the caller states the shape it relies on. */
export async function importFrom<T>(projectDir: string, name: string): Promise<T> {
  return (await import(resolvePackage(projectDir, name))) as T
}
