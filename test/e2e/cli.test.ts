/**
 * The built CLI without a running mesh: help, usage errors, exit codes,
 * init and its recovery phrase, and the daemon's refusals at start (bad
 * config, unsafe key file, missing passphrase, a socket already served).
 */
import assert from 'node:assert/strict'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { after, describe, it } from 'node:test'
import { initNode, runCli, Workspace } from '../../scripts/lib/daemon-process.js'

// package.json is three levels up from dist/test/e2e and four from .build/cli/test/e2e
const pkgText = await readFile(new URL('../../../package.json', import.meta.url), 'utf8').catch(() =>
  readFile(new URL('../../../../package.json', import.meta.url), 'utf8')
)
const pkg = JSON.parse(pkgText) as { version: string }

describe('meshkeep CLI', { timeout: 120_000 }, () => {
  const ws = new Workspace()
  after(() => ws.close())

  it('lists its commands, has --help for each, and prints its version', async () => {
    const help = await runCli(['--help'])
    assert.equal(help.code, 0)
    for (const c of ['init', 'daemon', 'id', 'status', 'replication', 'put', 'get', 'recover', 'peers', 'holdings', 'leave', 'version']) {
      assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'), `--help lists ${c}`)
      if (c === 'version') continue
      const r = await runCli([c, '--help'])
      assert.equal(r.code, 0, `${c} --help exits 0`)
      assert.match(r.stdout, new RegExp(`^Usage: meshkeep ${c}`, 'm'))
    }
    const v = await runCli(['version'])
    assert.equal(v.code, 0)
    assert.equal(v.stdout.trim(), pkg.version)
  })

  it('exits 2 on usage errors, naming the problem', async () => {
    const unknownFlag = await runCli(['status', '--frobnicate'])
    assert.equal(unknownFlag.code, 2)
    assert.match(unknownFlag.stderr, /unknown flag --frobnicate/)
    const unknownCommand = await runCli(['frobnicate'])
    assert.equal(unknownCommand.code, 2)
    assert.match(unknownCommand.stderr, /unknown command "frobnicate"/)
    const missing = await runCli(['put'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /missing FILE\|-/)
    const extra = await runCli(['status', 'extra'])
    assert.equal(extra.code, 2)
    assert.match(extra.stderr, /unexpected argument "extra"/)
    const noValue = await runCli(['status', '--socket'])
    assert.equal(noValue.code, 2)
    assert.match(noValue.stderr, /--socket needs a value \(PATH\)/)
    assert.match(noValue.stderr, /Run 'meshkeep status --help' for usage/)
    const twice = await runCli(['daemon', '--log-level', 'debug', '--log-level', 'info'])
    assert.equal(twice.code, 2)
    assert.match(twice.stderr, /--log-level given more than once/)
    const short = await runCli(['id', '-x'])
    assert.equal(short.code, 2)
    assert.match(short.stderr, /unknown flag -x/)
    const badVersion = await runCli(['get', '--version', 'latest', '-', '--socket', '/nonexistent.sock'])
    assert.equal(badVersion.code, 2)
    assert.match(badVersion.stderr, /--version needs a positive integer/)
  })

  it('exits 3 when no daemon answers, naming the socket and how to start one', async () => {
    const dir = await ws.path('nodaemon')
    const r = await runCli(['status', '--data-dir', dir])
    assert.equal(r.code, 3)
    assert.ok(r.stderr.includes(`${dir}/control.sock`), r.stderr)
    assert.match(r.stderr, /meshkeep daemon/)
    const env = await runCli(['id'], { env: { MESHKEEP_SOCKET: `${dir}/other.sock` } })
    assert.equal(env.code, 3)
    assert.ok(env.stderr.includes(`${dir}/other.sock`), 'MESHKEEP_SOCKET is used')
  })

  it('init prints the recovery phrase once with a warning; --recover restores the same identity; a second init is refused', async () => {
    const dir = await ws.path('init-a')
    const r = await runCli(['init', '--data-dir', dir])
    assert.equal(r.code, 0, r.stderr)
    const phrase = r.stdout
      .split('\n')
      .find(l => /^ {2}[a-z]+( [a-z]+){23}$/.test(l))
      ?.trim()
    assert.ok(phrase !== undefined, `a 24-word phrase line in:\n${r.stdout}`)
    assert.match(r.stdout, /WARNING: .*shown once/)
    const peerId = /Created node (\S+)/.exec(r.stdout)?.[1]
    assert.ok(peerId?.startsWith('12D3KooW'))
    const mode = (await import('node:fs')).statSync(`${dir}/node.key`).mode & 0o777
    assert.equal(mode, 0o600)

    const again = await runCli(['init', '--data-dir', dir])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^error INVALID_PARAMS: .*already initialised/m)

    const copy = await ws.path('init-b')
    const restored = await runCli(['init', '--data-dir', copy, '--recover', '--json'], { input: `${phrase}\n` })
    assert.equal(restored.code, 0, restored.stderr)
    const json = JSON.parse(restored.stdout) as { peerId: string; phrase?: string }
    assert.equal(json.peerId, peerId, 'same phrase, same identity')
    assert.equal(json.phrase, undefined, 'a restored node does not print the phrase back')

    const bad = await runCli(['init', '--data-dir', await ws.path('init-c'), '--recover'], { input: 'not a phrase at all\n' })
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^error INVALID_PHRASE: /m)
  })

  it('the daemon rejects a bad config file with exit 78 and a message naming the key', async () => {
    const dir = await ws.path('badconf')
    await initNode(dir)
    const file = await ws.path('bad.toml')
    await writeFile(file, '[holder]\ncapacityBytes = "lots"\n')
    const r = await runCli(['daemon', '--data-dir', dir, '--config', file, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 30_000 })
    assert.equal(r.code, 78, r.stderr)
    assert.match(r.stderr, /^error INVALID_CONFIG: .*holder\.capacityBytes/m)
    assert.ok(r.stderr.includes(file), 'the message says which file')

    await writeFile(file, '[owner]\ngracePeriod = "1m"\n')
    const typo = await runCli(['daemon', '--data-dir', dir, '--config', file], { timeoutMs: 30_000 })
    assert.equal(typo.code, 78)
    assert.match(typo.stderr, /unknown key owner\.gracePeriod.*did you mean owner\.gracePeriodMs/)

    const flag = await runCli(['daemon', '--data-dir', dir, '--log-level', 'loud'], { timeoutMs: 30_000 })
    assert.equal(flag.code, 78)
    assert.match(flag.stderr, /logLevel \(from flag --log-level\)/)
  })

  it('the daemon refuses a key file others can read, saying chmod 600', async () => {
    const dir = await ws.path('perm')
    await initNode(dir)
    await chmod(`${dir}/node.key`, 0o644)
    const r = await runCli(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 30_000 })
    assert.equal(r.code, 78, r.stderr)
    assert.match(r.stderr, /^error INSECURE_PERMISSIONS: .*chmod 600/m)
  })

  it('the daemon refuses a sealed key file without its passphrase, and a missing data dir', async () => {
    const dir = await ws.path('sealed')
    const pass = await ws.path('pass.txt')
    await writeFile(pass, 'correct horse battery staple\n')
    const init = await runCli(['init', '--data-dir', dir, '--passphrase-file', pass, '--json'])
    assert.equal(init.code, 0, init.stderr)
    assert.equal((JSON.parse(init.stdout) as { encrypted: boolean }).encrypted, true)
    const r = await runCli(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 30_000 })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error INVALID_KEY: .*MESHKEEP_PASSPHRASE/m)
    const wrong = await runCli(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0'], { env: { MESHKEEP_PASSPHRASE: 'wrong' }, timeoutMs: 30_000 })
    assert.equal(wrong.code, 1)
    assert.match(wrong.stderr, /^error DECRYPT_FAILED: /m)

    const none = await runCli(['daemon', '--data-dir', await ws.path('never-initialised')], { timeoutMs: 30_000 })
    assert.equal(none.code, 1)
    assert.match(none.stderr, /^error NOT_FOUND: .*meshkeep init/m)
  })
})
