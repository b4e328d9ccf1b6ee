/**
 * The p2p transport over real TLS 1.3 on loopback, with certificates from the consortium PKI.
 * Ephemeral ports everywhere; every test closes what it started, and the last test checks that
 * nothing (socket, server, timer) is left behind.
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { type CryptoSuite, suites } from '@govchain/core'
import { encodeFrame, FRAME_HEADER_BYTES, frameHeader } from '../src/p2p.ts'
import { issueClientCert, issueNodeCert } from '../src/pki.ts'
import { addr, closeAll, makeOrg, mesh, peerIds, rawClient, startNode, type TestNode, until } from './p2p-fixtures.ts'

const resourcesBefore = countResources()
const orgA = makeOrg('samr', '市场监督管理局')
const orgB = makeOrg('tax', '税务局')
const outsider = makeOrg('rogue')
const consortium = [orgA, orgB]

function countResources(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}

async function threeNodes(suite: CryptoSuite = suites.intl): Promise<[TestNode, TestNode, TestNode]> {
  const nodes = await Promise.all([
    startNode({ nodeId: 'n1', org: orgA, trusted: consortium, suite }),
    startNode({ nodeId: 'n2', org: orgA, trusted: consortium, suite }),
    startNode({ nodeId: 'n3', org: orgB, trusted: consortium, suite }),
  ])
  mesh(nodes)
  for (const n of nodes) await until(() => n.p2p.peers().length === 2, `${n.nodeId} has 2 peers`)
  return nodes as [TestNode, TestNode, TestNode]
}

function closesOf(n: TestNode, reason: string): number {
  return n.p2p.stats().closes[reason] ?? 0
}

describe('p2p transport', () => {
  for (const suiteName of ['intl', 'gm'] as const) {
    test(`3 nodes of 2 organisations connect and exchange messages (${suiteName})`, async () => {
      const [n1, n2, n3] = await threeNodes(suites[suiteName])
      try {
        assert.deepEqual(peerIds(n1), ['n2', 'n3'])
        const info = n1.p2p.peers().find((p) => p.nodeId === 'n3')!
        assert.equal(info.orgId, 'tax')
        assert.deepEqual(info.publicKey, n3.signingKey.publicKey)

        assert.equal(n1.p2p.send('n3', 7, new Uint8Array([1, 2, 3])), true)
        assert.equal(n3.p2p.send('n1', 8, new Uint8Array([4, 5])), true)
        await until(() => n3.received.length === 1 && n1.received.length === 1, 'both directions delivered')
        assert.deepEqual(n3.received[0], { from: 'n1', channel: 7, payload: new Uint8Array([1, 2, 3]) })
        assert.deepEqual(n1.received[0], { from: 'n3', channel: 8, payload: new Uint8Array([4, 5]) })

        assert.equal(n2.p2p.broadcast(9, new Uint8Array([42])), 2)
        await until(() => n1.received.length === 2 && n3.received.length === 2, 'broadcast reached all')
        assert.equal(n2.received.length, 0)
        assert.deepEqual(n1.received[1], { from: 'n2', channel: 9, payload: new Uint8Array([42]) })

        assert.equal(n1.p2p.broadcast(9, new Uint8Array([1]), 'n2'), 1, 'exceptPeer is skipped')
        assert.equal(n1.p2p.send('nobody', 9, new Uint8Array([1])), false)

        // A block-sized message travels whole (and the empty payload too).
        const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 251)
        n3.p2p.send('n2', 10, big)
        n3.p2p.send('n2', 10, new Uint8Array(0))
        await until(() => n2.received.length === 2, 'big message delivered')
        assert.deepEqual(n2.received[0]!.payload, big)
        assert.equal(n2.received[1]!.payload.length, 0)

        // One connection per pair despite every node dialing every other.
        for (const n of [n1, n2, n3])
          await until(() => n.p2p.stats().connections === 2, `${n.nodeId} duplicates closed`)
      } finally {
        await closeAll([n1, n2, n3])
      }
    })
  }

  test('a certificate from a CA outside the consortium is refused at the handshake, both ways', async () => {
    const n1 = await startNode({ nodeId: 'n1', org: orgA, trusted: consortium })
    // The rogue node trusts the consortium so any refusal is n1's doing.
    const rogue = await startNode({ nodeId: 'r1', org: outsider, trusted: [...consortium, outsider] })
    try {
      rogue.p2p.addPeer(addr(n1))
      await until(() => n1.p2p.stats().handshakeFailures >= 2, 'inbound handshakes refused')
      n1.p2p.addPeer(addr(rogue))
      await until(() => (n1.p2p.stats().closes.TLS_HANDSHAKE_FAILED ?? 0) >= 1, 'outbound handshake refused')
      assert.deepEqual(peerIds(n1), [])
      assert.deepEqual(peerIds(rogue), [])
      assert.ok(n1.logs.some((l) => l.level === 'warn' && l.obj.reason === 'TLS_HANDSHAKE_FAILED'))
    } finally {
      await closeAll([n1, rogue])
    }
  })

  test('a wrong-chain HELLO, a bad HELLO signature and a disallowed node are refused with coded reasons', async () => {
    const n1 = await startNode({
      nodeId: 'n1',
      org: orgA,
      trusted: consortium,
      opts: { isPeerAllowed: (p) => p.nodeId !== 'banned' },
    })
    const badSigner: CryptoSuite = {
      ...suites.intl,
      sign: (k, m) => {
        const s = suites.intl.sign(k, m)
        s[0]! ^= 1
        return s
      },
    }
    const others = await Promise.all([
      startNode({ nodeId: 'w1', org: orgA, trusted: consortium, chainId: 'another-chain' }),
      startNode({ nodeId: 'b1', org: orgB, trusted: consortium, suite: badSigner }),
      startNode({ nodeId: 'banned', org: orgB, trusted: consortium }),
      startNode({ nodeId: 'g1', org: orgB, trusted: consortium, suite: suites.gm }),
    ])
    try {
      for (const o of others) o.p2p.addPeer(addr(n1))
      await until(() => closesOf(n1, 'P2P_HELLO_WRONG_CHAIN') >= 2, 'wrong chain and wrong suite refused')
      await until(() => closesOf(n1, 'P2P_HELLO_BAD_SIGNATURE') >= 1, 'bad signature refused')
      await until(() => closesOf(n1, 'P2P_PEER_NOT_ALLOWED') >= 1, 'banned node refused')
      assert.deepEqual(peerIds(n1), [])
      const warned = new Set(n1.logs.filter((l) => l.level === 'warn').map((l) => l.obj.reason))
      for (const code of ['P2P_HELLO_WRONG_CHAIN', 'P2P_HELLO_BAD_SIGNATURE', 'P2P_PEER_NOT_ALLOWED']) {
        assert.ok(warned.has(code), `${code} logged`)
      }
      // A refused side that accepted our HELLO learns why through the GOODBYE.
      await until(
        () => others[1]!.logs.some((l) => l.obj.remoteReason === 'P2P_HELLO_BAD_SIGNATURE'),
        'b1 told the reason',
      )
      await until(
        () => others[2]!.logs.some((l) => l.obj.remoteReason === 'P2P_PEER_NOT_ALLOWED'),
        'banned told the reason',
      )
    } finally {
      await closeAll([n1, ...others])
    }
  })

  test('HELLOs that do not match the certificate, or replay another connection, are refused', async () => {
    const n1 = await startNode({ nodeId: 'n1', org: orgA, trusted: consortium })
    const cert = issueNodeCert(orgA.ca, { nodeId: 'raw1', orgId: 'samr', validityDays: 1 })
    try {
      const cases: [string, (c: Awaited<ReturnType<typeof rawClient>>) => void][] = [
        ['P2P_HELLO_INVALID', (c) => c.sendHello({ nodeId: 'n2' })], // nodeId is not the certificate's
        ['P2P_HELLO_INVALID', (c) => c.sendHello({ role: 'listener' })], // reflected role
        ['P2P_HELLO_WRONG_CHAIN', (c) => c.sendHello({ version: 99 })],
        ['P2P_HELLO_INVALID', (c) => c.write(encodeFrame(0, new Uint8Array([1, 0xff, 0xff])))], // undecodable
        ['P2P_HELLO_INVALID', (c) => c.write(encodeFrame(5, new Uint8Array([1])))], // app message before HELLO
        ['P2P_FRAME_OVERSIZE', (c) => c.write(frameHeader(0, 4096))], // over the pre-HELLO limit
      ]
      for (const [code, act] of cases) {
        const before = closesOf(n1, code)
        const c = await rawClient({ port: n1.port, nodeId: 'raw1', cert, trusted: consortium })
        act(c)
        await c.closed
        await until(() => closesOf(n1, code) === before + 1, `${code} counted`)
      }
      // Replay: a HELLO signed for one connection, sent on another.
      const first = await rawClient({ port: n1.port, nodeId: 'raw1', cert, trusted: consortium })
      let captured: Uint8Array | undefined
      first.sendHello({}, (h) => {
        captured = h
        return h
      })
      await until(() => peerIds(n1).includes('raw1'), 'first connection open')
      first.socket.destroy()
      await until(() => !peerIds(n1).includes('raw1'), 'first connection gone')
      const second = await rawClient({ port: n1.port, nodeId: 'raw1', cert, trusted: consortium })
      const before = closesOf(n1, 'P2P_HELLO_BAD_SIGNATURE')
      second.sendHello({}, () => captured!)
      await second.closed
      await until(() => closesOf(n1, 'P2P_HELLO_BAD_SIGNATURE') === before + 1, 'replayed HELLO refused')

      // A gateway's client certificate is not a node, even from a consortium CA.
      const clientCert = issueClientCert(orgA.ca, { nodeId: 'gw1', orgId: 'samr', validityDays: 1 })
      const beforeClient = closesOf(n1, 'P2P_PEER_NOT_ALLOWED')
      const gw = await rawClient({ port: n1.port, nodeId: 'gw1', cert: clientCert, trusted: consortium })
      await gw.closed
      await until(() => closesOf(n1, 'P2P_PEER_NOT_ALLOWED') === beforeClient + 1, 'client cert refused')
      assert.deepEqual(peerIds(n1), [])
    } finally {
      await n1.p2p.close()
    }
  })

  test('a garbage frame or an oversize frame closes that connection only', async () => {
    const [n1, n2, n3] = await threeNodes()
    const cert = issueNodeCert(orgB.ca, { nodeId: 'raw2', orgId: 'tax', validityDays: 1 })
    try {
      const max = 20 * 1024 * 1024
      const attacks: [string, Uint8Array][] = [
        ['P2P_FRAME_INVALID', new Uint8Array(4)], // a zero-length frame: no channel byte
        ['P2P_FRAME_INVALID', encodeFrame(0, new Uint8Array([77]))], // unknown control message
        ['P2P_FRAME_OVERSIZE', frameHeader(3, max)], // 1 byte over the limit, refused on the prefix
        ['P2P_FRAME_OVERSIZE', new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3])], // random bytes
      ]
      for (const [code, bytes] of attacks) {
        const before = closesOf(n1, code)
        const c = await rawClient({ port: n1.port, nodeId: 'raw2', cert, trusted: consortium })
        c.sendHello()
        await until(() => peerIds(n1).includes('raw2'), 'raw peer open')
        c.write(bytes)
        await c.closed
        await until(() => closesOf(n1, code) === before + 1, `${code} counted`)
        assert.ok(n1.logs.some((l) => l.level === 'warn' && l.obj.reason === code && l.obj.peer === 'raw2'))
      }
      assert.equal(FRAME_HEADER_BYTES, 5)
      // The others never noticed.
      assert.deepEqual(peerIds(n1), ['n2', 'n3'])
      n2.p2p.send('n1', 4, new Uint8Array([9]))
      n3.p2p.send('n1', 4, new Uint8Array([8]))
      await until(() => n1.received.length === 2, 'n1 still receives from n2 and n3')
      assert.equal(closesOf(n2, 'P2P_FRAME_INVALID') + closesOf(n3, 'P2P_FRAME_INVALID'), 0)
    } finally {
      await closeAll([n1, n2, n3])
    }
  })

  test('a handler that rejects a message drops that peer, which then reconnects', async () => {
    const [n1, n2, n3] = await threeNodes()
    try {
      n1.p2p.onMessage((_from, channel) => {
        if (channel === 66) throw new Error('does not decode')
      })
      n2.p2p.send('n1', 66, new Uint8Array([1]))
      await until(() => closesOf(n1, 'P2P_BAD_MESSAGE') === 1, 'bad message closed the connection')
      assert.equal(n1.p2p.stats().handlerErrors, 1)
      await until(() => peerIds(n1).includes('n2'), 'n2 reconnected')
    } finally {
      await closeAll([n1, n2, n3])
    }
  })

  test('a stopped peer is redialed with backoff and reconnects after its restart', async () => {
    const [n1, n2, n3] = await threeNodes()
    let n3b: TestNode | undefined
    try {
      const port = n3.port
      await n3.p2p.close()
      await until(() => peerIds(n1).join() === 'n2' && peerIds(n2).join() === 'n1', 'n3 gone')
      const dialsBefore = n1.p2p.stats().dialFailures
      await until(() => n1.p2p.stats().dialFailures >= dialsBefore + 2, 'n1 retried while n3 was down')
      n3b = await startNode({ nodeId: 'n3', org: orgB, trusted: consortium, port, cert: n3.cert })
      // The restarted n3 knows no peers: n1 and n2 must find it by redialing.
      await until(() => peerIds(n1).includes('n3') && peerIds(n2).includes('n3'), 'n3 reconnected')
      assert.deepEqual(peerIds(n3b), ['n1', 'n2'])
      n3b.p2p.send('n1', 3, new Uint8Array([3]))
      await until(() => n1.received.some((m) => m.from === 'n3'), 'message after reconnect')
    } finally {
      await closeAll([n1, n2, ...(n3b ? [n3b] : [])])
    }
  })

  test('removing an organisation from the trusted CAs disconnects its nodes; adding it back reconnects', async () => {
    const [n1, n2, n3] = await threeNodes()
    try {
      const events: string[] = []
      n1.p2p.onPeerDisconnected((id, reason) => events.push(`${id}:${reason}`))
      n1.p2p.setTrustedCAs([orgA.ca.certPem])
      await until(() => peerIds(n1).join() === 'n2', 'n3 (tax) disconnected from n1')
      assert.deepEqual(events, ['n3:PKI_UNTRUSTED_ISSUER'])
      // n3 keeps dialing n1 and is refused at the handshake.
      const refused = n1.p2p.stats().handshakeFailures
      await until(() => n1.p2p.stats().handshakeFailures > refused, 'n3 refused on redial')
      assert.deepEqual(peerIds(n1), ['n2'])
      assert.deepEqual(peerIds(n2), ['n1', 'n3'], 'n2 still trusts tax')

      assert.throws(() => n1.p2p.setTrustedCAs(['not a certificate']), { code: 'PKI_INVALID_CERTIFICATE' })
      n1.p2p.setTrustedCAs([orgA.ca.certPem, orgB.ca.certPem])
      await until(() => peerIds(n1).join() === 'n2,n3', 'n3 back')
    } finally {
      await closeAll([n1, n2, n3])
    }
  })

  test('live peers answer PINGs and stay; a silent peer is closed as idle', async () => {
    const opts = { pingIntervalMs: 40, idleTimeoutMs: 200 }
    const a = await startNode({ nodeId: 'ia', org: orgA, trusted: consortium, opts })
    const b = await startNode({ nodeId: 'ib', org: orgB, trusted: consortium, opts })
    try {
      a.p2p.addPeer(addr(b))
      await until(() => peerIds(a).join() === 'ib', 'connected')
      const cert = issueNodeCert(orgA.ca, { nodeId: 'mute', orgId: 'samr', validityDays: 1 })
      const mute = await rawClient({ port: a.port, nodeId: 'mute', cert, trusted: consortium })
      mute.sendHello()
      await mute.closed // it never answers a PING
      await until(() => closesOf(a, 'IDLE_TIMEOUT') === 1, 'idle close counted')
      assert.ok(a.p2p.stats().framesOut > 2, 'PINGs were sent')
      assert.deepEqual(peerIds(a), ['ib'], 'the live peer stayed through several idle periods')
      assert.equal(closesOf(b, 'IDLE_TIMEOUT'), 0)
    } finally {
      await closeAll([a, b])
    }
  })

  test('recheckPeers applies a changed allow-list to open connections', async () => {
    let banned = ''
    const nodes = await Promise.all(
      ['n1', 'n2'].map((id) =>
        startNode({ nodeId: id, org: orgA, trusted: consortium, opts: { isPeerAllowed: (p) => p.nodeId !== banned } }),
      ),
    )
    try {
      mesh(nodes)
      await until(() => peerIds(nodes[0]!).join() === 'n2', 'connected')
      banned = 'n2'
      nodes[0]!.p2p.recheckPeers()
      assert.deepEqual(peerIds(nodes[0]!), [])
      await until(() => closesOf(nodes[0]!, 'P2P_PEER_NOT_ALLOWED') >= 1, 'counted')
    } finally {
      await closeAll(nodes)
    }
  })

  test('close() hands the peer what is still queued for it, past backpressure', async () => {
    // A grace long enough for a loaded machine: the test is about what is written, not how fast.
    const a = await startNode({ nodeId: 'fa', org: orgA, trusted: consortium, opts: { closeGraceMs: 10_000 } })
    const b = await startNode({ nodeId: 'fb', org: orgA, trusted: consortium })
    try {
      a.p2p.addPeer(addr(b))
      await until(() => peerIds(a).join() === 'fb' && peerIds(b).join() === 'fa', 'connected')
      // In one tick: the first message (64 KiB) fills the socket past its 16 KiB high-water mark, so the others
      // wait in the send queue for 'drain', which never comes before close() ends the connection.
      const sent = Array.from({ length: 4 }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1))
      for (const m of sent) assert.equal(a.p2p.send('fb', 2, m), true)
      const closed = a.p2p.close()
      await until(() => b.received.filter((r) => r.channel === 2).length === sent.length, 'all four delivered')
      const got = b.received.filter((r) => r.channel === 2)
      assert.deepEqual(
        got.map((r) => [r.from, r.payload.length, r.payload[0]]),
        sent.map((m) => ['fa', m.length, m[0]]),
      )
      await closed
    } finally {
      await closeAll([a, b])
    }
  })

  test('flush() waits until what was queued is written out; a close right after loses nothing', async () => {
    // A grace of 1 ms: close() destroys the socket almost at once, so only what flush() saw written
    // reaches the peer. A stopping node flushes what it hands over before it closes.
    const a = await startNode({ nodeId: 'fa', org: orgA, trusted: consortium, opts: { closeGraceMs: 1 } })
    const b = await startNode({ nodeId: 'fb', org: orgA, trusted: consortium })
    try {
      a.p2p.addPeer(addr(b))
      await until(() => peerIds(a).join() === 'fb' && peerIds(b).join() === 'fa', 'connected')
      const sent = Array.from({ length: 16 }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1))
      for (const m of sent) assert.equal(a.p2p.send('fb', 2, m), true)
      assert.ok(a.p2p.peers()[0]!.sendQueueBytes > 0, 'some of it waits for drain')
      assert.equal(await a.p2p.flush(10_000), true)
      assert.equal(a.p2p.peers()[0]!.sendQueueBytes, 0)
      await a.p2p.close()
      await until(() => b.received.filter((r) => r.channel === 2).length === sent.length, 'all sixteen delivered')
      const got = b.received.filter((r) => r.channel === 2)
      assert.deepEqual(
        got.map((r) => [r.from, r.payload.length, r.payload[0]]),
        sent.map((m) => ['fa', m.length, m[0]]),
      )
    } finally {
      await closeAll([a, b])
    }
  })

  test('flush() with nothing queued resolves at once; one that cannot finish gives up at its bound', async () => {
    const a = await startNode({ nodeId: 'fa', org: orgA, trusted: consortium })
    const b = await startNode({ nodeId: 'fb', org: orgA, trusted: consortium })
    try {
      assert.equal(await a.p2p.flush(0), true)
      a.p2p.addPeer(addr(b))
      await until(() => peerIds(a).join() === 'fb', 'connected')
      assert.equal(await a.p2p.flush(1000), true)
      a.p2p.send('fb', 2, new Uint8Array(1024 * 1024))
      assert.equal(await a.p2p.flush(0), false, 'a zero bound does not wait for the socket')
    } finally {
      await closeAll([a, b])
    }
  })

  test('send queue: normal messages are dropped oldest-first, a priority overflow disconnects the slow peer', async () => {
    const MiB = 1024 * 1024
    const opts = { sendQueueBytesMax: 4 * MiB, priorityChannels: [1] }
    const counted = new Set<string>()
    const metrics = {
      increment: (name: string, labels?: Readonly<Record<string, string>>) => {
        counted.add(`${name}${labels ? JSON.stringify(labels) : ''}`)
      },
    }
    const a = await startNode({ nodeId: 'qa', org: orgA, trusted: consortium, opts, components: { metrics } })
    const b = await startNode({ nodeId: 'qb', org: orgA, trusted: consortium, opts })
    try {
      a.p2p.addPeer(addr(b))
      await until(() => peerIds(a).join() === 'qb', 'connected')
      // All in one tick: the socket cannot drain in between, so the queue outcome is exact.
      const msg = new Uint8Array(MiB)
      let accepted = 0
      for (let i = 0; i < 10; i++) if (a.p2p.send('qb', 2, msg)) accepted++
      assert.equal(accepted, 10, 'normal messages are accepted by dropping older ones')
      assert.ok(a.p2p.stats().messagesDropped >= 5)
      assert.deepEqual(peerIds(a), ['qb'], 'dropping gossip never disconnects')

      let refused = 0
      for (let i = 0; i < 10; i++) if (!a.p2p.send('qb', 1, msg)) refused++
      assert.ok(refused >= 1)
      assert.deepEqual(peerIds(a), [], 'slow peer disconnected at once')
      await until(() => closesOf(a, 'P2P_SEND_QUEUE_FULL') === 1, 'close counted')
      await until(() => peerIds(a).join() === 'qb', 'reconnected')
      for (const c of [
        'p2p_frames_out_total{"channel":"2"}',
        'p2p_messages_dropped_total',
        'p2p_connections_closed_total{"reason":"P2P_SEND_QUEUE_FULL"}',
        'p2p_connections_opened_total',
      ]) {
        assert.ok(counted.has(c), `metric ${c}`)
      }

      assert.throws(() => a.p2p.send('qb', 0, msg), { code: 'INVALID_ARGUMENT' })
      assert.throws(() => a.p2p.send('qb', 2, new Uint8Array(20 * MiB)), { code: 'P2P_FRAME_OVERSIZE' })
    } finally {
      await closeAll([a, b])
    }
  })

  after(() => {
    // close() left nothing behind: no server, socket or timer of ours is still alive.
    const now = countResources()
    for (const kind of ['TCPServerWrap', 'TCPSocketWrap', 'TLSWrap', 'Timeout']) {
      assert.ok((now[kind] ?? 0) <= (resourcesBefore[kind] ?? 0), `${kind}: ${now[kind]} > ${resourcesBefore[kind]}`)
    }
  })
})
