/**
 * sequencePage: a numbered sequence (a case's steps, a licence's history and uses) is walked
 * whole, page by page, whatever its length; the cursor is the number of a page's last entry and
 * is null only at the end; a cursor or limit that is not a number is a coded error, and so is an
 * entry missing below the count (a broken store, never a short page).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GovchainError } from '@govchain/core'
import fc from 'fast-check'
import { sequencePage } from '../src/paging.ts'
import { SEQUENCE_PAGE_DEFAULT } from '../src/route-kit.ts'

/** Every entry of a sequence of `count`, following `next` at `limit` per page. */
function walk(count: number, limit: number): { seen: number[]; pages: number } {
  const seen: number[] = []
  let pages = 0
  for (let after: string | undefined; ; pages++) {
    const p = sequencePage({ count, after, limit, what: 'entry', read: (seq) => seq })
    seen.push(...p.items)
    assert.ok(p.items.length <= limit)
    if (p.next === null) return { seen, pages: pages + 1 }
    assert.equal(p.next, String(p.items.at(-1)))
    after = p.next
  }
}

describe('sequencePage', () => {
  it('walks any length whole, in order, each page full but the last', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 1000 }), (count, limit) => {
        const { seen, pages } = walk(count, limit)
        assert.deepEqual(
          seen,
          Array.from({ length: count }, (_, i) => i),
        )
        assert.equal(pages, Math.max(1, Math.ceil(count / limit)))
      }),
      { numRuns: 200 },
    )
  })

  it('a long sequence is not cut at the old fixed reads (256 steps, 1,000 history entries)', () => {
    assert.equal(walk(1001, 1000).seen.length, 1001)
    assert.equal(walk(257, 256).seen.length, 257)
  })

  it('defaults to SEQUENCE_PAGE_DEFAULT entries; after the last entry, an empty page without a cursor', () => {
    const first = sequencePage({ count: 250, what: 'entry', read: (seq) => seq })
    assert.equal(first.items.length, SEQUENCE_PAGE_DEFAULT)
    assert.equal(first.next, String(SEQUENCE_PAGE_DEFAULT - 1))
    assert.deepEqual(sequencePage({ count: 3, after: '2', what: 'entry', read: (seq) => seq }), {
      items: [],
      next: null,
    })
    assert.deepEqual(sequencePage({ count: 3, after: '9', what: 'entry', read: (seq) => seq }), {
      items: [],
      next: null,
    })
  })

  it('a cursor or limit that is not a whole number is INVALID_ARGUMENT, and nothing is read', () => {
    for (const bad of [{ after: 'x' }, { after: '1.5' }, { limit: 0 }, { limit: 2.5 }, { after: '-2' }]) {
      let reads = 0
      assert.throws(
        () => sequencePage({ count: 10, ...bad, what: 'entry', read: () => reads++ }),
        (e: unknown) => e instanceof GovchainError && e.code === 'INVALID_ARGUMENT',
        JSON.stringify(bad),
      )
      assert.equal(reads, 0)
    }
  })

  it('an entry missing below the count is EXEC_INTERNAL naming it, never a short page', () => {
    const stored = new Map([0, 1, 2, 4].map((n) => [n, n]))
    assert.deepEqual(sequencePage({ count: 5, limit: 3, what: 'case step', read: (seq) => stored.get(seq) }), {
      items: [0, 1, 2],
      next: '2',
    })
    assert.throws(
      () => sequencePage({ count: 5, after: '2', what: 'case step', read: (seq) => stored.get(seq) }),
      (e: unknown) => e instanceof GovchainError && e.code === 'EXEC_INTERNAL' && e.message.includes('case step 3'),
    )
  })
})
