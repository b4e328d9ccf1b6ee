/**
 * The one HTTP transport (transport.ts): what every caller — client, readers, portal, data
 * gateway — gets for each kind of answer, against a real HTTP server.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ApiError, createClient, HttpTransport, SdkError } from '../src/index.ts'

let server: Server
let url: string

before(async () => {
  server = createServer((req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body)
    }
    if (req.url === '/ok') return send(200, '{"a":1}')
    if (req.url === '/echo') {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => send(200, JSON.stringify({ method: req.method, type: req.headers['content-type'], body })))
      return
    }
    if (req.url === '/missing') return send(404, '{"code":"NOT_FOUND","message":"no such thing"}')
    if (req.url === '/coded') return send(409, '{"code":"LICENSE_EXISTS","message":"exists","details":{"id":"x"}}')
    if (req.url === '/uncoded') return send(502, '<html>bad gateway</html>')
    if (req.url === '/array') return send(200, '[1,2]')
    if (req.url === '/big') return send(200, JSON.stringify({ pad: 'x'.repeat(5000) }))
    if (req.url === '/big-chunked') {
      // No content-length: the limit must hold while reading.
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(`{"pad":"${'x'.repeat(600)}`)
      return void setTimeout(() => res.end(`${'x'.repeat(600)}"}`), 20)
    }
    if (req.url === '/cut') {
      // A declared length never reached: the connection closes mid-answer.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"a":')
      return void setTimeout(() => res.destroy(), 20)
    }
    if (req.url === '/utf8') return send(200, JSON.stringify({ name: '住房和城乡建设局' }))
    if (req.url === '/slow') return void setTimeout(() => send(200, '{}'), 2_000)
    if (req.url === '/v1/health') return send(200, '{"ok":true}')
    send(500, '{}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

const code = async (p: Promise<unknown>) => {
  try {
    await p
  } catch (e) {
    assert.ok(e instanceof SdkError, String(e))
    return { code: e.code, status: e instanceof ApiError ? e.status : undefined }
  }
  assert.fail('expected a rejection')
}

// Every behaviour below holds for both exchanges (send.ts): Node's default (node:http) and an
// injected fetch (the browser's path).
for (const [exchange, extra] of [
  ['node:http, the default on Node', {}],
  ['an injected fetch', { fetch: globalThis.fetch }],
] as const) {
  describe(`HttpTransport over ${exchange}`, () => {
    it('refuses a base that is not an http(s) URL', () => {
      assert.throws(() => new HttpTransport({ url: 'ftp://x', ...extra }), { code: 'INVALID_ARGUMENT' })
    })

    it('answers the JSON object; POST sends JSON', async () => {
      const t = new HttpTransport({ url: `${url}/`, ...extra })
      assert.equal(t.url, url)
      assert.deepEqual(await t.get('/ok'), { a: 1 })
      assert.deepEqual(await t.post('/echo', { x: 'y' }), {
        method: 'POST',
        type: 'application/json',
        body: '{"x":"y"}',
      })
    })

    it("carries the node's code and status; find() is undefined only for a 404", async () => {
      const t = new HttpTransport({ url, ...extra })
      assert.deepEqual(await code(t.get('/coded')), { code: 'LICENSE_EXISTS', status: 409 })
      assert.deepEqual(await code(t.get('/missing')), { code: 'NOT_FOUND', status: 404 })
      assert.equal(await t.find('/missing'), undefined)
      assert.deepEqual(await t.find('/ok'), { a: 1 })
      assert.deepEqual(await code(t.find('/coded')), { code: 'LICENSE_EXISTS', status: 409 })
    })

    it('an error without a code, a non-object and an oversize answer are SDK_BAD_RESPONSE', async () => {
      const t = new HttpTransport({ url, responseBytesMax: 1000, ...extra })
      assert.deepEqual(await code(t.get('/uncoded')), { code: 'SDK_BAD_RESPONSE', status: 502 })
      assert.deepEqual(await code(t.get('/array')), { code: 'SDK_BAD_RESPONSE', status: undefined })
      assert.deepEqual(await code(t.get('/big')), { code: 'SDK_BAD_RESPONSE', status: undefined })
      assert.deepEqual(await code(t.get('/big-chunked')), { code: 'SDK_BAD_RESPONSE', status: undefined })
      // The connection stays usable after a refused answer.
      assert.deepEqual(await t.get('/ok'), { a: 1 })
    })

    it('decodes UTF-8; a connection closed mid-answer is SDK_NETWORK_ERROR', async () => {
      const t = new HttpTransport({ url, ...extra })
      assert.deepEqual(await t.get('/utf8'), { name: '住房和城乡建设局' })
      assert.deepEqual(await code(t.get('/cut')), { code: 'SDK_NETWORK_ERROR', status: undefined })
    })

    it('no answer in time is SDK_TIMEOUT; no server is SDK_NETWORK_ERROR', async () => {
      const t = new HttpTransport({ url, timeoutMs: 100, ...extra })
      assert.deepEqual(await code(t.get('/slow')), { code: 'SDK_TIMEOUT', status: undefined })
      const controller = new AbortController()
      const pending = new HttpTransport({ url, ...extra }).get('/slow', { signal: controller.signal })
      controller.abort()
      assert.deepEqual(await code(pending), { code: 'SDK_TIMEOUT', status: undefined })
      const closed = new HttpTransport({ url: 'http://127.0.0.1:9', ...extra })
      assert.deepEqual(await code(closed.get('/ok')), { code: 'SDK_NETWORK_ERROR', status: undefined })
    })
  })
}

/** A node that answers every path with one fixed status and body, counting the requests it got. */
async function fixedNode(status: number, body: string) {
  let hits = 0
  const srv = createServer((_req, res) => {
    hits++
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(body)
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => {
      srv.closeAllConnections()
      srv.close()
    },
  }
}

describe('the default exchange on Node', () => {
  it('is node:http, not the global fetch', async () => {
    const realFetch = globalThis.fetch
    globalThis.fetch = (() => {
      throw new Error('the global fetch was used')
    }) as typeof fetch
    try {
      assert.deepEqual(await new HttpTransport({ url }).get('/ok'), { a: 1 })
      assert.deepEqual(await code(new HttpTransport({ url, fetch: globalThis.fetch }).get('/ok')), {
        code: 'SDK_NETWORK_ERROR',
        status: undefined,
      })
    } finally {
      globalThis.fetch = realFetch
    }
  })
})

describe('HttpTransport over several nodes (issue 15: no single node)', () => {
  it('fails over from a node that is down, says so, and stays on the node that answered', async () => {
    const events: { from: string; to: string; code: string }[] = []
    const down = 'http://127.0.0.1:9'
    const t = new HttpTransport({
      urls: [down, url],
      onFailover: (e) => events.push({ from: e.from, to: e.to, code: e.error.code }),
    })
    assert.equal(t.url, down)
    assert.deepEqual(await t.get('/ok'), { a: 1 })
    assert.deepEqual(events, [{ from: down, to: url, code: 'SDK_NETWORK_ERROR' }])
    assert.equal(t.url, url)
    assert.deepEqual(await t.get('/ok'), { a: 1 })
    assert.equal(events.length, 1) // the current node answered: no second switch
  })

  it('fails over on 502/503/504 and on a timeout, never on a refusal', async () => {
    const unavailable = await fixedNode(503, '{"code":"NODE_UNHEALTHY","message":"catching up"}')
    const refusing = await fixedNode(409, '{"code":"LICENSE_EXISTS","message":"exists"}')
    try {
      const a = new HttpTransport({ urls: [unavailable.url, url] })
      assert.deepEqual(await a.get('/ok'), { a: 1 })
      assert.equal(a.url, url)
      const b = new HttpTransport({ urls: [refusing.url, url] })
      assert.deepEqual(await code(b.get('/ok')), { code: 'LICENSE_EXISTS', status: 409 })
      assert.equal(b.url, refusing.url)
      const c = new HttpTransport({ urls: [url, refusing.url], timeoutMs: 100 })
      assert.deepEqual(await code(c.get('/slow')), { code: 'LICENSE_EXISTS', status: 409 })
      // Every node down: the last node's error.
      const d = new HttpTransport({ urls: [unavailable.url, 'http://127.0.0.1:9'] })
      assert.deepEqual(await code(d.get('/ok')), { code: 'SDK_NETWORK_ERROR', status: undefined })
    } finally {
      unavailable.close()
      refusing.close()
    }
  })

  it('rankByHealth puts healthy nodes first; a list of nodes is checked', async () => {
    const sick = await fixedNode(503, '{"code":"NODE_UNHEALTHY","message":"no quorum"}')
    try {
      const t = new HttpTransport({ urls: ['http://127.0.0.1:9', sick.url, url] })
      assert.deepEqual(await t.rankByHealth(), [url, 'http://127.0.0.1:9', sick.url])
      assert.equal(t.url, url)
    } finally {
      sick.close()
    }
    assert.throws(() => new HttpTransport({ urls: [] }), { code: 'INVALID_ARGUMENT' })
    assert.throws(() => new HttpTransport({ urls: [url, 'file:///x'] }), { code: 'INVALID_ARGUMENT' })
    assert.equal(new HttpTransport({ urls: [url, `${url}/`] }).urls.length, 1)
  })

  it('a client over several nodes reads through the one that answers, and says which', async () => {
    const client = createClient({ urls: ['http://127.0.0.1:9', url] })
    assert.deepEqual(await client.getJson('/ok'), { a: 1 })
    assert.equal(client.url, url)
    assert.equal(client.transport.urls.length, 2)
  })
})

/** A node whose /v1/status answers the given heights in turn (the last one from then on); it logs every path asked. */
async function nodeAt(heights: readonly number[], name: string) {
  const asked: string[] = []
  let probes = 0
  const srv = createServer((req, res) => {
    asked.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json' })
    if (req.url === '/v1/status') {
      const height = heights[Math.min(probes++, heights.length - 1)]
      return res.end(JSON.stringify({ height }))
    }
    res.end(JSON.stringify({ node: name }))
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    asked,
    close: () => {
      srv.closeAllConnections()
      srv.close()
    },
  }
}

describe('HttpTransport: reads after a fail-over never go back before a height already seen', () => {
  it('a node that takes over answers only once it has reached the height the caller saw', async () => {
    const b = await nodeAt([6, 6, 7, 8], 'b')
    try {
      const events: string[] = []
      const t = new HttpTransport({ urls: ['http://127.0.0.1:9', b.url], onFailover: (e) => events.push(e.error.code) })
      t.noteHeight(7)
      t.noteHeight(5) // lower: changes nothing
      t.noteHeight(Number.NaN)
      assert.equal(t.heightFloor, 7)
      assert.deepEqual(await t.get('/data'), { node: 'b' })
      // Asked twice while at 6, then at 7: only then the read.
      assert.deepEqual(b.asked, ['/v1/status', '/v1/status', '/v1/status', '/data'])
      assert.deepEqual(events, ['SDK_NETWORK_ERROR'])
      // The node that answered is the current one: no further probe before its reads.
      assert.deepEqual(await t.get('/data'), { node: 'b' })
      assert.equal(b.asked.length, 5)
    } finally {
      b.close()
    }
  })

  it('one still behind after catchUpMs is passed over (SDK_NODE_BEHIND); all behind is that error', async () => {
    const behind = await nodeAt([3], 'behind')
    const ahead = await nodeAt([9], 'ahead')
    try {
      const events: { to: string; code: string }[] = []
      const t = new HttpTransport({
        urls: ['http://127.0.0.1:9', behind.url, ahead.url],
        catchUpMs: 150,
        onFailover: (e) => events.push({ to: e.to, code: e.error.code }),
      })
      t.noteHeight(9)
      assert.deepEqual(await t.get('/data'), { node: 'ahead' })
      assert.deepEqual(events, [
        { to: behind.url, code: 'SDK_NETWORK_ERROR' },
        { to: ahead.url, code: 'SDK_NODE_BEHIND' },
      ])
      assert.ok(!behind.asked.includes('/data'), 'the node behind never got the read')
      assert.equal(t.url, ahead.url)

      const u = new HttpTransport({ urls: ['http://127.0.0.1:9', behind.url], catchUpMs: 0 })
      u.noteHeight(4)
      const e = await u.get('/data').then(
        () => assert.fail('expected SDK_NODE_BEHIND'),
        (x: unknown) => x,
      )
      assert.ok(e instanceof SdkError)
      assert.equal(e.code, 'SDK_NODE_BEHIND')
      assert.deepEqual(e.details, { node: behind.url, height: 3, floor: 4 })
      assert.throws(() => new HttpTransport({ url, catchUpMs: -1 }), { code: 'INVALID_ARGUMENT' })
    } finally {
      behind.close()
      ahead.close()
    }
  })

  it('a height restored from an earlier session has the first node probed too, once', async () => {
    const behind = await nodeAt([3], 'behind')
    const ahead = await nodeAt([9], 'ahead')
    try {
      // Seen in this session: the current node served it, so it is not probed.
      const seen = new HttpTransport({ urls: [behind.url, ahead.url], catchUpMs: 150 })
      seen.noteHeight(9)
      assert.deepEqual(await seen.get('/data'), { node: 'behind' })
      assert.deepEqual(behind.asked, ['/data'])

      // Restored (a page load): the first node is behind, so it is passed over; then no more probes.
      const restored = new HttpTransport({ urls: [behind.url, ahead.url], catchUpMs: 150 })
      restored.noteHeight(9, { restored: true })
      assert.deepEqual(await restored.get('/data'), { node: 'ahead' })
      assert.equal(behind.asked.filter((p) => p === '/data').length, 1, 'the node behind got no read')
      assert.deepEqual(await restored.get('/data'), { node: 'ahead' })
      assert.deepEqual(ahead.asked, ['/v1/status', '/data', '/data'])
    } finally {
      behind.close()
      ahead.close()
    }
  })

  it('with no height seen yet, a node that takes over is not probed', async () => {
    const b = await nodeAt([0], 'b')
    try {
      const t = new HttpTransport({ urls: ['http://127.0.0.1:9', b.url] })
      assert.deepEqual(await t.get('/data'), { node: 'b' })
      assert.deepEqual(b.asked, ['/data'])
    } finally {
      b.close()
    }
  })
})
