/**
 * Every default of the daemon's configuration, in one place. The schema
 * (schema.ts) applies them, `--help`, the example file and the docs show
 * them, and the holder and owner services read theirs from here, so a node
 * built in code behaves like one started without a config. The data dir
 * and socket depend on where meshkeep runs and are computed below.
 *
 * This module imports only types: the holder and owner read it without
 * loading the schema (zod, multiaddr).
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import type { ConfigDefaults } from './types.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const SECOND = 1000
const MINUTE = 60 * SECOND
const DAY = 24 * 60 * MINUTE

export const CONFIG_DEFAULTS: ConfigDefaults = deepFreeze({
  listen: ['/ip4/0.0.0.0/tcp/4710'],
  bootstrap: [],
  logLevel: 'info',
  watchdog: true,
  metrics: {
    enabled: false,
    /** loopback: the endpoint has no authentication */
    listen: '127.0.0.1:9464',
    allowRemote: false
  },
  holder: {
    /** bytes, for all owners together */
    capacityBytes: 10 * GiB,
    /** bytes, per owner */
    ownerQuotaBytes: 2 * GiB,
    /** ms */
    maxLeaseMs: 30 * DAY,
    /** per peer; bursts of twice that */
    requestsPerSecond: 200,
    /** bytes per second per peer; bursts of twice that */
    bytesPerSecond: 256 * MiB
  },
  owner: {
    retainVersions: 3,
    /** ms */
    leaseMs: 7 * DAY,
    concurrency: 8,
    /** ms */
    requestTimeoutMs: 30 * SECOND,
    /** ms */
    gracePeriodMs: MINUTE,
    /** ms */
    auditIntervalMs: 10 * MINUTE,
    /** ms */
    repairAfterMs: 30 * MINUTE
  },
  registry: {
    /** ms */
    refreshIntervalMs: MINUTE
  },
  limits: {
    /** bytes per second; 0: uncapped */
    uploadBytesPerSecond: 0,
    /** bytes per second; 0: uncapped */
    downloadBytesPerSecond: 0
  },
  control: {
    /** bytes */
    maxRequestBytes: MiB,
    maxClients: 64
  }
})

/** Freezes an object and everything it holds; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

export type Env = Record<string, string | undefined>

/** `$HOME`, else the account's home directory. */
export function homeDir(env: Env): string {
  const home = env.HOME
  return home !== undefined && isAbsolute(home) ? home : homedir()
}

/**
 * Under systemd with `StateDirectory=meshkeep`, `$STATE_DIRECTORY` is
 * /var/lib/meshkeep (a colon-separated list when a unit names several; the
 * first is ours). Otherwise `$XDG_DATA_HOME/meshkeep`, which the XDG spec
 * says to ignore unless absolute, else ~/.local/share/meshkeep.
 */
export function defaultDataDir(env: Env): string {
  const state = env.STATE_DIRECTORY?.split(':')[0]
  if (state !== undefined && isAbsolute(state)) return resolve(state)
  const xdg = env.XDG_DATA_HOME
  if (xdg !== undefined && isAbsolute(xdg)) return resolve(xdg, 'meshkeep')
  return join(homeDir(env), '.local', 'share', 'meshkeep')
}

export function defaultSocket(dataDir: string): string {
  return join(dataDir, 'control.sock')
}
