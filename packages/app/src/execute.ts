/**
 * Executes a block's transactions against the state at the parent's root: pure and
 * deterministic (same inputs, same outputs, byte for byte). No clock, randomness or I/O: the
 * block's height and time come in, the state comes from the node store (read-only here; the
 * caller persists the returned nodes with the block).
 *
 * Per transaction: validateTx (with the sender check of its method's SenderRule, against the
 * state as the block has it so far) → replay guard → handler in a TxState overlay → merge on
 * success, drop on failure. A transaction that fails validation (bad signature, expired...)
 * is recorded with its code and leaves no trace in the state; a transaction that passes
 * validation counts as included whether its handler succeeds or fails (the signer's intent
 * was used once).
 *
 * Replay guard (docs/adr/0009-replay-guard.md): TX_REPLAY iff the transaction's hash is in the
 * committed chain before this block (the injected `isCommitted`, the node's tx index cut at
 * the parent height) or earlier in this block. Nothing about it is written to the state tree;
 * a committed transaction stays refused after its validity window as TX_EXPIRED, which
 * validateTx checks first, exactly as before.
 */
import {
  bytesKey,
  type CryptoSuite,
  codec,
  type ErrorCode,
  EVENT_LIMITS,
  GovchainError,
  isGovchainError,
  merkleRoot,
  OK,
  type SmtNodeStore,
  type TxEvent,
  TxResult,
  toHex,
  utf8,
} from '@govchain/core'
import type { IndexWrite } from '@govchain/store'
import type { Genesis } from './genesis.ts'
import { genesisSection } from './genesis.ts'
import {
  type KeeperTx,
  type ModuleRef,
  type ModuleRegistry,
  type ModuleState,
  moduleRefName,
  type TxContext,
} from './module.ts'
import { DEFAULT_EXECUTION_PARAMS, type ExecutionParams } from './params.ts'
import type { IsCommitted } from './replay.ts'
import { BlockState, stateKey, TxState } from './state.ts'
import { stateTree } from './tree.ts'
import { type Preverified, SenderGate, txHashOf, type ValidatedTx, validateTx } from './validate.ts'

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
  'TX_SENDER_UNREGISTERED',
])

export interface ExecuteBlockInput {
  suite: CryptoSuite
  chainId: string
  modules: ModuleRegistry
  params?: ExecutionParams
  /** Node store of the state tree (the ChainStore); read only. */
  store: SmtNodeStore
  /** Replay guard over the committed chain up to the parent (see replay.ts committedBefore). */
  isCommitted: IsCommitted
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
  /** The version the state root node is stored under (SmtUpdateResult.rootVersion). */
  stateRootVersion: number
  /** New state-tree nodes to persist with the block (hex hash → node). */
  smtNodes: Map<string, Uint8Array>
  results: TxResult[]
  /** encode(TxResult, results[i]): made once for resultsRoot, reused by the store's commit. */
  resultBytes: Uint8Array[]
  resultsRoot: Uint8Array
  txRoot: Uint8Array
  /** Node-local module index writes (not consensus state), in execution order. */
  indexes: IndexWrite[]
  /**
   * The module of each result's transaction, as validation decoded it; undefined for one that
   * failed validation (the explorer's index decodes that one itself). Saves a second decode of
   * every transaction at commit.
   */
  txModules: (string | undefined)[]
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
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no encoding to be measured.
  if (typeof s !== 'string' || (s.length * 3 > maxBytes && utf8(s).length > maxBytes)) {
    throw new GovchainError('EXEC_EVENT_LIMIT', `${what} must be a string of at most ${maxBytes} bytes`)
  }
  return s
}

/**
 * What a handler sees of its transaction (TxContext). A class, not an object literal of
 * closures: one is made per transaction, and prototype methods cost nothing to create. The
 * suite's hash and verify are the block's (BlockFns), made once per block, so `ctx.hash` can be
 * passed on detached; emit, index, fail and keeper are methods, called on the context.
 */
class HandlerContext implements TxContext {
  readonly chainId: string
  readonly height: number
  readonly timeMs: number
  readonly txHash: Uint8Array
  readonly sender: Uint8Array
  readonly signers: readonly Uint8Array[]
  readonly hash: (data: Uint8Array) => Uint8Array
  readonly verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean
  readonly state: ModuleState
  readonly events: TxEvent[] = []
  readonly indexes: IndexWrite[] = []
  private readonly moduleName: string
  private readonly declaredEvents: Readonly<Record<string, unknown>> | undefined
  private keepers: Map<string, unknown> | undefined

  constructor(
    v: ValidatedTx,
    private readonly input: ExecuteBlockInput,
    private readonly params: ExecutionParams,
    fns: BlockFns,
    private readonly tx: TxState,
  ) {
    this.chainId = input.chainId
    this.height = input.height
    this.timeMs = input.timeMs
    this.txHash = v.txHash.slice()
    this.sender = v.body.sender.slice()
    this.signers = Object.freeze(v.signers.map(copyBytes))
    this.hash = fns.hash
    this.verify = fns.verify
    this.moduleName = v.module.name
    this.declaredEvents = v.module.events
    this.state = tx.scoped(v.module.name)
  }

  emit(type: string, attributes: Record<string, string> = {}): void {
    this.emitAs(this.moduleName, this.declaredEvents, type, attributes)
  }

  /** Emits `<module>.<type>` into this transaction's events (a handler's own, or a keeper's it called). */
  emitAs(
    moduleName: string,
    declared: Readonly<Record<string, unknown>> | undefined,
    type: string,
    attributes: Record<string, string>,
  ): void {
    if (this.events.length >= EVENT_LIMITS.eventsPerTx) {
      throw new GovchainError('EXEC_EVENT_LIMIT', `more than ${EVENT_LIMITS.eventsPerTx} events`)
    }
    const entries = Object.entries(attributes)
    if (entries.length > EVENT_LIMITS.attributesPerEvent) {
      throw new GovchainError('EXEC_EVENT_LIMIT', `more than ${EVENT_LIMITS.attributesPerEvent} attributes`)
    }
    if (declared !== undefined && !Object.hasOwn(declared, type)) {
      throw new GovchainError('EXEC_INTERNAL', `module ${moduleName} emitted undeclared event ${type}`)
    }
    const eventType = checkString(`${moduleName}.${type}`, EVENT_LIMITS.typeBytes, 'event type')
    const list: { key: string; value: string }[] = []
    for (const [key, value] of entries) {
      list.push({
        key: checkString(key, EVENT_LIMITS.attributeKeyBytes, 'attribute key'),
        value: checkString(value, EVENT_LIMITS.attributeValueBytes, 'attribute value'),
      })
    }
    this.events.push({
      type: eventType,
      attributes: list,
    })
  }

  index(key: Uint8Array, value: Uint8Array | undefined): void {
    this.indexAs(this.moduleName, key, value)
  }

  /** A node-local index entry under `<module>/` (a handler's own module, or a keeper's it called). */
  indexAs(moduleName: string, key: Uint8Array, value: Uint8Array | undefined): void {
    const params = this.params
    if (this.indexes.length >= params.maxIndexWritesPerTx) {
      throw new GovchainError('EXEC_STATE_LIMIT', `more than ${params.maxIndexWritesPerTx} index writes`)
    }
    if (!(key instanceof Uint8Array) || key.length === 0 || key.length > params.maxStateKeyBytes) {
      throw new GovchainError('EXEC_STATE_LIMIT', `index keys are 1-${params.maxStateKeyBytes} bytes`)
    }
    if (value !== undefined && (!(value instanceof Uint8Array) || value.length > params.maxStateValueBytes)) {
      throw new GovchainError('EXEC_STATE_LIMIT', `index values are at most ${params.maxStateValueBytes} bytes`)
    }
    this.indexes.push({ key: stateKey(moduleName, key), value: value?.slice() })
  }

  fail(code: ErrorCode, message?: string, details?: Record<string, unknown>): never {
    throw new GovchainError(code, message, details)
  }

  keeper<K>(ref: ModuleRef<string, K> | string): K {
    return this.keeperFor(this.moduleName, moduleRefName(ref)) as K
  }

  /**
   * `name`'s keeper as module `caller` may reach it (its `requires`), bound to this transaction:
   * its writes, events and index entries are this transaction's. One instance per module and
   * transaction, whoever asks.
   */
  keeperFor(caller: string, name: string): unknown {
    this.keepers ??= new Map()
    const m = this.input.modules.get(name)
    if (m?.keeper === undefined) throw new GovchainError('EXEC_UNKNOWN_KEEPER', `module ${name} exports no keeper`)
    if (!this.input.modules.mayCall(caller, name)) {
      throw new GovchainError('EXEC_UNKNOWN_KEEPER', `module ${caller} does not declare ${name} in requires`)
    }
    const cached = this.keepers.get(name)
    if (cached !== undefined) return cached
    const tx: KeeperTx = {
      chainId: this.chainId,
      txHash: this.txHash,
      sender: this.sender,
      hash: this.hash,
      emit: (type, attributes = {}) => this.emitAs(name, m.events, type, attributes),
      index: (key, value) => this.indexAs(name, key, value),
      keeper: <K2>(ref: ModuleRef<string, K2> | string): K2 => this.keeperFor(name, moduleRefName(ref)) as K2,
    }
    const k = m.keeper({ height: this.input.height, timeMs: this.input.timeMs, state: this.tx.scoped(name), tx })
    this.keepers.set(name, k)
    return k
  }
}

/** The suite's hash and verify as handlers get them: made once per block, shared by its transactions. */
interface BlockFns {
  hash: (data: Uint8Array) => Uint8Array
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean
}

function copyBytes(b: Uint8Array): Uint8Array {
  return b.slice()
}

/** Runs one validated transaction's handler; returns its events and writes, or throws. */
function runHandler(
  v: ValidatedTx,
  input: ExecuteBlockInput,
  params: ExecutionParams,
  block: BlockState,
  fns: BlockFns,
): { tx: TxState; events: TxEvent[]; indexes: IndexWrite[] } {
  const limits = v.handler.limits
  const budget =
    limits === undefined
      ? params
      : {
          ...params,
          maxWritesPerTx: Math.max(params.maxWritesPerTx, limits.writes ?? 0),
          maxIndexWritesPerTx: Math.max(params.maxIndexWritesPerTx, limits.indexWrites ?? 0),
        }
  const tx = new TxState(block, budget)
  const ctx = new HandlerContext(v, input, budget, fns, tx)
  v.handler.handle(ctx, v.args)
  return { tx, events: ctx.events, indexes: ctx.indexes }
}

/** Runs every module's initGenesis, in registry order, into the block state (before block 1's transactions). */
function initGenesis(input: ExecuteBlockInput, params: ExecutionParams, block: BlockState, genesis: Genesis): void {
  const tx = new TxState(block, { ...params, maxWritesPerTx: Number.MAX_SAFE_INTEGER })
  const keepers = new Map<string, unknown>()
  const keeper = <K>(ref: ModuleRef<string, K> | string): K => {
    const name = moduleRefName(ref)
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
    if (m.initGenesis === undefined && m.genesis === undefined) continue
    const ctx = {
      chainId: input.chainId,
      timeMs: genesis.genesisTimeMs,
      hash: (d: Uint8Array) => input.suite.hash(d),
      state: tx.scoped(name),
      keeper,
    }
    try {
      if (m.genesis !== undefined) m.genesis.init(ctx, genesisSection(genesis, m), genesis)
      else m.initGenesis?.(ctx, genesis)
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
  const tree = stateTree(suite, input.store)
  const block = new BlockState(tree, input.parentStateRoot)
  const fns: BlockFns = { hash: (d) => suite.hash(d), verify: (pk, m, sig) => suite.verify(pk, m, sig) }

  if (height === 1 && input.genesis !== undefined) initGenesis(input, params, block, input.genesis)

  const results: TxResult[] = []
  const included: Uint8Array[] = []
  const dropped: { txHash: Uint8Array; code: string }[] = []
  const indexes: IndexWrite[] = []
  const txModules: (string | undefined)[] = []
  /** Tx hashes (bytesKey) of this block's transactions that passed validation (the in-block guard). */
  const inBlock = new Set<string>()
  // Senders are checked against the block's state as it stands before each transaction.
  const senders = new SenderGate(input.modules, {
    height,
    timeMs: input.timeMs,
    get: (fullKey) => block.get(fullKey),
  })
  const registryPrefixes = [...senders.registries].map((name) => stateKey(name, new Uint8Array(0)))
  const validateOpts =
    input.preverified === undefined
      ? { modules: input.modules, params, senders }
      : { modules: input.modules, params, preverified: input.preverified, senders }

  for (const txBytes of input.txs) {
    let v: ValidatedTx
    try {
      v = validateTx(suite, input.chainId, txBytes, height, validateOpts)
      const hashKey = bytesKey(v.txHash)
      if (inBlock.has(hashKey) || input.isCommitted(v.txHash)) {
        throw new GovchainError('TX_REPLAY', undefined, { txHash: toHex(v.txHash) })
      }
      inBlock.add(hashKey)
    } catch (e) {
      const code = isGovchainError(e) ? e.code : 'TX_MALFORMED'
      const txHash = txHashOf(suite, txBytes)
      if (opts.dropInadmissible) {
        dropped.push({ txHash, code })
        continue
      }
      included.push(txBytes)
      results.push({ txHash, code, events: [] })
      txModules.push(undefined)
      continue
    }
    included.push(txBytes)
    txModules.push(v.body.module)
    try {
      const out = runHandler(v, input, params, block, fns)
      block.merge(out.tx.entries())
      // A write to a registry (an officer added, a DID deactivated...) may change who is registered.
      if (writesAny(out.tx.entries(), registryPrefixes)) senders.forget()
      indexes.push(...out.indexes)
      results.push({ txHash: v.txHash, code: OK, events: out.events })
    } catch (e) {
      // A typed failure keeps its code; anything else is a handler bug, reported as such.
      results.push({ txHash: v.txHash, code: isGovchainError(e) ? e.code : 'EXEC_INTERNAL', events: [] })
    }
  }

  // Version = height: the store keeps a block's new nodes together (docs/adr/0011).
  const { root, nodes, rootVersion } = tree.update(input.parentStateRoot, block.changes(), { version: height })
  const resultBytes = results.map((r) => codec.encode(TxResult, r))
  return {
    stateRoot: root,
    stateRootVersion: rootVersion,
    smtNodes: nodes,
    results,
    resultBytes,
    resultsRoot: merkleRoot(fns.hash, resultBytes),
    txRoot: merkleRoot(fns.hash, included),
    indexes,
    txModules,
    included,
    dropped,
  }
}

function writesAny(writes: Iterable<{ key: Uint8Array }>, prefixes: readonly Uint8Array[]): boolean {
  for (const { key } of writes) {
    for (const p of prefixes) {
      if (key.length >= p.length && p.every((b, i) => key[i] === b)) return true
    }
  }
  return false
}

/** Executes a block's transactions (every one is recorded, with its code). */
export function executeBlock(input: ExecuteBlockInput): BlockExecution {
  const { included: _i, dropped: _d, ...execution } = executeBlockWith(input)
  return execution
}
