/**
 * Unauthenticated resources a client can hold open (issue 13, item 8): sign-in challenges and
 * /v1/events streams are limited per source address as well as in all, so one client cannot
 * take every slot and leave the others with 503s.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { ClientSlots, clientAddressKey, type ModuleApiContext } from '@govchain/app'
import { ERROR_CATALOGUE, suites } from '@govchain/core'
import { CHALLENGES_PER_CLIENT_MAX, ChallengeStore, sharingApi } from '@govchain/sharing'
import { WebSocket } from 'ws'
import { type ApiLimits, createApiServer } from '../src/api/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { FakeBackend, memoryLogger } from '../src/testing/index.ts'

/** The sharing routes need the node only for their reads; the challenge route reads nothing. */
function sharingContext(): ModuleApiContext {
  const unused = (): never => {
    throw new Error('not used by the challenge route')
  }
  return {
    suite: suites.intl,
    chainId: 'govchain-test',
    latestHeight: () => 1,
    latestTimeMs: () => 0,
    state: unused,
    scanIndex: unused,
    getIndex: unused,
    keeper: unused,
    submitTx: unused,
  }
}

async function start(limits: Partial<ApiLimits> = {}) {
  const backend = new FakeBackend()
  backend.addBlock()
  const metrics = new NodeMetrics({ processMetrics: false })
  const server = createApiServer({
    backend,
    metrics,
    logger: memoryLogger().logger,
    host: '127.0.0.1',
    port: 0,
    limits,
    extensions: [sharingApi(sharingContext())],
  })
  return { server, metrics }
}

test('client address keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
  assert.equal(clientAddressKey('10.1.2.3'), '10.1.2.3')
  assert.equal(clientAddressKey('::ffff:10.1.2.3'), '10.1.2.3')
  assert.equal(clientAddressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
  assert.equal(clientAddressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64')
  assert.equal(clientAddressKey('2001:db8::1'), '2001:db8:0:0::/64')
  assert.equal(clientAddressKey('::1'), '0:0:0:0::/64')
})

test('ClientSlots: a per-client and a total bound, released slots are reusable', () => {
  const slots = new ClientSlots({ perClientMax: 2, totalMax: 3 })
  assert.equal(slots.take('a'), 'ok')
  assert.equal(slots.take('a'), 'ok')
  assert.equal(slots.take('a'), 'client_limit')
  assert.equal(slots.take('b'), 'ok')
  assert.equal(slots.take('c'), 'total_limit')
  slots.release('a')
  assert.equal(slots.take('c'), 'ok')
  assert.equal(slots.size, 3)
  for (const c of ['a', 'b', 'c']) slots.release(c)
  assert.equal(slots.size, 0)
  assert.equal(slots.clients, 0)
})

test('sign-in challenges: one address cannot take them all; others still get theirs', async () => {
  const { server } = await start()
  const challenge = (remoteAddress: string) =>
    server.inject({ method: 'POST', url: '/v1/sharing/auth/challenge', payload: {}, remoteAddress })
  try {
    for (let i = 0; i < CHALLENGES_PER_CLIENT_MAX; i++) assert.equal((await challenge('10.0.0.1')).statusCode, 200)
    const refused = await challenge('10.0.0.1')
    assert.equal(refused.statusCode, 429)
    assert.deepEqual(refused.json(), {
      code: 'CLIENT_CHALLENGE_LIMIT',
      message: ERROR_CATALOGUE.CLIENT_CHALLENGE_LIMIT.message,
    })
    // The same /64 is the same client; another address is not.
    for (let i = 0; i < CHALLENGES_PER_CLIENT_MAX; i++) {
      assert.equal((await challenge(`2001:db8::${(i + 1).toString(16)}`)).statusCode, 200)
    }
    assert.equal((await challenge('2001:db8::ffff')).statusCode, 429)
    assert.equal((await challenge('10.0.0.2')).statusCode, 200)
  } finally {
    await server.close()
  }
})

test('ChallengeStore: a total cap (503) too; using or outliving a challenge frees its slot', () => {
  let now = 1_000
  const store = new ChallengeStore({ nowMs: () => now, perClientMax: 2, totalMax: 3, ttlMs: 100 })
  const a1 = store.issue('a').challenge
  store.issue('a')
  assert.throws(() => store.issue('a'), { code: 'CLIENT_CHALLENGE_LIMIT' })
  store.issue('b')
  assert.throws(() => store.issue('c'), { code: 'TOO_MANY_CONNECTIONS' })
  assert.equal(store.consume(a1), true)
  assert.equal(store.consume(a1), false) // single use
  store.issue('c')
  assert.throws(() => store.issue('d'), { code: 'TOO_MANY_CONNECTIONS' })
  now += 100 // every challenge expires: their slots are free again
  store.issue('a')
  store.issue('a')
  store.issue('d')
  assert.equal(store.size, 3)
})

/** Opens a stream from `localAddress`; resolves with 'open' or the refusal's status and JSON body. */
function openStream(url: string, localAddress: string) {
  return new Promise<{ ws: WebSocket } | { status: number; body: { code: string } }>((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress })
    ws.on('open', () => resolve({ ws }))
    ws.on('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (d: Buffer) => {
        text += String(d)
      })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { code: string } })
        ws.terminate()
      })
    })
    ws.on('error', (e) => reject(e))
  })
}

test('event streams: one address cannot hold every slot (429); the total cap stays (503)', async () => {
  const { server, metrics } = await start({ wsConnectionsMax: 4, wsConnectionsPerClientMax: 2 })
  const { url } = await server.listen()
  const wsUrl = `${url.replace(/^http/, 'ws')}/v1/events`
  const open: WebSocket[] = []
  const take = async (from: string) => {
    const r = await openStream(wsUrl, from)
    if ('ws' in r) open.push(r.ws)
    return 'ws' in r ? 'open' : r
  }
  try {
    assert.equal(await take('127.0.0.1'), 'open')
    assert.equal(await take('127.0.0.1'), 'open')
    assert.deepEqual(await take('127.0.0.1'), {
      status: 429,
      body: { code: 'CLIENT_STREAM_LIMIT', message: ERROR_CATALOGUE.CLIENT_STREAM_LIMIT.message },
    })
    assert.equal(await take('127.0.0.2'), 'open')
    assert.equal(await take('127.0.0.3'), 'open')
    const full = await take('127.0.0.4')
    assert.equal(typeof full === 'object' && full.status, 503)
    assert.match(await metrics.text(), /govchain_ws_dropped_total\{reason="client_max"\} 1/)
    // A closed stream gives its address its slot back.
    const first = open.shift()!
    first.close()
    await once(first, 'close')
    while (!(await metrics.text()).includes('govchain_ws_connections 3')) await new Promise((r) => setTimeout(r, 5))
    assert.equal(await take('127.0.0.1'), 'open')
  } finally {
    for (const ws of open) ws.terminate()
    await server.close()
  }
})
