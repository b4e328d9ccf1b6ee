/**
 * The node's chain store: blocks, commit certificates, the state tree's nodes, the transaction
 * index, chain meta, module secondary indexes and the consensus signer's record.
 *
 * Contract every engine must meet (checked by test/storage-compliance.ts):
 * - `commitBlock` is atomic and durable: when it returns, the block and every state change
 *   that came with it survive a crash of the process or the machine; a crash at any instant
 *   leaves either all of it or none of it.
 * - Blocks are appended in order: height = latest + 1, previousHash = latest block hash.
 * - Reads are synchronous (the state tree reads nodes while executing) and return bytes the
 *   caller may keep. State-tree nodes (`get`) are immutable and may be shared with a cache:
 *   callers must not modify them; every other read returns a fresh copy.
 * - `putRecordSync` is durable on return (the signer persists a vote before sending it).
 */
import type { Block, BlockHeader, CommitCertificate, TxEvent, TxResult } from '@govchain/core'

/** The subset of the store the state tree needs (same shape as core's SmtNodeStore). */
export interface NodeStore {
  get(nodeHash: Uint8Array, version?: number): Uint8Array | undefined
  versionOf?(rootHash: Uint8Array): number | undefined
}

export interface ChainMeta {
  /** Latest committed height (0 = nothing committed). */
  height: number
  blockHash: Uint8Array
  stateRoot: Uint8Array
}

/** Where a transaction landed and what it did (the tx index). */
export interface StoredTxResult {
  txHash: Uint8Array
  height: number
  index: number
  code: string
  events: TxEvent[]
}

/**
 * A write to a module's secondary index: node-local data derived from executed transactions
 * (not part of consensus state). Keys are namespaced `<module>/...` by the execution engine.
 */
export interface IndexWrite {
  key: Uint8Array
  /** undefined deletes the entry. */
  value: Uint8Array | undefined
}

export interface CommitBlockInput {
  block: Block
  /** suite.hash(encode(BlockHeader, block.header)); the store does not hash. */
  blockHash: Uint8Array
  /** The certificate that decided this block (certificate.height/blockHash must match). */
  certificate: CommitCertificate
  /** New state-tree nodes from executing the block: hex(node hash) → node bytes. */
  smtNodes: ReadonlyMap<string, Uint8Array>
  /**
   * The version the state root node is stored under (SmtUpdateResult.rootVersion). When the
   * root is not one of the new nodes (an existing leaf that became the root, or an unchanged
   * root), the roots table records this version, so the root can be found. Omitted: the roots
   * table records new roots only.
   */
  stateRootVersion?: number
  /**
   * encode(Block, block) when the caller has it (the consensus value the block was decoded
   * from): stored as is instead of encoding the block again. Must be exactly that encoding.
   */
  blockBytes?: Uint8Array
  /** One per transaction, in block order. */
  txResults: readonly TxResult[]
  /**
   * encode(TxResult, txResults[i]) when the caller has it (execution makes it for resultsRoot):
   * the store then builds the results and tx-index records from these bytes instead of encoding
   * every result twice more. Must be exactly those encodings.
   */
  txResultBytes?: readonly Uint8Array[]
  indexes?: readonly IndexWrite[]
  /**
   * Mempool journal entries to delete in the same transaction (the block's own transactions):
   * one write transaction per block instead of two. Not part of the plan's checks.
   */
  pendingDeletes?: readonly Uint8Array[]
  /**
   * The first block of a store restored from a state snapshot (docs/adr/0029-state-snapshots.md):
   * accepted at any height, but only when the store holds nothing yet. Its parent is not stored,
   * so `previousHash` is not checked here; the snapshot's verification checked the chain.
   */
  snapshotBase?: boolean
}

export interface PendingTx {
  txHash: Uint8Array
  bytes: Uint8Array
}

/**
 * The record holding the lowest height whose block the store holds (u64 big-endian), written by
 * a snapshot import or by pruning; absent = 1.
 */
export const BASE_RECORD = 'chain/base'

/** The lowest height whose block the store holds: 1, or the base a snapshot import or pruning wrote. */
export function baseHeight(store: Pick<ChainStore, 'getRecord'>): number {
  const b = store.getRecord(BASE_RECORD)
  return b === undefined ? 1 : Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, false))
}

/** Bound on one journal read (the mempool's own bound is lower). */
export const PENDING_SCAN_MAX = 100_000

/** Limits on index scans: a caller can never ask for an unbounded answer. */
export const SCAN_LIMIT_MAX = 1000

export interface ChainStore extends NodeStore {
  /**
   * State-tree node by hash and the version its parent records (implements core's
   * SmtNodeStore; a store may key nodes by hash alone and ignore the version).
   */
  get(nodeHash: Uint8Array, version?: number): Uint8Array | undefined
  meta(): ChainMeta | undefined
  /** 0 when nothing is committed. */
  latestHeight(): number
  getBlock(height: number): Block | undefined
  /** The stored encoding of the block (encode(Block, block)). */
  getBlockBytes(height: number): Uint8Array | undefined
  getHeader(height: number): BlockHeader | undefined
  getHeightByHash(blockHash: Uint8Array): number | undefined
  getCertificate(height: number): CommitCertificate | undefined
  /** Results of the block's transactions, in block order. */
  getResults(height: number): TxResult[] | undefined
  getTxResult(txHash: Uint8Array): StoredTxResult | undefined
  /** Where a transaction was committed (height) and its result code, without its events: the replay guard's question. */
  getTxCommit(txHash: Uint8Array): { height: number; code: string } | undefined
  getIndex(key: Uint8Array): Uint8Array | undefined
  /**
   * Entries whose key starts with `prefix`, in key order, at most `limit` (≤ SCAN_LIMIT_MAX).
   * `after` is a seek cursor: only keys strictly greater than it (a full key, normally the last
   * one of the previous page), so a listing walks any number of entries page by page.
   */
  scanIndex(prefix: Uint8Array, limit: number, after?: Uint8Array): { key: Uint8Array; value: Uint8Array }[]
  /** Opaque records outside the chain (the consensus signer's last signed step). */
  getRecord(name: string): Uint8Array | undefined
  /** Durable on return. */
  putRecordSync(name: string, value: Uint8Array): void
  /**
   * Several records in one write transaction, durable on return: after a crash either all of
   * them are stored or none (one sync instead of one per record). Every name and value is
   * checked before anything is written.
   */
  putRecordsSync(records: readonly { name: string; value: Uint8Array }[]): void
  /**
   * The mempool journal: transactions admitted but not yet committed, so that a transaction the
   * API accepted survives a crash of the node that accepted it. Durable on return (one
   * transaction for the whole batch: callers group admissions).
   */
  putPendingSync(txs: readonly PendingTx[]): void
  /**
   * The same, without blocking the caller while the disk syncs (lmdb-js commits on its write
   * thread): resolves once the batch is durable, rejects if it could not be written. Batches
   * are written in call order.
   */
  putPending(txs: readonly PendingTx[]): Promise<void>
  deletePending(txHashes: readonly Uint8Array[]): void
  /** Journal entries in key order, at most `limit` (≤ PENDING_SCAN_MAX). */
  scanPending(limit: number): PendingTx[]
  /** Atomic and durable on return; throws STORE_CONFLICT if it does not extend the chain. */
  commitBlock(input: CommitBlockInput): void
  /**
   * Pruning (docs/adr/0033-pruning-and-archive.md): drops the blocks, certificates and results of
   * heights below `below`, and the state-tree nodes of versions below it for which `keepNode` is
   * false (the pruner keeps those reachable from the state at `below`), and records `below` as
   * the base height (BASE_RECORD). One atomic, durable transaction; the latest state and every
   * height from `below` on are untouched. An engine that keys nodes by hash alone keeps them.
   */
  prune(below: number, keepNode: (hash: Uint8Array, version: number) => boolean): void
  close(): Promise<void>
}
