import type { PeerId } from '@libp2p/interface'
import { answerChallenge } from '../../core/index.js'
import { OK, RpcServer, type RpcServerComponents, type ServeContext, type ServeOptions } from '../rpc/index.js'
import type { AuditRequest, AuditResponse, Proof } from './pb/audit.js'
import { auditSpec } from './spec.js'

/** A held chunk, as an audit answer needs it. */
export interface AuditedChunk {
  bytes: Uint8Array
  leaseExpiresAt: number
}

/**
 * The holder's side of `/meshkeep/audit/2.0.0`: the caller's intact chunks
 * (checked against their ids), `undefined` where missing or damaged.
 */
export interface AuditHandler {
  chunksForAudit: (owner: PeerId, ids: Uint8Array[], ctx: ServeContext) => Promise<Array<AuditedChunk | undefined>>
}

export interface AuditServerComponents extends RpcServerComponents {
  handler: AuditHandler
}

/** The holder's answer to one challenge, in wire form (`undefined` chunk: missing). */
export function auditProof(nonce: Uint8Array, chunk: AuditedChunk | undefined): Proof {
  if (chunk === undefined) return { missing: true, segments: [], paths: [], leaseExpiresAt: 0n }
  const answer = answerChallenge(nonce, chunk.bytes)
  return {
    missing: false,
    segments: answer.segments as Array<Uint8Array<ArrayBuffer>>,
    paths: answer.paths.map(nodes => ({ nodes: nodes as Array<Uint8Array<ArrayBuffer>> })),
    leaseExpiresAt: BigInt(chunk.leaseExpiresAt)
  }
}

/** Serves `/meshkeep/audit/2.0.0`: one proof per challenge, built from the chunk the holder has. */
export function auditServer(components: AuditServerComponents, options?: ServeOptions): RpcServer<AuditRequest, AuditResponse> {
  return new RpcServer(
    components,
    auditSpec,
    async (req, ctx) => {
      const chunks = await components.handler.chunksForAudit(
        ctx.remotePeer,
        req.challenges.map(c => c.id),
        ctx
      )
      return { ...OK, proofs: req.challenges.map((c, i) => auditProof(c.nonce, chunks[i])) }
    },
    options
  )
}
