/**
 * Checked answers (answer.ts): route-kit's schemas, the plain-JSON-Schema forms included, accept
 * what they describe and refuse the rest with SdkError SDK_BAD_RESPONSE naming the field. The
 * agreement with Ajv over every route's real answers is in packages/node/test/api-answers.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SdkError } from '@govchain/client'
import { Type } from '@sinclair/typebox'
import {
  type AnswerPage,
  checkAnswer,
  eachPage,
  FOLLOW_PAGES_MAX_ITEMS,
  followPages,
  getAnswer,
} from '../src/answer.ts'
import { Hex32, Int, NextCursor, Nullable, ProofOrNull, StringEnum } from '../src/route-kit.ts'

const View = Type.Object({
  id: Type.String(),
  level: StringEnum(['national', 'provincial'] as const),
  removedFromHeight: Type.Optional(Int),
  hash: Nullable(Hex32),
  limits: Nullable(Type.Object({ rowsMax: Int })),
  proof: ProofOrNull,
  next: NextCursor,
})
const valid = {
  id: 'police',
  level: 'national',
  hash: null,
  limits: { rowsMax: 10 },
  proof: null,
  next: null,
  addedLater: 'a newer node may add fields',
}

async function refusal(value: unknown): Promise<SdkError> {
  try {
    await checkAnswer(View, value, 'GET /v1/x')
  } catch (e) {
    assert.ok(e instanceof SdkError, String(e))
    assert.equal(e.code, 'SDK_BAD_RESPONSE')
    return e
  }
  assert.fail(`accepted ${JSON.stringify(value)}`)
}

describe('checked answers', () => {
  it('accepts what the schema describes, nullable and optional fields and extra properties included', async () => {
    assert.deepEqual(await checkAnswer(View, valid, 'GET /v1/x'), valid)
    const other = { ...valid, hash: 'ab'.repeat(32), limits: null, removedFromHeight: 3, next: 'c1' }
    assert.deepEqual(await checkAnswer(View, other, 'GET /v1/x'), other)
  })

  it('refuses a wrong kind, an unknown enum value, a bad pattern, a missing field; names the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...valid, level: 'galactic' }, '/level'],
      [{ ...valid, level: null }, '/level'],
      [{ ...valid, hash: 'AB' }, '/hash'],
      [{ ...valid, limits: { rowsMax: -1 } }, '/limits'],
      [{ ...valid, limits: 'none' }, '/limits'],
      [{ ...valid, next: 7 }, '/next'],
      [{ ...valid, removedFromHeight: 1.5 }, '/removedFromHeight'],
      [{ ...valid, proof: { height: 1 } }, '/proof'],
      [{ ...valid, id: undefined }, '/id'],
    ]
    for (const [value, path] of cases) {
      const e = await refusal(value)
      assert.match(e.message, /^unexpected response: GET \/v1\/x at \//, e.message)
      assert.ok(String(e.details?.path).startsWith(path), `${JSON.stringify(value)}: ${e.message}`)
    }
    for (const value of [null, [], 'x', 3]) await refusal(value)
  })

  it('getAnswer reads through the client and checks; the query string stays out of the message', async () => {
    const client = (body: Record<string, unknown>) => ({ getJson: async () => body })
    assert.equal((await getAnswer(client(valid), '/v1/x?after=1', View)).id, 'police')
    await assert.rejects(getAnswer(client({ ...valid, level: 1 }), '/v1/x?after=1', View), (e: unknown) => {
      assert.ok(e instanceof SdkError && e.code === 'SDK_BAD_RESPONSE')
      assert.match(e.message, /^unexpected response: GET \/v1\/x at \/level/)
      return true
    })
  })
})

describe('followPages', () => {
  /** A node serving `count` numbered entries, `size` per page; the requests it saw. */
  function node(count: number, size: number) {
    const asked: (string | undefined)[] = []
    const page = async (after: string | undefined): Promise<AnswerPage<number>> => {
      asked.push(after)
      const from = after === undefined ? 0 : Number(after) + 1
      const to = Math.min(count, from + size)
      const items = Array.from({ length: to - from }, (_, i) => from + i)
      return { items, next: to < count ? String(to - 1) : null }
    }
    return { page, asked }
  }

  it('walks every page from the first, and from a first page the caller already holds', async () => {
    const n = node(250, 70)
    assert.deepEqual(
      await followPages(n.page),
      Array.from({ length: 250 }, (_, i) => i),
    )
    assert.deepEqual(n.asked, [undefined, '69', '139', '209'])
    const m = node(250, 70)
    const first = await m.page(undefined)
    m.asked.length = 0
    assert.equal((await followPages(m.page, first)).length, 250)
    assert.deepEqual(m.asked, ['69', '139', '209'], 'the held first page is not fetched again')
    const one = node(3, 70)
    assert.deepEqual(await followPages(one.page), [0, 1, 2])
    assert.deepEqual(one.asked, [undefined])
  })

  it('eachPage hands over each page before asking for the next', async () => {
    const n = node(250, 100)
    const seen: number[] = []
    for await (const items of eachPage(n.page)) {
      // The node has been asked exactly for the pages handed over so far.
      assert.equal(n.asked.length, seen.length + 1)
      seen.push(items.length)
    }
    assert.deepEqual(seen, [100, 100, 50])
    assert.deepEqual(n.asked, [undefined, '99', '199'])
  })

  it('a list longer than the bound is SDK_LIST_TOO_LONG, refused at the page that crosses it', async () => {
    const n = node(1000, 70)
    await assert.rejects(
      followPages(n.page, undefined, 200),
      (e: unknown) =>
        e instanceof SdkError &&
        e.code === 'SDK_LIST_TOO_LONG' &&
        e.details?.maxItems === 200 &&
        /page by page/.test(e.message),
    )
    assert.equal(n.asked.length, 3, 'pages of 70: the third crosses 200, nothing is asked after it')
    assert.equal((await followPages(node(200, 70).page, undefined, 200)).length, 200, 'exactly the bound is taken')
    // A node that makes up a new cursor for every page stops at the default bound, not at memory's end.
    let calls = 0
    const endless = async (): Promise<AnswerPage<number>> => {
      calls++
      return { items: Array.from({ length: 1000 }, (_, i) => i), next: `c${calls}` }
    }
    await assert.rejects(followPages(endless), (e: unknown) => e instanceof SdkError && e.code === 'SDK_LIST_TOO_LONG')
    assert.equal(calls, FOLLOW_PAGES_MAX_ITEMS / 1000 + 1)
  })

  it('a node that hands back a cursor it gave before is SDK_BAD_RESPONSE, not an endless walk', async () => {
    let calls = 0
    const cycling = async (after: string | undefined): Promise<AnswerPage<number>> => {
      calls++
      return { items: [calls], next: after === 'a' ? 'b' : 'a' }
    }
    await assert.rejects(
      followPages(cycling),
      (e: unknown) => e instanceof SdkError && e.code === 'SDK_BAD_RESPONSE' && e.message.includes('cursor a'),
    )
    assert.equal(calls, 3)
  })
})
