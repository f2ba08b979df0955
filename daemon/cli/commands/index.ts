/** Every command, in the order `meshkeep --help` lists them. */
import type { Command } from './command.js'
import { daemonCommand } from './daemon.js'
import { holdingsCommand, idCommand, peersCommand, replicationCommand, statusCommand } from './info.js'
import { initCommand } from './init.js'
import { leaveCommand, shutdownCommand } from './leave.js'
import { putCommand } from './put.js'
import { getCommand, recoverCommand } from './read.js'
import { rotateCommand } from './rotate.js'

export type { Command } from './command.js'
export { CONNECT_FLAGS, interruptSignal, JSON_FLAG } from './command.js'
export { formatStatus } from './info.js'

export const COMMANDS: readonly Command[] = [
  initCommand,
  daemonCommand,
  idCommand,
  statusCommand,
  replicationCommand,
  putCommand,
  getCommand,
  recoverCommand,
  peersCommand,
  holdingsCommand,
  leaveCommand,
  rotateCommand,
  shutdownCommand
]
