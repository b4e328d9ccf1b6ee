/**
 * Sharing lists (requests and grants, receipts — a citizen's access records —, refusals) page by
 * seek cursor over the node-local index (issue 14): the 12,001st entry is reachable, newest
 * first, with the record-id cursors clients already use. The index here is a sorted key list
 * with the store's scan contract (prefix, limit, strictly after a key); the stores' own scans are
 * covered by the ChainStore compliance suite.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { concatBytes, toHex, utf8 } from '@govchain/core'
import { indexPrefix, inverted } from '../src/module.ts'
import { listPage } from '../src/routes.ts'
import { SHARING_MODULE } from '../src/schema.ts'

const cmp = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b)

describe('sharing lists page by seek cursor', () => {
  const n = 12_001
  const heightOf = new Map<string, number>()
  const keys: Uint8Array[] = []
  const prefix = concatBytes(utf8(`${SHARING_MODULE}/`), indexPrefix('rc', 'c', 'housing'))
  for (let h = 1; h <= n; h++) {
    const id = new Uint8Array(32)
    new DataView(id.buffer).setUint32(28, h)
    heightOf.set(toHex(id), h)
    keys.push(concatBytes(prefix, inverted(h), id))
  }
  // Another facet's entries around it must never appear.
  keys.push(
    concatBytes(utf8(`${SHARING_MODULE}/`), indexPrefix('rc', 'c', 'housing2'), inverted(1), new Uint8Array(32)),
  )
  keys.sort(cmp)
  // Seeks like a store does (binary search to the first key past the prefix or cursor), so the
  // walk costs pages × limit, not pages × 12,002 comparisons.
  const scanIndex = (pre: Uint8Array, limit: number, after?: Uint8Array) => {
    const from = after === undefined || cmp(after, pre) < 0 ? pre : after
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = cmp(keys[mid]!, from)
      if (c < 0 || (c === 0 && from === after)) lo = mid + 1
      else hi = mid
    }
    const page: { key: Uint8Array; value: Uint8Array }[] = []
    for (let i = lo; i < keys.length && page.length < limit; i++) {
      const key = keys[i]!
      if (cmp(key.subarray(0, pre.length), pre) !== 0) break
      page.push({ key, value: new Uint8Array(0) })
    }
    return page
  }
  it("walks all 12,001 of a consumer's receipts, newest first, 50 a page", () => {
    const seen: number[] = []
    let after: string | undefined
    let pages = 0
    for (;;) {
      const p = listPage(
        { scanIndex },
        { family: 'rc', facet: 'c', value: 'housing' },
        after,
        50,
        (id) => heightOf.get(toHex(id)),
        (id) => heightOf.get(toHex(id)),
      )
      pages++
      seen.push(...(p.items as number[]))
      if (p.next === null) break
      after = p.next
    }
    assert.equal(seen.length, n)
    assert.equal(seen[0], n) // newest first
    assert.equal(seen[n - 1], 1) // the 12,001st
    assert.ok(seen.every((h, i) => i === 0 || h < seen[i - 1]!))
    assert.equal(pages, Math.ceil(n / 50))
    // A cursor that names no listed record is refused with a code.
    assert.throws(
      () =>
        listPage(
          { scanIndex },
          { family: 'rc', facet: 'c', value: 'housing' },
          'ff'.repeat(32),
          50,
          () => undefined,
          () => 1,
        ),
      (e: unknown) => (e as { code?: string }).code === 'INVALID_ARGUMENT',
    )
  })

  it('with a date range, pages hold only its records and the walk ends at its start, not at the oldest', () => {
    // Block time: 1,000 ms a block. The range covers heights 3000 to 3100, both inclusive; even ones match.
    const timeOf = (id: Uint8Array) => (heightOf.get(toHex(id)) ?? 0) * 1_000
    const range = { fromMs: 3_000_000, toMs: 3_100_000 }
    const seen: number[] = []
    let after: string | undefined
    let pages = 0
    let examined = 0
    for (;;) {
      const p = listPage(
        { scanIndex },
        { family: 'rc', facet: 'c', value: 'housing' },
        after,
        40,
        (id) => heightOf.get(toHex(id)),
        (id) => {
          examined++
          const t = timeOf(id)
          return t >= range.fromMs && t <= range.toMs && heightOf.get(toHex(id))! % 2 === 0
            ? heightOf.get(toHex(id))
            : undefined
        },
        (id) => timeOf(id) < range.fromMs,
      )
      pages++
      // A page may be short or even empty while `next` is set; it is never cut off silently.
      seen.push(...(p.items as number[]))
      if (p.next === null) break
      after = p.next
    }
    const want = Array.from({ length: 51 }, (_, i) => 3_100 - 2 * i)
    assert.deepEqual(seen, want)
    assert.equal(pages, 2)
    // The walk read the newer records it had to skip and the range, then stopped at height 2999.
    assert.equal(examined, n - 3_000 + 1)
  })
})
