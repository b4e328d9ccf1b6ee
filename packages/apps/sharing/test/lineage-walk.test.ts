/**
 * The auditor's lineage walk (the portal's 数据沿革): the node pages each kind by its own cursor,
 * so the walk asks again only for the kinds not complete and keeps each item once; a lineage that
 * never ends stops at LINEAGE_PAGES_MAX pages with the coded SHARING_LINEAGE_TOO_LONG, its message
 * the page's own, instead of an untyped error.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { errorInfo, GovchainError } from '@govchain/core'
import { LINEAGE_PAGES_MAX, type Lineage, type LineageAfter, walkLineage } from '../src/portal/lineage.ts'
import '../src/schema.ts'

type Next = Lineage['next']
/** A lineage page whose items are only names: the walk passes them on without reading them. */
const page = (
  items: { versions?: string[]; grants?: string[]; receipts?: string[]; refusals?: string[] },
  next: Next,
) =>
  ({
    versions: items.versions ?? [],
    grants: items.grants ?? [],
    receipts: items.receipts ?? [],
    refusals: items.refusals ?? [],
    next,
  }) as unknown as Lineage

describe('lineage walk', () => {
  it('asks again only for the kinds not complete, and keeps each item once', async () => {
    const asked: (LineageAfter | undefined)[] = []
    const pages = await walkLineage(async (after) => {
      asked.push(after)
      if (after === undefined)
        return page(
          { versions: ['v1'], grants: ['g1'], receipts: ['r1'], refusals: ['x1'] },
          { grants: 'g1', receipts: null, refusals: 'x1' },
        )
      // The node answers every kind again: a complete one from its beginning.
      if (after.refusals !== undefined)
        return page(
          { versions: ['v1'], grants: ['g2'], receipts: ['r1'], refusals: ['x2'] },
          { grants: 'g2', receipts: null, refusals: null },
        )
      return page(
        { versions: ['v1'], grants: ['g3'], receipts: ['r1'], refusals: ['x1'] },
        {
          grants: null,
          receipts: null,
          refusals: null,
        },
      )
    }, 'too long')
    assert.deepEqual(asked, [undefined, { grants: 'g1', refusals: 'x1' }, { grants: 'g2' }])
    const all = (k: 'versions' | 'grants' | 'receipts' | 'refusals') => pages.flatMap((p) => p[k] as unknown[])
    assert.deepEqual(all('versions'), ['v1'])
    assert.deepEqual(all('grants'), ['g1', 'g2', 'g3'])
    assert.deepEqual(all('receipts'), ['r1'])
    assert.deepEqual(all('refusals'), ['x1', 'x2'])
  })

  it('stops a lineage that never ends at LINEAGE_PAGES_MAX pages with SHARING_LINEAGE_TOO_LONG', async () => {
    let calls = 0
    const endless = async () => {
      calls++
      return page({ grants: [`g${calls}`] }, { grants: `g${calls}`, receipts: null, refusals: null })
    }
    const message = 'The lineage runs to more than 200 pages'
    await assert.rejects(walkLineage(endless, message), (e: unknown) => {
      assert.ok(e instanceof GovchainError)
      assert.equal(e.code, 'SHARING_LINEAGE_TOO_LONG')
      assert.equal(e.message, message)
      assert.deepEqual(e.details, { pagesMax: LINEAGE_PAGES_MAX })
      return true
    })
    assert.equal(calls, LINEAGE_PAGES_MAX)
    // A catalogued code (its status and description), as every coded error is.
    assert.equal(errorInfo('SHARING_LINEAGE_TOO_LONG')?.http, 413)
  })
})
