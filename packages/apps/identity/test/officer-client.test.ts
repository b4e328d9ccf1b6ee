/**
 * getOfficer (the SDK's reader behind `govchain officer show`) returns the whole change history:
 * it follows `historyNext` through /history pages until the cursor is null, in order, and a
 * page the node answers wrongly is the client's coded error, not a short history.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { JsonObject } from '@govchain/client'
import { getOfficer } from '../src/client.ts'

const change = (n: number) => ({ action: 'rotate', by: 'market-admin', height: n, timeMs: n, txHash: '00'.repeat(32) })

/** A node holding `count` changes that serves them `first` on the officer answer and `page` per /history page. */
function node(count: number, first: number, page: number) {
  const asked: string[] = []
  const getJson = async (path: string): Promise<JsonObject> => {
    asked.push(path)
    const url = new URL(path, 'http://node')
    const slice = (from: number, n: number) => {
      const to = Math.min(count, from + n)
      return {
        items: Array.from({ length: to - from }, (_, i) => change(from + i)),
        next: to < count ? String(to - 1) : null,
      }
    }
    if (url.pathname === '/v1/officers/market-clerk') {
      const p = slice(0, first)
      return {
        officerId: 'market-clerk',
        orgId: 'market',
        roles: ['approver'],
        publicKey: 'ab'.repeat(32),
        status: 'active',
        createdHeight: 0,
        updatedHeight: count,
        history: p.items,
        historyNext: p.next,
      }
    }
    if (url.pathname === '/v1/officers/market-clerk/history') {
      const p = slice(Number(url.searchParams.get('after')) + 1, page)
      return { officerId: 'market-clerk', ...p }
    }
    throw new Error(`unexpected ${path}`)
  }
  return { client: { getJson }, asked }
}

describe('getOfficer', () => {
  it('follows every history page after the first, in order', async () => {
    const n = node(250, 100, 70)
    const o = await getOfficer(n.client, 'market-clerk')
    assert.deepEqual(
      o.history.map((h) => h.height),
      Array.from({ length: 250 }, (_, i) => i),
    )
    assert.equal(o.historyNext, null)
    assert.equal(n.asked.length, 1 + Math.ceil(150 / 70))
    assert.match(n.asked[1]!, /\/history\?after=99&limit=1000$/)
  })

  it('one request when the first page holds it all', async () => {
    const n = node(3, 100, 70)
    assert.equal((await getOfficer(n.client, 'market-clerk')).history.length, 3)
    assert.equal(n.asked.length, 1)
  })

  it('a malformed page is a coded error', async () => {
    const bad = {
      getJson: async (path: string) =>
        path.includes('/history')
          ? { officerId: 'market-clerk', items: 'not a list', next: null }
          : node(5, 2, 2).client.getJson(path),
    }
    await assert.rejects(
      getOfficer(bad, 'market-clerk'),
      (e: unknown) => (e as { code?: string }).code === 'SDK_BAD_RESPONSE',
    )
  })
})
