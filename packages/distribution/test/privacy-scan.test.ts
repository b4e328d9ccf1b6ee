/**
 * The privacy scan every module's tests run (personalDataHits): it finds a value written on
 * chain in clear, and a value of letters and digits only as a whole token, so an amount that a
 * hex id happens to contain is not a leak (the invoice test once failed on "80070" that way).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AnchorPutArgs } from '@govchain/anchor/schema'
import { suites, utf8 } from '@govchain/core'
import { GovChain, makeConsortium, ORG_IDS, personalDataHits, tx } from '../src/testkit.ts'

test('the scan finds a value in clear, and a value of digits only as a whole token, not inside hex', () => {
  const suite = suites.intl
  const c = makeConsortium(suite, 1)
  const g = new GovChain(suite, c.genesis)
  const put = (n: number, note: string) =>
    tx(suite, c.operators[ORG_IDS[0]!]!, 'anchor', 'put', AnchorPutArgs, {
      hash: suite.hash(utf8(`doc ${n}`)),
      kind: 'contract',
      note,
    })
  g.step([put(1, 'ab80070cd 1a80070f'), put(2, '王小明')])
  assert.deepEqual(personalDataHits(g, { tax: '80070' }), [], 'inside hex text: not a leak')
  assert.deepEqual(personalDataHits(g, { name: '王小明' }), ['block 1: name', 'store: name'])
  g.step([put(3, 'tax:80070,')])
  assert.deepEqual(personalDataHits(g, { tax: '80070' }), ['block 2: tax', 'store: tax'])
})
