import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  CONFIG_DEFAULTS,
  type ConfigSources,
  configKeys,
  defaultConfig,
  formatBytes,
  formatDuration,
  loadConfig,
  MAX_CONFIG_FILE_BYTES,
  parseByteSize,
  parseDuration,
  renderExampleToml,
  renderKeyTable
} from '../../config/index.js'
import { keyTableIn } from '../../config/reference.js'
import { generateRootSecret, identityFromSeed } from '../../core/index.js'
import {
  DEFAULT_CAPACITY_BYTES,
  DEFAULT_MAX_LEASE_MS,
  DEFAULT_OWNER_QUOTA_BYTES,
  DEFAULT_PEER_BYTES_PER_SECOND,
  DEFAULT_PEER_REQUESTS_PER_SECOND
} from '../../holder/index.js'
import { resolveOwnerInit } from '../../owner/owner-init.js'

const HOME = '/home/alice'
const ENV = { HOME }
const PEER = identityFromSeed(generateRootSecret()).peerIdString
const BOOT = `/ip4/192.0.2.7/tcp/4710/p2p/${PEER}`

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshkeep-config-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text)
  return path
}

/** Asserts INVALID_CONFIG whose message contains every fragment. */
async function rejects(sources: ConfigSources, ...fragments: string[]): Promise<string> {
  let message = ''
  await assert.rejects(loadConfig(sources), (err: unknown) => {
    assert.equal((err as { code?: string }).code, 'INVALID_CONFIG', String(err))
    message = (err as Error).message
    for (const f of fragments) assert.ok(message.includes(f), `expected "${f}" in: ${message}`)
    return true
  })
  return message
}

/** A file of the repository, found from wherever the compiled test runs. */
function repoPath(relative: string): string {
  let d = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(d, relative)
    if (existsSync(candidate)) return candidate
    const up = dirname(d)
    if (up === d) throw new Error(`${relative} not found above the test`)
    d = up
  }
}

const examplePath = (): string => repoPath('config/meshkeep.example.toml')

describe('config defaults', () => {
  it('match the services and live under ~/.local/share/meshkeep', async () => {
    const c = await loadConfig({ env: ENV })
    assert.deepEqual(c, defaultConfig(ENV))
    assert.equal(c.dataDir, '/home/alice/.local/share/meshkeep')
    assert.equal(c.socket, '/home/alice/.local/share/meshkeep/control.sock')
    assert.deepEqual(c.listen, ['/ip4/0.0.0.0/tcp/4710'])
    assert.deepEqual(c.bootstrap, [])
    assert.equal(c.logLevel, 'info')
    assert.deepEqual(c.metrics, { enabled: false, listen: '127.0.0.1:9464', allowRemote: false })
    assert.deepEqual(c.holder, {
      capacityBytes: 10 * 1024 ** 3,
      ownerQuotaBytes: 2 * 1024 ** 3,
      maxLeaseMs: 30 * 86_400_000,
      requestsPerSecond: 200,
      bytesPerSecond: 256 * 1024 ** 2
    })
    assert.deepEqual(c.owner, {
      retainVersions: 3,
      leaseMs: 7 * 86_400_000,
      concurrency: 8,
      requestTimeoutMs: 30_000,
      gracePeriodMs: 60_000,
      auditIntervalMs: 600_000,
      repairAfterMs: 1_800_000
    })
    assert.deepEqual(c.registry, { refreshIntervalMs: 60_000 })
    assert.deepEqual(c.control, { maxRequestBytes: 1024 ** 2, maxClients: 64 })
    assert.equal(c.watchdog, true)
  })

  it('take the data dir from systemd, then XDG, then HOME', async () => {
    assert.equal((await loadConfig({ env: { ...ENV, XDG_DATA_HOME: '/xdg' } })).dataDir, '/xdg/meshkeep')
    assert.equal((await loadConfig({ env: { ...ENV, XDG_DATA_HOME: 'relative' } })).dataDir, '/home/alice/.local/share/meshkeep', 'relative XDG is ignored')
    const systemd = await loadConfig({ env: { ...ENV, XDG_DATA_HOME: '/xdg', STATE_DIRECTORY: '/var/lib/meshkeep:/var/lib/other' } })
    assert.equal(systemd.dataDir, '/var/lib/meshkeep')
    assert.equal(systemd.socket, '/var/lib/meshkeep/control.sock')
  })

  it('are frozen all the way down, loaded or not', async () => {
    for (const c of [await loadConfig({ env: ENV, flags: { listen: ['/ip4/127.0.0.1/tcp/1'] } }), defaultConfig(ENV)]) {
      assert.ok(Object.isFrozen(c) && Object.isFrozen(c.holder) && Object.isFrozen(c.metrics) && Object.isFrozen(c.listen))
      assert.throws(() => (c.listen as string[]).push('/ip4/127.0.0.1/tcp/2'), TypeError)
      assert.throws(() => {
        ;(c.holder as { capacityBytes: number }).capacityBytes = 1
      }, TypeError)
    }
    assert.ok(Object.isFrozen(CONFIG_DEFAULTS.holder) && Object.isFrozen(CONFIG_DEFAULTS.listen))
    assert.deepEqual((await loadConfig({ env: ENV })).listen, ['/ip4/0.0.0.0/tcp/4710'])
  })
})

describe('config precedence', () => {
  it('defaults < file < environment < flags', async () => {
    const path = await file(
      'prec/meshkeep.toml',
      [
        'logLevel = "warn"',
        'listen = ["/ip4/127.0.0.1/tcp/1"]',
        '[holder]',
        'capacityBytes = "1GiB"',
        'requestsPerSecond = 50',
        '[owner]',
        'concurrency = 4'
      ].join('\n')
    )
    const fileOnly = await loadConfig({ env: ENV, file: path })
    assert.equal(fileOnly.logLevel, 'warn')
    assert.deepEqual(fileOnly.listen, ['/ip4/127.0.0.1/tcp/1'])
    assert.equal(fileOnly.holder.capacityBytes, 1024 ** 3)
    assert.equal(fileOnly.holder.ownerQuotaBytes, 2 * 1024 ** 3, 'keys the file omits keep their defaults')

    const env = { ...ENV, MESHKEEP_LOG_LEVEL: 'debug', MESHKEEP_LISTEN: '/ip4/127.0.0.1/tcp/2, /ip4/127.0.0.1/tcp/3', MESHKEEP_HOLDER_CAPACITY_BYTES: '512MiB' }
    const withEnv = await loadConfig({ env, file: path })
    assert.equal(withEnv.logLevel, 'debug')
    assert.deepEqual(withEnv.listen, ['/ip4/127.0.0.1/tcp/2', '/ip4/127.0.0.1/tcp/3'], 'a higher source replaces a list')
    assert.equal(withEnv.holder.capacityBytes, 512 * 1024 ** 2)
    assert.equal(withEnv.holder.requestsPerSecond, 50)

    const withFlags = await loadConfig({
      env,
      file: path,
      flags: { 'log-level': 'trace', listen: ['/ip4/127.0.0.1/tcp/4', '/ip4/127.0.0.1/tcp/5'], help: true }
    })
    assert.equal(withFlags.logLevel, 'trace')
    assert.deepEqual(withFlags.listen, ['/ip4/127.0.0.1/tcp/4', '/ip4/127.0.0.1/tcp/5'])
    assert.equal(withFlags.holder.capacityBytes, 512 * 1024 ** 2)
    assert.equal(withFlags.owner.concurrency, 4)
  })

  it('finds the file from --config or MESHKEEP_CONFIG, sources.file first', async () => {
    const a = await file('which/a.toml', 'logLevel = "error"')
    const b = await file('which/b.json', '{ "logLevel": "fatal" }')
    assert.equal((await loadConfig({ env: { ...ENV, MESHKEEP_CONFIG: a } })).logLevel, 'error')
    assert.equal((await loadConfig({ env: { ...ENV, MESHKEEP_CONFIG: a }, flags: { config: b } })).logLevel, 'fatal')
    assert.equal((await loadConfig({ env: ENV, flags: { config: b }, file: a })).logLevel, 'error')
  })

  it('derives the socket from the final data dir unless the socket is set', async () => {
    const path = await file('sock/meshkeep.toml', 'dataDir = "state"')
    const c = await loadConfig({ env: ENV, file: path })
    assert.equal(c.dataDir, join(dir, 'sock', 'state'), 'relative to the config file')
    assert.equal(c.socket, join(dir, 'sock', 'state', 'control.sock'))
    const flagged = await loadConfig({ env: { ...ENV, MESHKEEP_SOCKET: '/run/meshkeep/control.sock' }, file: path, flags: { 'data-dir': '~/mk' } })
    assert.equal(flagged.dataDir, '/home/alice/mk', '~ expands to HOME')
    assert.equal(flagged.socket, '/run/meshkeep/control.sock')
  })

  it('reads JSON, booleans and env spellings; empty variables mean unset (or an empty list)', async () => {
    const path = await file('json/c.json', JSON.stringify({ metrics: { enabled: true }, bootstrap: [BOOT], owner: { auditIntervalMs: 5000 } }))
    const c = await loadConfig({ env: { ...ENV, MESHKEEP_LOG_LEVEL: '', MESHKEEP_METRICS_ALLOW_REMOTE: 'yes', MESHKEEP_WATCHDOG: 'off' }, file: path })
    assert.equal(c.metrics.enabled, true)
    assert.equal(c.metrics.allowRemote, true)
    assert.equal(c.watchdog, false)
    assert.equal(c.logLevel, 'info')
    assert.deepEqual(c.bootstrap, [BOOT])
    assert.equal(c.owner.auditIntervalMs, 5000)
    const cleared = await loadConfig({ env: { ...ENV, MESHKEEP_BOOTSTRAP: '' }, file: path })
    assert.deepEqual(cleared.bootstrap, [])
    assert.equal((await loadConfig({ env: ENV, file: path, flags: { metrics: false } })).metrics.enabled, false)
  })
})

describe('config errors name the key, the source and what is expected', () => {
  it('unknown keys, with the nearest known one', async () => {
    const a = await file('unknown/a.toml', '[holder]\ncapacity = 5')
    await rejects({ env: ENV, file: a }, 'unknown key holder.capacity', a, 'did you mean holder.capacityBytes?')
    const b = await file('unknown/b.toml', 'data_dir = "/x"')
    await rejects({ env: ENV, file: b }, 'unknown key data_dir', 'did you mean dataDir?')
    const c = await file('unknown/c.toml', '[holders]\ncapacityBytes = 5')
    await rejects({ env: ENV, file: c }, 'unknown key holders', 'did you mean holder?')
    const d = await file('unknown/d.json', '{ "holder.capacityBytes": 5 }')
    await rejects({ env: ENV, file: d }, 'unknown key holder.capacityBytes')
    const e = await file('unknown/e.toml', 'zzzzqqqq = 1')
    const msg = await rejects({ env: ENV, file: e }, 'unknown key zzzzqqqq')
    assert.ok(!msg.includes('did you mean'), 'no suggestion when nothing is close')
    await rejects({ env: { ...ENV, MESHKEEP_DATADIR: '/x' } }, 'unknown environment variable MESHKEEP_DATADIR', 'did you mean MESHKEEP_DATA_DIR?')
    // variables the CLI reads itself are not config keys but are legal
    await loadConfig({ env: { ...ENV, MESHKEEP_PASSPHRASE: 'x' } })
  })

  it('wrong types', async () => {
    const a = await file('types/a.toml', '[owner]\nconcurrency = "eight"')
    await rejects({ env: ENV, file: a }, 'owner.concurrency', `in ${a}`, 'expected an integer', '"eight"')
    const b = await file('types/b.toml', 'holder = 5')
    await rejects({ env: ENV, file: b }, 'holder', 'expected a table')
    const c = await file('types/c.toml', 'listen = "/ip4/0.0.0.0/tcp/1"')
    await rejects({ env: ENV, file: c }, 'listen', 'expected an array of multiaddr strings')
    const d = await file('types/d.toml', '[metrics]\nenabled = "true"')
    await rejects({ env: ENV, file: d }, 'metrics.enabled', 'expected true or false')
    const e = await file('types/e.toml', '[owner]\nleaseMs = 1.5')
    await rejects({ env: ENV, file: e }, 'owner.leaseMs', 'expected a duration')
    await rejects(
      { env: { ...ENV, MESHKEEP_METRICS_ENABLED: 'maybe' } },
      'metrics.enabled',
      'from environment variable MESHKEEP_METRICS_ENABLED',
      'expected true or false'
    )
    await rejects({ env: ENV, flags: { listen: true } }, 'listen', 'from flag --listen', 'expected a value after --listen')
    await rejects({ env: ENV, flags: { 'log-level': ['info', 'debug'] } }, 'logLevel', 'expected --log-level once, got it 2 times')
    await rejects(
      { env: ENV, flags: { 'log-level': 'loud' } },
      'logLevel (from flag --log-level)',
      'expected one of fatal, error, warn, info, debug, trace',
      '"loud"'
    )
  })

  it('out-of-range values, in the key units', async () => {
    await rejects(
      { env: { ...ENV, MESHKEEP_HOLDER_OWNER_QUOTA_BYTES: '1KiB' } },
      'holder.ownerQuotaBytes (from environment variable MESHKEEP_HOLDER_OWNER_QUOTA_BYTES)',
      'expected at least 64KiB, got 1KiB'
    )
    await rejects({ env: { ...ENV, MESHKEEP_OWNER_AUDIT_INTERVAL_MS: '10ms' } }, 'owner.auditIntervalMs', 'expected a value from 1s to 30d, got 10ms')
    const a = await file('range/a.toml', '[control]\nmaxClients = 0')
    await rejects({ env: ENV, file: a }, 'control.maxClients', a, 'expected a value from 1 to 4096, got 0')
  })

  it('bad multiaddrs, and bootstrap entries without /p2p/<id>', async () => {
    await rejects(
      { env: { ...ENV, MESHKEEP_LISTEN: '/ip4/1.2.3/tcp/1' } },
      'listen (from environment variable MESHKEEP_LISTEN)',
      'entry 1',
      'expected a multiaddr'
    )
    await rejects(
      { env: ENV, flags: { bootstrap: [BOOT, '/ip4/192.0.2.8/tcp/4710'] } },
      'bootstrap (from flag --bootstrap)',
      'entry 2',
      'ending in /p2p/<peer id>'
    )
    await rejects({ env: ENV, flags: { bootstrap: '/ip4/192.0.2.8/tcp/4710/p2p/notapeer' } }, 'bootstrap', 'expected an Ed25519 peer id', '"notapeer"')
    const a = await file('ma/a.toml', 'bootstrap = ["not a multiaddr"]')
    await rejects({ env: ENV, file: a }, 'bootstrap', a, 'expected a multiaddr')
  })

  it('a remote metrics endpoint needs metrics.allowRemote', async () => {
    await rejects(
      { env: { ...ENV, MESHKEEP_METRICS_LISTEN: '0.0.0.0:9464' } },
      'metrics.listen (from environment variable',
      'not a loopback',
      'metrics.allowRemote = true'
    )
    const c = await loadConfig({ env: { ...ENV, MESHKEEP_METRICS_LISTEN: '0.0.0.0:9464', MESHKEEP_METRICS_ALLOW_REMOTE: 'true' } })
    assert.equal(c.metrics.listen, '0.0.0.0:9464')
    assert.equal((await loadConfig({ env: { ...ENV, MESHKEEP_METRICS_LISTEN: '[::1]:9000' } })).metrics.listen, '[::1]:9000')
    await rejects({ env: { ...ENV, MESHKEEP_METRICS_LISTEN: '127.0.0.1' } }, 'metrics.listen', 'expected host:port')
    await rejects({ env: { ...ENV, MESHKEEP_METRICS_LISTEN: '127.0.0.1:70000' } }, 'metrics.listen', 'expected host:port')
  })

  it('a socket path too long for sockaddr_un', async () => {
    await rejects(
      { env: { ...ENV, MESHKEEP_DATA_DIR: `/${'d'.repeat(100)}` } },
      'socket (<dataDir>/control.sock, dataDir from environment variable MESHKEEP_DATA_DIR)',
      'at most 103 bytes'
    )
  })

  it('files: missing, wrong extension, oversized, not TOML, not UTF-8, unsafe keys', async () => {
    await rejects({ env: ENV, file: join(dir, 'nope.toml') }, 'does not exist')
    await rejects({ env: ENV, file: await file('f/c.yaml', 'a: 1') }, 'expected a .toml or .json file')
    const big = await file('f/big.toml', `# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`)
    await rejects({ env: ENV, file: big }, big, `expected at most ${MAX_CONFIG_FILE_BYTES}`)
    const bad = await file('f/bad.toml', 'logLevel = "info"\nlisten = = 1\n')
    await rejects({ env: ENV, file: bad }, 'is not valid TOML (line 2')
    await rejects({ env: ENV, file: await file('f/bad.json', '{ "logLevel": ') }, 'is not valid JSON')
    const latin1 = join(dir, 'f', 'latin1.toml')
    await writeFile(latin1, Buffer.from([0x23, 0x20, 0xe9, 0x0a]))
    await rejects({ env: ENV, file: latin1 }, 'not valid UTF-8')
    await rejects({ env: ENV, file: await file('f/proto.toml', '__proto__ = 1') }, 'is not valid TOML')
    await rejects({ env: ENV, file: await file('f/proto.json', '{ "__proto__": { "logLevel": "debug" } }') }, 'unknown key __proto__')
    await rejects({ env: ENV, file: await file('f/array.json', '[1]') }, 'expected a table of settings')
  })
})

describe('sizes and durations', () => {
  it('parse integers and unit strings', () => {
    const sizes: Array<[string, number]> = [
      ['0', 0],
      ['1048576', 1048576],
      ['512MiB', 512 * 1024 ** 2],
      ['10GiB', 10 * 1024 ** 3],
      ['10 gib', 10 * 1024 ** 3],
      ['1.5GB', 1.5e9],
      ['64KiB', 65536],
      ['2KB', 2000],
      ['1TiB', 1024 ** 4],
      ['7B', 7]
    ]
    for (const [text, bytes] of sizes) assert.equal(parseByteSize(text), bytes, text)
    for (const bad of ['', 'ten', '-1', '1.5', '0.3KiB', '10GiBs', '1e9', '99999999TiB']) {
      assert.throws(() => parseByteSize(bad), { code: 'INVALID_CONFIG' }, bad)
    }
    const durations: Array<[string, number]> = [
      ['30000', 30000],
      ['500ms', 500],
      ['30s', 30000],
      ['10m', 600000],
      ['1h', 3600000],
      ['1h30m', 5400000],
      ['7d', 604800000],
      ['1.5s', 1500]
    ]
    for (const [text, ms] of durations) assert.equal(parseDuration(text), ms, text)
    for (const bad of ['', '10 minutes', '-5s', '1.5', '0.5ms', 's', '10y']) {
      assert.throws(() => parseDuration(bad), { code: 'INVALID_CONFIG' }, bad)
    }
  })

  it('format back to the shortest exact form', () => {
    assert.equal(formatBytes(10 * 1024 ** 3), '10GiB')
    assert.equal(formatBytes(1500), '1500B')
    assert.equal(formatDuration(600_000), '10m')
    assert.equal(formatDuration(1500), '1500ms')
    for (const n of [0, 1, 1023, 65536, 3 * 1024 ** 3, 5 * 1024 ** 4 + 1]) assert.equal(parseByteSize(formatBytes(n)), n)
    for (const n of [0, 999, 1000, 90_000, 86_400_000 * 3]) assert.equal(parseDuration(formatDuration(n)), n)
  })

  it('apply in files and the environment', async () => {
    const path = await file('units/u.toml', '[holder]\ncapacityBytes = 1073741824\nmaxLeaseMs = "2h"\n[owner]\nrequestTimeoutMs = 1500')
    const c = await loadConfig({ env: { ...ENV, MESHKEEP_HOLDER_BYTES_PER_SECOND: '1MiB', MESHKEEP_OWNER_GRACE_PERIOD_MS: '90s' }, file: path })
    assert.equal(c.holder.capacityBytes, 1024 ** 3)
    assert.equal(c.holder.maxLeaseMs, 7_200_000)
    assert.equal(c.owner.requestTimeoutMs, 1500)
    assert.equal(c.holder.bytesPerSecond, 1024 ** 2)
    assert.equal(c.owner.gracePeriodMs, 90_000)
  })
})

describe('config errors, all at once', () => {
  it('one error lists every problem of every source, each with its key and source', async () => {
    const path = await file('many/m.toml', '[holder]\ncapacityBytes = "lots"\ncapacity = 1\n[owner]\nconcurrency = 0')
    const message = await rejects(
      { env: { ...ENV, MESHKEEP_WATCHDOG: 'maybe', MESHKEEP_QQQQZZZZ: '1' }, file: path, flags: { 'log-level': 'loud' } },
      '6 problems:',
      `holder.capacityBytes (in ${path}): expected a byte size`,
      `unknown key holder.capacity (in ${path}); did you mean holder.capacityBytes?`,
      `owner.concurrency (in ${path}): expected a value from 1 to 256, got 0`,
      'watchdog (from environment variable MESHKEEP_WATCHDOG): expected true or false (or 1/0, yes/no, on/off), got "maybe"',
      'unknown environment variable MESHKEEP_QQQQZZZZ',
      'logLevel (from flag --log-level): expected one of'
    )
    assert.equal(message.split('\n').length, 7, 'a heading and one line per problem')
  })
})

describe('one home for each default', () => {
  it('the holder and owner services default to the config defaults', async () => {
    const c = await loadConfig({ env: ENV })
    assert.deepEqual(
      {
        capacityBytes: DEFAULT_CAPACITY_BYTES,
        ownerQuotaBytes: DEFAULT_OWNER_QUOTA_BYTES,
        maxLeaseMs: DEFAULT_MAX_LEASE_MS,
        requestsPerSecond: DEFAULT_PEER_REQUESTS_PER_SECOND,
        bytesPerSecond: DEFAULT_PEER_BYTES_PER_SECOND
      },
      { ...c.holder }
    )
    const owner = resolveOwnerInit({})
    for (const [key, value] of Object.entries(c.owner)) assert.equal(owner[key as keyof typeof owner], value, `owner.${key}`)
    assert.deepEqual(c.owner, CONFIG_DEFAULTS.owner, 'the loaded defaults are the table')
  })

  it('explicit options still win over the defaults', () => {
    assert.equal(resolveOwnerInit({ concurrency: 2, leaseMs: 120_000 }).concurrency, 2)
    assert.equal(resolveOwnerInit({ concurrency: 2, leaseMs: 120_000 }).leaseMs, 120_000)
  })
})

describe('documentation', () => {
  it('the example file is the rendering of the schema table (npm run config:docs)', async () => {
    assert.equal(await readFile(examplePath(), 'utf8'), renderExampleToml(), 'config/meshkeep.example.toml is stale: run npm run config:docs')
  })

  it("OPERATOR-GUIDE.md's key table is the rendering of the schema table (npm run config:docs)", async () => {
    const guide = await readFile(repoPath('docs/OPERATOR-GUIDE.md'), 'utf8')
    assert.equal(keyTableIn(guide), renderKeyTable(), "the guide's key table is stale: run npm run config:docs")
    for (const { key, env } of configKeys()) assert.ok(guide.includes(`| \`${key}\` |`) && guide.includes(`\`${env}\``), `${key} has a row`)
  })

  it('the example file holds every default', async () => {
    const example = examplePath()
    assert.deepEqual(await loadConfig({ env: ENV, file: example }), await loadConfig({ env: ENV }))
  })

  it('the example file mentions every key', async () => {
    const text = await readFile(examplePath(), 'utf8')
    let section = ''
    const seen = new Set<string>()
    for (const line of text.split('\n')) {
      const header = /^\[(\w+)\]$/.exec(line.trim())
      if (header !== null) section = `${header[1]}.`
      const assignment = /^#?\s*(\w+)\s*=/.exec(line.trim())
      if (assignment !== null) seen.add(`${section}${assignment[1]}`)
    }
    for (const { key } of configKeys()) assert.ok(seen.has(key), `${key} is missing from meshkeep.example.toml`)
  })

  it('configKeys: one row per key, unique variables, defaults as loaded', async () => {
    const keys = configKeys()
    const config = (await loadConfig({ env: ENV })) as unknown as Record<string, Record<string, unknown>>
    assert.equal(new Set(keys.map(k => k.env)).size, keys.length)
    for (const k of keys) {
      assert.ok(k.help.length > 0 && k.type.length > 0 && k.defaultText.length > 0, k.key)
      assert.match(k.env, /^MESHKEEP_[A-Z_]+$/)
      const [a, b] = k.key.split('.') as [string, string | undefined]
      const loaded = b === undefined ? config[a] : config[a]?.[b]
      if (k.default !== undefined) assert.deepEqual(loaded, k.default, k.key)
    }
    assert.equal(keys.find(k => k.key === 'holder.capacityBytes')?.env, 'MESHKEEP_HOLDER_CAPACITY_BYTES')
    assert.equal(keys.find(k => k.key === 'holder.capacityBytes')?.defaultText, '10GiB')
    assert.equal(keys.find(k => k.key === 'dataDir')?.flag, 'data-dir')
  })
})
