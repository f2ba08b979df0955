/**
 * sd_notify(3) for the daemon: READY=1, STOPPING=1, STATUS=… and WATCHDOG=1.
 *
 * The protocol is one datagram on the AF_UNIX socket named by NOTIFY_SOCKET.
 * Node cannot send Unix datagrams (libuv has no SOCK_DGRAM for Unix sockets)
 * and meshkeep takes no native addon for it, so each message is handed to
 * `systemd-notify`, which ships with systemd on every host that sets
 * NOTIFY_SOCKET. It runs as our child, so systemd sees another PID than the
 * main one: the unit needs `NotifyAccess=all` (with `main`, systemd drops the
 * messages and a Type=notify start times out). systemd-notify ≥ 246 waits
 * for systemd to process each message (BARRIER=1), which closes the old race
 * in which a message from an already-exited process was dropped.
 */
import { execFile } from 'node:child_process'

export type NotifyFields = Record<string, string | number>

export interface NotifyLogger {
  warn: (obj: object, msg: string) => void
  debug: (obj: object, msg: string) => void
}

/** `{ READY: 1, STATUS: 'x' }` → `READY=1\nSTATUS=x`: sd_notify's newline-separated assignments. Newlines inside a value would start a new assignment, so they become spaces. */
export function formatNotify(fields: NotifyFields): string {
  return Object.entries(fields)
    .map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new TypeError(`invalid sd_notify field name ${k}`)
      return `${k}=${String(v).replace(/[\r\n]+/g, ' ')}`
    })
    .join('\n')
}

/**
 * The watchdog interval systemd asks for, in ms, or undefined: WATCHDOG_USEC
 * set, positive, and (when WATCHDOG_PID is set) meant for this process.
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC)
  if (!Number.isFinite(usec) || usec <= 0) return undefined
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return undefined
  // ping at half the deadline, as sd_watchdog_enabled(3) recommends
  return Math.max(1, Math.floor(usec / 2000))
}

export interface SdNotifierInit {
  env?: NodeJS.ProcessEnv
  log?: NotifyLogger
  /** the helper binary @default 'systemd-notify' */
  command?: string
  /** per message deadline, ms @default 5000 */
  timeoutMs?: number
}

/** Sends sd_notify messages when NOTIFY_SOCKET is set; does nothing otherwise. */
export class SdNotifier {
  private readonly socket: string | undefined
  private readonly command: string
  private readonly timeoutMs: number
  private readonly log: NotifyLogger | undefined
  private readonly env: NodeJS.ProcessEnv
  private watchdog: NodeJS.Timeout | undefined
  private broken = false

  constructor(init: SdNotifierInit = {}) {
    this.env = init.env ?? process.env
    const socket = this.env.NOTIFY_SOCKET
    this.socket = socket !== undefined && socket !== '' ? socket : undefined
    this.command = init.command ?? 'systemd-notify'
    this.timeoutMs = init.timeoutMs ?? 5000
    this.log = init.log
  }

  get enabled(): boolean {
    return this.socket !== undefined && !this.broken
  }

  /** Sends one message; never throws (a service manager that cannot hear us is worth a warning, not a crash). */
  async notify(fields: NotifyFields): Promise<boolean> {
    if (!this.enabled) return false
    const text = formatNotify(fields)
    return new Promise(resolve => {
      execFile(
        this.command,
        text.split('\n'),
        { env: { ...this.env, NOTIFY_SOCKET: this.socket }, timeout: this.timeoutMs, windowsHide: true },
        (err, _stdout, stderr) => {
          if (err === null) {
            this.log?.debug({ message: text }, 'sd_notify sent')
            resolve(true)
            return
          }
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            this.broken = true
            this.log?.warn({ command: this.command }, 'NOTIFY_SOCKET is set but systemd-notify is not installed; readiness and watchdog notifications are off')
          } else {
            this.log?.warn({ err: err.message, stderr: String(stderr).trim(), message: text }, 'sd_notify failed')
          }
          resolve(false)
        }
      )
    })
  }

  /** Pings WATCHDOG=1 every WATCHDOG_USEC/2 while the event loop runs; returns the interval, or undefined when systemd asked for none. */
  startWatchdog(): number | undefined {
    const interval = watchdogIntervalMs(this.env)
    if (interval === undefined || !this.enabled) return undefined
    this.stopWatchdog()
    this.watchdog = setInterval(() => {
      void this.notify({ WATCHDOG: 1 })
    }, interval)
    this.watchdog.unref()
    return interval
  }

  stopWatchdog(): void {
    clearInterval(this.watchdog)
    this.watchdog = undefined
  }
}
