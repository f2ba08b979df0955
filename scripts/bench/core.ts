/**
 * Core throughput benchmark (not a test): encrypt+chunk and
 * reassemble+decrypt against bare AES-256-GCM, plus the numbers behind the
 * batched-attestation decision. Everything runs in one process and one run,
 * interleaved per round, so every scenario sees the same machine state.
 *
 *   npm run bench:core -- --mb 256 --runs 3 --json bench-results/core.json
 *   node --cpu-prof --cpu-prof-dir .scratch dist/scripts/bench/core.js --mb 64
 *
 * Sizes: 1 MB = 2^20 bytes here and in the output.
 *
 * Data. The plaintext is a pre-generated pool of exactly POOL_PIECES pieces of
 * MAX_PIECE_BYTES (≈ 64 MiB, an AES-CTR keystream under a fixed key, so runs
 * are reproducible and the RNG is never timed). The source streams it in
 * 1 MiB buffers (`--buffer-kib`), wrapping around, like a file read. Because the pool is a
 * whole number of pieces, piece i of the stream is pool piece i mod
 * POOL_PIECES, and since chunk encryption is deterministic (synthetic nonces)
 * chunk i is the same bytes as chunk i mod POOL_PIECES. So (c) replays one
 * pool's worth of chunks (≈ 64 MiB, sealed once before timing) plus the
 * possibly shorter last chunk, instead of keeping every chunk of the run;
 * (b) keeps no chunk bytes at all, only the manifest's ids, as the daemon
 * does. Every chunk id (b) produces is checked against the replayed chunks
 * after timing, and (c) itself checks ids, sizes and the plaintext digest.
 */

import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import {
  AttestationVerifier,
  bytesEqual,
  type ChunkAttestation,
  ChunkCipher,
  deriveNodeKeys,
  type Ed25519,
  identityFromSeed,
  issueReceipt,
  MAX_PIECE_BYTES,
  type Manifest,
  ManifestBuilder,
  nativeEd25519,
  nobleEd25519,
  openStream,
  type ReceiptItem,
  sealStream,
  sha256
} from '../../core/index.js'

const MiB = 1 << 20
const PIECE = MAX_PIECE_BYTES // 65,507
const POOL_PIECES = 1024 // pool = 1024 × 65,507 B ≈ 63.97 MiB
const GOAL_RATIO = 0.8

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
    'buffer-kib': { type: 'string', default: '1024' },
    'skip-attestation': { type: 'boolean', default: false }
  }
})
const MB = Number(args.mb)
const RUNS = Number(args.runs)
/** Size of the source's buffers: 1 MiB by default; 64 is what fs.createReadStream yields by default. */
const SOURCE_BUFFER = Number(args['buffer-kib']) * 1024
if (!Number.isInteger(MB) || MB < 1 || !Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(SOURCE_BUFFER) || SOURCE_BUFFER < 1024) {
  console.error('usage: core.js [--mb N ≥ 1] [--runs K ≥ 1] [--json FILE] [--buffer-kib B ≥ 1, default 1024] [--skip-attestation]')
  process.exit(2)
}
const TOTAL = MB * MiB
const PIECES = Math.ceil(TOTAL / PIECE)

// ---- data -------------------------------------------------------------------

const pool: Uint8Array = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16)).update(Buffer.alloc(POOL_PIECES * PIECE))

/** The plaintext of piece i of the stream (a view into the pool). */
function pieceAt(i: number): Uint8Array {
  const start = (i % POOL_PIECES) * PIECE
  return pool.subarray(start, start + Math.min(PIECE, TOTAL - i * PIECE))
}

/** The state as the daemon would read it: SOURCE_BUFFER-sized buffers, wrapping around the pool. */
async function* source(): AsyncGenerator<Uint8Array> {
  let off = 0
  for (let sent = 0; sent < TOTAL; ) {
    const n = Math.min(SOURCE_BUFFER, pool.length - off, TOTAL - sent)
    yield pool.subarray(off, off + n)
    off = (off + n) % pool.length
    sent += n
  }
}

const keys = deriveNodeKeys(new Uint8Array(32).fill(1))
const ownerIdentity = identityFromSeed(keys.identitySeed)
const cipher = new ChunkCipher({ chunkKey: keys.chunkKey, nonceKey: keys.nonceKey, owner: ownerIdentity.peerId })

// Chunks replayed by (c): one per pool piece, and the last one if it is short.
const cycle = Array.from({ length: Math.min(POOL_PIECES, PIECES) }, (_, i) => cipher.seal(pieceAt(i)))
const lastIndex = PIECES - 1
const lastChunk = pieceAt(lastIndex).length < PIECE ? cipher.seal(pieceAt(lastIndex)) : undefined

function chunkAt(i: number): { bytes: Uint8Array; id: Uint8Array } {
  if (i === lastIndex && lastChunk !== undefined) return lastChunk
  return cycle[i % POOL_PIECES] as { bytes: Uint8Array; id: Uint8Array }
}

function* storedChunks(): Generator<Uint8Array> {
  for (let i = 0; i < PIECES; i++) yield chunkAt(i).bytes
}

// Bare GCM reference for the open direction: nonce, ciphertext, tag per pool piece.
const bareKey = randomBytes(32)
const bareSealed = Array.from({ length: cycle.length }, (_, i) => bareSealPiece(pieceAt(i)))
const bareLast = lastChunk !== undefined ? bareSealPiece(pieceAt(lastIndex)) : undefined

function bareSealPiece(piece: Uint8Array): { nonce: Buffer; body: Buffer; tag: Buffer } {
  const nonce = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', bareKey, nonce)
  const body = c.update(piece)
  c.final()
  return { nonce, body, tag: c.getAuthTag() }
}

// ---- scenarios --------------------------------------------------------------

function timeMs(fn: () => void): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

async function timeMsAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

/** (a) one createCipheriv per piece, random 12-byte nonce, update + final + getAuthTag. */
function bareSeal(pieces = PIECES): number {
  let sink = 0
  const ms = timeMs(() => {
    for (let i = 0; i < pieces; i++) {
      const c = createCipheriv('aes-256-gcm', bareKey, randomBytes(12))
      sink += c.update(pieceAt(i)).length + c.final().length + c.getAuthTag().length
    }
  })
  if (pieces === PIECES && sink !== TOTAL + 16 * PIECES) throw new Error('bare seal produced the wrong byte count')
  return ms
}

/** Reference: the same per-piece shape in the open direction. */
function bareOpen(pieces = PIECES): number {
  let sink = 0
  const ms = timeMs(() => {
    for (let i = 0; i < pieces; i++) {
      const s = i === lastIndex && bareLast !== undefined ? bareLast : (bareSealed[i % POOL_PIECES] as { nonce: Buffer; body: Buffer; tag: Buffer })
      const d = createDecipheriv('aes-256-gcm', bareKey, s.nonce)
      d.setAuthTag(s.tag)
      sink += d.update(s.body).length + d.final().length
    }
  })
  if (pieces === PIECES && sink !== TOTAL) throw new Error('bare open produced the wrong byte count')
  return ms
}

/** Reference: one SHA-256 pass over the same pieces (the core does two more per piece). */
function bareSha256(pieces = PIECES): number {
  let sink = 0
  const ms = timeMs(() => {
    for (let i = 0; i < pieces; i++) sink += hash('sha256', pieceAt(i), 'buffer').length
  })
  if (sink !== 32 * pieces) throw new Error('sha256 produced the wrong byte count')
  return ms
}

/** (b) the daemon's write path: sealStream feeding a ManifestBuilder. Chunk bytes are dropped. */
async function encryptAndChunk(): Promise<{ ms: number; manifest: Manifest }> {
  const builder = new ManifestBuilder()
  const ms = await timeMsAsync(async () => {
    for await (const chunk of sealStream(source(), cipher)) builder.add(chunk)
  })
  return { ms, manifest: builder.build(1, 0) }
}

/** (c) the recovery path: openStream over the chunks of (b), in order. */
async function reassembleAndDecrypt(manifest: Manifest): Promise<number> {
  let bytes = 0
  const ms = await timeMsAsync(async () => {
    for await (const piece of openStream(storedChunks(), cipher, manifest)) bytes += piece.length
  })
  if (bytes !== TOTAL) throw new Error(`openStream yielded ${bytes} bytes, expected ${TOTAL}`)
  return ms
}

function checkManifest(manifest: Manifest): void {
  if (manifest.totalSize !== TOTAL || manifest.chunks.length !== PIECES) throw new Error('manifest does not describe the stream')
  manifest.chunks.forEach((c, i) => {
    if (!bytesEqual(c.id, chunkAt(i).id)) throw new Error(`chunk ${i} of (b) differs from the replayed chunk`)
  })
}

// ---- Ed25519 and attestations -----------------------------------------------

const holderIdentity = identityFromSeed(sha256(new TextEncoder().encode('bench holder')))
const NOW = Date.now()
const LEASE_END = NOW + 3_600_000

/** Verifications per second of one receipt-sized message, run for at least `minMs`. */
function ed25519VerifyRate(ed: Ed25519, minMs: number): number {
  const msg = randomBytes(220)
  const sig = ed.sign(holderIdentity.seed, msg)
  const pub = holderIdentity.publicKey
  let n = 0
  const t0 = performance.now()
  let elapsed = 0
  do {
    for (let k = 0; k < 16; k++) if (!ed.verify(pub, msg, sig)) throw new Error(`${ed.name} rejected a valid signature`)
    n += 16
    elapsed = performance.now() - t0
  } while (elapsed < minMs)
  return (n / elapsed) * 1000
}

interface AttestationCost {
  batch: number
  backend: string
  chunks: number
  signatureChecks: number
  issueUsPerChunk: number
  verifyUsPerChunk: number
}

/** Holder issues receipts for `chunks` chunks in batches of `batch`; a fresh verifier checks every chunk. */
function attestationCost(ed: Ed25519, batch: number, chunks: number): AttestationCost {
  const items: ReceiptItem[] = Array.from({ length: chunks }, (_, i) => ({ id: sha256(Uint8Array.of(i & 0xff, i >>> 8, batch)), size: 65_536 }))
  const batches: Array<{ items: ReceiptItem[]; atts: ChunkAttestation[] }> = []
  const issueMs = timeMs(() => {
    for (let i = 0; i < chunks; i += batch) {
      const slice = items.slice(i, i + batch)
      batches.push({
        items: slice,
        atts: issueReceipt({ holder: holderIdentity, owner: ownerIdentity.peerId, items: slice, storedAt: NOW, leaseExpiresAt: LEASE_END, ed })
      })
    }
  })
  const verifier = new AttestationVerifier({ ed })
  const expected = { owner: ownerIdentity.peerId, holder: holderIdentity.peerId }
  const verifyMs = timeMs(() => {
    for (const b of batches) {
      b.atts.forEach((att, i) => {
        verifier.verify(att, { ...expected, item: b.items[i] as ReceiptItem }, NOW)
      })
    }
  })
  return {
    batch,
    backend: ed.name,
    chunks,
    signatureChecks: verifier.signatureChecks,
    issueUsPerChunk: (issueMs * 1000) / chunks,
    verifyUsPerChunk: (verifyMs * 1000) / chunks
  }
}

// ---- run --------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const mbps = (ms: number): number => TOTAL / MiB / (ms / 1000)
const f1 = (x: number): string => x.toFixed(1)
const f2 = (x: number): string => x.toFixed(2)
const int = (x: number): string => Math.round(x).toLocaleString('en-US')

type Scenario = 'bareSeal' | 'encryptChunk' | 'reassembleDecrypt' | 'bareOpen' | 'bareSha256'
const samples: Record<Scenario, number[]> = { bareSeal: [], encryptChunk: [], reassembleDecrypt: [], bareOpen: [], bareSha256: [] }

async function main(): Promise<void> {
  console.error(`core bench: ${MB} MB (${PIECES} pieces of ${PIECE} B, source buffers of ${SOURCE_BUFFER / 1024} KiB), ${RUNS} runs, node ${process.version}`)

  // Warm-up of every scenario on its first WARMUP pieces (JIT, allocator, OpenSSL
  // contexts); not recorded. Without it the first timed scenario runs cold.
  {
    const WARMUP = Math.min(256, PIECES)
    bareSeal(WARMUP)
    bareOpen(WARMUP)
    bareSha256(WARMUP)
    const builder = new ManifestBuilder()
    let n = 0
    for await (const chunk of sealStream(source(), cipher)) {
      builder.add(chunk)
      if (++n === WARMUP) break
    }
    for (let i = 0; i < WARMUP; i++) cipher.open(chunkAt(i).bytes)
  }

  for (let run = 1; run <= RUNS; run++) {
    samples.bareSeal.push(bareSeal())
    const { ms, manifest } = await encryptAndChunk()
    samples.encryptChunk.push(ms)
    checkManifest(manifest)
    samples.reassembleDecrypt.push(await reassembleAndDecrypt(manifest))
    samples.bareOpen.push(bareOpen())
    samples.bareSha256.push(bareSha256())
    const [a, c] = [samples.bareSeal[run - 1] as number, samples.reassembleDecrypt[run - 1] as number]
    console.error(
      `run ${run}: bare ${f1(mbps(a))}, encrypt+chunk ${f1(mbps(ms))} (${f2(a / ms)}), reassemble+decrypt ${f1(mbps(c))} (${f2(a / c)}) MB/s (ratio)`
    )
  }

  const rate = (s: Scenario): number => mbps(median(samples[s]))
  const base = rate('bareSeal')
  const seal = rate('encryptChunk')
  const open = rate('reassembleDecrypt')
  const sha = rate('bareSha256')
  // Three full passes per piece (SHA-256, AES-GCM, SHA-256) on one thread: t ≥ t_gcm + 2·t_sha.
  const ceiling = 1 / (1 + (2 * base) / sha)

  const lines: string[] = []
  lines.push(`### Throughput: ${MB} MB, median of ${RUNS} runs`, '')
  lines.push('| scenario | MB/s (median) | baseline MB/s | ratio |', '| --- | ---: | ---: | ---: |')
  lines.push(`| (a) bare AES-256-GCM seal, 65,507-B pieces (baseline) | ${f1(base)} | ${f1(base)} | 1.00 |`)
  lines.push(`| (b) encrypt+chunk: sealStream → ManifestBuilder | ${f1(seal)} | ${f1(base)} | ${f2(seal / base)} |`)
  lines.push(`| (c) reassemble+decrypt: openStream | ${f1(open)} | ${f1(base)} | ${f2(open / base)} |`)
  lines.push(`| reference: bare AES-256-GCM open, same pieces | ${f1(rate('bareOpen'))} | ${f1(base)} | ${f2(rate('bareOpen') / base)} |`)
  lines.push(`| reference: bare SHA-256, same pieces | ${f1(sha)} | ${f1(base)} | ${f2(sha / base)} |`)
  lines.push(`| reference: ceiling of GCM + 2 × SHA-256 on one thread | ${f1(base * ceiling)} | ${f1(base)} | ${f2(ceiling)} |`)
  lines.push('')
  const verdict = (r: number): string => (r >= GOAL_RATIO ? 'met' : 'not met')
  lines.push(
    `Goal ≥ ${GOAL_RATIO} of bare AES-GCM: encrypt+chunk ${f2(seal / base)} (${verdict(seal / base)}), reassemble+decrypt ${f2(open / base)} (${verdict(open / base)}); the single-thread ceiling of three passes per piece is ${f2(ceiling)}.`
  )

  let ed: { nativePerSec: number; noblePerSec: number } | undefined
  let attest: AttestationCost[] = []
  if (!args['skip-attestation']) {
    const nativeRates: number[] = []
    const nobleRates: number[] = []
    for (let run = 0; run < RUNS; run++) {
      nativeRates.push(ed25519VerifyRate(nativeEd25519, 500))
      nobleRates.push(ed25519VerifyRate(nobleEd25519, 500))
    }
    ed = { nativePerSec: median(nativeRates), noblePerSec: median(nobleRates) }
    attestationCost(nativeEd25519, 256, 256) // warm-up
    for (const backend of [nativeEd25519, nobleEd25519]) {
      const chunks = backend === nativeEd25519 ? 4096 : 1024
      for (const batch of [1, 256]) {
        const runs = Array.from({ length: RUNS }, () => attestationCost(backend, batch, chunks))
        const pick = runs.sort((a, b) => a.verifyUsPerChunk - b.verifyUsPerChunk)[runs.length >> 1] as AttestationCost
        attest.push(pick)
      }
    }
    lines.push('', `### Ed25519 and receipts, median of ${RUNS} runs`, '')
    lines.push('| Ed25519 back end | verifications/s |', '| --- | ---: |')
    lines.push(`| nativeEd25519 (${nativeEd25519.name}) | ${int(ed.nativePerSec)} |`)
    lines.push(`| nobleEd25519 (${nobleEd25519.name}) | ${int(ed.noblePerSec)} |`)
    lines.push(`| native / noble | ${f1(ed.nativePerSec / ed.noblePerSec)}× |`)
    lines.push('')
    lines.push(
      '| receipts (AttestationVerifier) | batch | chunks | signature checks | verify µs/chunk | issue µs/chunk |',
      '| --- | ---: | ---: | ---: | ---: | ---: |'
    )
    for (const a of attest) {
      lines.push(`| ${a.backend} | ${a.batch} | ${a.chunks} | ${a.signatureChecks} | ${f2(a.verifyUsPerChunk)} | ${f2(a.issueUsPerChunk)} |`)
    }
  } else {
    attest = []
  }

  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / MiB
  lines.push('', `Peak RSS: ${f1(peakRssMb)} MB (includes the ≈ 64 MB plaintext pool, ≈ 64 MB of replayed chunks for (c) and ≈ 64 MB of bare-GCM ciphertexts).`)
  lines.push(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} logical CPUs, node ${process.version}.`)
  console.log(lines.join('\n'))

  if (args.json !== undefined) {
    const result = {
      mb: MB,
      runs: RUNS,
      pieceBytes: PIECE,
      pieces: PIECES,
      node: process.version,
      cpu: cpus()[0]?.model,
      mbPerSec: {
        bareSeal: base,
        encryptChunk: seal,
        reassembleDecrypt: open,
        bareOpen: rate('bareOpen'),
        bareSha256: sha
      },
      ratio: { encryptChunk: seal / base, reassembleDecrypt: open / base, threePassCeiling: ceiling, goal: GOAL_RATIO },
      samplesMs: samples,
      ed25519VerifyPerSec: ed,
      attestation: attest,
      peakRssMb
    }
    writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`)
  }
}

await main()
