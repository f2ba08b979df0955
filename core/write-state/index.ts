/**
 * @packageDocumentation
 * The write-blocking state machine: PROVISIONAL, ISOLATED, ACTIVE, DEGRADED.
 */

export type { LatestStatus, WriteContext, WriteEvent, WriteEventType, WriteState, WriteStateMachineInit } from './write-state.js'
export { applyEvent, CONTEXT_RULES, deriveState, WRITE_STATE_ADVICE, WRITE_STATES, WriteStateMachine, writesAllowed } from './write-state.js'
