import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { type ChainEvent, createClient, type WebSocketConstructor } from '@govchain/sdk'
import { WebSocket, WebSocketServer } from 'ws'

// The Node path the CLI takes: no global WebSocket in Node 20, so the `ws` constructor is injected.
test('subscribe over a real WebSocket (ws): filter in the URL, events in order, reconnect on 1013, stop', async () => {
  const server = createServer()
  const wss = new WebSocketServer({ server, path: '/v1/events' })
  const urls: string[] = []
  let connections = 0
  wss.on('connection', (socket, req) => {
    urls.push(req.url ?? '')
    connections++
    if (connections === 1) {
      socket.send(JSON.stringify({ type: 'block', height: 1, hash: '00', txCount: 0, timeMs: 1, proposer: 'org0' }))
      // The node drops slow readers with 1013 ("try again later"); the client must come back.
      socket.close(1013, 'slow')
    } else {
      socket.send(JSON.stringify({ type: 'tx', height: 2, index: 0, hash: 'ab', code: 'OK' }))
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  try {
    const client = createClient({
      url: `http://127.0.0.1:${port}`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    })
    const events: ChainEvent[] = []
    const errors: string[] = []
    let stop: () => void = () => {}
    await new Promise<void>((resolve) => {
      stop = client.subscribe(
        { types: ['block', 'tx'], module: 'anchor' },
        (e) => {
          events.push(e)
          if (events.length === 2) resolve()
        },
        { onError: (e) => errors.push(e.code), reconnectDelayMs: 10 },
      )
    })
    stop()
    assert.deepEqual(
      events.map((e) => e.type),
      ['block', 'tx'],
    )
    assert.equal(urls[0], '/v1/events?types=block%2Ctx&module=anchor')
    assert.equal(urls.length, 2)
    assert.deepEqual(errors, ['SDK_NETWORK_ERROR'])
  } finally {
    for (const c of wss.clients) c.terminate()
    wss.close()
    server.close()
  }
})
