/**
 * The committed chain as the reactors see it: validator sets and parameters read from committed
 * governance state, block validation and the commit of a decided or synced block (one store
 * transaction). Consensus and block sync both commit through here, as CometBFT's consensus and
 * blocksync reactors both apply blocks through one block executor; what follows a commit
 * (mempool cleanup, events, the next height) is each reactor's own, via onCommitted.
 */

import {
  type BlockExecution,
  blockHash,
  type ConsensusSource,
  committedBefore,
  ExecutionCache,
  type ExecutionParams,
  type Genesis,
  genesisHash,
  genesisValidatorSet,
  type ModuleRegistry,
  type Preverified,
  readonlyKeeper,
  validateBlock,
} from '@govchain/app'
import {
  Block,
  type BlockHeader,
  type CommitCertificate,
  type CryptoSuite,
  codec,
  equalBytes,
  hashValidatorSet,
  isGovchainError,
  toHex,
  type ValidatorSet,
  verifyCommitFor,
} from '@govchain/core'
import type { ChainStore, CommitBlockInput } from '@govchain/store'
import type { Clock } from './clock.ts'
import { explorerIndexWrites } from './explorer.ts'
import type { Logger } from './log.ts'
import { isUnwritable, type StorageWrites, UNWATCHED_STORAGE } from './storage-health.ts'

/** What a commit hands to the reactors. */
export interface CommittedBlock {
  block: Block
  hash: Uint8Array
  execution: BlockExecution
  txHashes: Uint8Array[]
  /** From block sync (start the next height at once), not decided here. */
  synced: boolean
  /** performance.now() when the commit began: its duration is for metrics and logs only. */
  startedMs: number
}

/** The p2p layer's side of peer trust: what a governance change updates. */
export interface PeerTrustTarget {
  setTrustedCAs(pems: readonly string[]): void
  recheckPeers(): void
  /** The node certificates governance revoked: refused, and dropped when connected. */
  setRevokedCertificates(list: readonly { orgId: string; serial?: Uint8Array; sha256?: Uint8Array }[]): void
}

export interface NodeChainParts {
  suite: CryptoSuite
  genesis: Genesis
  modules: ModuleRegistry
  params: ExecutionParams
  store: ChainStore
  clock: Clock
  logger: Logger
  /** Envelopes the mempool verified: block validation does not verify them again. */
  preverified: Preverified
  /** Told of each commit the store refused or took (the node's storage state); none in tools. */
  storage?: StorageWrites
  /**
   * Told when a step after a stored commit failed: a listener threw (every other listener still
   * ran), or the next heights' validator sets could not be read (then no listener runs). The
   * daemon stops the node, whose restart resumes from the stored block. Without it, commit()
   * throws the failure. A listener's refused write (STORE_UNWRITABLE) is neither: the storage
   * state has said it, and it waits for a probe.
   */
  onListenerFault?: (error: unknown) => void
}

export class NodeChain {
  readonly suite: CryptoSuite
  readonly chainId: string
  readonly genesis: Genesis
  readonly modules: ModuleRegistry
  readonly params: ExecutionParams
  readonly store: ChainStore
  /**
   * Validator sets from committed state (governance), refreshed after every commit: the set
   * that signed the latest block, the one signing the next height, and the one after it (what
   * the next header names as nextValidatorSetHash).
   */
  prevVset: ValidatorSet
  vset: ValidatorSet
  validatorSetHash: Uint8Array
  nextVset: ValidatorSet
  nextValidatorSetHash: Uint8Array
  /** Chain parameters in force at the next height (governance may change them). */
  chainParams: Genesis['params']
  /**
   * Observer nodes in force at the next height or the one after (governance registers them): peers
   * admit them, they never vote. `observersKey` changes whenever the list does.
   */
  private observers: { id: string; publicKey: Uint8Array }[] = []
  private observersKey = ''
  /** Node certificates revoked at the next height (governance's CRL); `revokedKey` changes with the list. */
  private revoked: { orgId: string; serial?: Uint8Array; sha256?: Uint8Array }[] = []
  private revokedKey = ''
  private revokedKeyApplied: string | undefined
  /** Monotonic time (clock.monotonicMs) of the latest commit, or of the start. */
  lastProgressMs = 0
  readonly cache = new ExecutionCache(32)
  private readonly genesisHash: Uint8Array
  /**
   * Whether an event may change whom the p2p layer trusts: any of the consensus provider's
   * (governance adds and removes organisations) and those the peerTrust provider names
   * (ModuleProvides.peerTrustEvents; all of its events when it names none).
   */
  private readonly changesTrust: (eventType: string) => boolean
  /** Organisation CA certificates the p2p layer trusts (from the identity module's state). */
  private trustedCaKey = ''
  private readonly decodedBlocks = new WeakMap<Uint8Array, Block>()
  private readonly listeners: ((c: CommittedBlock) => void)[] = []
  private peerTrust: PeerTrustTarget | undefined
  private readonly storage: StorageWrites

  constructor(private readonly parts: NodeChainParts) {
    const { genesis, suite } = parts
    this.suite = suite
    this.chainId = genesis.chainId
    this.genesis = genesis
    this.modules = parts.modules
    this.params = parts.params
    this.store = parts.store
    this.storage = parts.storage ?? UNWATCHED_STORAGE
    this.changesTrust = trustEventsOf(this.modules)
    this.vset = genesisValidatorSet(genesis)
    this.prevVset = this.vset
    this.nextVset = this.vset
    this.validatorSetHash = hashValidatorSet(suite, this.vset)
    this.nextValidatorSetHash = this.validatorSetHash
    this.chainParams = { ...genesis.params }
    this.genesisHash = genesisHash(genesis)
    this.refreshValidatorSets()
  }

  /** The transport whose trust follows governance (set once p2p exists: it asks us whom to admit). */
  setPeerTrust(target: PeerTrustTarget): void {
    this.peerTrust = target
  }

  /**
   * Called after every commit, in registration order. Each listener runs even when an earlier
   * one threw: the block is stored by then, so no failure of theirs may look like a refused
   * commit to the caller, nor leave the later ones (the next height) undone.
   */
  onCommitted(listener: (c: CommittedBlock) => void): void {
    this.listeners.push(listener)
  }

  markProgress(): void {
    this.lastProgressMs = this.parts.clock.monotonicMs()
  }

  isRegisteredValidator(peer: { nodeId: string; publicKey: Uint8Array }): boolean {
    return [this.vset, this.nextVset].some((set) =>
      set.validators.some((v) => v.id === peer.nodeId && equalBytes(v.publicKey, peer.publicKey)),
    )
  }

  /** A registered validator or observer of this height or the next, with the key registered for it. */
  isRegisteredPeer(peer: { nodeId: string; publicKey: Uint8Array }): boolean {
    return (
      this.isRegisteredValidator(peer) ||
      this.observers.some((o) => o.id === peer.nodeId && equalBytes(o.publicKey, peer.publicKey))
    )
  }

  /**
   * The consensus source (the module providing `consensus`, e.g. governance) over the committed
   * state of `height` (the latest when omitted).
   */
  consensusAt(height?: number): ConsensusSource | undefined {
    const latest = this.store.latestHeight()
    const h = height ?? latest
    if (h < 1 || h > latest) return undefined
    const header = this.store.getHeader(h)
    const provider = this.modules.provider('consensus')
    if (header === undefined || provider?.provides?.consensus === undefined) return undefined
    return provider.provides.consensus(
      readonlyKeeper({
        suite: this.suite,
        store: this.store,
        modules: this.modules,
        module: provider.name,
        root: header.stateRoot,
        height: h,
        timeMs: header.timeMs,
      }),
    )
  }

  /** The validator set that signs `height` (genesis set before anything is committed). */
  validatorSetAt(height: number): ValidatorSet {
    const latest = this.store.latestHeight()
    // State at h knows the sets of every height <= h + 2 (changes of block h start at h + 2).
    const gov = this.consensusAt(Math.min(Math.max(height - 1, 1), latest))
    return gov === undefined ? genesisValidatorSet(this.genesis) : gov.validatorSetAt(height)
  }

  /**
   * After a commit (and at start): the sets of the latest, next and next-but-one heights and
   * the parameters from committed governance state.
   */
  private refreshValidatorSets(): void {
    const gov = this.consensusAt()
    if (gov === undefined) return
    const h = this.store.latestHeight()
    this.prevVset = gov.validatorSetAt(h)
    const current = gov.validatorSetAt(h + 1)
    const hash = hashValidatorSet(this.suite, current)
    const changed = !equalBytes(hash, this.validatorSetHash)
    this.vset = current
    this.validatorSetHash = hash
    this.nextVset = gov.validatorSetAt(h + 2)
    this.nextValidatorSetHash = hashValidatorSet(this.suite, this.nextVset)
    this.chainParams = gov.paramsAt(h + 1)
    this.observers = [...(gov.observersAt?.(h + 1) ?? []), ...(gov.observersAt?.(h + 2) ?? [])]
    this.observersKey = this.observers.map((o) => `${o.id}:${toHex(o.publicKey)}`).join(' ')
    this.revoked = gov.revokedCertificatesAt?.(h + 1) ?? []
    this.revokedKey = this.revoked
      .map(
        (r) =>
          `${r.orgId}:${r.serial === undefined ? '' : toHex(r.serial)}:${r.sha256 === undefined ? '' : toHex(r.sha256)}`,
      )
      .join(' ')
    if (changed) {
      this.parts.logger.info(
        { height: h + 1, validators: current.validators.map((v) => `${v.id}:${v.votingPower}`).join(' ') },
        'validator set changed',
      )
    }
  }

  /** Trusted organisation CAs from committed state (the module providing `peerTrust`); closes refused peers. */
  refreshTrust(): void {
    const meta = this.store.meta()
    const provider = this.modules.provider('peerTrust')
    if (meta === undefined || provider?.provides?.peerTrust === undefined) return
    const trust = provider.provides.peerTrust(
      readonlyKeeper({
        suite: this.suite,
        store: this.store,
        modules: this.modules,
        module: provider.name,
        root: meta.stateRoot,
        height: meta.height + 1,
        timeMs: 0,
      }),
    )
    const pems = trust.trustedCaPems()
    const key = pems.join('\n')
    if (key !== this.trustedCaKey && pems.length > 0) {
      this.trustedCaKey = key
      this.peerTrust?.setTrustedCAs(pems)
    }
    if (this.revokedKey !== this.revokedKeyApplied && this.peerTrust !== undefined) {
      this.revokedKeyApplied = this.revokedKey
      this.peerTrust.setRevokedCertificates(this.revoked)
    }
    this.peerTrust?.recheckPeers()
  }

  /** What building, validating and committing a block at `height` share: the chain and its state. */
  chainContext(height: number) {
    return {
      suite: this.suite,
      chainId: this.chainId,
      modules: this.modules,
      params: this.params,
      genesisHash: this.genesisHash,
      genesis: this.genesis,
      store: this.store,
      isCommitted: committedBefore(this.store, height),
      cache: this.cache,
      preverified: this.parts.preverified,
    }
  }

  parentHeader(height: number): BlockHeader | undefined {
    return height <= 1 ? undefined : this.store.getHeader(height - 1)
  }

  /**
   * The block a consensus value (or synced block) encodes, decoded once: the machine asks
   * isValid, then decides, with the same bytes; a block of thousands of transactions is not
   * decoded again for each. Keyed by the bytes object, so it goes with them.
   */
  blockOf(value: Uint8Array): Block {
    let block = this.decodedBlocks.get(value)
    if (block === undefined) {
      block = codec.decode(Block, value)
      this.decodedBlocks.set(value, block)
    }
    return block
  }

  /**
   * The block this node built and encoded to `value` (its own proposal): blockOf then answers
   * with it instead of decoding the bytes just made from it.
   */
  rememberBlock(value: Uint8Array, block: Block): void {
    this.decodedBlocks.set(value, block)
  }

  /**
   * Whether `value` is a valid block at `height`. A proposal's time may not be ahead of our
   * clock by more than the drift the chain allows (`checkClock`); a synced block was decided
   * already, so its time is not held against our clock.
   */
  isValidBlock(height: number, value: Uint8Array, checkClock = true): boolean {
    try {
      const block = this.blockOf(value)
      const parent = this.parentHeader(height)
      if (height > 1 && parent === undefined) return false
      validateBlock({
        ...this.chainContext(height),
        block,
        ...(parent !== undefined ? { parent: { header: parent } } : {}),
        validatorSetHash: this.validatorSetHash,
        nextValidatorSetHash: this.nextValidatorSetHash,
        verifyLastCommit: (cert) => {
          verifyCommitFor(this.suite, this.chainId, this.prevVset, cert, height - 1, blockHash(this.suite, parent!))
        },
        minTimeMs: this.genesis.genesisTimeMs,
        ...(checkClock ? { maxTimeMs: this.parts.clock.nowMs() + this.chainParams.maxClockDriftMs } : {}),
        encodedBytes: value.length,
      })
      return true
    } catch (e) {
      this.parts.logger.warn({ height, code: isGovchainError(e) ? e.code : 'UNKNOWN', err: String(e) }, 'invalid block')
      return false
    }
  }

  /** Commits a decided or synced block: one store transaction, then the listeners. */
  commit(block: Block, certificate: CommitCertificate, synced: boolean, blockBytes?: Uint8Array): void {
    const started = performance.now() // metrics only: the commit's duration never reaches a decision
    const hash = blockHash(this.suite, block.header)
    let execution = this.cache.get(hash)
    if (execution === undefined) {
      const parent = this.parentHeader(block.header.height)
      execution = validateBlock({
        ...this.chainContext(block.header.height),
        block,
        ...(parent !== undefined ? { parent: { header: parent } } : {}),
        validatorSetHash: this.validatorSetHash,
        nextValidatorSetHash: this.nextValidatorSetHash,
      }).execution
    }
    const txHashes = execution.results.map((r) => r.txHash)
    const input: CommitBlockInput = {
      block,
      ...(blockBytes !== undefined ? { blockBytes } : {}),
      blockHash: hash,
      certificate,
      smtNodes: execution.smtNodes,
      stateRootVersion: execution.stateRootVersion,
      txResults: execution.results,
      txResultBytes: execution.resultBytes,
      indexes: [
        ...execution.indexes,
        ...explorerIndexWrites(this.store, block, execution.results, execution.txModules),
      ],
      // The block's own transactions leave the mempool journal in the block's write transaction.
      pendingDeletes: txHashes,
    }
    // A refusal (STORE_UNWRITABLE) is thrown on with nothing changed; the storage state says it once.
    this.storage.write(() => this.store.commitBlock(input))
    const committed: CommittedBlock = { block, hash, execution, txHashes, synced, startedMs: started }
    try {
      this.followGovernance(execution)
    } catch (e) {
      // The next heights' validator sets are unknown: nothing may act on this commit, not even
      // the listeners (the next height would start with the old sets).
      this.logFault(committed, e)
      this.raiseFault(e)
      return
    }
    this.markProgress()
    this.notify(committed)
  }

  /**
   * Governance after a commit: the sets of the next heights come from the state just committed;
   * the p2p layer follows (trusted CAs when organisations changed, connections of nodes no longer
   * in the set closed).
   */
  private followGovernance(execution: BlockExecution): void {
    const sets = () =>
      toHex(this.validatorSetHash) + toHex(this.nextValidatorSetHash) + this.observersKey + this.revokedKey
    const setsBefore = sets()
    this.refreshValidatorSets()
    const governed = execution.results.some((r) => r.events.some((e) => this.changesTrust(e.type)))
    if (governed || setsBefore !== sets()) this.refreshTrust()
  }

  private logFault(committed: CommittedBlock, e: unknown): void {
    this.parts.logger.error(
      { height: committed.block.header.height, code: isGovchainError(e) ? e.code : 'INTERNAL', err: String(e) },
      'a step after the commit failed (the block is stored)',
    )
  }

  /** A step after a stored commit failed: NodeChainParts.onListenerFault, or thrown without one. */
  private raiseFault(e: unknown): void {
    if (this.parts.onListenerFault === undefined) throw e
    this.parts.onListenerFault(e)
  }

  /** Runs every listener of a stored commit; see onCommitted and NodeChainParts.onListenerFault. */
  private notify(committed: CommittedBlock): void {
    let fault: { error: unknown } | undefined
    for (const listener of this.listeners) {
      try {
        listener(committed)
      } catch (e) {
        const height = committed.block.header.height
        if (isUnwritable(e)) {
          // Said once by the storage state, not once per commit.
          this.parts.logger.debug({ height, code: e.code }, 'a step after the commit waits for the storage')
          continue
        }
        // Every failure is logged; the first is raised once all listeners have run.
        this.logFault(committed, e)
        fault ??= { error: e }
      }
    }
    if (fault !== undefined) this.raiseFault(fault.error)
  }
}

/** NodeChain.changesTrust for a module set. */
function trustEventsOf(modules: ModuleRegistry): (eventType: string) => boolean {
  const prefixes: string[] = []
  const named = new Set<string>()
  const consensus = modules.provider('consensus')
  if (consensus !== undefined) prefixes.push(`${consensus.name}.`)
  const trust = modules.provider('peerTrust')
  if (trust !== undefined) {
    const events = trust.provides?.peerTrustEvents
    if (events === undefined) prefixes.push(`${trust.name}.`)
    else for (const e of events) named.add(`${trust.name}.${e}`)
  }
  return (type) => named.has(type) || prefixes.some((p) => type.startsWith(p))
}
