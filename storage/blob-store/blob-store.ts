import { join } from 'node:path'
import { MeshkeepError } from '../../core/index.js'
import type { KeyValueStore, KvOperation } from '../kv.js'
import { type FileLayer, nodeFileLayer, type SegmentFile } from './file-layer.js'
import { decodeRecord, encodeRecord, RECORD_HEADER_BYTES, recordLength } from './record.js'

/**
 * A store for many small immutable blobs (meshkeep's chunks: at most 64 KiB,
 * named by their SHA-256), built the way WiscKey and Bitcask separate keys
 * from values:
 *
 * - blob bytes are appended to segment files (`seg-<n>.log`), one record per
 *   blob with a CRC-32 (see record.ts);
 * - the index (namespace, id → segment, offset, length, CRC, caller
 *   metadata) lives in LevelDB, small entries only; nothing of it is held in
 *   memory beyond per-segment and per-namespace counters;
 * - every write goes through one commit loop: the records of all callers
 *   waiting are appended together, the segment is fsynced once, then one
 *   synced index batch records the entries and how far the active segment is
 *   valid (group commit). A caller's promise resolves only after both;
 * - `open()` cuts the active segment back to that length, so a crash leaves
 *   at most a torn tail, which is dropped, and deletes segments created after
 *   the last commit;
 * - deleted and replaced blobs are garbage until `compact()` rewrites the
 *   live records of mostly-dead segments into the active one (through the
 *   same commit loop, repointing an entry only if it still points at the old
 *   record) and removes the old file. Reads and writes go on meanwhile.
 *
 * Index keys (in the LevelDB key space the store is given):
 *   e!<namespace>!<id hex> → [segment u32][offset u64][record length u32][crc u32][blob size u32][metadata…]
 *   tail                   → [segment u32][committed length u64]
 */

export interface BlobStoreInit {
  /** where the segment files live */
  dir: string
  /** the store's own key space for the index */
  index: KeyValueStore
  /** @default the real file system */
  files?: FileLayer
  /** a segment is sealed and a new one started past this size, bytes @default 64 MiB */
  segmentBytes?: number
  /** largest blob accepted, bytes @default 65536 */
  maxBlobBytes?: number
  /** open segment files kept open for reads @default 32 */
  maxOpenFiles?: number
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

/** Where a blob's record lies. */
interface Location {
  segment: number
  offset: number
  length: number
  crc: number
}

interface Entry extends Location {
  meta: Uint8Array
  /** payload bytes (the record's length less its header, namespace, id and metadata) */
  size: number
}

type Op =
  | { kind: 'put'; ns: string; id: Uint8Array; bytes: Uint8Array; meta: Uint8Array }
  | { kind: 'del'; ns: string; id: Uint8Array }
  | { kind: 'meta'; ns: string; id: Uint8Array; meta: Uint8Array }
  /** compaction: rewrite this record, but only if the entry still points at `from` */
  | { kind: 'move'; ns: string; id: Uint8Array; bytes: Uint8Array; meta: Uint8Array; from: Location }

interface Pending {
  ops: Op[]
  /** per op: whether it changed something (a delete of a blob that existed, a metadata update of one that exists) */
  resolve: (applied: boolean[]) => void
  reject: (err: unknown) => void
}

export interface NamespaceUsage {
  blobs: number
  bytes: number
}

export interface BlobStoreStats {
  segments: number
  /** bytes of live records */
  liveBytes: number
  /** bytes of every segment file */
  fileBytes: number
  blobs: number
}

const ENTRY_FIXED = 24
const TAIL_KEY = 'tail'
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const entryKey = (ns: string, id: Uint8Array) => `e!${ns}!${hex(id)}`
const segmentName = (n: number) => `seg-${n.toString(16).padStart(8, '0')}.log`
const segmentNumber = (name: string): number | undefined => {
  const m = /^seg-([0-9a-f]{8})\.log$/.exec(name)
  return m === null ? undefined : Number.parseInt(m[1] as string, 16)
}

function encodeEntry(e: Entry): Uint8Array {
  const out = Buffer.alloc(ENTRY_FIXED + e.meta.length)
  out.writeUInt32BE(e.segment, 0)
  out.writeBigUInt64BE(BigInt(e.offset), 4)
  out.writeUInt32BE(e.length, 12)
  out.writeUInt32BE(e.crc, 16)
  out.writeUInt32BE(e.size, 20)
  out.set(e.meta, ENTRY_FIXED)
  return out
}

function decodeEntry(v: Uint8Array, key: string): Entry {
  if (v.length < ENTRY_FIXED) throw new MeshkeepError('INTERNAL', `the blob index entry ${key} is damaged (${v.length} bytes); run meshkeep check`)
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  return {
    segment: b.readUInt32BE(0),
    offset: Number(b.readBigUInt64BE(4)),
    length: b.readUInt32BE(12),
    crc: b.readUInt32BE(16),
    size: b.readUInt32BE(20),
    meta: new Uint8Array(v.buffer, v.byteOffset + ENTRY_FIXED, v.byteLength - ENTRY_FIXED)
  }
}

function encodeTail(segment: number, length: number): Uint8Array {
  const out = Buffer.alloc(12)
  out.writeUInt32BE(segment, 0)
  out.writeBigUInt64BE(BigInt(length), 4)
  return out
}

const text = new TextEncoder()

/** A blob's record failed its checks: the bytes on disk are damaged. */
export class BlobDamagedError extends MeshkeepError {
  constructor(message: string) {
    super('INVALID_CHUNK', message)
    this.name = 'BlobDamagedError'
  }
}

/** Maps a failed write to the error a caller can act on: a full disk is DISK_FULL, the rest names the cause. */
function writeError(err: unknown, what: string): MeshkeepError {
  const code = (err as { code?: string } | undefined)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') return new MeshkeepError('DISK_FULL', `${what}: the disk is full`, { cause: err })
  if (err instanceof MeshkeepError) return err
  return new MeshkeepError('INTERNAL', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
}

export class BlobStore {
  private readonly dir: string
  private readonly index: KeyValueStore
  private readonly files: FileLayer
  private readonly segmentBytes: number
  private readonly maxBlobBytes: number
  private readonly maxOpenFiles: number
  private readonly log?: BlobStoreInit['log']

  /** the segment appended to, and how many of its bytes are committed */
  private tail = { segment: 1, length: 0 }
  private active?: SegmentFile
  /** read handles of segments, least recently used first */
  private readonly readers = new Map<number, SegmentFile>()
  /** per segment: bytes of live records, and the file's size */
  private readonly segments = new Map<number, { live: number; size: number }>()
  private readonly usage = new Map<string, NamespaceUsage>()
  private queue: Pending[] = []
  private committing?: Promise<void>
  private opened = false
  private compacting?: Promise<unknown>

  constructor(init: BlobStoreInit) {
    this.dir = init.dir
    this.index = init.index
    this.files = init.files ?? nodeFileLayer
    this.segmentBytes = init.segmentBytes ?? 64 * 1024 * 1024
    this.maxBlobBytes = init.maxBlobBytes ?? 65_536
    this.maxOpenFiles = init.maxOpenFiles ?? 32
    this.log = init.log
  }

  /**
   * Opens the store: finds the committed tail, cuts a torn tail off the
   * active segment, drops segments no commit reached, and counts what is live.
   */
  async open(): Promise<void> {
    if (this.opened) return
    await this.files.ensureDir(this.dir)
    const raw = await this.index.get(TAIL_KEY)
    if (raw !== undefined) {
      if (raw.length !== 12) throw new MeshkeepError('INTERNAL', `the blob index record "${TAIL_KEY}" is damaged; run meshkeep check`)
      const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
      this.tail = { segment: b.readUInt32BE(0), length: Number(b.readBigUInt64BE(4)) }
    }
    const names = await this.files.list(this.dir)
    for (const name of names) {
      const n = segmentNumber(name)
      if (n !== undefined && n > this.tail.segment) {
        // created by a rollover that never committed: nothing points into it
        await this.files.remove(join(this.dir, name))
        this.log?.('removed a segment no commit reached', { segment: name })
      }
    }
    const activeName = segmentName(this.tail.segment)
    this.active = await this.files.open(join(this.dir, activeName), { create: true })
    // a segment file just created must survive a power cut before anything is committed into it
    if (!names.includes(activeName)) await this.files.syncDir(this.dir)
    const size = await this.active.size()
    if (size < this.tail.length) {
      throw new MeshkeepError(
        'INTERNAL',
        `segment ${segmentName(this.tail.segment)} in ${this.dir} is ${size} bytes, shorter than the ${this.tail.length} bytes committed: the disk lost data; run meshkeep check`
      )
    }
    if (size > this.tail.length) {
      await this.active.truncate(this.tail.length)
      await this.active.sync()
      this.log?.('cut a torn tail off the active segment', { segment: segmentName(this.tail.segment), bytes: size - this.tail.length })
    }
    this.segments.clear()
    this.usage.clear()
    for (const name of await this.files.list(this.dir)) {
      const n = segmentNumber(name)
      if (n === undefined) continue
      const file = n === this.tail.segment ? this.active : await this.reader(n)
      this.segments.set(n, { live: 0, size: n === this.tail.segment ? this.tail.length : await file.size() })
    }
    for await (const [key, value] of this.index.entries({ gte: 'e!', lt: 'e"' })) {
      const { ns } = splitKey(key)
      const e = decodeEntry(value, key)
      const seg = this.segments.get(e.segment)
      if (seg === undefined)
        throw new MeshkeepError(
          'INTERNAL',
          `the blob index entry ${key} points into ${segmentName(e.segment)}, which is missing from ${this.dir}; run meshkeep check`
        )
      seg.live += e.length
      const u = this.usage.get(ns) ?? { blobs: 0, bytes: 0 }
      u.blobs++
      u.bytes += e.size
      this.usage.set(ns, u)
    }
    this.opened = true
  }

  /** Waits for writes in progress and closes every file. */
  async close(): Promise<void> {
    if (!this.opened) return
    this.opened = false
    await this.compacting?.catch(() => {})
    while (this.committing !== undefined) await this.committing
    for (const r of this.readers.values()) await r.close().catch(() => {})
    this.readers.clear()
    await this.active?.close()
    this.active = undefined
  }

  private check(ns: string, id: Uint8Array): void {
    if (!this.opened) throw new MeshkeepError('INTERNAL', 'the blob store is not open')
    if (ns.length === 0 || ns.includes('!') || text.encode(ns).length > 255) throw new RangeError(`bad blob namespace "${ns}"`)
    if (id.length === 0 || id.length > 255) throw new RangeError('bad blob id')
  }

  /** Stores blobs (replacing any of the same id); resolves once their bytes and index entries are durable. */
  async putMany(ns: string, items: ReadonlyArray<{ id: Uint8Array; bytes: Uint8Array; meta?: Uint8Array }>): Promise<void> {
    if (items.length === 0) return
    for (const i of items) {
      this.check(ns, i.id)
      if (i.bytes.length > this.maxBlobBytes) throw new RangeError(`blob of ${i.bytes.length} bytes is over the ${this.maxBlobBytes}-byte limit`)
    }
    await this.submit(items.map(i => ({ kind: 'put', ns, id: i.id, bytes: i.bytes, meta: i.meta ?? new Uint8Array(0) })))
  }

  /** Replaces the metadata of blobs that exist (lease renewals); returns how many existed. Durable on resolve. */
  async setMeta(ns: string, items: ReadonlyArray<{ id: Uint8Array; meta: Uint8Array }>): Promise<number> {
    for (const i of items) this.check(ns, i.id)
    const applied = await this.submit(items.map(i => ({ kind: 'meta', ns, id: i.id, meta: i.meta })))
    return applied.filter(Boolean).length
  }

  /** Deletes blobs; returns how many existed. Durable on resolve; their space is reclaimed by `compact()`. */
  async delete(ns: string, ids: readonly Uint8Array[]): Promise<number> {
    for (const id of ids) this.check(ns, id)
    const applied = await this.submit(ids.map(id => ({ kind: 'del', ns, id })))
    return applied.filter(Boolean).length
  }

  /** A blob's size and metadata, without reading its bytes. */
  async meta(ns: string, id: Uint8Array): Promise<{ size: number; meta: Uint8Array } | undefined> {
    this.check(ns, id)
    const e = await this.entry(ns, id)
    return e === undefined ? undefined : { size: e.size, meta: e.meta }
  }

  async get(ns: string, id: Uint8Array): Promise<Uint8Array | undefined> {
    this.check(ns, id)
    // a compaction may move the record between the look-up and the read: look again once
    for (let attempt = 0; ; attempt++) {
      const e = await this.entry(ns, id)
      if (e === undefined) return undefined
      try {
        return await this.readRecord(ns, id, e)
      } catch (err) {
        const moved = (err as { code?: string }).code === 'ENOENT' || err instanceof BlobDamagedError
        if (attempt > 0 || !moved) throw err
        const again = await this.entry(ns, id)
        if (again === undefined || (again.segment === e.segment && again.offset === e.offset)) throw err
      }
    }
  }

  async getMany(ns: string, ids: readonly Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = []
    for (const id of ids) out.push(await this.get(ns, id))
    return out
  }

  /** Every blob of `ns` (or of every namespace), with its size and metadata, in bounded memory. */
  async *entries(ns?: string): AsyncGenerator<{ ns: string; id: Uint8Array; size: number; meta: Uint8Array }> {
    const range = ns === undefined ? { gte: 'e!', lt: 'e"' } : { gte: `e!${ns}!`, lt: `e!${ns}"` }
    for await (const [key, value] of this.index.entries(range)) {
      const k = splitKey(key)
      const e = decodeEntry(value, key)
      yield { ns: k.ns, id: Uint8Array.from(Buffer.from(k.idHex, 'hex')), size: e.size, meta: e.meta }
    }
  }

  /** Blobs and payload bytes per namespace. */
  namespaces(): Map<string, NamespaceUsage> {
    return new Map([...this.usage].map(([k, v]) => [k, { ...v }]))
  }

  stats(): BlobStoreStats {
    let liveBytes = 0
    let fileBytes = 0
    for (const s of this.segments.values()) {
      liveBytes += s.live
      fileBytes += s.size
    }
    let blobs = 0
    for (const u of this.usage.values()) blobs += u.blobs
    return { segments: this.segments.size, liveBytes, fileBytes, blobs }
  }

  private async entry(ns: string, id: Uint8Array): Promise<Entry | undefined> {
    const key = entryKey(ns, id)
    const v = await this.index.get(key)
    return v === undefined ? undefined : decodeEntry(v, key)
  }

  private async readRecord(ns: string, id: Uint8Array, e: Entry): Promise<Uint8Array> {
    const file = e.segment === this.tail.segment && this.active !== undefined ? this.active : await this.reader(e.segment)
    const bytes = await file.read(e.offset, e.length)
    const where = `${segmentName(e.segment)} at ${e.offset}`
    const r = decodeRecord(bytes)
    if (typeof r === 'string') throw new BlobDamagedError(`the blob ${ns}/${hex(id).slice(0, 16)}… in ${where} is damaged: ${r}`)
    if (r.ns !== ns || hex(r.id) !== hex(id)) throw new BlobDamagedError(`the record in ${where} belongs to another blob`)
    return r.payload
  }

  /** A read handle of a sealed segment (least recently used ones are closed past `maxOpenFiles`). */
  private async reader(segment: number): Promise<SegmentFile> {
    const known = this.readers.get(segment)
    if (known !== undefined) {
      this.readers.delete(segment)
      this.readers.set(segment, known)
      return known
    }
    const file = await this.files.open(join(this.dir, segmentName(segment)), { create: false })
    this.readers.set(segment, file)
    while (this.readers.size > this.maxOpenFiles) {
      const [oldest, handle] = this.readers.entries().next().value as [number, SegmentFile]
      this.readers.delete(oldest)
      await handle.close().catch(() => {})
    }
    return file
  }

  /** Queues ops for the commit loop; resolves when they are durable. */
  private submit(ops: Op[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject })
      this.committing ??= this.commitLoop().finally(() => {
        this.committing = undefined
      })
    })
  }

  private async commitLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue
      this.queue = []
      try {
        const applied = await this.commit(group.flatMap(p => p.ops))
        let k = 0
        for (const p of group) {
          p.resolve(applied.slice(k, k + p.ops.length))
          k += p.ops.length
        }
      } catch (err) {
        for (const p of group) p.reject(err)
      }
    }
  }

  /** One group commit: append the records, fsync, then one synced index batch. */
  private async commit(ops: Op[]): Promise<boolean[]> {
    if (this.active === undefined) throw new MeshkeepError('INTERNAL', 'the blob store is closed')
    // the index as this group leaves it, key by key, in arrival order
    const keys = [...new Set(ops.map(o => entryKey(o.ns, o.id)))]
    const found = await this.index.getMany(keys)
    const current = new Map<string, Entry | undefined>()
    keys.forEach((k, i) => {
      const v = found[i]
      current.set(k, v === undefined ? undefined : decodeEntry(v, k))
    })

    let tail = { ...this.tail }
    let file = this.active
    /** segments sealed by this group, with their final length */
    const rolled: Array<{ segment: number; file: SegmentFile; length: number }> = []
    const parts: Uint8Array[] = []
    let appendFrom = tail.length
    let appended = 0
    const flushParts = async () => {
      if (parts.length === 0) return
      await file.write(parts.splice(0), appendFrom)
      appendFrom = tail.length
    }
    const applied: boolean[] = []
    const deltas: Array<{ ns: string; blobs: number; bytes: number }> = []
    const live = new Map<number, number>()
    const changed = new Set<string>()
    const addLive = (segment: number, bytes: number) => live.set(segment, (live.get(segment) ?? 0) + bytes)

    try {
      for (const op of ops) {
        const key = entryKey(op.ns, op.id)
        const old = current.get(key)
        if (op.kind === 'del' || op.kind === 'meta') {
          applied.push(old !== undefined)
          if (old === undefined) continue
          if (op.kind === 'del') {
            current.set(key, undefined)
            changed.add(key)
            addLive(old.segment, -old.length)
            deltas.push({ ns: op.ns, blobs: -1, bytes: -old.size })
          } else current.set(key, { ...old, meta: op.meta })
          changed.add(key)
          continue
        }
        if (op.kind === 'move' && (old === undefined || old.segment !== op.from.segment || old.offset !== op.from.offset)) {
          applied.push(false) // rewritten or deleted since compaction read it: its copy stays garbage
          continue
        }
        if (tail.length >= this.segmentBytes) {
          await flushParts()
          rolled.push({ segment: tail.segment, file, length: tail.length })
          tail = { segment: tail.segment + 1, length: 0 }
          file = await this.files.open(join(this.dir, segmentName(tail.segment)), { create: true })
          await this.files.syncDir(this.dir)
          appendFrom = 0
        }
        // a move keeps the metadata the entry has now: a setMeta may have landed since compaction read it
        const meta = op.kind === 'move' && old !== undefined ? old.meta : op.meta
        const rec = encodeRecord({ ns: op.ns, id: op.id, meta, payload: op.bytes })
        const loc: Entry = {
          segment: tail.segment,
          offset: tail.length,
          length: rec.length,
          crc: Buffer.from(rec.parts[0] as Uint8Array).readUInt32BE(4),
          meta,
          size: op.bytes.length
        }
        parts.push(...rec.parts)
        tail.length += rec.length
        appended += rec.length
        addLive(loc.segment, rec.length)
        if (old !== undefined) addLive(old.segment, -old.length)
        deltas.push({ ns: op.ns, blobs: old === undefined ? 1 : 0, bytes: op.bytes.length - (old?.size ?? 0) })
        current.set(key, loc)
        changed.add(key)
        applied.push(true)
      }
      await flushParts()
      if (appended > 0) {
        for (const r of rolled) await r.file.sync()
        await file.sync()
      }
    } catch (err) {
      // nothing of this group is committed: cut what was appended, so the segment ends where the index says
      await this.active.truncate(this.tail.length).catch(() => {})
      if (file !== this.active) {
        await file.close().catch(() => {})
        await this.files.remove(join(this.dir, segmentName(tail.segment))).catch(() => {})
      }
      throw writeError(err, 'storing blobs failed')
    }

    const batch: KvOperation[] = []
    for (const key of changed) {
      const e = current.get(key)
      batch.push(e === undefined ? { type: 'del', key } : { type: 'put', key, value: encodeEntry(e) })
    }
    batch.push({ type: 'put', key: TAIL_KEY, value: encodeTail(tail.segment, tail.length) })
    try {
      await this.index.batch(batch, { sync: true })
    } catch (err) {
      await this.active.truncate(this.tail.length).catch(() => {})
      throw writeError(err, 'recording blobs in the index failed')
    }

    // committed: move the in-memory view along
    if (tail.segment !== this.tail.segment) {
      const sealed = this.active
      this.readers.set(this.tail.segment, sealed)
      for (const r of rolled.slice(1)) this.readers.set(r.segment, r.file)
      this.active = file
    }
    for (const r of [...rolled, { segment: tail.segment, length: tail.length }]) {
      const seg = this.segments.get(r.segment) ?? { live: 0, size: 0 }
      seg.size = r.length
      this.segments.set(r.segment, seg)
    }
    for (const [s, d] of live) {
      const seg = this.segments.get(s)
      if (seg !== undefined) seg.live += d
    }
    for (const d of deltas) {
      const u = this.usage.get(d.ns) ?? { blobs: 0, bytes: 0 }
      u.blobs += d.blobs
      u.bytes += d.bytes
      if (u.blobs <= 0) this.usage.delete(d.ns)
      else this.usage.set(d.ns, u)
    }
    this.tail = tail
    return applied
  }

  /**
   * Reclaims the space of deleted and replaced blobs: every sealed segment
   * whose live records fill less than `below` of it is read record by
   * record, its live records are written again (through the commit loop,
   * beside new writes) and the file is removed. Reads go on meanwhile.
   */
  async compact(options: { below?: number; signal?: AbortSignal } = {}): Promise<{ segments: number; moved: number; reclaimedBytes: number }> {
    // one compaction at a time: a second waits for the first, then looks again
    const previous = this.compacting
    const run = (async () => {
      await previous?.catch(() => {})
      return this.compactOnce(options.below ?? 0.5, options.signal)
    })()
    this.compacting = run
    try {
      return await run
    } finally {
      if (this.compacting === run) this.compacting = undefined
    }
  }

  private async compactOnce(below: number, signal?: AbortSignal): Promise<{ segments: number; moved: number; reclaimedBytes: number }> {
    const candidates = [...this.segments]
      .filter(([n, s]) => n !== this.tail.segment && s.size > 0 && s.live / s.size < below)
      .sort((a, b) => a[1].live / a[1].size - b[1].live / b[1].size)
      .map(([n]) => n)
    let moved = 0
    let reclaimedBytes = 0
    let segments = 0
    for (const n of candidates) {
      signal?.throwIfAborted()
      const size = this.segments.get(n)?.size ?? 0
      const file = await this.reader(n)
      let batch: Op[] = []
      const flush = async () => {
        if (batch.length === 0) return
        const ops = batch
        batch = []
        moved += (await this.submit(ops)).filter(Boolean).length
      }
      for (let at = 0; at < size; ) {
        const head = await file.read(at, RECORD_HEADER_BYTES)
        const length = recordLength(head)
        if (length === 'not a record') throw new BlobDamagedError(`${segmentName(n)} holds no record at ${at}: the segment is damaged; run meshkeep check`)
        const r = decodeRecord(await file.read(at, length))
        if (typeof r === 'string') throw new BlobDamagedError(`the record at ${at} of ${segmentName(n)} is damaged: ${r}`)
        const e = await this.entry(r.ns, r.id)
        if (e !== undefined && e.segment === n && e.offset === at) {
          batch.push({ kind: 'move', ns: r.ns, id: Uint8Array.from(r.id), bytes: Uint8Array.from(r.payload), meta: e.meta, from: e })
          if (batch.length >= 64) await flush()
        }
        at += length
      }
      await flush()
      // every live record now lives elsewhere: the file can go
      const seg = this.segments.get(n)
      if (seg !== undefined && seg.live > 0) {
        this.log?.('a compacted segment still has live records; kept', { segment: segmentName(n), live: seg.live })
        continue
      }
      this.readers.delete(n)
      await file.close().catch(() => {})
      await this.files.remove(join(this.dir, segmentName(n)))
      await this.files.syncDir(this.dir)
      this.segments.delete(n)
      reclaimedBytes += size
      segments++
    }
    return { segments, moved, reclaimedBytes }
  }

  /**
   * Rebuilds the index from the segments alone (the index was lost or
   * damaged): the last valid record of each blob wins. Metadata comes back as
   * it was written with the bytes (later `setMeta` changes are lost), and
   * blobs deleted since their record was written come back too. Returns how
   * many blobs were indexed. The store must be closed; it is opened after.
   */
  async rebuildIndex(): Promise<number> {
    if (this.opened) throw new MeshkeepError('BUSY', 'close the blob store before rebuilding its index')
    await this.files.ensureDir(this.dir)
    const numbers = (await this.files.list(this.dir))
      .map(segmentNumber)
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b)
    const old: KvOperation[] = []
    for await (const key of this.index.keys({ gte: 'e!', lt: 'e"' })) old.push({ type: 'del', key })
    await this.index.batch(old)
    let indexed = 0
    let tail = { segment: numbers.at(-1) ?? 1, length: 0 }
    for (const n of numbers) {
      const file = await this.files.open(join(this.dir, segmentName(n)), { create: false })
      try {
        const size = await file.size()
        let at = 0
        const ops: KvOperation[] = []
        while (at + RECORD_HEADER_BYTES <= size) {
          const length = recordLength(await file.read(at, RECORD_HEADER_BYTES))
          if (length === 'not a record' || at + length > size) break
          const bytes = await file.read(at, length)
          const r = decodeRecord(bytes)
          if (typeof r === 'string') break
          const crc = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(4)
          ops.push({
            type: 'put',
            key: entryKey(r.ns, r.id),
            value: encodeEntry({ segment: n, offset: at, length, crc, size: r.payload.length, meta: r.meta })
          })
          at += length
        }
        await this.index.batch(ops)
        indexed += ops.length
        if (n === tail.segment) tail = { segment: n, length: at }
      } finally {
        await file.close()
      }
    }
    await this.index.put(TAIL_KEY, encodeTail(tail.segment, tail.length), { sync: true })
    return indexed
  }
}

function splitKey(key: string): { ns: string; idHex: string } {
  const second = key.indexOf('!', 2)
  return { ns: key.slice(2, second), idHex: key.slice(second + 1) }
}
