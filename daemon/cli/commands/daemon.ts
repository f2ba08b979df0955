/** meshkeep daemon: run the node in the foreground. */
// the table, not config/index.js: every command loads this module, and only the daemon needs zod
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, configFlags, configKeys } from '../../../config/schema.js'
import type { FlagSpec } from '../argv.js'
import { columns } from '../help.js'
import { SOFTWARE_VERSION } from '../version.js'
import type { Command } from './command.js'

/** The config keys that have a flag, from the config table (so a flag and its key cannot disagree on name or kind), and --config itself. */
function daemonFlags(): FlagSpec[] {
  const flags: FlagSpec[] = configFlags().map(f => ({
    name: f.name,
    kind: f.kind,
    ...(f.value === undefined ? {} : { value: f.value }),
    help: `${f.help}${f.kind === 'list' ? ' (repeatable)' : ''}`
  }))
  flags.push({ name: CONFIG_FILE_FLAG, kind: 'string', value: 'FILE', help: `TOML or JSON config file (else $${CONFIG_FILE_ENV})` })
  return flags
}

function configHelp(): string {
  return columns(configKeys().map(k => [k.key, `${k.help} (default ${k.defaultText}; ${k.env})`] as const)).join('\n')
}

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'run the node: mesh, holder, owner and control socket',
  get description() {
    return [
      'Runs in the foreground and logs JSON lines to stdout. SIGTERM or SIGINT stops it gracefully (a second one exits at once); SIGHUP rereads the config file and applies logLevel and bootstrap (other changes need a restart). With NOTIFY_SOCKET set it sends READY=1, STOPPING=1 and WATCHDOG=1 through systemd-notify.',
      'Exit codes: 0 after a graceful stop, 1 on a start failure, 78 when the configuration or file permissions are invalid. Passphrase-sealed key files need $MESHKEEP_PASSPHRASE.',
      `Configuration (defaults < config file < MESHKEEP_* environment < flags):\n${configHelp()}`
    ].join('\n\n')
  },
  flags: daemonFlags(),
  positionals: [],
  run: async ({ flags }, io) => {
    // loaded here, not at the top: libp2p and LevelDB cost every client command most of a second
    const { runDaemon } = await import('../../runtime/index.js')
    return runDaemon({ flags, env: io.env, software: SOFTWARE_VERSION })
  }
}
