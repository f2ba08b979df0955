/** Options of the owner side, and their defaults. */
export interface OwnerInit {
  /** lease asked of holders, ms @default 7 days */
  leaseMs?: number
  /** chunks encrypted and placed (or fetched) per window @default 128 */
  windowChunks?: number
  /** windows in flight at once during a put or recovery (memory bound: windows × window × 64 KiB) @default 3 */
  windowsInFlight?: number
  /** store/fetch exchanges in flight at once @default 8 */
  concurrency?: number
  /** attempts per exchange before falling back @default 3 */
  attempts?: number
  retryBaseMs?: number
  /** per-exchange deadline, ms @default 30000 */
  requestTimeoutMs?: number
  /** grace period before DEGRADED, ms @default 60000 */
  gracePeriodMs?: number
  /** versions kept at holders and in the owner store, the latest included @default 3 */
  retainVersions?: number
  /** time between audit rounds once `startMaintenance()` ran; 0 turns the timer off, ms @default 600000 */
  auditIntervalMs?: number
  /** copies challenged per audit round @default 64 */
  auditSample?: number
  /** how long a holder may stay unreachable before its chunks are re-replicated, ms @default 1800000 */
  repairAfterMs?: number
  /** audits, registry changes and puts start repair (and rebalancing) on their own; `repair()` always works @default true */
  autoRepair?: boolean
  /** keep a local copy of every chunk (a repair source that needs no holder) @default true */
  keepLocalChunks?: boolean
  /** after recovery, holders per chunk (in rendezvous order) probed for copies @default 4 */
  censusDepth?: number
  /** how long `recover` and `read` may wait for the mesh and the chunks before giving up, ms @default 120000 */
  transferTimeoutMs?: number
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

/** OwnerInit with every default filled in. */
export type ResolvedOwnerInit = Required<Omit<OwnerInit, 'log'>> & Pick<OwnerInit, 'log'>

export function resolveOwnerInit(init: OwnerInit): ResolvedOwnerInit {
  return {
    leaseMs: init.leaseMs ?? 7 * 24 * 3600 * 1000,
    windowChunks: init.windowChunks ?? 128,
    windowsInFlight: Math.max(1, init.windowsInFlight ?? 3),
    concurrency: init.concurrency ?? 8,
    attempts: init.attempts ?? 3,
    retryBaseMs: init.retryBaseMs ?? 200,
    requestTimeoutMs: init.requestTimeoutMs ?? 30_000,
    gracePeriodMs: init.gracePeriodMs ?? 60_000,
    retainVersions: Math.max(1, init.retainVersions ?? 3),
    auditIntervalMs: init.auditIntervalMs ?? 10 * 60_000,
    auditSample: init.auditSample ?? 64,
    repairAfterMs: init.repairAfterMs ?? 30 * 60_000,
    autoRepair: init.autoRepair ?? true,
    keepLocalChunks: init.keepLocalChunks ?? true,
    censusDepth: init.censusDepth ?? 4,
    transferTimeoutMs: init.transferTimeoutMs ?? 120_000,
    log: init.log
  }
}
