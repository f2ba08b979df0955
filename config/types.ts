/** The shape of the configuration; the values live in defaults.ts, the rules in schema.ts. */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** The loaded configuration: validated, defaults applied, deep-frozen. */
export interface MeshkeepConfig {
  /** key file, database and (by default) the control socket */
  readonly dataDir: string
  /** control socket of the CLI @default <dataDir>/control.sock */
  readonly socket: string
  /** multiaddrs to listen on */
  readonly listen: readonly string[]
  /** multiaddrs ending in /p2p/<peer id> */
  readonly bootstrap: readonly string[]
  readonly logLevel: LogLevel
  /** send WATCHDOG=1 when systemd asks for it (WATCHDOG_USEC) */
  readonly watchdog: boolean
  /** Prometheus endpoint; `allowRemote` must be set to bind a non-loopback host */
  readonly metrics: { readonly enabled: boolean; readonly listen: string; readonly allowRemote: boolean }
  readonly holder: {
    readonly capacityBytes: number
    readonly ownerQuotaBytes: number
    readonly maxLeaseMs: number
    readonly requestsPerSecond: number
    readonly bytesPerSecond: number
  }
  readonly owner: {
    readonly retainVersions: number
    readonly leaseMs: number
    readonly concurrency: number
    readonly requestTimeoutMs: number
    readonly gracePeriodMs: number
    readonly auditIntervalMs: number
    readonly repairAfterMs: number
  }
  readonly registry: { readonly refreshIntervalMs: number }
  /** caps on the mesh traffic of meshkeep's protocols, bytes per second (0: none) */
  readonly limits: { readonly uploadBytesPerSecond: number; readonly downloadBytesPerSecond: number }
  readonly control: { readonly maxRequestBytes: number; readonly maxClients: number }
}

/** The defaults that do not depend on the environment: everything but dataDir and socket. */
export type ConfigDefaults = Omit<MeshkeepConfig, 'dataDir' | 'socket'>
