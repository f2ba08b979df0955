/**
 * The rotation's state on disk, without a network: the record's format and
 * bounds, what `Rotation.open` does with each state it may find after a
 * crash (discard an unconfirmed rotation, finish a switch, refuse a key
 * file that does not match), and prepare/confirm/cancel.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateRootSecret, sha256, toHex } from '../../core/index.js'
import { decodeKeyFile, encodeKeyFile, initDataDir, keyFilePath } from '../../daemon/datadir/index.js'
import {
  decodeRotationRecord,
  MAX_ROTATION_FILE_BYTES,
  NEW_KEY_FILE,
  OLD_KEY_FILE,
  peerIdOf,
  Rotation,
  type RotationRecord,
  RotationSecrets,
  readRotationRecord,
  rotationFilePath,
  writeRotationRecord
} from '../../daemon/rotation/index.js'

let root: string
let n = 0
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshkeep-rotation-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

async function dataDir(passphrase?: string): Promise<{ dir: string; secret: Uint8Array }> {
  const dir = join(root, `d${n++}`)
  const { rootSecret } = await initDataDir(dir, passphrase === undefined ? {} : { passphrase })
  return { dir, secret: rootSecret }
}

async function nodeKeySecret(dir: string, passphrase?: string): Promise<Uint8Array> {
  return (await decodeKeyFile(await readFile(keyFilePath(dir), 'utf8'), keyFilePath(dir), passphrase)).rootSecret
}

const digestOf = (phrase: string) => toHex(sha256(new TextEncoder().encode(phrase)))

/** A record as `prepare` and `confirm` leave it, written by hand: the state a crash can leave on disk. */
function recordAt(state: 'prepared' | 'confirmed', from: Uint8Array, to: Uint8Array): RotationRecord {
  const f = peerIdOf(from)
  const t = peerIdOf(to)
  return {
    format: 1,
    current: { peerId: f, ownerStore: 'owner' },
    rotation: { state, from: { peerId: f, ownerStore: 'owner' }, to: { peerId: t, ownerStore: `owner-${t}` }, preparedAt: 1, confirmedAt: 2 },
    completed: []
  }
}

describe('the rotation record', () => {
  it('round-trips and is written 0600, atomically (no temp file left)', async () => {
    const { dir, secret } = await dataDir()
    const record = recordAt('confirmed', secret, generateRootSecret())
    await writeRotationRecord(dir, record)
    assert.deepEqual(await readRotationRecord(dir), record)
    assert.equal((await stat(rotationFilePath(dir))).mode & 0o777, 0o600)
    assert.deepEqual(
      (await readdir(dir)).filter(f => f.endsWith('.tmp')),
      []
    )
  })

  it('refuses unknown fields, bad peer ids, unknown steps, future formats and oversized files, naming what is wrong', async () => {
    const good = recordAt('prepared', generateRootSecret(), generateRootSecret())
    const text = (v: unknown) => JSON.stringify(v)
    assert.throws(() => decodeRotationRecord('{', 'r.json'), /rotation record r\.json is not JSON/)
    assert.throws(() => decodeRotationRecord(text({ ...good, extra: 1 }), 'r.json'), /malformed: Unrecognized key: "extra"/)
    assert.throws(
      () => decodeRotationRecord(text({ ...good, current: { peerId: 'nonsense', ownerStore: 'owner' } }), 'r.json'),
      /malformed at current\.peerId: expected an Ed25519 peer id/
    )
    assert.throws(() => decodeRotationRecord(text({ ...good, rotation: { ...good.rotation, state: 'half-done' } }), 'r.json'), /malformed at rotation\.state/)
    assert.throws(
      () => decodeRotationRecord(text({ ...good, current: { ...good.current, ownerStore: 'owner!x' } }), 'r.json'),
      /malformed at current\.ownerStore: expected a sublevel name/
    )
    assert.throws(
      () => decodeRotationRecord(text({ ...good, format: 2 }), 'r.json'),
      (err: Error & { code?: string }) => err.code === 'UNSUPPORTED_VERSION' && /format 2/.test(err.message)
    )
    const { dir } = await dataDir()
    await writeFile(rotationFilePath(dir), Buffer.alloc(MAX_ROTATION_FILE_BYTES + 1, 0x20), { mode: 0o600 })
    await assert.rejects(readRotationRecord(dir), /is 65537 bytes; a rotation record is at most 65536/)
  })
})

describe('Rotation.open after a crash', () => {
  it('a data dir that never rotated runs as its key, with the default owner records', async () => {
    const { dir, secret } = await dataDir()
    const r = await Rotation.open({ dataDir: dir, rootSecret: secret })
    assert.deepEqual(r.runAs, { rootSecret: secret, ownerStore: 'owner' })
    assert.equal(r.status().state, 'none')
  })

  it('discards a prepared rotation that was never confirmed: its secret is deleted, node.key untouched', async () => {
    const { dir, secret } = await dataDir()
    const next = generateRootSecret()
    await new RotationSecrets(dir).create(NEW_KEY_FILE, next)
    await writeRotationRecord(dir, recordAt('prepared', secret, next))
    const r = await Rotation.open({ dataDir: dir, rootSecret: secret })
    assert.equal(r.status().state, 'none')
    assert.deepEqual(r.runAs.rootSecret, secret)
    assert.deepEqual(await nodeKeySecret(dir), secret)
    assert.equal((await readdir(dir)).includes(NEW_KEY_FILE), false)
    assert.equal((await readRotationRecord(dir))?.rotation, undefined)
  })

  it('finishes a confirmed switch from any point: old secret kept, node.key replaced, record switched', async () => {
    for (const crash of ['before-old-key', 'after-old-key', 'after-node-key'] as const) {
      const passphrase = crash === 'after-old-key' ? 'sealed too' : undefined
      const { dir, secret } = await dataDir(passphrase)
      const next = generateRootSecret()
      const secrets = new RotationSecrets(dir, passphrase)
      await secrets.create(NEW_KEY_FILE, next)
      await writeRotationRecord(dir, recordAt('confirmed', secret, next))
      if (crash !== 'before-old-key') await secrets.create(OLD_KEY_FILE, secret)
      if (crash === 'after-node-key') await secrets.replaceNodeKey(next)
      const startedWith = crash === 'after-node-key' ? next : secret
      const r = await Rotation.open({ dataDir: dir, rootSecret: startedWith, ...(passphrase === undefined ? {} : { passphrase }) })
      assert.deepEqual(r.runAs, { rootSecret: next, ownerStore: `owner-${peerIdOf(next)}` }, crash)
      assert.equal(r.status().state, 'switched', crash)
      assert.deepEqual(await nodeKeySecret(dir, passphrase), next, `${crash}: node.key holds the new secret`)
      assert.deepEqual(await secrets.read(OLD_KEY_FILE), secret, `${crash}: rotation-old.key holds the old one`)
      assert.equal((await readdir(dir)).includes(NEW_KEY_FILE), false, `${crash}: rotation-new.key is gone`)
      assert.equal((await stat(keyFilePath(dir))).mode & 0o777, 0o600)
      assert.equal((await readRotationRecord(dir))?.current.peerId, peerIdOf(next))
    }
  })

  it('refuses a node.key that is not the identity the record says the data dir runs as', async () => {
    const { dir, secret } = await dataDir()
    const next = generateRootSecret()
    await writeRotationRecord(dir, { format: 1, current: { peerId: peerIdOf(next), ownerStore: `owner-${peerIdOf(next)}` }, completed: [] })
    await assert.rejects(
      Rotation.open({ dataDir: dir, rootSecret: secret }),
      (err: Error & { code?: string }) => err.code === 'INVALID_KEY' && err.message.includes(`was rotated to ${peerIdOf(next)}`)
    )
  })

  it('refuses to switch to a rotation-new.key that is not the rotation’s new identity', async () => {
    const { dir, secret } = await dataDir()
    const next = generateRootSecret()
    await new RotationSecrets(dir).create(NEW_KEY_FILE, generateRootSecret())
    await writeRotationRecord(dir, recordAt('confirmed', secret, next))
    await assert.rejects(Rotation.open({ dataDir: dir, rootSecret: secret }), /holds the secret of .*, expected/)
    assert.deepEqual(await nodeKeySecret(dir), secret, 'node.key is untouched')
  })
})

describe('prepare, confirm, cancel', () => {
  it('prepare seals a new secret and returns its phrase; nothing else changes', async () => {
    const { dir, secret } = await dataDir()
    const r = await Rotation.open({ dataDir: dir, rootSecret: secret })
    const p = await r.prepare()
    assert.equal(p.from, peerIdOf(secret))
    assert.equal(p.phrase.split(' ').length, 24)
    assert.equal((await stat(join(dir, NEW_KEY_FILE))).mode & 0o777, 0o600)
    assert.equal(peerIdOf((await new RotationSecrets(dir).read(NEW_KEY_FILE)) as Uint8Array), p.to)
    assert.deepEqual(await nodeKeySecret(dir), secret)
    assert.equal(r.status().state, 'prepared')
    assert.equal(r.writesBlocked(), undefined, 'a prepared rotation blocks nothing')
    // preparing again replaces the unconfirmed one
    const q = await r.prepare()
    assert.notEqual(q.to, p.to)
    await assert.rejects(r.confirm(digestOf(p.phrase)), /does not match the phrase of the prepared rotation/)
    await assert.rejects(r.confirm('00'.repeat(32)), /does not match/)
    const s = await r.confirm(digestOf(q.phrase))
    assert.equal(s.state, 'confirmed')
    assert.equal((await readRotationRecord(dir))?.rotation?.state, 'confirmed')
    assert.match(r.writesBlocked() ?? '', /carrying the state over/)
    assert.match(r.recoverBlocked() ?? '', /is under way \(step confirmed\)/)
    await assert.rejects(r.prepare(), (err: Error & { code?: string }) => err.code === 'BUSY')
    await assert.rejects(r.cancel(), /is confirmed \(step confirmed\) and completes on its own/)
    await r.stop()
  })

  it('cancel voids a prepared rotation', async () => {
    const { dir, secret } = await dataDir()
    const r = await Rotation.open({ dataDir: dir, rootSecret: secret })
    await r.prepare()
    assert.equal((await r.cancel()).state, 'none')
    assert.equal((await readdir(dir)).includes(NEW_KEY_FILE), false)
    await assert.rejects(r.cancel(), /no rotation is prepared/)
    await assert.rejects(r.confirm('00'.repeat(32)), /no rotation waits for confirmation/)
  })

  it('a sealed node.key seals the rotation key files with the same passphrase', async () => {
    const { dir, secret } = await dataDir('pass phrase')
    const r = await Rotation.open({ dataDir: dir, rootSecret: secret, passphrase: 'pass phrase' })
    const p = await r.prepare()
    const text = await readFile(join(dir, NEW_KEY_FILE), 'utf8')
    assert.equal((JSON.parse(text) as { kdf: string }).kdf, 'scrypt')
    assert.equal(peerIdOf((await decodeKeyFile(text, 'k', 'pass phrase')).rootSecret), p.to)
  })
})

describe('RotationSecrets', () => {
  it('refuses a rotation key file others can read', async () => {
    const { dir } = await dataDir()
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, OLD_KEY_FILE), await encodeKeyFile(generateRootSecret()), { mode: 0o644 })
    await assert.rejects(new RotationSecrets(dir).read(OLD_KEY_FILE), (err: Error & { code?: string }) => err.code === 'INSECURE_PERMISSIONS')
  })
})
