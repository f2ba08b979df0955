/**
 * The rotation record, `<dataDir>/rotation.json`: which identity the data
 * dir runs as and where its owner records are, the rotation in progress
 * (if any) with the step it reached, and the handoffs of finished
 * rotations (republished by the daemon). No secret is ever in it: the
 * secrets are in key files next to it (secret-files.ts).
 *
 * ```json
 * { "format": 1,
 *   "current": { "peerId": "12D3KooW…", "ownerStore": "owner" },
 *   "rotation": { "state": "switched", "from": {…}, "to": {…}, "preparedAt": 1764… },
 *   "completed": [ { "from": "12D3KooW…", "to": "12D3KooW…", "rotatedAt": …, "completedAt": …, "handoff": "<hex>" } ] }
 * ```
 *
 * Every write replaces the whole file atomically (atomic-file.ts): a crash
 * leaves the previous record or the next one, never a mix.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { MeshkeepError, peerIdFromString } from '../../core/index.js'
import { writeFileAtomic } from './atomic-file.js'

export const ROTATION_FILE_NAME = 'rotation.json'
export const ROTATION_FILE_FORMAT = 1
/** A record holds two identities and at most MAX_COMPLETED short entries: a few KiB. */
export const MAX_ROTATION_FILE_BYTES = 64 * 1024
/** Finished rotations remembered (and their handoffs republished). */
export const MAX_COMPLETED = 16

/**
 * The steps of a rotation, in order. Each is persisted once the work
 * before it is durable; the daemon resumes from the step it finds.
 *
 * - `prepared`: the new secret is sealed in rotation-new.key and its phrase was handed to the CLI (not known to be seen)
 * - `confirmed`: the CLI confirmed the phrase reached the user; the switch may happen
 * - `switched`: node.key holds the new secret, rotation-old.key the old one; the node runs as the new identity
 * - `reput`: the old identity's latest state was put again under the new identity
 * - `replicated`: the new identity's latest version has two attested copies of every chunk and a published pointer; the handoff is signed (not yet published)
 * - `handoff-published`: the handoff is in the DHT: from here on, only the new phrase recovers
 * - `released`: the old identity's chunks and manifests were released at the holders, its registry record tombstoned
 *
 * After `released`, the old owner records and rotation-old.key are deleted and the rotation ends (`done`).
 */
export const ROTATION_STEPS = ['prepared', 'confirmed', 'switched', 'reput', 'replicated', 'handoff-published', 'released'] as const
export type RotationStep = (typeof ROTATION_STEPS)[number]

const peerIdString = z.string().refine(
  s => {
    try {
      peerIdFromString(s)
      return true
    } catch {
      return false
    }
  },
  { error: 'expected an Ed25519 peer id' }
)
/** LevelDB sublevel names: no separator, nothing outside printable ASCII. */
const sublevelName = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, { error: 'expected a sublevel name' })
const time = z.int().min(0)
const hex = (max: number) =>
  z
    .string()
    .regex(/^([0-9a-f]{2})+$/, { error: 'expected lowercase hex' })
    .max(max * 2)

const identitySchema = z.strictObject({ peerId: peerIdString, ownerStore: sublevelName })

const rotationSchema = z.strictObject({
  state: z.enum(ROTATION_STEPS),
  from: identitySchema,
  to: identitySchema,
  preparedAt: time,
  confirmedAt: time.optional(),
  switchedAt: time.optional(),
  /** the versions re-put: the old identity's latest (null: it had none) and the new identity's version of it */
  reput: z.strictObject({ fromVersion: z.int().min(1).nullable(), toVersion: z.int().min(1).nullable() }).optional(),
  /** the signed handoff (set with `replicated`, so a resumed rotation publishes the same bytes) */
  handoff: hex(512).optional(),
  rotatedAt: time.optional(),
  releasedAt: time.optional()
})

const completedSchema = z.strictObject({
  from: peerIdString,
  to: peerIdString,
  rotatedAt: time,
  completedAt: time,
  handoff: hex(512)
})

const fileSchema = z.strictObject({
  format: z.literal(ROTATION_FILE_FORMAT),
  current: identitySchema,
  rotation: rotationSchema.optional(),
  completed: z.array(completedSchema).max(MAX_COMPLETED)
})

export type IdentityRef = z.infer<typeof identitySchema>
export type RotationProgress = z.infer<typeof rotationSchema>
export type CompletedRotation = z.infer<typeof completedSchema>
export type RotationRecord = z.infer<typeof fileSchema>

export function rotationFilePath(dataDir: string): string {
  return join(dataDir, ROTATION_FILE_NAME)
}

/** The record of a data dir that never rotated: it runs as `peerId` with the default owner records. */
export function initialRecord(peerId: string): RotationRecord {
  return { format: ROTATION_FILE_FORMAT, current: { peerId, ownerStore: 'owner' }, completed: [] }
}

/** Parses the record's text; anything unexpected is refused with INVALID_PARAMS naming the field. */
export function decodeRotationRecord(text: string, path: string): RotationRecord {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new MeshkeepError('INVALID_PARAMS', `rotation record ${path} is not JSON; restore it from a backup, or remove it only if no rotation was under way`)
  }
  if (typeof json === 'object' && json !== null && 'format' in json && typeof json.format === 'number' && json.format > ROTATION_FILE_FORMAT) {
    throw new MeshkeepError(
      'UNSUPPORTED_VERSION',
      `rotation record ${path} has format ${json.format}; this meshkeep reads format ${ROTATION_FILE_FORMAT}. Upgrade meshkeep.`
    )
  }
  const parsed = fileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`
    throw new MeshkeepError('INVALID_PARAMS', `rotation record ${path} is malformed${where}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

export function encodeRotationRecord(record: RotationRecord): string {
  return `${JSON.stringify(fileSchema.parse(record), null, 2)}\n`
}

/** The data dir's rotation record, or undefined when it has none (it never rotated). Bounded before it is read. */
export async function readRotationRecord(dataDir: string): Promise<RotationRecord | undefined> {
  const path = rotationFilePath(dataDir)
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (bytes.length > MAX_ROTATION_FILE_BYTES) {
    throw new MeshkeepError('INVALID_PARAMS', `rotation record ${path} is ${bytes.length} bytes; a rotation record is at most ${MAX_ROTATION_FILE_BYTES}`)
  }
  return decodeRotationRecord(bytes.toString('utf8'), path)
}

/** Replaces the record atomically (temp file, fsync, rename, fsync of the directory). */
export async function writeRotationRecord(dataDir: string, record: RotationRecord): Promise<void> {
  await writeFileAtomic(rotationFilePath(dataDir), encodeRotationRecord(record))
}
