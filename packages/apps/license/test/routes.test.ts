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
import { HOLDER_QUERY_SKEW_MS } from '../src/schema.ts'

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
