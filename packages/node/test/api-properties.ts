import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { errorInfo, isErrorCode, toBase64 } from '@govchain/core'
import fc from 'fast-check'
import { FakeBackend, makeSignedTx } from '../src/testing/fake-backend.ts'
import { inProcessApiServer } from './in-process-api.ts'

/**
 * Random requests never get a 5xx (property tests over one in-process API server), shared by the
 * tiers: api-property.test.ts runs 80 POST and 300 GET runs, api-property.slow.test.ts the other
 * 320 and 1,200, so `npm test` runs the 400 and 1,500 of before.
 */
export function apiProperties(runs: { post: number; get: number }): void {
  const backend = new FakeBackend()
  backend.addBlock()
  backend.addBlock()
  const server = inProcessApiServer(backend)
  after(() => server.close())

  type Res = { statusCode: number; body: string; json: () => unknown }

  /** Never a 5xx; every error is a catalogued code with the catalogue's status. */
  function assertWellBehaved(res: Res, what: string): void {
    assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body}`)
    if (res.statusCode >= 400) {
      const body = res.json() as { code: string; message: unknown }
      assert.ok(isErrorCode(body.code), `${what} → unknown code ${body.code}`)
      assert.equal(errorInfo(body.code)?.http, res.statusCode, what)
      assert.equal(typeof body.message, 'string')
    }
  }

  const jsonValue = fc.jsonValue({ maxDepth: 3 })
  const bodies = fc.oneof(
    fc.string({ maxLength: 200 }), // arbitrary text, mostly invalid JSON
    jsonValue.map((v) => JSON.stringify(v)),
    fc.record({ tx: jsonValue }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }).map((s) => JSON.stringify({ tx: s })),
    fc.base64String({ maxLength: 400 }).map((s) => JSON.stringify({ tx: s })),
    fc.uint8Array({ maxLength: 400 }).map((b) => JSON.stringify({ tx: toBase64(b) })),
    fc.nat({ max: 1_000_000 }).map((n) => JSON.stringify({ tx: toBase64(makeSignedTx(n)) })),
    fc.tuple(fc.nat({ max: 1000 }), fc.nat({ max: 300 })).map(([n, cut]) => {
      const tx = makeSignedTx(n)
      return JSON.stringify({ tx: toBase64(tx.subarray(0, Math.min(cut, tx.length))) })
    }),
  )
  const contentTypes = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    '',
  )

  test('random bodies to POST /v1/txs never produce a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, async (payload, contentType) => {
        const headers: Record<string, string> = contentType === '' ? {} : { 'content-type': contentType }
        const res = await server.inject({ method: 'POST', url: '/v1/txs', headers, payload })
        assertWellBehaved(res, `POST ${contentType} ${payload.slice(0, 80)}`)
      }),
      { numRuns: runs.post },
    )
  })

  // Segments: printable ASCII, unicode, hex-looking strings, numbers of every shape, and path tricks.
  const segment = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.stringMatching(/^[0-9a-fA-F]{0,70}$/),
    fc.integer().map(String),
    fc.double().map(String),
    fc.constantFrom('latest', '..', '.', '%00', '%2F', '1e400', '-0', '0x10', 'NaN', ' 1', '1 ', '', 'anchor'),
  )
  const query = fc.dictionary(
    fc.constantFrom('prove', 'height', 'types', 'module', 'x'),
    fc.oneof(segment, fc.constantFrom('true', 'false', '1', '0', 'block', 'block,tx')),
    { maxKeys: 3 },
  )
  const enc = (s: string) => encodeURIComponent(s)
  const urls = fc.oneof(
    segment.map((h) => `/v1/blocks/${enc(h)}`),
    segment.map((h) => `/v1/txs/${enc(h)}`),
    fc
      .tuple(segment, segment, query)
      .map(([m, k, q]) => `/v1/state/${enc(m)}/${enc(k)}?${new URLSearchParams(q).toString()}`),
    fc
      .tuple(fc.constantFrom('anchor', 'nosuch'), fc.stringMatching(/^([0-9a-f]{2}){1,8}$/), query)
      .map(([m, k, q]) => `/v1/state/${m}/${k}?${new URLSearchParams(q).toString()}`),
    query.map((q) => `/v1/events?${new URLSearchParams(q).toString()}`),
    fc.constantFrom('/v1/status', '/v1/validators', '/healthz', '/v1/blocks/latest'),
    fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.map(enc).join('/')}`),
  )

  test('random params and queries to GET routes never produce a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(urls, async (url) => {
        const res = await server.inject({ method: 'GET', url })
        assertWellBehaved(res, `GET ${url}`)
      }),
      { numRuns: runs.get },
    )
  })
}
