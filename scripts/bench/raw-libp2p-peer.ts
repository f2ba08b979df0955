/**
 * The raw libp2p baseline: a helper process with the daemon's own libp2p
 * stack (createMeshLibp2p: TCP + noise + yamux, same connection manager) and
 * nothing else on top. It pushes or pulls a given number of bytes as
 * length-prefixed 64 KiB messages, one stream per peer, all peers at once:
 * the most the same transport carries between separate processes on this
 * machine, with no chunking, encryption, storage or attestation.
 *
 * Commands (lib/child-rpc.ts): dial, push, pull. Run by the bench only.
 */
import { randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createMeshLibp2p } from '../../daemon/node/libp2p.js'
import { serveParent } from './lib/child-rpc.js'

const PUSH = '/meshkeep-bench/push/1.0.0'
const PULL = '/meshkeep-bench/pull/1.0.0'
/** Generous read buffers: the baseline must measure the transport, not trip on a slow reader. */
const STREAM_OPTS = { maxDataLength: 4 << 20, maxBufferSize: 256 << 20 }

interface Target {
  addr: string
  bytes: number
}

const node = await createMeshLibp2p({ identitySeed: randomBytes(32), listen: ['/ip4/127.0.0.1/tcp/0'] })
const payload = randomBytes(1 << 20)

type Lp = ReturnType<typeof lpStream<Stream>>

/** One length-prefixed reader/writer per stream: a second wrapper would get its own copy of every byte. */
const wrap = (stream: Stream): Lp => lpStream(stream, STREAM_OPTS)

/** Writes `bytes` as messages of `size` (the last one shorter). */
async function writeMessages(lp: Lp, bytes: number, size: number): Promise<void> {
  for (let sent = 0; sent < bytes; ) {
    const n = Math.min(size, bytes - sent)
    await lp.write(payload.subarray(0, n))
    sent += n
  }
}

/** Reads messages until `bytes` payload bytes arrived. */
async function readMessages(lp: Lp, bytes: number): Promise<void> {
  for (let got = 0; got < bytes; ) got += (await lp.read()).byteLength
}

const encode = (o: object) => new TextEncoder().encode(JSON.stringify(o))
const decode = async (lp: Lp) => JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { bytes: number; size: number }

await node.handle(
  PUSH,
  async stream => {
    const lp = wrap(stream)
    const h = await decode(lp)
    await readMessages(lp, h.bytes)
    await lp.write(encode({ ok: true }))
    await stream.close()
  },
  { maxInboundStreams: 64 }
)

await node.handle(
  PULL,
  async stream => {
    const lp = wrap(stream)
    const h = await decode(lp)
    await writeMessages(lp, h.bytes, h.size)
    await stream.close()
  },
  { maxInboundStreams: 64 }
)

async function push(t: Target, size: number): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(t.addr), PUSH)
  const lp = wrap(stream)
  await lp.write(encode({ bytes: t.bytes, size }))
  await writeMessages(lp, t.bytes, size)
  await lp.read() // the receiver's "all read"
  await stream.close()
}

async function pull(t: Target, size: number): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(t.addr), PULL)
  const lp = wrap(stream)
  await lp.write(encode({ bytes: t.bytes, size }))
  await readMessages(lp, t.bytes)
  await stream.close()
}

async function timedAll(targets: Target[], size: number, one: (t: Target, size: number) => Promise<void>): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now()
  await Promise.all(targets.map(t => one(t, size)))
  return { ms: performance.now() - t0, bytes: targets.reduce((n, t) => n + t.bytes, 0) }
}

serveParent(
  { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) },
  {
    dial: async p => {
      await Promise.all((p.addrs as string[]).map(a => node.dial(multiaddr(a))))
    },
    push: async p => timedAll(p.targets as Target[], p.messageBytes as number, push),
    pull: async p => timedAll(p.targets as Target[], p.messageBytes as number, pull)
  },
  async () => {
    await node.stop()
  }
)
