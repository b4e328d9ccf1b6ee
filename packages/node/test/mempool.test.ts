import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { executeBlock, ModuleRegistry, validateTx } from '@govchain/app'
import { type CryptoSuite, codec, GovchainError, SignedTx, suites, toHex } from '@govchain/core'
import {
  anchorTx,
  assertCoded,
  CHAIN_ID,
  fixtureSenderState,
  signer,
  stranger,
  testRegistry,
  ZERO32,
} from '@govchain/distribution/testkit'
import { MemoryChainStore } from '@govchain/store'
import fc from 'fast-check'
import { Mempool, type MempoolOptions, VerifiedCache } from '../src/mempool/index.ts'

const suite = suites.intl
const modules = testRegistry()
const alice = signer(suite)
const bob = signer(suite)

function pool(over: Partial<MempoolOptions> = {}, state = { height: 0, committed: new Set<string>() }) {
  const m = new Mempool({
    suite,
    chainId: CHAIN_ID,
    modules,
    latestHeight: () => state.height,
    isCommitted: (h) => state.committed.has(toHex(h)),
    senderState: fixtureSenderState,
    ...over,
  })
  return { m, state }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return assertCoded(e).code
  }
  return undefined
}

/** A suite that counts signature verifications. */
function countingSuite(): { suite: CryptoSuite; verifies: () => number } {
  let n = 0
  // The suites are frozen plain objects: a copy with a counting verify.
  const s: CryptoSuite = {
    ...suite,
    verify: (pk, msg, sig) => {
      n++
      return suite.verify(pk, msg, sig)
    },
  }
  return { suite: s, verifies: () => n }
}

describe('Mempool', () => {
  it('admits valid transactions and reaps them in arrival order within limits', () => {
    const { m } = pool()
    const txs = [anchorTx(suite, alice, 1), anchorTx(suite, bob, 1), anchorTx(suite, alice, 2), anchorTx(suite, bob, 2)]
    for (const t of txs) assert.deepEqual(m.add(t.bytes).txHash, t.txHash)
    assert.deepEqual(
      m.reap(1 << 20, 10),
      txs.map((t) => t.bytes),
    )
    assert.deepEqual(
      m.reap(1 << 20, 2),
      txs.slice(0, 2).map((t) => t.bytes),
    )
    const size = txs[0]!.bytes.length
    assert.equal(m.reap(size * 2 + 1, 10).length, 2)
    assert.equal(m.reap(size - 1, 10).length, 0)
    assert.equal(m.stats().count, 4)
    assert.equal(
      m.stats().bytes,
      txs.reduce((a, t) => a + t.bytes.length, 0),
    )
    assert.equal(m.stats().senders, 2)
    assert.ok(m.has(txs[2]!.txHash))
    assert.deepEqual(m.get(txs[2]!.txHash), txs[2]!.bytes)
  })

  it('rejects bad, duplicate and replayed transactions with codes, changing nothing', () => {
    const { m, state } = pool()
    const t = anchorTx(suite, alice, 1)
    m.add(t.bytes)
    assert.equal(
      codeOf(() => m.add(t.bytes)),
      'TX_DUPLICATE',
    )
    assert.equal(
      codeOf(() => m.add(new Uint8Array([1, 2]))),
      'TX_MALFORMED',
    )
    assert.equal(
      codeOf(() => m.add(anchorTx(suite, alice, 2, { chainId: 'x' }).bytes)),
      'TX_WRONG_CHAIN',
    )
    assert.equal(
      codeOf(() => m.add(anchorTx(suite, alice, 2, { validUntilHeight: 5000 }).bytes)),
      'TX_VALIDITY_TOO_LONG',
    )
    const replayed = anchorTx(suite, alice, 3)
    state.committed.add(toHex(replayed.txHash))
    assert.equal(
      codeOf(() => m.add(replayed.bytes)),
      'TX_REPLAY',
    )
    assert.equal(
      codeOf(() => m.add(new Uint8Array(400 * 1024))),
      'TX_TOO_LARGE',
    )
    assert.equal(m.stats().count, 1)
    assert.equal(m.stats().rejected, 6)
  })

  it('refuses an unregistered sender (TX_SENDER_UNREGISTERED) before verifying any signature', () => {
    const counting = countingSuite()
    const { m } = pool({ suite: counting.suite })
    const unknown = stranger(suite)
    const t = anchorTx(suite, unknown, 1)
    const e = (() => {
      try {
        m.add(t.bytes)
      } catch (err) {
        return assertCoded(err)
      }
      return assert.fail('admitted')
    })()
    assert.equal(e.code, 'TX_SENDER_UNREGISTERED')
    assert.equal(e.details?.sender, toHex(unknown.publicKey))
    assert.equal(counting.verifies(), 0, 'refused on a state read, not a signature check')
    assert.equal(m.stats().count, 0)
    assert.equal(m.stats().rejected, 1)
    // A registered sender's transaction is verified and admitted as before.
    m.add(anchorTx(suite, alice, 1).bytes)
    assert.equal(counting.verifies(), 1)
  })

  it('asks the committed state again once the height moves (a sender registered meanwhile)', () => {
    const later = stranger(suite)
    let registered = false
    const views: number[] = []
    const { m, state } = pool({
      // The fixture identity knows signer() keys; this view adds `later` once "committed".
      modules: new ModuleRegistry([
        ...modules.names().map((n) => modules.get(n)!),
        {
          name: 'laterreg',
          handlers: {},
          registeredSender: (_ctx, pk) => registered && toHex(pk) === toHex(later.publicKey),
        },
      ]),
      senderState: () => {
        views.push(state.height)
        return fixtureSenderState()
      },
    })
    assert.equal(
      codeOf(() => m.add(anchorTx(suite, later, 1).bytes)),
      'TX_SENDER_UNREGISTERED',
    )
    registered = true
    // Same height: the pool's answer for this sender stands (cached until the height moves).
    assert.equal(
      codeOf(() => m.add(anchorTx(suite, later, 2).bytes)),
      'TX_SENDER_UNREGISTERED',
    )
    state.height = 1
    assert.equal(
      codeOf(() => m.add(anchorTx(suite, later, 3).bytes)),
      undefined,
    )
    assert.deepEqual(views, [0, 1])
  })

  it('bounds the memory its entries hold, decoded parts included, not only their wire bytes (issue 19)', () => {
    const { m } = pool({ maxBytes: 64 * 1024 })
    let admitted = 0
    let full = false
    for (let i = 1; i <= 2000 && !full; i++) {
      const code = codeOf(() => m.add(anchorTx(suite, i % 2 === 0 ? alice : bob, i).bytes))
      if (code === undefined) admitted++
      else {
        assert.equal(code, 'MEMPOOL_FULL')
        full = true
      }
      const st = m.stats()
      // Never over the bound; and the charge counts more than the wire bytes: the copy, the
      // decoded body and signers, hashes, hex keys and object overhead.
      assert.ok(st.memoryBytes <= 64 * 1024, `${st.memoryBytes} > bound`)
      assert.ok(st.memoryBytes >= 2 * st.bytes, `${st.memoryBytes} < 2 × ${st.bytes}`)
    }
    assert.ok(full, 'the pool filled up')
    assert.ok(admitted > 10)
    // A pool bounded only by wire bytes would have taken at least twice as many.
    assert.ok(admitted * anchorTx(suite, alice, 1).bytes.length * 2 <= 64 * 1024)
    // Everything is given back when the entries leave.
    m.removeCommitted(
      Array.from({ length: admitted }, (_, k) => anchorTx(suite, (k + 1) % 2 === 0 ? alice : bob, k + 1).txHash),
    )
    assert.deepEqual([m.stats().count, m.stats().bytes, m.stats().memoryBytes], [0, 0, 0])
  })

  it('is bounded: MEMPOOL_FULL by count and by bytes, MEMPOOL_SENDER_QUOTA per sender', () => {
    const byCount = pool({ maxTxs: 2 }).m
    byCount.add(anchorTx(suite, alice, 1).bytes)
    byCount.add(anchorTx(suite, bob, 1).bytes)
    assert.equal(
      codeOf(() => byCount.add(anchorTx(suite, alice, 2).bytes)),
      'MEMPOOL_FULL',
    )
    const probe = pool().m
    probe.add(anchorTx(suite, alice, 1).bytes)
    const one = probe.stats().memoryBytes
    const byBytes = pool({ maxBytes: one * 2 + 10 }).m
    byBytes.add(anchorTx(suite, alice, 1).bytes)
    byBytes.add(anchorTx(suite, bob, 1).bytes)
    assert.equal(
      codeOf(() => byBytes.add(anchorTx(suite, bob, 2).bytes)),
      'MEMPOOL_FULL',
    )
    const quota = pool({ maxPerSender: 2 }).m
    quota.add(anchorTx(suite, alice, 1).bytes)
    quota.add(anchorTx(suite, alice, 2).bytes)
    assert.equal(
      codeOf(() => quota.add(anchorTx(suite, alice, 3).bytes)),
      'MEMPOOL_SENDER_QUOTA',
    )
    quota.add(anchorTx(suite, bob, 1).bytes)
    quota.removeCommitted([anchorTx(suite, alice, 1).txHash])
    quota.add(anchorTx(suite, alice, 3).bytes)
    assert.equal(quota.stats().count, 3)
  })

  it('removes committed transactions and, on recheck, expired or elsewhere-committed ones', () => {
    const { m, state } = pool()
    const a = anchorTx(suite, alice, 1, { validUntilHeight: 2 })
    const b = anchorTx(suite, alice, 2, { validUntilHeight: 50 })
    const c = anchorTx(suite, bob, 1, { validUntilHeight: 50 })
    const d = anchorTx(suite, bob, 2, { validUntilHeight: 50 })
    for (const t of [a, b, c, d]) m.add(t.bytes)
    m.removeCommitted([b.txHash])
    state.height = 2
    state.committed.add(toHex(c.txHash))
    assert.deepEqual(m.recheck().map(toHex).sort(), [toHex(a.txHash), toHex(c.txHash)].sort())
    assert.deepEqual(m.reap(1 << 20, 10), [d.bytes])
    assert.deepEqual({ count: m.stats().count, senders: m.stats().senders }, { count: 1, senders: 1 })
  })

  it('verifies signatures once: block execution with the pool as preverified does not verify again', () => {
    const counting = countingSuite()
    const { m } = pool({ suite: counting.suite })
    const txs = [anchorTx(suite, alice, 1), anchorTx(suite, bob, 2)]
    for (const t of txs) m.add(t.bytes)
    assert.equal(counting.verifies(), 2)
    const bytes = m.reap(1 << 20, 10)
    const out = executeBlock({
      suite: counting.suite,
      chainId: CHAIN_ID,
      modules,
      store: new MemoryChainStore(),
      isCommitted: () => false,
      parentStateRoot: ZERO32,
      height: 1,
      timeMs: 1,
      txs: bytes,
      preverified: m.verified,
    })
    assert.deepEqual(
      out.results.map((r) => r.code),
      ['OK', 'OK'],
    )
    assert.equal(counting.verifies(), 2, 'no second verification')
    // A transaction the pool never saw is verified.
    const late = anchorTx(suite, alice, 9)
    executeBlock({
      suite: counting.suite,
      chainId: CHAIN_ID,
      modules,
      store: new MemoryChainStore(),
      isCommitted: () => false,
      parentStateRoot: ZERO32,
      height: 1,
      timeMs: 1,
      txs: [late.bytes],
      preverified: m.verified,
    })
    assert.equal(counting.verifies(), 3)
    // It arrives by gossip after the block: admission does not verify it again.
    assert.deepEqual(m.add(late.bytes).txHash, late.txHash)
    assert.equal(counting.verifies(), 3, 'gossip after the block: no second verification')
    // The same body with another signature is another envelope: verified, and refused.
    const signed = codec.decode(SignedTx, late.bytes)
    const sig = signed.signatures[0]!.signature.slice()
    sig[10]! ^= 1
    const forged = codec.encode(SignedTx, {
      body: signed.body,
      signatures: [{ publicKey: signed.signatures[0]!.publicKey, signature: sig }],
    })
    m.removeCommitted([late.txHash])
    assert.equal(
      codeOf(() => m.add(forged)),
      'TX_BAD_SIGNATURE',
    )
    assert.equal(counting.verifies(), 4)
  })

  it("reuses admission's validation for pending envelopes only, re-checking the validity window", () => {
    const { m, state } = pool()
    const a = anchorTx(suite, alice, 1, { validUntilHeight: 3 })
    m.add(a.bytes)
    const envelopeHex = toHex(suite.hash(a.bytes))
    const cached = m.verified.validated(envelopeHex)
    assert.ok(cached !== undefined && toHex(cached.txHash) === toHex(a.txHash))
    const opts = { modules, preverified: m.verified }
    // Same answer as a fresh validation, with arguments decoded anew (never shared between executions).
    const again = validateTx(suite, CHAIN_ID, a.bytes, 2, opts)
    const fresh = validateTx(suite, CHAIN_ID, a.bytes, 2, { modules })
    assert.deepEqual({ ...again, envelopeHash: undefined }, { ...fresh, envelopeHash: undefined })
    assert.notEqual(again.args, cached.args)
    // The window is a function of the height: the cached path refuses as the fresh one does.
    assert.equal(
      codeOf(() => validateTx(suite, CHAIN_ID, a.bytes, 4, opts)),
      'TX_EXPIRED',
    )
    assert.equal(
      codeOf(() => validateTx(suite, CHAIN_ID, a.bytes, 4, { modules })),
      'TX_EXPIRED',
    )
    // Another chain id is validated from scratch (and refused as such).
    assert.equal(
      codeOf(() => validateTx(suite, 'other-chain', a.bytes, 2, opts)),
      'TX_WRONG_CHAIN',
    )
    // Once the entry leaves the pool, nothing is served from it.
    state.height = 1
    m.removeCommitted([a.txHash])
    assert.equal(m.verified.validated(envelopeHex), undefined)
  })

  it('VerifiedCache is a bounded LRU', () => {
    const c = new VerifiedCache(2)
    c.add('a')
    c.add('b')
    assert.ok(c.has('a')) // refreshes a
    c.add('c') // evicts b
    assert.deepEqual([c.has('a'), c.has('b'), c.has('c'), c.size], [true, false, true, 2])
  })

  it('property: arbitrary bytes are rejected with a code and leave the pool unchanged', () => {
    const { m } = pool()
    m.add(anchorTx(suite, alice, 1).bytes)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          m.add(bytes)
        } catch (e) {
          assert.ok(e instanceof GovchainError, String(e))
          assert.equal(m.stats().count, 1)
          return
        }
        assert.fail('random bytes admitted')
      }),
      { numRuns: 300 },
    )
  })

  it('admits for the next height: expiry follows the committed height', () => {
    const { m, state } = pool()
    state.height = 9
    assert.equal(
      codeOf(() => m.add(anchorTx(suite, alice, 1, { validUntilHeight: 9 }).bytes)),
      'TX_EXPIRED',
    )
    assert.equal(
      codeOf(() => m.add(anchorTx(suite, alice, 1, { validUntilHeight: 10 }).bytes)),
      undefined,
    )
  })
})
