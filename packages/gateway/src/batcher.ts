/**
 * The provider gateway's receipt batcher (ADR 0036). Receipts are acknowledged once they are in
 * the journal (fsynced); the batcher then records them on chain in `sharing.receiptBatch`
 * transactions under their RFC 9162 root:
 *
 *   - a batch goes out when `batchMax` receipts are queued (≤ 1,000), when the next receipt would
 *     take the transaction past its size bound or the handler's index budget, or `intervalMs`
 *     after the oldest queued receipt, whichever comes first;
 *   - but a batch that is not full goes no sooner than `spacingMs` after the previous one went
 *     out. With little traffic the previous batch is long gone and a receipt goes out after
 *     `intervalMs`; under load the batches come every `spacingMs` and grow with the load, so the
 *     chain executes fewer of them (each costs every validator a transaction, its signature and
 *     usually a height of its own);
 *   - unless the traffic paused: when no receipt has joined the queue for `idleMs`, the batch has
 *     stopped growing and goes out (still no sooner than `intervalMs` after its oldest receipt),
 *     so the last receipts of a burst reach the citizens' trails without waiting out the spacing;
 *   - each batch in flight is followed until its transaction is committed: OK → its receipts
 *     leave the journal; refused → it is split in halves and each resubmitted, so one bad receipt
 *     cannot hold the others back, and a receipt refused on its own is marked in the journal (or
 *     forgotten, when the chain shows it recorded already); not committed within
 *     `commitTimeoutMs` (dropped from the mempool) → its receipts not recorded are queued again;
 *   - a submission the node refuses or cannot take puts the batch back at the front of the
 *     queue and retries later, with back-off;
 *   - `full()` is the back-pressure signal: the provider serves no new query while the receipts
 *     queued and in flight reach `queueMax`.
 *
 * All timing goes through the injected clock and timers (tests drive them by hand); nothing here
 * runs inside a state transition.
 */
import { errorCode } from '@govchain/client'
import { type CryptoSuite, codec, LIMITS } from '@govchain/core'
import {
  ReceiptBody,
  receiptBatchRoot,
  SHARING_LIMITS,
  SharingReceiptArgs,
  SharingReceiptBatchArgs,
} from '@govchain/sharing/schema'
import type { JournalEntry, ReceiptJournal } from './journal.ts'

/** What the batcher needs of the chain (NodeLink in the gateway; a fake in unit tests). */
export interface BatchChain {
  /** Signs and submits `sharing.receiptBatch`; resolves with the tx hash (hex) once the node admitted it. */
  submitBatch(args: Uint8Array): Promise<string>
  /** The result code once the transaction is committed; null while it is not (pending or unknown). */
  txResult(txHashHex: string): Promise<string | null>
  /** Whether the chain holds this receipt already. */
  receiptRecorded(receiptIdHex: string): Promise<boolean>
}

export interface BatcherClock {
  nowMs(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const SYSTEM_CLOCK: BatcherClock = {
  nowMs: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}

interface BatcherLogger {
  info(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
}

export interface BatcherOptions {
  providerOrg: string
  suite: Pick<CryptoSuite, 'hash'>
  journal: ReceiptJournal
  chain: BatchChain
  clock?: BatcherClock
  logger?: BatcherLogger
  batchMax: number
  intervalMs: number
  /** A batch that is not full goes no sooner than this after the previous one (absent: intervalMs). */
  spacingMs?: number
  /**
   * ... unless no receipt has joined it for this long: the traffic paused, the batch goes (absent:
   * no such rule, the spacing always holds).
   */
  idleMs?: number
  queueMax: number
  /** How often batches in flight are looked up. */
  pollMs?: number
  /** A batch not committed within this long is taken as dropped (its receipts not recorded are queued again). */
  commitTimeoutMs?: number
}

/** Encoded arguments a batch may take: the chain's bound less room for the envelope and signature. */
const BATCH_ARGS_BYTES_MAX = LIMITS.argsBytes - 4096

interface Queued {
  entry: JournalEntry
  /** Encoded bytes of the receipt in the batch's arguments. */
  bytes: number
  /** Index entries the handler writes for it (five and one per subject). */
  indexWrites: number
}

interface InFlight {
  items: Queued[]
  submittedAtMs: number
}

export interface BatcherStats {
  queued: number
  inFlight: number
  batchesSubmitted: number
  receiptsCommitted: number
  receiptsRejected: number
}

export class ReceiptBatcher {
  private readonly queue: Queued[] = []
  private readonly inFlight = new Map<string, InFlight>()
  private readonly clock: BatcherClock
  private readonly pollMs: number
  private readonly commitTimeoutMs: number
  private readonly spacingMs: number
  /** When the last batch went out (the batcher's clock); none yet: -Infinity. */
  private lastSentAtMs = Number.NEGATIVE_INFINITY
  /** When the queue last went from empty to not empty, and when a receipt last joined it. */
  private firstQueuedAtMs = 0
  private lastQueuedAtMs = 0
  private flushTimer: unknown
  private pollTimer: unknown
  private retryDelayMs = 0
  private submitting = 0
  private stopped = false
  private readonly work = new Set<Promise<unknown>>()
  readonly stats: BatcherStats = {
    queued: 0,
    inFlight: 0,
    batchesSubmitted: 0,
    receiptsCommitted: 0,
    receiptsRejected: 0,
  }

  constructor(private readonly o: BatcherOptions) {
    this.clock = o.clock ?? SYSTEM_CLOCK
    this.pollMs = o.pollMs ?? 250
    this.commitTimeoutMs = o.commitTimeoutMs ?? 120_000
    this.spacingMs = o.spacingMs ?? o.intervalMs
  }

  /** Receipts acknowledged and not yet seen committed (queued or in flight). */
  size(): number {
    let n = this.queue.length
    for (const f of this.inFlight.values()) n += f.items.length
    return n
  }

  /** Back-pressure: no new query is served while this holds. */
  full(): boolean {
    return this.size() >= this.o.queueMax
  }

  /**
   * Journals a receipt (fsynced when this resolves: the caller may acknowledge it then) and
   * queues it for the next batch.
   */
  async add(entry: JournalEntry): Promise<void> {
    await this.o.journal.append(entry)
    this.enqueue(entry)
  }

  /**
   * Journals a receipt just served, awaiting its countersignature (fsynced when this resolves: the
   * answer may leave then). Not queued: `add` with the countersigned or provider-only receipt
   * replaces it and queues it; if the process dies first, `resume` records it provider-only.
   */
  hold(entry: JournalEntry): Promise<void> {
    return this.o.journal.append(entry, true)
  }

  /**
   * After a restart: what the journal holds and the chain does not is queued again; what the
   * chain recorded already (the batch committed, the journal was not cleared) is forgotten.
   * Receipts served and awaiting a countersignature when the process died are recorded
   * provider-only: the consumer's acknowledgement went to the process that died, and failed.
   * Call before serving anything (it reads the journal synchronously first).
   */
  async resume(): Promise<number> {
    this.o.journal.release(this.o.journal.awaiting())
    const held = this.o.journal.pending()
    const recorded: string[] = []
    for (let i = 0; i < held.length; i += 16) {
      const part = held.slice(i, i + 16)
      const seen = await Promise.all(part.map((e) => this.o.chain.receiptRecorded(e.id)))
      part.forEach((e, j) => {
        if (seen[j]) recorded.push(e.id)
        else this.enqueue(e)
      })
    }
    this.o.journal.remove(recorded)
    return held.length - recorded.length
  }

  private enqueue(entry: JournalEntry): void {
    const bytes = codec.encode(SharingReceiptArgs, entry.args).length
    let subjects = 0
    try {
      subjects = codec.decode(ReceiptBody, entry.args.body).subjects.length
    } catch {
      subjects = 0
    }
    if (this.queue.length === 0) this.firstQueuedAtMs = this.clock.nowMs()
    this.lastQueuedAtMs = this.clock.nowMs()
    this.queue.push({ entry, bytes, indexWrites: 5 + subjects })
    this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    // A full batch goes now, unless the node just refused one: then after the back-off.
    const fullBatch = this.queue.length >= this.o.batchMax || this.nextBatchSize() < this.queue.length
    if (fullBatch && this.retryDelayMs === 0) {
      this.flush()
      return
    }
    if (this.flushTimer === undefined && this.queue.length > 0) {
      if (this.retryDelayMs > 0) {
        const spacing = this.lastSentAtMs + this.spacingMs - this.clock.nowMs()
        this.armFlush(Math.max(this.o.intervalMs, this.retryDelayMs, spacing))
      } else this.armFlush(this.dueAtMs() - this.clock.nowMs())
    }
  }

  /**
   * When a batch that is not full is due: `intervalMs` after its oldest receipt, and `spacingMs`
   * after the previous batch, or sooner when the queue has been idle for `idleMs`.
   */
  private dueAtMs(): number {
    const spaced = this.lastSentAtMs + this.spacingMs
    const idle = this.o.idleMs === undefined ? spaced : this.lastQueuedAtMs + this.o.idleMs
    return Math.max(this.firstQueuedAtMs + this.o.intervalMs, Math.min(spaced, idle))
  }

  /** The flush timer; when it fires early (receipts joined since, so not idle), it waits again. */
  private armFlush(ms: number): void {
    this.flushTimer = this.clock.setTimeout(
      () => {
        this.flushTimer = undefined
        const wait = this.retryDelayMs > 0 ? 0 : this.dueAtMs() - this.clock.nowMs()
        if (wait > 0 && this.queue.length > 0) this.armFlush(wait)
        else this.flush()
      },
      Math.max(0, ms),
    )
  }

  /** How many queued receipts the next batch takes: within batchMax, the size bound and the index budget. */
  private nextBatchSize(): number {
    let bytes = 64
    let writes = 0
    let n = 0
    for (const q of this.queue) {
      if (n >= this.o.batchMax) break
      if (bytes + q.bytes > BATCH_ARGS_BYTES_MAX || writes + q.indexWrites > SHARING_LIMITS.batchIndexWrites) break
      bytes += q.bytes
      writes += q.indexWrites
      n++
    }
    return Math.max(1, n)
  }

  /** Sends what is queued now, as as many batches as the bounds need. */
  flush(): void {
    if (this.flushTimer !== undefined) {
      this.clock.clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    if (this.queue.length > 0) this.lastSentAtMs = this.clock.nowMs()
    while (this.queue.length > 0) {
      const items = this.queue.splice(0, this.nextBatchSize())
      this.track(this.submit(items, true))
    }
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e) => this.o.logger?.warn({ err: String(e) }, 'receipt batcher task failed'))
    this.work.add(q)
    void q.finally(() => this.work.delete(q))
  }

  private async submit(items: Queued[], requeueOnFailure: boolean): Promise<void> {
    const receipts: SharingReceiptArgs[] = items.map((q) => q.entry.args)
    const args = codec.encode(SharingReceiptBatchArgs, {
      providerOrg: this.o.providerOrg,
      root: receiptBatchRoot(this.o.suite.hash, receipts),
      receipts,
    })
    this.submitting++
    let txHash: string
    try {
      txHash = await this.o.chain.submitBatch(args)
    } catch (e) {
      // Not admitted (node unreachable, mempool full, ...): back to the front, retried later.
      this.submitting--
      const code = errorCode(e) ?? 'INTERNAL'
      this.o.logger?.warn({ err: String(e), code, receipts: items.length }, 'receipt batch not admitted: retrying')
      if (requeueOnFailure) this.queue.unshift(...items)
      else this.queue.push(...items)
      this.retryDelayMs = Math.min(5_000, Math.max(this.o.intervalMs, this.retryDelayMs * 2))
      this.schedule()
      return
    }
    this.submitting--
    this.retryDelayMs = 0
    this.stats.batchesSubmitted++
    this.inFlight.set(txHash, { items, submittedAtMs: this.clock.nowMs() })
    this.o.logger?.info({ txHash, receipts: items.length }, 'receipt batch submitted')
    this.schedulePoll()
  }

  private schedulePoll(): void {
    if (this.pollTimer !== undefined || this.inFlight.size === 0) return
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = undefined
      this.track(this.poll())
    }, this.pollMs)
  }

  /** Looks up every batch in flight once. */
  async poll(): Promise<void> {
    for (const [txHash, f] of [...this.inFlight]) {
      let code: string | null
      try {
        code = await this.o.chain.txResult(txHash)
      } catch {
        continue
      }
      // Another look (stop() and the timer) may have settled it meanwhile.
      if (this.inFlight.get(txHash) !== f) continue
      if (code === null) {
        if (this.clock.nowMs() - f.submittedAtMs >= this.commitTimeoutMs) {
          this.inFlight.delete(txHash)
          await this.settleAlone(f.items, 'TX_TIMEOUT', false)
        }
        continue
      }
      this.inFlight.delete(txHash)
      if (code === 'OK') {
        this.o.journal.remove(f.items.map((q) => q.entry.id))
        this.stats.receiptsCommitted += f.items.length
        continue
      }
      this.o.logger?.warn({ txHash, code, receipts: f.items.length }, 'receipt batch refused: splitting it')
      if (f.items.length > 1) {
        const half = Math.ceil(f.items.length / 2)
        this.track(this.submit(f.items.slice(0, half), false))
        this.track(this.submit(f.items.slice(half), false))
      } else {
        await this.settleAlone(f.items, code, true)
      }
    }
    this.schedulePoll()
  }

  /**
   * Receipts whose batch was refused alone or never committed: those the chain holds are
   * forgotten; the others are marked refused (`reject`) or queued again.
   */
  private async settleAlone(items: Queued[], code: string, reject: boolean): Promise<void> {
    const recorded: string[] = []
    for (const q of items) {
      let seen = false
      try {
        seen = await this.o.chain.receiptRecorded(q.entry.id)
      } catch {
        seen = false
      }
      if (seen) recorded.push(q.entry.id)
      else if (reject) {
        this.o.journal.markRejected(q.entry.id, code)
        this.stats.receiptsRejected++
        this.o.logger?.warn({ receiptId: q.entry.id, code }, 'receipt refused by the chain: kept in the journal')
      } else this.queue.push(q)
    }
    this.o.journal.remove(recorded)
    this.stats.receiptsCommitted += recorded.length
    this.schedule()
  }

  /**
   * Stops: sends what is queued and waits, up to `timeoutMs`, for the batches in flight to
   * commit. Whatever is not seen committed stays in the journal for the next start.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.flush()
    const deadline = this.clock.nowMs() + timeoutMs
    while ((this.inFlight.size > 0 || this.submitting > 0) && this.clock.nowMs() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(this.pollMs, 100)))
      if (this.inFlight.size > 0) await this.poll()
    }
    this.stopped = true
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer)
    if (this.pollTimer !== undefined) this.clock.clearTimeout(this.pollTimer)
    this.flushTimer = undefined
    this.pollTimer = undefined
  }
}
