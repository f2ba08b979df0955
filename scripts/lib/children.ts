/**
 * Every process and temp dir the scripts (testbed, bench) and the end-to-end
 * tests create is registered here and removed on the way out: normal end,
 * failure, SIGINT/SIGTERM. Processes are ended by their own PID only; a child
 * that ignores SIGTERM gets SIGKILL. Whatever still runs when this process
 * exits gets SIGKILL, installed handlers or not.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const live = new Set<ChildProcess>()
const dirs = new Set<string>()
let keepDirs = false

process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options)
  live.add(child)
  child.once('exit', () => live.delete(child))
  // a spawn that fails (ENOENT) emits 'error' and never 'exit'
  child.once('error', () => live.delete(child))
  return child
}

/** Resolves when `child` has exited; SIGTERM first, SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  // no pid: the spawn failed (ENOENT), and no 'exit' will come
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** Stops every live child in parallel (daemons still starting included). */
export async function stopAllChildren(graceMs = 15_000): Promise<void> {
  await Promise.allSettled([...live].map(c => stopChild(c, graceMs)))
}

/** A short temp dir (Unix socket paths must stay under 108 bytes), removed at the end. */
export async function tempDir(prefix = 'mkb-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  dirs.add(dir)
  return dir
}

/** Keep temp dirs for inspection (--keep). */
export function keepTempDirs(keep: boolean): void {
  keepDirs = keep
}

/** Stops every live child (in parallel), then removes the temp dirs. */
export async function cleanupAll(): Promise<void> {
  await stopAllChildren(15_000)
  if (!keepDirs) await Promise.allSettled([...dirs].map(d => rm(d, { recursive: true, force: true })))
  dirs.clear()
}

let installed = false

/** On SIGINT/SIGTERM: clean up, then exit 130/143. On any exit: remove the temp dirs synchronously. */
export function installCleanupHandlers(label = 'bench'): void {
  if (installed) return
  installed = true
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    process.stderr.write(`\n${label}: ${signal}: stopping children and removing temp dirs…\n`)
    cleanupAll().finally(() => process.exit(code))
  }
  process.once('SIGINT', () => onSignal('SIGINT', 130))
  process.once('SIGTERM', () => onSignal('SIGTERM', 143))
  process.once('exit', () => {
    if (!keepDirs) for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })
}
