/**
 * The validator daemon: the composition root. It opens (or is given) the store and the p2p
 * transport, picks the chain's modules, and wires them with the clock and the random source into
 * three reactors (docs/adr/0018-reactors.md), each owning its p2p channels:
 *
 *   ConsensusReactor  (reactors/consensus.ts)   proposals, votes, timeouts, proposing, deciding
 *   MempoolReactor    (reactors/mempool.ts)     admission, journal, transaction gossip
 *   BlockSyncReactor  (reactors/block-sync.ts)  status, catching up from peers, serving blocks
 *
 * Both consensus and block sync commit through NodeChain (chain.ts); after a commit the mempool
 * drops the block's transactions, events go out, block sync announces the height and consensus
 * schedules the next one. This class also answers the HTTP API (NodeApiBackend) by delegating.
 * Nothing here reads the platform's clock or randomness: the reactors get `clock` and `random`.
 */

import { type FSWatcher, readFileSync, watch } from 'node:fs'
import { join } from 'node:path'
import {
  blockHash,
  chainModules,
  DEFAULT_EXECUTION_PARAMS,
  type ExecutionParams,
  type Genesis,
  genesisStateRoot,
  type Module,
  type ModuleRef,
  ModuleRegistry,
  moduleRefName,
  queryState,
  readonlyKeeper,
  txHashOf,
} from '@govchain/app'
import {
  BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  codec,
  cryptoBackend,
  cryptoNativeLoadError,
  digestBackend,
  ed25519Backend,
  equalBytes,
  GovchainError,
  getSuite,
  hashValidatorSet,
  isGovchainError,
  SmtProofCodec,
  toHex,
  ValidatorSet,
} from '@govchain/core'
import { createP2P, type P2P } from '@govchain/p2p'
import { baseHeight, type ChainStore, LmdbChainStore } from '@govchain/store'
import { LRUCache } from 'lru-cache'
import type {
  BlockView,
  ChainEvent,
  NodeApiBackend,
  StateView,
  StatusView,
  SubmitTxOutcome,
  TxView,
} from './api/backend.ts'
import { type ApiServer, createApiServer, type ModuleApiContext } from './api/index.ts'
import { type CommittedBlock, NodeChain } from './chain.ts'
import { type Clock, type RandomSource, systemClock, systemRandom, type TimerHandle } from './clock.ts'
import { apiTxEvent, ExplorerIndex, type ExplorerStats, type ExplorerTxPage } from './explorer.ts'
import type { NodeHome } from './home.ts'
import { createLogger, type Logger } from './log.ts'
import { committedSenderState, Mempool } from './mempool/index.ts'
import { certificateExpiries, NodeMetrics } from './metrics.ts'
import { archiveDirOf, checkPruningConfig, type PruningConfig, pruneNow } from './pruning.ts'
import { BlockSyncReactor } from './reactors/block-sync.ts'
import { ConsensusReactor } from './reactors/consensus.ts'
import { MempoolReactor } from './reactors/mempool.ts'
import type { Reactor } from './reactors/reactor.ts'
import { SigningFence } from './signing-fence.ts'
import { isUnwritable, StorageHealth } from './storage-health.ts'
import { CHANNEL, PRIORITY_CHANNELS } from './wire.ts'

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
  /** Serve the HTTP API (default true). In-process test networks drive the node directly. */
  api?: boolean
  p2pPort?: number
  logger?: Logger
  /** Called after the node stopped itself on an unrecoverable error (the CLI exits non-zero). */
  onFatal?: (error: unknown) => void
  /**
   * Time for every decision: block times, the drift check, round timeouts, the pause between
   * heights, sync backoffs. Default: the system clock. Tests pass a ManualClock.
   */
  clock?: Clock
  /** Randomness for every decision (sync peer ranks, evidence nonces). Default: node:crypto. */
  random?: RandomSource
  /**
   * Wall clock (ms) only: kept for callers of the earlier option; `clock` replaces it, and it is
   * ignored when `clock` is given.
   */
  now?: () => number
  /** The chain store. Default: LMDB under the home folder. The node closes it on stop. */
  store?: ChainStore
  /**
   * The transport, for in-process networks in tests. Default: mutual-TLS p2p from the home's
   * config, admitting only registered validators; an injected one does its own admission.
   */
  p2p?: P2P
}

/** A renewal writes the key, then the certificate: reload once the folder has been quiet this long. */
const CERT_RELOAD_DEBOUNCE_MS = 500
/** At a graceful stop, how long the pool handed to the peers may take to reach their sockets. */
const STOP_HAND_OFF_MS = 2000

/** The clock of the options: `clock`, else the system's with the legacy `now` as its wall clock. */
function clockOf(opts: NodeOptions): Clock {
  if (opts.clock !== undefined) return opts.clock
  const now = opts.now
  return now === undefined ? systemClock : { ...systemClock, nowMs: () => now() }
}

/** Tree halves of state answers kept (GovchainNode.state): a proof is about 1 KB. */
const TREE_ANSWERS_CACHED = 4096
/** Height halves kept: recent heights, each a header, a certificate and a validator set. */
const PROVEN_HEIGHTS_CACHED = 64
/** State root and time of recent committed heights (a header decode each otherwise). */
const HEIGHT_FACTS_CACHED = 256

interface TreeAnswer {
  value: Uint8Array | undefined
  /** The encoded sparse-Merkle proof, when a proof was asked for. */
  proof?: Uint8Array
}

/** What the API asks of a committed height on every call; immutable once committed. */
interface HeightFacts {
  stateRoot: Uint8Array
  timeMs: number
}

interface ProvenHeight {
  headerBytes: Uint8Array
  certificate?: Uint8Array
  validatorSet: Uint8Array
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
  readonly clock: Clock
  readonly random: RandomSource
  readonly consensusReactor: ConsensusReactor
  readonly mempoolReactor: MempoolReactor
  readonly blockSyncReactor: BlockSyncReactor
  apiUrl = ''
  p2pAddress = ''

  /** The chain's modules: those the genesis names, from the ones this node was given. */
  private readonly modules: ModuleRegistry
  private readonly params: ExecutionParams
  private readonly chain: NodeChain
  /** Whether the storage takes writes: one coded state instead of an error per message. */
  private readonly storage: StorageHealth
  private readonly reactors: readonly Reactor[]
  /** Which reactor receives each channel. */
  private readonly byChannel = new Map<number, Reactor>()
  private api: ApiServer | undefined
  private readonly subscribers = new Set<(e: ChainEvent) => void>()
  private stopped = false
  private certWatcher: FSWatcher | undefined
  /** Set when this home was restored from a backup and may not sign yet (signing-fence.ts). */
  private readonly signingFence: SigningFence | undefined
  private fenceTimer: TimerHandle | undefined
  private explorerIndex: ExplorerIndex | undefined
  /** The tree half of state answers, by state root, proof flag, module and key (see state()). */
  private readonly treeAnswers = new LRUCache<string, TreeAnswer>({ max: TREE_ANSWERS_CACHED })
  /** The height half of proven state answers, by height (see state()). */
  private readonly provenHeights = new LRUCache<number, ProvenHeight>({ max: PROVEN_HEIGHTS_CACHED })
  /** State root and time by committed height (see heightFacts()). */
  private readonly heightFactsCache = new LRUCache<number, HeightFacts>({ max: HEIGHT_FACTS_CACHED })

  constructor(private readonly opts: NodeOptions) {
    const { home } = opts
    this.genesis = home.genesis
    this.modules = new ModuleRegistry(chainModules(home.genesis, opts.modules))
    this.suite = getSuite(home.genesis.suite)
    this.chainId = home.genesis.chainId
    this.nodeId = home.config.nodeId
    this.clock = clockOf(opts)
    this.random = opts.random ?? systemRandom
    this.logger = opts.logger ?? createLogger({ name: this.nodeId, level: home.config.logLevel })
    this.metrics = new NodeMetrics({ labels: { node: this.nodeId } })
    this.metrics.setCertificates(certificateExpiries(home.tls.certPem, home.trustedCaPems), () => this.clock.nowMs())
    this.params = { ...DEFAULT_EXECUTION_PARAMS, maxTxValidityBlocks: home.genesis.params.maxTxValidityBlocks }
    this.signingFence = SigningFence.load(home.home)

    this.store =
      opts.store ??
      LmdbChainStore.open({
        path: LmdbChainStore.pathFor(home.home),
        onTransientAbort: (err, attempt) =>
          this.logger.warn({ err: String(err), attempt }, 'storage write aborted by lmdb-js; retrying it'),
      })
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
    this.storage = new StorageHealth({ logger: this.logger, metrics: this.metrics, clock: this.clock })
    const chain = new NodeChain({
      storage: this.storage,
      suite: this.suite,
      genesis: home.genesis,
      modules: this.modules,
      params: this.params,
      store: this.store,
      clock: this.clock,
      logger: this.logger,
      preverified: this.mempool.verified,
      // The block is stored: a restart resumes from it (crash-only), where a node carrying on with
      // a step undone would sit at this height for good.
      onListenerFault: (e) => this.fatal(e),
    })
    this.chain = chain
    this.p2p = opts.p2p ?? this.createTransport()
    chain.setPeerTrust(this.p2p)

    const common = { p2p: this.p2p, clock: this.clock, logger: this.logger }
    this.mempoolReactor = new MempoolReactor({
      ...common,
      mempool: this.mempool,
      store: this.store,
      metrics: this.metrics,
      storage: this.storage,
      onAdmitted: () => this.consensusReactor.onTxAdmitted(),
    })
    this.consensusReactor = new ConsensusReactor({
      ...common,
      chain,
      store: this.store,
      mempool: this.mempool,
      random: this.random,
      metrics: this.metrics,
      nodeId: this.nodeId,
      validatorKey: home.validatorKey,
      submitTx: (bytes) => this.submitTx(bytes),
      onFatal: (e) => this.fatal(e),
      ...(this.signingFence === undefined ? {} : { signingFence: this.signingFence }),
    })
    this.blockSyncReactor = new BlockSyncReactor({
      ...common,
      chain,
      random: this.random,
      consensus: this.consensusReactor,
      storage: this.storage,
    })
    // Peers hear of us in this order on connect: consensus state, pending transactions, then sync.
    this.reactors = [this.consensusReactor, this.mempoolReactor, this.blockSyncReactor]
    for (const r of this.reactors) for (const c of r.channels) this.byChannel.set(c, r)
    // After a commit, in this order: the pool drops the block's transactions (consensus reads its
    // size to choose the pause), events go out, peers hear our height, the next height is set.
    chain.onCommitted((c) => this.mempoolReactor.committed(c))
    chain.onCommitted((c) => this.afterCommit(c))
    chain.onCommitted((c) => this.blockSyncReactor.committed(c))
    chain.onCommitted((c) => this.consensusReactor.committed(c))
    // Pruning runs after a commit as a task of its own, never inside one (docs/adr/0033-pruning-and-archive.md).
    this.pruning = checkPruningConfig(home.config.pruning, home.genesis)
    if (this.pruning !== undefined) chain.onCommitted(() => this.schedulePrune())
  }

  private readonly pruning: PruningConfig | undefined
  private pruneScheduled = false

  private schedulePrune(): void {
    if (this.pruneScheduled || this.stopped || this.pruning === undefined) return
    this.pruneScheduled = true
    this.clock.setTimer(0, () => {
      this.pruneScheduled = false
      if (this.stopped || this.pruning === undefined) return
      try {
        const done = pruneNow(this.store, this.genesis, archiveDirOf(this.opts.home.home), this.pruning.keepHeights)
        if (done !== undefined) {
          this.logger.info({ from: done.from, below: done.below, archive: done.archive }, 'pruned: blocks archived')
        }
      } catch (e) {
        this.logger.error(
          { err: String(e), code: isGovchainError(e) ? e.code : undefined },
          'pruning failed; will retry',
        )
      }
    })
  }

  private createTransport(): P2P {
    const { home } = this.opts
    return createP2P(
      {
        chainId: this.chainId,
        nodeId: this.nodeId,
        listen: { host: home.config.p2p.host, port: this.opts.p2pPort ?? home.config.p2p.port },
        maxPendingInbound: home.config.p2p.maxPendingInbound,
        maxConnectionsPerAddress: home.config.p2p.maxConnectionsPerAddress,
        maxInboundConnections: home.config.p2p.maxInboundConnections,
        tls: { ...home.tls, trustedCAPems: home.trustedCaPems },
        signingKey: home.validatorKey,
        peers: home.config.peers,
        priorityChannels: PRIORITY_CHANNELS,
        channels: Object.values(CHANNEL),
        getLatestHeight: () => this.store.latestHeight(),
        // Only the nodes of the validators and observers of this height or the next (governance
        // registers them), with the key registered for them: a removed one's node is refused.
        isPeerAllowed: (peer) => this.chain.isRegisteredPeer(peer),
        // Registered validators keep their slots however many strangers connect (issue 13).
        isReservedPeer: (peer) => this.chain.isRegisteredValidator(peer),
      },
      {
        suite: this.suite,
        logger: this.logger,
        metrics: {
          increment: (name, labels) => {
            if (name === 'p2p_frames_in_total' || name === 'p2p_frames_out_total') {
              this.metrics.incP2pMessages(labels?.channel ?? 'any', name === 'p2p_frames_in_total' ? 'in' : 'out')
            }
            // Closes for a coded reason (a refusal or misbehaviour), not the routine ones.
            const reason = labels?.reason
            if (name === 'p2p_connections_closed_total' && reason !== undefined && /^(P2P|PKI)_/.test(reason))
              this.metrics.incP2pRefused(reason)
          },
        },
      },
    )
  }

  /** The validator set that signs `height` (genesis set before anything is committed). */
  validatorSetAt(height: number): ValidatorSet {
    return this.chain.validatorSetAt(height)
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<{ apiUrl: string; p2pAddress: string }> {
    this.chain.refreshTrust()
    const addr = await this.p2p.start()
    this.p2pAddress = `${addr.host}:${addr.port}`
    this.p2p.onMessage((peer, channel, payload) => this.onPeerMessage(peer, channel, payload))
    this.p2p.onPeerConnected((peer) => {
      this.metrics.setPeers(this.p2p.peers().length)
      for (const r of this.reactors) r.addPeer(peer)
    })
    this.p2p.onPeerDisconnected((peer) => {
      this.metrics.setPeers(this.p2p.peers().length)
      for (const r of this.reactors) r.removePeer(peer)
    })
    if (this.opts.api !== false) {
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
      this.apiUrl = (await this.api.listen()).url
    }
    const meta = this.store.meta()
    this.metrics.setHeight(meta?.height ?? 0)
    const verifier = this.verifierBackend()
    this.logger.info(
      {
        chainId: this.chainId,
        suite: this.suite.name,
        height: meta?.height ?? 0,
        validator: this.chain.vset.validators.some((v) =>
          equalBytes(v.publicKey, this.opts.home.validatorKey.publicKey),
        ),
        api: this.apiUrl,
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
    this.mempoolReactor.reloadJournal()
    this.chain.markProgress()
    this.consensusReactor.start()
    this.watchCertificate()
    this.watchSigningFence()
    return { apiUrl: this.apiUrl, p2pAddress: this.p2pAddress }
  }

  /**
   * Loads the home's TLS certificate and key again (after `govchain certs renew`, or on SIGHUP):
   * the transport presents the new certificate to new connections and the expiry metric follows.
   * A pair that does not load (half-written, foreign, mismatched) changes nothing and is reported.
   */
  reloadCertificate(): { ok: true; notAfterMs: number } | { ok: false; code: string; message: string } {
    const { home } = this.opts
    if (home.readTls === undefined) return { ok: false, code: 'INVALID_ARGUMENT', message: 'no home folder to read' }
    try {
      const tls = home.readTls()
      this.p2p.setOwnCertificate(tls.certPem, 'engineKey' in tls ? tls.engineKey : tls.keyPem)
      const expiries = certificateExpiries(tls.certPem, home.trustedCaPems)
      this.metrics.setCertificates(expiries, () => this.clock.nowMs())
      const notAfterMs = expiries.find((c) => c.cert === 'node-tls')?.notAfterMs ?? 0
      this.logger.info({ notAfterMs }, 'TLS certificate reloaded')
      return { ok: true, notAfterMs }
    } catch (e) {
      const code = isGovchainError(e) ? e.code : 'PKI_INVALID_CERTIFICATE'
      const message = e instanceof Error ? e.message : String(e)
      this.logger.warn({ code, err: message }, 'TLS certificate not reloaded; keeping the current one')
      return { ok: false, code, message }
    }
  }

  /** Reloads the certificate when keys/tls.crt changes (renewal without a restart); debounced. */
  private watchCertificate(): void {
    const { home } = this.opts
    if (home.readTls === undefined || this.opts.p2p !== undefined) return
    let timer: TimerHandle | undefined
    let last = ''
    try {
      last = readFileSync(join(home.home, 'keys', 'tls.crt'), 'utf8')
      this.certWatcher = watch(join(home.home, 'keys'), () => {
        this.clock.clearTimer(timer)
        timer = this.clock.setTimer(CERT_RELOAD_DEBOUNCE_MS, () => {
          if (this.stopped) return
          let now = ''
          try {
            now = readFileSync(join(home.home, 'keys', 'tls.crt'), 'utf8')
          } catch {
            return
          }
          if (now === last) return
          if (this.reloadCertificate().ok) last = now
        })
      })
      this.certWatcher.unref()
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'not watching the TLS certificate for renewal')
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.certWatcher?.close()
    // Consensus first (no more timeouts or proposals), then the mempool hands its last
    // admissions to the peers, then sync; the transport closes after the API drained.
    for (const r of this.reactors) r.stop()
    this.clock.clearTimer(this.fenceTimer)
    await this.api?.close()
    // No 202 can be sent any more: the whole pool to the peers, on the wire before p2p ends.
    await this.mempoolReactor.handOff(STOP_HAND_OFF_MS)
    await this.p2p.close()
    await this.store.close()
    this.logger.info({}, 'node stopped')
  }

  /** Until a restored home's fence resolves, looks every second whether the node has caught up. */
  private watchSigningFence(): void {
    const fence = this.signingFence
    if (fence === undefined || fence.state.state === 'resolved') return
    this.logger.warn(fence.state, 'restored from a backup: not signing until caught up with the peers')
    const look = (): void => {
      this.fenceTimer = undefined
      if (this.stopped) return
      const from = fence.observe(this.store.latestHeight(), this.blockSyncReactor.bestHeight(), this.p2p.peers().length)
      if (from !== undefined) this.logger.warn(fence.state, `signing fence resolved: signing again from height ${from}`)
      else this.fenceTimer = this.clock.setTimer(1000, look)
    }
    look()
  }

  private fatal(e: unknown): void {
    if (this.stopped) return
    this.logger.error(
      {
        code: isGovchainError(e) ? e.code : 'INTERNAL',
        err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e),
      },
      'fatal: stopping',
    )
    const onFatal = this.opts.onFatal
    this.stop().finally(() => onFatal?.(e))
  }

  /** Metrics, the log line and the API's events of a commit (the reactors do the rest). */
  private afterCommit(c: CommittedBlock): void {
    const { block, hash, execution, txHashes, synced } = c
    const height = block.header.height
    const ms = performance.now() - c.startedMs // metrics only: never reaches a decision
    this.metrics.observeBlockCommit(ms / 1000)
    this.metrics.setHeight(height)
    this.metrics.addCommittedTxs(txHashes.length)
    const mp = this.mempool.stats()
    this.metrics.setMempool(mp.count, mp.bytes)
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
        const e = apiTxEvent(ev)
        this.emit({ type: 'event', height, txHash: r.txHash, module: e.module, name: e.type, attributes: e.attributes })
      }
    }
  }

  /**
   * Routes a message to the reactor of its channel; a message that does not decode costs the peer
   * its connection. Any other failure is ours (a full disk, an I/O error: found by the chaos
   * suite, docs/reliability.md) and is logged as such, not charged to the peer that sent it.
   */
  private onPeerMessage(peer: string, channel: number, payload: Uint8Array): void {
    if (this.stopped) return
    try {
      this.byChannel.get(channel)?.receive(peer, channel, payload)
    } catch (e) {
      if (isGovchainError(e) && e.code.startsWith('DECODE_')) {
        this.logger.warn({ peer, channel, code: e.code, err: String(e) }, 'bad message')
        this.p2p.disconnect(peer, e.code)
      } else if (isUnwritable(e)) {
        // Said once by the storage state (storage-health.ts), not once per message.
        this.logger.debug({ peer, channel, code: e.code }, 'peer message not handled: storage refuses writes')
      } else {
        this.logger.error(
          { peer, channel, code: isGovchainError(e) ? e.code : 'INTERNAL', err: String(e) },
          'could not handle a peer message (local failure)',
        )
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
      latestTimeMs: () => this.heightFacts(this.store.latestHeight())?.timeMs ?? this.genesis.genesisTimeMs,
      state: (module, key, opts = {}) =>
        this.state(module, key, {
          prove: opts.prove ?? false,
          ...(opts.height !== undefined ? { height: opts.height } : {}),
        }),
      scanIndex: (prefix, limit, after) => this.store.scanIndex(prefix, limit, after),
      getIndex: (key) => this.store.getIndex(key),
      keeper: <K>(ref: ModuleRef<string, K> | string): K => {
        const module = moduleRefName(ref)
        // The latest height's root and time, kept per height: routes ask for keepers several times
        // per request, and the stored meta and header were read and decoded for each.
        const height = this.store.latestHeight()
        const facts = height === 0 ? undefined : this.heightFacts(height)
        return readonlyKeeper<K>({
          suite: this.suite,
          store: this.store,
          modules: this.modules,
          module,
          root: facts?.stateRoot ?? genesisStateRoot(),
          height,
          timeMs: facts?.timeMs ?? this.genesis.genesisTimeMs,
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
    const best = Math.max(committed, this.blockSyncReactor.bestHeight())
    const mp = this.mempool.stats()
    const blocked = this.blockSyncReactor.blocked()
    return {
      chainId: this.chainId,
      suite: this.suite.name,
      node: this.nodeId,
      height: committed,
      latestBlockHash: meta?.blockHash ?? new Uint8Array(32),
      stateRoot: meta?.stateRoot ?? new Uint8Array(32),
      validators: this.chain.vset.validators.map((v) => ({
        id: v.id,
        votingPower: v.votingPower,
        publicKey: v.publicKey,
      })),
      peers: this.p2p.peers().map((p) => ({ id: p.nodeId, address: `${p.remoteAddress}:${p.remotePort}` })),
      catchingUp: best > committed + 1,
      ...(blocked === undefined ? {} : { syncBlocked: blocked }),
      round: this.consensusReactor.round,
      mempool: { size: mp.count, bytes: mp.bytes },
    }
  }

  /** Heights below the store's base (a snapshot's, or pruning's) answer PRUNED, not "not found". */
  private checkNotPruned(height: number): void {
    const base = baseHeight(this.store)
    if (Number.isSafeInteger(height) && height >= 1 && height < base) {
      throw new GovchainError('PRUNED', `this node holds heights from ${base}; ask another node for ${height}`, {
        height,
        base,
      })
    }
  }

  block(height: number): BlockView | undefined {
    this.checkNotPruned(height)
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

  /** Admission (the mempool reactor): a 202 means the transaction survives a crash of this node. */
  submitTx(txBytes: Uint8Array): Promise<{ hash: Uint8Array }> {
    return this.mempoolReactor.submitTx(txBytes)
  }

  /** Batch admission (POST /v1/txs/batch), in order, journaled together. */
  submitTxs(txs: readonly Uint8Array[]): Promise<SubmitTxOutcome[]> {
    return this.mempoolReactor.submitTxs(txs)
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
        events: r.events.map(apiTxEvent),
      }
    }
    if (this.mempool.has(hash)) return { hash, status: 'pending', events: [] }
    return undefined
  }

  private explorer(): ExplorerIndex {
    this.explorerIndex ??= new ExplorerIndex(
      this.store,
      (b) => txHashOf(this.suite, b),
      () => baseHeight(this.store),
    )
    return this.explorerIndex
  }

  txList(q: { limit: number; cursor?: string; height?: number }): ExplorerTxPage {
    return this.explorer().txs(q)
  }

  chainStats(): ExplorerStats {
    return this.explorer().stats()
  }

  heightByHash(hash: Uint8Array): number | undefined {
    return this.store.getHeightByHash(hash)
  }

  /**
   * A module's key at a committed height (the latest by default), with its proof on request.
   * Both halves of an answer are immutable once committed and are cached (issue 19: proofs cached
   * per height): the tree half (value and proof) depends only on the state root and the key, so
   * it survives the empty blocks that keep the root; the height half (header, certificate,
   * validator set) only on the height. A licence verified many times is proven once per change.
   */
  state(module: string, key: Uint8Array, opts: { prove: boolean; height?: number }): StateView {
    if (opts.height !== undefined) this.checkNotPruned(opts.height)
    const height = opts.height ?? this.store.latestHeight()
    // The header is decoded at most once per call, and only when a cache misses.
    const facts = this.heightFacts(height)
    let header = facts?.header
    const root = facts?.stateRoot
    const treeKey = (r: Uint8Array) => `${toHex(r)}/${opts.prove ? 'p' : 'v'}/${module}/${toHex(key)}`
    let part = root === undefined ? undefined : this.treeAnswers.get(treeKey(root))
    if (part === undefined) {
      header ??= root === undefined ? undefined : this.store.getHeader(height)
      // Checks the module, key and height (coded errors) and reads the tree.
      const answer = queryState({
        suite: this.suite,
        store: this.store,
        modules: this.modules,
        module,
        key,
        prove: opts.prove,
        height,
        ...(header === undefined ? {} : { header }),
        certificate: false,
      })
      header = answer.header
      part =
        answer.proof === undefined
          ? { value: answer.value }
          : { value: answer.value, proof: codec.encode(SmtProofCodec, answer.proof) }
      this.treeAnswers.set(treeKey(answer.stateRoot), part)
    }
    const view: StateView = { module, key, value: part.value, height }
    if (opts.prove) {
      const at = this.provenHeight(height, header)
      if (part.proof !== undefined) view.proof = part.proof
      view.headerBytes = at.headerBytes
      if (at.certificate !== undefined) view.certificate = at.certificate
      view.validatorSet = at.validatorSet
    }
    return view
  }

  /**
   * State root and block time of a stored height, kept by height: a committed header never
   * changes (BFT finality; provenHeights relies on the same). `header` is set when this call
   * had to decode it, so the caller need not decode it again.
   */
  private heightFacts(height: number): (HeightFacts & { header?: BlockHeader }) | undefined {
    const cached = this.heightFactsCache.get(height)
    if (cached !== undefined) return cached
    const header = this.store.getHeader(height)
    if (header === undefined) return undefined
    this.heightFactsCache.set(height, { stateRoot: header.stateRoot, timeMs: header.timeMs })
    return { stateRoot: header.stateRoot, timeMs: header.timeMs, header }
  }

  /** What a light client needs to trust a height's state root; kept once its certificate is stored. */
  private provenHeight(height: number, decoded?: BlockHeader): ProvenHeight {
    const cached = this.provenHeights.get(height)
    if (cached !== undefined) return cached
    const header = decoded ?? this.store.getHeader(height)
    if (header === undefined) throw new GovchainError('QUERY_UNKNOWN_HEIGHT', `block ${height} is not stored`)
    const certificate = this.store.getCertificate(height)
    const at: ProvenHeight = {
      headerBytes: codec.encode(BlockHeader, header),
      validatorSet: codec.encode(ValidatorSet, this.validatorSetAt(height)),
      ...(certificate === undefined ? {} : { certificate: codec.encode(CommitCertificate, certificate) }),
    }
    if (certificate !== undefined) this.provenHeights.set(height, at)
    return at
  }

  validatorSet(): ValidatorSet {
    return this.chain.vset
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
    const refused = this.storage.failure
    if (refused !== undefined) {
      const seconds = Math.round((this.clock.monotonicMs() - refused.sinceMs) / 1000)
      return { ok: false, reason: `storage refuses writes for ${seconds} s: ${refused.reason}` }
    }
    const stalledMs = this.clock.monotonicMs() - this.chain.lastProgressMs
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
