/**
 * The licence API routes over a real in-process chain (GovChain fixture, real identity and
 * license modules): answers of every route, holder authentication (bad signature, foreign key,
 * stale time, not the holder), and property tests that hostile bodies, ids and query strings
 * never cause a 5xx or an uncatalogued code.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { fromHex, isErrorCode, toHex } from '@govchain/core'
import { tx } from '@govchain/distribution/testkit'
import { CreateDidArgs, deriveDid, IDENTITY_MODULE } from '@govchain/identity/schema'
import fc from 'fast-check'
import type { LicenseKeeper } from '../src/module.ts'
import { HOLDER_QUERY_SKEW_MS, LICENSE_MODULE, RecordUseArgs, StatusChangeArgs } from '../src/schema.ts'

import { auth, type Env, NOW, setup, suite } from './routes-fixtures.ts'

describe('licence API routes', () => {
  let env: Env
  before(() => {
    env = setup()
  })
  after(() => env.server.close())

  test('types, licence, list, history, verify', async () => {
    const get = async (url: string) => {
      const r = await env.server.inject({ method: 'GET', url })
      assert.equal(r.statusCode, 200, `${url} → ${r.body}`)
      return r.json() as Record<string, unknown>
    }
    const types = (await get('/v1/license-types')).items as { alias: string }[]
    assert.equal(types.length, 6)
    assert.equal((await get('/v1/license-types/jzqyzz')).name, '建筑业企业资质证书')
    const one = await get(`/v1/licenses/${env.id}`)
    assert.equal((one.license as { effectiveStatus: string }).effectiveStatus, 'active')
    assert.equal((one.type as { alias: string }).alias, 'jzqyzz')
    const list = await get(`/v1/licenses?holder=${env.holder}`)
    assert.deepEqual(
      (list.items as { id: string }[]).map((x) => x.id),
      [env.id],
    )
    assert.equal(((await get('/v1/licenses?issuer=housing&status=revoked')).items as unknown[]).length, 0)
    assert.equal(((await get(`/v1/licenses/${env.id}/history`)).items as unknown[]).length, 1)
    const v = await env.server.inject({
      method: 'POST',
      url: '/v1/licenses/verify',
      payload: { credential: env.cred.credential, prove: false },
    })
    assert.equal(v.statusCode, 200, v.body)
    const body = v.json() as { verdict: string; disclosed: { label: string }[] }
    assert.equal(body.verdict, 'valid')
    assert.ok(body.disclosed.some((d) => d.label === '企业名称'))
    const nf = await env.server.inject({ method: 'GET', url: '/v1/licenses/1.2.3' })
    assert.equal(nf.statusCode, 404)
    assert.equal((nf.json() as { code: string }).code, 'LICENSE_NOT_FOUND')
    const both = await env.server.inject({ method: 'POST', url: '/v1/licenses/verify', payload: {} })
    assert.equal(both.statusCode, 400)
  })

  test('print: a valid credential gives its PDF; a tampered one a typed error', async () => {
    const r = await env.server.inject({
      method: 'POST',
      url: '/v1/licenses/print',
      payload: { credential: env.cred.credential, verifyUrl: 'http://127.0.0.1:5173/verify' },
    })
    assert.equal(r.statusCode, 200, r.body.slice(0, 500))
    assert.match(String(r.headers['content-type']), /^application\/pdf/)
    assert.match(String(r.headers['content-disposition']), new RegExp(`licence-${env.id.replaceAll('.', '\\.')}\\.pdf`))
    assert.equal(r.rawPayload.subarray(0, 5).toString(), '%PDF-')
    // One character of the issuer signature changed: the node refuses to print it.
    const [jwt, ...rest] = env.cred.credential.split('~')
    const sig = jwt!.slice(-4)
    const bad = `${jwt!.slice(0, -4)}${sig === 'AAAA' ? 'BBBB' : 'AAAA'}~${rest.join('~')}`
    const e = await env.server.inject({ method: 'POST', url: '/v1/licenses/print', payload: { credential: bad } })
    assert.equal(e.statusCode, 400, e.body)
    assert.equal((e.json() as { code: string }).code, 'LICENSE_CREDENTIAL_HASH_MISMATCH')
    const junk = await env.server.inject({ method: 'POST', url: '/v1/licenses/print', payload: { credential: 'x' } })
    assert.equal(junk.statusCode, 400)
    assert.equal((junk.json() as { code: string }).code, 'LICENSE_CREDENTIAL_MALFORMED')
    const noUrl = await env.server.inject({
      method: 'POST',
      url: '/v1/licenses/print',
      payload: { credential: env.cred.credential, verifyUrl: 'javascript:alert(1)' },
    })
    assert.equal(noUrl.statusCode, 400)
  })

  test('uses and grants only for the holder, with a fresh signature', async () => {
    const path = `/v1/licenses/${env.id}/uses`
    const ok = await env.server.inject({ method: 'GET', url: `${path}?${auth(env, path)}` })
    assert.equal(ok.statusCode, 200, ok.body)
    const body = ok.json() as { uses: { org: string }[]; grants: { service: string; uses: number }[] }
    assert.equal(body.uses[0]!.org, 'tax')
    assert.equal(body.grants[0]!.uses, 1)
    const code = async (q: string) => {
      const r = await env.server.inject({ method: 'GET', url: `${path}?${q}` })
      return [r.statusCode, (r.json() as { code: string }).code]
    }
    const stranger = suite.generateKeyPair()
    assert.deepEqual(await code(auth(env, path, { key: stranger.privateKey })), [401, 'LICENSE_AUTH_INVALID'])
    assert.deepEqual(await code(auth(env, path, { ts: NOW - HOLDER_QUERY_SKEW_MS - 1 })), [401, 'LICENSE_AUTH_INVALID'])
    assert.deepEqual(await code(auth(env, '/v1/license-grants')), [401, 'LICENSE_AUTH_INVALID']) // signed for another path
    // A real DID that is not the holder.
    const other = suite.generateKeyPair()
    const otherDid = deriveDid(suite, other.publicKey)
    env.g.step([tx(suite, other, IDENTITY_MODULE, 'createDid', CreateDidArgs, {})])
    assert.deepEqual(await code(auth(env, path, { key: other.privateKey, did: otherDid })), [403, 'LICENSE_NOT_HOLDER'])
    const grants = await env.server.inject({
      method: 'GET',
      url: `/v1/license-grants?${auth(env, '/v1/license-grants')}`,
    })
    assert.equal((grants.json() as { items: unknown[] }).items.length, 1)
    assert.ok(fromHex(toHex(env.holderKey.publicKey)))
  })

  test('property: hostile verify bodies, ids and queries never 5xx, always a catalogued code', async () => {
    const check = (r: { statusCode: number; body: string; json: () => unknown }, what: string) => {
      assert.ok(r.statusCode < 500, `${what} → ${r.statusCode} ${r.body}`)
      if (r.statusCode >= 400) assert.ok(isErrorCode((r.json() as { code: string }).code), `${what}: ${r.body}`)
    }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ credential: fc.string({ maxLength: 300 }) }),
          fc.record({ qr: fc.string({ maxLength: 300 }).map((s) => `GCL1:${s.toUpperCase()}`) }),
          fc.record({ credential: fc.constant(env.cred.credential.slice(0, 200)), prove: fc.boolean() }),
          fc.anything(),
        ),
        async (value) => {
          const payload = JSON.stringify(value) ?? 'null'
          const r = await env.server.inject({
            method: 'POST',
            url: '/v1/licenses/verify',
            payload,
            headers: { 'content-type': 'application/json' },
          })
          check(r, payload.slice(0, 100))
        },
      ),
      { numRuns: 150 },
    )
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }), async (id, q) => {
        for (const url of [
          `/v1/licenses/${encodeURIComponent(id)}`,
          `/v1/licenses/${encodeURIComponent(id)}/history`,
          `/v1/licenses?holder=${encodeURIComponent(q)}`,
          `/v1/license-types/${encodeURIComponent(id)}`,
          `/v1/licenses/${encodeURIComponent(env.id)}/uses?did=${encodeURIComponent(q)}&key=00&ts=1&sig=00`,
        ]) {
          check(await env.server.inject({ method: 'GET', url }), url)
        }
      }),
      { numRuns: 100 },
    )
  })
})

describe('licence history and uses page without a fixed cut', () => {
  let env: Env
  before(() => {
    env = setup()
    const k = env.g.keeper<LicenseKeeper>(LICENSE_MODULE)
    const grantId = k.grantsOf(env.id)[0]!.grantId
    const housing = env.operators.housing!
    const steps = [
      tx(suite, housing, LICENSE_MODULE, 'suspend', StatusChangeArgs, { id: env.id, reason: '整改' }),
      tx(suite, housing, LICENSE_MODULE, 'reinstate', StatusChangeArgs, { id: env.id, reason: '整改完成' }),
      tx(suite, env.operators.tax!, LICENSE_MODULE, 'recordUse', RecordUseArgs, { licenseId: env.id, grantId }),
      tx(suite, env.operators.tax!, LICENSE_MODULE, 'recordUse', RecordUseArgs, { licenseId: env.id, grantId }),
    ]
    for (const t of steps) assert.equal(env.g.step([t])[0]!.code, 'OK')
  })
  after(() => env.server.close())

  /** Every page of a list at `limit`, following the cursor named `cursor` until it is null. */
  async function walk(url: (after: string | undefined) => string, list: string, cursor: string) {
    const pages: number[][] = []
    for (let after: string | undefined, n = 0; n < 10; n++) {
      const r = await env.server.inject({ method: 'GET', url: url(after) })
      assert.equal(r.statusCode, 200, r.body)
      const body = r.json() as Record<string, unknown>
      pages.push((body[list] as { seq: number }[]).map((x) => x.seq))
      if (body[cursor] === null) return pages
      after = body[cursor] as string
    }
    throw new Error('the cursor never ended')
  }

  test('history: three entries one at a time, then all on one page', async () => {
    const at = (limit: number) => (after: string | undefined) =>
      `/v1/licenses/${env.id}/history?limit=${limit}${after === undefined ? '' : `&after=${after}`}`
    assert.deepEqual(await walk(at(1), 'items', 'next'), [[0], [1], [2]])
    assert.deepEqual(await walk(at(2), 'items', 'next'), [[0, 1], [2]])
    assert.deepEqual(await walk(at(100), 'items', 'next'), [[0, 1, 2]])
  })

  test('uses: three recorded uses a page at a time under the same signature; grants whole on each page', async () => {
    const path = `/v1/licenses/${env.id}/uses`
    const signed = auth(env, path)
    const at = (after: string | undefined) => `${path}?${signed}&limit=2${after === undefined ? '' : `&after=${after}`}`
    assert.deepEqual(await walk(at, 'uses', 'usesNext'), [[0, 1], [2]])
    const r = await env.server.inject({ method: 'GET', url: at('0') })
    assert.equal((r.json() as { grants: unknown[] }).grants.length, 1)
  })

  test('a cursor that is not a number, or a limit out of range, is a coded 400', async () => {
    for (const q of ['after=x', 'after=-1', 'after=01', 'limit=0', 'limit=1001']) {
      const r = await env.server.inject({ method: 'GET', url: `/v1/licenses/${env.id}/history?${q}` })
      assert.equal(r.statusCode, 400, q)
      assert.ok(isErrorCode((r.json() as { code: string }).code), q)
    }
  })

  test('past the end: an empty page and no cursor', async () => {
    const r = await env.server.inject({ method: 'GET', url: `/v1/licenses/${env.id}/history?after=2` })
    assert.deepEqual(r.json(), { id: env.id, items: [], next: null })
  })
})
