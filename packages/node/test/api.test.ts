import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  decode,
  errorCodes,
  errorInfo,
  fromBase64,
  GovchainError,
  LIMITS,
  toBase64,
  toHex,
  utf8,
  ValidatorSet,
} from '@govchain/core'
import { type ApiServer, createApiServer, errorAnswer } from '../src/api/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { BOOM_HASH, FakeBackend, makeSignedTx, memoryLogger, SECRET, sha256 } from '../src/testing/fake-backend.ts'

function setup(opts: { limits?: Record<string, number>; nowMs?: () => number; corsOrigins?: string[] } = {}) {
  const backend = new FakeBackend()
  backend.addBlock()
  backend.addBlock([sha256(utf8('a')), sha256(utf8('b'))])
  const metrics = new NodeMetrics({ processMetrics: false })
  const log = memoryLogger('info')
  const server = createApiServer({
    backend,
    metrics,
    logger: log.logger,
    host: '127.0.0.1',
    port: 0,
    ...(opts.limits === undefined ? {} : { limits: opts.limits }),
    ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }),
    ...(opts.corsOrigins === undefined ? {} : { corsOrigins: opts.corsOrigins }),
  })
  return { backend, metrics, server, log }
}

const postTx = (server: ApiServer, payload: unknown, headers: Record<string, string> = {}) =>
  server.inject({
    method: 'POST',
    url: '/v1/txs',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  })

function assertError(res: { statusCode: number; json: () => unknown }, status: number, code: string): void {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()))
  const body = res.json() as { code: string; message: string }
  assert.equal(body.code, code)
  assert.equal(typeof body.message, 'string')
  assert.equal(errorInfo(code)?.http, status, 'status follows the catalogue')
}

describe('API routes (inject)', () => {
  let ctx: ReturnType<typeof setup>
  before(() => {
    ctx = setup()
  })
  after(() => ctx.server.close())

  test('GET /v1/status renders hex and lists validators', async () => {
    const res = await ctx.server.inject({ method: 'GET', url: '/v1/status' })
    assert.equal(res.statusCode, 200)
    const s = res.json()
    assert.equal(s.chainId, 'govchain-test')
    assert.equal(s.suite, 'intl')
    assert.equal(s.height, 2)
    assert.equal(s.latestBlockHash, toHex(ctx.backend.blocks[1]!.hash))
    assert.match(s.stateRoot, /^[0-9a-f]{64}$/)
    assert.deepEqual(s.validators[0], { id: 'market', votingPower: 10, publicKey: 'a1'.repeat(32) })
    assert.deepEqual(s.peers, [{ id: 'housing', address: '127.0.0.1:26601' }, { id: 'police' }])
    assert.equal(s.catchingUp, false)
    assert.equal(s.round, 0)
    assert.deepEqual(s.mempool, { size: 0, bytes: 0 })
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
  })

  test('GET /v1/blocks/:height and /latest', async () => {
    const b = ctx.backend.blocks[1]!
    for (const url of ['/v1/blocks/2', '/v1/blocks/latest']) {
      const res = await ctx.server.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      const j = res.json()
      assert.equal(j.height, 2)
      assert.equal(j.hash, toHex(b.hash))
      assert.equal(j.header.height, 2)
      assert.equal(j.header.previousHash, toHex(ctx.backend.blocks[0]!.hash))
      assert.equal(j.header.proposer, 'market')
      assert.deepEqual(fromBase64(j.headerBytes), b.headerBytes)
      assert.deepEqual(fromBase64(j.certificate), b.certificate)
      assert.deepEqual(j.txHashes, b.txHashes.map(toHex))
    }
  })

  test('GET /v1/blocks errors: unknown height 404, bad heights 400', async () => {
    assertError(await ctx.server.inject({ method: 'GET', url: '/v1/blocks/3' }), 404, 'BLOCK_NOT_FOUND')
    for (const h of ['0', '-1', 'abc', '1.5', '9007199254740993', '1e400', '%00']) {
      assertError(await ctx.server.inject({ method: 'GET', url: `/v1/blocks/${h}` }), 400, 'INVALID_ARGUMENT')
    }
  })

  test('GET /v1/blocks/latest on an empty chain is 404', async () => {
    const empty = setup()
    empty.backend.blocks = []
    assertError(await empty.server.inject({ method: 'GET', url: '/v1/blocks/latest' }), 404, 'BLOCK_NOT_FOUND')
    await empty.server.close()
  })

  test('POST /v1/txs accepts a transaction (202) and then finds it pending', async () => {
    const tx = makeSignedTx(1)
    const res = await postTx(ctx.server, { tx: toBase64(tx) })
    assert.equal(res.statusCode, 202)
    assert.deepEqual(res.json(), { hash: toHex(sha256(tx)) })
    const got = await ctx.server.inject({ method: 'GET', url: `/v1/txs/${toHex(sha256(tx)).toUpperCase()}` })
    assert.equal(got.statusCode, 200)
    assert.deepEqual(got.json(), {
      hash: toHex(sha256(tx)),
      status: 'pending',
      height: null,
      index: null,
      code: null,
      events: [],
    })
    // The same again is a duplicate, with the catalogue's status and details as hex.
    const dup = await postTx(ctx.server, { tx: toBase64(tx) })
    assertError(dup, 409, 'TX_DUPLICATE')
    assert.deepEqual(dup.json().details, { hash: toHex(sha256(tx)) })
  })

  test('GET /v1/txs/:hash committed with events', async () => {
    const hash = sha256(utf8('committed'))
    ctx.backend.txs.set(toHex(hash), {
      hash,
      status: 'committed',
      height: 2,
      index: 1,
      code: 'OK',
      events: [{ module: 'anchor', type: 'anchored', attributes: { hash: 'ab', kind: 'contract' } }],
    })
    const res = await ctx.server.inject({ method: 'GET', url: `/v1/txs/${toHex(hash)}` })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), {
      hash: toHex(hash),
      status: 'committed',
      height: 2,
      index: 1,
      code: 'OK',
      events: [{ module: 'anchor', type: 'anchored', attributes: { hash: 'ab', kind: 'contract' } }],
    })
  })

  test('GET /v1/txs/:hash errors', async () => {
    assertError(await ctx.server.inject({ method: 'GET', url: `/v1/txs/${'00'.repeat(32)}` }), 404, 'TX_NOT_FOUND')
    for (const h of ['abc', '00'.repeat(31), '00'.repeat(33), 'zz'.repeat(32)]) {
      assertError(await ctx.server.inject({ method: 'GET', url: `/v1/txs/${h}` }), 400, 'INVALID_ARGUMENT')
    }
  })

  test('POST /v1/txs rejects bad requests with coded 4xx', async () => {
    const s = ctx.server
    assertError(await postTx(s, '{"tx":'), 400, 'INVALID_ARGUMENT') // invalid JSON
    assertError(await postTx(s, ''), 400, 'INVALID_ARGUMENT') // empty body
    assertError(await postTx(s, {}), 400, 'INVALID_ARGUMENT') // missing field
    assertError(await postTx(s, { tx: 12345678 }), 400, 'INVALID_ARGUMENT') // not coerced to a string
    assertError(await postTx(s, { tx: toBase64(makeSignedTx(2)), extra: 1 }), 400, 'INVALID_ARGUMENT')
    assertError(await postTx(s, []), 400, 'INVALID_ARGUMENT')
    assertError(await postTx(s, 'null'), 400, 'INVALID_ARGUMENT')
    assertError(await postTx(s, { tx: 'not base64!' }), 400, 'INVALID_ARGUMENT')
    assertError(await postTx(s, { tx: 'AAA' }), 400, 'INVALID_ARGUMENT') // missing padding
    assertError(await postTx(s, { tx: 'AB==' }), 400, 'INVALID_ARGUMENT') // non-zero pad bits (not canonical)
    assertError(await postTx(s, { tx: 'AAAA' }), 400, 'TX_MALFORMED') // base64 fine, bytes not a SignedTx
    assertError(
      await s.inject({ method: 'POST', url: '/v1/txs', headers: { 'content-type': 'text/plain' }, payload: 'x' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    )
    assertError(await s.inject({ method: 'POST', url: '/v1/txs' }), 400, 'INVALID_ARGUMENT') // no body
    // Over the base64 length of the largest transaction (but under the body limit): the transaction is too large.
    const big = 'A'.repeat(Math.ceil(LIMITS.txBytes / 3) * 4 + 4)
    assertError(await postTx(s, { tx: big }), 413, 'TX_TOO_LARGE')
    // Over the body limit: 413 before parsing.
    assertError(await postTx(s, { tx: 'A'.repeat(1024 * 1024 + 8) }), 413, 'PAYLOAD_TOO_LARGE')
  })

  test('POST /v1/txs maps admission codes to their catalogue status', async () => {
    for (const code of ['MEMPOOL_FULL', 'MEMPOOL_SENDER_QUOTA', 'TX_BAD_SIGNATURE', 'TX_REPLAY'] as const) {
      ctx.backend.rejectWith = new GovchainError(code)
      assertError(await postTx(ctx.server, { tx: toBase64(makeSignedTx(3)) }), errorInfo(code)!.http, code)
    }
    ctx.backend.rejectWith = undefined
    const text = await ctx.metrics.text()
    assert.match(text, /govchain_txs_rejected_total\{code="MEMPOOL_FULL"\} 1/)
  })

  test('GET /v1/state/:module/:key with and without proof', async () => {
    const key = utf8('doc-1')
    ctx.backend.stateValues.set(`anchor/${toHex(key)}`, utf8('value-1'))
    const plain = await ctx.server.inject({ method: 'GET', url: `/v1/state/anchor/${toHex(key)}` })
    assert.equal(plain.statusCode, 200)
    assert.deepEqual(plain.json(), {
      module: 'anchor',
      key: toHex(key),
      value: toBase64(utf8('value-1')),
      height: 2,
      proof: null,
      headerBytes: null,
      certificate: null,
      validatorSet: null,
    })
    const proved = await ctx.server.inject({ method: 'GET', url: `/v1/state/anchor/${toHex(key)}?prove=true&height=1` })
    assert.equal(proved.statusCode, 200)
    const p = proved.json()
    assert.equal(p.height, 1)
    assert.deepEqual(fromBase64(p.proof), utf8(`proof-of-${toHex(key)}`))
    assert.deepEqual(fromBase64(p.headerBytes), ctx.backend.blocks[0]!.headerBytes)
    assert.deepEqual(fromBase64(p.certificate), ctx.backend.blocks[0]!.certificate)
    assert.deepEqual(fromBase64(p.validatorSet), new Uint8Array([1, 2, 3]))
    const absent = await ctx.server.inject({ method: 'GET', url: '/v1/state/anchor/00ff?prove=true' })
    assert.equal(absent.statusCode, 200)
    assert.equal(absent.json().value, null)
    assert.notEqual(absent.json().proof, null)
  })

  test('GET /v1/state errors', async () => {
    const s = ctx.server
    assertError(await s.inject({ method: 'GET', url: '/v1/state/anchor/00?height=9' }), 404, 'QUERY_UNKNOWN_HEIGHT')
    assertError(await s.inject({ method: 'GET', url: '/v1/state/nosuch/00' }), 404, 'QUERY_UNKNOWN_MODULE')
    for (const url of [
      '/v1/state/anchor/0', // odd hex
      '/v1/state/anchor/zz',
      '/v1/state/Anchor/00', // module names are lowercase
      '/v1/state/anchor/00?prove=maybe',
      '/v1/state/anchor/00?height=0',
      '/v1/state/anchor/00?height=x',
      '/v1/state/anchor/00?unknown=1',
      '/v1/state/anchor/00?prove=true&prove=false',
      `/v1/state/anchor/${'00'.repeat(513)}`,
    ]) {
      assertError(await s.inject({ method: 'GET', url }), 400, 'INVALID_ARGUMENT')
    }
  })

  test('GET /v1/validators', async () => {
    const res = await ctx.server.inject({ method: 'GET', url: '/v1/validators' })
    assert.equal(res.statusCode, 200)
    const j = res.json()
    assert.equal(j.validators.length, 4)
    assert.deepEqual(j.validators[3], { id: 'tax', votingPower: 10, publicKey: 'a4'.repeat(32) })
    assert.deepEqual(decode(ValidatorSet, fromBase64(j.encoded)), ctx.backend.validators)
  })

  test('GET /healthz follows backend.healthy()', async () => {
    const ok = await ctx.server.inject({ method: 'GET', url: '/healthz' })
    assert.equal(ok.statusCode, 200)
    assert.deepEqual(ok.json(), { ok: true })
    ctx.backend.health = { ok: false, reason: 'catching up' }
    const bad = await ctx.server.inject({ method: 'GET', url: '/healthz' })
    assert.equal(bad.statusCode, 503)
    assert.deepEqual(bad.json(), { ok: false, reason: 'catching up' })
    ctx.backend.health = { ok: true }
  })

  test('unknown errors are 500 INTERNAL, logged with stack, never leaked', async () => {
    const res = await ctx.server.inject({ method: 'GET', url: `/v1/txs/${BOOM_HASH}` })
    assertError(res, 500, 'INTERNAL')
    assert.ok(!res.body.includes(SECRET))
    const logged = ctx.log
      .lines()
      .map((l) => JSON.parse(l))
      .find((l) => l.level === 'error' && l.msg === 'request failed' && l.url.includes(BOOM_HASH))
    assert.ok(logged, 'the failure is logged at error')
    assert.match(logged.err.stack, new RegExp(SECRET))
    assert.ok(
      !ctx.log.lines().some((l) => l.includes('MEMPOOL_FULL') && l.includes('"error"')),
      'a 503 (load, not a fault) is not logged at error',
    )
  })

  test('a 5xx GovchainError answers its code with the catalogue message only', async () => {
    ctx.backend.rejectWith = new GovchainError('STORE_CORRUPT', `bad record at ${SECRET}`, { path: SECRET })
    const res = await postTx(ctx.server, { tx: toBase64(makeSignedTx(4)) })
    ctx.backend.rejectWith = undefined
    assertError(res, 500, 'STORE_CORRUPT')
    assert.ok(!res.body.includes(SECRET))
  })

  test('unknown routes and methods are 404 NOT_FOUND', async () => {
    assertError(await ctx.server.inject({ method: 'GET', url: '/v2/status' }), 404, 'NOT_FOUND')
    assertError(await ctx.server.inject({ method: 'DELETE', url: '/v1/status' }), 404, 'NOT_FOUND')
  })

  test('GET /v1/events without an upgrade is 426', async () => {
    assertError(await ctx.server.inject({ method: 'GET', url: '/v1/events' }), 426, 'UPGRADE_REQUIRED')
    assertError(await ctx.server.inject({ method: 'GET', url: '/v1/events?types=nope' }), 400, 'INVALID_ARGUMENT')
  })

  test('/docs is self-contained HTML generated from the OpenAPI document', async () => {
    const res = await ctx.server.inject({ method: 'GET', url: '/docs' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/html/)
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/)
    const html = res.body
    assert.ok(!/<script|<link|<img|<iframe|src=|@import|url\(/i.test(html), 'nothing loaded from elsewhere')
    assert.ok(!/https?:\/\//.test(html), 'no absolute URL at all')
    for (const path of ['/v1/status', '/v1/blocks/{height}', '/v1/txs', '/v1/state/{module}/{key}', '/v1/events']) {
      assert.ok(html.includes(`<code>${path}</code>`), path)
    }
    for (const code of errorCodes()) assert.ok(html.includes(`<code>${code}</code>`), code)
  })

  test('errorAnswer never answers 5xx for fastify client errors', () => {
    assert.equal(errorAnswer(Object.assign(new SyntaxError('x'), { statusCode: 400 })).status, 400)
    assert.equal(errorAnswer(new Error('boom')).body.code, 'INTERNAL')
    assert.equal(errorAnswer(undefined).body.code, 'INTERNAL')
    assert.equal(errorAnswer('string').status, 500)
  })
})

describe('API rate limiting and CORS', () => {
  test('POST /v1/txs is limited per client IP with a token bucket', async () => {
    let now = 0
    const { server, backend } = setup({ limits: { txPerSecondPerClient: 2, txBurstPerClient: 3 }, nowMs: () => now })
    const send = (n: number, ip = '10.0.0.1') =>
      server.inject({
        method: 'POST',
        url: '/v1/txs',
        remoteAddress: ip,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ tx: toBase64(makeSignedTx(n)) }),
      })
    for (let i = 0; i < 3; i++) assert.equal((await send(100 + i)).statusCode, 202)
    const limited = await send(200)
    assertError(limited, 429, 'RATE_LIMITED')
    assert.equal(limited.headers['retry-after'], '1')
    // Another client is not affected; the first one gets a token back after 500 ms.
    assert.equal((await send(201, '10.0.0.2')).statusCode, 202)
    now += 500
    assert.equal((await send(202)).statusCode, 202)
    assertError(await send(203), 429, 'RATE_LIMITED')
    assert.equal(backend.txs.size, 5, 'a limited request never reaches the backend')
    // Reads are not limited.
    assert.equal((await server.inject({ method: 'GET', url: '/v1/status', remoteAddress: '10.0.0.1' })).statusCode, 200)
    await server.close()
  })

  test('CORS allows localhost origins by default and configured origins only', async () => {
    const { server } = setup()
    const pre = await server.inject({
      method: 'OPTIONS',
      url: '/v1/txs',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    })
    assert.ok(pre.statusCode < 300)
    assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:5173')
    const other = await server.inject({ method: 'GET', url: '/v1/status', headers: { origin: 'https://evil.example' } })
    assert.equal(other.headers['access-control-allow-origin'], undefined)
    await server.close()

    const configured = setup({ corsOrigins: ['https://portal.gov.example'] })
    const ok = await configured.server.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { origin: 'https://portal.gov.example' },
    })
    assert.equal(ok.headers['access-control-allow-origin'], 'https://portal.gov.example')
    const local = await configured.server.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { origin: 'http://localhost:5173' },
    })
    assert.equal(local.headers['access-control-allow-origin'], undefined)
    await configured.server.close()
  })

  test('API requests are counted by route pattern', async () => {
    const { server, metrics } = setup()
    await server.inject({ method: 'GET', url: '/v1/blocks/1' })
    await server.inject({ method: 'GET', url: '/v1/blocks/2' })
    await server.inject({ method: 'GET', url: '/nope' })
    const text = await metrics.text()
    assert.match(text, /govchain_api_requests_total\{method="GET",route="\/v1\/blocks\/:height",status="200"\} 2/)
    assert.match(text, /govchain_api_requests_total\{method="GET",route="unmatched",status="404"\} 1/)
    await server.close()
  })
})
