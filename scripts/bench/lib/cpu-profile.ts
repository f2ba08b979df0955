/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time per function,
 * highest first, so the doc can say where a daemon's CPU went.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { REPO_ROOT } from './paths.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface HotFunction {
  name: string
  /** file:line, relative to the repo where it is inside it */
  where: string
  selfMs: number
  /** share of all samples, idle excluded */
  share: number
}

export interface ProfileSummary {
  file: string
  /** sampled time while not idle, ms */
  busyMs: number
  idleMs: number
  top: HotFunction[]
}

function location(url: string, line: number): string {
  if (url === '') return ''
  const path = url.startsWith('file://') ? new URL(url).pathname : url
  const rel = path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path.replace(/^.*node_modules\//, '')
  return `${rel}:${line + 1}`
}

export async function summariseProfile(file: string, topN = 15): Promise<ProfileSummary> {
  const p = JSON.parse(await readFile(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map(n => [n.id, n]))
  const self = new Map<string, { name: string; where: string; us: number }>()
  let idleUs = 0
  let busyUs = 0
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0
    const node = byId.get(id)
    if (node === undefined) return
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') {
      idleUs += dt
      return
    }
    busyUs += dt
    const where = location(url, lineNumber)
    const key = `${functionName}@${where}`
    const entry = self.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 }
    entry.us += dt
    self.set(key, entry)
  })
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map(e => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: busyUs > 0 ? e.us / busyUs : 0 }))
  return { file, busyMs: busyUs / 1000, idleMs: idleUs / 1000, top }
}

/** Every .cpuprofile in `dir`, summarised. */
export async function summariseProfiles(dir: string, topN = 15): Promise<ProfileSummary[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter(f => f.endsWith('.cpuprofile'))
  return Promise.all(files.map(f => summariseProfile(join(dir, f), topN)))
}
