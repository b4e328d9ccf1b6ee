import type { StateView } from '@govchain/app'

export type { StateView }

/**
 * What the API server needs from the node. The daemon implements it; the API layer only
 * translates HTTP/WebSocket to these calls and GovchainErrors to status codes.
 * Bytes are Uint8Array here; the API layer renders hex (hashes, keys) or base64 (encoded blobs).
 */
import type { BlockHeader, ValidatorSet } from '@govchain/core'
import type { ExplorerStats, ExplorerTxPage } from '../explorer.ts'

export type { ExplorerStats, ExplorerTxPage }

export interface StatusView {
  chainId: string
  suite: 'gm' | 'intl'
  node: string
  height: number
  latestBlockHash: Uint8Array
  stateRoot: Uint8Array
  validators: { id: string; votingPower: number; publicKey: Uint8Array }[]
  peers: { id: string; address?: string }[]
  catchingUp: boolean
  /** Set when block sync cannot go on: every peer ahead pruned the height this node needs. */
  syncBlocked?: { code: 'PRUNED'; height: number; base: number }
  round: number
  mempool: { size: number; bytes: number }
}

export interface BlockView {
  height: number
  hash: Uint8Array
  header: BlockHeader
  headerBytes: Uint8Array
  txHashes: Uint8Array[]
  /** Encoded CommitCertificate for this block. */
  certificate: Uint8Array
  /** Encoded ValidatorSet of height + 1, present when it differs from this height's (light clients advance()). */
  nextValidatorSet?: Uint8Array
}

export type TxStatus = 'pending' | 'committed' | 'failed'

export interface TxEvent {
  module: string
  type: string
  attributes: Record<string, string>
}

export interface TxView {
  hash: Uint8Array
  status: TxStatus
  height?: number
  index?: number
  code?: string
  events: TxEvent[]
}

export type ChainEvent =
  | { type: 'block'; height: number; hash: Uint8Array; txCount: number; timeMs: number; proposer: string }
  | { type: 'tx'; height: number; index: number; hash: Uint8Array; code: string }
  | {
      type: 'event'
      height: number
      txHash: Uint8Array
      module: string
      name: string
      attributes: Record<string, string>
    }

/** One transaction's outcome in a batch submission. */
export type SubmitTxOutcome = { hash: Uint8Array } | { error: unknown }

export interface NodeApiBackend {
  status(): StatusView
  block(height: number): BlockView | undefined
  /**
   * Admits a signed transaction to the mempool (and gossips it). May resolve asynchronously:
   * the daemon answers only once the admission is durable. Throws GovchainError on rejection.
   */
  submitTx(txBytes: Uint8Array): { hash: Uint8Array } | Promise<{ hash: Uint8Array }>
  /**
   * Admits several transactions, each as submitTx would, in order, and makes the accepted ones
   * durable together (one journal write). One outcome per transaction, in order; never throws
   * for a single transaction's rejection. Optional: without it the API calls submitTx per item.
   */
  submitTxs?(txs: readonly Uint8Array[]): Promise<SubmitTxOutcome[]>
  tx(hash: Uint8Array): TxView | undefined
  /** Committed transactions newest first, or one block's in order (explorer.ts); throws BLOCK_NOT_FOUND, INVALID_ARGUMENT. */
  txList(q: { limit: number; cursor?: string; height?: number }): ExplorerTxPage
  /** Totals per module and recent rates (explorer.ts). */
  chainStats(): ExplorerStats
  /** The height of a committed block by its hash. */
  heightByHash(hash: Uint8Array): number | undefined
  /** Throws GovchainError (e.g. HEIGHT_NOT_FOUND) for a height it cannot prove. */
  state(module: string, key: Uint8Array, opts: { prove: boolean; height?: number }): StateView
  validatorSet(): ValidatorSet
  /** Live events; returns the unsubscribe function. */
  subscribe(listener: (event: ChainEvent) => void): () => void
  healthy(): { ok: boolean; reason?: string }
}
