import assert from 'node:assert/strict'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateRootSecret, phraseToSecret, toHex } from '../../core/index.js'
import { initDataDir, keyFilePath, MAX_KEY_FILE_BYTES, openDataDir } from '../../daemon/datadir/index.js'

let root: string
let n = 0
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshkeep-datadir-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

/** A path under the temp root that does not exist yet. */
function fresh(): string {
  return join(root, `d${n++}`)
}

function mode(st: { mode: number }): number {
  return st.mode & 0o777
}

/** A data dir holding `text` as its key file, mode 0600. */
async function withKeyFile(text: string | Buffer): Promise<string> {
  const dir = fresh()
  await mkdir(dir, { mode: 0o700 })
  await writeFile(keyFilePath(dir), text, { mode: 0o600 })
  return dir
}

describe('initDataDir', () => {
  it('creates a 0700 dir and a 0600 key file that opens to the same secret and phrase', async () => {
    const dir = join(fresh(), 'nested')
    const init = await initDataDir(dir)
    assert.equal(init.created, true)
    assert.equal(init.rootSecret.length, 32)
    assert.equal(init.phrase.split(' ').length, 24)
    assert.deepEqual(phraseToSecret(init.phrase), init.rootSecret)
    assert.equal(mode(await stat(dir)), 0o700)
    assert.equal(mode(await stat(keyFilePath(dir))), 0o600)
    assert.equal(keyFilePath(dir), join(dir, 'node.key'))
    assert.deepEqual(await readdir(dir), ['node.key'], 'no temp file is left behind')
    const json = JSON.parse(await readFile(keyFilePath(dir), 'utf8'))
    assert.deepEqual(json, { version: 1, kdf: 'none', secret: toHex(init.rootSecret) })

    const opened = await openDataDir(dir)
    assert.deepEqual(opened.rootSecret, init.rootSecret)
    assert.equal(opened.keyFile, keyFilePath(dir))
    assert.equal(opened.encrypted, false)
  })

  it('restores a secret from its recovery phrase into an existing empty dir', async () => {
    const secret = generateRootSecret()
    const dir = fresh()
    await mkdir(dir, { mode: 0o700 })
    const init = await initDataDir(dir, { secret })
    assert.equal(init.created, false)
    assert.deepEqual(init.rootSecret, secret)
    assert.deepEqual((await openDataDir(dir)).rootSecret, secret)
    await assert.rejects(initDataDir(fresh(), { secret: new Uint8Array(31) }), { code: 'INVALID_KEY' })
  })

  it('refuses to replace an existing key file, even when two inits race', async () => {
    const dir = fresh()
    await initDataDir(dir)
    const before = await readFile(keyFilePath(dir))
    await assert.rejects(initDataDir(dir), { code: 'INVALID_PARAMS', message: /already initialised/ })
    assert.deepEqual(await readFile(keyFilePath(dir)), before)

    const racy = fresh()
    const results = await Promise.allSettled([initDataDir(racy), initDataDir(racy), initDataDir(racy)])
    const won = results.filter(r => r.status === 'fulfilled')
    assert.equal(won.length, 1, 'exactly one init wins')
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'INVALID_PARAMS')
    assert.deepEqual((await openDataDir(racy)).rootSecret, (won[0] as PromiseFulfilledResult<{ rootSecret: Uint8Array }>).value.rootSecret)
    assert.deepEqual(await readdir(racy), ['node.key'])
  })
})

describe('openDataDir refuses', () => {
  it('a missing data dir or key file, saying to run meshkeep init', async () => {
    const missing = fresh()
    await assert.rejects(openDataDir(missing), { code: 'NOT_FOUND', message: new RegExp(`meshkeep init --data-dir ${missing}`) })
    const empty = fresh()
    await mkdir(empty, { mode: 0o700 })
    await assert.rejects(openDataDir(empty), { code: 'NOT_FOUND', message: /no key file .* run meshkeep init --data-dir/ })
  })

  it('a key file others can read or write, saying chmod 600', async () => {
    const dir = fresh()
    await initDataDir(dir)
    const path = keyFilePath(dir)
    for (const bad of [0o640, 0o604, 0o620, 0o602, 0o660]) {
      await chmod(path, bad)
      await assert.rejects(openDataDir(dir), { code: 'INSECURE_PERMISSIONS', message: new RegExp(`chmod 600 ${path}$`) }, bad.toString(8))
    }
    await chmod(path, 0o400)
    await openDataDir(dir)
  })

  it('a data dir others can write, saying chmod 700', async () => {
    const dir = fresh()
    await initDataDir(dir)
    await chmod(dir, 0o777)
    await assert.rejects(openDataDir(dir), { code: 'INSECURE_PERMISSIONS', message: new RegExp(`chmod 700 ${dir}$`) })
    await chmod(dir, 0o755)
    await openDataDir(dir)
  })

  it('malformed, oversized and future key files', async () => {
    const secret = toHex(generateRootSecret())
    const cases: Array<[string | Buffer, string, RegExp]> = [
      ['not json', 'INVALID_KEY', /malformed: not JSON/],
      ['[]', 'INVALID_KEY', /expected a JSON object/],
      [JSON.stringify({ version: 1, kdf: 'none', secret: secret.slice(2) }), 'INVALID_KEY', /"secret" must be 32 bytes/],
      [JSON.stringify({ version: 1, kdf: 'none', secret: secret.toUpperCase() }), 'INVALID_KEY', /lowercase hex/],
      [JSON.stringify({ version: 1, kdf: 'none', secret, extra: 1 }), 'INVALID_KEY', /unexpected field "extra"/],
      [JSON.stringify({ version: 1, kdf: 'argon2', secret }), 'INVALID_KEY', /unknown kdf "argon2"/],
      [JSON.stringify({ kdf: 'none', secret }), 'INVALID_KEY', /no "version"/],
      [JSON.stringify({ version: 2, kdf: 'none', secret }), 'UNSUPPORTED_VERSION', /format version 2; this meshkeep reads version 1/],
      [Buffer.alloc(MAX_KEY_FILE_BYTES + 1, 0x20), 'INVALID_KEY', /4097 bytes; a key file is at most 4096/]
    ]
    for (const [text, code, message] of cases) {
      const dir = await withKeyFile(text)
      await assert.rejects(openDataDir(dir), { code, message }, String(text).slice(0, 40))
    }
    const dirAsKey = fresh()
    await mkdir(join(dirAsKey, 'node.key'), { recursive: true, mode: 0o700 })
    await chmod(dirAsKey, 0o700)
    await assert.rejects(openDataDir(dirAsKey), { code: 'INVALID_KEY', message: /not a regular file/ })
  })
})

describe('passphrase', () => {
  it('seals the secret with scrypt + AES-256-GCM and opens only with the passphrase', async () => {
    const dir = fresh()
    const init = await initDataDir(dir, { passphrase: 'correct horse battery staple' })
    const text = await readFile(keyFilePath(dir), 'utf8')
    assert.ok(!text.includes(toHex(init.rootSecret)), 'the secret is not in the file')
    const json = JSON.parse(text)
    assert.equal(json.kdf, 'scrypt')
    assert.deepEqual({ N: json.scrypt.N, r: json.scrypt.r, p: json.scrypt.p }, { N: 2 ** 17, r: 8, p: 1 })
    assert.equal(json.cipher, 'aes-256-gcm')

    const opened = await openDataDir(dir, { passphrase: 'correct horse battery staple' })
    assert.deepEqual(opened.rootSecret, init.rootSecret)
    assert.equal(opened.encrypted, true)
    await assert.rejects(openDataDir(dir), { code: 'INVALID_KEY', message: /protected by a passphrase/ })
    await assert.rejects(openDataDir(dir, { passphrase: 'Correct horse battery staple' }), { code: 'DECRYPT_FAILED', message: /wrong passphrase/ })

    // the KDF parameters are bound to the ciphertext: a cheaper N fails instead of deriving another key
    const cheaper = await withKeyFile(JSON.stringify({ ...json, scrypt: { ...json.scrypt, N: 2 ** 14 } }))
    await assert.rejects(openDataDir(cheaper, { passphrase: 'correct horse battery staple' }), { code: 'DECRYPT_FAILED' })
  })

  it('bounds the scrypt cost a file may ask for, before any hashing', async () => {
    const sealed = { version: 1, kdf: 'scrypt', cipher: 'aes-256-gcm', nonce: '00'.repeat(12), sealed: '00'.repeat(48) }
    const salt = '00'.repeat(16)
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ N: 2 ** 30, r: 8, p: 1, salt }, /would need 1048576 MiB; at most 256 MiB/],
      [{ N: 2 ** 17, r: 8, p: 1000, salt }, /p at most 4/],
      [{ N: 1000, r: 8, p: 1, salt }, /power of two/],
      [{ N: 2 ** 10, r: 8, p: 1, salt }, /at least 16384/],
      [{ N: 2 ** 17, r: 8, p: 1, salt: '00' }, /"scrypt.salt" must be 16 to 64 bytes/],
      [{ N: 2 ** 17, r: 8, p: 1, salt, maxmem: 1 }, /unexpected field "maxmem"/]
    ]
    for (const [scrypt, message] of cases) {
      const dir = await withKeyFile(JSON.stringify({ ...sealed, scrypt }))
      await assert.rejects(openDataDir(dir, { passphrase: 'x' }), { code: 'INVALID_KEY', message })
    }
  })

  it('refuses an empty passphrase and leaves no key file behind', async () => {
    const dir = fresh()
    await assert.rejects(initDataDir(dir, { passphrase: '' }), { code: 'INVALID_PARAMS', message: /passphrase is empty/ })
    await assert.rejects(openDataDir(dir), { code: 'NOT_FOUND' })
  })
})
