import { join, resolve } from 'node:path'
import { defaultDataDir, defaultSocket } from '../../config/defaults.js'
import { ControlClient } from '../control/index.js'
import { type FlagValues, stringFlag } from './argv.js'

/**
 * Where the daemon's control socket is: --socket, else $MESHKEEP_SOCKET,
 * else <--data-dir>/control.sock, else <$MESHKEEP_DATA_DIR>/control.sock,
 * else the default data dir's control.sock (what the daemon uses by default).
 */
export function resolveSocket(flags: FlagValues, env: NodeJS.ProcessEnv): string {
  const socket = stringFlag(flags, 'socket')
  if (socket !== undefined) return resolve(socket)
  if (env.MESHKEEP_SOCKET !== undefined && env.MESHKEEP_SOCKET !== '') return resolve(env.MESHKEEP_SOCKET)
  const dataDir = stringFlag(flags, 'data-dir') ?? (env.MESHKEEP_DATA_DIR !== undefined && env.MESHKEEP_DATA_DIR !== '' ? env.MESHKEEP_DATA_DIR : undefined)
  if (dataDir !== undefined) return join(resolve(dataDir), 'control.sock')
  return defaultSocket(defaultDataDir(env))
}

export async function connectDaemon(flags: FlagValues, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ControlClient> {
  return ControlClient.connect(resolveSocket(flags, env), signal === undefined ? {} : { signal })
}
