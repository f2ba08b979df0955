/**
 * The key file, `<dataDir>/node.key`: the node's 32-byte root secret, in
 * the clear (`kdf: "none"`) or sealed under a passphrase (`kdf: "scrypt"`,
 * AES-256-GCM). Everything here is about the file's bytes: its format, its
 * encryption, reading it within bounds and writing it atomically.
 *
 * ```json
 * { "version": 1, "kdf": "none", "secret": "<64 hex>" }
 * { "version": 1, "kdf": "scrypt", "scrypt": { "N": 131072, "r": 8, "p": 1, "salt": "<32 hex>" },
 *   "cipher": "aes-256-gcm", "nonce": "<24 hex>", "sealed": "<96 hex>" }
 * ```
 */
import { randomBytes, scrypt } from 'node:crypto'
import { constants } from 'node:fs'
import { link, open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { aesGcmOpen, aesGcmSeal, assertRootSecret, fromHex, GCM_NONCE_BYTES, GCM_TAG_BYTES, MeshkeepError, ROOT_SECRET_BYTES, toHex } from '../../core/index.js'

export const KEY_FILE_NAME = 'node.key'
export const KEY_FILE_VERSION = 1
/** A key file is a few hundred bytes; a larger one is not ours. */
export const MAX_KEY_FILE_BYTES = 4096

export interface ScryptParams {
  N: number
  r: number
  p: number
}

/** 2^17 × 8 × 128 B = 128 MiB and about half a second per open: costly to guess, cheap once per start. */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }
const SALT_BYTES = 16

/**
 * What a key file may ask of us. The file names its own scrypt cost, so
 * without bounds a hostile or corrupt file could ask for gigabytes of memory
 * or minutes of CPU before the passphrase check fails.
 */
const SCRYPT_LIMITS = { minN: 2 ** 14, maxMemoryBytes: 256 * 1024 * 1024, maxR: 32, maxP: 4, minSalt: 16, maxSalt: 64 }

const MAX_PASSPHRASE_CHARS = 1024

type KeyFileJson =
  | { version: number; kdf: 'none'; secret: string }
  | { version: number; kdf: 'scrypt'; scrypt: ScryptParams & { salt: string }; cipher: 'aes-256-gcm'; nonce: string; sealed: string }

/** The key file's text for `secret`, sealed when a passphrase is given. */
export async function encodeKeyFile(secret: Uint8Array, passphrase?: string): Promise<string> {
  assertRootSecret(secret)
  let body: KeyFileJson
  if (passphrase === undefined) {
    body = { version: KEY_FILE_VERSION, kdf: 'none', secret: toHex(secret) }
  } else {
    const salt = new Uint8Array(randomBytes(SALT_BYTES))
    const nonce = new Uint8Array(randomBytes(GCM_NONCE_BYTES))
    const key = await deriveKey(passphrase, salt, SCRYPT_PARAMS)
    const sealed = aesGcmSeal(key, nonce, secret, aad(SCRYPT_PARAMS, salt))
    body = {
      version: KEY_FILE_VERSION,
      kdf: 'scrypt',
      scrypt: { ...SCRYPT_PARAMS, salt: toHex(salt) },
      cipher: 'aes-256-gcm',
      nonce: toHex(nonce),
      sealed: toHex(sealed)
    }
  }
  return `${JSON.stringify(body, null, 2)}\n`
}

/**
 * Parses a key file and returns its root secret. Anything unexpected
 * (unknown field, wrong length, out-of-bounds scrypt cost) is refused
 * before any work is done.
 */
export async function decodeKeyFile(text: string, path: string, passphrase?: string): Promise<{ rootSecret: Uint8Array; encrypted: boolean }> {
  const malformed = (why: string): MeshkeepError => new MeshkeepError('INVALID_KEY', `key file ${path} is malformed: ${why}`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw malformed('not JSON')
  }
  if (!isObject(json)) throw malformed('expected a JSON object')
  if (typeof json.version !== 'number') throw malformed('no "version"')
  if (json.version !== KEY_FILE_VERSION) {
    if (Number.isInteger(json.version) && json.version > KEY_FILE_VERSION) {
      throw new MeshkeepError(
        'UNSUPPORTED_VERSION',
        `key file ${path} has format version ${json.version}; this meshkeep reads version ${KEY_FILE_VERSION}. Upgrade meshkeep.`
      )
    }
    throw malformed(`unknown version ${JSON.stringify(json.version)}`)
  }
  if (json.kdf === 'none') {
    onlyFields(json, ['version', 'kdf', 'secret'], malformed)
    return { rootSecret: hexField(json.secret, 'secret', ROOT_SECRET_BYTES, ROOT_SECRET_BYTES, malformed), encrypted: false }
  }
  if (json.kdf !== 'scrypt') throw malformed(`unknown kdf ${JSON.stringify(json.kdf)}; expected "none" or "scrypt"`)
  onlyFields(json, ['version', 'kdf', 'scrypt', 'cipher', 'nonce', 'sealed'], malformed)
  if (json.cipher !== 'aes-256-gcm') throw malformed(`unknown cipher ${JSON.stringify(json.cipher)}; expected "aes-256-gcm"`)
  const kdf = json.scrypt
  if (!isObject(kdf)) throw malformed('"scrypt" must be an object')
  onlyFields(kdf, ['N', 'r', 'p', 'salt'], malformed)
  const params = checkScryptParams(kdf.N, kdf.r, kdf.p, malformed)
  const salt = hexField(kdf.salt, 'scrypt.salt', SCRYPT_LIMITS.minSalt, SCRYPT_LIMITS.maxSalt, malformed)
  const nonce = hexField(json.nonce, 'nonce', GCM_NONCE_BYTES, GCM_NONCE_BYTES, malformed)
  const sealed = hexField(json.sealed, 'sealed', ROOT_SECRET_BYTES + GCM_TAG_BYTES, ROOT_SECRET_BYTES + GCM_TAG_BYTES, malformed)
  if (passphrase === undefined) {
    throw new MeshkeepError('INVALID_KEY', `key file ${path} is protected by a passphrase; provide it (MESHKEEP_PASSPHRASE)`)
  }
  const key = await deriveKey(passphrase, salt, params)
  try {
    return { rootSecret: aesGcmOpen(key, nonce, sealed, aad(params, salt)), encrypted: true }
  } catch (err) {
    throw new MeshkeepError('DECRYPT_FAILED', `wrong passphrase for key file ${path} (or the file was altered)`, { cause: err })
  }
}

/**
 * Binds the KDF parameters to the ciphertext: a file whose cost or salt was
 * edited fails authentication instead of yielding a different key silently.
 */
function aad(params: ScryptParams, salt: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`meshkeep/node.key/v${KEY_FILE_VERSION}/scrypt/N=${params.N}/r=${params.r}/p=${params.p}/salt=${toHex(salt)}/aes-256-gcm`)
}

function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new MeshkeepError('INVALID_PARAMS', 'the passphrase is empty; give a non-empty passphrase or none')
  if (passphrase.length > MAX_PASSPHRASE_CHARS) throw new MeshkeepError('INVALID_PARAMS', `the passphrase is longer than ${MAX_PASSPHRASE_CHARS} characters`)
  // one passphrase, one key: the same text typed on another keyboard or OS may arrive in another Unicode form
  const password = Buffer.from(passphrase.normalize('NFC'), 'utf8')
  const maxmem = 2 * 128 * params.N * params.r
  return new Promise((resolve, reject) => {
    // async: the 128 MiB of hashing runs on the libuv pool, not the event loop
    scrypt(password, salt, 32, { ...params, maxmem }, (err, key) => (err === null ? resolve(new Uint8Array(key)) : reject(err)))
  })
}

function checkScryptParams(N: unknown, r: unknown, p: unknown, malformed: (why: string) => MeshkeepError): ScryptParams {
  if (!isPositiveInt(N) || !isPositiveInt(r) || !isPositiveInt(p)) throw malformed('scrypt N, r and p must be positive integers')
  if (N < SCRYPT_LIMITS.minN || (N & (N - 1)) !== 0) throw malformed(`scrypt N must be a power of two of at least ${SCRYPT_LIMITS.minN}, got ${N}`)
  if (r > SCRYPT_LIMITS.maxR || p > SCRYPT_LIMITS.maxP) throw malformed(`scrypt r must be at most ${SCRYPT_LIMITS.maxR} and p at most ${SCRYPT_LIMITS.maxP}`)
  if (128 * N * r > SCRYPT_LIMITS.maxMemoryBytes) {
    throw malformed(`scrypt N=${N}, r=${r} would need ${(128 * N * r) / 2 ** 20} MiB; at most ${SCRYPT_LIMITS.maxMemoryBytes / 2 ** 20} MiB is allowed`)
  }
  return { N, r, p }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function onlyFields(obj: Record<string, unknown>, allowed: string[], malformed: (why: string) => MeshkeepError): void {
  const extra = Object.keys(obj).filter(k => !allowed.includes(k))
  if (extra.length > 0) throw malformed(`unexpected field ${JSON.stringify(extra[0])}`)
}

function hexField(v: unknown, name: string, min: number, max: number, malformed: (why: string) => MeshkeepError): Uint8Array {
  if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v) || v.length / 2 < min || v.length / 2 > max) {
    throw malformed(`"${name}" must be ${min === max ? min : `${min} to ${max}`} bytes of lowercase hex`)
  }
  return fromHex(v)
}

/**
 * Reads the key file, refusing one that others can read or write (they
 * could copy the identity or swap it), one that is not a regular file, and
 * one larger than MAX_KEY_FILE_BYTES. The checks run on the opened
 * descriptor, so the file checked is the file read.
 */
export async function readKeyFile(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, constants.O_RDONLY)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new MeshkeepError('NOT_FOUND', `no key file at ${path}; run meshkeep init --data-dir ${dirname(path)} (or restore the data dir)`)
    }
    const hint = code === 'EACCES' ? ': permission denied; the key file must belong to the user meshkeep runs as' : ` (${code ?? String(err)})`
    throw new MeshkeepError('INVALID_KEY', `cannot read key file ${path}${hint}`, { cause: err })
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new MeshkeepError('INVALID_KEY', `key file ${path} is not a regular file`)
    if ((st.mode & 0o077) !== 0) {
      throw new MeshkeepError(
        'INSECURE_PERMISSIONS',
        `key file ${path} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}: other users can read or change the node's secret; run chmod 600 ${path}`
      )
    }
    if (st.size > MAX_KEY_FILE_BYTES)
      throw new MeshkeepError('INVALID_KEY', `key file ${path} is ${st.size} bytes; a key file is at most ${MAX_KEY_FILE_BYTES}`)
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > MAX_KEY_FILE_BYTES) throw new MeshkeepError('INVALID_KEY', `key file ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes`)
    }
    return buf.toString('utf8', 0, length)
  } finally {
    await handle.close()
  }
}

/**
 * Writes the key file so that a crash leaves either no key file or the whole
 * one, never a torn secret: a 0600 temp file in the same directory, fsync,
 * then link() to the final name, which fails if a key file appeared in the
 * meantime (rename would silently replace someone's identity), then fsync
 * the directory so the new name survives a power cut.
 */
export async function writeKeyFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path)
  const temp = join(dir, `.${basename(path)}.${toHex(new Uint8Array(randomBytes(6)))}.tmp`)
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    try {
      await handle.chmod(0o600) // the umask only removes bits, but be exact
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await link(temp, path)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw new MeshkeepError('INVALID_PARAMS', `a key file already exists at ${path}; refusing to replace it`)
      // some filesystems (FAT, a few FUSE mounts) have no hard links; fall back to check-then-rename
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err
      if (await exists(path)) throw new MeshkeepError('INVALID_PARAMS', `a key file already exists at ${path}; refusing to replace it`)
      await rename(temp, path)
    }
  } finally {
    await rm(temp, { force: true })
  }
  await fsyncDir(dir)
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
