/**
 * An in-process network for daemon tests: a P2P per node, every message delivered by a timer of
 * the shared manual clock, after a per-link latency drawn from a seeded random source. Links
 * keep order (like TCP), and nothing moves unless the clock is advanced: a run is a function of
 * the seed.
 */

import type { Genesis } from '@govchain/app'
import { type CryptoSuite, memorySigner } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import type {
  MessageHandler,
  P2P,
  P2PStats,
  PeerConnectedHandler,
  PeerDisconnectedHandler,
  PeerInfo,
} from '@govchain/p2p'
import { type ChainStore, MemoryChainStore } from '@govchain/store'
import type { ManualClock, RandomSource } from '../src/clock.ts'
import { type GovchainNode, startNode } from '../src/daemon.ts'
import type { NodeConfig, NodeHome } from '../src/home.ts'
import { memoryLogger } from '../src/testing/fake-backend.ts'

/** A validator's home for an in-process network: its key in memory, loopback ports, no files unless `dir` is given. */
export function memoryHome(opts: {
  suite: CryptoSuite
  genesis: Genesis
  nodeId: string
  privateKey: Uint8Array
  dir?: string
  config?: Partial<NodeConfig>
}): NodeHome {
  const dir = opts.dir ?? '/nonexistent'
  return {
    home: dir,
    dataDir: `${dir}/data`,
    config: {
      nodeId: opts.nodeId,
      orgId: opts.nodeId,
      api: { host: '127.0.0.1', port: 0 },
      p2p: { host: '127.0.0.1', port: 0 },
      peers: [],
      logLevel: 'error',
      ...opts.config,
    },
    genesis: opts.genesis,
    validatorKey: memorySigner(opts.suite, opts.privateKey),
    tls: { certPem: '', keyPem: '' },
    trustedCaPems: [],
  }
}

/**
 * A node of an in-process network: every default module, no API, errors only in its log, the
 * network's clock and random source, its transport, and a store in memory unless given one.
 */
export function startMemoryNode(opts: {
  home: NodeHome
  clock: ManualClock
  random: RandomSource
  p2p: P2P
  store?: ChainStore
}): Promise<GovchainNode> {
  return startNode({
    home: opts.home,
    modules: defaultModules(),
    api: false,
    logger: memoryLogger('error').logger,
    clock: opts.clock,
    random: opts.random,
    store: opts.store ?? new MemoryChainStore(),
    p2p: opts.p2p,
  })
}

export interface SentMessage {
  atMs: number
  from: string
  /** undefined: a broadcast. */
  to: string | undefined
  channel: number
  payload: Uint8Array
}

interface Endpoint {
  nodeId: string
  publicKey: Uint8Array
  links: Map<string, { latencyMs: number }>
  onMessage: MessageHandler[]
  onConnected: PeerConnectedHandler[]
  onDisconnected: PeerDisconnectedHandler[]
}

const LATENCY_MS_MIN = 1
const LATENCY_MS_SPREAD = 20

export class MemoryNetwork {
  /** Every send and broadcast, in order, connected or not. */
  readonly sent: SentMessage[] = []
  private readonly endpoints = new Map<string, Endpoint>()

  constructor(
    private readonly clock: ManualClock,
    private readonly random: RandomSource,
  ) {}

  transport(nodeId: string, publicKey: Uint8Array): P2P {
    const me: Endpoint = { nodeId, publicKey, links: new Map(), onMessage: [], onConnected: [], onDisconnected: [] }
    this.endpoints.set(nodeId, me)
    const subscribe = <H>(list: H[], h: H): (() => void) => {
      list.push(h)
      return () => list.splice(list.indexOf(h), 1)
    }
    const send = (to: string, channel: number, payload: Uint8Array): boolean => {
      const link = me.links.get(to)
      if (link === undefined) return false
      const copy = payload.slice()
      this.clock.setTimer(link.latencyMs, () => {
        // Gone meanwhile: what was in flight is lost, as with a closed socket.
        if (!me.links.has(to)) return
        for (const h of this.endpoints.get(to)!.onMessage) h(nodeId, channel, copy)
      })
      return true
    }
    return {
      start: async () => ({ host: 'memory', port: 0 }),
      send: (to, channel, payload) => {
        this.sent.push({ atMs: this.clock.nowMs(), from: nodeId, to, channel, payload })
        return send(to, channel, payload)
      },
      broadcast: (channel, payload, exceptPeer) => {
        this.sent.push({ atMs: this.clock.nowMs(), from: nodeId, to: undefined, channel, payload })
        let n = 0
        for (const to of me.links.keys()) if (to !== exceptPeer && send(to, channel, payload)) n++
        return n
      },
      onMessage: (h) => subscribe(me.onMessage, h),
      onPeerConnected: (h) => subscribe(me.onConnected, h),
      onPeerDisconnected: (h) => subscribe(me.onDisconnected, h),
      peers: () => [...me.links.keys()].map((id) => this.info(id)),
      addPeer: () => {},
      removePeer: () => {},
      disconnect: (peerId) => this.unlink(nodeId, peerId),
      setTrustedCAs: () => {},
      setOwnCertificate: () => {},
      setRevokedCertificates: () => {},
      recheckPeers: () => {},
      sendQueueBytesMax: 64 * 1024 * 1024,
      flush: async () => true,
      stats: () => ({ peers: me.links.size }) as P2PStats,
      close: async () => {
        for (const peer of [...me.links.keys()]) this.unlink(nodeId, peer)
        this.endpoints.delete(nodeId)
      },
    }
  }

  /** Connects every pair of nodes (in the order they joined), each link with its own latency. */
  connectAll(): void {
    const ids = [...this.endpoints.keys()]
    for (const [i, a] of ids.entries()) for (const b of ids.slice(i + 1)) this.link(a, b)
  }

  /** Connects a node that joined later to every other node. */
  connectToAll(nodeId: string): void {
    for (const other of this.endpoints.keys()) if (other !== nodeId) this.link(nodeId, other)
  }

  /** Connects two nodes (a node that joins later, to chosen peers only). */
  connect(a: string, b: string): void {
    this.link(a, b)
  }

  private link(a: string, b: string): void {
    const latencyMs = LATENCY_MS_MIN + this.random.int(LATENCY_MS_SPREAD)
    const ea = this.endpoints.get(a)!
    const eb = this.endpoints.get(b)!
    ea.links.set(b, { latencyMs })
    eb.links.set(a, { latencyMs })
    for (const h of ea.onConnected) h(this.info(b))
    for (const h of eb.onConnected) h(this.info(a))
  }

  private unlink(a: string, b: string): void {
    const ea = this.endpoints.get(a)
    const eb = this.endpoints.get(b)
    if (ea?.links.delete(b)) for (const h of ea.onDisconnected) h(b, 'LOCAL_CLOSE')
    if (eb?.links.delete(a)) for (const h of eb.onDisconnected) h(a, 'REMOTE_CLOSED')
  }

  private info(nodeId: string): PeerInfo {
    const e = this.endpoints.get(nodeId)!
    return {
      nodeId,
      orgId: nodeId,
      publicKey: e.publicKey,
      latestHeight: 0,
      direction: 'outbound',
      remoteAddress: 'memory',
      remotePort: 0,
      sendQueueBytes: 0,
    }
  }
}
