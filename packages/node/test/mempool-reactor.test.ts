/**
 * The mempool reactor's journal, with a fake transport and store.
 *
 * A node stopping for good hands its whole pool to its peers: every transaction it answered 202
 * (it is in this node's journal, which leaves with it) must be in a peer's hands before the
 * sockets end, even one whose earlier gossip the peer lost (a peer killed and restarted keeps
 * gossiped transactions in memory only).
 *
 * After a commit, the journal's stale entries are deleted; a disk that refuses that small write
 * must not fail the commit's other listeners.
 *
 * Once a transaction is in the journal it is admitted: no later step of the admission may turn
 * the 202 into an error.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { codec, GovchainError, suites, toHex } from '@govchain/core'
import { anchorTx, CHAIN_ID, fixtureSenderState, signer, testRegistry } from '@govchain/distribution/testkit'
import type { P2P, PeerInfo } from '@govchain/p2p'
import { ManualClock } from '../src/clock.ts'
import { Mempool } from '../src/mempool/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { MempoolReactor } from '../src/reactors/mempool.ts'
import { StorageHealth, type StorageWrites } from '../src/storage-health.ts'
import { memoryLogger } from '../src/testing/fake-backend.ts'
import { CHANNEL, TxsMessage } from '../src/wire.ts'

const suite = suites.intl
const alice = signer(suite)
const bob = signer(suite)

type Step =
  | { kind: 'send'; to: string; txs: Uint8Array[] }
  | { kind: 'broadcast'; txs: Uint8Array[] }
  | { kind: 'flush' }

/** A transport that records what it is asked to send, in order; every peer has `queued` bytes waiting. */
function fakeP2P(peerIds: string[], queued: Record<string, number> = {}, sendQueueBytesMax = 64 * 1024 * 1024) {
  const steps: Step[] = []
  const flushTimeouts: number[] = []
  const peer = (nodeId: string): PeerInfo => ({
    nodeId,
    orgId: nodeId,
    publicKey: new Uint8Array(32),
    latestHeight: 0,
    direction: 'outbound',
    remoteAddress: 'memory',
    remotePort: 0,
    sendQueueBytes: queued[nodeId] ?? 0,
  })
  const p2p: Pick<P2P, 'send' | 'broadcast' | 'peers' | 'flush' | 'sendQueueBytesMax'> = {
    send: (to, channel, payload) => {
      assert.equal(channel, CHANNEL.txs)
      steps.push({ kind: 'send', to, txs: codec.decode(TxsMessage, payload) })
      return true
    },
    broadcast: (channel, payload) => {
      assert.equal(channel, CHANNEL.txs)
      steps.push({ kind: 'broadcast', txs: codec.decode(TxsMessage, payload) })
      return peerIds.length
    },
    peers: () => peerIds.map(peer),
    sendQueueBytesMax,
    flush: async (timeoutMs) => {
      flushTimeouts.push(timeoutMs)
      steps.push({ kind: 'flush' })
      return true
    },
  }
  return { p2p, steps, flushTimeouts }
}

function reactor(
  p2p: Pick<P2P, 'send' | 'broadcast' | 'peers' | 'flush' | 'sendQueueBytesMax'>,
  more: {
    isCommitted?: (txHash: Uint8Array) => boolean
    deletePending?: (txHashes: readonly Uint8Array[]) => void
    storage?: StorageWrites
    onAdmitted?: () => void
    logger?: ReturnType<typeof memoryLogger>['logger']
  } = {},
) {
  const clock = new ManualClock(0)
  const mempool = new Mempool({
    suite,
    chainId: CHAIN_ID,
    modules: testRegistry(),
    latestHeight: () => 0,
    isCommitted: more.isCommitted ?? (() => false),
    senderState: fixtureSenderState,
  })
  const journal = new Map<string, Uint8Array>()
  const r = new MempoolReactor({
    mempool,
    store: {
      putPending: async (txs) => {
        for (const t of txs) journal.set(toHex(t.txHash), t.bytes)
      },
      scanPending: () => [],
      deletePending: more.deletePending ?? (() => {}),
    },
    p2p,
    clock,
    logger: more.logger ?? memoryLogger('error').logger,
    metrics: new NodeMetrics({ processMetrics: false }),
    onAdmitted: more.onAdmitted ?? (() => {}),
    ...(more.storage === undefined ? {} : { storage: more.storage }),
  })
  return { r, clock, journal, mempool }
}

/** Transactions compared by their bytes (what the journal holds and the peers get). */
const bytesOf = (txs: Iterable<Uint8Array>) => new Set([...txs].map((t) => toHex(t)))

describe('mempool hand-off at a graceful stop', () => {
  test('every peer gets the whole pool, gossiped before or not, then the transport is flushed', async () => {
    const { p2p, steps, flushTimeouts } = fakeP2P(['housing', 'police'])
    const { r, clock, journal } = reactor(p2p)
    const early = [anchorTx(suite, alice, 1), anchorTx(suite, bob, 1)]
    for (const t of early) await r.submitTx(t.bytes)
    clock.advance(100) // gossiped: what a peer killed meanwhile no longer holds
    assert.ok(steps.some((s) => s.kind === 'broadcast'))
    const late = anchorTx(suite, alice, 2)
    await r.submitTx(late.bytes) // answered 202 just before the stop; its gossip still waits for its timer
    const acknowledged = bytesOf(journal.values())
    assert.equal(acknowledged.size, 3)

    r.stop()
    const before = steps.length
    await r.handOff(2000)
    const after = steps.slice(before)
    for (const peer of ['housing', 'police']) {
      const handed = bytesOf(after.flatMap((s) => (s.kind === 'send' && s.to === peer ? s.txs : [])))
      assert.deepEqual(handed, acknowledged, `${peer} gets every acknowledged transaction`)
    }
    // Flushed after everything was queued, bounded.
    assert.equal(after.at(-1)?.kind, 'flush')
    assert.deepEqual(flushTimeouts, [2000])
  })

  test('a peer gets no more than its send queue has room for (the queue would drop its oldest)', async () => {
    const one = anchorTx(suite, alice, 1)
    const payload = codec.encode(TxsMessage, [one.bytes])
    const max = 1024 * 1024
    // housing's queue is full but for less than one message; police's is empty.
    const { p2p, steps } = fakeP2P(['housing', 'police'], { housing: max - payload.length }, max)
    const { r } = reactor(p2p)
    await r.submitTx(one.bytes)
    r.stop()
    const before = steps.length
    await r.handOff(2000)
    const sent = steps.slice(before).filter((s) => s.kind === 'send')
    assert.deepEqual(
      sent.map((s) => s.to),
      ['police'],
    )
  })

  test('an admission in the turn of the stop is written and answered; one after it is NODE_STOPPING and changes nothing', async () => {
    // Found by the chaos suite (docs/reliability.md, 2026-12-06): a submission whose journal batch
    // was still waiting when the node stopped got 500 INTERNAL "could not persist the transaction".
    const { p2p, steps } = fakeP2P(['housing'])
    const { r, journal } = reactor(p2p)
    const inFlight = anchorTx(suite, alice, 1)
    const answered = r.submitTx(inFlight.bytes) // its batch waits for the end of this turn
    r.stop()
    assert.equal(toHex((await answered).hash), toHex(inFlight.txHash), 'answered 202 with its hash')
    assert.deepEqual(bytesOf(journal.values()), bytesOf([inFlight.bytes]), 'in the journal')

    const stopping = (e: unknown) => e instanceof GovchainError && e.code === 'NODE_STOPPING'
    const late = anchorTx(suite, bob, 1)
    await assert.rejects(r.submitTx(late.bytes), stopping)
    const batch = await r.submitTxs([anchorTx(suite, bob, 2).bytes, anchorTx(suite, alice, 2).bytes])
    assert.ok(
      batch.every((o) => 'error' in o && stopping(o.error)),
      JSON.stringify(batch),
    )
    assert.equal(journal.size, 1, 'nothing else journaled')

    // The hand-off carries the acknowledged one and nothing refused.
    const before = steps.length
    await r.handOff(2000)
    const handed = bytesOf(steps.slice(before).flatMap((x) => (x.kind === 'send' ? x.txs : [])))
    assert.deepEqual(handed, bytesOf([inFlight.bytes]))
  })
})

describe('after a durable admission', () => {
  test('a failing step (the consensus hint, gossip) leaves the answer 202: the transaction is admitted', async () => {
    const log = memoryLogger('error')
    const { p2p } = fakeP2P(['housing'])
    let failing = true
    const { r, journal, mempool } = reactor(p2p, {
      logger: log.logger,
      onAdmitted: () => {
        if (failing) throw new Error('consensus hint failed')
      },
    })
    const one = anchorTx(suite, alice, 1)
    assert.equal(toHex((await r.submitTx(one.bytes)).hash), toHex(one.txHash))
    const two = [anchorTx(suite, bob, 1), anchorTx(suite, bob, 2)]
    const outcomes = await r.submitTxs(two.map((t) => t.bytes))
    assert.deepEqual(
      outcomes.map((o) => ('hash' in o ? toHex(o.hash) : String(o.error))),
      two.map((t) => toHex(t.txHash)),
    )
    assert.equal(mempool.stats().count, 3, 'all three pending')
    assert.equal(journal.size, 3, 'all three journaled')
    const failed = log
      .lines()
      .map((l) => JSON.parse(l) as { msg: string; code?: string; txs?: number })
      .filter((l) => l.msg === 'a step after a durable admission failed (the transactions are admitted)')
    assert.deepEqual(
      failed.map((l) => [l.code, l.txs]),
      [
        ['INTERNAL', 1],
        ['INTERNAL', 2],
      ],
    )
    // A resubmission of an admitted one is a duplicate, as for any pending transaction.
    failing = false
    await assert.rejects(r.submitTx(one.bytes), (e: unknown) => e instanceof GovchainError && e.code === 'TX_DUPLICATE')
  })
})

describe('the journal after a commit', () => {
  /** A block that committed none of the pool's transactions (they were made stale by another's). */
  const block = { txHashes: [] } as unknown as Parameters<MempoolReactor['committed']>[0]

  test('a refused cleanup enters the storage state and throws its code (no fault to NodeChain); stale entries stay', async () => {
    const committedElsewhere = new Set<string>()
    let full = true
    const deleted: string[] = []
    const log = memoryLogger('info')
    const metrics = new NodeMetrics({ processMetrics: false })
    const storage = new StorageHealth({ logger: log.logger, metrics, clock: new ManualClock(0) })
    const { r, mempool } = reactor(fakeP2P([]).p2p, {
      isCommitted: (h) => committedElsewhere.has(toHex(h)),
      deletePending: (hashes) => {
        if (full) throw new GovchainError('STORE_UNWRITABLE', 'No space left on device (ENOSPC)')
        deleted.push(...hashes.map(toHex))
      },
      storage,
    })
    const tx = anchorTx(suite, alice, 1)
    await r.submitTx(tx.bytes)
    // The same transaction committed through another node's block: stale here.
    committedElsewhere.add(toHex(tx.txHash))
    // STORE_UNWRITABLE: NodeChain's listener runner takes it as no fault and runs the other
    // listeners (commit-listeners.test.ts, "a listener whose write the storage refuses is no
    // fault: the rest run, nothing is thrown").
    assert.throws(
      () => r.committed(block),
      (e: unknown) => e instanceof GovchainError && e.code === 'STORE_UNWRITABLE',
    )
    assert.equal(mempool.stats().count, 0, 'the stale transaction left the pool')
    assert.equal(storage.failure?.reason, 'No space left on device (ENOSPC)')
    assert.equal(log.lines().filter((l) => JSON.parse(l).msg.startsWith('storage refuses writes')).length, 1)
    // Any other failure is still an error.
    let stale = false
    const other = reactor(fakeP2P([]).p2p, {
      isCommitted: () => stale,
      deletePending: () => {
        throw new Error('a bug')
      },
    })
    await other.r.submitTx(anchorTx(suite, bob, 1).bytes)
    stale = true
    assert.throws(() => other.r.committed(block), /a bug/)
    // Room again: the next cleanup succeeds and ends the state.
    full = false
    const next = anchorTx(suite, alice, 2)
    await assert.rejects(
      r.submitTx(next.bytes),
      (e: unknown) => e instanceof GovchainError && e.code === 'STORE_UNWRITABLE',
    )
    assert.equal(mempool.stats().count, 0, 'admission is refused while the state lasts')
    // The next block's commit, which goes through the same storage state in the node, succeeds.
    storage.write(() => {})
    await r.submitTx(next.bytes)
    committedElsewhere.add(toHex(next.txHash))
    r.committed(block)
    assert.deepEqual(deleted, [toHex(next.txHash)])
    assert.equal(storage.failure, undefined)
  })
})
