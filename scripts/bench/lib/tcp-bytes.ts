/**
 * Bytes a process moved over TCP, from the kernel's per-socket counters
 * (`ss -tinp`: bytes_acked, bytes_received). This is what crossed loopback:
 * chunk payloads plus protobuf, yamux and noise framing, and every other
 * protocol on the same connections (DHT, identify, ping). Sockets that close
 * between two readings drop out, so the difference of two readings covers
 * the connections that lived through the phase — meshkeep's are long-lived.
 * Undefined where `ss` is missing; the bench then reports put's own byte count.
 */
import { execFileSync } from 'node:child_process'

export interface TcpBytes {
  sent: number
  received: number
}

interface SocketCounters {
  sent: number
  received: number
}

function readSockets(): Map<string, { pid: number; c: SocketCounters }> | undefined {
  let out: string
  try {
    out = execFileSync('ss', ['-tinpH', 'state', 'established'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  } catch {
    return undefined
  }
  const sockets = new Map<string, { pid: number; c: SocketCounters }>()
  // each socket is one line (addresses, users:(("node",pid=…))) followed by an indented info line
  const lines = out.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i] as string
    const pid = /pid=(\d+)/.exec(head)?.[1]
    if (pid === undefined) continue
    const info = lines[i + 1] ?? ''
    const sent = Number(/bytes_acked:(\d+)/.exec(info)?.[1] ?? 0)
    const received = Number(/bytes_received:(\d+)/.exec(info)?.[1] ?? 0)
    const key = head.trim().split(/\s+/).slice(2, 4).join(' ')
    sockets.set(`${pid} ${key}`, { pid: Number(pid), c: { sent, received } })
  }
  return sockets
}

/** A reading of every established TCP socket's counters, to diff against a later one. */
export class TcpSnapshot {
  private constructor(private readonly sockets: Map<string, { pid: number; c: SocketCounters }>) {}

  static take(): TcpSnapshot | undefined {
    const s = readSockets()
    return s === undefined ? undefined : new TcpSnapshot(s)
  }

  /** Bytes `pid` sent and received since `earlier`, over sockets present in both readings or opened since. */
  since(earlier: TcpSnapshot, pid: number): TcpBytes {
    let sent = 0
    let received = 0
    for (const [key, { pid: p, c }] of this.sockets) {
      if (p !== pid) continue
      const before = earlier.sockets.get(key)?.c ?? { sent: 0, received: 0 }
      sent += c.sent - before.sent
      received += c.received - before.received
    }
    return { sent, received }
  }
}
