/** hexOf and bytesKey (Buffer's native slices on plain Uint8Arrays) say exactly what core's toHex and latin1 say. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { toHex } from '@govchain/core'
import fc from 'fast-check'
import { bytesKey, hexOf } from '../src/hex-fast.ts'

describe('hex and latin1 keys', () => {
  it('equal toHex and a latin1 decoding, for views at any offset and on- or off-heap arrays (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 7 }), (bytes, offset) => {
        const backing = new Uint8Array(bytes.length + offset + 3)
        backing.set(bytes, offset)
        for (const b of [bytes, backing.subarray(offset, offset + bytes.length)]) {
          assert.equal(hexOf(b), toHex(bytes))
          const key = bytesKey(b)
          assert.equal(key.length, bytes.length)
          assert.deepEqual(
            Uint8Array.from(key, (c) => c.charCodeAt(0)),
            bytes,
          )
        }
      }),
      { numRuns: 500 },
    )
  })

  it('bytesKey orders as the bytes do', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        const byBytes = Math.sign(Buffer.compare(a, b))
        const byKey = bytesKey(a) < bytesKey(b) ? -1 : bytesKey(a) > bytesKey(b) ? 1 : 0
        assert.equal(byKey, byBytes)
      }),
      { numRuns: 500 },
    )
  })
})
