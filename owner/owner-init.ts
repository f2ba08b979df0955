/**
 * Options of the owner side, and their defaults. The ones an operator can
 * set are the config's (config/defaults.ts, `[owner]`), so an OwnerService
 * built in code behaves like the daemon started without a config; the
 * others are tuning knobs with their defaults here.
 */
import { CONFIG_DEFAULTS } from '../config/defaults.js'
import { DEFAULT_HEDGE, type HedgeInit } from './hedged-placement.js'

const CONFIGURED = CONFIG_DEFAULTS.owner
/** chunks encrypted and placed (or fetched) per window */
const WINDOW_CHUNKS = 128
/** windows in flight at once during a put or recovery */
const WINDOWS_IN_FLIGHT = 3
/** attempts per exchange before falling back */
const ATTEMPTS = 3
/** first retry delay, ms */
const RETRY_BASE_MS = 200
/** copies challenged per audit round */
const AUDIT_SAMPLE = 64
/** holders per chunk probed for copies after a recovery */
const CENSUS_DEPTH = 4
/** how long a read or recovery may wait for the mesh and its chunks by default, ms (`--timeout` overrides it per request) */
const TRANSFER_TIMEOUT_MS = 120_000

export interface OwnerInit {
  /** lease asked of holders, ms @default CONFIG_DEFAULTS.owner.leaseMs */
  leaseMs?: number
  /** chunks encrypted and placed (or fetched) per window @default 128 */
  windowChunks?: number
  /** windows in flight at once during a put or recovery (memory bound: windows × window × 64 KiB) @default 3 */
  windowsInFlight?: number
  /** store/fetch exchanges in flight at once @default CONFIG_DEFAULTS.owner.concurrency */
  concurrency?: number
  /** attempts per exchange before falling back @default 3 */
  attempts?: number
  retryBaseMs?: number
  /** per-exchange deadline, ms @default CONFIG_DEFAULTS.owner.requestTimeoutMs */
  requestTimeoutMs?: number
  /** grace period before DEGRADED, ms @default CONFIG_DEFAULTS.owner.gracePeriodMs */
  gracePeriodMs?: number
  /** versions kept at holders and in the owner store, the latest included @default CONFIG_DEFAULTS.owner.retainVersions */
  retainVersions?: number
  /** time between audit rounds once `startMaintenance()` ran; 0 turns the timer off, ms @default CONFIG_DEFAULTS.owner.auditIntervalMs */
  auditIntervalMs?: number
  /** copies challenged per audit round @default 64 */
  auditSample?: number
  /** how long a holder may stay unreachable before its chunks are re-replicated, ms @default CONFIG_DEFAULTS.owner.repairAfterMs */
  repairAfterMs?: number
  /** audits, registry changes and puts start repair (and rebalancing) on their own; `repair()` always works @default true */
  autoRepair?: boolean
  /** keep a local copy of every chunk (a repair source that needs no holder) @default true */
  keepLocalChunks?: boolean
  /** after recovery, holders per chunk (in rendezvous order) probed for copies @default 4 */
  censusDepth?: number
  /** how long `recover` and `read` may wait for the mesh and the chunks before giving up, ms @default 120000 */
  transferTimeoutMs?: number
  /** the wall clock leases, receipts and grace periods are read against (tests move it) @default Date.now */
  now?: () => number
  /** long-tail hedging of puts around slow holders; `false` places by the rendezvous ranking alone @default DEFAULT_HEDGE */
  hedge?: HedgeInit | false
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

/** OwnerInit with every default filled in. */
export type ResolvedOwnerInit = Required<Omit<OwnerInit, 'log'>> & Pick<OwnerInit, 'log'>

export function resolveOwnerInit(init: OwnerInit): ResolvedOwnerInit {
  return {
    leaseMs: init.leaseMs ?? CONFIGURED.leaseMs,
    windowChunks: init.windowChunks ?? WINDOW_CHUNKS,
    windowsInFlight: Math.max(1, init.windowsInFlight ?? WINDOWS_IN_FLIGHT),
    concurrency: init.concurrency ?? CONFIGURED.concurrency,
    attempts: init.attempts ?? ATTEMPTS,
    retryBaseMs: init.retryBaseMs ?? RETRY_BASE_MS,
    requestTimeoutMs: init.requestTimeoutMs ?? CONFIGURED.requestTimeoutMs,
    gracePeriodMs: init.gracePeriodMs ?? CONFIGURED.gracePeriodMs,
    retainVersions: Math.max(1, init.retainVersions ?? CONFIGURED.retainVersions),
    auditIntervalMs: init.auditIntervalMs ?? CONFIGURED.auditIntervalMs,
    auditSample: init.auditSample ?? AUDIT_SAMPLE,
    repairAfterMs: init.repairAfterMs ?? CONFIGURED.repairAfterMs,
    autoRepair: init.autoRepair ?? true,
    keepLocalChunks: init.keepLocalChunks ?? true,
    censusDepth: init.censusDepth ?? CENSUS_DEPTH,
    transferTimeoutMs: init.transferTimeoutMs ?? TRANSFER_TIMEOUT_MS,
    now: init.now ?? Date.now,
    hedge: init.hedge ?? DEFAULT_HEDGE,
    log: init.log
  }
}
