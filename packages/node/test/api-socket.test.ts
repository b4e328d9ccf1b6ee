import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as netConnect } from 'node:net'
import { test } from 'node:test'
import { ERROR_CATALOGUE, toBase64, toHex, utf8 } from '@govchain/core'
import { WebSocket } from 'ws'
import type { ChainEvent } from '../src/api/backend.ts'
import { type ApiLimits, createApiServer } from '../src/api/index.ts'
import { NodeMetrics } from '../src/metrics.ts'
import { FakeBackend, makeSignedTx, memoryLogger, sha256 } from '../src/testing/fake-backend.ts'

async function start(limits: Partial<ApiLimits> = {}) {
  const backend = new FakeBackend()
  backend.addBlock()
  const metrics = new NodeMetrics({ processMetrics: false })
  const log = memoryLogger()
  const server = createApiServer({
    backend,
    metrics,
    logger: log.logger,
    host: '127.0.0.1',
    port: 0,
    limits,
  })
  const { url } = await server.listen()
  return { backend, metrics, log, server, url, port: Number(new URL(url).port), wsUrl: url.replace(/^http/, 'ws') }
}

/** Opens a client and collects its messages and its close code. */
async function connect(url: string) {
  const ws = new WebSocket(url)
  const messages: Record<string, unknown>[] = []
  ws.on('message', (data) => messages.push(JSON.parse(String(data))))
  const closed = once(ws, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }))
  await once(ws, 'open')
  return { ws, messages, closed }
}

/** Waits until `cond` holds, polling the event loop (no timing assertion: the test runner's timeout bounds it). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5))
}

const blockEvent = (height: number): ChainEvent => ({
  type: 'block',
  height,
  hash: sha256(utf8(`b${height}`)),
  txCount: 2,
  timeMs: 1_700_000_000_000,
  proposer: 'market',
})
const txEvent = (height: number): ChainEvent => ({
  type: 'tx',
  height,
  index: 0,
  hash: sha256(utf8(`t${height}`)),
  code: 'OK',
})
const moduleEvent = (height: number, module: string): ChainEvent => ({
  type: 'event',
  height,
  txHash: sha256(utf8(`t${height}`)),
  module,
  name: 'anchored',
  attributes: { kind: 'contract' },
})

test('HTTP over a real socket: status, submit, CORS', async () => {
  const { server, url } = await start()
  try {
    const status = await fetch(`${url}/v1/status`, { headers: { origin: 'http://127.0.0.1:3000' } })
    assert.equal(status.status, 200)
    assert.equal(status.headers.get('access-control-allow-origin'), 'http://127.0.0.1:3000')
    assert.equal(((await status.json()) as { height: number }).height, 1)

    const tx = makeSignedTx(9)
    const sub = await fetch(`${url}/v1/txs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx: toBase64(tx) }),
    })
    assert.equal(sub.status, 202)
    assert.deepEqual(await sub.json(), { hash: toHex(sha256(tx)) })

    // A body over the limit is refused with 413 and a code, even when streamed without a length.
    const big = await fetch(`${url}/v1/txs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tx: 'A'.repeat(2 * 1024 * 1024) }),
    })
    assert.equal(big.status, 413)
    assert.equal(((await big.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE')

    const openapi = await fetch(`${url}/openapi.json`)
    assert.equal(((await openapi.json()) as { openapi: string }).openapi, '3.1.0')
  } finally {
    await server.close()
  }
})

test('WebSocket /v1/events streams events as JSON, filtered by type and module', async () => {
  const { backend, server, wsUrl } = await start()
  try {
    const all = await connect(`${wsUrl}/v1/events`)
    const blocks = await connect(`${wsUrl}/v1/events?types=block`)
    const anchor = await connect(`${wsUrl}/v1/events?types=event,tx&module=anchor`)
    assert.equal(backend.listeners.size, 1, 'one backend subscription shared by all clients')

    backend.emit(blockEvent(2))
    backend.emit(txEvent(2))
    backend.emit(moduleEvent(2, 'anchor'))
    backend.emit(moduleEvent(2, 'license'))
    backend.emit(blockEvent(3))

    await until(() => all.messages.length === 5 && blocks.messages.length === 2 && anchor.messages.length === 2)
    assert.deepEqual(blocks.messages[0], {
      type: 'block',
      height: 2,
      hash: toHex(sha256(utf8('b2'))),
      txCount: 2,
      timeMs: 1_700_000_000_000,
      proposer: 'market',
    })
    assert.deepEqual(
      blocks.messages.map((m) => m.height),
      [2, 3],
    )
    assert.deepEqual(
      anchor.messages.map((m) => m.type),
      ['tx', 'event'],
    )
    assert.deepEqual(anchor.messages[1], {
      type: 'event',
      height: 2,
      txHash: toHex(sha256(utf8('t2'))),
      module: 'anchor',
      name: 'anchored',
      attributes: { kind: 'contract' },
    })
    assert.deepEqual(
      all.messages.map((m) => m.type),
      ['block', 'tx', 'event', 'event', 'block'],
    )

    // Clients leaving release the subscription.
    for (const c of [all, blocks, anchor]) c.ws.close()
    await Promise.all([all.closed, blocks.closed, anchor.closed])
    await until(() => backend.listeners.size === 0)
  } finally {
    await server.close()
  }
})

test('WebSocket: bad filter 400, connection limit 503, clean shutdown closes with 1001', async () => {
  const { server, wsUrl, metrics } = await start({ wsConnectionsMax: 2 })
  const rejected = (url: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url)
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        ws.terminate()
      })
      ws.on('open', () => reject(new Error('should not open')))
      ws.on('error', () => {})
    })
  assert.equal(await rejected(`${wsUrl}/v1/events?types=blocks`), 400)
  assert.equal(await rejected(`${wsUrl}/v1/events?module=BAD`), 400)
  const a = await connect(`${wsUrl}/v1/events`)
  const b = await connect(`${wsUrl}/v1/events`)
  assert.equal(await rejected(`${wsUrl}/v1/events`), 503)
  assert.match(await metrics.text(), /govchain_ws_connections 2/)
  await server.close()
  assert.deepEqual((await a.closed).code, 1001)
  assert.deepEqual((await b.closed).code, 1001)
  await server.close() // idempotent
})

test('WebSocket: a slow consumer is dropped with 1013', async () => {
  const { backend, server, wsUrl, metrics } = await start({ wsBufferedBytesMax: 256 * 1024 })
  try {
    const slow = await connect(`${wsUrl}/v1/events`)
    const fast = await connect(`${wsUrl}/v1/events?types=block`)
    // The slow client stops reading; the server keeps producing (large module events) in one burst.
    // The burst is synchronous, so no client reads during it: the kernel buffers fill, then ws buffers.
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const attributes = { blob: 'x'.repeat(16 * 1024) }
    for (let i = 0; i < 2_000; i++) {
      backend.emit({ type: 'event', height: 10, txHash: new Uint8Array(32), module: 'anchor', name: 'big', attributes })
    }
    backend.emit(blockEvent(11))
    ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    const closed = await slow.closed
    assert.equal(closed.code, 1013)
    assert.equal(closed.reason, 'slow consumer')
    // The other client is unaffected and still gets the block.
    await until(() => fast.messages.length === 1)
    assert.equal(fast.messages[0]?.height, 11)
    assert.equal(fast.ws.readyState, WebSocket.OPEN)
    assert.match(await metrics.text(), /govchain_ws_dropped_total\{reason="slow_consumer"\} 1/)
    fast.ws.close()
    await fast.closed
  } finally {
    await server.close()
  }
})

/** One raw HTTP exchange: writes `request` on a fresh socket, returns what the server sent before closing. */
async function rawExchange(url: string, request: string): Promise<{ status: number; type: string; body: string }> {
  const { port } = new URL(url)
  const socket = netConnect(Number(port), '127.0.0.1', () => socket.write(request))
  let text = ''
  socket.on('data', (d) => {
    text += String(d)
  })
  socket.on('error', () => {})
  await once(socket, 'close')
  const [head = '', body = ''] = text.split('\r\n\r\n')
  const type = /^content-type:\s*(.*)$/im.exec(head)?.[1] ?? ''
  return { status: Number(head.split(' ')[1]), type: type.trim(), body }
}

test('HTTP parser errors answer coded JSON: headers too large 431, unparsable request 400', async () => {
  const { server, url } = await start()
  try {
    const big = await rawExchange(url, `GET /v1/status HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)
    assert.equal(big.status, 431)
    assert.match(big.type, /^application\/json/)
    assert.deepEqual(JSON.parse(big.body), {
      code: 'HEADERS_TOO_LARGE',
      message: ERROR_CATALOGUE.HEADERS_TOO_LARGE.message,
    })
    const garbage = await rawExchange(url, 'NOT AN HTTP REQUEST\r\n\r\n')
    assert.equal(garbage.status, 400)
    assert.match(garbage.type, /^application\/json/)
    assert.deepEqual(JSON.parse(garbage.body), {
      code: 'HTTP_MALFORMED',
      message: ERROR_CATALOGUE.HTTP_MALFORMED.message,
    })
  } finally {
    await server.close()
  }
})

test('an over-long path parameter answers 414 URI_TOO_LONG without echoing the URL', async () => {
  const { server, url } = await start()
  try {
    for (const path of [`/v1/state/anchor/${'ab'.repeat(2_000)}`, `/v1/txs/${'c'.repeat(5_000)}`]) {
      const r = await fetch(`${url}${path}`)
      assert.equal(r.status, 414)
      const text = await r.text()
      assert.deepEqual(JSON.parse(text), { code: 'URI_TOO_LONG', message: ERROR_CATALOGUE.URI_TOO_LONG.message })
      assert.ok(!text.includes('abab') && !text.includes('cccc'), 'the URL is not echoed')
    }
    // A malformed percent-encoding in a path parameter: a coded 400, not echoed either.
    const bad = await fetch(`${url}/v1/txs/%zz${'d'.repeat(40)}`)
    assert.equal(bad.status, 400)
    const text = await bad.text()
    assert.equal((JSON.parse(text) as { code: string }).code, 'INVALID_ARGUMENT')
    assert.ok(!text.includes('dddd'), 'the URL is not echoed')
  } finally {
    await server.close()
  }
})

/** A raw TCP connection to the API: what it has read so far, and its close. */
async function rawConnection(port: number) {
  const socket = netConnect(port, '127.0.0.1')
  socket.on('error', () => {})
  let text = ''
  socket.on('data', (d) => {
    text += String(d)
  })
  const socketClosed = once(socket, 'close')
  await once(socket, 'connect')
  return { socket, text: () => text, socketClosed }
}

test('close(): a stream request that arrives while the API closes is answered 503 and its socket ended at once', async () => {
  // The fail-over test's occasional hang: a node's clients reconnected their block streams while it
  // shut down; each upgrade was answered 503 on a socket nobody then closed, and app.close() waited
  // for it until the grace periods ran out ("forcing", then "did not close").
  const { log, server, port } = await start()
  const { socket, text, socketClosed } = await rawConnection(port)
  // The request begins before the close (so it is not an idle connection) and ends after it.
  socket.write('GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n')
  const closed = server.close()
  const refused = () =>
    new Promise<boolean>((resolve) => {
      const probe = netConnect(port, '127.0.0.1')
      probe.on('connect', () => {
        probe.destroy()
        resolve(false)
      })
      probe.on('error', () => resolve(true))
    })
  while (!(await refused())) await new Promise((r) => setTimeout(r, 5))
  socket.write('Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')
  try {
    await closed
    // Closed without forcing anything: no connection outlived the close.
    assert.deepEqual(
      log.lines().filter((l) => /API close: (forcing|the server did not close)/.test(l)),
      [],
    )
    await socketClosed
    assert.match(text(), /^HTTP\/1\.1 503 /)
    assert.match(text(), /"code":"NODE_STOPPING"/)
  } finally {
    socket.destroy()
  }
})

test('close(): a request that reaches a route while the API closes is 503 NODE_STOPPING, coded, its connection closed', async () => {
  // Found by the chaos suite (docs/reliability.md, 2026-12-06): fastify's own answer during a close
  // had no code, so a client read it as a malformed answer (SDK_BAD_RESPONSE).
  const { server, port } = await start()
  const { socket, text, socketClosed } = await rawConnection(port)
  socket.write('GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  const closed = server.close()
  await new Promise((r) => setTimeout(r, 20))
  socket.write('\r\n')
  try {
    await closed
    await socketClosed
    assert.match(text(), /^HTTP\/1\.1 503 /)
    assert.match(text(), /\r\nconnection: close\r\n/i)
    const body = JSON.parse(text().slice(text().indexOf('\r\n\r\n') + 4)) as { code: string; message: string }
    assert.equal(body.code, 'NODE_STOPPING')
    assert.match(body.message, /another node/)
  } finally {
    socket.destroy()
  }
})
