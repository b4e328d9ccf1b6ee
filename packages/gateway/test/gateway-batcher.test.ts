/**
 * The provider gateway's receipt journal and batcher (ADR 0036), with a hand-driven clock and a
 * chain stand-in (the multi-process sharing test runs them against real nodes): a batch goes
 * out at batchMax or after the interval (and the spacing since the previous one), with the RFC
 * 9162 root of its receipts; committed
 * receipts leave the journal; a refused batch is split until the bad receipt stands alone and
 * is marked; a submission the node refuses is retried; back-pressure; a batch never committed
 * is queued again; and after a crash the journal's receipts are resubmitted, except those the
 * chain holds already, and a receipt served but not yet countersigned when the process died is
 * recorded provider-only.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { codec, GovchainError, suites, toHex, utf8 } from '@govchain/core'
import { ReceiptBody, receiptBatchRoot, SharingReceiptArgs, SharingReceiptBatchArgs } from '@govchain/sharing/schema'
import Database from 'better-sqlite3'
import { type BatchChain, type BatcherClock, ReceiptBatcher } from '../src/batcher.ts'
import { type JournalEntry, ReceiptJournal } from '../src/journal.ts'

const suite = suites.intl

class ManualClock implements BatcherClock {
  now = 0
  private timers: { at: number; fn: () => void; id: number }[] = []
  private next = 0
  nowMs(): number {
    return this.now
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.next
    this.timers.push({ at: this.now + ms, fn, id })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle)
  }
  /** Moves time on, running the timers that fall due, each followed by the work it started. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
      if (due === undefined) break
      this.timers = this.timers.filter((t) => t !== due)
      this.now = due.at
      due.fn()
      await settle()
    }
    this.now = end
    await settle()
  }
}

/** Lets the journal's group commit and the batcher's promises run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
}

/** The chain as the batcher sees it: admits, commits (or refuses) and answers lookups. */
class FakeChain implements BatchChain {
  readonly batches: { txHash: string; receipts: string[]; rootOk: boolean }[] = []
  readonly recorded = new Set<string>()
  private readonly results = new Map<string, string>()
  /** The code a batch gets (undefined: OK). */
  refuse: (ids: string[]) => string | undefined = () => undefined
  failSubmits = 0
  /** Batches admitted now are dropped: never committed, no result. */
  drop = false

  async submitBatch(args: Uint8Array): Promise<string> {
    if (this.failSubmits > 0) {
      this.failSubmits--
      throw new GovchainError('NODE_UNREACHABLE', 'mempool full')
    }
    const a = codec.decode(SharingReceiptBatchArgs, args)
    const ids = a.receipts.map((r) => toHex(suite.hash(r.body)))
    const txHash = toHex(suite.hash(args))
    const rootOk = toHex(a.root) === toHex(receiptBatchRoot(suite.hash, a.receipts))
    this.batches.push({ txHash, receipts: ids, rootOk })
    if (this.drop) return txHash
    const code = this.refuse(ids) ?? (ids.some((id) => this.recorded.has(id)) ? 'SHARING_RECEIPT_EXISTS' : 'OK')
    if (code === 'OK') for (const id of ids) this.recorded.add(id)
    this.results.set(txHash, code)
    return txHash
  }
  async txResult(txHashHex: string): Promise<string | null> {
    return this.results.get(txHashHex) ?? null
  }
  async receiptRecorded(id: string): Promise<boolean> {
    return this.recorded.has(id)
  }
}

function entry(n: number, consumerSignature = true): JournalEntry {
  const body = codec.encode(ReceiptBody, {
    chainId: 'govchain-test',
    grantId: suite.hash(utf8('grant')),
    resourceId: 'police.household',
    resourceVersion: 1,
    consumerOrg: 'housing',
    providerOrg: 'police',
    consumerKey: new Uint8Array(32).fill(1),
    providerKey: new Uint8Array(32).fill(2),
    requestHash: suite.hash(utf8(`request ${n}`)),
    responseHash: suite.hash(utf8(`response ${n}`)),
    fields: ['name'],
    rows: 1,
    subjects: [suite.hash(utf8(`subject ${n}`))],
    servedAtMs: n,
  })
  const args: SharingReceiptArgs = {
    body,
    providerSignature: new Uint8Array(64).fill(3),
    ...(consumerSignature ? { consumerSignature: new Uint8Array(64).fill(4) } : {}),
  }
  return { id: toHex(suite.hash(body)), args }
}

describe('receipt journal and batcher', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  function make(
    opts: Partial<{
      batchMax: number
      intervalMs: number
      spacingMs: number
      idleMs: number
      queueMax: number
      dir: string
    }> = {},
  ) {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'govchain-batcher-'))
    if (opts.dir === undefined) dirs.push(dir)
    const journal = new ReceiptJournal(join(dir, 'receipts.sqlite'))
    const chain = new FakeChain()
    const clock = new ManualClock()
    const batcher = new ReceiptBatcher({
      providerOrg: 'police',
      suite,
      journal,
      chain,
      clock,
      batchMax: opts.batchMax ?? 3,
      intervalMs: opts.intervalMs ?? 1000,
      ...(opts.spacingMs === undefined ? {} : { spacingMs: opts.spacingMs }),
      ...(opts.idleMs === undefined ? {} : { idleMs: opts.idleMs }),
      queueMax: opts.queueMax ?? 100,
      pollMs: 100,
      commitTimeoutMs: 5000,
    })
    return { dir, journal, chain, clock, batcher }
  }

  it('a batch goes out at batchMax with the Merkle root of its receipts; committed receipts leave the journal', async () => {
    const { journal, chain, clock, batcher } = make({ batchMax: 3 })
    await Promise.all([entry(1), entry(2), entry(3, false)].map((e) => batcher.add(e)))
    await settle()
    assert.equal(chain.batches.length, 1)
    assert.equal(chain.batches[0]!.receipts.length, 3)
    assert.equal(chain.batches[0]!.rootOk, true)
    assert.equal(journal.count(), 3, 'held until seen committed')
    assert.equal(batcher.size(), 3)
    await clock.advance(100)
    assert.equal(journal.count(), 0)
    assert.equal(batcher.size(), 0)
    assert.equal(batcher.stats.receiptsCommitted, 3)
    journal.close()
  })

  it('fewer than batchMax go out after the interval, as one batch', async () => {
    const { journal, chain, clock, batcher } = make({ batchMax: 10, intervalMs: 1000 })
    await batcher.add(entry(1))
    await clock.advance(400)
    await batcher.add(entry(2))
    await clock.advance(599)
    assert.equal(chain.batches.length, 0, 'not before the interval')
    await clock.advance(1)
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [2],
    )
    await clock.advance(100)
    assert.equal(journal.count(), 0)
    journal.close()
  })

  it('a batch that is not full goes no sooner than spacingMs after the previous one; a full one does not wait', async () => {
    const { journal, chain, clock, batcher } = make({ batchMax: 4, intervalMs: 200, spacingMs: 1000 })
    await batcher.add(entry(1))
    await clock.advance(200)
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [1],
      'the first goes after the interval',
    )
    await batcher.add(entry(2))
    await clock.advance(300)
    await batcher.add(entry(3))
    await clock.advance(699)
    assert.equal(chain.batches.length, 1, 'past its interval, but within the spacing')
    await clock.advance(1)
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [1, 2],
      'together, spacingMs after the first',
    )
    // Four queued are a full batch: it goes at once, spacing or not.
    await Promise.all([4, 5, 6, 7].map((n) => batcher.add(entry(n))))
    await settle()
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [1, 2, 4],
    )
    // With the previous batch long gone, a receipt waits only its interval again.
    await clock.advance(5000)
    await batcher.add(entry(8))
    await clock.advance(200)
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [1, 2, 4, 1],
    )
    await clock.advance(100)
    assert.equal(journal.count(), 0)
    journal.close()
  })

  it('when receipts stop joining for idleMs, a batch goes without waiting out the spacing', async () => {
    const { journal, chain, clock, batcher } = make({ batchMax: 100, intervalMs: 200, spacingMs: 1000, idleMs: 250 })
    await batcher.add(entry(1))
    await clock.advance(200)
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [1],
    )
    // A steady stream (one every 100 ms) keeps the batch growing: the spacing holds.
    let n = 2
    for (let t = 0; t < 900; t += 100) {
      await batcher.add(entry(n++))
      await clock.advance(100)
    }
    assert.equal(chain.batches.length, 1, 'receipts keep joining: no batch within the spacing')
    await batcher.add(entry(n++))
    await clock.advance(100)
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [1, 10],
      'spacingMs after the first, as without the rule',
    )
    // A burst, then silence: the batch goes idleMs after its last receipt, not spacingMs after
    // the previous batch.
    await clock.advance(50)
    await batcher.add(entry(n++))
    await clock.advance(50)
    await batcher.add(entry(n++))
    await clock.advance(249)
    assert.equal(chain.batches.length, 2, 'not before idleMs of silence')
    await clock.advance(1)
    assert.deepEqual(
      chain.batches.map((b) => b.receipts.length),
      [1, 10, 2],
    )
    // Idle but younger than intervalMs: the interval still holds.
    await clock.advance(5000)
    const quick = make({ batchMax: 100, intervalMs: 400, spacingMs: 1000, idleMs: 100 })
    await quick.batcher.add(entry(1))
    await quick.clock.advance(399)
    assert.equal(quick.chain.batches.length, 0, 'idle, but the interval has not passed')
    await quick.clock.advance(1)
    assert.equal(quick.chain.batches.length, 1)
    await quick.clock.advance(100)
    quick.journal.close()
    await clock.advance(100)
    assert.equal(journal.count(), 0)
    journal.close()
  })

  it('a refused batch is split until the bad receipt stands alone; it is kept marked, the others recorded', async () => {
    const { journal, chain, clock, batcher } = make({ batchMax: 8 })
    const bad = entry(5)
    chain.refuse = (ids) => (ids.includes(bad.id) ? 'SHARING_BAD_RECEIPT' : undefined)
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => batcher.add(n === 5 ? bad : entry(n))))
    for (let i = 0; i < 10; i++) await clock.advance(100)
    assert.equal(batcher.size(), 0)
    assert.equal(batcher.stats.receiptsCommitted, 7)
    assert.equal(batcher.stats.receiptsRejected, 1)
    assert.equal(chain.recorded.size, 7)
    assert.equal(journal.count(), 1, 'the refused receipt stays in the journal')
    assert.deepEqual(journal.pending(), [], '... marked, never resubmitted')
    assert.ok(chain.batches.some((b) => b.receipts.length === 1 && b.receipts[0] === bad.id))
    journal.close()
  })

  it('a submission the node refuses is retried; back-pressure holds while receipts wait', async () => {
    const { journal, chain, clock, batcher } = make({ batchMax: 2, queueMax: 2 })
    chain.failSubmits = 2
    await Promise.all([entry(1), entry(2)].map((e) => batcher.add(e)))
    await settle()
    assert.equal(chain.batches.length, 0)
    assert.equal(batcher.full(), true, 'no new query is served')
    await clock.advance(1000)
    await clock.advance(2000)
    assert.equal(chain.batches.length, 1, 'admitted on the third try')
    await clock.advance(100)
    assert.equal(batcher.full(), false)
    assert.equal(journal.count(), 0)
    journal.close()
  })

  it('a batch never committed (dropped from the mempool) is queued again', async () => {
    const { journal, chain, clock, batcher } = make({ batchMax: 2 })
    chain.drop = true
    await Promise.all([entry(1), entry(2)].map((e) => batcher.add(e)))
    await settle()
    assert.equal(chain.batches.length, 1)
    chain.drop = false
    await clock.advance(4900)
    assert.equal(chain.batches.length, 1, 'still waiting for its commit')
    await clock.advance(1200)
    assert.equal(chain.batches.length, 2, 'resubmitted after commitTimeoutMs')
    await clock.advance(100)
    assert.equal(chain.recorded.size, 2)
    assert.equal(journal.count(), 0)
    journal.close()
  })

  it('after a crash the journal is resubmitted, except receipts the chain holds already', async () => {
    const first = make({ batchMax: 10, intervalMs: 60_000 })
    await Promise.all([entry(1), entry(2), entry(3)].map((e) => first.batcher.add(e)))
    // Acknowledged (journaled) and then the process dies before any batch went out.
    first.journal.close()
    const again = make({ batchMax: 10, intervalMs: 100, dir: first.dir })
    dirs.push(first.dir)
    again.chain.recorded.add(entry(2).id)
    assert.equal(await again.batcher.resume(), 2)
    await again.clock.advance(100)
    assert.deepEqual(
      again.chain.batches.map((b) => b.receipts.sort()),
      [[entry(1).id, entry(3).id].sort()],
    )
    await again.clock.advance(100)
    assert.equal(again.journal.count(), 0)
    again.journal.close()
  })

  it('a receipt served and not yet countersigned survives a crash: the restart records it provider-only', async () => {
    const first = make({ batchMax: 10, intervalMs: 60_000 })
    const served = entry(1, false)
    const countersigned = entry(2)
    const { consumerSignature: _, ...servedArgs2 } = countersigned.args
    // Both served (journaled before their answers left); the second then countersigned.
    await first.batcher.hold(served)
    await first.batcher.hold({ id: countersigned.id, args: servedArgs2 })
    await first.batcher.add(countersigned)
    // Holding again never replaces a complete receipt.
    await first.batcher.hold({ id: countersigned.id, args: servedArgs2 })
    assert.deepEqual(first.journal.awaiting(), [served.id])
    assert.deepEqual(
      first.journal.pending().map((e) => e.id),
      [countersigned.id],
      'an awaiting receipt is not batched: its countersignature may still come',
    )
    assert.equal(first.batcher.size(), 1)
    // The process dies here: no close, no expiry timer, the countersignature never arrives.
    const again = make({ batchMax: 10, intervalMs: 100, dir: first.dir })
    dirs.push(first.dir)
    assert.equal(await again.batcher.resume(), 2)
    assert.deepEqual(again.journal.awaiting(), [])
    const held = new Map(again.journal.pending().map((e) => [e.id, e.args]))
    assert.equal(held.get(served.id)?.consumerSignature, undefined, 'recorded provider-only')
    assert.deepEqual(held.get(served.id)?.body, served.args.body)
    assert.deepEqual(held.get(countersigned.id)?.consumerSignature, countersigned.args.consumerSignature)
    await again.clock.advance(100)
    assert.deepEqual(
      again.chain.batches.map((b) => b.receipts.sort()),
      [[served.id, countersigned.id].sort()],
    )
    await again.clock.advance(100)
    assert.equal(again.journal.count(), 0)
    again.journal.close()
    first.journal.close()
  })

  it('a journal written before awaiting rows existed opens, its receipts all complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govchain-batcher-'))
    dirs.push(dir)
    const old = new Database(join(dir, 'receipts.sqlite'))
    old.exec(
      'CREATE TABLE receipts (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, args BLOB NOT NULL, rejected TEXT)',
    )
    const e = entry(7)
    old
      .prepare('INSERT INTO receipts (id, args) VALUES (?, ?)')
      .run(e.id, Buffer.from(codec.encode(SharingReceiptArgs, e.args)))
    old.close()
    const { journal, batcher } = make({ dir })
    assert.equal(await batcher.resume(), 1)
    assert.deepEqual(journal.awaiting(), [])
    journal.close()
  })
})
