/**
 * Storage that can lose power, for crash tests: a file layer and a
 * key-value store in memory that keep what was synced apart from what was
 * only written, and on `crash()` keep only the former (plus, for a file, a
 * random part of what was appended after its last sync: a torn tail).
 *
 * The fault model, stated so a reader can judge the tests built on it:
 * - file data survives a power cut only once the file was synced; of bytes
 *   written after that, any prefix may survive;
 * - a new or removed file name survives only once its directory was synced;
 * - a key-value write survives only once a synced write (of any key) came
 *   after it or was it: LevelDB keeps one log, and syncing it syncs every
 *   earlier write (`sync: true`); unsynced writes are lost together;
 * - writes can be made to fail with ENOSPC (a full disk).
 */
import type { FileLayer, KeyValueStore, KvOperation, KvRange, SegmentFile, WriteOptions } from '../../storage/index.js'

interface MemFile {
  current: Uint8Array
  durable: Uint8Array
}

/** A seeded PRNG (mulberry32), so a failing crash test can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })

export class LossyFiles implements FileLayer {
  private readonly files = new Map<string, MemFile>()
  /** set by `crash()`: the machine this layer belonged to is gone, and so is every handle of it */
  private dead = false
  /** names that exist after a power cut (their directory was synced since they appeared) */
  private durableNames = new Set<string>()
  /** bytes that may still be written before writes fail with ENOSPC */
  spaceLeft = Number.POSITIVE_INFINITY

  async ensureDir(): Promise<void> {}

  private alive(): void {
    if (this.dead) throw Object.assign(new Error('EIO: the power is off'), { code: 'EIO' })
  }

  async open(path: string, options: { create: boolean }): Promise<SegmentFile> {
    this.alive()
    let f = this.files.get(path)
    if (f === undefined) {
      if (!options.create) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' })
      f = { current: new Uint8Array(0), durable: new Uint8Array(0) }
      this.files.set(path, f)
    }
    const file = f
    const live = () => {
      this.alive()
      if (this.files.get(path) !== file) throw Object.assign(new Error(`EBADF: the file ${path} is gone`), { code: 'EBADF' })
    }
    return {
      write: async (parts, position) => {
        live()
        const length = parts.reduce((n, p) => n + p.length, 0)
        const end = position + length
        if (end > file.current.length && end - file.current.length > this.spaceLeft) {
          // a full disk takes what fits, then fails, like a short write followed by ENOSPC
          const fits = file.current.length + this.spaceLeft - position
          if (fits > 0) this.place(file, parts, position, fits)
          this.spaceLeft = 0
          throw enospc()
        }
        if (end > file.current.length) this.spaceLeft -= end - file.current.length
        this.place(file, parts, position, length)
      },
      read: async (position, length) => {
        live()
        return file.current.slice(position, Math.min(file.current.length, position + length))
      },
      sync: async () => {
        live()
        file.durable = file.current.slice()
      },
      truncate: async length => {
        live()
        file.current = file.current.slice(0, length)
      },
      size: async () => file.current.length,
      close: async () => {}
    }
  }

  private place(file: MemFile, parts: Uint8Array[], position: number, length: number): void {
    const next = new Uint8Array(Math.max(file.current.length, position + length))
    next.set(file.current)
    let at = position
    for (const p of parts) {
      const take = Math.min(p.length, position + length - at)
      if (take <= 0) break
      next.set(p.subarray(0, take), at)
      at += take
    }
    file.current = next
  }

  async list(dir: string): Promise<string[]> {
    this.alive()
    const prefix = `${dir.replace(/\/+$/, '')}/`
    return [...this.files.keys()].filter(p => p.startsWith(prefix)).map(p => p.slice(prefix.length))
  }

  async remove(path: string): Promise<void> {
    this.alive()
    if (!this.files.delete(path)) throw Object.assign(new Error(`ENOENT: no such file, unlink '${path}'`), { code: 'ENOENT' })
  }

  async syncDir(dir: string): Promise<void> {
    this.alive()
    const prefix = `${dir.replace(/\/+$/, '')}/`
    for (const n of [...this.durableNames]) if (n.startsWith(prefix) && !this.files.has(n)) this.durableNames.delete(n)
    for (const n of this.files.keys()) if (n.startsWith(prefix)) this.durableNames.add(n)
  }

  /**
   * The power goes: returns the layer the machine finds when it comes back
   * (every file keeps what was synced, plus a random prefix of what was
   * appended since); this one, and every handle of it, fails from now on.
   */
  crash(random: () => number): LossyFiles {
    this.dead = true
    const next = new LossyFiles()
    for (const [path, f] of this.files) {
      if (!this.durableNames.has(path)) continue
      let kept = f.durable
      const grew = f.current.length > f.durable.length && f.current.subarray(0, f.durable.length).every((b, i) => b === f.durable[i])
      if (grew) kept = f.current.slice(0, f.durable.length + Math.floor(random() * (f.current.length - f.durable.length + 1)))
      next.files.set(path, { current: kept.slice(), durable: kept.slice() })
    }
    // files removed since the directory was last synced come back (as they were last synced)
    for (const path of this.durableNames) if (!next.files.has(path)) next.files.set(path, { current: new Uint8Array(0), durable: new Uint8Array(0) })
    next.durableNames = new Set(next.files.keys())
    return next
  }

  /** Flips one byte of a file (disk damage). */
  corrupt(path: string, offset: number): void {
    const f = this.files.get(path)
    if (f === undefined) throw new Error(`no file ${path}`)
    const flip = (b: Uint8Array) => {
      if (offset < b.length) b[offset] = (b[offset] as number) ^ 0xff
    }
    flip(f.current)
    flip(f.durable)
  }
}

/**
 * An in-memory KeyValueStore with LevelDB's durability (see the fault model
 * above). `crash()` drops every write no synced write has covered.
 */
interface KvState {
  current: Map<string, Uint8Array>
  durable: Map<string, Uint8Array>
  syncs: number
  failWrites: boolean
  dead: boolean
}

export class LossyKv implements KeyValueStore {
  private readonly state: KvState

  constructor(
    private readonly prefix = '',
    state?: KvState
  ) {
    this.state = state ?? { current: new Map(), durable: new Map(), syncs: 0, failWrites: false, dead: false }
  }

  /** synced writes so far */
  get syncs(): number {
    return this.state.syncs
  }
  /** makes every write fail with EIO (or stop failing) */
  set failWrites(fail: boolean) {
    this.state.failWrites = fail
  }
  private get current(): Map<string, Uint8Array> {
    return this.state.current
  }

  private k(key: string): string {
    return `${this.prefix}${key}`
  }

  private alive(): void {
    if (this.state.dead) throw Object.assign(new Error('EIO: the power is off'), { code: 'EIO' })
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    this.alive()
    return this.current.get(this.k(key))
  }
  async getMany(keys: string[]): Promise<Array<Uint8Array | undefined>> {
    this.alive()
    return keys.map(key => this.current.get(this.k(key)))
  }
  async put(key: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    await this.batch([{ type: 'put', key, value }], options)
  }
  async del(key: string, options?: WriteOptions): Promise<void> {
    await this.batch([{ type: 'del', key }], options)
  }
  async batch(ops: KvOperation[], options?: WriteOptions): Promise<void> {
    this.alive()
    if (this.state.failWrites) throw Object.assign(new Error('IO error: write failed'), { code: 'EIO' })
    for (const op of ops) {
      if (op.type === 'put') this.current.set(this.k(op.key), Uint8Array.from(op.value))
      else this.current.delete(this.k(op.key))
    }
    if (options?.sync === true) {
      this.state.durable = new Map(this.current)
      this.state.syncs++
    }
  }
  private range(range: KvRange): string[] {
    this.alive()
    const lo = this.k(range.gte ?? '')
    const hi = range.lt === undefined ? `${this.prefix}\uffff` : this.k(range.lt)
    const keys = [...this.current.keys()].filter(k => k >= lo && k < hi).sort()
    if (range.reverse === true) keys.reverse()
    return range.limit === undefined || range.limit < 0 ? keys : keys.slice(0, range.limit)
  }
  async *entries(range: KvRange): AsyncIterable<[string, Uint8Array]> {
    for (const k of this.range(range)) {
      const v = this.current.get(k)
      if (v !== undefined) yield [k.slice(this.prefix.length), v]
    }
  }
  async *keys(range: KvRange): AsyncIterable<string> {
    for (const k of this.range(range)) yield k.slice(this.prefix.length)
  }
  sub(prefix: string): KeyValueStore {
    return new LossyKv(`${this.prefix}!${prefix}!`, this.state)
  }
  /** The power goes: returns the store the machine finds when it comes back (only what a synced write covered); this one fails from now on. */
  crash(): LossyKv {
    this.state.dead = true
    return new LossyKv(this.prefix, { current: new Map(this.state.durable), durable: new Map(this.state.durable), syncs: 0, failWrites: false, dead: false })
  }
}
