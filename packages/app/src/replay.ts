/**
 * The replay guard (docs/adr/0009-replay-guard.md): a transaction is a replay iff its hash is
 * in the committed chain before the block being executed, or earlier in that block.
 *
 * Execution stays pure: it never reads the store for this, it calls the `isCommitted` function
 * it is given. The node builds that function over its transaction index (ChainStore's
 * getTxCommit, written in the same LMDB transaction as its block), cut at the parent height,
 * so the answer is a function of the chain up to the parent alone: every honest node gives the
 * same answer for the same block, whatever it has committed since.
 */

import { ADMISSION_CODES } from './execute.ts'

/** "Was this transaction (by tx hash) included in a block before the one being executed?" */
export type IsCommitted = (txHash: Uint8Array) => boolean

/** The part of the chain store the guard reads (ChainStore implements it). */
export interface TxIndexReader {
  /** Height and code of the committed transaction (ChainStore.getTxCommit). */
  getTxCommit(txHash: Uint8Array): { height: number; code: string } | undefined
}

/**
 * The guard for a block at `height`: committed at a height below it. Entries at `height` or
 * above (the node may already hold a later block, e.g. when re-validating) do not count, nor
 * do entries with an admission code: only a block executed without dropInadmissible (tests,
 * tools) records those, and such a transaction never passed validation, just as the former
 * state-tree guard never remembered it.
 */
export function committedBefore(index: TxIndexReader, height: number): IsCommitted {
  return (txHash) => {
    const r = index.getTxCommit(txHash)
    return r !== undefined && r.height < height && !ADMISSION_CODES.has(r.code)
  }
}
