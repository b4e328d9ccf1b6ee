/**
 * The provider gateway in one process against a fake node (gateway-fixtures.ts): the checks of
 * issue 13 that concern the data gateway — its own host only (item 4), row reservations (item 3),
 * nothing the requester sent on chain (item 5), registered certificates, rate limits and
 * aggregated refusals (item 6), subject scopes (item 9), and the Low items (coded 413 and 400,
 * files 0600).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ProviderFixture, rawCall, startProvider } from './gateway-fixtures.ts'

const codeOf = (a: { status: number; json: Record<string, unknown> }) => ({ status: a.status, code: a.json.code })

describe('provider gateway: its own host only, never a browser (issue 13 item 4)', () => {
  let fx: ProviderFixture
  before(async () => {
    fx = await startProvider()
  })
  after(() => fx.close())

  it('refuses a foreign Host, any Origin and cross-site fetch metadata with coded errors', async () => {
    const port = new URL(fx.gateway.url).port
    const health = (headers: Record<string, string>) =>
      rawCall(fx.gateway.url, fx.housing.gatewayTls, { path: '/v1/gateway/health', headers })
    assert.equal((await health({})).status, 200)
    assert.deepEqual(codeOf(await health({ host: `attacker.example:${port}` })), {
      status: 421,
      code: 'HOST_NOT_ALLOWED',
    })
    assert.deepEqual(codeOf(await health({ host: '127.0.0.1:1' })), { status: 421, code: 'HOST_NOT_ALLOWED' })
    // Gateways call each other without an Origin; a browser always sends one — even its "own".
    for (const origin of ['https://attacker.example', `https://127.0.0.1:${port}`, 'null']) {
      assert.deepEqual(codeOf(await health({ origin })), { status: 403, code: 'ORIGIN_NOT_ALLOWED' }, origin)
    }
    assert.deepEqual(codeOf(await health({ 'sec-fetch-site': 'cross-site' })), {
      status: 403,
      code: 'ORIGIN_NOT_ALLOWED',
    })
    // Every endpoint, and before anything is counted for the chain.
    for (const path of ['/v1/gateway/query', '/v1/gateway/ack']) {
      const a = await rawCall(fx.gateway.url, fx.housing.gatewayTls, {
        path,
        body: { request: 'AAAA', signature: 'ab'.repeat(64) },
        headers: { host: `rebound.example:${port}` },
      })
      assert.deepEqual(codeOf(a), { status: 421, code: 'HOST_NOT_ALLOWED' }, path)
    }
    await fx.gateway.flushRefusals()
    assert.deepEqual(fx.node.txs, [])
  })
})
