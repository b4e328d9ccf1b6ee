/**
 * Messages between nodes, one codec per p2p channel. The transport (p2p/) carries opaque
 * payloads with a channel byte; this file gives them meaning. Consensus messages carry the
 * signed envelopes exactly as signed (docs/adr/0002).
 */
import { CommitCertificate, codec, LIMITS, SignedProposal, SignedVote } from '@govchain/core'

const { struct, bytes, vec, u64, u32 } = codec

export const CHANNEL = {
  /** A signed proposal and the proposed block. */
  proposal: 1,
  vote: 2,
  /** A batch of transactions for the mempool. */
  txs: 3,
  /** "I have committed up to height H." */
  status: 4,
  syncRequest: 5,
  syncResponse: 6,
  /**
   * "I no longer hold the height you asked for: my blocks start at `base`." The answer of a node
   * that started from a snapshot or pruned (docs/adr/0033), in place of an empty SyncResponse,
   * so the asker neither blames it nor asks it again for heights below its base.
   */
  syncPruned: 7,
} as const

/** Consensus must never be dropped for a slow peer; everything else may be re-fetched. */
export const PRIORITY_CHANNELS = [CHANNEL.proposal, CHANNEL.vote, CHANNEL.status]

export const ProposalMessage = struct({ proposal: SignedProposal, value: bytes(LIMITS.blockBytes) })
export const TxsMessage = vec(bytes(LIMITS.txBytes), 1024)
export const StatusMessage = struct({ height: u64 })
export const SyncRequest = struct({ fromHeight: u64, count: u32 })
export const SYNC_BLOCKS_MAX = 32
/** Keep a response under the frame limit: stop adding blocks past this many bytes. */
export const SYNC_RESPONSE_BYTES_MAX = 16 * 1024 * 1024
export const SyncResponse = vec(
  struct({ block: bytes(LIMITS.blockBytes), certificate: CommitCertificate }),
  SYNC_BLOCKS_MAX,
)
export const SyncPruned = struct({ base: u64 })
export { SignedVote as VoteMessage }
