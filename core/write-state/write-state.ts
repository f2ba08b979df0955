import { WriteBlockedError } from '../errors/index.js'

/**
 * PROVISIONAL  no remote peer has been seen yet: writes allowed, warned.
 * ISOLATED     peers were seen but the registry holds only this node: writes allowed, warned.
 * ACTIVE       the latest version is fully replicated, or still within its grace period.
 * DEGRADED     remote holders exist but the latest version is still not fully
 *              replicated after its grace period: new writes are refused.
 */
export type WriteState = 'PROVISIONAL' | 'ISOLATED' | 'ACTIVE' | 'DEGRADED'

export const WRITE_STATES: readonly WriteState[] = ['PROVISIONAL', 'ISOLATED', 'ACTIVE', 'DEGRADED']

/** Where the latest version stands: none yet, replicated, within grace, past grace. */
export type LatestStatus = 'none' | 'replicated' | 'pending' | 'overdue'

export type WriteEvent =
  | { type: 'PEER_CONNECTED' }
  | { type: 'REGISTRY_UPDATED'; remoteMembers: number }
  | { type: 'VERSION_WRITTEN' }
  | { type: 'LATEST_REPLICATED' }
  | { type: 'LATEST_UNDER_REPLICATED' }
  | { type: 'GRACE_EXPIRED' }

export type WriteEventType = WriteEvent['type']

export interface WriteContext {
  /** a remote peer has connected at least once */
  peerSeen: boolean
  /** registry members other than this node */
  remoteMembers: number
  latest: LatestStatus
}

/**
 * How each event changes the context. One explicit rule per event; the
 * exhaustive state × event table in test/unit/write-state.test.ts pins them.
 */
export const CONTEXT_RULES: { [T in WriteEventType]: (ctx: WriteContext, ev: Extract<WriteEvent, { type: T }>) => WriteContext } = {
  PEER_CONNECTED: ctx => ({ ...ctx, peerSeen: true }),
  // Knowing registry members implies having reached a peer.
  REGISTRY_UPDATED: (ctx, ev) => ({ ...ctx, remoteMembers: ev.remoteMembers, peerSeen: ctx.peerSeen || ev.remoteMembers > 0 }),
  // A new version is pending until replicated. It does not end an overdue period: the grace
  // period measures how long replication has been failing, not the age of the latest version.
  VERSION_WRITTEN: ctx => ({ ...ctx, latest: ctx.latest === 'overdue' ? 'overdue' : 'pending' }),
  LATEST_REPLICATED: ctx => ({ ...ctx, latest: ctx.latest === 'none' ? 'none' : 'replicated' }),
  // Losing a copy of a replicated version starts a fresh grace period for repair.
  LATEST_UNDER_REPLICATED: ctx => ({ ...ctx, latest: ctx.latest === 'replicated' ? 'pending' : ctx.latest }),
  GRACE_EXPIRED: ctx => ({ ...ctx, latest: ctx.latest === 'pending' ? 'overdue' : ctx.latest })
}

/** The state follows from the context by these rules, first match wins. */
export function deriveState(ctx: WriteContext): WriteState {
  if (!ctx.peerSeen && ctx.remoteMembers === 0) return 'PROVISIONAL'
  if (ctx.remoteMembers === 0) return 'ISOLATED'
  if (ctx.latest === 'overdue') return 'DEGRADED'
  return 'ACTIVE'
}

export function applyEvent(ctx: WriteContext, ev: WriteEvent): WriteContext {
  const rule = CONTEXT_RULES[ev.type] as (c: WriteContext, e: WriteEvent) => WriteContext
  return rule(ctx, ev)
}

export function writesAllowed(state: WriteState): boolean {
  return state !== 'DEGRADED'
}

/** What each state means for an application, and what to do (CLI, docs, logs). */
export const WRITE_STATE_ADVICE: Record<WriteState, string> = {
  PROVISIONAL: 'No remote peer has been reached yet: writes are kept only on this machine. Check the bootstrap list and network.',
  ISOLATED: 'The registry holds no other holder: writes are kept only on this machine. Start or add more meshkeep nodes.',
  ACTIVE: 'The latest version is replicated (or being replicated within its grace period).',
  DEGRADED:
    'The latest version is not fully replicated after its grace period, so new writes are refused. Wait for repair, add holders, or run `meshkeep replication` to see which chunks lack copies.'
}

export interface WriteStateMachineInit {
  /** how long a new or damaged latest version may stay under-replicated, ms @default 60000 */
  gracePeriodMs?: number
  now?: () => number
  onTransition?: (from: WriteState, to: WriteState, ev: WriteEvent) => void
}

/**
 * Holds the write context, applies events, runs the grace timer from
 * `tick()`, and refuses writes in DEGRADED.
 *
 * The grace clock starts when the latest version stops being fully
 * replicated (a first version, a lost copy) and stops only when it is fully
 * replicated again. Writing a new version while pending does not restart it,
 * so an owner that keeps writing while replication keeps failing is blocked
 * once the grace period has passed, however often it writes.
 */
export class WriteStateMachine {
  private ctx: WriteContext = { peerSeen: false, remoteMembers: 0, latest: 'none' }
  private pendingSince = 0
  private readonly gracePeriodMs: number
  private readonly now: () => number
  private readonly onTransition?: WriteStateMachineInit['onTransition']
  private detail = ''

  constructor(init: WriteStateMachineInit = {}) {
    this.gracePeriodMs = init.gracePeriodMs ?? 60_000
    this.now = init.now ?? Date.now
    this.onTransition = init.onTransition
  }

  get state(): WriteState {
    return deriveState(this.ctx)
  }
  get context(): Readonly<WriteContext> {
    return this.ctx
  }

  dispatch(ev: WriteEvent): WriteState {
    const from = this.state
    const before = this.ctx.latest
    this.ctx = applyEvent(this.ctx, ev)
    if (this.ctx.latest === 'pending' && before !== 'pending') this.pendingSince = this.now()
    const to = this.state
    if (from !== to) this.onTransition?.(from, to, ev)
    return to
  }

  /** Fires GRACE_EXPIRED once the pending latest version outlives the grace period. */
  tick(): WriteState {
    if (this.ctx.latest === 'pending' && this.now() - this.pendingSince >= this.gracePeriodMs) {
      return this.dispatch({ type: 'GRACE_EXPIRED' })
    }
    return this.state
  }

  /** Since when the latest version has lacked full replication, ms (undefined while replicated or before any version). */
  get underReplicatedSince(): number | undefined {
    return this.ctx.latest === 'pending' || this.ctx.latest === 'overdue' ? this.pendingSince : undefined
  }

  /** A short reason shown with WRITE_BLOCKED (e.g. "12 of 40 chunks lack two copies"). */
  setDetail(detail: string): void {
    this.detail = detail
  }

  /** Throws `WriteBlockedError` (code WRITE_BLOCKED) when writes are refused. */
  assertWritable(): void {
    this.tick()
    const state = this.state
    if (!writesAllowed(state)) {
      const why = this.detail !== '' ? ` (${this.detail})` : ''
      throw new WriteBlockedError(
        `write refused in state ${state}: the latest version is not fully replicated after the ${Math.round(this.gracePeriodMs / 1000)} s grace period${why}. ${WRITE_STATE_ADVICE.DEGRADED}`
      )
    }
  }
}
