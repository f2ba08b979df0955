/** meshkeep get / recover: stream a state version from the network into a file (atomically) or stdout. */

import type { ControlClient } from '../../control/index.js'
import type { RecoverRpcResult, StatusResult } from '../../control/results.js'
import { boolFlag, type FlagValues, stringFlag, UsageError } from '../argv.js'
import { type CliIo, humanBytes, humanMs } from '../output.js'
import { openOutput } from '../output-file.js'
import { createProgress } from '../progress.js'
import { connectDaemon } from '../socket.js'
import { CONNECT_FLAGS, type Command, interruptSignal, JSON_FLAG } from './command.js'

const OUT = { name: 'OUT|-', help: 'file to write (atomically: a temp file renamed when complete); - writes stdout' }

async function download(method: 'get' | 'recover', params: Record<string, unknown>, flags: FlagValues, target: string, io: CliIo): Promise<number> {
  const interrupt = interruptSignal()
  const client = await connectDaemon(flags, io.env, interrupt.signal)
  let out: Awaited<ReturnType<typeof openOutput>> | undefined
  try {
    const total = method === 'get' ? await knownSize(client, io) : undefined
    out = await openOutput(target, io.stdout)
    const progress = createProgress(io.stderr, method, total)
    const sink = out
    let report: RecoverRpcResult
    try {
      report = await client.download<RecoverRpcResult>(method, params, bytes => sink.write(bytes), { signal: interrupt.signal, onProgress: progress.update })
    } finally {
      progress.done()
    }
    await out.commit()
    out = undefined
    // with `-` the state owns stdout: the report goes to stderr
    const stream = target === '-' ? io.stderr : io.stdout
    if (boolFlag(flags, 'json')) stream.write(`${JSON.stringify(report, null, 2)}\n`)
    else {
      stream.write(
        `${method === 'get' ? 'read' : 'recovered'} version ${report.version}: ${humanBytes(report.bytes)} in ${report.chunks} chunks from ${report.holdersUsed.length} holder${report.holdersUsed.length === 1 ? '' : 's'}, ${report.retries} retries, ${humanMs(report.ms)}${target === '-' ? '' : ` → ${target}`}\n`
      )
      if (report.holdersUsed.length > 0) stream.write(`holders used: ${report.holdersUsed.join(', ')}\n`)
      if (method === 'recover')
        stream.write('the daemon now locates the remote copies in the background; writes stay blocked until `meshkeep status` shows them\n')
    }
    return 0
  } finally {
    await out?.discard()
    interrupt.dispose()
    client.close()
  }
}

/** The latest version's size for the progress bar; only worth a request when a bar is shown. */
async function knownSize(client: ControlClient, io: CliIo): Promise<number | undefined> {
  if (io.stderr.isTTY !== true) return undefined
  const s = await client.call<StatusResult>('status')
  return s.size ?? undefined
}

export const getCommand: Command = {
  name: 'get',
  summary: "read this node's latest state version back from the network",
  description:
    "Like recover, but only for this node's latest known version; --version names it explicitly (older versions are not served: NOT_FOUND). On failure OUT is left untouched.",
  flags: [...CONNECT_FLAGS, JSON_FLAG, { name: 'version', kind: 'string', value: 'N', help: 'the version to read (only the latest is available)' }],
  positionals: [OUT],
  run: async ({ flags, positionals }, io) => {
    const params: Record<string, unknown> = {}
    const v = stringFlag(flags, 'version')
    if (v !== undefined) {
      if (!/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--version needs a positive integer, got "${v}"`, 'get')
      params.version = Number(v)
    }
    return download('get', params, flags, positionals[0] as string, io)
  }
}

export const recoverCommand: Command = {
  name: 'recover',
  summary: 'rebuild the latest state from the network (e.g. on a fresh machine)',
  description:
    'Finds the latest version pointer of this identity in the mesh, fetches the manifest and every chunk from their holders, checks them, and writes the state to OUT. Prints the recovery report: chunks, bytes, holders used, retries, time. On failure OUT is left untouched.',
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [OUT],
  run: async ({ flags, positionals }, io) => download('recover', {}, flags, positionals[0] as string, io)
}
