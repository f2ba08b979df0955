/** meshkeep daemon: run the node in the foreground. */
import { configKeys } from '../../../config/index.js'
import type { FlagSpec } from '../argv.js'
import { SOFTWARE_VERSION } from '../version.js'
import type { Command } from './command.js'

const DAEMON_FLAGS: FlagSpec[] = [
  { name: 'data-dir', kind: 'string', value: 'DIR', help: 'data dir made by meshkeep init' },
  { name: 'listen', kind: 'list', value: 'MULTIADDR', help: 'address to accept peers on (repeatable)' },
  { name: 'bootstrap', kind: 'list', value: 'MULTIADDR', help: 'peer to dial at start, ending in /p2p/<peer id> (repeatable)' },
  { name: 'socket', kind: 'string', value: 'PATH', help: 'control socket (default DIR/control.sock)' },
  { name: 'config', kind: 'string', value: 'FILE', help: 'TOML or JSON config file (else $MESHKEEP_CONFIG)' },
  { name: 'log-level', kind: 'string', value: 'LEVEL', help: 'fatal, error, warn, info, debug or trace' },
  { name: 'metrics', kind: 'boolean', help: 'serve Prometheus metrics (metrics.listen, default 127.0.0.1:9464)' }
]

function configHelp(): string {
  const keys = configKeys()
  const width = Math.max(...keys.map(k => k.key.length))
  return keys.map(k => `  ${k.key.padEnd(width)}  ${k.help} (default ${k.defaultText}; ${k.env})`).join('\n')
}

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'run the node: mesh, holder, owner and control socket',
  usage: 'daemon [--data-dir DIR] [--listen MULTIADDR]... [--bootstrap MULTIADDR]... [--socket PATH] [--config FILE]',
  get description() {
    return [
      'Runs in the foreground and logs JSON lines to stdout. SIGTERM or SIGINT stops it gracefully (a second one exits at once); SIGHUP rereads the config file and applies logLevel and bootstrap (other changes need a restart). With NOTIFY_SOCKET set it sends READY=1, STOPPING=1 and WATCHDOG=1 through systemd-notify.',
      'Exit codes: 0 after a graceful stop, 1 on a start failure, 78 when the configuration or file permissions are invalid. Passphrase-sealed key files need $MESHKEEP_PASSPHRASE.',
      `Configuration (defaults < config file < MESHKEEP_* environment < flags):\n${configHelp()}`
    ].join('\n\n')
  },
  flags: DAEMON_FLAGS,
  positionals: [],
  run: async ({ flags }, io) => {
    // loaded here, not at the top: libp2p and LevelDB cost every client command most of a second
    const { runDaemon } = await import('../../runtime/index.js')
    return runDaemon({ flags, env: io.env, software: SOFTWARE_VERSION })
  }
}
