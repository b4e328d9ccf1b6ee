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

// Issue 15, no single node: a node that hangs accepts the TCP connection and never answers the
// upgrade, or goes silent once open. The stream must give it up and move to the next node.
test('subscribe moves on from a node that never opens the stream, and from one that goes silent', async () => {
  const { createServer: createNetServer } = await import('node:net')
  // Node A: accepts TCP and says nothing (a SIGSTOPped node's kernel still completes the handshake).
  const held: import('node:net').Socket[] = []
  const hung = createNetServer((s) => held.push(s))
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r))
  // Node B: opens, sends one block, then stays silent. Node C: sends a block every 50 ms.
  const servers = [0, 1].map(() => createServer())
  const wss = servers.map((server) => new WebSocketServer({ server, path: '/v1/events' }))
  const timers: ReturnType<typeof setInterval>[] = []
  let height = 0
  wss[0]!.on('connection', (socket) =>
    socket.send(JSON.stringify({ type: 'block', height: ++height, hash: 'b', txCount: 0, timeMs: 1, proposer: 'B' })),
  )
  wss[1]!.on('connection', (socket) => {
    timers.push(
      setInterval(
        () =>
          socket.send(
            JSON.stringify({ type: 'block', height: ++height, hash: 'c', txCount: 0, timeMs: 1, proposer: 'C' }),
          ),
        50,
      ),
    )
  })
  for (const s of servers) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const url = (s: { address(): unknown }) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  try {
    const client = createClient({
      urls: [url(hung), url(servers[0]!), url(servers[1]!)],
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      // Generous for a loaded machine: the hung node costs one open timeout.
      timeoutMs: 2000,
    })
    const proposers: string[] = []
    const errors: string[] = []
    let stop: () => void = () => {}
    await new Promise<void>((resolve) => {
      stop = client.subscribe(
        { types: ['block'] },
        (e) => {
          if (e.type === 'block') proposers.push(e.proposer)
          if (proposers.filter((p) => p === 'C').length >= 3) resolve()
        },
        { onError: (e) => errors.push(e.message), reconnectDelayMs: 10, idleTimeoutMs: 1500 },
      )
    })
    stop()
    // B's one block, then C's: the silent B is left for C. (On a starved machine C itself may
    // miss the idle deadline and the stream visits B again before coming back: not a failure.)
    assert.equal(proposers[0], 'B')
    assert.equal(proposers[1], 'C', proposers.join(','))
    assert.match(errors[0] ?? '', /not open within 2000 ms/)
    assert.match(errors[1] ?? '', /no event for 1500 ms/)
  } finally {
    for (const t of timers) clearInterval(t)
    for (const s of held) s.destroy()
    hung.close()
    for (const w of wss) {
      for (const c of w.clients) c.terminate()
      w.close()
    }
    for (const s of servers) s.close()
  }
})
