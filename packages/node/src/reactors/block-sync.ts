/**
 * The block-sync reactor: a node that is behind fetches decided blocks with their commit
 * certificates from a peer, verifies and commits them (CHANNEL.syncRequest / syncResponse), and
 * serves its own blocks to others. Peers announce their height on CHANNEL.status; which peer is
 * asked is SyncPeers' choice (sync-peers.ts, docs/adr/0015-sync-peer-choice.md), on the injected
 * clock and random source.
 */

import { blockHash } from '@govchain/app'
import { type CommitCertificate, codec, verifyCommitFor } from '@govchain/core'
import type { P2P, PeerInfo } from '@govchain/p2p'
import { baseHeight } from '@govchain/store'
import type { CommittedBlock, NodeChain } from '../chain.ts'
import type { Clock, RandomSource, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'
import { isUnwritable, STORAGE_PROBE_MS, type StorageHealth } from '../storage-health.ts'
import { type SyncOutcome, SyncPeers, type SyncPeersOptions } from '../sync-peers.ts'
import {
  CHANNEL,
  StatusMessage,
  SYNC_BLOCKS_MAX,
  SYNC_RESPONSE_BYTES_MAX,
  SyncPruned,
  SyncRequest,
  SyncResponse,
} from '../wire.ts'
import type { Reactor } from './reactor.ts'

export const SYNC_REQUEST_TIMEOUT_MS = 5000

/** What block sync needs of consensus: where it is, and to hold its next height while a synced block commits. */
export interface ConsensusProgress {
  /** Height consensus is working on (committed + 1), or 0 before start. */
  readonly height: number
  holdNextHeight(): void
}

export interface BlockSyncReactorParts {
  chain: NodeChain
  p2p: Pick<P2P, 'send' | 'broadcast' | 'disconnect'>
  clock: Clock
  random: RandomSource
  logger: Logger
  consensus: ConsensusProgress
  syncPeers?: Partial<SyncPeersOptions>
  /** The node's storage state: while it refuses writes, a sync is a probe, at most one per STORAGE_PROBE_MS. */
  storage?: Pick<StorageHealth, 'failure'>
}

type SyncItem = { block: Uint8Array; certificate: CommitCertificate }

/**
 * Block sync cannot go on: every peer that is ahead holds blocks only from `base`, above the
 * `height` we need. Only a snapshot at or above `base - 1` gets this node further (ADR 0029).
 */
export interface SyncBlocked {
  code: 'PRUNED'
  height: number
  base: number
}

export class BlockSyncReactor implements Reactor {
  readonly name = 'blocksync'
  readonly channels = [CHANNEL.status, CHANNEL.syncRequest, CHANNEL.syncResponse, CHANNEL.syncPruned] as const
  /** Announced heights (hints) and scores of the peers sync may ask (sync-peers.ts). */
  private readonly syncPeers: SyncPeers
  private syncInFlight: { peer: string; fromHeight: number; timer: TimerHandle } | undefined
  /** Wakes sync when every peer announcing more is backing off. */
  private syncRetryTimer: TimerHandle | undefined
  private stopped = false
  private blockedBy: SyncBlocked | undefined
  /** Monotonic time before which no sync is asked for while the storage refuses writes. */
  private storageProbeAtMs = 0

  constructor(private readonly parts: BlockSyncReactorParts) {
    this.syncPeers = new SyncPeers(parts.syncPeers, parts.random)
  }

  /** The highest height a peer in good standing announced (status().catchingUp). */
  bestHeight(): number {
    return this.syncPeers.bestHeight()
  }

  /** Why block sync cannot go on, when no peer ahead holds the next height (status().syncBlocked). */
  blocked(): SyncBlocked | undefined {
    return this.blockedBy
  }

  addPeer(peer: PeerInfo): void {
    this.syncPeers.connected(peer.nodeId, peer.latestHeight, this.parts.clock.monotonicMs())
    this.maybeSync()
  }

  removePeer(peerId: string): void {
    this.syncPeers.disconnected(peerId, this.parts.clock.monotonicMs())
    if (this.syncInFlight?.peer === peerId) this.syncFailed('timeout', 'peer disconnected')
  }

  receive(peer: string, channel: number, payload: Uint8Array): void {
    if (this.stopped) return
    switch (channel) {
      case CHANNEL.status: {
        const { height } = codec.decode(StatusMessage, payload)
        this.syncPeers.announced(peer, height, this.parts.clock.monotonicMs())
        this.maybeSync()
        break
      }
      case CHANNEL.syncRequest:
        this.serveSync(peer, codec.decode(SyncRequest, payload))
        break
      case CHANNEL.syncResponse:
        this.onSyncResponse(peer, codec.decode(SyncResponse, payload))
        break
      case CHANNEL.syncPruned:
        this.onSyncPruned(peer, codec.decode(SyncPruned, payload).base)
        break
    }
  }

  /** Tells the peers our new height. */
  committed(c: CommittedBlock): void {
    this.parts.p2p.broadcast(CHANNEL.status, codec.encode(StatusMessage, { height: c.block.header.height }))
  }

  stop(): void {
    this.stopped = true
    if (this.syncInFlight) this.parts.clock.clearTimer(this.syncInFlight.timer)
    this.parts.clock.clearTimer(this.syncRetryTimer)
  }

  /**
   * Asks one peer for the blocks after ours, if a peer announces the height we are working on
   * (or beyond). Announced heights are hints: SyncPeers picks the peer in the best standing among
   * those announcing more, so a peer that claims much and delivers nothing is asked rarely, and
   * a request that fails moves on to the next peer at once (issue 13).
   */
  maybeSync(): void {
    if (this.syncInFlight !== undefined || this.stopped) return
    const { clock, chain } = this.parts
    const committed = chain.store.latestHeight()
    const fromHeight = committed + 1
    // A peer that committed the height we are working on (or beyond) can give it to us.
    const atLeast = Math.max(this.parts.consensus.height, fromHeight)
    const now = clock.monotonicMs()
    if (this.parts.storage?.failure !== undefined) {
      // Each sync would be refused at its commit: one try per STORAGE_PROBE_MS, not one per
      // status message, and the first that commits ends the storage state.
      if (now < this.storageProbeAtMs) {
        this.retryAt(this.storageProbeAtMs, now)
        return
      }
      this.storageProbeAtMs = now + STORAGE_PROBE_MS
    }
    const choice = this.syncPeers.pick(atLeast - 1, now)
    this.noteBlocked(fromHeight, choice === undefined ? this.syncPeers.prunedAbove(atLeast - 1) : undefined)
    if (choice === undefined) return
    if (!('peer' in choice)) {
      // Every candidate is backing off: look again when the first may be asked.
      this.retryAt(choice.retryAtMs, now)
      return
    }
    const peer = choice.peer
    this.syncPeers.asked(peer, now)
    const timer = clock.setTimer(SYNC_REQUEST_TIMEOUT_MS, () =>
      this.syncFailed('timeout', `no answer within ${SYNC_REQUEST_TIMEOUT_MS} ms`),
    )
    this.syncInFlight = { peer, fromHeight, timer }
    const sent = this.parts.p2p.send(
      peer,
      CHANNEL.syncRequest,
      codec.encode(SyncRequest, { fromHeight, count: SYNC_BLOCKS_MAX }),
    )
    // Not connected any more (or the queue dropped it): count it and try the next peer.
    if (!sent) this.syncFailed('timeout', 'request not sent')
  }

  /** Looks for a sync again at monotonic time `atMs` (replacing an earlier plan). */
  private retryAt(atMs: number, now: number): void {
    const { clock } = this.parts
    clock.clearTimer(this.syncRetryTimer)
    this.syncRetryTimer = clock.setTimer(Math.max(1, Math.ceil(atMs - now)), () => {
      this.syncRetryTimer = undefined
      this.maybeSync()
    })
  }

  /** Records (and says once) that only a snapshot gets this node past `height`; clears it otherwise. */
  private noteBlocked(height: number, base: number | undefined): void {
    if (base === undefined) {
      this.blockedBy = undefined
      return
    }
    if (this.blockedBy?.height === height && this.blockedBy.base === base) return
    this.blockedBy = { code: 'PRUNED', height, base }
    this.parts.logger.error(
      { height, base },
      'sync: every peer ahead holds blocks only from a later height; import a snapshot (govchain snapshot import) to go on',
    )
  }

  private endSync(): void {
    if (this.syncInFlight) this.parts.clock.clearTimer(this.syncInFlight.timer)
    this.syncInFlight = undefined
  }

  private outcome(peer: string, outcome: SyncOutcome): void {
    this.syncPeers.outcome(peer, outcome, this.parts.clock.monotonicMs(), this.parts.chain.store.latestHeight())
  }

  /** The request in flight failed: the peer loses standing and the next peer is asked at once. */
  private syncFailed(outcome: Exclude<SyncOutcome, 'delivered'>, detail: string): void {
    const req = this.syncInFlight
    if (req === undefined) return
    this.endSync()
    this.outcome(req.peer, outcome)
    this.parts.logger.warn(
      { peer: req.peer, outcome, detail, fromHeight: req.fromHeight, height: this.parts.chain.store.latestHeight() },
      'sync: request failed; asking another peer',
    )
    // From a timer or a handler: either way not inside another maybeSync.
    this.maybeSync()
  }

  private serveSync(peer: string, req: { fromHeight: number; count: number }): void {
    const store = this.parts.chain.store
    const base = baseHeight(store)
    if (req.fromHeight < base) {
      this.parts.p2p.send(peer, CHANNEL.syncPruned, codec.encode(SyncPruned, { base }))
      return
    }
    const out: SyncItem[] = []
    let bytes = 0
    const latest = store.latestHeight()
    for (let h = req.fromHeight; h <= latest && out.length < Math.min(req.count, SYNC_BLOCKS_MAX); h++) {
      const block = store.getBlockBytes(h)
      const certificate = store.getCertificate(h)
      if (block === undefined || certificate === undefined) break
      if (bytes + block.length > SYNC_RESPONSE_BYTES_MAX && out.length > 0) break
      bytes += block.length
      out.push({ block, certificate })
    }
    this.parts.p2p.send(peer, CHANNEL.syncResponse, codec.encode(SyncResponse, out))
  }

  /**
   * The peer we asked holds blocks only from `base`. Above what we asked, that is no fault: it is
   * not asked below its base again and the next peer is asked at once. At or below it, the answer
   * contradicts itself (it holds the height, yet would not send it) and counts as an empty one.
   */
  private onSyncPruned(peer: string, base: number): void {
    const req = this.syncInFlight
    if (req?.peer !== peer) return
    if (base <= req.fromHeight) {
      this.syncFailed('empty', `said it holds blocks from ${base}, yet sent none from ${req.fromHeight}`)
      return
    }
    this.endSync()
    this.syncPeers.pruned(peer, base)
    this.parts.logger.info(
      { peer, base, fromHeight: req.fromHeight },
      'sync: peer holds blocks only from a later height',
    )
    this.maybeSync()
  }

  private onSyncResponse(peer: string, items: SyncItem[]): void {
    const { chain, logger, p2p } = this.parts
    const req = this.syncInFlight
    // Unasked (or answered after its timeout): ignored, it proves nothing either way.
    if (req?.peer !== peer) return
    // Our chain moved since we asked (consensus committed meanwhile): a short or empty answer is
    // then not the peer's fault.
    const unmoved = chain.store.latestHeight() === req.fromHeight - 1
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
      const next = chain.store.latestHeight() + 1
      const block = chain.blockOf(item.block)
      if (block.header.height !== next) break
      const hash = blockHash(chain.suite, block.header)
      try {
        verifyCommitFor(chain.suite, chain.chainId, chain.vset, item.certificate, next, hash)
      } catch (e) {
        logger.warn({ peer, height: next, err: String(e) }, 'sync: certificate refused')
        this.outcome(peer, 'invalid')
        p2p.disconnect(peer, 'CERTIFICATE_INVALID')
        this.maybeSync()
        return
      }
      if (!chain.isValidBlock(next, item.block, false)) {
        this.outcome(peer, 'invalid')
        p2p.disconnect(peer, 'BLOCK_INVALID')
        this.maybeSync()
        return
      }
      this.parts.consensus.holdNextHeight()
      try {
        chain.commit(block, item.certificate, true, item.block)
      } catch (e) {
        // The storage refused it (its state said so once): the next probe tries again.
        if (!isUnwritable(e)) throw e
        break
      }
      applied++
    }
    const height = chain.store.latestHeight()
    if (applied > 0) {
      this.outcome(peer, 'delivered')
      logger.info({ peer, applied, height }, 'sync: applied blocks')
    } else if (unmoved) {
      this.outcome(peer, 'stale')
      logger.warn({ peer, fromHeight: req.fromHeight, height }, 'sync: answer does not start where asked')
    }
    this.maybeSync()
  }
}
