/**
 * The commit plan builds the results and tx-index records from the execution's encoded results
 * (planCommit's txResultBytes): the bytes must be exactly what the codec would write.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { codec, TxResult, TxResults } from '@govchain/core'
import fc from 'fast-check'
import { TxIndexRecord } from '../src/encoding.ts'
import { sortByHash, txIndexRecordBytes, txResultsBytes } from '../src/plan.ts'

const resultArb = fc.record({
  txHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  code: fc.string({ maxLength: 20 }),
  events: fc.array(
    fc.record({
      type: fc.string({ maxLength: 30 }),
      attributes: fc.array(fc.record({ key: fc.string({ maxLength: 10 }), value: fc.string({ maxLength: 40 }) }), {
        maxLength: 4,
      }),
    }),
    { maxLength: 3 },
  ),
})

describe('commit plan: records from encoded results', () => {
  it('equal the codec encodings of TxIndexRecord and TxResults (property)', () => {
    fc.assert(
      fc.property(
        fc.array(resultArb, { maxLength: 12 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (results, height) => {
          const encoded = results.map((r) => codec.encode(TxResult, r))
          assert.deepEqual(txResultsBytes(encoded), codec.encode(TxResults, results))
          results.forEach((r, index) => {
            const fast = txIndexRecordBytes(height, index, encoded[index]!)
            assert.deepEqual(fast, codec.encode(TxIndexRecord, { height, index, code: r.code, events: r.events }))
            const back = codec.decode(TxIndexRecord, fast)
            assert.equal(back.height, height)
            assert.equal(back.index, index)
            assert.deepEqual(codec.encode(TxIndexRecord, back), fast)
          })
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('commit plan: state-tree nodes in hash order', () => {
  const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')
  // Hashes drawn so that many share their first 4 bytes (the numeric sort's key) or more.
  const hashArb = fc
    .tuple(fc.constantFrom(0, 1, 0xffffffff, 0x80000000), fc.uint8Array({ minLength: 28, maxLength: 28 }), fc.boolean())
    .map(([top, rest, tie]) => {
      const h = new Uint8Array(32)
      if (tie) new DataView(h.buffer).setUint32(0, top)
      else crypto.getRandomValues(h.subarray(0, 4))
      h.set(rest, 4)
      return h
    })

  it('sorts exactly as the hex keys sort, ties in the first 32 bits included (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(hashArb, { maxLength: 200, selector: hexOf }), (hashes) => {
        const nodes = new Map(hashes.map((h, i) => [hexOf(h), new Uint8Array([i])]))
        const sorted = sortByHash(nodes)
        const expected = [...nodes.keys()].sort()
        assert.deepEqual(
          sorted.map(([h]) => hexOf(h)),
          expected,
        )
        for (const [h, node] of sorted) assert.deepEqual(node, nodes.get(hexOf(h)))
      }),
      { numRuns: 300 },
    )
  })

  it('refuses keys that are not hex and nodes that are not bytes', () => {
    for (const bad of ['zz', 'abc', '0g']) {
      assert.throws(() => sortByHash(new Map([[bad, new Uint8Array(1)]])), { code: 'INVALID_ARGUMENT' })
    }
    assert.throws(() => sortByHash(new Map([['00', 'x' as unknown as Uint8Array]])), { code: 'INVALID_ARGUMENT' })
  })
})
