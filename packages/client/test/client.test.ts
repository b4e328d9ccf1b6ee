import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { BlockHeader, decode, encode, suites, toBase64, toHex, ValidatorSet } from '@govchain/core'
import { makeChain } from '@govchain/distribution/testkit'
import {
  ApiError,
  anchorPut,
  type ChainEvent,
  createClient,
  decodeAnchorRecord,
  errorCode,
  LightClient,
  SdkError,
  type WebSocketLike,
} from '@govchain/sdk'

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => handler(req, body, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}` }
}

function rejectsWith(expected: {
  code: string
  status?: number | undefined
  cls?: abstract new (...args: never[]) => SdkError
}) {
  return (e: unknown) => {
    assert.ok(e instanceof (expected.cls ?? SdkError), `expected ${expected.cls?.name ?? 'SdkError'}, got ${String(e)}`)
    assert.equal(e.code, expected.code, e.message)
    if ('status' in expected) assert.equal(e.status, expected.status)
    return true
  }
}

const suite = suites.intl
const chain = makeChain(suite)

/** A block header as the node's answers carry it beside its bytes: hashes in hex. */
function headerJson(headerBytes: Uint8Array): Record<string, unknown> {
  const header = Object.entries(decode(BlockHeader, headerBytes))
  return Object.fromEntries(header.map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]))
}

describe('client against a small HTTP server', () => {
  let server: Server
  let url: string
  const submitted: string[] = []
  let txPolls = 0
  let stalled: ServerResponse | undefined

  before(async () => {
    ;({ server, url } = await listen((req, body, res) => {
      const u = new URL(req.url ?? '/', 'http://x')
      const p = u.pathname
      if (p === '/v1/status') {
        return sendJson(res, 200, {
          chainId: chain.chainId,
          suite: 'intl',
          node: 'org0',
          height: 7,
          latestBlockHash: toHex(suite.hash(chain.headerBytes)),
          stateRoot: toHex(chain.root),
          validators: chain.set.validators.map((v) => ({
            id: v.id,
            votingPower: v.votingPower,
            publicKey: toHex(v.publicKey),
          })),
          peers: [{ id: 'org1', address: '127.0.0.1:26601' }, { id: 'org2' }],
          catchingUp: false,
          round: 0,
          mempool: { size: 1, bytes: 300 },
        })
      }
      if (p === '/v1/blocks/7') {
        return sendJson(res, 200, {
          height: 7,
          header: headerJson(chain.headerBytes),
          headerBytes: toBase64(chain.headerBytes),
          hash: toHex(suite.hash(chain.headerBytes)),
          txHashes: [],
          certificate: toBase64(chain.certificate),
        })
      }
      if (p === '/v1/validators') {
        return sendJson(res, 200, {
          validators: chain.set.validators.map((v) => ({
            id: v.id,
            votingPower: v.votingPower,
            publicKey: toHex(v.publicKey),
          })),
          encoded: toBase64(encode(ValidatorSet, chain.set)),
        })
      }
      if (p === '/v1/blocks/latest') {
        return sendJson(res, 200, {
          height: 7,
          header: headerJson(chain.headerBytes),
          headerBytes: toBase64(chain.headerBytes),
          hash: toHex(suite.hash(chain.headerBytes)),
          txHashes: [],
          certificate: toBase64(chain.certificate),
        })
      }
      if (p === '/v1/blocks/8') return sendJson(res, 200, { headerBytes: toBase64(chain.headerBytes) })
      if (p === '/v1/blocks/999') return sendJson(res, 404, { code: 'BLOCK_NOT_FOUND', message: 'no block 999' })
      if (p === '/v1/txs' && req.method === 'POST') {
        const { tx } = JSON.parse(body) as { tx: string }
        if (tx === '') return sendJson(res, 400, { code: 'DECODE_TRUNCATED', message: 'empty transaction' })
        if (submitted.includes(tx)) return sendJson(res, 409, { code: 'TX_DUPLICATE', message: 'already known' })
        submitted.push(tx)
        return sendJson(res, 202, { hash: 'ab'.repeat(32) })
      }
      if (p === `/v1/txs/${'ab'.repeat(32)}`) {
        txPolls++
        if (txPolls === 1) return sendJson(res, 404, { code: 'TX_NOT_FOUND', message: 'unknown' })
        if (txPolls === 2) {
          return sendJson(res, 200, {
            hash: 'ab'.repeat(32),
            status: 'pending',
            height: null,
            index: null,
            code: null,
            events: [],
          })
        }
        return sendJson(res, 200, {
          hash: 'ab'.repeat(32),
          status: 'committed',
          height: 8,
          index: 0,
          code: 'OK',
          events: [{ module: 'anchor', type: 'put', attributes: { kind: 'contract' } }],
        })
      }
      if (p === `/v1/txs/${'cd'.repeat(32)}`)
        return sendJson(res, 200, {
          hash: 'cd'.repeat(32),
          status: 'pending',
          height: null,
          index: null,
          code: null,
          events: [],
        })
      if (p.startsWith('/v1/state/anchor/')) {
        const keyHex = p.slice('/v1/state/anchor/'.length)
        if (keyHex === 'ff') return sendJson(res, 200, { module: 'anchor', key: 'ee', value: null, height: 7 })
        const a = chain.answer('anchor', Uint8Array.from(Buffer.from(keyHex, 'hex')))
        return sendJson(res, 200, {
          module: 'anchor',
          key: keyHex,
          value: a.value === undefined ? null : toBase64(a.value),
          height: a.height,
          ...(u.searchParams.get('prove') === 'true'
            ? {
                proof: toBase64(a.proof),
                headerBytes: toBase64(a.headerBytes),
                certificate: toBase64(a.certificate),
                validatorSet: toBase64(a.validatorSet),
              }
            : {}),
        })
      }
      if (p === '/v1/html-error/v1/status') {
        res.writeHead(502, { 'content-type': 'text/html' })
        return res.end('<html>bad gateway</html>')
      }
      if (p === '/v1/huge/v1/status') return sendJson(res, 200, { pad: 'x'.repeat(100_000) })
      if (p === '/v1/stall/v1/status') {
        stalled = res
        return
      }
      if (p === '/v1/notjson/v1/status') {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end('{"truncated":')
      }
      return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${p}` })
    }))
  })
  after(() => {
    stalled?.end()
    server.closeAllConnections()
    server.close()
  })

  test('status and block are parsed and typed', async () => {
    const c = createClient({ url: `${url}/` })
    assert.equal(c.transport.heightFloor, 0)
    const s = await c.status()
    // The height seen is the floor a node taking over must reach (transport.test.ts).
    assert.equal(c.transport.heightFloor, 7)
    assert.equal(s.chainId, chain.chainId)
    assert.equal(s.suite, 'intl')
    assert.equal(s.validators.length, 4)
    assert.deepEqual(s.peers, [{ id: 'org1', address: '127.0.0.1:26601' }, { id: 'org2' }])
    assert.deepEqual(s.mempool, { size: 1, bytes: 300 })
    assert.equal((await c.block('latest')).height, 7)
    // The validator set a node serves can seed a light client (when that node is trusted).
    const v = await c.validators()
    assert.deepEqual(decode(ValidatorSet, v.validatorSet), chain.set)
    const b = await c.block(7)
    assert.equal(b.header.height, 7)
    assert.deepEqual(b.headerBytes, chain.headerBytes)
    assert.deepEqual(b.certificate, chain.certificate)
    // The block's header and certificate verify offline.
    const lc = new LightClient({ suite, chainId: s.chainId, trustedValidatorSet: chain.set })
    assert.equal(lc.verifyHeader(b.headerBytes, b.certificate).height, 7)
  })

  test('a 4xx {code, message} answer becomes an ApiError with that code and status', async () => {
    const c = createClient({ url })
    await assert.rejects(c.block(999), rejectsWith({ code: 'BLOCK_NOT_FOUND', status: 404, cls: ApiError }))
    await assert.rejects(c.submitTx(new Uint8Array(0)), rejectsWith({ code: 'DECODE_TRUNCATED', status: 400 }))
    const tx = anchorPut({
      suite,
      chainId: chain.chainId,
      privateKey: chain.keys[0]!.privateKey,
      hash: chain.docHash,
      kind: 'contract',
      validUntilHeight: 100,
    })
    assert.deepEqual(await c.submitTx(tx.bytes), { hash: 'ab'.repeat(32) })
    try {
      await c.submitTx(tx.bytes)
      assert.fail('expected a rejection')
    } catch (e) {
      assert.ok(e instanceof ApiError)
      assert.equal(errorCode(e), 'TX_DUPLICATE')
      assert.deepEqual(e.toJSON(), { code: 'TX_DUPLICATE', message: 'already known', status: 409 })
    }
  })

  test('a wrong-shaped answer is SDK_BAD_RESPONSE', async () => {
    const c = createClient({ url })
    await assert.rejects(c.block(8), rejectsWith({ code: 'SDK_BAD_RESPONSE' }))
    await assert.rejects(
      createClient({ url: `${url}/v1/notjson` }).status(),
      rejectsWith({ code: 'SDK_BAD_RESPONSE', status: 200 }),
    )
    // A state answer about another key than the one asked for.
    await assert.rejects(c.state('anchor', 'ff'), rejectsWith({ code: 'SDK_BAD_RESPONSE' }))
  })

  test('an error page without a code is an ApiError SDK_BAD_RESPONSE with the status', async () => {
    // Base URLs may carry a path prefix (a reverse proxy); this one leads to an HTML error page.
    const c = createClient({ url: `${url}/v1/html-error` })
    await assert.rejects(c.status(), rejectsWith({ code: 'SDK_BAD_RESPONSE', status: 502, cls: ApiError }))
  })

  test('an answer above responseBytesMax is refused', async () => {
    const c = createClient({ url: `${url}/v1/huge`, responseBytesMax: 10_000 })
    await assert.rejects(c.status(), rejectsWith({ code: 'SDK_BAD_RESPONSE' }))
  })

  test('no answer within timeoutMs is SDK_TIMEOUT', async () => {
    const c = createClient({ url: `${url}/v1/stall`, timeoutMs: 200 })
    await assert.rejects(c.status(), rejectsWith({ code: 'SDK_TIMEOUT', status: undefined }))
  })

  test('an unreachable node is SDK_NETWORK_ERROR', async () => {
    // A port that was just free: listen, note it, close.
    const tmp = createServer()
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r))
    const { port } = tmp.address() as AddressInfo
    await new Promise<void>((r) => tmp.close(() => r()))
    const c = createClient({ url: `http://127.0.0.1:${port}` })
    await assert.rejects(c.status(), rejectsWith({ code: 'SDK_NETWORK_ERROR', status: undefined }))
    // An injected fetch that throws, as a browser's does offline.
    const offline = createClient({
      url,
      fetch: async () => {
        throw new TypeError('Failed to fetch')
      },
    })
    await assert.rejects(offline.tx('ab'.repeat(32)), rejectsWith({ code: 'SDK_NETWORK_ERROR' }))
  })

  test('bad arguments are refused before any request', async () => {
    assert.throws(() => createClient({ url: 'ftp://x' }), rejectsWith({ code: 'INVALID_ARGUMENT' }))
    const c = createClient({ url })
    await assert.rejects(c.block(-1), rejectsWith({ code: 'INVALID_ARGUMENT' }))
    await assert.rejects(c.tx('xyz'), rejectsWith({ code: 'INVALID_ARGUMENT' }))
    await assert.rejects(c.state('Anchor/../x', 'aa'), rejectsWith({ code: 'INVALID_ARGUMENT' }))
  })

  test('waitForTx polls through not-found and pending to committed', async () => {
    const c = createClient({ url })
    const r = await c.waitForTx('ab'.repeat(32), { pollMs: 10, timeoutMs: 5_000 })
    assert.equal(r.status, 'committed')
    assert.equal(r.height, 8)
    assert.equal(c.transport.heightFloor, 8, 'a committed transaction raises the floor')
    assert.equal(r.code, 'OK')
    assert.deepEqual(r.events, [{ module: 'anchor', type: 'put', attributes: { kind: 'contract' } }])
    assert.ok(txPolls >= 3)
    await assert.rejects(
      c.waitForTx('cd'.repeat(32), { pollMs: 10, timeoutMs: 50 }),
      rejectsWith({ code: 'SDK_TIMEOUT' }),
    )
  })

  test('state with prove: true verifies offline with the light client', async () => {
    const c = createClient({ url })
    const answer = await c.state('anchor', toHex(chain.docHash), { prove: true })
    const lc = new LightClient({ suite, chainId: chain.chainId, trustedValidatorSet: chain.set })
    const v = lc.verifyState(answer)
    assert.equal(decodeAnchorRecord(v.value!).kind, 'contract')
    const absent = await c.state('anchor', toHex(suite.hash(new Uint8Array([99, 99]))), { prove: true })
    assert.equal(absent.value, undefined)
    assert.equal(lc.verifyState(absent).value, undefined)
    // Without prove, the answer has nothing to verify.
    const plain = await c.state('anchor', toHex(chain.docHash))
    assert.throws(
      () => lc.verifyState(plain),
      (e: unknown) => errorCode(e) === 'CERTIFICATE_INVALID',
    )
  })
})

describe('subscribe', () => {
  class FakeSocket implements WebSocketLike {
    static all: FakeSocket[] = []
    onopen: ((ev: unknown) => void) | null = null
    onmessage: ((ev: { data: unknown }) => void) | null = null
    onerror: ((ev: unknown) => void) | null = null
    onclose: ((ev: { code?: number; reason?: string }) => void) | null = null
    closed = false
    constructor(readonly url: string) {
      FakeSocket.all.push(this)
    }
    close(): void {
      this.closed = true
    }
  }

  test('builds the ws URL, delivers typed events, reports bad ones, reconnects, stops', async () => {
    FakeSocket.all = []
    const c = createClient({ url: 'https://node.example:8443', WebSocket: FakeSocket })
    const events: ChainEvent[] = []
    const errors: string[] = []
    const stop = c.subscribe({ types: ['block', 'event'], module: 'anchor' }, (e) => events.push(e), {
      onError: (e) => errors.push(e.code),
      reconnectDelayMs: 1,
    })
    const first = FakeSocket.all[0]!
    assert.equal(first.url, 'wss://node.example:8443/v1/events?types=block%2Cevent&module=anchor')
    first.onopen?.({})
    const block = { type: 'block', height: 8, hash: 'cd'.repeat(32), txCount: 1, timeMs: 1_000, proposer: 'police' }
    first.onmessage?.({ data: JSON.stringify(block) })
    first.onmessage?.({ data: 'not json' })
    first.onmessage?.({ data: JSON.stringify({ type: 'weird' }) })
    // A known type with a field of the wrong kind is not passed on either.
    first.onmessage?.({ data: JSON.stringify({ ...block, height: '8' }) })
    const put = { type: 'event', height: 8, txHash: 'ab'.repeat(32), module: 'anchor', name: 'put', attributes: {} }
    first.onmessage?.({ data: JSON.stringify(put) })
    assert.deepEqual(events, [block, put])
    assert.deepEqual(errors, ['SDK_BAD_RESPONSE', 'SDK_BAD_RESPONSE', 'SDK_BAD_RESPONSE'])
    // The connection drops: the client reports it and reconnects.
    first.onclose?.({ code: 1006 })
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(FakeSocket.all.length, 2)
    assert.deepEqual(errors.slice(3), ['SDK_NETWORK_ERROR'])
    stop()
    assert.ok(FakeSocket.all[1]!.closed)
    // After stop, nothing more is delivered and no reconnection happens.
    FakeSocket.all[1]!.onmessage?.({ data: JSON.stringify({ ...block, height: 9 }) })
    FakeSocket.all[1]!.onclose?.({ code: 1000 })
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(events.length, 2)
    assert.equal(FakeSocket.all.length, 2)
  })

  test('gives up after reconnectAttemptsMax', async () => {
    FakeSocket.all = []
    const c = createClient({ url: 'http://127.0.0.1:1', WebSocket: FakeSocket })
    const errors: string[] = []
    const stop = c.subscribe({}, () => {}, {
      onError: (e) => errors.push(e.message),
      reconnectAttemptsMax: 2,
      reconnectDelayMs: 1,
    })
    assert.equal(FakeSocket.all[0]!.url, 'ws://127.0.0.1:1/v1/events')
    for (let i = 0; i < 3; i++) {
      FakeSocket.all[i]!.onclose?.({ code: 1006 })
      await new Promise((r) => setTimeout(r, 20))
    }
    assert.equal(FakeSocket.all.length, 3)
    assert.match(errors.at(-1)!, /gave up after 2/)
    stop()
  })

  test('without a WebSocket implementation it says so with a code', () => {
    const g = globalThis as { WebSocket?: unknown }
    const saved = g.WebSocket
    // Node 20 has no global WebSocket, Node 22 does: remove it for the test, whatever the version.
    g.WebSocket = undefined
    try {
      const c = createClient({ url: 'http://127.0.0.1:1' })
      assert.throws(() => c.subscribe({}, () => {}), rejectsWith({ code: 'INVALID_ARGUMENT' }))
    } finally {
      g.WebSocket = saved
    }
  })
})

describe('client.submitTxs', () => {
  test('posts {txs: [base64...]} to /v1/txs/batch and returns one item per transaction, in order', async () => {
    const bodies: unknown[] = []
    const { server, url } = await listen((req, body, res) => {
      if (req.url !== '/v1/txs/batch' || req.method !== 'POST') return sendJson(res, 404, { code: 'NOT_FOUND' })
      const { txs } = JSON.parse(body) as { txs: string[] }
      bodies.push(txs)
      if (txs.length > 2) return sendJson(res, 429, { code: 'RATE_LIMITED', message: 'slow down' })
      return sendJson(res, 207, {
        accepted: 1,
        results: [{ hash: 'ab'.repeat(32) }, { code: 'TX_DUPLICATE', message: 'already known', details: { n: 1 } }],
      })
    })
    try {
      const c = createClient({ url })
      const a = new Uint8Array([1, 2, 3])
      const b = new Uint8Array([4, 5])
      assert.deepEqual(await c.submitTxs([a, b]), {
        accepted: 1,
        results: [{ hash: 'ab'.repeat(32) }, { code: 'TX_DUPLICATE', message: 'already known', details: { n: 1 } }],
      })
      assert.deepEqual(bodies[0], [toBase64(a), toBase64(b)])
      await assert.rejects(c.submitTxs([a, a, a]), rejectsWith({ code: 'RATE_LIMITED', status: 429, cls: ApiError }))
      await assert.rejects(c.submitTxs([]), rejectsWith({ code: 'INVALID_ARGUMENT' }))
      await assert.rejects(c.submitTxs(new Array(1001).fill(a)), rejectsWith({ code: 'INVALID_ARGUMENT' }))
      // An answer with the wrong number of items is refused.
      await assert.rejects(c.submitTxs([a]), rejectsWith({ code: 'SDK_BAD_RESPONSE' }))
      assert.equal(bodies.length, 3, 'invalid arguments never reach the node')
    } finally {
      server.close()
    }
  })
})
