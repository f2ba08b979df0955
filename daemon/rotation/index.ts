/**
 * @packageDocumentation
 * Key rotation (`meshkeep rotate`): a new root secret replaces a leaked
 * one. The daemon carries the latest state over to the new identity,
 * publishes a handoff signed by the old identity, and releases the old
 * identity's data, through a persisted state machine that resumes after a
 * crash at any step (docs/PERSISTENCE.md, "Key rotation").
 *
 * @example
 * ```ts
 * const rotation = await Rotation.open({ dataDir, rootSecret, passphrase })   // before the node starts
 * const node = new MeshNode({ dataDir, rootSecret: rotation.runAs.rootSecret, ownerStore: rotation.runAs.ownerStore })
 * await node.start()
 * rotation.start({ node, switchNode: (s, o) => node.switchIdentity(s, o), bootstrap: () => [], owner: {} })
 * const { phrase } = await rotation.prepare()    // show it once
 * await rotation.confirm(sha256hex(phrase))      // the rest runs on its own
 * ```
 */
export { OldIdentity, type OldIdentityInit, type ReleaseAllReport } from './old-identity.js'
export { Rotation, type RotationHost, type RotationInit } from './rotation.js'
export { NEW_KEY_FILE, OLD_KEY_FILE, peerIdOf, RotationSecrets } from './secret-files.js'
export {
  decodeRotationRecord,
  encodeRotationRecord,
  MAX_ROTATION_FILE_BYTES,
  ROTATION_FILE_NAME,
  ROTATION_STEPS,
  type RotationRecord,
  type RotationStep,
  readRotationRecord,
  rotationFilePath,
  writeRotationRecord
} from './state-file.js'
export type { RotatePrepareResult, RotationState, RotationStatus } from './types.js'
