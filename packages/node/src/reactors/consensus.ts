/**
 * The consensus reactor: drives the pure Tendermint machine of @govchain/consensus. Proposals and
 * votes come in on their channels and go out as the machine's outputs say; its timeouts, the
 * pause before the next height and the periodic re-gossip run on the injected clock; a proposal's
 * block time is the injected clock's; an evidence transaction's nonce comes from the injected
 * random source. Decided blocks are committed through NodeChain.
 *
 *   p2p ──proposal/vote──▶ Consensus.handle ──outputs──▶ broadcast / timers / requestValue / decide
 */

import { blockHash, buildBlock, signTx } from '@govchain/app'
import {
  type Consensus,
  type ConsensusInput,
  type ConsensusOutput,
  createConsensus,
  LocalSigner,
  type Signer,
} from '@govchain/consensus'
import {
  Block,
  type CommitCertificate,
  codec,
  type EquivocationEvidence,
  equalBytes,
  isGovchainError,
  type KeySigner,
  Proposal,
  toHex,
  type ValidatorSet,
  Vote,
} from '@govchain/core'
import type { P2P, PeerInfo } from '@govchain/p2p'
import type { ChainStore } from '@govchain/store'
import type { CommittedBlock, NodeChain } from '../chain.ts'
import type { Clock, RandomSource, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'
import type { Mempool } from '../mempool/index.ts'
import type { NodeMetrics } from '../metrics.ts'
import { chainSignerStore } from '../signer-store.ts'
import { FencedSigner, type SigningFence } from '../signing-fence.ts'
import { isUnwritable, STORAGE_PROBE_MS } from '../storage-health.ts'
import { CHANNEL, ProposalMessage, StatusMessage, VoteMessage } from '../wire.ts'
import type { ConsensusProgress } from './block-sync.ts'
import type { Reactor } from './reactor.ts'

const GOSSIP_INTERVAL_MS = 1000
/** Blocks an evidence transaction stays valid at most. */
const EVIDENCE_VALIDITY_BLOCKS_MAX = 100

export interface ConsensusReactorParts {
  chain: NodeChain
  /** The signer's record (double-sign protection) lives beside the chain. */
  store: Pick<ChainStore, 'getRecord' | 'putRecordSync' | 'putRecordsSync' | 'latestHeight' | 'getCertificate'>
  p2p: Pick<P2P, 'send' | 'broadcast' | 'peers'>
  mempool: Pick<Mempool, 'reap' | 'removeCommitted' | 'stats'>
  clock: Clock
  random: RandomSource
  logger: Logger
  metrics: NodeMetrics
  nodeId: string
  /** This node's consensus key, wherever it lives (memory, keystore, PKCS#11 token). */
  validatorKey: KeySigner
  /** Admits a transaction of ours (equivocation evidence) as the API would. */
  submitTx: (bytes: Uint8Array) => Promise<{ hash: Uint8Array }>
  /** The machine could not go on safely (typically the signer could not persist): stop the node. */
  onFatal: (error: unknown) => void
  /** A restored home's signing fence (signing-fence.ts): signatures it does not allow are refused. */
  signingFence?: SigningFence
}

export class ConsensusReactor implements Reactor, ConsensusProgress {
  readonly name = 'consensus'
  readonly channels = [CHANNEL.proposal, CHANNEL.vote] as const
  private myIndex: number | undefined
  private consensus: Consensus
  private readonly timers = new Set<TimerHandle>()
  private gossipTimer: TimerHandle | undefined
  private nextHeightTimer: TimerHandle | undefined
  private waitingEmpty = false
  /** Height consensus is working on (committed + 1), or 0 before start. */
  private consensusHeight = 0
  private stopped = false

  constructor(private readonly parts: ConsensusReactorParts) {
    this.myIndex = this.indexIn(parts.chain.vset)
    this.consensus = this.makeConsensus()
  }

  get height(): number {
    return this.consensusHeight
  }

  /** The round the machine is in (status()). */
  get round(): number {
    return this.consensus.round ?? 0
  }

  /** Starts the height after the latest committed one, and the periodic re-gossip. */
  start(): void {
    this.startHeight(this.parts.store.latestHeight() + 1)
    const tick = (): void => {
      this.gossipTimer = this.parts.clock.setTimer(GOSSIP_INTERVAL_MS, tick)
      this.regossip()
    }
    this.gossipTimer = this.parts.clock.setTimer(GOSSIP_INTERVAL_MS, tick)
  }

  stop(): void {
    this.stopped = true
    const { clock } = this.parts
    for (const t of this.timers) clock.clearTimer(t)
    this.timers.clear()
    clock.clearTimer(this.gossipTimer)
    clock.clearTimer(this.nextHeightTimer)
  }

  addPeer(peer: PeerInfo): void {
    this.gossipTo([peer.nodeId], false)
  }

  removePeer(): void {}

  receive(_peer: string, channel: number, payload: Uint8Array): void {
    if (channel === CHANNEL.proposal) {
      const m = codec.decode(ProposalMessage, payload)
      this.step({ type: 'proposal', proposal: m.proposal, value: m.value })
    } else if (channel === CHANNEL.vote) {
      this.step({ type: 'vote', vote: codec.decode(VoteMessage, payload) })
    }
  }

  /** After any commit (decided here or synced): the next height, after the chain's pause. */
  committed(c: CommittedBlock): void {
    this.scheduleNextHeight(c.block.header.height + 1, c.synced)
  }

  /** Block sync is committing: the pending start of the next height would be for a stale height. */
  holdNextHeight(): void {
    this.parts.clock.clearTimer(this.nextHeightTimer)
  }

  /** A transaction arrived while we wait out an empty-block pause: start the next height sooner. */
  onTxAdmitted(): void {
    if (this.waitingEmpty && this.nextHeightTimer !== undefined) {
      this.waitingEmpty = false
      this.parts.clock.clearTimer(this.nextHeightTimer)
      const height = this.consensusHeight
      this.nextHeightTimer = this.parts.clock.setTimer(this.parts.chain.chainParams.blockIntervalMs, () =>
        this.startHeight(height),
      )
    }
  }

  /**
   * The consensus machine. It always holds the signer (a node may join the set later); it is
   * built anew, as an observer, when this node leaves the set (the machine keeps its index).
   */
  private makeConsensus(): Consensus {
    const { chain } = this.parts
    const p = chain.chainParams
    return createConsensus({
      chainId: chain.chainId,
      suite: chain.suite,
      validatorSet: chain.vset,
      ...(this.myIndex !== undefined ? { myIndex: this.myIndex } : {}),
      signer: this.makeSigner(),
      timeouts: {
        proposeMs: p.timeoutProposeMs,
        prevoteMs: p.timeoutPrevoteMs,
        precommitMs: p.timeoutPrecommitMs,
        deltaMs: p.timeoutDeltaMs,
      },
      valueId: (value) => {
        try {
          // blockOf: the block is decoded once per value (isValid and the decision share it);
          // decoding its thousands of transactions for the header's hash alone was waste.
          return blockHash(chain.suite, chain.blockOf(value).header)
        } catch {
          return null
        }
      },
      isValid: (height, value) => chain.isValidBlock(height, value),
    })
  }

  private makeSigner(): Signer {
    const local = new LocalSigner(this.parts.validatorKey, chainSignerStore(this.parts.store, this.parts.chain.suite))
    return this.parts.signingFence === undefined ? local : new FencedSigner(local, this.parts.signingFence)
  }

  private indexIn(set: ValidatorSet): number | undefined {
    const myKey = this.parts.validatorKey.publicKey
    const idx = set.validators.findIndex((v) => equalBytes(v.publicKey, myKey))
    return idx >= 0 ? idx : undefined
  }

  private startHeight(height: number): void {
    if (this.stopped) return
    const { chain, logger } = this.parts
    this.nextHeightTimer = undefined
    this.waitingEmpty = false
    this.consensusHeight = height
    chain.cache.clear()
    const me = this.indexIn(chain.vset)
    if (me === undefined && this.myIndex !== undefined) {
      // Left the set: the machine would keep signing with its old index; continue as an observer.
      this.myIndex = undefined
      this.consensus = this.makeConsensus()
      logger.warn({ height }, 'no longer a validator: following as an observer')
    } else if (me !== undefined && me !== this.myIndex) {
      logger.info({ height, index: me }, 'validating from this height')
    }
    this.myIndex = me
    this.step({ type: 'start', height, validatorSet: chain.vset, ...(me === undefined ? {} : { myIndex: me }) })
  }

  private scheduleNextHeight(height: number, immediately: boolean): void {
    const { clock, chain } = this.parts
    clock.clearTimer(this.nextHeightTimer)
    const p = chain.chainParams
    const empty = this.parts.mempool.stats().count === 0
    this.waitingEmpty = empty && !immediately
    const delay = immediately ? 0 : empty ? p.emptyBlockIntervalMs : p.blockIntervalMs
    this.consensusHeight = height
    this.nextHeightTimer = clock.setTimer(delay, () => this.startHeight(height))
  }

  /**
   * Feeds one input to the consensus machine. The machine itself never throws on bad input
   * (it drops it); an exception here means the node cannot go on safely — typically the
   * signer could not persist what it was about to sign — so the node stops rather than risk
   * acting on a half-applied step.
   */
  private step(input: ConsensusInput): void {
    if (this.stopped) return
    let outputs: ConsensusOutput[]
    try {
      outputs = this.consensus.handle(input)
    } catch (e) {
      this.parts.onFatal(e)
      return
    }
    this.run(outputs)
  }

  /** Executes consensus outputs. Re-entrant inputs (proposalValue) are fed back here. */
  private run(outputs: ConsensusOutput[]): void {
    const { p2p, clock } = this.parts
    for (const out of outputs) {
      if (this.stopped) return
      switch (out.type) {
        case 'broadcastProposal':
          p2p.broadcast(CHANNEL.proposal, codec.encode(ProposalMessage, { proposal: out.proposal, value: out.value }))
          break
        case 'broadcastVote':
          p2p.broadcast(CHANNEL.vote, codec.encode(VoteMessage, out.vote))
          break
        case 'scheduleTimeout': {
          const t = clock.setTimer(out.durationMs, () => {
            this.timers.delete(t)
            if (!this.stopped) {
              this.parts.metrics.setRound(out.round)
              this.step({ type: 'timeout', kind: out.kind, height: out.height, round: out.round })
            }
          })
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
          this.parts.logger.warn({ evidence: `duplicate-${out.evidence.kind}` }, 'equivocation detected')
          if (this.myIndex !== undefined) this.submitEvidence(out.evidence)
          break
      }
    }
  }

  private proposeBlock(height: number): Uint8Array | undefined {
    const { chain, store, mempool, clock } = this.parts
    const parent = chain.parentHeader(height)
    if (height > 1 && parent === undefined) return undefined
    const lastCommit = height > 1 ? store.getCertificate(height - 1) : undefined
    const p = chain.chainParams
    const minTime = parent === undefined ? chain.genesis.genesisTimeMs : parent.timeMs + 1
    try {
      const built = buildBlock({
        ...chain.chainContext(height),
        height,
        timeMs: Math.max(clock.nowMs(), minTime),
        ...(parent !== undefined ? { parent: { header: parent } } : {}),
        ...(lastCommit !== undefined ? { lastCommit } : {}),
        validatorSetHash: chain.validatorSetHash,
        nextValidatorSetHash: chain.nextValidatorSetHash,
        proposer: this.parts.nodeId,
        txs: mempool.reap(p.blockMaxBytes, p.blockMaxTxs),
        maxBlockBytes: p.blockMaxBytes,
      })
      if (built.dropped.length > 0) mempool.removeCommitted(built.dropped.map((d) => d.txHash))
      const value = codec.encode(Block, built.block)
      chain.rememberBlock(value, built.block)
      return value
    } catch (e) {
      this.parts.logger.error({ err: e, height }, 'could not build a block')
      return undefined
    }
  }

  private onDecide(height: number, value: Uint8Array, certificate: CommitCertificate): void {
    const { chain } = this.parts
    if (height !== chain.store.latestHeight() + 1) return
    try {
      chain.commit(chain.blockOf(value), certificate, false, value)
    } catch (e) {
      // The storage refused the block (its state said so once): this node stays at its last
      // stored height and signs nothing past it. Block sync brings the block from a peer once a
      // write succeeds; this node tries its own decision again as well, every STORAGE_PROBE_MS,
      // for when every validator's disk filled at once and no peer holds it. Anything else is a
      // fault of ours and goes up as before.
      if (!isUnwritable(e)) throw e
      const t = this.parts.clock.setTimer(STORAGE_PROBE_MS, () => {
        this.timers.delete(t)
        if (!this.stopped) this.onDecide(height, value, certificate)
      })
      this.timers.add(t)
    }
  }

  /** Equivocation seen by consensus goes on chain: the consensus source's evidence transaction, signed with our key. */
  private submitEvidence(evidence: EquivocationEvidence): void {
    const { chain, random, logger } = this.parts
    const source = chain.consensusAt()
    if (source === undefined) return
    const { module, method, args } = source.evidenceTx(evidence)
    const key = this.parts.validatorKey
    const { bytes } = signTx(
      chain.suite,
      {
        chainId: chain.chainId,
        sender: key.publicKey,
        nonce: random.int(Number.MAX_SAFE_INTEGER),
        validUntilHeight:
          chain.store.latestHeight() + Math.min(EVIDENCE_VALIDITY_BLOCKS_MAX, chain.params.maxTxValidityBlocks),
        module,
        method,
        args,
      },
      [key],
    )
    this.parts.submitTx(bytes).then(
      ({ hash }) => logger.warn({ tx: toHex(hash) }, 'equivocation evidence submitted'),
      (e) => logger.warn({ code: isGovchainError(e) ? e.code : 'UNKNOWN', err: String(e) }, 'evidence not submitted'),
    )
  }

  /**
   * Resend what this height has produced so far, when no block was committed for a while:
   * covers peers that were too far behind to keep the messages when they came.
   */
  private regossip(): void {
    if (this.stopped) return
    const { p2p, clock, chain } = this.parts
    this.parts.metrics.setPeers(p2p.peers().length)
    if (clock.monotonicMs() - chain.lastProgressMs < GOSSIP_INTERVAL_MS) return
    this.gossipTo(
      p2p.peers().map((p) => p.nodeId),
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
    const { chain, p2p } = this.parts
    const known = this.consensus.gossipMessages()
    const holders = new Set<string>()
    if (skipHeld) {
      for (const sv of known.votes) {
        const v = codec.decode(Vote, sv.vote)
        const id = chain.vset.validators[v.validatorIndex]?.id
        if (v.blockHash !== undefined && id !== undefined) holders.add(`${v.round}/${toHex(v.blockHash)}/${id}`)
      }
    }
    const proposals = known.proposals.map((p) => {
      const head = codec.decode(Proposal, p.proposal.proposal)
      let message: Uint8Array | undefined
      return {
        // Encoded on first need: at regossip every peer usually holds it, and it carries the whole block.
        message: () => {
          message ??= codec.encode(ProposalMessage, { proposal: p.proposal, value: p.value })
          return message
        },
        heldBy: (peer: string) =>
          skipHeld &&
          (chain.vset.validators[head.proposerIndex]?.id === peer ||
            holders.has(`${head.round}/${toHex(head.blockHash)}/${peer}`)),
      }
    })
    const votes = known.votes.map((v) => codec.encode(VoteMessage, v))
    const status = codec.encode(StatusMessage, { height: chain.store.latestHeight() })
    for (const peer of peers) {
      for (const p of proposals) if (!p.heldBy(peer)) p2p.send(peer, CHANNEL.proposal, p.message())
      for (const v of votes) p2p.send(peer, CHANNEL.vote, v)
      p2p.send(peer, CHANNEL.status, status)
    }
  }
}
