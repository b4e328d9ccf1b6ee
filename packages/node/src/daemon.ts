/**
 * The validator daemon: wires the pure parts (consensus state machine, execution engine) to
 * the edges (LMDB store, mutual-TLS p2p, timers, HTTP API). Everything with a clock, a socket
 * or a disk lives here; nothing here decides what the chain contains.
 *
 *   p2p ──proposal/vote──▶ Consensus.handle ──outputs──▶ broadcast / timers / requestValue / decide
 *   API ──tx──▶ Mempool ──gossip──▶ peers            decide ──▶ commit (one LMDB txn) ──▶ events
 *   status from peers ──▶ sync: fetch blocks, verify certificates, validate, commit
 */

import {
  blockHash,
  buildBlock,
  type ConsensusSource,
  chainModules,
  committedBefore,
  DEFAULT_EXECUTION_PARAMS,
  ExecutionCache,
  type ExecutionParams,
  type Genesis,
  genesisHash,
  genesisStateRoot,
  genesisValidatorSet,
  type Module,
  type ModuleRef,
  ModuleRegistry,
  moduleRefName,
  queryState,
  readonlyKeeper,
  signTx,
  txHashOf,
  validateBlock,
} from '@govchain/app'
import {
  type Consensus,
  type ConsensusInput,
  type ConsensusOutput,
  createConsensus,
  decodeSignerRecord,
  encodeSignerRecord,
  LocalSigner,
  type SignerStore,
} from '@govchain/consensus'
import type { TxEvent } from '@govchain/core'
import {
  Block,
  BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  codec,
  cryptoBackend,
  cryptoNativeLoadError,
  type DuplicateVoteEvidence,
  digestBackend,
  ed25519Backend,
  equalBytes,
  GovchainError,
  getSuite,
  hashValidatorSet,
  isGovchainError,
  Proposal,
  SmtProofCodec,
  toHex,
  ValidatorSet,
  Vote,
  verifyCommitFor,
} from '@govchain/core'
import { createP2P, type P2P } from '@govchain/p2p'
import { type ChainStore, LmdbChainStore, PENDING_SCAN_MAX, type PendingTx } from '@govchain/store'
import type {
  TxEvent as ApiTxEvent,
  BlockView,
  ChainEvent,
  NodeApiBackend,
  StateView,
  StatusView,
  SubmitTxOutcome,
  TxView,
} from './api/backend.ts'
import { type ApiServer, createApiServer, type ModuleApiContext } from './api/index.ts'
import type { NodeHome } from './home.ts'
import { createLogger, type Logger } from './log.ts'
import { committedSenderState, Mempool } from './mempool/index.ts'
import { NodeMetrics } from './metrics.ts'
import { type SyncOutcome, SyncPeers } from './sync-peers.ts'
import {
  CHANNEL,
  PRIORITY_CHANNELS,
  ProposalMessage,
  StatusMessage,
  SYNC_BLOCKS_MAX,
  SYNC_RESPONSE_BYTES_MAX,
  SyncRequest,
  SyncResponse,
  TxsMessage,
  VoteMessage,
} from './wire.ts'

const SIGNER_RECORD = 'consensus-signer'
const SYNC_REQUEST_TIMEOUT_MS = 5000
const GOSSIP_INTERVAL_MS = 1000
const TX_GOSSIP_FLUSH_MS = 5
const TX_GOSSIP_BATCH_MAX = 512
const SUBSCRIBERS_MAX = 1024

export interface NodeOptions {
  home: NodeHome
  /**
   * The modules this node can run (the distribution's list); the genesis picks the chain's
   * own from them, by name and version. The node names no application itself: the composition
   * root (the CLI, via @govchain/distribution) passes them.
   */
  modules: readonly Module[]
  /** Override the configured API port (0 = ephemeral, for tests). */
  apiPort?: number
  p2pPort?: number
  logger?: Logger
  /** Called after the node stopped itself on an unrecoverable error (the CLI exits non-zero). */
  onFatal?: (error: unknown) => void
  /** Wall clock (ms). Only the proposer's block time and the drift check read it. */
  now?: () => number
}

function storeSigner(store: ChainStore): SignerStore {
  return {
    load: () => {
      const b = store.getRecord(SIGNER_RECORD)
      return b === undefined ? undefined : decodeSignerRecord(b)
    },
    save: (record) => store.putRecordSync(SIGNER_RECORD, encodeSignerRecord(record)),
  }
}

function apiEvent(e: TxEvent): ApiTxEvent {
  const dot = e.type.indexOf('.')
  return {
    module: dot > 0 ? e.type.slice(0, dot) : e.type,
    type: dot > 0 ? e.type.slice(dot + 1) : e.type,
    attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
  }
}

export class GovchainNode implements NodeApiBackend {
  readonly suite: CryptoSuite
  readonly chainId: string
  readonly genesis: Genesis
  readonly nodeId: string
  readonly logger: Logger
  readonly metrics: NodeMetrics
  readonly store: ChainStore
  readonly mempool: Mempool
  readonly p2p: P2P
  apiUrl = ''
  p2pAddress = ''

  /** The chain's modules: those the genesis names, from the ones this node was given. */
  private readonly modules: ModuleRegistry
  /** Events of the modules providing consensus or peer trust: after one, trust is refreshed. */
  private readonly trustEventPrefixes: string[]
  private readonly params: ExecutionParams
  /**
   * Validator sets from committed state (governance), refreshed after every commit: the set
   * that signed the latest block, the one signing the next height, and the one after it (what
   * the next header names as nextValidatorSetHash).
   */
  private prevVset: ValidatorSet
  private vset: ValidatorSet
  private validatorSetHash: Uint8Array
  private nextVset: ValidatorSet
  private nextValidatorSetHash: Uint8Array
  /** Chain parameters in force at the next height (governance may change them). */
  private chainParams: Genesis['params']
  /** Organisation CA certificates the p2p layer trusts (from the identity module's state). */
  private trustedCaKey = ''
  private readonly genesisHash: Uint8Array
  private myIndex: number | undefined
  private consensus: Consensus
  private readonly cache = new ExecutionCache(32)
  private readonly decodedBlocks = new WeakMap<Uint8Array, Block>()
  private readonly now: () => number
  private api: ApiServer | undefined
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private gossipTimer: ReturnType<typeof setInterval> | undefined
  private nextHeightTimer: ReturnType<typeof setTimeout> | undefined
  private waitingEmpty = false
  private readonly subscribers = new Set<(e: ChainEvent) => void>()
  /** Announced heights (hints) and scores of the peers sync may ask (sync-peers.ts). */
  private readonly syncPeers = new SyncPeers()
  private syncInFlight: { peer: string; fromHeight: number; timer: ReturnType<typeof setTimeout> } | undefined
  /** Wakes sync when every peer announcing more is backing off. */
  private syncRetryTimer: ReturnType<typeof setTimeout> | undefined
  private journalBatch: PendingTx[] = []
  private journalWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = []
  private journalTimer: ReturnType<typeof setImmediate> | undefined
  private txGossip: Uint8Array[] = []
  private txGossipTimer: ReturnType<typeof setTimeout> | undefined
  /** Height consensus is working on (committed + 1), or 0 before start. */
  private consensusHeight = 0
  private lastProgressMs = 0
  private stopped = false

  constructor(private readonly opts: NodeOptions) {
    const { home } = opts
    this.genesis = home.genesis
    this.modules = new ModuleRegistry(chainModules(home.genesis, opts.modules))
    this.trustEventPrefixes = (['consensus', 'peerTrust'] as const).flatMap((c) => {
      const m = this.modules.provider(c)
      return m === undefined ? [] : [`${m.name}.`]
    })
    this.suite = getSuite(home.genesis.suite)
    this.chainId = home.genesis.chainId
    this.nodeId = home.config.nodeId
    this.now = opts.now ?? Date.now
    this.logger = opts.logger ?? createLogger({ name: this.nodeId, level: home.config.logLevel })
    this.metrics = new NodeMetrics({ labels: { node: this.nodeId } })
    this.params = { ...DEFAULT_EXECUTION_PARAMS, maxTxValidityBlocks: home.genesis.params.maxTxValidityBlocks }
    this.vset = genesisValidatorSet(home.genesis)
    this.prevVset = this.vset
    this.nextVset = this.vset
    this.validatorSetHash = hashValidatorSet(this.suite, this.vset)
    this.nextValidatorSetHash = this.validatorSetHash
    this.chainParams = { ...home.genesis.params }
    this.genesisHash = genesisHash(home.genesis)

    this.store = LmdbChainStore.open({
      path: LmdbChainStore.pathFor(home.home),
      onTransientAbort: (err, attempt) =>
        this.logger.warn({ err: String(err), attempt }, 'storage write aborted by lmdb-js; retrying it'),
    })
    this.refreshValidatorSets()
    this.myIndex = this.indexIn(this.vset)
    this.mempool = new Mempool({
      suite: this.suite,
      chainId: this.chainId,
      modules: this.modules,
      params: this.params,
      latestHeight: () => this.store.latestHeight(),
      // The replay guard is the committed chain's tx index (docs/adr/0009-replay-guard.md).
      isCommitted: (h) => this.store.getTxCommit(h) !== undefined,
      // Who may send what is read from the committed state (or the genesis before block 1).
      senderState: committedSenderState({
        suite: this.suite,
        chainId: this.chainId,
        modules: this.modules,
        store: this.store,
        genesis: home.genesis,
      }),
    })
    this.consensus = this.makeConsensus()
    this.p2p = createP2P(
      {
        chainId: this.chainId,
        nodeId: this.nodeId,
        listen: { host: home.config.p2p.host, port: opts.p2pPort ?? home.config.p2p.port },
        maxPendingInbound: home.config.p2p.maxPendingInbound,
        maxConnectionsPerAddress: home.config.p2p.maxConnectionsPerAddress,
        maxInboundConnections: home.config.p2p.maxInboundConnections,
        tls: { certPem: home.tls.certPem, keyPem: home.tls.keyPem, trustedCAPems: home.trustedCaPems },
        signingKey: home.validatorKey,
        peers: home.config.peers,
        priorityChannels: PRIORITY_CHANNELS,
        channels: Object.values(CHANNEL),
        getLatestHeight: () => this.store.latestHeight(),
        // Only the nodes of the validators of this height or the next (governance changes the set),
        // with the key registered for them: a removed validator's node is refused.
        isPeerAllowed: (peer) => this.isRegisteredValidator(peer),
        // Registered validators keep their slots however many strangers connect (issue 13).
        isReservedPeer: (peer) => this.isRegisteredValidator(peer),
      },
      {
        suite: this.suite,
        logger: this.logger,
        metrics: {
          increment: (name, labels) => {
            if (name === 'p2p_frames_in_total' || name === 'p2p_frames_out_total') {
              this.metrics.incP2pMessages(labels?.channel ?? 'any', name === 'p2p_frames_in_total' ? 'in' : 'out')
            }
          },
        },
      },
    )
  }

  private isRegisteredValidator(peer: { nodeId: string; publicKey: Uint8Array }): boolean {
    return [this.vset, this.nextVset].some((set) =>
      set.validators.some((v) => v.id === peer.nodeId && equalBytes(v.publicKey, peer.publicKey)),
    )
  }

  /**
   * The consensus machine. It always holds the signer (a node may join the set later); it is
   * built anew, as an observer, when this node leaves the set (the machine keeps its index).
   */
  private makeConsensus(): Consensus {
    const p = this.chainParams
    const home = this.opts.home
    return createConsensus({
      chainId: this.chainId,
      suite: this.suite,
      validatorSet: this.vset,
      ...(this.myIndex !== undefined ? { myIndex: this.myIndex } : {}),
      signer: new LocalSigner(this.suite, home.validatorKey.privateKey, storeSigner(this.store)),
      timeouts: {
        proposeMs: p.timeoutProposeMs,
        prevoteMs: p.timeoutPrevoteMs,
        precommitMs: p.timeoutPrecommitMs,
        deltaMs: p.timeoutDeltaMs,
      },
      valueId: (value) => {
        try {
          return blockHash(this.suite, codec.decode(Block, value).header)
        } catch {
          return null
        }
      },
      isValid: (height, value) => this.isValidBlock(height, value),
    })
  }

  private indexIn(set: ValidatorSet): number | undefined {
    const myKey = this.opts.home.validatorKey.publicKey
    const idx = set.validators.findIndex((v) => equalBytes(v.publicKey, myKey))
    return idx >= 0 ? idx : undefined
  }

  /**
   * The consensus source (the module providing `consensus`, e.g. governance) over the committed
   * state of `height` (the latest when omitted).
   */
  private consensusAt(height?: number): ConsensusSource | undefined {
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
   * the parameters from committed governance state; the p2p layer follows (trusted CAs when
   * organisations changed, connections of nodes no longer in the set closed).
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
    if (changed) {
      this.logger.info(
        { height: h + 1, validators: current.validators.map((v) => `${v.id}:${v.votingPower}`).join(' ') },
        'validator set changed',
      )
    }
  }

  /** Trusted organisation CAs from committed state (the module providing `peerTrust`); closes refused peers. */
  private refreshTrust(): void {
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
      this.p2p.setTrustedCAs(pems)
    }
    this.p2p.recheckPeers()
  }

  /** Equivocation seen by consensus goes on chain: the consensus source's evidence transaction, signed with our key. */
  private submitEvidence(evidence: DuplicateVoteEvidence): void {
    const source = this.consensusAt()
    if (source === undefined) return
    const { module, method, args } = source.evidenceTx(evidence)
    const key = this.opts.home.validatorKey
    const { bytes } = signTx(
      this.suite,
      {
        chainId: this.chainId,
        sender: key.publicKey,
        nonce: Math.floor(Math.random() * Number.MAX_SAFE_INTEGER),
        validUntilHeight: this.store.latestHeight() + Math.min(100, this.params.maxTxValidityBlocks),
        module,
        method,
        args,
      },
      [key.privateKey],
    )
    this.submitTx(bytes).then(
      ({ hash }) => this.logger.warn({ tx: toHex(hash) }, 'equivocation evidence submitted'),
      (e) =>
        this.logger.warn({ code: isGovchainError(e) ? e.code : 'UNKNOWN', err: String(e) }, 'evidence not submitted'),
    )
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<{ apiUrl: string; p2pAddress: string }> {
    this.refreshTrust()
    const addr = await this.p2p.start()
    this.p2pAddress = `${addr.host}:${addr.port}`
    this.p2p.onMessage((peer, channel, payload) => this.onPeerMessage(peer, channel, payload))
    this.p2p.onPeerConnected((peer) => {
      this.syncPeers.connected(peer.nodeId, peer.latestHeight, performance.now())
      this.metrics.setPeers(this.p2p.peers().length)
      this.gossipTo([peer.nodeId], false)
      this.sendMempoolTo(peer.nodeId)
      this.maybeSync()
    })
    this.p2p.onPeerDisconnected((peer) => {
      this.syncPeers.disconnected(peer, performance.now())
      this.metrics.setPeers(this.p2p.peers().length)
      if (this.syncInFlight?.peer === peer) this.syncFailed('timeout', 'peer disconnected')
    })
    this.api = createApiServer({
      backend: this,
      metrics: this.metrics,
      logger: this.logger,
      host: this.opts.home.config.api.host,
      port: this.opts.apiPort ?? this.opts.home.config.api.port,
      extensions: this.modules
        .all()
        .flatMap((m) => (m.routes === undefined ? [] : [m.routes(this.moduleApiContext())])),
    })
    const { url } = await this.api.listen()
    this.apiUrl = url
    const meta = this.store.meta()
    this.metrics.setHeight(meta?.height ?? 0)
    const verifier = this.verifierBackend()
    this.logger.info(
      {
        chainId: this.chainId,
        suite: this.suite.name,
        height: meta?.height ?? 0,
        validator: this.myIndex !== undefined,
        api: url,
        p2p: this.p2pAddress,
        verifier: verifier.backend,
        hash: digestBackend(),
      },
      'node started',
    )
    if (verifier.error !== undefined) {
      // Same verdicts either way (ADRs 0010, 0013), only slower: worth an operator's look.
      this.logger.warn({ verifier: verifier.backend, reason: verifier.error }, 'signature fast path not in use')
    }
    this.reloadJournal()
    this.lastProgressMs = this.now()
    this.startHeight(this.store.latestHeight() + 1)
    this.gossipTimer = setInterval(() => this.regossip(), GOSSIP_INTERVAL_MS)
    return { apiUrl: url, p2pAddress: this.p2pAddress }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    if (this.gossipTimer) clearInterval(this.gossipTimer)
    if (this.nextHeightTimer) clearTimeout(this.nextHeightTimer)
    if (this.journalTimer) clearImmediate(this.journalTimer)
    this.flushJournal()
    // Hand what we admitted to the peers before leaving: a node that leaves for good must not
    // take accepted transactions with it.
    this.flushTxGossip(true)
    if (this.syncInFlight) clearTimeout(this.syncInFlight.timer)
    if (this.syncRetryTimer) clearTimeout(this.syncRetryTimer)
    await this.api?.close()
    await this.p2p.close()
    await this.store.close()
    this.logger.info({}, 'node stopped')
  }

  // ------------------------------------------------------------------ consensus driving

  private startHeight(height: number): void {
    if (this.stopped) return
    this.nextHeightTimer = undefined
    this.waitingEmpty = false
    this.consensusHeight = height
    this.cache.clear()
    const me = this.indexIn(this.vset)
    if (me === undefined && this.myIndex !== undefined) {
      // Left the set: the machine would keep signing with its old index; continue as an observer.
      this.myIndex = undefined
      this.consensus = this.makeConsensus()
      this.logger.warn({ height }, 'no longer a validator: following as an observer')
    } else if (me !== undefined && me !== this.myIndex) {
      this.logger.info({ height, index: me }, 'validating from this height')
    }
    this.myIndex = me
    this.step({ type: 'start', height, validatorSet: this.vset, ...(me === undefined ? {} : { myIndex: me }) })
  }

  /**
   * Feeds one input to the consensus machine. The machine itself never throws on bad input
   * (it drops it); an exception here means the node cannot go on safely — typically the
   * signer could not persist what it was about to sign — so the node stops rather than risk
   * acting on a half-applied step.
   */
  private step(input: ConsensusInput): void {
    let outputs: ConsensusOutput[]
    try {
      outputs = this.consensus.handle(input)
    } catch (e) {
      this.fatal(e)
      return
    }
    this.run(outputs)
  }

  private fatal(e: unknown): void {
    if (this.stopped) return
    this.logger.error(
      { err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) },
      'fatal: stopping',
    )
    const onFatal = this.opts.onFatal
    this.stop().finally(() => onFatal?.(e))
  }

  /** Executes consensus outputs. Re-entrant inputs (proposalValue) are fed back here. */
  private run(outputs: ConsensusOutput[]): void {
    for (const out of outputs) {
      if (this.stopped) return
      switch (out.type) {
        case 'broadcastProposal':
          this.p2p.broadcast(
            CHANNEL.proposal,
            codec.encode(ProposalMessage, { proposal: out.proposal, value: out.value }),
          )
          break
        case 'broadcastVote':
          this.p2p.broadcast(CHANNEL.vote, codec.encode(VoteMessage, out.vote))
          break
        case 'scheduleTimeout': {
          const t = setTimeout(() => {
            this.timers.delete(t)
            if (!this.stopped) {
              this.metrics.setRound(out.round)
              this.step({ type: 'timeout', kind: out.kind, height: out.height, round: out.round })
            }
          }, out.durationMs)
          this.timers.add(t)
          break
        }
        case 'requestValue': {
          const value = this.proposeBlock(out.height)
          if (value !== undefined) {
            this.step({ type: 'proposalValue', height: out.height, round: out.round, value })
          }
          break
        }
        case 'decide':
          this.onDecide(out.height, out.value, out.certificate)
          break
        case 'evidence':
          this.logger.warn({ evidence: 'duplicate-vote' }, 'equivocation detected')
          if (this.myIndex !== undefined) this.submitEvidence(out.evidence)
          break
      }
    }
  }

  /** What building, validating and committing a block at `height` share: the chain and its state. */
  private chainContext(height: number) {
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
      preverified: this.mempool.verified,
    }
  }

  private parentHeader(height: number): BlockHeader | undefined {
    return height <= 1 ? undefined : this.store.getHeader(height - 1)
  }

  private proposeBlock(height: number): Uint8Array | undefined {
    const parent = this.parentHeader(height)
    if (height > 1 && parent === undefined) return undefined
    const lastCommit = height > 1 ? this.store.getCertificate(height - 1) : undefined
    const p = this.chainParams
    const minTime = parent === undefined ? this.genesis.genesisTimeMs : parent.timeMs + 1
    try {
      const built = buildBlock({
        ...this.chainContext(height),
        height,
        timeMs: Math.max(this.now(), minTime),
        ...(parent !== undefined ? { parent: { header: parent } } : {}),
        ...(lastCommit !== undefined ? { lastCommit } : {}),
        validatorSetHash: this.validatorSetHash,
        nextValidatorSetHash: this.nextValidatorSetHash,
        proposer: this.nodeId,
        txs: this.mempool.reap(p.blockMaxBytes, p.blockMaxTxs),
        maxBlockBytes: p.blockMaxBytes,
      })
      if (built.dropped.length > 0) this.mempool.removeCommitted(built.dropped.map((d) => d.txHash))
      return codec.encode(Block, built.block)
    } catch (e) {
      this.logger.error({ err: e, height }, 'could not build a block')
      return undefined
    }
  }

  /**
   * The block a consensus value (or synced block) encodes, decoded once: the machine asks
   * isValid, then decides, with the same bytes; a block of thousands of transactions is not
   * decoded again for each. Keyed by the bytes object, so it goes with them.
   */
  private blockOf(value: Uint8Array): Block {
    let block = this.decodedBlocks.get(value)
    if (block === undefined) {
      block = codec.decode(Block, value)
      this.decodedBlocks.set(value, block)
    }
    return block
  }

  private isValidBlock(height: number, value: Uint8Array, checkClock = true): boolean {
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
        ...(checkClock ? { maxTimeMs: this.now() + this.chainParams.maxClockDriftMs } : {}),
        encodedBytes: value.length,
      })
      return true
    } catch (e) {
      this.logger.warn({ height, code: isGovchainError(e) ? e.code : 'UNKNOWN', err: String(e) }, 'invalid block')
      return false
    }
  }

  private onDecide(height: number, value: Uint8Array, certificate: CommitCertificate): void {
    if (height !== this.store.latestHeight() + 1) return
    this.commit(this.blockOf(value), certificate, false, value)
  }

  /** Commits a decided or synced block: one LMDB transaction, then events and the next height. */
  private commit(block: Block, certificate: CommitCertificate, synced: boolean, blockBytes?: Uint8Array): void {
    const started = performance.now()
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
    this.store.commitBlock({
      block,
      ...(blockBytes !== undefined ? { blockBytes } : {}),
      blockHash: hash,
      certificate,
      smtNodes: execution.smtNodes,
      stateRootVersion: execution.stateRootVersion,
      txResults: execution.results,
      txResultBytes: execution.resultBytes,
      indexes: execution.indexes,
      // The block's own transactions leave the mempool journal in the block's write transaction.
      pendingDeletes: txHashes,
    })
    // Governance: the sets of the next heights come from the state just committed.
    const setsBefore = toHex(this.validatorSetHash) + toHex(this.nextValidatorSetHash)
    this.refreshValidatorSets()
    const governed = execution.results.some((r) =>
      r.events.some((e) => this.trustEventPrefixes.some((p) => e.type.startsWith(p))),
    )
    if (governed || setsBefore !== toHex(this.validatorSetHash) + toHex(this.nextValidatorSetHash)) this.refreshTrust()
    const height = block.header.height
    this.mempool.removeCommitted(txHashes)
    const dropped = this.mempool.recheck()
    this.store.deletePending(dropped)
    const ms = performance.now() - started
    this.metrics.observeBlockCommit(ms / 1000)
    this.metrics.setHeight(height)
    this.metrics.addCommittedTxs(txHashes.length)
    const ms2 = this.mempool.stats()
    this.metrics.setMempool(ms2.count, ms2.bytes)
    this.lastProgressMs = this.now()
    this.logger.info(
      { height, txs: txHashes.length, proposer: block.header.proposer, synced, commitMs: Math.round(ms) },
      'committed block',
    )
    this.emit({
      type: 'block',
      height,
      hash,
      txCount: txHashes.length,
      timeMs: block.header.timeMs,
      proposer: block.header.proposer,
    })
    // Per-transaction events only when someone listens (the API subscribes while it has streams).
    for (const [index, r] of this.subscribers.size > 0 ? execution.results.entries() : []) {
      this.emit({ type: 'tx', height, index, hash: r.txHash, code: r.code })
      for (const ev of r.events) {
        const e = apiEvent(ev)
        this.emit({ type: 'event', height, txHash: r.txHash, module: e.module, name: e.type, attributes: e.attributes })
      }
    }
    this.p2p.broadcast(CHANNEL.status, codec.encode(StatusMessage, { height }))
    this.scheduleNextHeight(height + 1, synced)
  }

  private scheduleNextHeight(height: number, immediately: boolean): void {
    if (this.nextHeightTimer) clearTimeout(this.nextHeightTimer)
    const p = this.chainParams
    const empty = this.mempool.stats().count === 0
    this.waitingEmpty = empty && !immediately
    const delay = immediately ? 0 : empty ? p.emptyBlockIntervalMs : p.blockIntervalMs
    this.consensusHeight = height
    this.nextHeightTimer = setTimeout(() => this.startHeight(height), delay)
  }

  // ------------------------------------------------------------------ p2p

  private onPeerMessage(peer: string, channel: number, payload: Uint8Array): void {
    if (this.stopped) return
    try {
      switch (channel) {
        case CHANNEL.proposal: {
          const m = codec.decode(ProposalMessage, payload)
          this.step({ type: 'proposal', proposal: m.proposal, value: m.value })
          break
        }
        case CHANNEL.vote:
          this.step({ type: 'vote', vote: codec.decode(VoteMessage, payload) })
          break
        case CHANNEL.txs:
          for (const tx of codec.decode(TxsMessage, payload)) {
            try {
              this.mempool.add(tx)
              this.onTxAdmitted()
            } catch {
              // Duplicates and stale transactions are normal in gossip.
            }
          }
          break
        case CHANNEL.status: {
          const { height } = codec.decode(StatusMessage, payload)
          this.syncPeers.announced(peer, height, performance.now())
          this.maybeSync()
          break
        }
        case CHANNEL.syncRequest:
          this.serveSync(peer, codec.decode(SyncRequest, payload))
          break
        case CHANNEL.syncResponse:
          this.onSyncResponse(peer, codec.decode(SyncResponse, payload))
          break
      }
    } catch (e) {
      this.logger.warn({ peer, channel, code: isGovchainError(e) ? e.code : 'UNKNOWN', err: String(e) }, 'bad message')
      if (isGovchainError(e) && e.code.startsWith('DECODE_')) this.p2p.disconnect(peer, e.code)
    }
  }

  /**
   * Resend what this height has produced so far, when no block was committed for a while:
   * covers peers that were too far behind to keep the messages when they came.
   */
  private regossip(): void {
    if (this.stopped) return
    this.metrics.setPeers(this.p2p.peers().length)
    if (this.now() - this.lastProgressMs < GOSSIP_INTERVAL_MS) return
    this.gossipTo(
      this.p2p.peers().map((p) => p.nodeId),
      true,
    )
  }

  /**
   * This height's proposals and votes and our status, each encoded once, to `peers`. A proposal
   * carries its whole block (megabytes at full load): with `skipHeld` (regossip) it is not resent
   * to a peer that shows it holds it: its proposer, or a validator whose vote in that round names
   * its block. A peer that just connected gets everything.
   */
  private gossipTo(peers: readonly string[], skipHeld: boolean): void {
    const known = this.consensus.gossipMessages()
    const holders = new Set<string>()
    if (skipHeld) {
      for (const sv of known.votes) {
        const v = codec.decode(Vote, sv.vote)
        const id = this.vset.validators[v.validatorIndex]?.id
        if (v.blockHash !== undefined && id !== undefined) holders.add(`${v.round}/${toHex(v.blockHash)}/${id}`)
      }
    }
    const proposals = known.proposals.map((p) => {
      const head = codec.decode(Proposal, p.proposal.proposal)
      return {
        message: codec.encode(ProposalMessage, { proposal: p.proposal, value: p.value }),
        heldBy: (peer: string) =>
          skipHeld &&
          (this.vset.validators[head.proposerIndex]?.id === peer ||
            holders.has(`${head.round}/${toHex(head.blockHash)}/${peer}`)),
      }
    })
    const votes = known.votes.map((v) => codec.encode(VoteMessage, v))
    const status = codec.encode(StatusMessage, { height: this.store.latestHeight() })
    for (const peer of peers) {
      for (const p of proposals) if (!p.heldBy(peer)) this.p2p.send(peer, CHANNEL.proposal, p.message)
      for (const v of votes) this.p2p.send(peer, CHANNEL.vote, v)
      this.p2p.send(peer, CHANNEL.status, status)
    }
  }

  // ------------------------------------------------------------------ sync

  /**
   * Asks one peer for the blocks after ours, if a peer announces the height we are working on
   * (or beyond). Announced heights are hints: SyncPeers picks the peer in the best standing among
   * those announcing more, so a peer that claims much and delivers nothing is asked rarely, and
   * a request that fails moves on to the next peer at once (issue 13).
   */
  private maybeSync(): void {
    if (this.syncInFlight !== undefined || this.stopped) return
    const committed = this.store.latestHeight()
    const fromHeight = committed + 1
    // A peer that committed the height we are working on (or beyond) can give it to us.
    const atLeast = Math.max(this.consensusHeight, fromHeight)
    const now = performance.now()
    const choice = this.syncPeers.pick(atLeast - 1, now)
    if (choice === undefined) return
    if (!('peer' in choice)) {
      // Every candidate is backing off: look again when the first may be asked.
      if (this.syncRetryTimer) clearTimeout(this.syncRetryTimer)
      this.syncRetryTimer = setTimeout(
        () => {
          this.syncRetryTimer = undefined
          this.maybeSync()
        },
        Math.max(1, Math.ceil(choice.retryAtMs - now)),
      )
      return
    }
    const peer = choice.peer
    this.syncPeers.asked(peer, now)
    const timer = setTimeout(
      () => this.syncFailed('timeout', `no answer within ${SYNC_REQUEST_TIMEOUT_MS} ms`),
      SYNC_REQUEST_TIMEOUT_MS,
    )
    this.syncInFlight = { peer, fromHeight, timer }
    const sent = this.p2p.send(
      peer,
      CHANNEL.syncRequest,
      codec.encode(SyncRequest, { fromHeight, count: SYNC_BLOCKS_MAX }),
    )
    // Not connected any more (or the queue dropped it): count it and try the next peer.
    if (!sent) this.syncFailed('timeout', 'request not sent')
  }

  private endSync(): void {
    if (this.syncInFlight) clearTimeout(this.syncInFlight.timer)
    this.syncInFlight = undefined
  }

  /** The request in flight failed: the peer loses standing and the next peer is asked at once. */
  private syncFailed(outcome: Exclude<SyncOutcome, 'delivered'>, detail: string): void {
    const req = this.syncInFlight
    if (req === undefined) return
    this.endSync()
    const height = this.store.latestHeight()
    this.syncPeers.outcome(req.peer, outcome, performance.now(), height)
    this.logger.warn(
      { peer: req.peer, outcome, detail, fromHeight: req.fromHeight, height },
      'sync: request failed; asking another peer',
    )
    // From a timer or a handler: either way not inside another maybeSync.
    this.maybeSync()
  }

  private serveSync(peer: string, req: { fromHeight: number; count: number }): void {
    const out: { block: Uint8Array; certificate: CommitCertificate }[] = []
    let bytes = 0
    const latest = this.store.latestHeight()
    for (let h = req.fromHeight; h <= latest && out.length < Math.min(req.count, SYNC_BLOCKS_MAX); h++) {
      const block = this.store.getBlockBytes(h)
      const certificate = this.store.getCertificate(h)
      if (block === undefined || certificate === undefined) break
      if (bytes + block.length > SYNC_RESPONSE_BYTES_MAX && out.length > 0) break
      bytes += block.length
      out.push({ block, certificate })
    }
    this.p2p.send(peer, CHANNEL.syncResponse, codec.encode(SyncResponse, out))
  }

  private onSyncResponse(peer: string, items: { block: Uint8Array; certificate: CommitCertificate }[]): void {
    const req = this.syncInFlight
    // Unasked (or answered after its timeout): ignored, it proves nothing either way.
    if (req?.peer !== peer) return
    // Our chain moved since we asked (consensus committed meanwhile): a short or empty answer is
    // then not the peer's fault.
    const unmoved = this.store.latestHeight() === req.fromHeight - 1
    if (items.length === 0) {
      if (unmoved) {
        this.syncFailed('empty', 'announced more, sent no block')
        return
      }
      this.endSync()
      this.maybeSync()
      return
    }
    this.endSync()
    let applied = 0
    for (const item of items) {
      const next = this.store.latestHeight() + 1
      const block = this.blockOf(item.block)
      if (block.header.height !== next) break
      const hash = blockHash(this.suite, block.header)
      try {
        verifyCommitFor(this.suite, this.chainId, this.vset, item.certificate, next, hash)
      } catch (e) {
        this.logger.warn({ peer, height: next, err: String(e) }, 'sync: certificate refused')
        this.syncPeers.outcome(peer, 'invalid', performance.now(), this.store.latestHeight())
        this.p2p.disconnect(peer, 'CERTIFICATE_INVALID')
        this.maybeSync()
        return
      }
      if (!this.isValidBlock(next, item.block, false)) {
        this.syncPeers.outcome(peer, 'invalid', performance.now(), this.store.latestHeight())
        this.p2p.disconnect(peer, 'BLOCK_INVALID')
        this.maybeSync()
        return
      }
      if (this.nextHeightTimer) clearTimeout(this.nextHeightTimer)
      this.commit(block, item.certificate, true, item.block)
      applied++
    }
    const height = this.store.latestHeight()
    if (applied > 0) {
      this.syncPeers.outcome(peer, 'delivered', performance.now(), height)
      this.logger.info({ peer, applied, height }, 'sync: applied blocks')
    } else if (unmoved) {
      this.syncPeers.outcome(peer, 'stale', performance.now(), height)
      this.logger.warn({ peer, fromHeight: req.fromHeight, height }, 'sync: answer does not start where asked')
    }
    this.maybeSync()
  }

  // ------------------------------------------------------------------ transactions

  private onTxAdmitted(): void {
    // A transaction arrived while we wait out an empty-block pause: start the next height sooner.
    if (this.waitingEmpty && this.nextHeightTimer !== undefined) {
      this.waitingEmpty = false
      clearTimeout(this.nextHeightTimer)
      const height = this.consensusHeight
      this.nextHeightTimer = setTimeout(() => this.startHeight(height), this.chainParams.blockIntervalMs)
    }
  }

  /** A (re)connected peer gets our whole pending set: nothing admitted here waits on us alone. */
  private sendMempoolTo(peer: string): void {
    const all = this.mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    for (let i = 0; i < all.length; i += TX_GOSSIP_BATCH_MAX) {
      this.p2p.send(peer, CHANNEL.txs, codec.encode(TxsMessage, all.slice(i, i + TX_GOSSIP_BATCH_MAX)))
    }
  }

  private gossipTx(tx: Uint8Array): void {
    this.txGossip.push(tx)
    // Stopping: the last journal batch (flushed by stop()) is still answered 202 while the API
    // drains, after stop()'s own gossip flush; hand it to the peers at once (p2p closes last),
    // or a node leaving for good would take those accepted transactions with it.
    if (this.stopped) this.flushTxGossip(true)
    else if (this.txGossip.length >= TX_GOSSIP_BATCH_MAX) this.flushTxGossip()
    else if (this.txGossipTimer === undefined) {
      this.txGossipTimer = setTimeout(() => this.flushTxGossip(), TX_GOSSIP_FLUSH_MS)
    }
  }

  private flushTxGossip(evenIfStopping = false): void {
    if (this.txGossipTimer) clearTimeout(this.txGossipTimer)
    this.txGossipTimer = undefined
    const batch = this.txGossip
    this.txGossip = []
    if (batch.length > 0 && (!this.stopped || evenIfStopping)) {
      for (let i = 0; i < batch.length; i += TX_GOSSIP_BATCH_MAX) {
        this.p2p.broadcast(CHANNEL.txs, codec.encode(TxsMessage, batch.slice(i, i + TX_GOSSIP_BATCH_MAX)))
      }
    }
  }

  // ------------------------------------------------------------------ events

  private emit(e: ChainEvent): void {
    for (const s of this.subscribers) {
      try {
        s(e)
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'event subscriber failed')
      }
    }
  }

  // ------------------------------------------------------------------ module API context

  private moduleApiContext(): ModuleApiContext {
    return {
      suite: this.suite,
      chainId: this.chainId,
      latestHeight: () => this.store.latestHeight(),
      latestTimeMs: () => this.store.getHeader(this.store.latestHeight())?.timeMs ?? this.genesis.genesisTimeMs,
      state: (module, key, opts = {}) =>
        this.state(module, key, {
          prove: opts.prove ?? false,
          ...(opts.height !== undefined ? { height: opts.height } : {}),
        }),
      scanIndex: (prefix, limit, after) => this.store.scanIndex(prefix, limit, after),
      getIndex: (key) => this.store.getIndex(key),
      keeper: <K>(ref: ModuleRef<string, K> | string): K => {
        const module = moduleRefName(ref)
        const meta = this.store.meta()
        const header = meta === undefined ? undefined : this.store.getHeader(meta.height)
        return readonlyKeeper<K>({
          suite: this.suite,
          store: this.store,
          modules: this.modules,
          module,
          root: meta?.stateRoot ?? genesisStateRoot(),
          height: meta?.height ?? 0,
          timeMs: header?.timeMs ?? this.genesis.genesisTimeMs,
        })
      },
      submitTx: (bytes) => this.submitTx(bytes),
    }
  }

  // ------------------------------------------------------------------ NodeApiBackend

  status(): StatusView {
    const meta = this.store.meta()
    const committed = meta?.height ?? 0
    // A liar's claim stops counting once it failed to back it (sync-peers.ts).
    const best = Math.max(committed, this.syncPeers.bestHeight())
    const mp = this.mempool.stats()
    return {
      chainId: this.chainId,
      suite: this.suite.name,
      node: this.nodeId,
      height: committed,
      latestBlockHash: meta?.blockHash ?? new Uint8Array(32),
      stateRoot: meta?.stateRoot ?? new Uint8Array(32),
      validators: this.vset.validators.map((v) => ({
        id: v.id,
        votingPower: v.votingPower,
        publicKey: v.publicKey,
      })),
      peers: this.p2p.peers().map((p) => ({ id: p.nodeId, address: `${p.remoteAddress}:${p.remotePort}` })),
      catchingUp: best > committed + 1,
      round: this.consensus.round ?? 0,
      mempool: { size: mp.count, bytes: mp.bytes },
    }
  }

  block(height: number): BlockView | undefined {
    const block = this.store.getBlock(height)
    const cert = this.store.getCertificate(height)
    if (block === undefined || cert === undefined) return undefined
    return {
      height,
      hash: blockHash(this.suite, block.header),
      header: block.header,
      headerBytes: codec.encode(BlockHeader, block.header),
      txHashes: block.txs.map((t) => txHashOf(this.suite, t)),
      certificate: codec.encode(CommitCertificate, cert),
      ...this.nextSetOf(block.header),
    }
  }

  /** The next validator set a header names, when it differs from its own (governance changed it). */
  private nextSetOf(header: BlockHeader): { nextValidatorSet?: Uint8Array } {
    if (equalBytes(header.nextValidatorSetHash, header.validatorSetHash)) return {}
    const next = this.validatorSetAt(header.height + 1)
    if (!equalBytes(hashValidatorSet(this.suite, next), header.nextValidatorSetHash)) return {}
    return { nextValidatorSet: codec.encode(ValidatorSet, next) }
  }

  /**
   * Admission: validate into the mempool, then make it durable in the journal (grouped with
   * every other admission of this turn of the event loop: one LMDB transaction, one fsync),
   * then gossip and answer. A 202 therefore means the transaction survives a crash of this node.
   */
  async submitTx(txBytes: Uint8Array): Promise<{ hash: Uint8Array }> {
    // A refusal is counted once, by the API route that answers it (govchain_txs_rejected_total).
    const txHash = this.mempool.add(txBytes).txHash
    try {
      await this.journal([{ txHash, bytes: txBytes }])
    } catch (e) {
      this.mempool.removeCommitted([txHash])
      this.logger.error({ err: String(e) }, 'mempool journal write failed')
      throw new GovchainError('INTERNAL', 'could not persist the transaction')
    }
    this.gossipTx(txBytes)
    this.onTxAdmitted()
    const s = this.mempool.stats()
    this.metrics.setMempool(s.count, s.bytes)
    return { hash: txHash }
  }

  /**
   * Batch admission (POST /v1/txs/batch): each transaction as submitTx admits it, in order; the
   * accepted ones go to the journal together (one write, one fsync, shared with this turn's
   * other admissions) and are answered once durable, then gossiped.
   */
  async submitTxs(txs: readonly Uint8Array[]): Promise<SubmitTxOutcome[]> {
    const outcomes: SubmitTxOutcome[] = []
    const admitted: PendingTx[] = []
    for (const bytes of txs) {
      try {
        const { txHash } = this.mempool.add(bytes)
        admitted.push({ txHash, bytes })
        outcomes.push({ hash: txHash })
      } catch (e) {
        outcomes.push({ error: isGovchainError(e) ? e : new GovchainError('INTERNAL') })
      }
    }
    if (admitted.length === 0) return outcomes
    try {
      await this.journal(admitted)
    } catch (e) {
      this.mempool.removeCommitted(admitted.map((t) => t.txHash))
      this.logger.error({ err: String(e) }, 'mempool journal write failed')
      const error = new GovchainError('INTERNAL', 'could not persist the transaction')
      return outcomes.map((o) => ('hash' in o ? { error } : o))
    }
    for (const t of admitted) this.gossipTx(t.bytes)
    this.onTxAdmitted()
    const s = this.mempool.stats()
    this.metrics.setMempool(s.count, s.bytes)
    return outcomes
  }

  private journal(txs: readonly PendingTx[]): Promise<void> {
    return new Promise((resolve, reject) => {
      for (const tx of txs) this.journalBatch.push(tx)
      this.journalWaiters.push({ resolve, reject })
      if (this.journalTimer === undefined) this.journalTimer = setImmediate(() => this.flushJournal())
    })
  }

  /**
   * Writes this turn's admissions as one batch. The sync to disk happens off this thread (the
   * store's putPending), so admission, gossip and consensus go on meanwhile; each waiter is
   * answered only once its batch is durable.
   */
  private flushJournal(): void {
    this.journalTimer = undefined
    const batch = this.journalBatch
    const waiters = this.journalWaiters
    this.journalBatch = []
    this.journalWaiters = []
    if (waiters.length === 0) return
    let written: Promise<void>
    try {
      if (this.stopped) throw new GovchainError('STORE_CLOSED')
      written = this.store.putPending(batch)
    } catch (e) {
      written = Promise.reject(e)
    }
    written.then(
      () => {
        for (const w of waiters) w.resolve()
      },
      (e) => {
        for (const w of waiters) w.reject(e)
      },
    )
  }

  /** After a restart: re-admit what the journal holds; drop what is committed or no longer valid. */
  private reloadJournal(): void {
    const entries = this.store.scanPending(PENDING_SCAN_MAX)
    const stale: Uint8Array[] = []
    let readmitted = 0
    for (const e of entries) {
      try {
        this.mempool.add(e.bytes)
        // Peers that connected before this reload got an empty pool from sendMempoolTo: without
        // this, a transaction accepted just before a crash would wait for this node's own turn
        // to propose.
        this.gossipTx(e.bytes)
        readmitted++
      } catch {
        stale.push(e.txHash)
      }
    }
    this.store.deletePending(stale)
    if (entries.length > 0) this.logger.info({ readmitted, dropped: stale.length }, 'mempool journal reloaded')
  }

  tx(hash: Uint8Array): TxView | undefined {
    const r = this.store.getTxResult(hash)
    if (r !== undefined) {
      return {
        hash,
        status: r.code === 'OK' ? 'committed' : 'failed',
        height: r.height,
        index: r.index,
        code: r.code,
        events: r.events.map(apiEvent),
      }
    }
    if (this.mempool.has(hash)) return { hash, status: 'pending', events: [] }
    return undefined
  }

  state(module: string, key: Uint8Array, opts: { prove: boolean; height?: number }): StateView {
    const answer = queryState({
      suite: this.suite,
      store: this.store,
      modules: this.modules,
      module,
      key,
      prove: opts.prove,
      ...(opts.height !== undefined ? { height: opts.height } : {}),
    })
    const view: StateView = { module, key, value: answer.value, height: answer.height }
    if (opts.prove) {
      if (answer.proof !== undefined) view.proof = codec.encode(SmtProofCodec, answer.proof)
      view.headerBytes = codec.encode(BlockHeader, answer.header)
      if (answer.certificate !== undefined) view.certificate = codec.encode(CommitCertificate, answer.certificate)
      view.validatorSet = codec.encode(ValidatorSet, this.validatorSetAt(answer.height))
    }
    return view
  }

  validatorSet(): ValidatorSet {
    return this.vset
  }

  subscribe(listener: (event: ChainEvent) => void): () => void {
    if (this.subscribers.size >= SUBSCRIBERS_MAX) {
      throw new GovchainError('TOO_MANY_CONNECTIONS', 'too many event subscribers')
    }
    this.subscribers.add(listener)
    return () => this.subscribers.delete(listener)
  }

  healthy(): { ok: boolean; reason?: string } {
    if (this.stopped) return { ok: false, reason: 'stopped' }
    const stalledMs = this.now() - this.lastProgressMs
    const limit = 10 * (this.genesis.params.emptyBlockIntervalMs + this.genesis.params.timeoutProposeMs)
    if (stalledMs > limit) return { ok: false, reason: `no block for ${Math.round(stalledMs / 1000)} s` }
    return { ok: true }
  }

  /** What verifies this chain's transaction signatures here, and why not the fast path. */
  private verifierBackend(): { backend: string; error?: string } {
    if (this.suite.name === 'intl') return ed25519Backend()
    const error = cryptoNativeLoadError()
    return { backend: cryptoBackend() === 'native' ? 'sm2-addon' : 'js', ...(error !== undefined ? { error } : {}) }
  }

  /** For tests and tools: whether the latest stored block hash matches a given one. */
  hasBlockHash(height: number, hash: Uint8Array): boolean {
    const h = this.store.getHeader(height)
    return h !== undefined && equalBytes(blockHash(this.suite, h), hash)
  }
}

export async function startNode(opts: NodeOptions): Promise<GovchainNode> {
  const node = new GovchainNode(opts)
  try {
    await node.start()
  } catch (e) {
    await node.stop().catch(() => {})
    throw e
  }
  return node
}
