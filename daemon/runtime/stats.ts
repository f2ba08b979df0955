/** Counters the daemon keeps since it started (metrics and status). */
export class DaemonStats {
  readonly startedAt = Date.now()
  /** chunk bytes sent to holders by puts */
  distributedBytes = 0
  /** state bytes rebuilt from the network by recover */
  recoveredBytes = 0
  /** state bytes read back by get */
  readBytes = 0
  puts = 0
  recoveries = 0
}
