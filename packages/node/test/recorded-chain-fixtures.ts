/**
 * The recorded chain (docs/recorded-chain.md): a genesis and blocks of signed transactions that
 * exercise every method of every module, with the header fields and result codes they produced
 * when recorded. Replaying them through the real execution path must give the same bytes: this
 * is how a refactoring (the move of the modules into packages of their own, issue 14) proves
 * that it changes no state root.
 *
 * Used by scripts/record-chain.ts (recording and --check) and test/recorded-chain.test.ts.
 * When the modules move, this file's imports of the registry and genesis are what changes; the
 * recordings (test/fixtures/recorded-chain-*.json) must not.
 */
import { readFileSync } from 'node:fs'
import {
  type BlockExecution,
  type BuiltBlock,
  buildBlock,
  committedBefore,
  executeBlockWith,
  type Genesis,
  genesisHash,
  genesisValidatorSet,
  type ModuleRegistry,
  type ParentInfo,
  parseGenesis,
  readonlyKeeper,
  txHashOf,
  validateBlock,
} from '@govchain/app'
import {
  type BlockHeader,
  type CommitCertificate,
  type CryptoSuite,
  codec,
  fromHex,
  getSuite,
  hashValidatorSet,
  SignedTx,
  TxBody,
  type TxResult,
  toHex,
} from '@govchain/core'
import { defaultModuleRegistry } from '@govchain/distribution'
import type { GovernanceKeeper } from '@govchain/governance'
import { MemoryChainStore } from '@govchain/store'
import { explorerIndexWrites } from '../src/explorer.ts'

export const RECORDING_FORMAT = 'govchain-recorded-chain/1'

/** A recording stays reviewable and cheap to replay: the files are kept well under this. */
export const RECORDING_BYTES_MAX = 1024 * 1024

/** The module registry a recording is replayed with: the node's real one. */
export function recordingModules(): ModuleRegistry {
  return defaultModuleRegistry()
}

export interface RecordedEvent {
  type: string
  /** [key, value] pairs in the order the handler emitted them. */
  attributes: [string, string][]
}

export interface RecordedTx {
  /** Informational labels (the replay reads module and method from the bytes). */
  module: string
  method: string
  /** What this transaction was meant to show (a human note, not checked). */
  note: string
  code: string
  txHash: string
  /** State root after this transaction (as if the block ended with it): pins a root mismatch to one transaction. */
  stateRootAfter: string
  events: RecordedEvent[]
  /** The exact signed transaction (SignedTx encoding), hex. */
  bytes: string
}

export interface RecordedHeader {
  previousHash: string
  txRoot: string
  stateRoot: string
  resultsRoot: string
  validatorSetHash: string
  nextValidatorSetHash: string
  lastCommitHash: string
}

export interface RecordedBlock {
  height: number
  timeMs: number
  proposer: string
  header: RecordedHeader
  blockHash: string
  txs: RecordedTx[]
}

export interface Recording {
  format: string
  about: string
  suite: 'gm' | 'intl'
  chainId: string
  genesis: Genesis
  genesisHash: string
  /** State root after every module's initGenesis, before block 1's transactions. */
  genesisStateRoot: string
  /**
   * The extensions (scripts/recorded-chain/) whose blocks follow the base scenario's, in order:
   * a module added after the recording appends its blocks instead of re-recording the others.
   */
  extensions?: string[]
  blocks: RecordedBlock[]
}

export function readRecording(path: string): Recording {
  const size = readFileSync(path).length
  if (size > RECORDING_BYTES_MAX) throw new Error(`${path}: ${size} bytes, over ${RECORDING_BYTES_MAX}`)
  const r = JSON.parse(readFileSync(path, 'utf8')) as Recording
  if (r.format !== RECORDING_FORMAT) throw new Error(`${path}: format ${r.format}, expected ${RECORDING_FORMAT}`)
  return r
}

/**
 * The genesis a recording starts from. The one place to adapt if the genesis document changes
 * shape (e.g. sections per module): the recorded document is the input, whatever its form.
 */
export function genesisOf(r: Recording): Genesis {
  return parseGenesis(r.genesis)
}

/** The certificate committed with each block: deterministic (no signatures), like the execution tests'. */
function placeholderCertificate(height: number, blockHash: Uint8Array): CommitCertificate {
  return { height, round: 0, blockHash, signatures: [] }
}

export function eventsOf(r: TxResult): RecordedEvent[] {
  return r.events.map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a): [string, string] => [a.key, a.value]),
  }))
}

/** module.method of a signed transaction's bytes (undefined when they do not decode). */
export function methodOf(bytes: Uint8Array): string | undefined {
  try {
    const body = codec.decode(TxBody, codec.decode(SignedTx, bytes).body)
    return `${body.module}.${body.method}`
  } catch {
    return undefined
  }
}

/** Every `module.method` the registry can execute, in registry order. */
export function registryMethods(modules: ModuleRegistry): string[] {
  return modules.names().flatMap((name) => Object.keys(modules.get(name)!.handlers).map((m) => `${name}.${m}`))
}

/**
 * What a replay left unexercised: every method of the registry needs at least one transaction
 * that succeeded and one that failed with its own code, so that a method added later cannot
 * escape the recording. Empty when complete.
 */
export function coverageGaps(
  modules: ModuleRegistry,
  counts: ReadonlyMap<string, { total: number; ok: number }>,
): { neverSucceeded: string[]; neverFailed: string[] } {
  const methods = registryMethods(modules)
  return {
    neverSucceeded: methods.filter((m) => (counts.get(m)?.ok ?? 0) === 0),
    neverFailed: methods.filter((m) => {
      const c = counts.get(m)
      return c === undefined || c.total - c.ok === 0
    }),
  }
}

/**
 * A chain from a genesis over a memory store, block by block, the way a node runs it: block 1
 * seeds every module from the genesis and points at the genesis hash; the header's validator set
 * hashes come from committed governance state (the daemon's refreshValidatorSets); each block is
 * built by the proposer path (buildBlock), checked again by the validator path (validateBlock,
 * no cache), then committed.
 */
export class ChainRunner {
  readonly store = new MemoryChainStore()
  readonly suite: CryptoSuite
  readonly genesisHash: Uint8Array
  parent: ParentInfo | undefined
  lastCommit: CommitCertificate | undefined

  constructor(
    readonly genesis: Genesis,
    readonly modules: ModuleRegistry = recordingModules(),
  ) {
    this.suite = getSuite(genesis.suite)
    this.genesisHash = genesisHash(genesis)
  }

  get height(): number {
    return (this.parent?.header.height ?? 0) + 1
  }

  /** The validator set hashes the next header names (genesis set before anything is committed). */
  validatorSetHashes(): { validatorSetHash: Uint8Array; nextValidatorSetHash: Uint8Array } {
    const meta = this.store.meta()
    if (meta === undefined) {
      const h = hashValidatorSet(this.suite, genesisValidatorSet(this.genesis))
      return { validatorSetHash: h, nextValidatorSetHash: h }
    }
    const gov = readonlyKeeper<GovernanceKeeper>({
      suite: this.suite,
      store: this.store,
      modules: this.modules,
      module: 'governance',
      root: meta.stateRoot,
      height: meta.height,
      timeMs: this.parent!.header.timeMs,
    })
    return {
      validatorSetHash: hashValidatorSet(this.suite, gov.validatorSetAt(meta.height + 1)),
      nextValidatorSetHash: hashValidatorSet(this.suite, gov.validatorSetAt(meta.height + 2)),
    }
  }

  private context() {
    return {
      suite: this.suite,
      chainId: this.genesis.chainId,
      modules: this.modules,
      store: this.store,
      genesis: this.genesis,
      genesisHash: this.genesisHash,
    }
  }

  /** The proposer's block of `txs` at the next height; inadmissible ones are in `dropped`. */
  build(timeMs: number, proposer: string, txs: readonly Uint8Array[]): BuiltBlock {
    return buildBlock({
      ...this.context(),
      height: this.height,
      timeMs,
      ...(this.parent === undefined ? {} : { parent: this.parent }),
      ...(this.lastCommit === undefined ? {} : { lastCommit: this.lastCommit }),
      ...this.validatorSetHashes(),
      proposer,
      txs,
    })
  }

  /** A validator's check of a built block (executes it again). Throws BLOCK_INVALID. */
  validate(built: BuiltBlock): BlockExecution {
    return validateBlock({
      ...this.context(),
      block: built.block,
      ...(this.parent === undefined ? {} : { parent: this.parent }),
      ...this.validatorSetHashes(),
      proposer: built.block.header.proposer,
      minTimeMs: this.genesis.genesisTimeMs,
    }).execution
  }

  commit(built: BuiltBlock): void {
    const certificate = placeholderCertificate(built.block.header.height, built.blockHash)
    this.store.commitBlock({
      block: built.block,
      blockHash: built.blockHash,
      certificate,
      smtNodes: built.execution.smtNodes,
      stateRootVersion: built.execution.stateRootVersion,
      txResults: built.execution.results,
      txResultBytes: built.execution.resultBytes,
      // The node's own index writes too, as NodeChain.commit adds them.
      indexes: [
        ...built.execution.indexes,
        ...explorerIndexWrites(this.store, built.block, built.execution.results, built.execution.txModules),
      ],
    })
    this.parent = { header: built.block.header, hash: built.blockHash }
    this.lastCommit = certificate
  }

  /**
   * The state root after each prefix of `txs` at the next height (index 0: before any of them,
   * i.e. after initGenesis at height 1), executed like a block that ends there. Not committed.
   */
  stateRootsByPrefix(timeMs: number, txs: readonly Uint8Array[]): Uint8Array[] {
    const height = this.height
    const out: Uint8Array[] = []
    for (let n = 0; n <= txs.length; n++) {
      const o = executeBlockWith({
        suite: this.suite,
        chainId: this.genesis.chainId,
        modules: this.modules,
        store: this.store,
        isCommitted: committedBefore(this.store, height),
        parentStateRoot: this.parent?.header.stateRoot ?? new Uint8Array(32),
        height,
        timeMs,
        txs: txs.slice(0, n),
        ...(height === 1 ? { genesis: this.genesis } : {}),
      })
      out.push(o.stateRoot)
    }
    return out
  }
}

export function headerOf(h: BlockHeader): RecordedHeader {
  return {
    previousHash: toHex(h.previousHash),
    txRoot: toHex(h.txRoot),
    stateRoot: toHex(h.stateRoot),
    resultsRoot: toHex(h.resultsRoot),
    validatorSetHash: toHex(h.validatorSetHash),
    nextValidatorSetHash: toHex(h.nextValidatorSetHash),
    lastCommitHash: toHex(h.lastCommitHash),
  }
}

// ---------------------------------------------------------------- replay

/** One difference between the recording and the replay: where, what, recorded vs now. */
export interface Mismatch {
  height: number
  /** e.g. `stateRoot`, `blockHash`, `tx 3 (sharing.decide) code`. */
  field: string
  recorded: string
  replayed: string
  /** Where a state root difference starts, when it could be pinned down. */
  detail?: string
}

export interface ReplayReport {
  mismatches: Mismatch[]
  /** Per `module.method`: transactions replayed, and how many of them succeeded (code OK). */
  counts: Map<string, { total: number; ok: number }>
  blocks: number
  txs: number
}

export interface ReplayOptions {
  modules?: ModuleRegistry
  /** Stop at the first block with a difference (default true: later blocks build on a different state). */
  stopAtFirst?: boolean
}

/**
 * Replays a recording from its genesis: per block, builds it from the recorded time, proposer
 * and transactions, compares every header field, the block hash, each transaction's inclusion,
 * code, hash and events with the recording, validates the built block again (validator path)
 * and commits it. Returns the differences (none: byte-identical) and what was exercised.
 */
export function replayRecording(r: Recording, opts: ReplayOptions = {}): ReplayReport {
  const mismatches: Mismatch[] = []
  const counts = new Map<string, { total: number; ok: number }>()
  const stopAtFirst = opts.stopAtFirst ?? true
  const genesis = genesisOf(r)
  const chain = new ChainRunner(genesis, opts.modules ?? recordingModules())
  const diff = (height: number, field: string, recorded: string, replayed: string, detail?: string) => {
    if (recorded !== replayed) mismatches.push({ height, field, recorded, replayed, ...(detail ? { detail } : {}) })
  }
  diff(0, 'genesisHash', r.genesisHash, toHex(chain.genesisHash))
  const firstTimeMs = r.blocks[0]?.timeMs ?? genesis.genesisTimeMs
  diff(
    0,
    'genesisStateRoot (after initGenesis)',
    r.genesisStateRoot,
    toHex(chain.stateRootsByPrefix(firstTimeMs, [])[0]!),
  )
  let txCount = 0
  let blocks = 0
  for (const b of r.blocks) {
    const before = mismatches.length
    const txs = b.txs.map((t) => fromHex(t.bytes))
    if (b.height !== chain.height) throw new Error(`recording: block ${b.height} where ${chain.height} is next`)
    const hashes = txs.map((t) => toHex(txHashOf(chain.suite, t)))
    const built = chain.build(b.timeMs, b.proposer, txs)
    const dropped = new Map(built.dropped.map((d) => [toHex(d.txHash), d.code]))
    const h = built.block.header
    const got = headerOf(h)
    const results = new Map(built.execution.results.map((x) => [toHex(x.txHash), x]))
    b.txs.forEach((t, i) => {
      const label = `tx ${i} (${t.module}.${t.method})`
      diff(b.height, `${label} txHash`, t.txHash, hashes[i]!)
      const res = results.get(hashes[i]!)
      if (res === undefined) {
        const why = dropped.get(hashes[i]!)
        diff(
          b.height,
          `${label} inclusion`,
          `included with ${t.code}`,
          why ? `left out as inadmissible: ${why}` : 'absent',
        )
        return
      }
      diff(b.height, `${label} code`, t.code, res.code)
      diff(b.height, `${label} events`, JSON.stringify(t.events), JSON.stringify(eventsOf(res)))
    })
    for (const k of Object.keys(b.header) as (keyof RecordedHeader)[]) diff(b.height, k, b.header[k], got[k])
    diff(b.height, 'blockHash', b.blockHash, toHex(built.blockHash))
    if (b.header.stateRoot !== got.stateRoot) {
      const m = mismatches.find((x) => x.height === b.height && x.field === 'stateRoot')
      if (m !== undefined) m.detail = pinStateRoot(chain, b, txs)
    }
    // The validator path must agree with the proposer path on the block it built.
    try {
      const v = chain.validate(built)
      diff(b.height, 'validateBlock stateRoot', got.stateRoot, toHex(v.stateRoot))
    } catch (e) {
      mismatches.push({
        height: b.height,
        field: 'validateBlock',
        recorded: 'valid',
        replayed: e instanceof Error ? e.message : String(e),
      })
    }
    txs.forEach((t, i) => {
      const m = methodOf(t) ?? '(undecodable)'
      const c = counts.get(m) ?? { total: 0, ok: 0 }
      c.total += 1
      if (results.get(hashes[i]!)?.code === 'OK') c.ok += 1
      counts.set(m, c)
    })
    txCount += txs.length
    blocks += 1
    chain.commit(built)
    if (stopAtFirst && mismatches.length > before) break
  }
  return { mismatches, counts, blocks, txs: txCount }
}

/** The first transaction of a block after which the state root differs from the recording. */
function pinStateRoot(chain: ChainRunner, b: RecordedBlock, txs: readonly Uint8Array[]): string {
  const roots = chain.stateRootsByPrefix(b.timeMs, txs).map(toHex)
  if (b.height > 1 && roots[0] !== toHex(chain.parent!.header.stateRoot)) return 'the parent state differs already'
  for (let i = 0; i < b.txs.length; i++) {
    if (roots[i + 1] !== b.txs[i]!.stateRootAfter) {
      const t = b.txs[i]!
      return `first differs after tx ${i} (${t.module}.${t.method}, ${t.note}): recorded ${t.stateRootAfter}, now ${roots[i + 1]}`
    }
  }
  return 'every transaction matches its recorded root: the difference is in the block as a whole'
}

/** Human-readable lines for a replay's first differences. */
export function describeMismatches(ms: readonly Mismatch[], max = 20): string {
  const lines = ms
    .slice(0, max)
    .map(
      (m) =>
        `height ${m.height} ${m.field}:\n    recorded ${m.recorded}\n    replayed ${m.replayed}${m.detail ? `\n    ${m.detail}` : ''}`,
    )
  if (ms.length > max) lines.push(`... and ${ms.length - max} more`)
  return lines.join('\n')
}
