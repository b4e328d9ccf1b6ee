/**
 * Blocks from the execution engine's side: the proposer builds one from mempool transactions
 * (executing it to fill in txRoot, stateRoot and resultsRoot), the other validators recompute
 * every header field and compare, and both cache the execution under the block hash so the
 * decide step commits without executing again.
 */
import {
  type Block,
  Block as BlockCodec,
  BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  codec,
  EMPTY_ROOT,
  equalBytes,
  GovchainError,
  LIMITS,
  type SmtNodeStore,
  toHex,
} from '@govchain/core'
import { type BlockExecution, type ExecutionOutcome, executeBlockWith } from './execute.ts'
import type { Genesis } from './genesis.ts'
import type { ModuleRegistry } from './module.ts'
import type { ExecutionParams } from './params.ts'
import { committedBefore, type IsCommitted, type TxIndexReader } from './replay.ts'
import type { Preverified } from './validate.ts'

export const ZERO_HASH: Uint8Array = new Uint8Array(32)

/** Block hash = suite.hash(encode(BlockHeader, header)). */
export function blockHash(suite: CryptoSuite, header: BlockHeader): Uint8Array {
  return suite.hash(codec.encode(BlockHeader, header))
}

export function certificateHash(suite: CryptoSuite, cert: CommitCertificate): Uint8Array {
  return suite.hash(codec.encode(CommitCertificate, cert))
}

/** The state root a block at height 1 starts from (genesis state is empty for now). */
export function genesisStateRoot(): Uint8Array {
  return EMPTY_ROOT.slice()
}

/** Executions by block hash: bounded (a few rounds' worth of proposals per height). */
export class ExecutionCache {
  private readonly entries = new Map<string, BlockExecution>()

  constructor(private readonly capacity = 16) {}

  get(hash: Uint8Array): BlockExecution | undefined {
    return this.entries.get(toHex(hash))
  }

  set(hash: Uint8Array, execution: BlockExecution): void {
    const k = toHex(hash)
    this.entries.delete(k)
    this.entries.set(k, execution)
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  /** Forget everything (after a commit the other proposals of that height are moot). */
  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/** What both sides need to know about the parent of the block being built or checked. */
export interface ParentInfo {
  header: BlockHeader
  /** blockHash(suite, header); computed when omitted. */
  hash?: Uint8Array
}

interface ChainContext {
  suite: CryptoSuite
  chainId: string
  modules: ModuleRegistry
  params?: ExecutionParams
  /** State-tree nodes; when it is a ChainStore, also the default replay guard (its tx index). */
  store: SmtNodeStore & Partial<TxIndexReader>
  /**
   * Replay guard of the block's height: the committed chain up to the parent
   * (committedBefore(txIndex, height)). Defaults to committedBefore(store, height) when the
   * store has a tx index; required otherwise.
   */
  isCommitted?: IsCommitted
  /**
   * Hash of the genesis document: block 1's previousHash, so a chain can only be accepted by
   * nodes started from the same genesis. Zero when omitted (tests).
   */
  genesisHash?: Uint8Array
  /** The genesis document: modules seed their state from it before block 1's transactions. */
  genesis?: Genesis
  /** Stores the execution under the block hash when given. */
  cache?: ExecutionCache
  preverified?: Preverified
}

export interface BuildBlockInput extends ChainContext {
  height: number
  timeMs: number
  /** Absent at height 1. */
  parent?: ParentInfo
  /** Certificate of the parent block (absent at height 1). */
  lastCommit?: CommitCertificate
  validatorSetHash: Uint8Array
  nextValidatorSetHash: Uint8Array
  proposer: string
  /** Candidates in order (the mempool's reap). Inadmissible ones are left out. */
  txs: readonly Uint8Array[]
  /** Encoded block size budget; defaults to LIMITS.blockBytes less room for header and certificate. */
  maxBlockBytes?: number
}

export interface BuiltBlock {
  block: Block
  blockHash: Uint8Array
  execution: BlockExecution
  /** Candidates left out as inadmissible (the mempool should drop them). */
  dropped: { txHash: Uint8Array; code: string }[]
}

/** Room kept for the header and the last commit (256 signatures × ~70 bytes). */
const BLOCK_OVERHEAD_BYTES = 64 * 1024

function parentState(suite: CryptoSuite, height: number, parent: ParentInfo | undefined, genesisHash?: Uint8Array) {
  if (height === 1) {
    if (parent !== undefined) throw new GovchainError('INVALID_ARGUMENT', 'height 1 has no parent')
    return { root: genesisStateRoot(), hash: genesisHash ?? ZERO_HASH }
  }
  if (parent === undefined) throw new GovchainError('INVALID_ARGUMENT', `height ${height} needs its parent`)
  return { root: parent.header.stateRoot, hash: parent.hash ?? blockHash(suite, parent.header) }
}

function execute(
  ctx: ChainContext,
  height: number,
  timeMs: number,
  parentRoot: Uint8Array,
  txs: readonly Uint8Array[],
) {
  let isCommitted = ctx.isCommitted
  if (isCommitted === undefined) {
    const { store } = ctx
    if (typeof store.getTxCommit !== 'function') {
      throw new GovchainError('INVALID_ARGUMENT', 'isCommitted is required when the store has no tx index')
    }
    isCommitted = committedBefore({ getTxCommit: (h) => store.getTxCommit!(h) }, height)
  }
  const base = {
    isCommitted,
    suite: ctx.suite,
    chainId: ctx.chainId,
    modules: ctx.modules,
    store: ctx.store,
    parentStateRoot: parentRoot,
    height,
    timeMs,
    txs,
  }
  return executeBlockWith(
    {
      ...base,
      ...(ctx.params === undefined ? {} : { params: ctx.params }),
      ...(ctx.preverified === undefined ? {} : { preverified: ctx.preverified }),
      ...(ctx.genesis === undefined ? {} : { genesis: ctx.genesis }),
    },
    { dropInadmissible: true },
  )
}

function strip(o: ExecutionOutcome): BlockExecution {
  const { included: _i, dropped: _d, ...execution } = o
  return execution
}

/** The proposer's block: executes the candidates and fills in the header. */
export function buildBlock(input: BuildBlockInput): BuiltBlock {
  const { suite, height } = input
  const parent = parentState(suite, height, input.parent, input.genesisHash)
  if (height > 1 && input.lastCommit === undefined) {
    throw new GovchainError('INVALID_ARGUMENT', `height ${height} needs the parent's commit certificate`)
  }
  // Respect the block limits before executing: candidates beyond them wait for the next block.
  const budget = Math.min(input.maxBlockBytes ?? LIMITS.blockBytes, LIMITS.blockBytes) - BLOCK_OVERHEAD_BYTES
  const candidates: Uint8Array[] = []
  let bytes = 0
  for (const tx of input.txs) {
    if (candidates.length >= LIMITS.txsPerBlock || bytes + tx.length + 4 > budget) break
    candidates.push(tx)
    bytes += tx.length + 4
  }
  const out = execute(input, height, input.timeMs, parent.root, candidates)
  const header: BlockHeader = {
    chainId: input.chainId,
    height,
    timeMs: input.timeMs,
    previousHash: parent.hash,
    txRoot: out.txRoot,
    stateRoot: out.stateRoot,
    resultsRoot: out.resultsRoot,
    validatorSetHash: input.validatorSetHash,
    nextValidatorSetHash: input.nextValidatorSetHash,
    lastCommitHash: input.lastCommit === undefined ? ZERO_HASH : certificateHash(suite, input.lastCommit),
    proposer: input.proposer,
  }
  const block: Block =
    input.lastCommit === undefined
      ? { header, txs: out.included }
      : { header, txs: out.included, lastCommit: input.lastCommit }
  const hash = blockHash(suite, header)
  const execution = strip(out)
  input.cache?.set(hash, execution)
  return { block, blockHash: hash, execution, dropped: out.dropped }
}

export interface ValidateBlockInput extends ChainContext {
  block: Block
  /** Absent at height 1. */
  parent?: ParentInfo
  validatorSetHash: Uint8Array
  nextValidatorSetHash: Uint8Array
  /** The proposer the consensus round expects, when known. */
  proposer?: string
  /** Checks the parent's certificate signatures (e.g. core's verifyCommitFor against the validator set). */
  verifyLastCommit?: (cert: CommitCertificate) => void
  /** Latest acceptable block time (the validator's clock plus the allowed drift); unchecked when omitted. */
  maxTimeMs?: number
  /** Earliest acceptable time at height 1 (genesis time). */
  minTimeMs?: number
  /** The block's encoded size, when the caller holds its bytes (else the block is encoded to measure it). */
  encodedBytes?: number
}

function invalid(field: string, message: string): never {
  throw new GovchainError('BLOCK_INVALID', `${field}: ${message}`, { field })
}

/**
 * A validator's check of a proposed block: every header field recomputed and compared, the
 * last commit matching the parent, every transaction admissible. Returns the block hash and
 * the execution (also cached). Throws BLOCK_INVALID naming the first field that differs.
 */
export function validateBlock(input: ValidateBlockInput): { blockHash: Uint8Array; execution: BlockExecution } {
  const { suite, block } = input
  const h = block.header
  const hash = blockHash(suite, h)
  const cached = input.cache?.get(hash)
  if (cached !== undefined) return { blockHash: hash, execution: cached }

  const size = input.encodedBytes ?? codec.encode(BlockCodec, block).length
  if (size > LIMITS.blockBytes) invalid('size', `over ${LIMITS.blockBytes} bytes`)
  if (h.chainId !== input.chainId) invalid('chainId', `${h.chainId} is not ${input.chainId}`)
  const expectedHeight = input.parent === undefined ? 1 : input.parent.header.height + 1
  if (h.height !== expectedHeight) invalid('height', `${h.height}, expected ${expectedHeight}`)
  const parent = parentState(suite, h.height, input.parent, input.genesisHash)
  if (!equalBytes(h.previousHash, parent.hash)) invalid('previousHash', 'is not the parent block hash')
  if (input.parent !== undefined && h.timeMs <= input.parent.header.timeMs) {
    invalid('timeMs', `${h.timeMs} is not after the parent's ${input.parent.header.timeMs}`)
  }
  if (input.parent === undefined && input.minTimeMs !== undefined && h.timeMs < input.minTimeMs) {
    invalid('timeMs', `${h.timeMs} is before genesis time ${input.minTimeMs}`)
  }
  if (input.maxTimeMs !== undefined && h.timeMs > input.maxTimeMs) invalid('timeMs', `${h.timeMs} is in the future`)
  if (!equalBytes(h.validatorSetHash, input.validatorSetHash)) invalid('validatorSetHash', 'differs')
  if (!equalBytes(h.nextValidatorSetHash, input.nextValidatorSetHash)) invalid('nextValidatorSetHash', 'differs')
  if (input.proposer !== undefined && h.proposer !== input.proposer) {
    invalid('proposer', `${h.proposer}, expected ${input.proposer}`)
  }

  if (h.height === 1) {
    if (block.lastCommit !== undefined) invalid('lastCommit', 'present at height 1')
    if (!equalBytes(h.lastCommitHash, ZERO_HASH)) invalid('lastCommitHash', 'not zero at height 1')
  } else {
    const lc = block.lastCommit
    if (lc === undefined) invalid('lastCommit', 'missing')
    if (lc.height !== h.height - 1) invalid('lastCommit', `for height ${lc.height}`)
    if (!equalBytes(lc.blockHash, parent.hash)) invalid('lastCommit', 'not for the parent block')
    if (!equalBytes(h.lastCommitHash, certificateHash(suite, lc))) invalid('lastCommitHash', 'differs')
    if (input.verifyLastCommit !== undefined) {
      try {
        input.verifyLastCommit(lc)
      } catch (e) {
        invalid('lastCommit', e instanceof Error ? e.message : 'does not verify')
      }
    }
  }

  const out = execute(input, h.height, h.timeMs, parent.root, block.txs)
  if (out.dropped.length > 0) {
    const d = out.dropped[0]!
    invalid('txs', `transaction ${toHex(d.txHash)} is inadmissible (${d.code})`)
  }
  if (!equalBytes(h.txRoot, out.txRoot)) invalid('txRoot', 'differs')
  if (!equalBytes(h.stateRoot, out.stateRoot)) invalid('stateRoot', 'differs')
  if (!equalBytes(h.resultsRoot, out.resultsRoot)) invalid('resultsRoot', 'differs')
  const execution = strip(out)
  input.cache?.set(hash, execution)
  return { blockHash: hash, execution }
}
