/**
 * List filters (issue 15, Lists) over a real in-process chain: the licence listing filters by
 * issue date (block time, both bounds inclusive), department and status and pages by cursor;
 * "who used my data" checks its date range before anything else. A start after the end is a
 * coded 400 (INVALID_DATE_RANGE) that changes nothing — not even the single-use challenge.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { toHex } from '@govchain/core'
import { sharingApi, sharingAuthMessage } from '@govchain/distribution'
import { GOV_CHAIN_ID, tx } from '@govchain/distribution/testkit'
import { IssueArgs, LICENSE_MODULE, licenseId } from '../src/schema.ts'
import { type Env, setup, suite } from './routes-fixtures.ts'

type Page = { items: { id: string; issuedTimeMs: number; issuerOrg: string }[]; next: string | null }

describe('list filters', () => {
  let env: Env
  /** Issue block times of the fixture's licence and of the five issued here, one block each. */
  const times: number[] = []
  before(() => {
    env = setup({ extraApi: (ctx) => [sharingApi(ctx)] })
    const lk = env.g.keeper<{ type(code: string): { code: string } | undefined }>(LICENSE_MODULE)
    const type = lk.type('jzqyzz')!
    const housing = env.genesis.organisations.find((o) => o.id === 'housing')!
    times.push(
      env.g.keeper<{ license(id: string): { issuedTimeMs: number } }>(LICENSE_MODULE).license(env.id).issuedTimeMs,
    )
    for (let i = 0; i < 5; i++) {
      const id = licenseId({
        typeCode: type.code,
        issuerCode: housing.code,
        serial: String(10 + i).padStart(10, '0'),
        version: 1,
      })
      const r = env.g.step([
        tx(suite, env.operators.housing!, LICENSE_MODULE, 'issue', IssueArgs, {
          id,
          typeCode: type.code,
          holder: env.holder,
          credentialHash: new Uint8Array(32).fill(i + 1),
          validFromMs: env.g.timeMs,
          validUntilMs: env.g.timeMs + 1e10,
        }),
      ])
      assert.equal(r[0]!.code, 'OK')
      times.push(env.g.timeMs)
    }
  })
  after(() => env.server.close())

  const get = async (url: string) => env.server.inject({ method: 'GET', url })
  /** Every licence of a query, walking `next` until it is null; counts the pages. */
  const walk = async (query: string, limit: number) => {
    const ids: string[] = []
    let next: string | null = null
    let pages = 0
    do {
      const r = await get(`/v1/licenses?${query}&limit=${limit}${next === null ? '' : `&after=${next}`}`)
      assert.equal(r.statusCode, 200, r.body)
      const p = r.json() as Page
      ids.push(...p.items.map((x) => x.id))
      next = p.next
      pages++
    } while (next !== null)
    return { ids, pages }
  }

  test('licences issued between two dates, bounds inclusive, paged with the filter', async () => {
    assert.ok(new Set(times).size === times.length, 'one block time per licence')
    const all = await walk('issuer=housing', 2)
    assert.equal(all.ids.length, 6)
    // Exactly the second to the fourth of the five, by their own block times (inclusive both ends).
    const from = times[2]!
    const to = times[4]!
    const some = await walk(`issuer=housing&fromMs=${from}&toMs=${to}`, 1)
    assert.equal(some.ids.length, 3)
    const got = await Promise.all(
      some.ids.map(async (id) => ((await get(`/v1/licenses/${id}`)).json() as { license: Page['items'][0] }).license),
    )
    assert.deepEqual(
      got.map((l) => l.issuedTimeMs).sort((a, b) => a - b),
      times.slice(2, 5),
    )
    // One millisecond inside each bound drops the licence at that bound.
    assert.equal((await walk(`issuer=housing&fromMs=${from + 1}&toMs=${to - 1}`, 50)).ids.length, 1)
    // Open-ended ranges; a range before everything is empty with a null cursor (the list ended).
    assert.equal((await walk(`issuer=housing&fromMs=${times[5]!}`, 50)).ids.length, 1)
    assert.equal((await walk(`issuer=housing&toMs=${times[0]!}`, 50)).ids.length, 1)
    assert.equal((await walk('issuer=housing&toMs=0', 50)).ids.length, 0)
    // Department (issuer) with type, and status, combine with dates.
    const code = env.g.keeper<{ type(c: string): { code: string } }>(LICENSE_MODULE).type('jzqyzz').code
    assert.equal((await walk(`type=${code}&issuer=housing&fromMs=${from}`, 2)).ids.length, 4)
    assert.equal((await walk(`type=${code}&issuer=market&fromMs=${from}`, 2)).ids.length, 0)
    assert.equal((await walk(`issuer=housing&status=active&fromMs=${from}&toMs=${to}`, 2)).ids.length, 3)
    assert.equal((await walk(`issuer=housing&status=revoked&fromMs=${from}&toMs=${to}`, 2)).ids.length, 0)
  })

  test('the issuing department filters, alone or with type and status, and pages only its licences', async () => {
    // Three licences of market (营业执照) among housing's six: the department filter keeps each
    // department's own, page after page, with nothing repeated or missed at any page size.
    const yyzz = env.g.keeper<{ type(c: string): { code: string } }>(LICENSE_MODULE).type('yyzz')
    const market = env.genesis.organisations.find((o) => o.id === 'market')!
    const mine: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = licenseId({
        typeCode: yyzz.code,
        issuerCode: market.code,
        serial: String(20 + i).padStart(10, '0'),
        version: 1,
      })
      const r = env.g.step([
        tx(suite, env.operators.market!, LICENSE_MODULE, 'issue', IssueArgs, {
          id,
          typeCode: yyzz.code,
          holder: env.holder,
          credentialHash: new Uint8Array(32).fill(40 + i),
          validFromMs: env.g.timeMs,
          validUntilMs: env.g.timeMs + 1e10,
        }),
      ])
      assert.equal(r[0]!.code, 'OK')
      mine.push(id)
    }
    for (const limit of [1, 2, 50]) {
      const m = await walk('issuer=market', limit)
      assert.deepEqual([...m.ids].sort(), [...mine].sort(), `limit ${limit}`)
      const h = await walk('issuer=housing', limit)
      assert.equal(h.ids.length, 6, `limit ${limit}`)
      assert.equal(new Set(h.ids).size, 6)
      assert.ok(!h.ids.some((id) => mine.includes(id)))
    }
    // The holder's licences, narrowed to one department: each of its pages only that department's.
    assert.deepEqual([...(await walk(`holder=${env.holder}&issuer=market`, 1)).ids].sort(), [...mine].sort())
    assert.equal((await walk(`holder=${env.holder}&issuer=housing`, 2)).ids.length, 6)
    assert.equal((await walk(`type=${yyzz.code}&issuer=housing`, 2)).ids.length, 0)
    assert.equal((await walk('issuer=market&status=active', 2)).ids.length, 3)
    // A cursor taken from one department's listing never leaks the other's into the next page.
    const first = (await get('/v1/licenses?issuer=housing&limit=1')).json() as Page
    const cross = (await get(`/v1/licenses?issuer=market&limit=50&after=${first.next}`)).json() as Page
    assert.ok(cross.items.every((l) => l.issuerOrg === 'market'))
  })

  test('a department the chain does not know is a coded 404, not an empty list', async () => {
    const r = await get('/v1/licenses?issuer=nosuchdept')
    assert.equal(r.statusCode, 404, r.body)
    assert.equal((r.json() as { code: string }).code, 'IDENTITY_ORG_NOT_FOUND')
    const bad = await get('/v1/licenses?issuer=Bad%20Dept')
    assert.equal(bad.statusCode, 400, bad.body)
    assert.equal((bad.json() as { code: string }).code, 'INVALID_ARGUMENT')
  })

  test('a start after the end is a coded 400; a malformed bound is INVALID_ARGUMENT', async () => {
    const bad = await get(`/v1/licenses?issuer=housing&fromMs=${times[3]!}&toMs=${times[2]!}`)
    assert.equal(bad.statusCode, 400)
    assert.equal((bad.json() as { code: string }).code, 'INVALID_DATE_RANGE')
    for (const q of ['fromMs=-1', 'toMs=1.5', 'fromMs=abc', 'toMs=9999999999999999']) {
      const r = await get(`/v1/licenses?issuer=housing&${q}`)
      assert.equal(r.statusCode, 400, q)
      assert.equal((r.json() as { code: string }).code, 'INVALID_ARGUMENT', q)
    }
  })

  test('"who used my data" refuses a bad range before it spends the challenge', async () => {
    const ch = await env.server.inject({ method: 'POST', url: '/v1/sharing/auth/challenge', payload: {} })
    assert.equal(ch.statusCode, 200, ch.body)
    const { challenge } = ch.json() as { challenge: string }
    const body = {
      did: env.holder,
      publicKey: toHex(env.holderKey.publicKey),
      challenge,
      signature: toHex(
        suite.sign(env.holderKey.privateKey, sharingAuthMessage(GOV_CHAIN_ID, 'my-accesses', challenge)),
      ),
    }
    const bad = await env.server.inject({
      method: 'POST',
      url: '/v1/sharing/my-accesses',
      payload: { ...body, fromMs: 2_000, toMs: 1_000, consumer: 'housing' },
    })
    assert.equal(bad.statusCode, 400, bad.body)
    assert.equal((bad.json() as { code: string }).code, 'INVALID_DATE_RANGE')
    const neg = await env.server.inject({
      method: 'POST',
      url: '/v1/sharing/my-accesses',
      payload: { ...body, fromMs: -1 },
    })
    assert.equal((neg.json() as { code: string }).code, 'INVALID_ARGUMENT')
    // The same challenge still opens: the answer now is about the DID (no pseudonym linked to it),
    // not an unknown or used challenge.
    const again = await env.server.inject({
      method: 'POST',
      url: '/v1/sharing/my-accesses',
      payload: { ...body, fromMs: 1_000, toMs: 1_000 },
    })
    assert.equal((again.json() as { code: string }).code, 'SHARING_AUTH_FAILED', again.body)
    assert.doesNotMatch((again.json() as { message: string }).message, /challenge/)
  })
})
