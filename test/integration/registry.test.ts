import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MessageType } from '@libp2p/kad-dht'
import { ab, sha256, signEnvelope } from '../../core/index.js'
import { createRegistryRecord, createVersionPointer, pointerKey, Registry, type RegistryView, registryKey, shardOf } from '../../registry/index.js'
import { RegistryRecord, VersionPointer } from '../../registry/pb/registry.js'
import { type MeshTestNode, startMeshNode, startMeshNodes, stopMeshNodes } from '../helpers/mesh-nodes.js'

const idsOf = (view: RegistryView): string[] => view.members.map(m => m.peerIdString)

/** Counts the peers that accepted and refused a raw DHT put (no local validation). */
async function rawPut(node: MeshTestNode, key: Uint8Array, value: Uint8Array): Promise<{ stored: number; errors: number }> {
  let stored = 0
  let errors = 0
  for await (const e of node.libp2p.services.dht.put(key, value, { signal: AbortSignal.timeout(10_000) })) {
    if (e.name === 'PEER_RESPONSE' && e.messageType === MessageType.PUT_VALUE) stored++
    if (e.name === 'QUERY_ERROR') errors++
  }
  return { stored, errors }
}

describe('holder registry on a 5-node loopback mesh', { timeout: 180_000 }, () => {
  let nodes: MeshTestNode[] = []
  let fresh: MeshTestNode | undefined
  const all = (): MeshTestNode[] => (fresh == null ? nodes : [...nodes, fresh])

  before(async () => {
    nodes = await startMeshNodes(5)
  })

  after(async () => {
    await stopMeshNodes(all())
  })

  it('remote DHT nodes refuse records that fail validation', async () => {
    const [a] = nodes as [MeshTestNode]
    const bad = signEnvelope(
      'registryRecord',
      RegistryRecord.encode({ peerId: ab(a.identity.peerId), addrs: ['/ip4/300.0.0.1/tcp/1'], capacityBucket: 1, seq: 1n, registeredAt: 1n, tombstone: false }),
      a.identity.seed
    )
    const res = await rawPut(a, registryKey(a.identity.peerId), bad)
    assert.equal(res.stored, 0)
    assert.ok(res.errors >= 4, `expected every peer to refuse, got ${JSON.stringify(res)}`)
    // the invalid local copy is dropped by the local validator on read; a real registration replaces it
  })

  it('all 5 register and a fresh node bootstrapped to one of them sees all 5 (first refresh from start())', async t => {
    const records = await Promise.all(nodes.map((n, i) => n.registry.register({ capacityBucket: 10 + i })))
    for (const [i, r] of records.entries()) {
      assert.equal(r.peerIdString, nodes[i]?.identity.peerIdString)
      assert.ok(r.seq >= Date.now() - 60_000)
      assert.ok(r.addrs.length > 0)
      assert.deepEqual(
        nodes[i]?.registry.view().members.map(m => m.peerIdString),
        [r.peerIdString],
        'self is a member once registered'
      )
    }
    fresh = await startMeshNode({ bootstrap: [(nodes[2] as MeshTestNode).libp2p], registry: { refreshIntervalMs: 10 * 60_000 } })
    const registry = fresh.registry
    const started = performance.now()
    // the first refresh sees the bootstrap peer; each mesh peer the DHT then reveals triggers another
    const changed = new Promise<RegistryView>(resolve =>
      registry.addEventListener('change', e => {
        const v = (e as CustomEvent<RegistryView>).detail
        if (v.members.length >= nodes.length) resolve(v)
      })
    )
    // a view that grows in steps (the bootstrap peer first, then the rest) may open epochs on the way
    let epochEvents = 0
    registry.addEventListener('epoch', () => {
      epochEvents++
    })
    registry.start()
    registry.start()
    const view = await changed
    const ms = performance.now() - started
    t.diagnostic(`fresh node built a ${view.members.length}-member view in ${ms.toFixed(0)} ms`)
    assert.deepEqual(idsOf(view), nodes.map(n => n.identity.peerIdString).sort())
    assert.deepEqual(registry.view(), view)
    assert.equal(view.epoch, 1 + epochEvents, 'every epoch the view moved through was announced')
    assert.ok(view.updatedAt > 0)
    assert.equal(view.members.find(x => x.peerIdString === nodes[3]?.identity.peerIdString)?.capacityBucket, 13)
    // a few seconds alone; the bound is loose because the 2-vCPU test machine is shared
    assert.ok(ms < 20_000, `view took ${ms} ms`)
    assert.equal(registry.isStarted(), true)
    registry.stop()
    registry.stop()
    assert.equal(registry.isStarted(), false)
  })

  it('a leaving holder disappears from every view; a stale record cannot bring it back; re-registering does; epochs follow', async () => {
    const f = fresh as MeshTestNode
    const leaver = nodes[3] as MeshTestNode
    const second = nodes[4] as MeshTestNode
    const id = leaver.identity.peerIdString
    // a registration older than the tombstone, as an attacker or a lagging peer would replay it
    const stale = createRegistryRecord({
      identity: leaver.identity,
      addrs: ['/ip4/127.0.0.1/tcp/1'],
      capacityBucket: 5,
      seq: Date.now() - 1000,
      registeredAt: 1
    })

    // epochs are counted from where the fresh node's view stands now (how many steps it took to fill is timing)
    const e0 = f.registry.view().epoch
    const epochs: number[] = []
    const changes: number[] = []
    f.registry.addEventListener('epoch', e => epochs.push((e as CustomEvent<RegistryView>).detail.epoch))
    f.registry.addEventListener('change', e => changes.push((e as CustomEvent<RegistryView>).detail.members.length))
    // a tolerant observer on node 0: one holder of five is 20%, below its 25% threshold
    const node0 = nodes[0] as MeshTestNode
    const tolerantEpochs: number[] = []
    const tolerant = new Registry(
      { libp2p: node0.libp2p, identity: node0.identity },
      { epochChangeThreshold: 0.25, onEpoch: v => tolerantEpochs.push(v.epoch) }
    )
    assert.equal((await tolerant.refresh()).epoch, 1)

    await leaver.registry.leave()
    assert.equal(leaver.registry.registered, false)
    assert.ok(!idsOf(leaver.registry.view()).includes(id), 'the leaver drops itself at once')
    // refreshes are CPU-bound in one process (every node's DHT shares the event loop), so they run one at a time
    const fv = await f.registry.refresh()
    const tv = await tolerant.refresh()
    for (const v of [fv, tv]) {
      assert.ok(!idsOf(v).includes(id), 'the leaver is gone from every view')
      assert.equal(v.members.length, 4)
    }
    assert.equal(fv.epoch, e0 + 1, '1 of 5 changed (20% > 10%): new epoch')
    assert.deepEqual(epochs, [e0 + 1])
    assert.deepEqual(changes, [4])
    assert.equal(tv.epoch, 1, '20% is not above a 25% threshold')
    assert.deepEqual(tolerantEpochs, [])

    const res = await rawPut(nodes[1] as MeshTestNode, registryKey(leaver.identity.peerId), stale)
    assert.ok(res.stored > 0, 'the stale record is validly signed, so peers store it')
    assert.ok(!idsOf(await f.registry.refresh()).includes(id), 'a stale lower-seq record does not resurrect it')
    // that refresh put the tombstone back, so a registry with no memory of it reads the tombstone from the DHT
    const amnesiac = new Registry({ libp2p: second.libp2p, identity: second.identity })
    assert.ok(!idsOf(await amnesiac.refresh()).includes(id))

    // a second holder leaves: 2 of 5 since the tolerant observer's epoch began (40%)
    await second.registry.leave()
    const tv2 = await tolerant.refresh()
    assert.equal(tv2.members.length, 3)
    assert.equal(tv2.epoch, 2)
    assert.deepEqual(tolerantEpochs, [2])

    const back = await leaver.registry.register({ capacityBucket: 20 })
    await second.registry.register({ capacityBucket: 21 })
    const staleSeq = RegistryRecord.decode(RegistryRecord.encode({ seq: BigInt(Date.now() - 1000) })).seq
    assert.ok(back.seq > Number(staleSeq))
    const fv3 = await f.registry.refresh()
    assert.equal(fv3.members.length, 5, 're-registered with a higher seq: back in the view')
    assert.equal(fv3.members.find(m => m.peerIdString === id)?.capacityBucket, 20)
    assert.equal(fv3.epoch, e0 + 2, 'since the previous epoch began: +1 of 4 (25%)')
    assert.deepEqual(epochs, [e0 + 1, e0 + 2])
    assert.deepEqual(leaver.registry.view().members.length, 1, 'a holder that did not refresh still lists itself')
  })

  it('a full refresh finds holders through their shards alone; a routine refresh sweeps only its window', async () => {
    const observer = nodes[1] as MeshTestNode
    // a protocol no peer speaks: the peer store offers no candidates, so only provider records can reveal holders
    const blind = new Registry({ libp2p: observer.libp2p, identity: observer.identity }, { candidateProtocol: '/meshkeep/none/1.0.0', shardsPerRefresh: 1 })
    const registered = new Set(
      all()
        .filter(n => n.registry.registered)
        .map(n => n.identity.peerIdString)
    )
    const windowed = await blind.refresh()
    const shardsOfRegistered = new Set([...registered].map(id => shardOf(all().find(n => n.identity.peerIdString === id)?.identity.peerId ?? new Uint8Array())))
    // one shard swept (shard 0) plus our own record: at most the holders of shard 0 besides ourselves
    for (const m of windowed.members) {
      assert.ok(m.peerIdString === observer.identity.peerIdString || shardOf(m.peerId) === 0, `${m.peerIdString} came from shard 0 or is us`)
    }
    const full = await blind.refresh({ full: true })
    assert.deepEqual(new Set(idsOf(full)), registered, `a full sweep over ${shardsOfRegistered.size} occupied shards finds every registered holder`)
  })

  it('version pointers: the owner publishes, another node reads the highest version, forgeries are refused', async () => {
    const owner = nodes[0] as MeshTestNode
    const reader = nodes[4] as MeshTestNode
    const forger = nodes[2] as MeshTestNode
    const manifestId = sha256(new TextEncoder().encode('manifest v1'))
    const holders = [nodes[1], nodes[2]].map(n => (n as MeshTestNode).identity.peerId)
    assert.equal(await reader.registry.resolveVersionPointer(owner.identity.peerId), undefined)

    const v1 = createVersionPointer({ owner: owner.identity, version: 1, manifestId, manifestHolders: holders })
    const r1 = await owner.registry.publishVersionPointer(v1)
    assert.ok(r1.stored > 0)
    const got1 = await reader.registry.resolveVersionPointer(owner.identity.peerIdString)
    assert.equal(got1?.version, 1)
    assert.deepEqual(got1?.manifestHolders, holders)

    const v2 = createVersionPointer({
      owner: owner.identity,
      version: 2,
      manifestId: sha256(new TextEncoder().encode('manifest v2')),
      manifestHolders: holders
    })
    await owner.registry.publishVersionPointer(v2)
    await assert.rejects(owner.registry.publishVersionPointer(v1), /below the published version/)
    assert.equal((await reader.registry.resolveVersionPointer(owner.identity.peerId))?.version, 2)

    const forged = signEnvelope(
      'versionPointer',
      VersionPointer.encode({ owner: ab(owner.identity.peerId), version: 99n, manifestId: ab(manifestId), manifestHolders: [], createdAt: 1n }),
      forger.identity.seed
    )
    await assert.rejects(forger.registry.publishVersionPointer(forged), /signature does not verify/)
    const res = await rawPut(forger, pointerKey(owner.identity.peerId), forged)
    assert.equal(res.stored, 0, 'every remote validator refuses the forged pointer')
    assert.ok(res.errors > 0)
    assert.equal((await reader.registry.resolveVersionPointer(owner.identity.peerId))?.version, 2)
  })
})
