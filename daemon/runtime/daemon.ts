/**
 * The daemon process (`meshkeep daemon`): loads the configuration, opens the
 * data dir, starts the MeshNode, the control socket and the optional metrics
 * endpoint, tells systemd it is ready, and stops gracefully on SIGTERM/SIGINT.
 */
import type { Server } from 'node:http'
import { Registry } from 'prom-client'
import { loadConfig, type MeshkeepConfig } from '../../config/index.js'
import { MeshkeepError } from '../../core/index.js'
import type { OwnerInit } from '../../owner/index.js'
import { ControlServer, socketAnswers } from '../control/index.js'
import { openDataDir } from '../datadir/index.js'
import { MeshNode } from '../node/mesh-node.js'
import { ROTATION_STEPS, Rotation, type RotationStep } from '../rotation/index.js'
import { createLogger, type Logger } from './logger.js'
import { createMethods } from './methods.js'
import { DaemonMetrics, type MetricsSnapshot, startMetricsServer } from './metrics.js'
import { diffConfig } from './reload.js'
import { SdNotifier } from './sd-notify.js'
import { DaemonStats } from './stats.js'

export interface DaemonOptions {
  /** the `meshkeep daemon` flags, keyed by flag name (config flags only) */
  flags: Record<string, string | string[] | boolean>
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** meshkeep release, for logs and status */
  software: string
}

/** How long a graceful stop may take before the daemon exits anyway (systemd's TimeoutStopSec is 30 s). */
export const STOP_DEADLINE_MS = 25_000
/** How long requests in flight get to answer ABORTED during a stop. */
const ABORT_GRACE_MS = 10_000

type StopReason = 'SIGTERM' | 'SIGINT' | 'shutdown request'

/**
 * Runs the daemon until it is asked to stop; resolves with the exit code
 * (0 after a graceful stop). Startup failures reject with a MeshkeepError
 * after undoing whatever had started.
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const env = options.env ?? process.env
  // Signals are caught from the first moment: a SIGTERM during start must
  // still stop LevelDB and libp2p cleanly rather than kill the process.
  let requestStop: (reason: StopReason) => void = () => {}
  const stopRequested = new Promise<StopReason>(resolve => {
    requestStop = resolve
  })
  let stopping = false
  let logger: Logger | undefined
  const onStopSignal = (signal: 'SIGTERM' | 'SIGINT') => {
    if (stopping) {
      logger?.warn({ signal }, 'second signal: exiting now without a graceful stop')
      process.exit(1)
    }
    stopping = true
    requestStop(signal)
  }
  const onTerm = () => onStopSignal('SIGTERM')
  const onInt = () => onStopSignal('SIGINT')
  process.on('SIGTERM', onTerm)
  process.on('SIGINT', onInt)
  // a SIGHUP before the reload handler exists must not kill the daemon (its default action)
  const ignoreHup = () => logger?.warn({}, 'SIGHUP during start ignored')
  process.on('SIGHUP', ignoreHup)

  let config: MeshkeepConfig = await loadConfig({ flags: options.flags, env })
  const log = createLogger(config.logLevel)
  logger = log
  const onRejection = (reason: unknown) => log.error({ err: reason }, 'unhandled promise rejection')
  process.on('unhandledRejection', onRejection)

  const passphrase = env.MESHKEEP_PASSPHRASE
  // children (systemd-notify) need not see it
  delete env.MESHKEEP_PASSPHRASE
  const { rootSecret, encrypted, keyFile } = await openDataDir(config.dataDir, passphrase === undefined || passphrase === '' ? {} : { passphrase })
  if (!encrypted && passphrase !== undefined && passphrase !== '')
    log.warn({ keyFile }, 'MESHKEEP_PASSPHRASE is set but the key file is not sealed; the passphrase is ignored')

  // Fail before touching LevelDB when another daemon already serves this socket.
  if (await socketAnswers(config.socket)) {
    throw new MeshkeepError('BUSY', `another meshkeep daemon answers on ${config.socket}; stop it first or give this one another --socket`)
  }

  // a rotation interrupted between its confirmation and the switch is switched now, so the node starts as the new identity
  const rotation = await Rotation.open({
    dataDir: config.dataDir,
    rootSecret,
    ...(encrypted && passphrase !== undefined ? { passphrase } : {}),
    log: (msg, fields) => log.info(fields ?? {}, msg),
    ...rotationHold(env.MESHKEEP_TEST_ROTATION_HOLD)
  })

  const stats = new DaemonStats()
  const notifier = new SdNotifier({ env, log })
  // one registry for libp2p's families and ours, made before libp2p so it can register into it
  const metricsRegistry = config.metrics.enabled ? new Registry() : undefined
  const node = new MeshNode({
    dataDir: config.dataDir,
    rootSecret: rotation.runAs.rootSecret,
    ownerStore: rotation.runAs.ownerStore,
    // the config is frozen; the node keeps lists of its own
    listen: [...config.listen],
    bootstrap: [...config.bootstrap],
    holder: { ...config.holder },
    owner: ownerInit(config),
    registry: { refreshIntervalMs: config.registry.refreshIntervalMs },
    limits: { ...config.limits },
    log: (msg, fields) => log.info(fields ?? {}, msg),
    ...(metricsRegistry === undefined ? {} : { metrics: { registry: metricsRegistry, statfsLocation: config.dataDir } })
  })
  let control: ControlServer | undefined
  let metrics: Server | undefined
  let daemonMetrics: DaemonMetrics | undefined
  let nodeStarted = false

  const shutdown = async (reason: StopReason): Promise<void> => {
    log.info({ reason }, 'stopping')
    notifier.stopWatchdog()
    const stoppingSent = notifier.notify({ STOPPING: 1, STATUS: `stopping (${reason})` })
    const deadline = setTimeout(() => {
      log.error({ ms: STOP_DEADLINE_MS }, 'graceful stop took too long; exiting now')
      process.exit(1)
    }, STOP_DEADLINE_MS)
    deadline.unref()
    await control?.close(new MeshkeepError('ABORTED', `the daemon is stopping (${reason})`), ABORT_GRACE_MS)
    const metricsClosed = new Promise<void>(resolve => (metrics === undefined ? resolve() : metrics.close(() => resolve())))
    // idle keep-alive connections of a scraper would hold close() for seconds
    metrics?.closeAllConnections()
    await metricsClosed
    await rotation.stop()
    if (nodeStarted) await node.stop()
    await stoppingSent
    clearTimeout(deadline)
    log.info({}, 'stopped')
  }

  try {
    await node.start()
    nodeStarted = true
    rotation.start({
      node,
      switchNode: async (secret, ownerStore) => {
        // libp2p's families belong to the node being replaced; the new node registers its own
        // (into a registry that must not have them yet), then ours go back in
        metricsRegistry?.clear()
        try {
          await node.switchIdentity(secret, ownerStore)
        } finally {
          daemonMetrics?.restoreFamilies()
        }
        log.info({ peerId: node.peerId, addrs: node.addrs() }, 'now serving as the new identity of the rotation')
        notifier.notify({ STATUS: `serving as ${node.peerId}` }).catch(() => {})
      },
      bootstrap: () => [...config.bootstrap],
      owner: ownerInit(config)
    })
    control = new ControlServer({
      path: config.socket,
      methods: createMethods({
        node,
        stats,
        dataDir: config.dataDir,
        socket: config.socket,
        software: options.software,
        rotation,
        requestShutdown: () => {
          if (!stopping) {
            stopping = true
            requestStop('shutdown request')
          }
        }
      }),
      maxRequestBytes: config.control.maxRequestBytes,
      maxClients: config.control.maxClients,
      log
    })
    await control.listen()
    let metricsUrl: string | undefined
    if (metricsRegistry !== undefined) {
      daemonMetrics = new DaemonMetrics(() => snapshot(node, stats, control?.clients ?? 0), metricsRegistry)
      const started = await startMetricsServer(config.metrics.listen, daemonMetrics)
      metrics = started.server
      metricsUrl = started.url
    }
    log.info(
      { peerId: node.peerId, addrs: node.addrs(), dataDir: config.dataDir, socket: config.socket, metrics: metricsUrl, software: options.software },
      'meshkeep daemon started'
    )
  } catch (caught) {
    const err = explainStartError(caught)
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'start failed')
    await control?.close().catch(() => {})
    metrics?.close()
    await rotation.stop().catch(() => {})
    if (nodeStarted) await node.stop().catch(() => {})
    process.off('unhandledRejection', onRejection)
    throw err
  }

  process.off('SIGHUP', ignoreHup)
  const onHup = () => {
    reload().catch(err => log.error({ err: (err as Error).message }, 'config reload failed'))
  }
  const reload = async () => {
    let next: MeshkeepConfig
    try {
      next = await loadConfig({ flags: options.flags, env })
    } catch (err) {
      log.error({ err: (err as Error).message }, 'config reload failed; the running configuration stays')
      return
    }
    const diff = diffConfig(config, next)
    if (diff.live.includes('logLevel')) log.level = next.logLevel
    let dialed: number | undefined
    if (diff.live.includes('bootstrap') || diff.newBootstrap.length > 0) dialed = await node.setBootstrap([...next.bootstrap])
    config = { ...config, logLevel: next.logLevel, bootstrap: next.bootstrap }
    const fields = { applied: diff.live, needsRestart: diff.restart, newBootstrap: diff.newBootstrap, dialed }
    if (diff.restart.length > 0) log.warn(fields, `configuration reloaded; these changes need a restart: ${diff.restart.join(', ')}`)
    else log.info(fields, 'configuration reloaded')
  }
  process.on('SIGHUP', onHup)

  await notifier.notify({ READY: 1, STATUS: `serving as ${node.peerId}` })
  if (config.watchdog) {
    const interval = notifier.startWatchdog()
    if (interval !== undefined) log.info({ intervalMs: interval }, 'systemd watchdog pings on')
  }

  const reason = await stopRequested
  await shutdown(reason)
  process.off('SIGHUP', onHup)
  process.off('SIGTERM', onTerm)
  process.off('SIGINT', onInt)
  process.off('unhandledRejection', onRejection)
  log.flush()
  return 0
}

/**
 * libp2p reports a listen address in use as a long generic error with stack
 * traces inside its message; say which address failed and which key to change.
 */
function explainStartError(err: unknown): unknown {
  if (err instanceof MeshkeepError || !(err instanceof Error)) return err
  const failed = [...err.message.matchAll(/^\s*(\/\S+): Error: ([^\n]+)$/gm)].map(m => `${m[1]} (${m[2]})`)
  if (failed.length === 0) return err
  return new MeshkeepError('UNAVAILABLE', `cannot listen on ${failed.join(', ')}; change listen (--listen)`, { cause: err })
}

/**
 * The rotation test hook: MESHKEEP_TEST_ROTATION_HOLD=<step> makes the
 * rotation stop before carrying out that step, so an end-to-end test can
 * kill the daemon at an exact point (test/e2e/rotate.test.ts).
 */
function rotationHold(value: string | undefined): { holdAt?: RotationStep } {
  if (value === undefined || value === '') return {}
  if (!(ROTATION_STEPS as readonly string[]).includes(value)) {
    throw new MeshkeepError('INVALID_CONFIG', `MESHKEEP_TEST_ROTATION_HOLD must be one of ${ROTATION_STEPS.join(', ')}, got ${JSON.stringify(value)}`)
  }
  return { holdAt: value as RotationStep }
}

/** The owner settings of the config, as the owner service takes them. */
function ownerInit(config: MeshkeepConfig): OwnerInit {
  const o = config.owner
  return {
    leaseMs: o.leaseMs,
    concurrency: o.concurrency,
    requestTimeoutMs: o.requestTimeoutMs,
    gracePeriodMs: o.gracePeriodMs,
    retainVersions: o.retainVersions,
    auditIntervalMs: o.auditIntervalMs,
    repairAfterMs: o.repairAfterMs
  }
}

function snapshot(node: MeshNode, stats: DaemonStats, controlClients: number): MetricsSnapshot {
  node.owner.refreshWriteState()
  const s = node.owner.summary()
  const view = node.registry.view()
  return {
    peers: node.libp2p.getPeers().length,
    registryMembers: view.members.length,
    registryEpoch: view.epoch,
    writeState: node.owner.writeState.state,
    chunks: { replicated: s.replicated, partial: s.partial, atRisk: s.atRisk, initializing: s.initializing },
    stateVersion: node.owner.latestManifest?.version ?? 0,
    heldBytes: node.holder.holdings().bytes,
    distributedBytesTotal: stats.distributedBytes,
    recoveredBytesTotal: stats.recoveredBytes,
    auditFailuresTotal: node.owner.auditFailures,
    controlClients
  }
}
