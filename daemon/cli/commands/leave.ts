/** meshkeep leave and meshkeep shutdown: the two commands that change the daemon's membership or life. */
import type { LeaveResult, ShutdownResult } from '../../control/results.js'
import { boolFlag } from '../argv.js'
import { humanBytes, print, printJson } from '../output.js'
import { connectDaemon } from '../socket.js'
import { CONNECT_FLAGS, type Command, JSON_FLAG } from './command.js'

export const leaveCommand: Command = {
  name: 'leave',
  summary: 'leave the registry (tombstone) and stop holding for others',
  description:
    "Publishes a tombstone so other owners stop placing chunks here, and drops everything held for them (their owners re-replicate it elsewhere). This node's own state stays replicated on the mesh.",
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [],
  run: async ({ flags }, io) => {
    const client = await connectDaemon(flags, io.env)
    try {
      const r = await client.call<LeaveResult>('leave', {}, { timeoutMs: 120_000 })
      if (boolFlag(flags, 'json')) printJson(io, r)
      else print(io, `left the registry; dropped ${r.releasedChunks} chunks (${humanBytes(r.releasedBytes)}) held for others`)
      return 0
    } finally {
      client.close()
    }
  }
}

export const shutdownCommand: Command = {
  name: 'shutdown',
  summary: 'ask the daemon to stop gracefully (like SIGTERM)',
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [],
  run: async ({ flags }, io) => {
    const client = await connectDaemon(flags, io.env)
    try {
      const r = await client.call<ShutdownResult>('shutdown')
      if (boolFlag(flags, 'json')) printJson(io, r)
      else print(io, 'the daemon is stopping')
      return 0
    } finally {
      client.close()
    }
  }
}
