import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { AUDIT_NONCE_BYTES, auditRoot, bytesEqual, type ChunkRef, sha256, toHex, verifyAnswer } from '../core/index.js'
import { auditChunks, fetchChunks, MAX_AUDIT_CHALLENGES, MAX_BATCH, RemoteError, type RpcLibp2p } from '../protocols/index.js'
import type { CopyBook } from './copy-book.js'
import { eachLimited } from './each-limited.js'
import type { OwnerStore } from './owner-store.js'
import { withRetry } from './retry.js'

export interface AuditorComponents {
  libp2p: RpcLibp2p
  store: OwnerStore
  book: CopyBook
  /** a holder answered (or did not answer at the transport level) */
  onContact: (holder: string, answered: boolean) => void
  log?: (msg: string, fields?: Record<string, unknown>) => void
}

export interface AuditorInit {
  requestTimeoutMs: number
  /** holders audited at once */
  concurrency: number
  /** attempts per exchange: a dropped connection or a deadline is retried before the holder counts as unreachable */
  attempts: number
  retryBaseMs: number
}

/** One copy to challenge: a chunk of a retained version on one holder. */
export interface AuditTarget {
  id: Uint8Array
  size: number
  holder: string
}

export interface AuditReport {
  at: number
  /** copies challenged */
  challenged: number
  passed: number
  /** copies that answered wrongly or said missing (known copies only) */
  failed: number
  /** holders that did not answer at the transport level */
  unreachable: number
  /** challenges the holder refused (rate limit, busy): neither pass nor fail */
  inconclusive: number
  /** copies found by a discovery audit (not booked before) */
  discovered: number
  failures: Array<{ id: string; holder: string }>
}

type Verdict = 'pass' | 'fail' | 'unreachable' | 'inconclusive'

/**
 * Proof-of-storage rounds: challenges copies with fresh nonces over the
 * audit protocol and books the verdicts. A failed or missing answer drops
 * the copy (and the holder is not given that chunk again); a holder that does
 * not answer is reported through `onContact`; a passed discovery challenge
 * books a copy the owner did not know of (after recovery).
 *
 * A chunk whose audit root is not recorded yet gets it from the local copy
 * when there is one; otherwise that challenge is a full fetch from the
 * audited holder itself, checked against the chunk id (which proves
 * possession outright) and the root is recorded from those bytes.
 */
export class Auditor {
  /** copies that failed an audit since start (for metrics) */
  failures = 0

  constructor(
    private readonly components: AuditorComponents,
    private readonly init: AuditorInit
  ) {}

  /**
   * One challenge per holder in `holders` (unreachable ones, to notice their
   * return): a copy it is booked for when there is one, else any chunk. Any
   * answer brings it back; a passed challenge on a booked copy also proves it.
   */
  probeTargets(chunks: readonly ChunkRef[], holders: readonly string[]): AuditTarget[] {
    const out: AuditTarget[] = []
    if (chunks.length === 0) return out
    for (const h of holders) {
      const held = chunks.find(c => this.components.book.has(c.id, h))
      const ref = held ?? (chunks[Math.floor(Math.random() * chunks.length)] as ChunkRef)
      out.push({ id: ref.id, size: ref.size, holder: h })
    }
    return out
  }

  /** Up to `n` random known copies of `chunks`, at most one per (chunk, holder). */
  sample(chunks: ReadonlyArray<{ id: Uint8Array; size: number }>, n: number): AuditTarget[] {
    const all: AuditTarget[] = []
    const seen = new Set<string>()
    const now = this.components.book.now()
    for (const c of chunks) {
      const hex = toHex(c.id)
      if (seen.has(hex)) continue
      seen.add(hex)
      // an expired copy proves nothing (its holder may have collected it); repair renews leases before they end
      for (const copy of this.components.book.copies(hex))
        if (copy.leaseExpiresAt > now && !this.components.book.isReleasing(hex, copy.holder)) all.push({ id: c.id, size: c.size, holder: copy.holder })
    }
    // partial Fisher–Yates: the first n entries become a uniform sample
    for (let i = 0; i < Math.min(n, all.length); i++) {
      const j = i + Math.floor(Math.random() * (all.length - i))
      ;[all[i], all[j]] = [all[j] as AuditTarget, all[i] as AuditTarget]
    }
    return all.slice(0, n)
  }

  /**
   * Challenges every target. With `discover`, targets that are not booked
   * copies are probes: a pass books the copy (unattested, with the lease the
   * holder reports), a failure means nothing.
   */
  async audit(targets: AuditTarget[], signal: AbortSignal, options: { discover?: boolean } = {}): Promise<AuditReport> {
    const report: AuditReport = { at: Date.now(), challenged: 0, passed: 0, failed: 0, unreachable: 0, inconclusive: 0, discovered: 0, failures: [] }
    const byHolder = new Map<string, AuditTarget[]>()
    for (const t of targets) {
      const list = byHolder.get(t.holder) ?? []
      list.push(t)
      byHolder.set(t.holder, list)
    }
    await eachLimited(byHolder, this.init.concurrency, async ([holder, list]) => {
      let reachable: boolean | undefined
      for (let i = 0; i < list.length; i += MAX_AUDIT_CHALLENGES) {
        signal.throwIfAborted()
        const verdicts = await this.auditAtHolder(holder, list.slice(i, i + MAX_AUDIT_CHALLENGES), signal)
        for (const [t, v, lease] of verdicts) {
          report.challenged++
          if (v === 'unreachable') {
            reachable = false
            continue
          }
          reachable ??= true
          if (v === 'inconclusive') report.inconclusive++
          else await this.book(t, v, lease, options.discover === true, report)
        }
        if (reachable === false) break
      }
      if (reachable === false) report.unreachable++
      if (reachable !== undefined) this.components.onContact(holder, reachable)
    })
    return report
  }

  private async book(t: AuditTarget, v: 'pass' | 'fail', lease: number, discover: boolean, report: AuditReport): Promise<void> {
    const { book, log } = this.components
    // a copy being released may already be gone: its answer proves nothing either way
    if (book.isReleasing(t.id, t.holder)) return
    const known = book.copies(t.id).find(c => c.holder === t.holder)
    if (v === 'pass') {
      report.passed++
      const now = book.now()
      if (known === undefined && discover && lease > now) {
        await book.record(t.id, { holder: t.holder, attestedAt: now, leaseExpiresAt: lease })
        report.discovered++
      } else if (known !== undefined && known.attestation === undefined && lease > now) {
        // an unattested copy's lease is the holder's word, refreshed at every passed audit
        await book.record(t.id, { holder: t.holder, attestedAt: now, leaseExpiresAt: lease })
      }
      return
    }
    if (known === undefined) return // a probe the holder could not answer: it never claimed the chunk
    report.failed++
    this.failures++
    report.failures.push({ id: toHex(t.id), holder: t.holder })
    book.distrust(t.id, t.holder)
    await book.drop(t.id, t.holder)
    log?.('audit failed; copy dropped', { chunk: toHex(t.id).slice(0, 16), holder: t.holder })
  }

  /** Verdicts for ≤ MAX_AUDIT_CHALLENGES targets on one holder: [target, verdict, reported lease]. */
  private async auditAtHolder(holder: string, targets: AuditTarget[], signal: AbortSignal): Promise<Array<[AuditTarget, Verdict, number]>> {
    const { store, libp2p } = this.components
    const roots = new Map<AuditTarget, Uint8Array>()
    const full: AuditTarget[] = []
    for (const t of targets) {
      let root = await store.getAuditRoot(t.id)
      if (root === undefined) {
        const local = await store.getChunk(t.id)
        if (local !== undefined && bytesEqual(sha256(local), t.id)) {
          root = auditRoot(local)
          await store.putAuditRoot(t.id, root)
        }
      }
      if (root === undefined) full.push(t)
      else roots.set(t, root)
    }
    const out: Array<[AuditTarget, Verdict, number]> = []
    const peer = peerIdFromString(holder)
    const opts = { signal, timeoutMs: this.init.requestTimeoutMs }
    // no root yet: fetch the chunk from the audited holder itself
    for (let i = 0; i < full.length; i += MAX_BATCH) {
      const batch = full.slice(i, i + MAX_BATCH)
      try {
        const data = await this.retry(
          () =>
            fetchChunks(
              libp2p,
              peer,
              batch.map(t => t.id),
              opts
            ),
          signal
        )
        for (const [k, t] of batch.entries()) {
          const d = data[k]
          const ok = d !== undefined && d.length === t.size && bytesEqual(sha256(d), t.id)
          if (ok && d !== undefined) await store.putAuditRoot(t.id, auditRoot(d))
          // a full fetch does not carry the lease: a booked copy keeps its own
          out.push([t, ok ? 'pass' : 'fail', 0])
        }
      } catch (err) {
        const v = this.verdictOf(err, signal, holder)
        for (const t of batch) out.push([t, v, 0])
      }
    }
    const challenged = [...roots.keys()]
    if (challenged.length === 0) return out
    const nonces = challenged.map(() => new Uint8Array(randomBytes(AUDIT_NONCE_BYTES)))
    try {
      const challenges = challenged.map((t, k) => ({ id: t.id, nonce: nonces[k] as Uint8Array }))
      const replies = await this.retry(() => auditChunks(libp2p, peer, challenges, opts), signal)
      for (const [k, t] of challenged.entries()) {
        const r = replies[k]
        const ok = r !== undefined && !r.missing && verifyAnswer(roots.get(t) as Uint8Array, t.size, nonces[k] as Uint8Array, r.answer)
        out.push([t, ok ? 'pass' : 'fail', r !== undefined && !r.missing ? r.leaseExpiresAt : 0])
      }
    } catch (err) {
      const v = this.verdictOf(err, signal, holder)
      for (const t of challenged) out.push([t, v, 0])
    }
    return out
  }

  private retry<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return withRetry(fn, { attempts: this.init.attempts, baseDelayMs: this.init.retryBaseMs, maxDelayMs: 5_000, signal })
  }

  /** A refusal the holder sent is an answer (inconclusive); anything else means it did not answer. */
  private verdictOf(err: unknown, signal: AbortSignal, holder: string): Verdict {
    if (signal.aborted) throw signal.reason
    const verdict = err instanceof RemoteError && err.remote ? 'inconclusive' : 'unreachable'
    this.components.log?.(`audit ${verdict}`, { holder, err: String(err) })
    return verdict
  }
}
