/** meshkeep put FILE|- : streams a new state version to the daemon. */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { MeshkeepError } from '../../../core/index.js'
import type { PutRpcResult } from '../../control/results.js'
import { boolFlag } from '../argv.js'
import { humanBytes, humanMs, print, printJson } from '../output.js'
import { createProgress } from '../progress.js'
import { connectDaemon } from '../socket.js'
import { CONNECT_FLAGS, type Command, interruptSignal, JSON_FLAG } from './command.js'

/** Read size from the file: one control frame's worth. */
const READ_BYTES = 1024 * 1024

export const putCommand: Command = {
  name: 'put',
  summary: 'store a new state version (from a file or stdin)',
  description:
    'Streams the state to the daemon, which encrypts, chunks and replicates it, and prints the new version. In the DEGRADED write state the daemon refuses new writes (error WRITE_BLOCKED).',
  flags: [...CONNECT_FLAGS, JSON_FLAG],
  positionals: [{ name: 'FILE|-', help: 'the state to store; - reads stdin' }],
  run: async ({ flags, positionals }, io) => {
    const input = positionals[0] as string
    let total: number | undefined
    if (input !== '-') {
      // fail here, with the file's name, rather than halfway through a stream
      const st = await stat(input).catch((err: NodeJS.ErrnoException) => {
        throw new MeshkeepError(
          err.code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_PARAMS',
          `cannot read ${input}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`
        )
      })
      if (!st.isFile()) throw new MeshkeepError('INVALID_PARAMS', `${input} is not a regular file`)
      total = st.size
    }
    const source: AsyncIterable<Uint8Array> = input === '-' ? io.stdin : createReadStream(input, { highWaterMark: READ_BYTES })
    const interrupt = interruptSignal()
    const client = await connectDaemon(flags, io.env, interrupt.signal)
    const progress = createProgress(io.stderr, 'put', total)
    try {
      const r = await client.upload<PutRpcResult>('put', {}, source, { signal: interrupt.signal, onProgress: progress.update })
      progress.done()
      if (boolFlag(flags, 'json')) printJson(io, r)
      else {
        print(
          io,
          `stored version ${r.version}: ${humanBytes(r.totalSize)} in ${r.chunks} chunks, ${r.chunksReplicated} replicated (${humanBytes(r.bytesSent)} sent) in ${humanMs(r.ms)}`
        )
        if (r.retries + r.fallbacks + r.invalidAttestations > 0)
          print(io, `retries ${r.retries}, fallbacks ${r.fallbacks}, invalid attestations ${r.invalidAttestations}`)
        print(io, `write state ${r.writeState}`)
      }
      return 0
    } finally {
      progress.done()
      interrupt.dispose()
      client.close()
      // a producer may keep the pipe open after the daemon refused or aborted: stop reading it
      if (input === '-') io.stdin.destroy()
    }
  }
}
