import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import * as raw from 'multiformats/codecs/raw'
import { ab, MAX_CAPACITY_BUCKET, sha256, signEnvelope } from '../../core/index.js'
import {
  createRegistryRecord,
  createVersionPointer,
  epochChanged,
  InvalidRegistryRecordError,
  MAX_REGISTRY_RECORD_BYTES,
  parseVersionPointer,
  pointerKey,
  type RecordRejection,
  registryKey,
  registrySelectors,
  registryValidators,
  selectRegistryRecord,
  selectVersionPointer,
  shardCid,
  shardOf,
  validateRegistryRecord
} from '../../registry/index.js'
import { RegistryRecord, VersionPointer } from '../../registry/pb/registry.js'
import { makeNode } from '../helpers/fixtures.js'

const holder = makeNode()
const other = makeNode()
const ADDR = '/ip4/127.0.0.1/tcp/4001'

const record = (seq: number, tombstone = false, by = holder) =>
  createRegistryRecord({ identity: by.identity, addrs: tombstone ? [] : [ADDR], capacityBucket: tombstone ? 0 : 7, seq, registeredAt: seq, tombstone })

/** Signs a payload the schema may reject: createRegistryRecord refuses to. */
function rawRecord(fields: Partial<RegistryRecord>, signer = holder): Uint8Array {
  const payload = RegistryRecord.encode({
    peerId: ab(holder.identity.peerId),
    addrs: [ADDR],
    capacityBucket: 3,
    seq: 5n,
    registeredAt: 5n,
    tombstone: false,
    ...fields
  })
  return signEnvelope('registryRecord', payload, signer.identity.seed)
}

function rejects(fn: () => unknown, reason: RecordRejection, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidRegistryRecordError, `expected InvalidRegistryRecordError, got ${String(err)}`)
    assert.equal(err.reason, reason)
    assert.match(err.message, message)
    assert.equal(err.code, reason === 'bad-signature' ? 'INVALID_SIGNATURE' : 'INVALID_MESSAGE')
    return true
  })
}

const validate = registryValidators().mkreg
const select = registrySelectors().mkreg

describe('registry shards', () => {
  it('shardOf is the first byte of SHA-256 of the peer id bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), id => {
        const s = shardOf(id)
        assert.equal(s, sha256(id)[0])
        assert.ok(Number.isInteger(s) && s >= 0 && s < 256)
      })
    )
  })

  it('shard CIDs are CIDv1 raw sha256 of meshkeep/registry/shard/v1/<n>, distinct and stable', () => {
    const seen = new Set<string>()
    for (let n = 0; n < 256; n++) {
      const cid = shardCid(n)
      assert.equal(cid.version, 1)
      assert.equal(cid.code, raw.code)
      assert.equal(cid.multihash.code, 0x12)
      assert.deepEqual(cid.multihash.digest, sha256(new TextEncoder().encode(`meshkeep/registry/shard/v1/${n}`)))
      assert.ok(shardCid(n).equals(cid))
      seen.add(cid.toString())
    }
    assert.equal(seen.size, 256)
    assert.throws(() => shardCid(256), /shard must be an integer/)
    assert.throws(() => shardCid(-1), /shard must be an integer/)
  })
})

describe('epochChanged', () => {
  const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `p${from + i}`)

  it('changes only when more than the threshold of membership moved', () => {
    assert.equal(epochChanged(ids(10), ids(10), 0.1), false)
    assert.equal(epochChanged(ids(10), ids(9), 0.1), false, 'exactly 10% is not more than 10%')
    assert.equal(epochChanged(ids(10), ids(8), 0.1), true)
    assert.equal(epochChanged(ids(20), [...ids(19), 'new'], 0.1), false, '2 of 20 is 10%')
    assert.equal(epochChanged(ids(20), [...ids(18), 'a', 'b'], 0.1), true)
    assert.equal(epochChanged(ids(5), ids(4), 0.1), true)
    assert.equal(epochChanged([], ids(1), 0.1), true)
    assert.equal(epochChanged([], [], 0.1), false)
  })

  it('is the symmetric difference over max(1, |prev|), independent of order', () => {
    const setArb = fc.uniqueArray(fc.integer({ min: 0, max: 60 }).map(String), { maxLength: 40 })
    fc.assert(
      fc.property(setArb, setArb, fc.double({ min: 0, max: 2, noNaN: true }), (a, b, t) => {
        const sa = new Set(a)
        const sb = new Set(b)
        const diff = a.filter(x => !sb.has(x)).length + b.filter(x => !sa.has(x)).length
        assert.equal(epochChanged(a, b, t), diff / Math.max(1, a.length) > t)
        assert.equal(epochChanged([...a].reverse(), [...b, ...b], t), epochChanged(a, b, t))
        assert.equal(epochChanged(a, a, t), false)
      })
    )
  })
})

describe('registry record validator', () => {
  const key = registryKey(holder.identity.peerId)

  it('accepts a signed record and reads it back', async () => {
    const info = validateRegistryRecord(key, record(42))
    assert.equal(info.peerIdString, holder.identity.peerIdString)
    assert.deepEqual(info.addrs, [ADDR])
    assert.equal(info.seq, 42)
    assert.equal(info.tombstone, false)
    await validate?.(key, record(43))
  })

  it('rejects an oversized record before decoding it', () => {
    rejects(() => validateRegistryRecord(key, new Uint8Array(MAX_REGISTRY_RECORD_BYTES + 1)), 'oversized', /over the 4096-byte limit/)
  })

  it('rejects garbage', () => {
    rejects(() => validateRegistryRecord(key, Uint8Array.from([0xff, 0xff, 0xff, 0x01])), 'malformed', /not a signed envelope/)
    const env = signEnvelope('registryRecord', Uint8Array.from([0x0a, 0x7f]), holder.identity.seed)
    rejects(() => validateRegistryRecord(key, env), 'malformed', /payload does not decode/)
  })

  it('rejects a record signed by another key', () => {
    rejects(() => validateRegistryRecord(key, rawRecord({}, other)), 'bad-signature', /signature does not verify/)
  })

  it('rejects a record signed for another domain', () => {
    const payload = RegistryRecord.decode(
      RegistryRecord.encode({ peerId: ab(holder.identity.peerId), addrs: [], capacityBucket: 0, seq: 1n, registeredAt: 1n })
    )
    const wrongDomain = signEnvelope('versionPointer', RegistryRecord.encode(payload), holder.identity.seed)
    rejects(() => validateRegistryRecord(key, wrongDomain), 'bad-signature', /signature does not verify/)
  })

  it('rejects a record stored under another peer id key', () => {
    rejects(() => validateRegistryRecord(registryKey(other.identity.peerId), record(5)), 'key-mismatch', /is stored under/)
    rejects(() => validateRegistryRecord(new TextEncoder().encode('/mkreg/notapeerid'), record(5)), 'bad-key', /does not name an Ed25519 peer id/)
    rejects(() => validateRegistryRecord(new TextEncoder().encode(`/mkreg/${holder.identity.peerIdString}/x`), record(5)), 'bad-key', /not of the form/)
  })

  it('rejects bad multiaddrs, too many addresses and out-of-range buckets', () => {
    rejects(() => validateRegistryRecord(key, rawRecord({ addrs: ['/ip4/999.0.0.1/tcp/1'] })), 'bad-addr', /not a valid multiaddr/)
    rejects(() => validateRegistryRecord(key, rawRecord({ addrs: ['not-a-multiaddr'] })), 'bad-addr', /not a valid multiaddr/)
    rejects(() => validateRegistryRecord(key, rawRecord({ addrs: [''] })), 'bad-addr', /1\.\.256 characters/)
    rejects(() => validateRegistryRecord(key, rawRecord({ addrs: [`/dns4/${'a'.repeat(300)}/tcp/1`] })), 'bad-addr', /1\.\.256 characters/)
    rejects(() => validateRegistryRecord(key, rawRecord({ addrs: Array(17).fill(ADDR) })), 'out-of-range', /too many elements/)
    rejects(() => validateRegistryRecord(key, rawRecord({ capacityBucket: MAX_CAPACITY_BUCKET + 1 })), 'bad-capacity', /above the maximum/)
    rejects(() => validateRegistryRecord(key, rawRecord({ seq: 2n ** 60n })), 'out-of-range', /above 2\^53/)
  })

  it('rejects a record whose peer id is not Ed25519', () => {
    rejects(() => validateRegistryRecord(key, rawRecord({ peerId: ab(new Uint8Array(38)) })), 'bad-peer-id', /not an Ed25519 peer id/)
  })

  it('refuses to sign an invalid record', () => {
    assert.throws(
      () => createRegistryRecord({ identity: holder.identity, addrs: ['bogus'], capacityBucket: 1, seq: 1, registeredAt: 1 }),
      InvalidRegistryRecordError
    )
  })
})

describe('registry record selector', () => {
  const key = registryKey(holder.identity.peerId)
  it('the highest seq wins in any order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 2, maxLength: 6 }), async seqs => {
        const records = seqs.map(s => record(s))
        const i = await select?.(key, records)
        assert.equal(seqs[i ?? -1], Math.max(...seqs))
      }),
      { numRuns: 30 }
    )
  })

  it('a tombstone wins a tie, and loses to a higher seq', () => {
    const live = record(10)
    const dead = record(10, true)
    assert.equal(selectRegistryRecord(key, [live, dead]), 1)
    assert.equal(selectRegistryRecord(key, [dead, live]), 0)
    assert.equal(selectRegistryRecord(key, [dead, record(11)]), 1)
    assert.equal(selectRegistryRecord(key, [record(9), dead]), 1, 'a stale lower-seq record cannot resurrect a holder')
  })

  it('full ties pick the same record whatever the order', () => {
    const a = createRegistryRecord({ identity: holder.identity, addrs: [ADDR], capacityBucket: 1, seq: 7, registeredAt: 7 })
    const b = createRegistryRecord({ identity: holder.identity, addrs: [ADDR], capacityBucket: 2, seq: 7, registeredAt: 7 })
    const first = [a, b][selectRegistryRecord(key, [a, b])]
    const second = [b, a][selectRegistryRecord(key, [b, a])]
    assert.deepEqual(first, second)
  })

  it('an invalid record never wins', () => {
    assert.equal(selectRegistryRecord(key, [rawRecord({ seq: 99n }, other), record(3)]), 1)
    assert.equal(selectRegistryRecord(key, [record(3, false, other), record(2)]), 1, 'a record of another peer id is not a candidate')
  })
})

describe('version pointers', () => {
  const owner = holder
  const manifestId = sha256(Uint8Array.from([1, 2, 3]))
  const pointer = (version: number, by = owner, holders = [other.identity.peerId]) =>
    createVersionPointer({ owner: by.identity, version, manifestId, manifestHolders: holders, createdAt: 1_800_000_000_000 + version })
  const key = pointerKey(owner.identity.peerId)
  const validatePtr = registryValidators().mkptr
  const selectPtr = registrySelectors().mkptr

  it('round-trips', async () => {
    const p = parseVersionPointer(pointer(3), owner.identity.peerId)
    assert.equal(p.version, 3)
    assert.equal(p.ownerString, owner.identity.peerIdString)
    assert.deepEqual(p.manifestId, manifestId)
    assert.deepEqual(p.manifestHolders, [other.identity.peerId])
    await validatePtr?.(key, pointer(3))
  })

  it('rejects forged, misfiled and malformed pointers', async () => {
    const forgedPayload = VersionPointer.encode({
      owner: ab(owner.identity.peerId),
      version: 9n,
      manifestId: ab(manifestId),
      manifestHolders: [],
      createdAt: 1n
    })
    const forged = signEnvelope('versionPointer', forgedPayload, other.identity.seed)
    rejects(() => parseVersionPointer(forged), 'bad-signature', /signature does not verify/)
    await assert.rejects(async () => validatePtr?.(key, forged), InvalidRegistryRecordError)
    rejects(() => parseVersionPointer(pointer(1, other), owner.identity.peerId), 'wrong-owner', /expected/)
    assert.throws(() => validatePtr?.(key, pointer(1, other)), /pointer names owner/)
    const shortId = signEnvelope(
      'versionPointer',
      VersionPointer.encode({ owner: ab(owner.identity.peerId), version: 1n, manifestId: ab(new Uint8Array(31)), manifestHolders: [], createdAt: 1n }),
      owner.identity.seed
    )
    rejects(() => parseVersionPointer(shortId), 'bad-manifest-id', /must be 32 bytes/)
    assert.throws(() => pointer(1, owner, Array(9).fill(other.identity.peerId)), InvalidRegistryRecordError)
    rejects(() => parseVersionPointer(new Uint8Array(4096)), 'oversized', /limit/)
  })

  it('the highest version wins; ties are deterministic', async () => {
    assert.equal(await selectPtr?.(key, [pointer(1), pointer(3), pointer(2)]), 1)
    assert.equal(selectVersionPointer(key, [pointer(5), pointer(4)]), 0)
    const a = createVersionPointer({ owner: owner.identity, version: 2, manifestId, manifestHolders: [], createdAt: 1 })
    const b = createVersionPointer({ owner: owner.identity, version: 2, manifestId, manifestHolders: [], createdAt: 2 })
    assert.deepEqual([a, b][selectVersionPointer(key, [a, b])], [b, a][selectVersionPointer(key, [b, a])])
  })
})
