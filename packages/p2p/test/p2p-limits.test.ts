/**
 * Connection slots of the p2p listener under an outsider who never completes a handshake
 * (issue 13, item 1): pre-handshake sockets are destroyed when their stage times out, at most
 * `maxConnectionsPerAddress` sockets per source address and `maxPendingInbound` unauthenticated
 * sockets in all are held, and neither idle sockets nor unreserved peers can keep a configured
 * or registered peer out. Real TLS on loopback; other 127.0.0.0/8 addresses stand in for other hosts.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, describe, test } from 'node:test'
import { addressGroup } from '../src/inbound.ts'
import { addr, closeAll, makeOrg, peerIds, startNode, type TestNode, until } from './p2p-fixtures.ts'

const orgA = makeOrg('samr')
const orgB = makeOrg('tax')
const consortium = [orgA, orgB]

interface IdleClients {
  sockets: Socket[]
  /** Sockets the TCP handshake completed for (the listener accepted them). */
  connected(): number
  /** Sockets the node has closed (or reset). */
  closed(): number
  destroy(): void
}

/** `n` TCP connections to `port` that send nothing (or `first`, then nothing). */
function idleClients(port: number, n: number, opts: { localAddress?: string; first?: Uint8Array } = {}): IdleClients {
  let connected = 0
  let closed = 0
  const sockets: Socket[] = []
  for (let i = 0; i < n; i++) {
    const s = connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) })
    s.on('connect', () => {
      connected++
      if (opts.first) s.write(opts.first)
    })
    s.on('error', () => {})
    s.on('data', () => {})
    s.on('close', () => closed++)
    sockets.push(s)
  }
  return {
    sockets,
    connected: () => connected,
    closed: () => closed,
    destroy: () => {
      for (const s of sockets) s.destroy()
    },
  }
}

function closesOf(n: TestNode, reason: string): number {
  return n.p2p.stats().closes[reason] ?? 0
}

/** A TLS record header announcing a 512-byte ClientHello that never comes: stuck mid-handshake. */
const PARTIAL_CLIENT_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])

describe('p2p connection slots', () => {
  const started: TestNode[] = []
  const clients: IdleClients[] = []
  after(async () => {
    for (const c of clients) c.destroy()
    await closeAll(started)
  })
  async function node(nodeId: string, opts: Parameters<typeof startNode>[0]['opts'] = {}): Promise<TestNode> {
    const n = await startNode({ nodeId, org: nodeId.startsWith('t') ? orgB : orgA, trusted: consortium, opts })
    started.push(n)
    return n
  }

  test('a socket that never starts TLS, or stalls mid-handshake, is destroyed when its stage times out', async () => {
    const a = await node('slot-a', { handshakeTimeoutMs: 300 })
    const silent = idleClients(a.port, 3)
    const stalled = idleClients(a.port, 3, { first: PARTIAL_CLIENT_HELLO })
    clients.push(silent, stalled)
    await until(() => silent.connected() === 3 && stalled.connected() === 3, 'all accepted')
    // The limit only stops a broken test from hanging: the node must close them itself.
    await until(() => silent.closed() === 3, 'silent sockets destroyed by the node', 5_000)
    await until(() => stalled.closed() === 3, 'stalled handshakes destroyed by the node', 5_000)
    await until(() => closesOf(a, 'HANDSHAKE_TIMEOUT') === 6, 'counted as handshake timeouts')
    assert.equal(a.p2p.stats().pendingInbound, 0)
    assert.equal(a.p2p.stats().connections, 0)
  })

  test('at most maxConnectionsPerAddress sockets per source address; a peer from that address still gets in', async () => {
    const a = await node('slot-b', { maxConnectionsPerAddress: 4 })
    const flood = idleClients(a.port, 50)
    clients.push(flood)
    await until(() => flood.connected() === 50, 'all 50 accepted by TCP')
    await until(() => flood.closed() === 46, 'all but 4 closed by the node')
    assert.equal(a.p2p.stats().pendingInbound, 4)
    assert.ok(closesOf(a, 'ADDRESS_LIMIT') >= 46)

    // A peer dialing from the same address (loopback) is not kept out by the idle sockets: the
    // oldest of them makes room, and the peer, once it has spoken, is never the one to go.
    const b = await node('slot-c', { peers: [addr(a)] })
    await until(() => peerIds(a).join() === 'slot-c', 'the peer connected through the full address')
    assert.equal(flood.closed(), 47, 'one idle socket made room')
    // An unconfigured peer's open connection still counts for its address: 3 idle + 1 open.
    assert.equal(a.p2p.stats().pendingInbound, 3)
    const more = idleClients(a.port, 10)
    clients.push(more)
    // Each newcomer pushes out the oldest idle socket of the address, never the open peer.
    await until(() => more.connected() === 10 && flood.closed() + more.closed() === 57, 'the cap holds')
    assert.equal(a.p2p.stats().pendingInbound, 3)
    assert.deepEqual(peerIds(a), ['slot-c'], 'the open peer was never pushed out')
    assert.deepEqual(peerIds(b), ['slot-b'])
  })

  test('the pending pool is bounded across addresses and never pushes out or blocks a known peer', async () => {
    const a = await node('slot-d', { maxPendingInbound: 6, maxConnectionsPerAddress: 2 })
    const b = await node('slot-e', { peers: [addr(a)] })
    await until(() => peerIds(a).join() === 'slot-e', 'known peer connected')
    const floods = [2, 3, 4, 5, 6, 7, 8, 9].map((i) => idleClients(a.port, 4, { localAddress: `127.0.0.${i}` }))
    clients.push(...floods)
    const connected = () => floods.reduce((s, f) => s + f.connected(), 0)
    const closed = () => floods.reduce((s, f) => s + f.closed(), 0)
    await until(() => connected() === 32 && closed() === 26, 'only 6 idle sockets held')
    assert.equal(a.p2p.stats().pendingInbound, 6)
    assert.ok(closesOf(a, 'ADDRESS_LIMIT') + closesOf(a, 'PENDING_FULL') >= 26)
    assert.deepEqual(peerIds(a), ['slot-e'], 'the open peer is untouched')
    // A new configured peer is let in while the pool stays full of idle sockets.
    const c = await node('slot-f', { peers: [addr(a)] })
    await until(() => peerIds(a).join() === 'slot-e,slot-f', 'a second peer connected through the full pool')
    assert.ok(a.p2p.stats().pendingInbound <= 6)
    assert.deepEqual(peerIds(b), ['slot-d'])
    await until(() => peerIds(c).join() === 'slot-d', 'the new peer sees its side open')
  })

  test('unreserved peers share maxInboundConnections; a configured or registered peer always gets in', async () => {
    const a = await node('slot-g', { maxInboundConnections: 1, isReservedPeer: (p) => p.nodeId === 'tslot-reg' })
    const stranger = await node('slot-h', { peers: [addr(a)] })
    await until(() => peerIds(a).join() === 'slot-h', 'first stranger took the one unreserved slot')
    const second = await node('slot-i', { peers: [addr(a)] })
    await until(() => closesOf(a, 'INBOUND_FULL') >= 1, 'second stranger refused')
    assert.deepEqual(peerIds(a), ['slot-h'])
    // Registered (isReservedPeer) and configured peers dialing in are not counted against the
    // limit. (aslot-cfg sorts first, so its own dial is the connection both sides keep.)
    const registered = await node('tslot-reg', { peers: [addr(a)] })
    const configured = await node('aslot-cfg', { peers: [addr(a)] })
    a.p2p.addPeer(addr(configured))
    await until(() => peerIds(a).join() === 'aslot-cfg,slot-h,tslot-reg', 'reserved peers connected')
    assert.equal(a.p2p.peers().find((p) => p.nodeId === 'aslot-cfg')?.direction, 'inbound')
    assert.deepEqual(peerIds(stranger), ['slot-g'])
    assert.ok(closesOf(a, 'INBOUND_FULL') >= 1 && !peerIds(a).includes(second.nodeId), 'the second stranger stays out')
    await until(() => peerIds(registered).join() === 'slot-g', 'the registered peer sees its side open')
  })

  test('the per-address limit counts an IPv4 address, or the /64 of an IPv6 address', () => {
    assert.equal(addressGroup('10.1.2.3'), '10.1.2.3')
    assert.equal(addressGroup('::ffff:10.1.2.3'), '10.1.2.3')
    assert.equal(addressGroup('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
    assert.equal(addressGroup('2001:DB8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64')
    assert.equal(addressGroup('2001:db8::1'), '2001:db8:0:0::/64')
    assert.equal(addressGroup('fe80::1%eth0'), 'fe80:0:0:0::/64')
    assert.equal(addressGroup('::1'), '0:0:0:0::/64')
    assert.equal(addressGroup(undefined), '?')
  })
})
