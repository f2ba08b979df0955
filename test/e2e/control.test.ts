/**
 * One daemon on its own (no peers): the control socket under good and bad
 * clients, status in PROVISIONAL, metrics, SIGHUP, sd_notify, a stale
 * socket, a second daemon on the same socket, and a graceful stop that
 * aborts a put in flight without publishing half a version.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { WRITE_STATE_ADVICE } from '../../core/index.js'
import { ControlClient, ControlError, frameHeader, SocketReader } from '../../daemon/control/index.js'
import type { StatusResult } from '../../daemon/control/results.js'
import {
  configPath,
  type DaemonProcess,
  freePort,
  initNode,
  type NotifyListener,
  runCli,
  spawnCli,
  startNotifyListener,
  Workspace,
  waitFor
} from '../../scripts/lib/daemon-process.js'

const PASSPHRASE = 'an example passphrase'

/** A raw connection to the control socket, to send what no well-behaved client would. */
class RawConnection {
  readonly reader: SocketReader
  private constructor(readonly socket: Socket) {
    this.reader = new SocketReader(socket)
  }
  static open(path: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(path)
      s.once('connect', () => resolve(new RawConnection(s)))
      s.once('error', reject)
    })
  }
  send(data: string | Uint8Array): void {
    this.socket.write(data)
  }
  async response(): Promise<{ id: unknown; result?: unknown; error?: { code: number; message: string; data?: { code: string } } }> {
    const line = await this.reader.readLine(1 << 24, { idleTimeoutMs: 10_000 })
    assert.equal(line.kind, 'line', 'the daemon answers with a line')
    return JSON.parse((line as { text: string }).text)
  }
  close(): void {
    this.socket.destroy()
  }
}

/** Makes a socket file nobody listens on, as a daemon killed with SIGKILL leaves behind. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`])
  await new Promise(resolve => child.on('exit', resolve))
  assert.ok(statSync(path).isSocket(), 'a stale socket file is left')
}

describe('one daemon: control socket, metrics, signals', { timeout: 150_000 }, () => {
  const ws = new Workspace()
  let d: DaemonProcess
  let dataDir: string
  let metricsPort: number
  let notify: NotifyListener | undefined
  const config = (extra: Record<string, unknown> = {}) => ({
    metrics: { enabled: true, listen: `127.0.0.1:${metricsPort}` },
    control: { maxRequestBytes: 4096, maxClients: 4 },
    ...extra
  })

  before(async () => {
    dataDir = await ws.path('solo')
    const pass = await ws.path('pass')
    await writeFile(pass, PASSPHRASE)
    const init = await runCli(['init', '--data-dir', dataDir, '--passphrase-file', pass])
    assert.equal(init.code, 0, init.stderr)
    await staleSocket(`${dataDir}/control.sock`)
    metricsPort = await freePort()
    notify = await startNotifyListener(await ws.path('notify.sock'))
    const env: Record<string, string> = { MESHKEEP_PASSPHRASE: PASSPHRASE }
    if (notify !== undefined) Object.assign(env, { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '300000' })
    d = await ws.start({ dataDir, config: config(), env })
  })
  after(async () => {
    await ws.close()
    notify?.stop()
  })

  it('starts with a sealed key file, replaces a stale socket, and serves it with mode 0600', () => {
    assert.ok(
      d.logs().some(l => l.msg === 'removed a stale control socket nobody answered on'),
      'the stale socket was noticed'
    )
    const start = d.logs().find(l => l.msg === 'meshkeep daemon started')
    assert.ok(start, 'one start line')
    assert.equal(start.peerId, d.peerId)
    assert.equal(start.socket, d.socket)
    assert.equal(start.dataDir, dataDir)
    assert.equal(statSync(d.socket).mode & 0o777, 0o600)
  })

  it('status says PROVISIONAL and what it means; id and status have their JSON fields', async () => {
    const human = await runCli(['status', '--data-dir', dataDir])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /write state\s+PROVISIONAL/)
    assert.ok(human.stdout.includes(WRITE_STATE_ADVICE.PROVISIONAL), 'the advice line')
    const s = JSON.parse((await runCli(['status', '--json', '--socket', d.socket])).stdout) as StatusResult
    assert.equal(s.peerId, d.peerId)
    assert.equal(s.writeState, 'PROVISIONAL')
    assert.equal(s.version, null)
    assert.deepEqual(Object.keys(s.chunks).sort(), ['atRisk', 'initializing', 'partial', 'replicated', 'total'])
    assert.equal(typeof s.healthRatio, 'number')
    assert.equal(typeof s.recoveryConfidence, 'string')
    assert.equal(typeof s.registry.members, 'number')
    assert.equal(typeof s.registry.epoch, 'number')
    assert.equal(s.peers, 0)
    const id = JSON.parse((await runCli(['id', '--json'], { env: { MESHKEEP_SOCKET: d.socket } })).stdout) as { peerId: string; addrs: string[] }
    assert.equal(id.peerId, d.peerId)
    assert.ok(id.addrs.every(a => a.startsWith('/ip4/127.0.0.1/tcp/') && a.endsWith(`/p2p/${d.peerId}`)))
  })

  it('answers garbage with JSON-RPC errors carrying meshkeep codes, and keeps serving', async () => {
    const c = await RawConnection.open(d.socket)
    try {
      c.send('hello\n')
      let r = await c.response()
      assert.equal(r.id, null)
      assert.equal(r.error?.code, -32700)
      assert.equal(r.error?.data?.code, 'INVALID_MESSAGE')

      c.send(Buffer.from([0xff, 0x00, 0x13, 0x37, 0x0a]))
      r = await c.response()
      assert.equal(r.error?.code, -32700)

      c.send('{"jsonrpc":"2.0","id":1,"method":"frobnicate"}\n')
      r = await c.response()
      assert.equal(r.id, 1)
      assert.equal(r.error?.code, -32601)
      assert.equal(r.error?.data?.code, 'NOT_FOUND')

      c.send('{"jsonrpc":"1.0","id":2,"method":"status"}\n')
      r = await c.response()
      assert.equal(r.error?.code, -32600)

      c.send('{"jsonrpc":"2.0","id":3,"method":"status","params":[1,2]}\n')
      r = await c.response()
      assert.equal(r.error?.code, -32602)
      assert.equal(r.error?.data?.code, 'INVALID_PARAMS')

      c.send('{"jsonrpc":"2.0","id":4,"method":"status","params":{"verbose":true}}\n')
      r = await c.response()
      assert.equal(r.error?.data?.code, 'INVALID_PARAMS')
      assert.match(r.error?.message ?? '', /unknown parameter "verbose"/)

      // a line over control.maxRequestBytes (4 KiB here) is skipped unread, not parsed
      c.send(`{"jsonrpc":"2.0","id":5,"method":"status","pad":"${'x'.repeat(20_000)}"}\n`)
      r = await c.response()
      assert.equal(r.error?.code, -32600)
      assert.match(r.error?.message ?? '', /over the 4096-byte limit/)

      // a download with bad params: the stream is aborted, then the error
      c.send('{"jsonrpc":"2.0","id":6,"method":"get","params":{"version":"x"}}\n')
      const frame = await c.reader.readFrame({ idleTimeoutMs: 10_000 })
      assert.equal(frame.kind, 'abort')
      r = await c.response()
      assert.equal(r.id, 6)
      assert.equal(r.error?.data?.code, 'INVALID_PARAMS')

      // an upload refused at once: the daemon skips the frames the client already sent
      c.send('{"jsonrpc":"2.0","id":7,"method":"put","params":{"x":1}}\n')
      c.send(Buffer.concat([frameHeader(3), Buffer.from('abc'), frameHeader(0)]))
      r = await c.response()
      assert.equal(r.id, 7)
      assert.equal(r.error?.data?.code, 'INVALID_PARAMS')

      // the same connection still works
      c.send('{"jsonrpc":"2.0","id":"last","method":"id"}\n')
      r = await c.response()
      assert.equal(r.id, 'last')
      assert.equal((r.result as { peerId: string }).peerId, d.peerId)
    } finally {
      c.close()
    }
    // and so do other clients and the daemon
    assert.equal(d.running, true)
    assert.equal((await d.call<StatusResult>('status')).peerId, d.peerId)
  })

  it('a frame over 1 MiB is a protocol violation: that connection is closed, nothing else', async () => {
    const c = await RawConnection.open(d.socket)
    c.send('{"jsonrpc":"2.0","id":1,"method":"put"}\n')
    c.send(frameHeader(5 * 1024 * 1024))
    const r = await c.response()
    assert.equal(r.error?.data?.code, 'INVALID_MESSAGE')
    await waitFor('the connection to close', () => c.reader.exhausted, 10_000, 50)
    c.close()
    assert.equal((await d.call<StatusResult>('status')).writeState, 'PROVISIONAL')
  })

  it('refuses clients over control.maxClients with BUSY, and serves again once they leave', async () => {
    const idle = await Promise.all(Array.from({ length: 4 }, () => RawConnection.open(d.socket)))
    try {
      await waitFor(
        'the daemon to count 4 clients',
        async () => {
          const extra = await ControlClient.connect(d.socket)
          try {
            await extra.call('status')
            return false
          } catch (err) {
            return err instanceof ControlError && err.code === 'BUSY'
          } finally {
            extra.close()
          }
        },
        10_000
      )
    } finally {
      for (const c of idle) c.close()
    }
    await waitFor('a client slot', () => d.call<StatusResult>('status').then(() => true), 10_000)
  })

  it('a second daemon on the same socket is refused before it opens anything', async () => {
    const other = await ws.path('other')
    await initNode(other)
    const r = await runCli(['daemon', '--data-dir', other, '--socket', d.socket, '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 30_000 })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error BUSY: another meshkeep daemon answers on /m)
    assert.equal(d.running, true)
    assert.equal((await d.call<StatusResult>('status')).peerId, d.peerId, 'the first daemon still serves its socket')
  })

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    for (const name of [
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
      assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'), `${name} is exposed`)
    }
    assert.match(text, /^meshkeep_write_state\{state="PROVISIONAL"\} 1$/m)
    assert.match(text, /^meshkeep_write_state\{state="ACTIVE"\} 0$/m)
    assert.match(text, /^meshkeep_chunks\{health="at_risk"\} \d+$/m)
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status, 404)
  })

  it('tells systemd READY=1 and pings WATCHDOG=1 (via systemd-notify)', async t => {
    if (notify === undefined) {
      t.skip('systemd-socket-activate or systemd-notify is not installed')
      return
    }
    const n = notify
    await waitFor('READY=1', () => n.messages.some(m => m.split('\n').includes('READY=1')), 10_000)
    await waitFor('two WATCHDOG=1 pings', () => n.messages.filter(m => m.split('\n').includes('WATCHDOG=1')).length >= 2, 10_000)
    const ready = n.messages.find(m => m.includes('READY=1')) ?? ''
    assert.match(ready, new RegExp(`STATUS=serving as ${d.peerId}`))
  })

  it('stores a version while PROVISIONAL (kept on this machine only)', async () => {
    const file = await ws.path('small.bin')
    await writeFile(file, Buffer.alloc(300_000, 7))
    const r = await runCli(['put', file, '--socket', d.socket])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /stored version 1: /)
    assert.match(r.stdout, /write state PROVISIONAL/)
    const s = await d.call<StatusResult>('status')
    assert.equal(s.version, 1)
    assert.equal(s.size, 300_000)
    assert.equal(s.recoveryConfidence, 'NONE', 'no remote copy exists')
  })

  it('SIGHUP applies the log level live and names the keys that need a restart', async () => {
    await writeFile(configPath(dataDir), JSON.stringify(config({ logLevel: 'debug', holder: { capacityBytes: '1GiB' } })))
    const before = d.lines.length
    d.child.kill('SIGHUP')
    const line = await waitFor('the reload log line', () => d.logs().find(l => typeof l.msg === 'string' && l.msg.startsWith('configuration reloaded')), 10_000)
    assert.deepEqual(line.applied, ['logLevel'])
    assert.deepEqual(line.needsRestart, ['holder.capacityBytes'])
    await d.call('status')
    await waitFor(
      'a debug line',
      () =>
        d
          .logs()
          .slice(before)
          .some(l => l.level === 'debug' && l.msg === 'control request'),
      5000
    )

    await writeFile(configPath(dataDir), '{ not json')
    d.child.kill('SIGHUP')
    await waitFor('the failed reload line', () => d.logs().find(l => l.msg === 'config reload failed; the running configuration stays'), 10_000)
    assert.equal((await d.call<StatusResult>('status')).peerId, d.peerId, 'a bad reload changes nothing')
    await writeFile(configPath(dataDir), JSON.stringify(config()))
  })

  it('SIGTERM aborts a put in flight (no half version), exits 0 and removes the socket; a restart keeps the state', async () => {
    const put = spawnCli(['put', '-', '--socket', d.socket])
    // 2 MiB, then the stream stays open: the put is in flight when the signal comes
    put.child.stdin?.write(Buffer.alloc(2 * 1024 * 1024, 1))
    await waitFor('the put to be running', async () => (await d.call<StatusResult>('status')).operations.some(o => o.method === 'put'), 10_000)
    const exit = await d.stop('SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null })
    const r = await put.result
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error ABORTED: .*stopping/m)
    assert.throws(() => statSync(d.socket), /ENOENT/, 'the socket file is removed')
    assert.ok(d.logs().some(l => l.msg === 'stopped'))
    if (notify !== undefined) {
      const n = notify
      await waitFor('STOPPING=1', () => n.messages.some(m => m.split('\n').includes('STOPPING=1')), 10_000)
    }

    d = await ws.start({ dataDir, config: config(), env: { MESHKEEP_PASSPHRASE: PASSPHRASE } })
    const s = await d.call<StatusResult>('status')
    assert.equal(s.version, 1, 'the aborted put published nothing; version 1 survived the restart')
    assert.equal(s.size, 300_000)
  })
})
