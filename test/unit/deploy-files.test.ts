/**
 * Static checks of the deployment files: docker-compose.yml (the 5-node
 * testbed), Dockerfile and .dockerignore, the systemd unit and sysusers entry,
 * the shell scripts, and the parts of the guides that quote the code.
 *
 * Docker is not needed (nothing is built or started). `systemd-analyze` and
 * `shellcheck` are used when installed and skipped otherwise.
 */
import assert from 'node:assert/strict'
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { CONFIG_SCHEMA, envName, loadConfig, RESERVED_ENV } from '../../config/index.js'
import { ERROR_CODES, type ErrorCode } from '../../core/errors/index.js'
import { identityFromSeed } from '../../core/identity/index.js'
import { deriveNodeKeys, phraseToSecret } from '../../core/keys/index.js'
import { WRITE_STATE_ADVICE, WRITE_STATES } from '../../core/write-state/index.js'

/** The repository root: the first parent of this file with package.json (works from dist/ and .build/*). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'docker-compose.yml'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new Error('repository root not found above the test file')
    dir = up
  }
}

/** MESHKEEP_DEPLOY_ROOT points the checks at another tree (e.g. a mutated copy, to see a check fail). */
const ROOT = process.env.MESHKEEP_DEPLOY_ROOT ?? findRoot()
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8')

const scratch = mkdtempSync(join(tmpdir(), 'meshkeep-deploy-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, input: opts.input, timeout: 60_000 })
}

/** True when `cmd` can be run (found on PATH). */
function has(cmd: string): boolean {
  return run('sh', ['-c', `command -v ${cmd}`]).status === 0
}

// ---------------------------------------------------------------- narrowing helpers (no `any`)

type Json = Record<string, unknown>

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function record(v: unknown, what: string): Json {
  assert.ok(isRecord(v), `${what} must be a mapping`)
  return v
}

function stringList(v: unknown, what: string): string[] {
  if (typeof v === 'string') return v.split(/\s+/).filter(s => s !== '')
  assert.ok(Array.isArray(v) && v.every(s => typeof s === 'string'), `${what} must be a list of strings`)
  return v
}

/** The value after each occurrence of `flag` in an argument list. */
function flagValues(args: string[], flag: string): string[] {
  const out: string[] = []
  args.forEach((a, i) => {
    if (a === flag) {
      const v = args[i + 1]
      assert.ok(v !== undefined && !v.startsWith('--'), `${flag} needs a value`)
      out.push(v)
    } else if (a.startsWith(`${flag}=`)) out.push(a.slice(flag.length + 1))
  })
  return out
}

/** Every MESHKEEP_* variable meshkeep accepts; it refuses any other (config/load.ts). */
const MESHKEEP_ENV = new Set([...Object.keys(CONFIG_SCHEMA).map(envName), ...RESERVED_ENV])

function assertKnownMeshkeepEnv(names: Iterable<string>, where: string): void {
  for (const name of names) {
    if (name.startsWith('MESHKEEP_'))
      assert.ok(MESHKEEP_ENV.has(name), `${where}: ${name} is not a meshkeep setting, and meshkeep refuses unknown MESHKEEP_* variables`)
  }
}

function peerIdOfPhrase(phrase: string): string {
  return identityFromSeed(deriveNodeKeys(phraseToSecret(phrase)).identitySeed).peerIdString
}

// ---------------------------------------------------------------- docker-compose.yml

describe('docker-compose.yml: the 5-node testbed', () => {
  const text = read('docker-compose.yml')
  const doc = parseDocument(text, { merge: true, uniqueKeys: true })
  const compose = record(doc.toJS(), 'docker-compose.yml')
  const services = record(compose.services, 'services')
  const names = Object.keys(services)
  const peers = names.filter(n => n !== 'bootstrap')
  const svc = (name: string): Json => record(services[name], `service ${name}`)
  const command = (name: string): string[] => stringList(svc(name).command ?? [], `${name}.command`)

  it('parses as YAML without errors or warnings', () => {
    assert.deepEqual(
      doc.errors.map(e => e.message),
      []
    )
    assert.deepEqual(
      doc.warnings.map(e => e.message),
      []
    )
  })

  it('has exactly one bootstrap service and the four peers peer1..peer4', () => {
    assert.equal(names.length, 5, `expected 5 services, got ${names.join(', ')}`)
    assert.ok(names.includes('bootstrap'))
    assert.deepEqual([...peers].sort(), ['peer1', 'peer2', 'peer3', 'peer4'])
  })

  it('runs every node from the image built from the repository Dockerfile', () => {
    const images = new Set<unknown>()
    for (const name of names) {
      const s = svc(name)
      const build = record(s.build, `${name}.build`)
      assert.equal(build.context, '.', `${name} builds from the repository root`)
      const dockerfile = typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile'
      assert.ok(existsSync(join(ROOT, dockerfile)), `${name}: ${dockerfile} exists`)
      images.add(s.image)
    }
    assert.equal(images.size, 1, 'one image tag for all nodes')
  })

  it('starts each peer only once the bootstrap node is healthy', () => {
    assert.equal(svc('bootstrap').depends_on, undefined, 'bootstrap depends on nothing')
    for (const p of peers) {
      const deps = record(svc(p).depends_on, `${p}.depends_on`)
      assert.deepEqual(Object.keys(deps), ['bootstrap'], `${p} depends on bootstrap only`)
      assert.equal(record(deps.bootstrap, `${p}.depends_on.bootstrap`).condition, 'service_healthy', `${p} waits for a healthy bootstrap`)
    }
  })

  it('gives every node its own named volume at /data', () => {
    const declared = record(compose.volumes, 'volumes')
    const used = new Set<string>()
    for (const name of names) {
      const mounts = stringList(svc(name).volumes, `${name}.volumes`)
      const data = mounts.map(m => m.split(':')).filter(parts => parts[1] === '/data')
      assert.equal(data.length, 1, `${name} mounts exactly one volume at /data`)
      const source = data[0]?.[0] ?? ''
      assert.match(source, /^[a-z0-9][a-z0-9_.-]*$/, `${name}: /data comes from a named volume, not a bind mount (${source})`)
      assert.ok(source in declared, `${name}: volume ${source} is declared under volumes:`)
      assert.ok(!used.has(source), `${name}: volume ${source} is not shared with another node`)
      used.add(source)
    }
  })

  it('health-checks every node with `meshkeep status`', () => {
    for (const name of names) {
      const hc = record(svc(name).healthcheck, `${name}.healthcheck`)
      const test = stringList(hc.test, `${name}.healthcheck.test`)
      assert.ok(test[0] === 'CMD' || test[0] === 'CMD-SHELL', `${name}: healthcheck test starts with CMD`)
      const argv = test[0] === 'CMD' ? test.slice(1) : (test[1] ?? '').split(/\s+/)
      assert.match(argv[0] ?? '', /(^|\/)meshkeep$/, `${name}: healthcheck runs meshkeep`)
      assert.equal(argv[1], 'status', `${name}: healthcheck runs \`meshkeep status\``)
    }
  })

  it('gives every node a fixed listen address on an internal network', () => {
    const networks = record(compose.networks, 'networks')
    const seen = new Set<string>()
    for (const name of names) {
      const nets = record(svc(name).networks, `${name}.networks`)
      const [netName, ...others] = Object.keys(nets)
      assert.ok(netName !== undefined && others.length === 0, `${name} is on exactly one network`)
      const net = record(networks[netName], `network ${netName}`)
      assert.equal(net.internal, true, `network ${netName} is internal`)
      const subnets = (record(net.ipam, 'ipam').config as unknown[]).map(c => String(record(c, 'ipam.config').subnet))
      const ip = String(record(nets[netName], `${name}.networks.${netName}`).ipv4_address)
      assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/, `${name} has a fixed ipv4_address`)
      const prefix = (subnets[0] ?? '').replace(/\.0\/24$/, '.')
      assert.ok(ip.startsWith(prefix), `${name}: ${ip} is inside ${subnets[0]}`)
      assert.ok(!seen.has(ip), `${name}: ${ip} is unique`)
      seen.add(ip)
      assert.deepEqual(flagValues(command(name), '--listen'), [`/ip4/${ip}/tcp/4710`], `${name} listens on its fixed address`)
    }
  })

  it('bootstraps every peer to the bootstrap service, with the peer id its testbed phrase yields', () => {
    const env = record(svc('bootstrap').environment, 'bootstrap.environment')
    const phrase = env.INIT_RECOVERY_PHRASE
    assert.equal(typeof phrase, 'string', 'bootstrap has a fixed testbed phrase (INIT_RECOVERY_PHRASE)')
    const bootstrapId = peerIdOfPhrase(String(phrase))
    assert.match(bootstrapId, /^12D3KooW/)
    assert.deepEqual(flagValues(command('bootstrap'), '--bootstrap'), [], 'bootstrap does not bootstrap to itself')
    for (const p of peers) {
      assert.deepEqual(flagValues(command(p), '--bootstrap'), [`/dns4/bootstrap/tcp/4710/p2p/${bootstrapId}`], `${p} bootstraps to the bootstrap service`)
    }
    // The id is also written in a comment for readers; keep it true.
    assert.ok(text.includes(bootstrapId))
  })

  it('sets only MESHKEEP_* variables that meshkeep knows', () => {
    for (const name of names) {
      const env = svc(name).environment ?? {}
      const keys = Array.isArray(env) ? env.map(e => String(e).split('=')[0] ?? '') : Object.keys(record(env, `${name}.environment`))
      assertKnownMeshkeepEnv(keys, name)
    }
  })

  it('gives every node a configuration meshkeep accepts, with its socket where the health check looks', async () => {
    for (const name of names) {
      const env: Record<string, string> = { HOME: scratch, MESHKEEP_DATA_DIR: '/data' }
      for (const [k, v] of Object.entries(record(svc(name).environment ?? {}, `${name}.environment`))) env[k] = String(v)
      const args = command(name)
      const config = await loadConfig({ env, flags: { listen: flagValues(args, '--listen'), bootstrap: flagValues(args, '--bootstrap') } })
      assert.equal(config.dataDir, '/data', `${name}: data dir`)
      assert.equal(config.socket, '/data/control.sock', `${name}: \`meshkeep status --data-dir /data\` finds the socket`)
      assert.equal(config.listen.length, 1)
    }
  })

  it('marks the fixed phrases as insecure and testbed-only, and gives peer1 (the owner in the script) one', () => {
    assert.match(text, /INSECURE - TESTBED ONLY/)
    const lines = text.split('\n')
    lines.forEach((line, i) => {
      if (/INIT_RECOVERY_PHRASE:/.test(line)) {
        const before = lines.slice(Math.max(0, i - 3), i).join('\n')
        assert.match(before, /TESTBED ONLY/, `line ${i + 1}: a fixed phrase is preceded by a TESTBED ONLY comment`)
      }
    })
    const owner = record(svc('peer1').environment, 'peer1.environment').INIT_RECOVERY_PHRASE
    assert.equal(typeof owner, 'string')
    assert.notEqual(peerIdOfPhrase(String(owner)), peerIdOfPhrase(String(record(svc('bootstrap').environment, 'env').INIT_RECOVERY_PHRASE)))
    for (const p of ['peer2', 'peer3', 'peer4']) {
      const env = isRecord(svc(p).environment) ? svc(p).environment : {}
      assert.ok(isRecord(env) && !('INIT_RECOVERY_PHRASE' in env), `${p} creates its own identity with meshkeep init`)
    }
  })
})

// ---------------------------------------------------------------- Dockerfile

interface Instruction {
  /** upper-case keyword, e.g. RUN */
  op: string
  args: string
  line: number
}

interface Stage {
  image: string
  name?: string
  instructions: Instruction[]
}

/** Splits a Dockerfile into instructions (joining `\` continuations, dropping comments) and stages. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  let pending = ''
  let start = 0
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd()
    if (pending === '' && line.trim() === '') return
    if (/^\s*#/.test(line)) return
    if (pending === '') start = i + 1
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `
      return
    }
    const full = `${pending}${line}`.trim()
    pending = ''
    const m = /^(\S+)\s*(.*)$/.exec(full)
    if (m === null) return
    const op = (m[1] ?? '').toUpperCase()
    const args = m[2] ?? ''
    if (op === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)
      assert.ok(f !== null, `line ${start}: FROM ${args}`)
      stages.push({ image: f[1] ?? '', name: f[2], instructions: [] })
      return
    }
    const stage = stages.at(-1)
    assert.ok(stage !== undefined || op === 'ARG', `line ${start}: ${op} before the first FROM`)
    stage?.instructions.push({ op, args, line: start })
  })
  return stages
}

/** Source paths of a COPY/ADD (shell or JSON form), flags removed, destination dropped. */
function copySources(args: string): { flags: string[]; sources: string[] } {
  const words = args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/)
  const flags = words.filter(w => w.startsWith('--'))
  const paths = words.filter(w => !w.startsWith('--'))
  return { flags, sources: paths.slice(0, -1) }
}

/** .dockerignore patterns (Go filepath.Match plus `**`), in order; `!` re-includes. */
function dockerIgnored(patterns: string[], path: string): boolean {
  let ignored = false
  for (const raw of patterns) {
    const neg = raw.startsWith('!')
    const pat = (neg ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '')
    const re = new RegExp(
      `^${pat
        .split('')
        .map(c => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('')
        .replace(/\[\^\/\]\*\[\^\/\]\*/g, '.*')}(/.*)?$`
    )
    if (re.test(path)) ignored = !neg
  }
  return ignored
}

describe('Dockerfile and .dockerignore', () => {
  const stages = parseDockerfile(read('Dockerfile'))
  const build = stages[0]
  const final = stages.at(-1)
  const ignore = read('.dockerignore')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l !== '' && !l.startsWith('#'))
  const all = (s: Stage | undefined, op: string): Instruction[] => (s?.instructions ?? []).filter(i => i.op === op)
  const last = (s: Stage | undefined, op: string): Instruction | undefined => all(s, op).at(-1)

  it('is multi-stage: a node:22-bookworm-slim build stage and a separate runtime stage', () => {
    assert.ok(stages.length >= 2, `expected at least 2 stages, got ${stages.length}`)
    assert.equal(build?.image, 'node:22-bookworm-slim')
    assert.equal(build?.name, 'build')
    assert.notEqual(final, build)
    for (const s of stages) assert.match(s.image, /:[\w.-]+$|@sha256:/, `${s.image} is pinned to a tag or digest`)
    for (const s of stages) assert.doesNotMatch(s.image, /:latest$/, `${s.image} is not :latest`)
  })

  it('installs with npm ci, builds with npm run build and drops dev dependencies in the build stage', () => {
    const runs = all(build, 'RUN').map(i => i.args)
    const ci = runs.findIndex(r => /\bnpm ci\b/.test(r))
    const b = runs.findIndex(r => /\bnpm run build\b/.test(r))
    const prune = runs.findIndex(r => /\bnpm prune\b[^&|;]*--omit=dev/.test(r))
    assert.ok(ci >= 0, 'npm ci is used')
    assert.ok(!runs.some(r => /\bnpm ci\b[^&|;]*--ignore-scripts/.test(r)), 'install scripts run (the node package fetches Node 22)')
    assert.ok(b > ci, 'npm run build after npm ci')
    assert.ok(prune >= b, 'npm prune --omit=dev after the build')
    assert.equal(all(final, 'RUN').filter(i => /\bnpm\b/.test(i.args)).length, 0, 'no npm in the runtime stage')
  })

  it('copies bin/, dist/, node_modules/ and package.json from the build stage into the runtime stage', () => {
    const fromBuild = all(final, 'COPY')
      .map(i => copySources(i.args))
      .filter(c => c.flags.includes('--from=build'))
      .flatMap(c => c.sources.map(s => s.replace(/^\/app\//, '').replace(/\/$/, '')))
    for (const want of ['bin', 'dist', 'node_modules', 'package.json', 'config/docker/entrypoint.sh']) {
      assert.ok(fromBuild.includes(want), `runtime copies ${want} from the build stage (got ${fromBuild.join(', ')})`)
    }
  })

  it('runs as a non-root user', () => {
    const user = last(final, 'USER')?.args.trim()
    assert.ok(user !== undefined, 'the runtime stage sets USER')
    const [u, g] = user.split(':')
    assert.ok(u !== 'root' && u !== '0' && u !== '', `USER ${user} is not root`)
    assert.ok(g !== 'root' && g !== '0', `group of USER ${user} is not root`)
  })

  it('declares the data volume, its env var, the libp2p port, the health check and the entrypoint', () => {
    assert.ok(
      all(final, 'VOLUME').some(i => /^(\["\/data"\]|\/data)$/.test(i.args.trim())),
      'VOLUME /data'
    )
    assert.ok(
      all(final, 'ENV').some(i => /(^|\s)MESHKEEP_DATA_DIR=\/data(\s|$)/.test(i.args)),
      'ENV MESHKEEP_DATA_DIR=/data'
    )
    assert.ok(
      all(final, 'EXPOSE').some(i => i.args.split(/\s+/).includes('4710') || i.args.split(/\s+/).includes('4710/tcp')),
      'EXPOSE 4710'
    )
    const hc = last(final, 'HEALTHCHECK')?.args ?? ''
    const cmd = /\bCMD\s+(\[.*\])\s*$/.exec(hc)
    assert.ok(cmd?.[1] !== undefined, 'HEALTHCHECK uses the exec form CMD [...]')
    assert.deepEqual(JSON.parse(cmd[1]), ['/app/bin/meshkeep', 'status', '--data-dir', '/data'])
    assert.deepEqual(JSON.parse(last(final, 'ENTRYPOINT')?.args ?? 'null'), ['/app/config/docker/entrypoint.sh'])
  })

  it('fetches nothing with ADD, and every COPY source exists in the build context', () => {
    for (const s of stages) {
      for (const i of all(s, 'ADD')) {
        for (const src of copySources(i.args).sources) assert.doesNotMatch(src, /^(https?|git|ssh):|^git@/, `line ${i.line}: ADD of a URL`)
      }
      for (const i of all(s, 'COPY')) {
        const { flags, sources } = copySources(i.args)
        if (flags.some(f => f.startsWith('--from='))) continue
        assert.ok(sources.length > 0, `line ${i.line}: COPY has a source`)
        for (const src of sources) {
          const rel = src.replace(/^\.\/?/, '').replace(/\/$/, '')
          assert.ok(existsSync(join(ROOT, rel === '' ? '.' : rel)), `line ${i.line}: COPY source ${src} exists`)
          if (rel !== '') assert.ok(!dockerIgnored(ignore, rel), `line ${i.line}: COPY source ${src} is not excluded by .dockerignore`)
        }
      }
    }
  })

  it('sends every compiled source directory (tsconfig include) to the build, and keeps local artefacts out', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { include?: string[] }
    const copied = all(build, 'COPY')
      .map(i => copySources(i.args))
      .filter(c => !c.flags.some(f => f.startsWith('--from=')))
      .flatMap(c => c.sources.map(s => s.replace(/^\.\/?/, '').replace(/\/$/, '')))
    const wholeContext = copied.includes('')
    for (const dir of tsconfig.include ?? []) {
      if (!existsSync(join(ROOT, dir))) continue
      assert.ok(wholeContext || copied.includes(dir), `${dir} is copied into the build stage`)
      assert.ok(!dockerIgnored(ignore, dir), `${dir} is not excluded by .dockerignore`)
    }
    for (const junk of ['node_modules', 'dist', '.build', '.git', '.testbed', '.scratch']) {
      assert.ok(dockerIgnored(ignore, junk), `.dockerignore excludes ${junk}`)
    }
    const envNames = all(final, 'ENV').flatMap(i => [...i.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map(m => m[1] ?? ''))
    assert.ok(envNames.includes('MESHKEEP_DATA_DIR'))
    assertKnownMeshkeepEnv(envNames, 'Dockerfile ENV')
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'bin/meshkeep', 'config/docker/entrypoint.sh']) {
      assert.ok(!dockerIgnored(ignore, needed), `.dockerignore keeps ${needed}`)
    }
  })
})

// ---------------------------------------------------------------- systemd unit

interface UnitEntry {
  key: string
  value: string
  /** 0-based line index in the file */
  index: number
}

/** Parses a unit file into sections of key=value entries (order kept, repeated keys kept). */
function parseUnit(text: string): Map<string, UnitEntry[]> {
  const sections = new Map<string, UnitEntry[]>()
  let current: UnitEntry[] | undefined
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header !== null) {
      const name = header[1] ?? ''
      assert.ok(!sections.has(name), `section [${name}] appears once`)
      current = []
      sections.set(name, current)
      return
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line)
    assert.ok(kv !== null, `line ${index + 1} is key=value: ${line}`)
    assert.ok(current !== undefined, `line ${index + 1} is inside a section`)
    assert.ok(!line.endsWith('\\'), `line ${index + 1}: no continuation lines`)
    current.push({ key: kv[1] ?? '', value: (kv[2] ?? '').trim(), index })
  })
  return sections
}

/** systemd time span ("90", "5s", "1min 30s", "2m") in seconds. */
function seconds(span: string): number {
  const units: Record<string, number> = { '': 1, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, ms: 0.001 }
  let total = 0
  const parts = span.trim().split(/\s+/)
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part)
    assert.ok(m !== null && (m[2] ?? '') in units, `time span "${span}"`)
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0)
  }
  return total
}

describe('systemd unit config/systemd/meshkeep.service', () => {
  const unitPath = 'config/systemd/meshkeep.service'
  const text = read(unitPath)
  const lines = text.split('\n')
  const sections = parseUnit(text)
  const service = sections.get('Service') ?? []
  const values = (key: string): string[] => service.filter(e => e.key === key).map(e => e.value)
  const one = (key: string): string => {
    const v = values(key)
    assert.equal(v.length, 1, `${key}= is set exactly once in [Service]`)
    return v[0] ?? ''
  }
  /** The comment lines right above the entry. */
  const commentAbove = (key: string): string => {
    const entry = service.find(e => e.key === key)
    assert.ok(entry !== undefined, `${key}= is set`)
    const out: string[] = []
    for (let i = entry.index - 1; i >= 0 && (lines[i] ?? '').trim().startsWith('#'); i--) out.unshift(lines[i] ?? '')
    return out.join('\n')
  }

  it('has exactly the sections [Unit], [Service] and [Install]', () => {
    assert.deepEqual([...sections.keys()].sort(), ['Install', 'Service', 'Unit'])
    assert.deepEqual(
      (sections.get('Install') ?? []).map(e => `${e.key}=${e.value}`),
      ['WantedBy=multi-user.target']
    )
  })

  it('is Type=notify and starts the installed launcher with the config file', () => {
    assert.equal(one('Type'), 'notify')
    // The daemon notifies through a systemd-notify child process (daemon/runtime/sd-notify.ts):
    // with NotifyAccess=main systemd would drop READY=1 and the start would time out.
    assert.equal(one('NotifyAccess'), 'all')
    assert.match(commentAbove('NotifyAccess'), /systemd-notify/, 'NotifyAccess=all is explained')
    const argv = one('ExecStart').split(/\s+/)
    assert.equal(argv[0], '/opt/meshkeep/bin/meshkeep', 'ExecStart runs the absolute path of the bin/meshkeep launcher (no prefix, no bare node)')
    assert.deepEqual(argv.slice(1), ['daemon', '--config', '/etc/meshkeep/meshkeep.toml'])
    assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID')
    assert.equal(one('KillSignal'), 'SIGTERM')
  })

  it('runs as the static meshkeep user, with private state and runtime directories', () => {
    assert.equal(one('User'), 'meshkeep')
    assert.equal(one('Group'), 'meshkeep')
    assert.deepEqual(values('DynamicUser'), [], 'static user: no DynamicUser')
    assert.equal(one('StateDirectory'), 'meshkeep')
    assert.equal(one('StateDirectoryMode'), '0700')
    assert.equal(one('RuntimeDirectory'), 'meshkeep')
    assert.equal(one('UMask'), '0077')
    const env = values('Environment').flatMap(v => v.split(/\s+/).map(kv => kv.replace(/^"/, '').split('=')[0] ?? ''))
    assertKnownMeshkeepEnv(env, 'Environment=')
    const sysusers = read('config/systemd/meshkeep.sysusers.conf')
      .split('\n')
      .filter(l => l.trim() !== '' && !l.trim().startsWith('#'))
    const user = sysusers.map(l => l.trim().match(/^u\s+(\S+)\s+(\S+)\s+"[^"]*"\s+(\S+)\s+(\S+)$/)).find(m => m?.[1] === 'meshkeep')
    assert.ok(user, 'sysusers.conf declares the user meshkeep')
    assert.equal(user[3], '/var/lib/meshkeep', 'its home is the state directory')
    assert.match(user[4] ?? '', /nologin$/, 'it cannot log in')
  })

  it('restarts on failure, with start, stop and watchdog time limits', () => {
    assert.equal(one('Restart'), 'on-failure')
    assert.ok(seconds(one('RestartSec')) >= 1, 'RestartSec of at least 1 s')
    const stop = seconds(one('TimeoutStopSec'))
    assert.ok(stop >= 5 && stop <= 120, `TimeoutStopSec ${stop}s is between 5 s and 2 min`)
    const dog = seconds(one('WatchdogSec'))
    assert.ok(dog >= 10 && dog <= 300, `WatchdogSec ${dog}s is between 10 s and 5 min`)
    assert.match(commentAbove('WatchdogSec'), /watchdog|stuck/i, 'WatchdogSec has a comment saying why')
    assert.ok(Number(one('LimitNOFILE')) >= 4096, 'LimitNOFILE of at least 4096')
  })

  it('applies the whole sandbox', () => {
    const required: Record<string, string> = {
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      NoNewPrivileges: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      SystemCallFilter: '@system-service',
      CapabilityBoundingSet: ''
    }
    for (const [key, want] of Object.entries(required)) assert.equal(one(key), want, `${key}=${want}`)
    assert.equal(one('MemoryDenyWriteExecute'), 'no')
    assert.match(commentAbove('MemoryDenyWriteExecute'), /JIT/, 'MemoryDenyWriteExecute=no is explained (V8 JIT needs W+X)')
  })

  it("with the example config, puts the data dir and socket in the unit's directories", async t => {
    if (!existsSync(join(ROOT, 'config/meshkeep.example.toml'))) return t.skip('config/meshkeep.example.toml not there yet')
    const env: Record<string, string> = { HOME: scratch, STATE_DIRECTORY: `/var/lib/${one('StateDirectory')}` }
    for (const v of values('Environment')) {
      for (const kv of v.split(/\s+/)) {
        const [k, ...rest] = kv.replace(/^"|"$/g, '').split('=')
        if (k !== undefined) env[k] = rest.join('=')
      }
    }
    const config = await loadConfig({ env, file: join(ROOT, 'config/meshkeep.example.toml'), flags: {} })
    assert.equal(config.dataDir, '/var/lib/meshkeep', 'the data dir is the StateDirectory')
    assert.equal(dirname(config.socket), `/run/${one('RuntimeDirectory')}`, 'the socket is in the RuntimeDirectory')
  })

  it('passes `systemd-analyze verify`', t => {
    if (!has('systemd-analyze')) return t.skip('systemd-analyze not installed')
    // verify refuses a unit whose ExecStart binary does not exist, and
    // /opt/meshkeep/bin/meshkeep exists only on an installed machine. Check a
    // copy whose ExecStart (and ExecReload, should /bin/kill be missing) runs
    // an existing binary instead; every other line is the real unit.
    const dir = join(scratch, 'systemd')
    mkdirSync(dir, { recursive: true })
    let copy = text.replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true')
    if (!existsSync('/bin/kill')) copy = copy.replace(/^ExecReload=.*$/m, 'ExecReload=/bin/true')
    assert.notEqual(copy, text)
    const unit = join(dir, 'meshkeep.service')
    writeFileSync(unit, copy)
    const r = run('systemd-analyze', ['verify', '--man=no', unit])
    // Unknown keys and bad values are only warnings (exit 0): fail on any line about this unit.
    const complaints = `${r.stdout}\n${r.stderr}`.split('\n').filter(l => l.includes('meshkeep.service'))
    assert.deepEqual(complaints, [], 'systemd-analyze has no complaint about the unit')
    assert.equal(r.status, 0, r.stderr)
  })

  it('keeps a low `systemd-analyze security` exposure score', t => {
    if (!has('systemd-analyze')) return t.skip('systemd-analyze not installed')
    const unit = join(scratch, 'security', 'meshkeep.service')
    mkdirSync(dirname(unit), { recursive: true })
    writeFileSync(unit, text)
    const r = run('systemd-analyze', ['security', '--offline=yes', '--no-pager', unit])
    const m = /Overall exposure level for meshkeep\.service:\s*([\d.]+)/.exec(`${r.stdout}${r.stderr}`)
    if (m === null) return t.skip('this systemd-analyze has no offline security check')
    assert.ok(Number(m[1]) <= 3, `exposure ${m[1]} is at most 3.0 ("OK")`)
  })
})

// ---------------------------------------------------------------- shell scripts

const SCRIPTS = ['scripts/docker-testbed.sh', 'config/docker/entrypoint.sh', 'bin/meshkeep']

describe('shell scripts', () => {
  for (const script of SCRIPTS) {
    it(`${script} is executable and parses (bash -n)`, () => {
      assert.ok((statSync(join(ROOT, script)).mode & 0o111) !== 0, `${script} has the executable bit (Docker COPY keeps it)`)
      const r = run('bash', ['-n', join(ROOT, script)])
      assert.equal(r.status, 0, r.stderr)
    })
    it(`${script} passes shellcheck`, t => {
      if (!has('shellcheck')) return t.skip('shellcheck not installed')
      const r = run('shellcheck', [join(ROOT, script)])
      assert.equal(r.status, 0, r.stdout + r.stderr)
    })
  }

  it('docker-testbed.sh uses strict mode, cleans up on exit and runs the whole scenario', () => {
    const s = read('scripts/docker-testbed.sh')
    assert.match(s, /^set -euo pipefail$/m)
    assert.match(s, /^trap cleanup EXIT$/m)
    assert.match(s, /cleanup\(\) \{[\s\S]*?down -v[\s\S]*?\n\}/, 'cleanup runs docker compose down -v')
    for (const step of [
      /docker compose version/,
      /up -d --build/,
      /head -c "\$sample_bytes" \/dev\/urandom/,
      /sample_bytes=\$\(\(8 \* 1024 \* 1024\)\)/,
      / put /,
      / replication /,
      / status /,
      /dc stop "\$lost"/,
      / recover /,
      /sha256/
    ]) {
      assert.match(s, step)
    }
  })
})

// ---------------------------------------------------------------- behaviour of the scripts, without Docker

/** A directory with a fake `meshkeep` that logs its calls, and a PATH for it. */
function fakeMeshkeep(): { bin: string; log: string; dataDir: string } {
  const dir = mkdtempSync(join(scratch, 'entry-'))
  const bin = join(dir, 'meshkeep')
  const log = join(dir, 'calls.log')
  const dataDir = join(dir, 'data')
  mkdirSync(dataDir)
  writeFileSync(
    bin,
    `#!/bin/sh
{
  printf 'argv:%s\\n' "$*"
  printf 'env:%s|%s\\n' "\${INIT_RECOVERY_PHRASE:-unset}" "\${ENTRYPOINT_MESHKEEP_BIN:+bin-set}"
  if [ "$1" = init ]; then
    case " $* " in *" --recover "*) printf 'stdin:%s\\n' "$(cat)" ;; esac
  fi
} >>"${log}"
if [ "$1" = init ]; then : >"$3/node.key"; echo "recovery phrase: fake words"; fi
exit 0
`
  )
  chmodSync(bin, 0o755)
  return { bin, log, dataDir }
}

describe('config/docker/entrypoint.sh (with a fake meshkeep)', () => {
  const entry = join(ROOT, 'config/docker/entrypoint.sh')
  const call = (f: ReturnType<typeof fakeMeshkeep>, args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ENTRYPOINT_MESHKEEP_BIN: f.bin, MESHKEEP_DATA_DIR: f.dataDir, ...extra }
    const r = run('sh', [entry, ...args], { env })
    assert.equal(r.status, 0, r.stderr)
    return { r, calls: readFileSync(f.log, 'utf8').trim().split('\n') }
  }

  it('creates a missing node with `meshkeep init`, warns to record the phrase, then execs the daemon with the arguments', () => {
    const f = fakeMeshkeep()
    const { r, calls } = call(f, ['--listen', '/ip4/0.0.0.0/tcp/4710'])
    assert.deepEqual(calls, [`argv:init --data-dir ${f.dataDir}`, 'env:unset|bin-set', 'argv:daemon --listen /ip4/0.0.0.0/tcp/4710', 'env:unset|'])
    assert.match(r.stderr, /shown ONCE/)
    assert.match(r.stdout, /recovery phrase: fake words/, 'the phrase goes to the container log')
  })

  it('does not run init when node.key exists', () => {
    const f = fakeMeshkeep()
    writeFileSync(join(f.dataDir, 'node.key'), '')
    const { calls } = call(f, ['daemon', '--bootstrap', '/dns4/b/tcp/4710/p2p/x'])
    assert.deepEqual(calls, ['argv:daemon --bootstrap /dns4/b/tcp/4710/p2p/x', 'env:unset|'])
  })

  it('recovers from INIT_RECOVERY_PHRASE via stdin and hides the phrase from the daemon', () => {
    const f = fakeMeshkeep()
    const { calls } = call(f, [], { INIT_RECOVERY_PHRASE: 'zoo zoo vote' })
    assert.deepEqual(calls, [`argv:init --data-dir ${f.dataDir} --recover`, 'env:zoo zoo vote|bin-set', 'stdin:zoo zoo vote', 'argv:daemon', 'env:unset|'])
  })

  it('recovers from INIT_RECOVERY_PHRASE_FILE', () => {
    const f = fakeMeshkeep()
    const file = join(dirname(f.bin), 'phrase.txt')
    writeFileSync(file, 'abandon art\n')
    const { calls } = call(f, [], { INIT_RECOVERY_PHRASE_FILE: file })
    assert.deepEqual(calls, [`argv:init --data-dir ${f.dataDir} --recover`, 'env:unset|bin-set', 'stdin:abandon art', 'argv:daemon', 'env:unset|'])
  })

  it('runs any other command as is, without init', () => {
    const f = fakeMeshkeep()
    const { calls } = call(f, ['status', '--data-dir', '/data'])
    assert.deepEqual(calls, ['argv:status --data-dir /data', 'env:unset|'])
    assert.ok(!existsSync(join(f.dataDir, 'node.key')))
  })
})

describe('scripts/docker-testbed.sh prerequisites (with fake docker)', () => {
  const script = join(ROOT, 'scripts/docker-testbed.sh')
  /** PATH = a directory holding only the given fake commands and the few tools the script needs first. */
  const withPath = (fakes: Record<string, string>) => {
    const dir = mkdtempSync(join(scratch, 'path-'))
    for (const tool of ['dirname', 'cat', 'mktemp', 'rm']) {
      const real = run('sh', ['-c', `command -v ${tool}`]).stdout.trim()
      if (real !== '') writeFileSync(join(dir, tool), `#!/bin/sh\nexec ${real} "$@"\n`, { mode: 0o755 })
    }
    for (const [name, body] of Object.entries(fakes)) writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 })
    // Resolve bash first: spawn looks commands up on the child's PATH, which holds only the fakes.
    const bash = run('sh', ['-c', 'command -v bash']).stdout.trim()
    return run(bash, [script], { env: { PATH: dir, HOME: scratch } })
  }

  it('says that docker is missing', t => {
    if (!has('bash')) return t.skip('bash not installed')
    const r = withPath({})
    assert.equal(r.status, 1)
    assert.match(r.stderr, /docker is not installed/)
  })

  it('says that the Compose v2 plugin is missing', t => {
    if (!has('bash')) return t.skip('bash not installed')
    const r = withPath({ docker: `[ "$1 $2" = "compose version" ] && { echo "docker: 'compose' is not a docker command." >&2; exit 1; }\nexit 0` })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /Compose v2 plugin/)
  })

  it('says that the Docker daemon is not reachable', t => {
    if (!has('bash')) return t.skip('bash not installed')
    const r = withPath({ docker: `[ "$1 $2" = "compose version" ] && { echo "Docker Compose version v2.30.0"; exit 0; }\n[ "$1" = info ] && exit 1\nexit 0` })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /Docker daemon is not reachable/)
  })
})

// ---------------------------------------------------------------- guides quote the code

describe('docs quote the code', () => {
  it('USER-GUIDE.md documents each write state with its advice text, and the error codes with their meaning', () => {
    const guide = read('docs/USER-GUIDE.md')
    for (const state of WRITE_STATES) {
      assert.match(guide, new RegExp(`\\b${state}\\b`), `${state} is documented`)
      assert.ok(guide.includes(WRITE_STATE_ADVICE[state]), `the advice for ${state} is quoted verbatim from core/write-state`)
    }
    const codes: ErrorCode[] = [
      'WRITE_BLOCKED',
      'NOT_FOUND',
      'INVALID_PARAMS',
      'BUSY',
      'QUOTA_EXCEEDED',
      'RATE_LIMITED',
      'TIMEOUT',
      'UNAVAILABLE',
      'INVALID_CONFIG'
    ]
    for (const code of codes) {
      const row = guide.split('\n').find(l => l.startsWith(`| \`${code}\` |`))
      assert.ok(row !== undefined, `${code} has a row in the error table`)
      assert.ok(row.includes(ERROR_CODES[code]), `${code}: the meaning matches core/errors ("${ERROR_CODES[code]}")`)
    }
  })

  it('OPERATOR-GUIDE.md lists the planned metrics and the recovery steps', () => {
    const guide = read('docs/OPERATOR-GUIDE.md')
    for (const metric of [
      'meshkeep_peers',
      'meshkeep_registry_members',
      'meshkeep_registry_epoch',
      'meshkeep_write_state',
      'meshkeep_chunks',
      'meshkeep_held_bytes',
      'meshkeep_distributed_bytes_total',
      'meshkeep_recovered_bytes_total',
      'meshkeep_audit_failures_total'
    ]) {
      assert.ok(guide.includes(`\`${metric}`), `${metric} is listed`)
    }
    for (const needle of ['init --data-dir', '--recover', 'journalctl -u meshkeep', 'meshkeep.example.toml', 'scripts/docker-testbed.sh', 'systemd-sysusers']) {
      assert.ok(guide.includes(needle), `mentions ${needle}`)
    }
  })
})
