/** The transport's pure parts: framing, HELLO, send-queue policy, backoff. No sockets. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isGovchainError, memorySigner, suites } from '@govchain/core'
import fc from 'fast-check'
import {
  backoffDelayMs,
  createHello,
  encodeFrame,
  FrameDecoder,
  type HelloBody,
  P2P_PROTOCOL_VERSION,
  SendQueue,
  verifyHello,
} from '../src/p2p.ts'

describe('FrameDecoder', () => {
  test('frames survive any split of the byte stream', () => {
    const frameArb = fc.record({
      channel: fc.integer({ min: 0, max: 255 }),
      payload: fc.uint8Array({ maxLength: 300 }),
    })
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat(400), { maxLength: 10 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => encodeFrame(f.channel, f.payload)))
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const d = new FrameDecoder(1024)
        const out = []
        let prev = 0
        for (const p of [...points, stream.length]) {
          out.push(...d.push(stream.subarray(prev, p)))
          prev = p
        }
        assert.deepEqual(
          out.map((f) => ({ channel: f.channel, payload: new Uint8Array(f.payload) })),
          frames.map((f) => ({ channel: f.channel, payload: new Uint8Array(f.payload) })),
        )
        assert.equal(d.bufferedBytes, 0)
      }),
      { numRuns: 300 },
    )
  })

  test('an oversize length is refused on the prefix alone, an empty frame is invalid', () => {
    const d = new FrameDecoder(100)
    assert.throws(() => d.push(Buffer.from([0, 0, 0, 101])), { code: 'P2P_FRAME_OVERSIZE' })
    assert.deepEqual(new FrameDecoder(100).push(Buffer.from([0, 0, 0, 100])), [])
    assert.throws(() => new FrameDecoder(100).push(Buffer.alloc(4)), { code: 'P2P_FRAME_INVALID' })
  })

  test('arbitrary bytes give frames or a coded error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          new FrameDecoder(64).push(Buffer.from(bytes))
          return true
        } catch (e) {
          return isGovchainError(e) && (e.code === 'P2P_FRAME_OVERSIZE' || e.code === 'P2P_FRAME_INVALID')
        }
      }),
    )
  })
})

describe('HELLO', () => {
  const suite = suites.intl
  const key = suite.generateKeyPair()
  const exporter = new Uint8Array(32).fill(7)
  const body: HelloBody = {
    version: P2P_PROTOCOL_VERSION,
    chainId: 'c1',
    nodeId: 'n1',
    suite: 'intl',
    publicKey: key.publicKey,
    latestHeight: 12,
    role: 'dialer',
  }
  const expect = {
    suite,
    exporter,
    chainId: 'c1',
    version: P2P_PROTOCOL_VERSION,
    certNodeId: 'n1',
    peerRole: 'dialer' as const,
  }

  test('a HELLO verifies on its own connection only', () => {
    const hello = createHello(memorySigner(suite, key.privateKey), exporter, body)
    assert.equal(verifyHello(hello, expect).latestHeight, 12)
    assert.throws(() => verifyHello(hello, { ...expect, exporter: new Uint8Array(32) }), {
      code: 'P2P_HELLO_BAD_SIGNATURE',
    })
    assert.throws(() => verifyHello(hello, { ...expect, chainId: 'c2' }), { code: 'P2P_HELLO_WRONG_CHAIN' })
    assert.throws(() => verifyHello(hello, { ...expect, suite: suites.gm }), { code: 'P2P_HELLO_WRONG_CHAIN' })
    assert.throws(() => verifyHello(hello, { ...expect, version: 2 }), { code: 'P2P_HELLO_WRONG_CHAIN' })
    assert.throws(() => verifyHello(hello, { ...expect, certNodeId: 'n2' }), { code: 'P2P_HELLO_INVALID' })
    assert.throws(() => verifyHello(hello, { ...expect, peerRole: 'listener' }), { code: 'P2P_HELLO_INVALID' })
    // Signed by another key than the one it announces.
    const forged = createHello(memorySigner(suite, suite.generateKeyPair().privateKey), exporter, body)
    assert.throws(() => verifyHello(forged, expect), { code: 'P2P_HELLO_BAD_SIGNATURE' })
  })

  test('the gm suite signs HELLOs with SM2', () => {
    const gmKey = suites.gm.generateKeyPair()
    const hello = createHello(memorySigner(suites.gm, gmKey.privateKey), exporter, {
      ...body,
      suite: 'gm',
      publicKey: gmKey.publicKey,
    })
    assert.equal(verifyHello(hello, { ...expect, suite: suites.gm }).suite, 'gm')
  })

  test('any byte flip in a HELLO is refused with a HELLO code', () => {
    const hello = createHello(memorySigner(suite, key.privateKey), exporter, body)
    fc.assert(
      fc.property(fc.nat(hello.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const m = hello.slice()
        m[at]! ^= flip
        try {
          verifyHello(m, expect)
          return false
        } catch (e) {
          return isGovchainError(e) && e.code.startsWith('P2P_HELLO_')
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('SendQueue', () => {
  const m = (channel: number, n: number) => ({ channel, payload: new Uint8Array(n) })

  test('priority goes first; order is kept within a class', () => {
    const q = new SendQueue(1000)
    q.enqueue(m(2, 1), false)
    q.enqueue(m(1, 2), true)
    q.enqueue(m(2, 3), false)
    q.enqueue(m(1, 4), true)
    assert.deepEqual(
      [q.dequeue(), q.dequeue(), q.dequeue(), q.dequeue()].map((x) => x?.payload.length),
      [2, 4, 1, 3],
    )
    assert.equal(q.dequeue(), undefined)
    assert.equal(q.queuedBytes, 0)
  })

  test('when full: oldest normal messages go, then new normal ones, and priority overflow is reported', () => {
    const q = new SendQueue(100) // each message below costs 25 + 5 = 30 bytes
    for (let i = 0; i < 3; i++) assert.deepEqual(q.enqueue(m(2, 25), false), { kind: 'queued', dropped: 0 })
    assert.deepEqual(q.enqueue(m(2, 25), false), { kind: 'queued', dropped: 1 })
    for (let i = 0; i < 3; i++) assert.equal(q.enqueue(m(1, 25), true).kind, 'queued')
    assert.equal(q.length, 3, 'all normal messages dropped for priority ones')
    assert.deepEqual(q.enqueue(m(2, 25), false), { kind: 'dropped-new' })
    assert.deepEqual(q.enqueue(m(1, 25), true), { kind: 'overflow' })
    assert.equal(q.queuedBytes, 90)
  })

  test('under any sequence: bytes stay bounded, accepted priority messages are never lost, FIFO per class', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ size: fc.nat(60), prio: fc.boolean() }), fc.constant(null)), { maxLength: 100 }),
        (ops) => {
          const q = new SendQueue(200)
          const ids = new Map<Uint8Array, number>()
          const acceptedPriority = new Set<number>()
          const seen: { id: number; prio: boolean }[] = []
          const take = () => {
            const x = q.dequeue()
            if (x) seen.push({ id: ids.get(x.payload)!, prio: x.channel === 1 })
            return x
          }
          for (const [i, op] of ops.entries()) {
            if (op === null) take()
            else {
              const msg = m(op.prio ? 1 : 2, op.size)
              ids.set(msg.payload, i)
              const r = q.enqueue(msg, op.prio)
              if (op.prio && r.kind === 'queued') acceptedPriority.add(i)
              assert.ok(op.prio || r.kind !== 'overflow')
            }
            assert.ok(q.queuedBytes <= 200)
          }
          while (take()) {}
          assert.equal(q.queuedBytes, 0)
          assert.deepEqual(new Set(seen.filter((x) => x.prio).map((x) => x.id)), acceptedPriority)
          for (const prio of [true, false]) {
            const order = seen.filter((x) => x.prio === prio).map((x) => x.id)
            assert.deepEqual(
              order,
              [...order].sort((a, b) => a - b),
            )
          }
        },
      ),
    )
  })
})

describe('backoff', () => {
  test('grows exponentially within [d/2, d) and is capped', () => {
    assert.equal(backoffDelayMs(0, 100, 5000, 0), 50)
    assert.equal(backoffDelayMs(0, 100, 5000, 0.999), 99)
    assert.equal(backoffDelayMs(3, 100, 5000, 0), 400)
    assert.equal(backoffDelayMs(10, 100, 5000, 0), 2500)
    assert.equal(backoffDelayMs(1000, 100, 5000, 0.5), 3750)
    fc.assert(
      fc.property(fc.nat(100), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffDelayMs(attempt, 100, 5000, r)
        return d >= 50 && d <= 5000 && Number.isInteger(d)
      }),
    )
  })
})
