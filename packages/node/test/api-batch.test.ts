/** POST /v1/txs/batch: per-item outcomes in order, 200/207, limits, rate limiting per item. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { errorInfo, GovchainError, LIMITS, toBase64, toHex } from '@govchain/core'
import type { SubmitTxOutcome } from '../src/api/backend.ts'
import { createApiServer } from '../src/api/index.ts'
import { BATCH_TXS_MAX } from '../src/api/schemas.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { FakeBackend, makeSignedTx, memoryLogger, sha256 } from '../src/testing/fake-backend.ts'

/** A backend with the batch call: records each call, so a test sees one call per request. */
class BatchBackend extends FakeBackend {
  calls: number[] = []
  async submitTxs(txs: readonly Uint8Array[]): Promise<SubmitTxOutcome[]> {
    this.calls.push(txs.length)
    return txs.map((t) => {
      try {
        return this.submitTx(t)
      } catch (error) {
        return { error }
      }
    })
  }
}

function setup(backend: FakeBackend, limits: Record<string, number> = {}, nowMs?: () => number) {
  const server = createApiServer({
    backend,
    metrics: new NodeMetrics({ processMetrics: false }),
    logger: memoryLogger('info').logger,
    host: '127.0.0.1',
    port: 0,
    limits,
    ...(nowMs === undefined ? {} : { nowMs }),
  })
  const post = (payload: unknown, ip = '10.0.0.1') =>
    server.inject({
      method: 'POST',
      url: '/v1/txs/batch',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    })
  return { server, post }
}

function assertError(res: { statusCode: number; json: () => unknown }, status: number, code: string): void {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()))
  assert.equal((res.json() as { code: string }).code, code)
  assert.equal(errorInfo(code)?.http, status)
}

for (const [name, make] of [
  ['with the backend batch call', () => new BatchBackend()],
  ['through submitTx per item', () => new FakeBackend()],
] as const) {
  describe(`POST /v1/txs/batch (${name})`, () => {
    test('accepts every item: 200, hashes in order, then each is pending', async () => {
      const backend = make()
      const { server, post } = setup(backend)
      const txs = [1, 2, 3].map((n) => makeSignedTx(n))
      const res = await post({ txs: txs.map(toBase64) })
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json() as { accepted: number; results: { hash: string }[] }
      assert.equal(body.accepted, 3)
      assert.deepEqual(
        body.results.map((r) => r.hash),
        txs.map((t) => toHex(sha256(t))),
      )
      for (const r of body.results) {
        const got = await server.inject({ method: 'GET', url: `/v1/txs/${r.hash}` })
        assert.equal((got.json() as { status: string }).status, 'pending')
      }
      if (backend instanceof BatchBackend) assert.deepEqual(backend.calls, [3], 'one backend call for the batch')
      await server.close()
    })

    test('mixed outcomes: 207 with {hash} or {code, message} per item, in order', async () => {
      const backend = make()
      const { server, post } = setup(backend)
      const ok = makeSignedTx(10)
      await post({ txs: [toBase64(makeSignedTx(11))] })
      const res = await post({
        txs: [
          toBase64(ok),
          'not base64!',
          toBase64(new Uint8Array([1, 2, 3])), // does not decode
          toBase64(makeSignedTx(11)), // already pending
          'A'.repeat(Math.ceil(LIMITS.txBytes / 3) * 4 + 4), // over the transaction limit
          toBase64(ok), // duplicate within the batch
        ],
      })
      assert.equal(res.statusCode, 207, res.body)
      const body = res.json() as { accepted: number; results: { hash?: string; code?: string; message?: string }[] }
      assert.equal(body.accepted, 1)
      assert.deepEqual(
        body.results.map((r) => r.hash ?? r.code),
        [toHex(sha256(ok)), 'INVALID_ARGUMENT', 'TX_MALFORMED', 'TX_DUPLICATE', 'TX_TOO_LARGE', 'TX_DUPLICATE'],
      )
      for (const r of body.results.slice(1)) assert.equal(typeof r.message, 'string')
      // Every item refused is still a 207 (the request itself was fine).
      const none = await post({ txs: ['@@@@'] })
      assert.equal(none.statusCode, 207)
      assert.equal((none.json() as { accepted: number }).accepted, 0)
      await server.close()
    })

    test('refuses a body that is not {txs: [...]} (400), too many items (400) or too large (413)', async () => {
      const backend = make()
      const { server, post } = setup(backend, { bodyBytesMax: 64 * 1024 })
      for (const bad of [{ txs: 'AAAA' }, { txs: {} }, { txs: [] }, { txs: [1, 2] }, { tx: 'AAAA' }, [], 'null']) {
        assertError(await post(bad), 400, 'INVALID_ARGUMENT')
      }
      assertError(await post({ txs: Array.from({ length: BATCH_TXS_MAX + 1 }, () => 'AAAA') }), 400, 'INVALID_ARGUMENT')
      assertError(await post({ txs: Array.from({ length: 300 }, () => 'A'.repeat(400)) }), 413, 'PAYLOAD_TOO_LARGE')
      const bad = await server.inject({
        method: 'POST',
        url: '/v1/txs/batch',
        headers: { 'content-type': 'text/plain' },
        payload: 'x',
      })
      assertError(bad, 415, 'UNSUPPORTED_MEDIA_TYPE')
      assert.equal(backend.txs.size, 0, 'nothing reached the backend')
      await server.close()
    })
  })
}

test('POST /v1/txs/batch takes one rate-limit token per item (at most the burst)', async () => {
  let now = 0
  const backend = new FakeBackend()
  const { server, post } = setup(backend, { txPerSecondPerClient: 2, txBurstPerClient: 3 }, () => now)
  assert.equal((await post({ txs: [1, 2].map((n) => toBase64(makeSignedTx(n))) })).statusCode, 200)
  const limited = await post({ txs: [3, 4].map((n) => toBase64(makeSignedTx(n))) })
  assertError(limited, 429, 'RATE_LIMITED')
  assert.equal(limited.headers['retry-after'], '1')
  now += 1000 // 2 tokens back, 3 in the bucket: a batch larger than the burst takes the burst
  assert.equal((await post({ txs: [5, 6, 7, 8].map((n) => toBase64(makeSignedTx(n))) })).statusCode, 200)
  assertError(await post({ txs: [toBase64(makeSignedTx(9))] }), 429, 'RATE_LIMITED')
  assert.equal(backend.txs.size, 6)
  await server.close()
})

test('the batch route is in the OpenAPI document', async () => {
  const { server } = setup(new FakeBackend())
  const doc = (await server.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, { post?: { operationId: string; responses: Record<string, unknown> } }>
  }
  const op = doc.paths['/v1/txs/batch']?.post
  assert.equal(op?.operationId, 'submitTxs')
  assert.ok(op.responses['200'] !== undefined && op.responses['207'] !== undefined)
  await server.close()
})

test('a backend rejection answers for its item with the code a single submission would get', async () => {
  const backend = new FakeBackend()
  backend.rejectWith = new GovchainError('MEMPOOL_FULL')
  const { server, post } = setup(backend)
  const res = await post({ txs: [toBase64(makeSignedTx(1))] })
  assert.equal(res.statusCode, 207)
  assert.equal((res.json() as { results: { code: string }[] }).results[0]!.code, 'MEMPOOL_FULL')
  await server.close()
})
