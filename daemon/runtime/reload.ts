/**
 * SIGHUP: what a reloaded configuration changes. Only the log level and
 * the bootstrap list apply to a running daemon; every other key is read
 * once at start, so a change to it is reported as needing a restart.
 */
import type { MeshkeepConfig } from '../../config/index.js'

/** Keys a running daemon applies at once. */
export const LIVE_KEYS: ReadonlySet<string> = new Set(['logLevel', 'bootstrap'])

/** `{ holder: { capacityBytes: 1 } }` → `holder.capacityBytes` → '1' (JSON of each leaf). */
function leaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix === '' ? k : `${prefix}.${k}`, out)
  } else {
    out.set(prefix, JSON.stringify(value))
  }
  return out
}

export interface ConfigDiff {
  /** changed keys applied live */
  live: string[]
  /** changed keys that take effect only after a restart */
  restart: string[]
  /** bootstrap entries that are new in the reloaded config */
  newBootstrap: string[]
}

export function diffConfig(before: MeshkeepConfig, after: MeshkeepConfig): ConfigDiff {
  const a = leaves(before)
  const b = leaves(after)
  const changed = [...new Set([...a.keys(), ...b.keys()])].filter(k => a.get(k) !== b.get(k)).sort()
  const old = new Set(before.bootstrap)
  return {
    live: changed.filter(k => LIVE_KEYS.has(k)),
    restart: changed.filter(k => !LIVE_KEYS.has(k)),
    newBootstrap: after.bootstrap.filter(addr => !old.has(addr))
  }
}
