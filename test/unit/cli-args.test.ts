import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { configFlags } from '../../config/index.js'
import { type ArgsSpec, parseCommandLine, UsageError } from '../../daemon/cli/argv.js'
import { COMMANDS } from '../../daemon/cli/commands/index.js'
import { commandHelp } from '../../daemon/cli/help.js'

const SPEC: ArgsSpec = {
  name: 'demo',
  flags: [
    { name: 'socket', kind: 'string', value: 'PATH', help: 'socket' },
    { name: 'listen', kind: 'list', value: 'MULTIADDR', help: 'listen' },
    { name: 'json', kind: 'boolean', help: 'json' }
  ],
  positionals: [
    { name: 'IN', help: 'input' },
    { name: 'OUT', optional: true, help: 'output' }
  ]
}

/** Asserts a UsageError for the demo command whose message contains every fragment. */
function refuses(argv: string[], ...fragments: string[]): void {
  assert.throws(
    () => parseCommandLine(argv, SPEC),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `a UsageError, got ${String(err)}`)
      assert.equal(err.command, 'demo')
      for (const f of fragments) assert.ok(err.message.includes(f), `expected "${f}" in: ${err.message}`)
      return true
    }
  )
}

describe('parseCommandLine', () => {
  it('reads --name value, --name=value, booleans and positionals in any order', () => {
    const a = parseCommandLine(['in.txt', '--socket', '/s.sock', '--json', 'out.txt'], SPEC)
    assert.deepEqual({ ...a.flags }, { socket: '/s.sock', json: true })
    assert.deepEqual(a.positionals, ['in.txt', 'out.txt'])
    assert.equal(a.help, false)
    assert.deepEqual({ ...parseCommandLine(['--socket=/t.sock', 'x'], SPEC).flags }, { socket: '/t.sock' })
    assert.deepEqual({ ...parseCommandLine(['--socket=', 'x'], SPEC).flags }, { socket: '' }, '--name= is an empty value, not a missing one')
  })

  it('collects a list flag given several times, in order', () => {
    const a = parseCommandLine(['--listen', '/ip4/127.0.0.1/tcp/1', 'x', '--listen=/ip4/127.0.0.1/tcp/2'], SPEC)
    assert.deepEqual(a.flags.listen, ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2'])
  })

  it('takes - as a positional (stdin/stdout), also as a value, and ends flags at --', () => {
    assert.deepEqual(parseCommandLine(['-', '-'], SPEC).positionals, ['-', '-'])
    assert.deepEqual(parseCommandLine(['--socket', '-', 'x'], SPEC).flags.socket, '-')
    const ended = parseCommandLine(['--json', '--', '--socket', '-h'], SPEC)
    assert.deepEqual(ended.positionals, ['--socket', '-h'])
    assert.equal(ended.help, false)
    assert.deepEqual({ ...ended.flags }, { json: true })
  })

  it('-h and --help ask for help and skip the positional checks; help is not a flag value', () => {
    for (const argv of [['--help'], ['-h'], ['--json', '-h']]) {
      const a = parseCommandLine(argv, SPEC)
      assert.equal(a.help, true, argv.join(' '))
      assert.equal(a.flags.help, undefined)
    }
  })

  it('refuses unknown flags, naming them', () => {
    refuses(['--frobnicate', 'x'], 'unknown flag --frobnicate for meshkeep demo')
    refuses(['x', '--frobnicate=1'], 'unknown flag --frobnicate')
    refuses(['-x', 'in'], 'unknown flag -x', 'spelled --name')
    refuses(['--no-json', 'x'], 'unknown flag --no-json')
  })

  it('refuses a flag without its value, naming the flag and the value it takes', () => {
    refuses(['x', '--socket'], '--socket needs a value (PATH)')
    refuses(['x', '--listen'], '--listen needs a value (MULTIADDR)')
    refuses(['--socket', '--json', 'x'], '--socket needs a value (PATH)', 'got the flag "--json"')
    assert.equal(parseCommandLine(['--socket=--json', 'x'], SPEC).flags.socket, '--json', 'an inline value may start with -')
  })

  it('refuses a value for a boolean, and a single-value flag given twice', () => {
    refuses(['--json=yes', 'x'], '--json takes no value', '"yes"')
    refuses(['--socket', 'a', '--socket', 'b', 'x'], '--socket given more than once')
  })

  it('refuses missing and extra positionals', () => {
    refuses([], 'missing IN')
    refuses(['--json'], 'missing IN')
    refuses(['a', 'b', 'c'], 'unexpected argument "c"')
  })
})

describe('every command', () => {
  it('parses its own help and documents every flag it accepts', () => {
    for (const command of COMMANDS) {
      assert.equal(parseCommandLine(['--help'], command).help, true, command.name)
      const help = commandHelp(command)
      assert.match(help, new RegExp(`^Usage: meshkeep ${command.name}\\b`, 'm'))
      for (const f of command.flags) assert.match(help, new RegExp(`^  --${f.name}\\b`, 'm'), `${command.name} --help lists --${f.name}`)
      for (const p of command.positionals) assert.ok(help.includes(`  ${p.name}`), `${command.name} --help lists ${p.name}`)
      const names = command.flags.map(f => f.name)
      assert.equal(new Set(names).size, names.length, `${command.name}: no flag twice`)
    }
  })

  it('the daemon takes each config key that has a flag, with the kind the key needs', () => {
    const daemon = COMMANDS.find(c => c.name === 'daemon')
    assert.ok(daemon !== undefined)
    for (const f of configFlags()) {
      assert.equal(daemon.flags.find(d => d.name === f.name)?.kind, f.kind, `--${f.name} sets ${f.key}`)
    }
    assert.deepEqual(
      configFlags().map(f => f.kind),
      ['string', 'string', 'list', 'list', 'string', 'boolean'],
      'data-dir, socket, listen, bootstrap, log-level, metrics'
    )
    const args = parseCommandLine(
      ['--data-dir', '/d', '--listen', '/ip4/127.0.0.1/tcp/1', '--listen', '/ip4/127.0.0.1/tcp/2', '--metrics', '--log-level', 'debug', '--config', '/c.toml'],
      daemon
    )
    assert.deepEqual(
      { ...args.flags },
      { 'data-dir': '/d', listen: ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2'], metrics: true, 'log-level': 'debug', config: '/c.toml' }
    )
  })
})
