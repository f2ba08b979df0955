/** meshkeep rotate: replace the node's recovery phrase (and identity) with a new one. */
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { sha256, toHex } from '../../../core/index.js'
import type { ControlClient } from '../../control/index.js'
import type { RotatePrepareResult, RotationState, RotationStatus } from '../../rotation/index.js'
import { boolFlag } from '../argv.js'
import { type CliIo, print, printJson } from '../output.js'
import { connectDaemon } from '../socket.js'
import { CONNECT_FLAGS, type Command, interruptSignal, JSON_FLAG } from './command.js'

/** How often a waiting `rotate` asks the daemon how far the rotation got, ms. */
const POLL_MS = 1000

const STEP_TEXT: Record<RotationState, string> = {
  none: 'no rotation so far',
  prepared: 'prepared: the new phrase was shown but not confirmed',
  confirmed: 'confirmed: switching this node to the new identity',
  switched: 'switched: the node runs as the new identity; putting the latest state again under it',
  reput: 'state re-put under the new identity; waiting until every chunk has two attested copies',
  replicated: 'replicated; publishing the handoff record (signed by the old identity)',
  'handoff-published': "handoff published: from now on only the new phrase recovers the state; releasing the old identity's data",
  released: "old identity's data released at the holders; deleting the old secret",
  done: 'done'
}

function printPhrase(io: CliIo, p: RotatePrepareResult): void {
  print(io, `Rotating ${p.from} to a new identity ${p.to}.`)
  print(io)
  print(io, 'New recovery phrase (24 words):')
  print(io)
  const words = p.phrase.split(' ')
  for (let i = 0; i < words.length; i += 4) {
    print(
      io,
      `  ${words
        .slice(i, i + 4)
        .map((w, k) => `${String(i + k + 1).padStart(2)}. ${w.padEnd(10)}`)
        .join(' ')
        .trimEnd()}`
    )
  }
  print(io)
  print(io, `  ${p.phrase}`)
  print(io)
  print(io, 'WARNING: this phrase is shown once and never again. Write it down now and keep it offline.')
  print(io, 'It replaces the old phrase: once the rotation is done, the old phrase recovers nothing.')
}

/** At a terminal, waits for Enter (true) or Ctrl-C (false) before the switch. */
async function userConfirms(io: CliIo, signal: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false })
  try {
    io.stderr.write('Press Enter once the new phrase is written down (Ctrl-C cancels the rotation): ')
    await once(rl, 'line', { signal })
    return true
  } catch (err) {
    if (signal.aborted) return false
    throw err
  } finally {
    rl.close()
  }
}

function describe(s: RotationStatus): string {
  const text = STEP_TEXT[s.state]
  if (s.state === 'done') return `done: rotated from ${s.from} to ${s.to}`
  if (s.state === 'reput' && s.reput !== undefined) {
    return s.reput.fromVersion === null
      ? 'nothing to carry over (the old identity had stored no state); waiting to publish the handoff'
      : `version ${s.reput.fromVersion} of the old identity is version ${s.reput.toVersion} of the new one; waiting until every chunk has two attested copies`
  }
  return text
}

function printStatus(io: CliIo, s: RotationStatus): void {
  print(io, `rotation       ${s.state}`)
  if (s.from !== undefined) print(io, `from           ${s.from}`)
  if (s.to !== undefined) print(io, `to             ${s.to}`)
  if (s.rotatedAt !== undefined) print(io, `rotated at     ${new Date(s.rotatedAt).toISOString()}`)
  if (s.completedAt !== undefined) print(io, `completed at   ${new Date(s.completedAt).toISOString()}`)
  if (s.state !== 'none') print(io, `step           ${describe(s)}`)
  if (s.waitingFor !== undefined) print(io, `waiting for    ${s.waitingFor}`)
  if (s.lastError !== undefined) print(io, `last error     ${s.lastError} (retried)`)
  if (s.release !== undefined) {
    const unreached = s.release.unreached.length === 0 ? '' : `; not reached: ${s.release.unreached.join(', ')} (their copies expire with their leases)`
    print(io, `released       ${s.release.released} items at ${s.release.holders} holders${unreached}`)
  }
}

/** Follows the rotation until it is done, printing each step once; Ctrl-C stops following (the daemon goes on). */
async function follow(client: ControlClient, io: CliIo, signal: AbortSignal): Promise<number> {
  let shown = ''
  let error = ''
  for (;;) {
    let s: RotationStatus
    try {
      s = await client.call<RotationStatus>('rotation', {}, { signal })
    } catch (err) {
      if (signal.aborted) {
        print(io, 'stopped following; the rotation goes on in the daemon (meshkeep rotate --status)')
        return 130
      }
      throw err
    }
    const line = describe(s)
    if (line !== shown) {
      print(io, line)
      shown = line
    }
    if (s.lastError !== undefined && s.lastError !== error) io.stderr.write(`  retrying after: ${s.lastError}\n`)
    error = s.lastError ?? ''
    if (s.state === 'done' || s.state === 'none') return 0
    if (s.held === true) {
      print(io, 'the rotation is held by MESHKEEP_TEST_ROTATION_HOLD')
      return 0
    }
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, POLL_MS)
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          resolve()
        },
        { once: true }
      )
    })
  }
}

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 'replace the recovery phrase with a new one (e.g. after it leaked) and move the state over',
  description:
    "Makes a new root secret and prints its recovery phrase ONCE. Once confirmed (Enter at a terminal; at once otherwise), the daemon switches to the new identity, puts the latest state again under it, and when every chunk has two attested copies publishes a handoff signed by the old identity and releases the old identity's data. Until the handoff is published the old phrase recovers the state; after it, only the new one. An interrupted rotation resumes when the daemon starts. --status shows how far it got.",
  flags: [
    ...CONNECT_FLAGS,
    { ...JSON_FLAG, help: 'print {from, to, phrase} (or the status) as JSON; does not wait for the rotation to finish' },
    { name: 'status', kind: 'boolean', help: 'show the rotation under way (or the last one) and exit' },
    { name: 'no-wait', kind: 'boolean', help: 'return once the rotation is confirmed; the daemon carries it out' }
  ],
  positionals: [],
  run: async ({ flags }, io) => {
    const json = boolFlag(flags, 'json')
    const interrupt = interruptSignal()
    const client = await connectDaemon(flags, io.env, interrupt.signal)
    try {
      if (boolFlag(flags, 'status')) {
        const s = await client.call<RotationStatus>('rotation')
        if (json) printJson(io, s)
        else printStatus(io, s)
        return 0
      }
      const prepared = await client.call<RotatePrepareResult>('rotate', {}, { timeoutMs: 120_000 })
      // shown before it is confirmed: node.key only ever holds a secret whose phrase the user has seen
      if (json) printJson(io, { from: prepared.from, to: prepared.to, phrase: prepared.phrase })
      else printPhrase(io, prepared)
      if (io.stdin.isTTY === true && !(await userConfirms(io, interrupt.signal))) {
        await client.call<RotationStatus>('rotate', { cancel: true })
        print(io, 'rotation cancelled; the new phrase is void and the old one stays')
        return 130
      }
      const digest = toHex(sha256(new TextEncoder().encode(prepared.phrase)))
      await client.call<RotationStatus>('rotate', { confirm: digest }, { timeoutMs: 120_000 })
      if (json || boolFlag(flags, 'no-wait')) {
        if (!json) print(io, 'rotation confirmed; the daemon carries it out (meshkeep rotate --status follows it)')
        return 0
      }
      return await follow(client, io, interrupt.signal)
    } catch (err) {
      if (interrupt.signal.aborted) return 130
      throw err
    } finally {
      interrupt.dispose()
      client.close()
    }
  }
}
