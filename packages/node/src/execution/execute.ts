/**
 * Executes a block's transactions against the state at the parent's root: pure and
 * deterministic (same inputs, same outputs, byte for byte). No clock, randomness or I/O: the
 * block's height and time come in, the state comes from the node store (read-only here; the
 * caller persists the returned nodes with the block).
 *
 * Per transaction: validateTx → replay guard → handler in a TxState overlay → merge on
 * success, drop on failure. A transaction that fails validation (bad signature, expired...)
 * is recorded with its code and leaves no trace in the state; a transaction that passes
 * validation is remembered by the replay guard whether its handler succeeds or fails (it was
 * included: the signer's intent was used once).
 *
 * Replay guard, in the state under the reserved `sys/` namespace:
 *   sys/tx/<txHash>          → validUntilHeight (u64 LE)
 *   sys/included/<height BE> → the hashes of the transactions included at that height
 * At height h the engine forgets the transactions included at h - maxTxValidityBlocks - 1:
 * each of them had validUntilHeight ≤ (its height) + maxTxValidityBlocks < h, so from h on it
 * fails as TX_EXPIRED before the guard is consulted. Pruning is thus deterministic and costs
 * one bucket per block.
 */
import {
  type CryptoSuite,
  codec,
  concatBytes,
  GovchainError,
  isGovchainError,
  merkleRoot,
  type SmtNodeStore,
  SparseMerkleTree,
  toHex,
  utf8,
} from '@govchain/core'
import type { Genesis } from '../genesis.ts'
import type { IndexWrite } from '../storage/types.ts'
import type { ModuleRegistry, TxContext } from './module.ts'
import { DEFAULT_EXECUTION_PARAMS, type ExecutionParams } from './params.ts'
import { EVENT_LIMITS, OK, type TxEvent, TxResult } from './results.ts'
import { BlockState, stateKey, TxState } from './state.ts'
import { type Preverified, txHashOf, type ValidatedTx, validateTx } from './validate.ts'

export const SYS_MODULE = 'sys'

export function replayKey(txHash: Uint8Array): Uint8Array {
  return stateKey(SYS_MODULE, concatBytes(utf8('tx/'), txHash))
}

function includedKey(height: number): Uint8Array {
  const h = new Uint8Array(8)
  new DataView(h.buffer).setBigUint64(0, BigInt(height), false)
  return stateKey(SYS_MODULE, concatBytes(utf8('included/'), h))
}

function u64le(n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true)
  return out
}

/** Codes that mean "this transaction should never have been proposed at this height". */
export const ADMISSION_CODES: ReadonlySet<string> = new Set([
  'TX_MALFORMED',
  'TX_TOO_LARGE',
  'TX_WRONG_CHAIN',
  'TX_BAD_SIGNATURE',
  'TX_SENDER_MISMATCH',
  'TX_EXPIRED',
  'TX_VALIDITY_TOO_LONG',
  'TX_REPLAY',
  'TX_UNKNOWN_MODULE',
  'TX_UNKNOWN_METHOD',
  'TX_BAD_ARGS',
])

export interface ExecuteBlockInput {
  suite: CryptoSuite
  chainId: string
  modules: ModuleRegistry
  params?: ExecutionParams
  /** Node store of the state tree (the ChainStore); read only. */
  store: SmtNodeStore
  parentStateRoot: Uint8Array
  height: number
  timeMs: number
  txs: readonly Uint8Array[]
  /** Envelopes whose signatures the mempool already verified. */
  preverified?: Preverified
  /** At height 1: the genesis document, from which modules seed their state first. */
  genesis?: Genesis
}

export interface BlockExecution {
  stateRoot: Uint8Array
  /** New state-tree nodes to persist with the block (hex hash → node). */
  smtNodes: Map<string, Uint8Array>
  results: TxResult[]
  resultsRoot: Uint8Array
  txRoot: Uint8Array
  /** Node-local module index writes (not consensus state), in execution order. */
  indexes: IndexWrite[]
}

export interface ExecuteOptions {
  /**
   * Proposer mode: a transaction that fails an admission check (ADMISSION_CODES) is left out
   * of the block instead of being recorded; it is reported in `dropped`.
   */
  dropInadmissible?: boolean
}

export interface ExecutionOutcome extends BlockExecution {
  /** The transactions executed, in order (all of `txs` unless dropInadmissible). */
  included: Uint8Array[]
  dropped: { txHash: Uint8Array; code: string }[]
}

function checkString(s: unknown, maxBytes: number, what: string): string {
  if (typeof s !== 'string' || utf8(s).length > maxBytes) {
    throw new GovchainError('EXEC_EVENT_LIMIT', `${what} must be a string of at most ${maxBytes} bytes`)
  }
  return s
}

/** Runs one validated transaction's handler; returns its events and writes, or throws. */
function runHandler(
  v: ValidatedTx,
  input: ExecuteBlockInput,
  params: ExecutionParams,
  block: BlockState,
): { tx: TxState; events: TxEvent[]; indexes: IndexWrite[] } {
  const tx = new TxState(block, params)
  const events: TxEvent[] = []
  const indexes: IndexWrite[] = []
  const moduleName = v.module.name
  const keepers = new Map<string, unknown>()
  const ctx: TxContext = {
    chainId: input.chainId,
    height: input.height,
    timeMs: input.timeMs,
    txHash: v.txHash.slice(),
    sender: v.body.sender.slice(),
    signers: Object.freeze(v.signers.map((s) => s.slice())),
    hash: (d) => input.suite.hash(d),
    state: tx.scoped(moduleName),
    emit(type, attributes = {}) {
      if (events.length >= EVENT_LIMITS.eventsPerTx) {
        throw new GovchainError('EXEC_EVENT_LIMIT', `more than ${EVENT_LIMITS.eventsPerTx} events`)
      }
      const entries = Object.entries(attributes)
      if (entries.length > EVENT_LIMITS.attributesPerEvent) {
        throw new GovchainError('EXEC_EVENT_LIMIT', `more than ${EVENT_LIMITS.attributesPerEvent} attributes`)
      }
      events.push({
        type: checkString(`${moduleName}.${type}`, EVENT_LIMITS.typeBytes, 'event type'),
        attributes: entries.map(([key, value]) => ({
          key: checkString(key, EVENT_LIMITS.attributeKeyBytes, 'attribute key'),
          value: checkString(value, EVENT_LIMITS.attributeValueBytes, 'attribute value'),
        })),
      })
    },
    index(key, value) {
      if (indexes.length >= params.maxIndexWritesPerTx) {
        throw new GovchainError('EXEC_STATE_LIMIT', `more than ${params.maxIndexWritesPerTx} index writes`)
      }
      if (!(key instanceof Uint8Array) || key.length === 0 || key.length > params.maxStateKeyBytes) {
        throw new GovchainError('EXEC_STATE_LIMIT', `index keys are 1-${params.maxStateKeyBytes} bytes`)
      }
      if (value !== undefined && (!(value instanceof Uint8Array) || value.length > params.maxStateValueBytes)) {
        throw new GovchainError('EXEC_STATE_LIMIT', `index values are at most ${params.maxStateValueBytes} bytes`)
      }
      indexes.push({ key: stateKey(moduleName, key), value: value?.slice() })
    },
    fail(code, message, details) {
      throw new GovchainError(code, message, details)
    },
    keeper<K>(name: string): K {
      const cached = keepers.get(name)
      if (cached !== undefined) return cached as K
      const m = input.modules.get(name)
      if (m?.keeper === undefined) throw new GovchainError('EXEC_UNKNOWN_KEEPER', `module ${name} exports no keeper`)
      const k = m.keeper({ height: input.height, timeMs: input.timeMs, state: tx.scoped(name) })
      keepers.set(name, k)
      return k as K
    },
  }
  v.handler.handle(ctx, v.args)
  return { tx, events, indexes }
}

/** Runs every module's initGenesis, in registry order, into the block state (before block 1's transactions). */
function initGenesis(input: ExecuteBlockInput, params: ExecutionParams, block: BlockState, genesis: Genesis): void {
  const tx = new TxState(block, { ...params, maxWritesPerTx: Number.MAX_SAFE_INTEGER })
  const keepers = new Map<string, unknown>()
  const keeper = <K>(name: string): K => {
    const cached = keepers.get(name)
    if (cached !== undefined) return cached as K
    const m = input.modules.get(name)
    if (m?.keeper === undefined) throw new GovchainError('EXEC_UNKNOWN_KEEPER', `module ${name} exports no keeper`)
    const k = m.keeper({ height: 1, timeMs: genesis.genesisTimeMs, state: tx.scoped(name) })
    keepers.set(name, k)
    return k as K
  }
  for (const name of input.modules.names()) {
    const m = input.modules.get(name)!
    if (m.initGenesis === undefined) continue
    try {
      m.initGenesis(
        {
          chainId: input.chainId,
          timeMs: genesis.genesisTimeMs,
          hash: (d) => input.suite.hash(d),
          state: tx.scoped(name),
          keeper,
        },
        genesis,
      )
    } catch (e) {
      throw new GovchainError('GENESIS_INVALID', `module ${name}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  block.merge(tx.entries())
}

/** executeBlock with the proposer's option; see ExecuteOptions. */
export function executeBlockWith(input: ExecuteBlockInput, opts: ExecuteOptions = {}): ExecutionOutcome {
  const params = input.params ?? DEFAULT_EXECUTION_PARAMS
  const { suite, height } = input
  if (!Number.isSafeInteger(height) || height < 1) throw new GovchainError('INVALID_ARGUMENT', 'height must be >= 1')
  if (!Number.isSafeInteger(input.timeMs) || input.timeMs < 0) {
    throw new GovchainError('INVALID_ARGUMENT', 'timeMs must be a non-negative safe integer')
  }
  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store: input.store })
  const block = new BlockState(tree, input.parentStateRoot)

  // Forget the transactions that can no longer be replayed (see the file comment).
  const pruneHeight = height - params.maxTxValidityBlocks - 1
  if (pruneHeight >= 1) {
    const bucket = block.get(includedKey(pruneHeight))
    if (bucket !== undefined) {
      for (let o = 0; o + 32 <= bucket.length; o += 32) block.set(replayKey(bucket.subarray(o, o + 32)), undefined)
      block.set(includedKey(pruneHeight), undefined)
    }
  }

  if (height === 1 && input.genesis !== undefined) initGenesis(input, params, block, input.genesis)

  const results: TxResult[] = []
  const included: Uint8Array[] = []
  const dropped: { txHash: Uint8Array; code: string }[] = []
  const indexes: IndexWrite[] = []
  const remembered: Uint8Array[] = []

  for (const txBytes of input.txs) {
    let v: ValidatedTx
    try {
      const validateOpts =
        input.preverified === undefined
          ? { modules: input.modules, params }
          : { modules: input.modules, params, preverified: input.preverified }
      v = validateTx(suite, input.chainId, txBytes, height, validateOpts)
      if (block.get(replayKey(v.txHash)) !== undefined) {
        throw new GovchainError('TX_REPLAY', undefined, { txHash: toHex(v.txHash) })
      }
    } catch (e) {
      const code = isGovchainError(e) ? e.code : 'TX_MALFORMED'
      const txHash = txHashOf(suite, txBytes)
      if (opts.dropInadmissible) {
        dropped.push({ txHash, code })
        continue
      }
      included.push(txBytes)
      results.push({ txHash, code, events: [] })
      continue
    }
    included.push(txBytes)
    // The guard remembers the transaction whatever its handler does.
    block.set(replayKey(v.txHash), u64le(v.body.validUntilHeight))
    remembered.push(v.txHash)
    try {
      const out = runHandler(v, input, params, block)
      block.merge(out.tx.entries())
      indexes.push(...out.indexes)
      results.push({ txHash: v.txHash, code: OK, events: out.events })
    } catch (e) {
      // A typed failure keeps its code; anything else is a handler bug, reported as such.
      results.push({ txHash: v.txHash, code: isGovchainError(e) ? e.code : 'EXEC_INTERNAL', events: [] })
    }
  }
  if (remembered.length > 0) block.set(includedKey(height), concatBytes(...remembered))

  const { root, nodes } = tree.update(input.parentStateRoot, block.changes())
  const hash = (d: Uint8Array) => suite.hash(d)
  return {
    stateRoot: root,
    smtNodes: nodes,
    results,
    resultsRoot: merkleRoot(
      hash,
      results.map((r) => codec.encode(TxResult, r)),
    ),
    txRoot: merkleRoot(hash, included),
    indexes,
    included,
    dropped,
  }
}

/** Executes a block's transactions (every one is recorded, with its code). */
export function executeBlock(input: ExecuteBlockInput): BlockExecution {
  const { included: _i, dropped: _d, ...execution } = executeBlockWith(input)
  return execution
}

/**
 * The replay guard as of a committed state root: has `txHash` been included and not yet
 * forgotten? The mempool asks this at admission and on recheck.
 */
export function isTxCommitted(
  suite: CryptoSuite,
  store: SmtNodeStore,
  stateRoot: Uint8Array,
  txHash: Uint8Array,
): boolean {
  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
  return tree.get(stateRoot, replayKey(txHash)) !== undefined
}
