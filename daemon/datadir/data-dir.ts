/**
 * The data dir: created 0700, holding the key file (node.key) next to the
 * database. `initDataDir` makes a node's identity once; `openDataDir` reads
 * it back at every start and refuses anything unsafe.
 */
import { mkdir, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { assertRootSecret, generateRootSecret, MeshkeepError, secretToPhrase } from '../../core/index.js'
import { decodeKeyFile, encodeKeyFile, fsyncDir, KEY_FILE_NAME, readKeyFile, writeKeyFileAtomic } from './key-file.js'

export interface InitDataDirOptions {
  /** the root secret, e.g. from a recovery phrase; else a fresh one is generated */
  secret?: Uint8Array
  /** seal the key file under this passphrase (scrypt + AES-256-GCM) */
  passphrase?: string
}

export interface InitDataDirResult {
  rootSecret: Uint8Array
  /** the 24-word recovery phrase of rootSecret: show it once, the user writes it down */
  phrase: string
  /** true when the data dir itself did not exist before */
  created: boolean
}

export interface OpenDataDirResult {
  rootSecret: Uint8Array
  keyFile: string
  /** the key file is sealed under a passphrase */
  encrypted: boolean
}

export function keyFilePath(dir: string): string {
  return join(dir, KEY_FILE_NAME)
}

/**
 * Creates the data dir (0700) if needed and writes a new key file. Refuses
 * with INVALID_PARAMS when a key file is already there: replacing it would
 * orphan every state replicated under the old identity.
 */
export async function initDataDir(dir: string, options: InitDataDirOptions = {}): Promise<InitDataDirResult> {
  const path = resolve(dir)
  const rootSecret = options.secret === undefined ? generateRootSecret() : new Uint8Array(options.secret)
  assertRootSecret(rootSecret)
  const created = await ensureDir(path)
  await checkDir(path)
  const keyFile = keyFilePath(path)
  if (await exists(keyFile)) {
    throw new MeshkeepError('INVALID_PARAMS', `data dir ${path} is already initialised (${keyFile} exists); refusing to replace its identity`)
  }
  await writeKeyFileAtomic(keyFile, await encodeKeyFile(rootSecret, options.passphrase))
  // a new directory's own entry must reach the disk too, or a crash could lose the whole dir
  if (created) await fsyncDir(dirname(path))
  return { rootSecret, phrase: secretToPhrase(rootSecret), created }
}

/**
 * Reads the root secret at start. Refuses a missing data dir or key file
 * (NOT_FOUND, saying to run `meshkeep init`), a data dir others can write or
 * a key file others can read or write (INSECURE_PERMISSIONS, saying which
 * chmod fixes it), a malformed or oversized key file (INVALID_KEY), a sealed
 * key file without its passphrase (INVALID_KEY) or with a wrong one
 * (DECRYPT_FAILED). A passphrase given for an unsealed file is ignored;
 * `encrypted: false` lets the caller warn.
 */
export async function openDataDir(dir: string, options: { passphrase?: string } = {}): Promise<OpenDataDirResult> {
  const path = resolve(dir)
  await checkDir(path)
  const keyFile = keyFilePath(path)
  const { rootSecret, encrypted } = await decodeKeyFile(await readKeyFile(keyFile), keyFile, options.passphrase)
  return { rootSecret, keyFile, encrypted }
}

/** mkdir -p with 0700; true when `dir` itself was created. */
async function ensureDir(dir: string): Promise<boolean> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 })
  return first !== undefined
}

/**
 * The data dir must be a directory that only its owner can write: whoever
 * can write it can replace node.key with an identity of their own.
 */
async function checkDir(dir: string): Promise<void> {
  let st: Awaited<ReturnType<typeof stat>>
  try {
    st = await stat(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MeshkeepError('NOT_FOUND', `no data dir at ${dir}; run meshkeep init --data-dir ${dir}`)
    }
    throw err
  }
  if (!st.isDirectory()) throw new MeshkeepError('INVALID_PARAMS', `data dir ${dir} is not a directory`)
  if ((st.mode & 0o022) !== 0) {
    throw new MeshkeepError(
      'INSECURE_PERMISSIONS',
      `data dir ${dir} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}: other users could replace the node's key; run chmod 700 ${dir}`
    )
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}
