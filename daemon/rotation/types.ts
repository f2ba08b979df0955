/** What the control methods `rotate` and `rotation` answer (the CLI reads these). */
import type { ReleaseAllReport } from './old-identity.js'
import type { RotationStep } from './state-file.js'

/** `none`: never rotated; `done`: the last rotation finished and none is under way; otherwise the step reached. */
export type RotationState = 'none' | RotationStep | 'done'

export interface RotationStatus {
  state: RotationState
  /** the old peer id (of the rotation under way, else of the last one) */
  from?: string
  /** the new peer id */
  to?: string
  preparedAt?: number
  confirmedAt?: number
  switchedAt?: number
  /** when the handoff was signed: the date a recovery with the old phrase reports */
  rotatedAt?: number
  releasedAt?: number
  completedAt?: number
  /** the old identity's latest version and the new identity's version of the same state (null: there was none) */
  reput?: { fromVersion: number | null; toVersion: number | null }
  /** what the step under way waits for, in words */
  waitingFor?: string
  /** the last failure of the step under way; it is retried */
  lastError?: string
  /** what releasing the old identity's data did (this run of the daemon) */
  release?: ReleaseAllReport
  /** a test hook stopped the rotation before this step (MESHKEEP_TEST_ROTATION_HOLD) */
  held?: boolean
}

/** `rotate {}`: a prepared rotation, with the new phrase to show once. */
export interface RotatePrepareResult {
  state: 'prepared'
  from: string
  to: string
  /** the new 24-word recovery phrase */
  phrase: string
}
