/** meshkeep init: create a node's identity (or restore it from its recovery phrase). */
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { defaultDataDir } from '../../../config/defaults.js'
import { deriveNodeKeys, identityFromSeed, MeshkeepError, phraseToSecret } from '../../../core/index.js'
import { initDataDir } from '../../datadir/index.js'
import { boolFlag, stringFlag } from '../argv.js'
import { type CliIo, print, printJson } from '../output.js'

import type { Command } from './command.js'

/** A phrase is 24 words; anything much longer on stdin is not one. */
const MAX_PHRASE_INPUT = 4096

async function readPhrase(io: CliIo): Promise<string> {
  if (io.stdin.isTTY === true) {
    // at a terminal: one prompted line, not "type, then Ctrl-D"
    const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false })
    try {
      io.stderr.write('Recovery phrase (24 words): ')
      const [line] = await once(rl, 'line')
      return String(line)
    } finally {
      rl.close()
    }
  }
  return readStdin(io)
}

async function readStdin(io: CliIo): Promise<string> {
  const parts: Buffer[] = []
  let n = 0
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    n += b.length
    if (n > MAX_PHRASE_INPUT) throw new MeshkeepError('INVALID_PHRASE', `stdin has more than ${MAX_PHRASE_INPUT} bytes; expected the 24-word recovery phrase`)
    parts.push(b)
  }
  return Buffer.concat(parts).toString('utf8')
}

async function passphraseOf(flags: Record<string, unknown>, io: CliIo): Promise<string | undefined> {
  const file = typeof flags['passphrase-file'] === 'string' ? flags['passphrase-file'] : undefined
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new MeshkeepError('INVALID_PARAMS', `cannot read the passphrase file ${file}: ${err.code ?? err.message}`)
    })
    // one trailing newline is how editors and `echo` end a file, not part of the passphrase
    return text.replace(/\r?\n$/, '')
  }
  const env = io.env.MESHKEEP_PASSPHRASE
  return env === undefined || env === '' ? undefined : env
}

export const initCommand: Command = {
  name: 'init',
  summary: "create a node's identity in a data dir and print its recovery phrase",
  description:
    'Creates DIR (0700) and its key file with a new root secret, and prints the 24-word recovery phrase ONCE. With --recover, reads a phrase from stdin instead and restores that identity (to rebuild its state on this machine with meshkeep recover). A passphrase (--passphrase-file, or $MESHKEEP_PASSPHRASE) seals the key file; the daemon then needs $MESHKEEP_PASSPHRASE.',
  flags: [
    { name: 'data-dir', kind: 'string', value: 'DIR', help: 'where to create the node (else $MESHKEEP_DATA_DIR, else the default data dir)' },
    { name: 'recover', kind: 'boolean', help: 'read a recovery phrase from stdin and restore its identity' },
    { name: 'passphrase-file', kind: 'string', value: 'FILE', help: 'seal the key file with the passphrase in FILE' },
    { name: 'json', kind: 'boolean', help: 'print {dataDir, peerId, phrase, encrypted} as JSON' }
  ],
  positionals: [],
  run: async ({ flags }, io) => {
    const dataDir = resolve(stringFlag(flags, 'data-dir') ?? (io.env.MESHKEEP_DATA_DIR || defaultDataDir(io.env)))
    const recover = boolFlag(flags, 'recover')
    const passphrase = await passphraseOf(flags, io)
    const secret = recover ? phraseToSecret(await readPhrase(io)) : undefined
    const result = await initDataDir(dataDir, { ...(secret === undefined ? {} : { secret }), ...(passphrase === undefined ? {} : { passphrase }) })
    const peerId = identityFromSeed(deriveNodeKeys(result.rootSecret).identitySeed).peerIdString
    const encrypted = passphrase !== undefined
    if (boolFlag(flags, 'json')) {
      printJson(io, { dataDir, peerId, encrypted, ...(recover ? {} : { phrase: result.phrase }) })
      return 0
    }
    if (recover) {
      print(io, `Restored node ${peerId} in ${dataDir} from its recovery phrase${encrypted ? ' (key file sealed with the passphrase)' : ''}.`)
      print(io, `Next: meshkeep daemon --data-dir ${dataDir} --bootstrap <peer>, then meshkeep recover --data-dir ${dataDir} OUT`)
      return 0
    }
    print(io, `Created node ${peerId} in ${dataDir}${encrypted ? ' (key file sealed with the passphrase)' : ''}.`)
    print(io)
    print(io, 'Recovery phrase (24 words):')
    print(io)
    const words = result.phrase.split(' ')
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
    print(io, `  ${result.phrase}`)
    print(io)
    print(io, 'WARNING: this phrase is shown once and never again. Write it down now and keep it offline.')
    print(io, 'It is the only way to rebuild this node and its state if this machine is lost; anyone who has it can read the state.')
    return 0
  }
}
