import { sleep } from './chunk-fetcher.js'
import type { HolderDirectory } from './types.js'

/** Longest pause between two looks at the view while waiting for it to settle, ms. */
const MAX_PAUSE_MS = 2_000

/**
 * Waits until the registry view has settled: it holds at least one holder
 * other than this node, and two refreshes in a row found the same members.
 * A node that has only just started knows little more than its bootstrap
 * peer; acting on that view would rank every chunk over the wrong holders.
 * Returns the number of remote members; rejects only when `signal` aborts.
 */
export async function waitForMesh(directory: HolderDirectory, self: string, signal: AbortSignal, onMembers?: (members: number) => void): Promise<number> {
  let previous: string | undefined
  let pause = 250
  for (;;) {
    signal.throwIfAborted()
    await directory.refresh?.({ signal }).catch(err => {
      if (signal.aborted) throw err
    })
    const members = directory
      .members()
      .map(m => m.peerIdString)
      .filter(p => p !== self)
      .sort()
    onMembers?.(members.length)
    const key = members.join(',')
    if (members.length > 0 && key === previous) return members.length
    previous = key
    await sleep(pause, signal)
    pause = Math.min(pause * 2, MAX_PAUSE_MS)
  }
}
