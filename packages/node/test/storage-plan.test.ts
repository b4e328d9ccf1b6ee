/**
 * The commit plan builds the results and tx-index records from the execution's encoded results
 * (planCommit's txResultBytes): the bytes must be exactly what the codec would write.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { codec } from '@govchain/core'
import fc from 'fast-check'
import { TxResult, TxResults } from '../src/execution/results.ts'
import { TxIndexRecord } from '../src/storage/encoding.ts'
import { txIndexRecordBytes, txResultsBytes } from '../src/storage/plan.ts'

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
