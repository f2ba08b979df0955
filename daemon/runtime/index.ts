/**
 * @packageDocumentation
 * The daemon process: lifecycle and signals, the control methods, pino
 * logging, sd_notify and the Prometheus endpoint.
 */
export { type DaemonOptions, runDaemon, STOP_DEADLINE_MS } from './daemon.js'
export { createLogger, type Logger } from './logger.js'
export { createMethods, type MethodDeps } from './methods.js'
export { DaemonMetrics, type MetricsSnapshot, type MetricsSource, parseListen, startMetricsServer } from './metrics.js'
export { type ConfigDiff, diffConfig, LIVE_KEYS } from './reload.js'
export { formatNotify, type NotifyFields, SdNotifier, type SdNotifierInit, watchdogIntervalMs } from './sd-notify.js'
export { DaemonStats } from './stats.js'
