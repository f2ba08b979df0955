/**
 * The secrets of a rotation, in the node key file's format (plain 0600, or
 * sealed under the same passphrase as node.key):
 *
 * - `rotation-new.key`: the new secret, from `prepared` until the switch;
 * - `rotation-old.key`: the old secret, from the switch until the old
 *   identity's data is released (reading and releasing it needs the old
 *   identity on the network);
 * - `node.key` itself, replaced at the switch.
 *
 * node.key only ever holds a secret whose phrase the user has seen: the old
 * one, or the new one once the CLI confirmed showing it.
 */
import { join } from 'node:path'
import { deriveNodeKeys, hasCode, identityFromSeed, MeshkeepError } from '../../core/index.js'
import { decodeKeyFile, encodeKeyFile, KEY_FILE_NAME, readKeyFile, writeKeyFileAtomic } from '../datadir/key-file.js'
import { removeFileDurably, writeFileAtomic } from './atomic-file.js'

export const NEW_KEY_FILE = 'rotation-new.key'
export const OLD_KEY_FILE = 'rotation-old.key'

export type SecretFile = typeof NEW_KEY_FILE | typeof OLD_KEY_FILE | typeof KEY_FILE_NAME

/** The peer id a root secret gives. */
export function peerIdOf(secret: Uint8Array): string {
  return identityFromSeed(deriveNodeKeys(secret).identitySeed).peerIdString
}

export class RotationSecrets {
  constructor(
    private readonly dataDir: string,
    /** node.key's passphrase when it is sealed; the rotation's key files are sealed the same way */
    private readonly passphrase?: string
  ) {}

  path(file: SecretFile): string {
    return join(this.dataDir, file)
  }

  /** The secret in `file`, or undefined when there is no such file. Same checks as node.key (mode 0600, size, format). */
  async read(file: SecretFile): Promise<Uint8Array | undefined> {
    const path = this.path(file)
    let text: string
    try {
      text = await readKeyFile(path)
    } catch (err) {
      if (hasCode(err, 'NOT_FOUND')) return undefined
      throw err
    }
    return (await decodeKeyFile(text, path, this.passphrase)).rootSecret
  }

  /** The secret in `file`; it must exist and belong to `peerId`. */
  async expect(file: SecretFile, peerId: string): Promise<Uint8Array> {
    const secret = await this.read(file)
    if (secret === undefined) throw new MeshkeepError('NOT_FOUND', `${this.path(file)} is missing; the rotation cannot go on without it`)
    const found = peerIdOf(secret)
    if (found !== peerId) throw new MeshkeepError('INVALID_KEY', `${this.path(file)} holds the secret of ${found}, expected ${peerId}`)
    return secret
  }

  /** Writes a rotation key file that must not exist yet (a crash leaves the whole file or none). */
  async create(file: typeof NEW_KEY_FILE | typeof OLD_KEY_FILE, secret: Uint8Array): Promise<void> {
    await writeKeyFileAtomic(this.path(file), await encodeKeyFile(secret, this.passphrase))
  }

  /** Replaces node.key atomically: after a crash it holds the old secret or the new one. */
  async replaceNodeKey(secret: Uint8Array): Promise<void> {
    await writeFileAtomic(this.path(KEY_FILE_NAME), await encodeKeyFile(secret, this.passphrase))
  }

  async remove(file: typeof NEW_KEY_FILE | typeof OLD_KEY_FILE): Promise<void> {
    await removeFileDurably(this.path(file))
  }
}
