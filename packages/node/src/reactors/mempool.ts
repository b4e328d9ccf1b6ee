/**
 * The mempool reactor: admission (API and gossip) into the pool, the journal that makes an
 * admitted transaction survive a crash, and transaction gossip on CHANNEL.txs. After each
 * commit it removes the block's transactions and rechecks the rest.
 */

import { codec, GovchainError, isGovchainError } from '@govchain/core'
import type { P2P, PeerInfo } from '@govchain/p2p'
import { type ChainStore, PENDING_SCAN_MAX, type PendingTx } from '@govchain/store'
import type { SubmitTxOutcome } from '../api/backend.ts'
import type { CommittedBlock } from '../chain.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'
import type { Mempool } from '../mempool/index.ts'
import type { NodeMetrics } from '../metrics.ts'
import { type StorageWrites, UNWATCHED_STORAGE } from '../storage-health.ts'
import { CHANNEL, TxsMessage } from '../wire.ts'
import type { Reactor } from './reactor.ts'

const TX_GOSSIP_FLUSH_MS = 5
const TX_GOSSIP_BATCH_MAX = 512
/** What the send queue may count for a message beyond its payload (a margin: the frame header is 5 bytes). */
const HAND_OFF_FRAME_OVERHEAD = 64

export interface MempoolReactorParts {
  mempool: Mempool
  store: Pick<ChainStore, 'putPending' | 'scanPending' | 'deletePending'>
  p2p: Pick<P2P, 'send' | 'broadcast' | 'peers' | 'flush' | 'sendQueueBytesMax'>
  clock: Clock
  logger: Logger
  metrics: NodeMetrics
  /** A transaction entered the pool (consensus may start the next height sooner). */
  onAdmitted: () => void
  /** The node's storage state: admission waits for a disk that takes writes. */
  storage?: StorageWrites
}

/** Refusals answered as they are: the node stopping, or its storage refusing writes (both 503, coded). */
function passedOn(e: unknown): e is GovchainError {
  return isGovchainError(e) && (e.code === 'NODE_STOPPING' || e.code === 'STORE_UNWRITABLE')
}

export class MempoolReactor implements Reactor {
  readonly name = 'mempool'
  readonly channels = [CHANNEL.txs] as const
  private journalBatch: PendingTx[] = []
  private journalWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = []
  /**
   * Groups the admissions of one turn of the event loop into one store write. setImmediate is
   * scheduling, not time: it decides nothing about what is admitted or when a block is made.
   */
  private journalTimer: ReturnType<typeof setImmediate> | undefined
  private txGossip: Uint8Array[] = []
  private txGossipTimer: TimerHandle | undefined
  private stopped = false
  private readonly storage: StorageWrites

  constructor(private readonly parts: MempoolReactorParts) {
    this.storage = parts.storage ?? UNWATCHED_STORAGE
  }

  addPeer(peer: PeerInfo): void {
    this.sendMempoolTo(peer.nodeId)
  }

  removePeer(): void {}

  receive(_peer: string, _channel: number, payload: Uint8Array): void {
    for (const tx of codec.decode(TxsMessage, payload)) {
      try {
        this.parts.mempool.add(tx)
        this.parts.onAdmitted()
      } catch {
        // Duplicates and stale transactions are normal in gossip.
      }
    }
  }

  /**
   * The block's transactions leave the pool; what the new state made invalid leaves the journal
   * too. The block is stored by now: a journal the disk refuses to clean throws STORE_UNWRITABLE
   * after entering the storage state, and NodeChain's listener runner takes that as no fault
   * (the other listeners, the next height among them, still run). The stale entries stay in the
   * journal, where the next reload drops them (they no longer validate).
   */
  committed(c: CommittedBlock): void {
    const { mempool, store } = this.parts
    mempool.removeCommitted(c.txHashes)
    const stale = mempool.recheck()
    if (stale.length === 0) return
    this.storage.write(() => store.deletePending(stale))
  }

  stop(): void {
    if (this.stopped) return
    // This turn's admissions are written (the store closes last) and answered 202 while the API
    // drains; an admission after this point is refused with NODE_STOPPING (503: the client sends
    // it to another node), never taken into a pool that is about to leave.
    if (this.journalTimer) clearImmediate(this.journalTimer)
    this.flushJournal()
    this.stopped = true
    // Hand what we admitted to the peers before leaving: a node that leaves for good must not
    // take accepted transactions with it.
    this.flushTxGossip(true)
  }

  /**
   * The last step of a graceful stop, after the API has drained (no 202 can be sent any more) and
   * before the transport closes: the WHOLE pool goes to every connected peer, not only what was
   * still unsent, within the room left in its send queue, and the transport is given up to
   * timeoutMs to write it out. A 202 means the transaction is in our journal; a node leaving for
   * good takes its journal with it, so each must be in a peer's hands before the sockets end.
   * A peer that had it already (or lost it in its own crash and restart) dedupes by hash.
   */
  async handOff(timeoutMs: number): Promise<void> {
    const { mempool, p2p } = this.parts
    const all = mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    const batches: Uint8Array[] = []
    for (let i = 0; i < all.length; i += TX_GOSSIP_BATCH_MAX) {
      batches.push(codec.encode(TxsMessage, all.slice(i, i + TX_GOSSIP_BATCH_MAX)))
    }
    for (const peer of p2p.peers()) {
      let room = p2p.sendQueueBytesMax - peer.sendQueueBytes
      for (const payload of batches) {
        // Within the bound only: past it the queue would drop its oldest messages, ours included.
        if (payload.length + HAND_OFF_FRAME_OVERHEAD > room) break
        if (!p2p.send(peer.nodeId, CHANNEL.txs, payload)) break
        room -= payload.length + HAND_OFF_FRAME_OVERHEAD
      }
    }
    const flushed = await p2p.flush(timeoutMs)
    if (!flushed)
      this.parts.logger.warn({ timeoutMs, txs: all.length }, 'mempool hand-off: not all written before stop')
    else if (all.length > 0) this.parts.logger.info({ txs: all.length }, 'mempool handed to the peers before stop')
  }

  /**
   * Admission: validate into the mempool, then make it durable in the journal (grouped with
   * every other admission of this turn of the event loop: one store transaction, one fsync),
   * then gossip and answer. A 202 therefore means the transaction survives a crash of this node.
   */
  async submitTx(txBytes: Uint8Array): Promise<{ hash: Uint8Array }> {
    // A refusal is counted once, by the API route that answers it (govchain_txs_rejected_total).
    if (this.stopped) throw new GovchainError('NODE_STOPPING')
    const refused = this.storage.refusal()
    if (refused !== undefined) throw refused
    const txHash = this.parts.mempool.add(txBytes).txHash
    try {
      await this.journal([{ txHash, bytes: txBytes }])
    } catch (e) {
      this.parts.mempool.removeCommitted([txHash])
      if (passedOn(e)) throw e
      this.parts.logger.error({ err: String(e) }, 'mempool journal write failed')
      throw new GovchainError('INTERNAL', 'could not persist the transaction')
    }
    this.afterDurable([txBytes])
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
    if (this.stopped) return txs.map(() => ({ error: new GovchainError('NODE_STOPPING') }))
    const refused = this.storage.refusal()
    if (refused !== undefined) return txs.map(() => ({ error: refused }))
    for (const bytes of txs) {
      try {
        const { txHash } = this.parts.mempool.add(bytes)
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
      this.parts.mempool.removeCommitted(admitted.map((t) => t.txHash))
      const coded = passedOn(e)
      if (!coded) this.parts.logger.error({ err: String(e) }, 'mempool journal write failed')
      const error = coded ? e : new GovchainError('INTERNAL', 'could not persist the transaction')
      return outcomes.map((o) => ('hash' in o ? { error } : o))
    }
    this.afterDurable(admitted.map((t) => t.bytes))
    return outcomes
  }

  /**
   * What follows a durable admission: gossip, the consensus hint, metrics. The answer stays 202
   * whatever happens here: the transaction is in the pool and the journal, so a failure is this
   * node's own, logged with its code, and never turns an accepted transaction into an error the
   * client would retry (and then be told TX_DUPLICATE). This node still proposes it, and peers
   * get it with the whole pool when they next connect.
   */
  private afterDurable(txs: readonly Uint8Array[]): void {
    try {
      for (const t of txs) this.gossipTx(t)
      this.parts.onAdmitted()
      this.updateMetrics()
    } catch (e) {
      this.parts.logger.error(
        { code: isGovchainError(e) ? e.code : 'INTERNAL', err: String(e), txs: txs.length },
        'a step after a durable admission failed (the transactions are admitted)',
      )
    }
  }

  /** After a restart: re-admit what the journal holds; drop what is committed or no longer valid. */
  reloadJournal(): void {
    const entries = this.parts.store.scanPending(PENDING_SCAN_MAX)
    const stale: Uint8Array[] = []
    let readmitted = 0
    for (const e of entries) {
      try {
        this.parts.mempool.add(e.bytes)
        // Peers that connected before this reload got an empty pool from sendMempoolTo: without
        // this, a transaction accepted just before a crash would wait for this node's own turn
        // to propose.
        this.gossipTx(e.bytes)
        readmitted++
      } catch {
        stale.push(e.txHash)
      }
    }
    this.parts.store.deletePending(stale)
    if (entries.length > 0) {
      this.parts.logger.info({ readmitted, dropped: stale.length }, 'mempool journal reloaded')
    }
  }

  private updateMetrics(): void {
    const s = this.parts.mempool.stats()
    this.parts.metrics.setMempool(s.count, s.bytes)
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
      if (this.stopped) throw new GovchainError('NODE_STOPPING')
      written = this.storage.writeAsync(this.parts.store.putPending(batch))
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

  /** A (re)connected peer gets our whole pending set: nothing admitted here waits on us alone. */
  private sendMempoolTo(peer: string): void {
    const all = this.parts.mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    for (let i = 0; i < all.length; i += TX_GOSSIP_BATCH_MAX) {
      this.parts.p2p.send(peer, CHANNEL.txs, codec.encode(TxsMessage, all.slice(i, i + TX_GOSSIP_BATCH_MAX)))
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
      this.txGossipTimer = this.parts.clock.setTimer(TX_GOSSIP_FLUSH_MS, () => this.flushTxGossip())
    }
  }

  private flushTxGossip(evenIfStopping = false): void {
    this.parts.clock.clearTimer(this.txGossipTimer)
    this.txGossipTimer = undefined
    const batch = this.txGossip
    this.txGossip = []
    if (batch.length > 0 && (!this.stopped || evenIfStopping)) {
      for (let i = 0; i < batch.length; i += TX_GOSSIP_BATCH_MAX) {
        this.parts.p2p.broadcast(CHANNEL.txs, codec.encode(TxsMessage, batch.slice(i, i + TX_GOSSIP_BATCH_MAX)))
      }
    }
  }
}
