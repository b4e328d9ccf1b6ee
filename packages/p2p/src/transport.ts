/**
 * The p2p transport: mutual TLS 1.3 between consortium nodes, a signed HELLO bound to the TLS
 * session, length-prefixed frames on numbered channels, bounded per-peer send queues, and
 * reconnection with backoff (docs/adr/0005-p2p-transport.md).
 *
 * Connection life:  TCP → TLS 1.3 (both certificates checked against the organisation CAs)
 *   → certificate identity (role node, org = issuing CA's org, expected nodeId when we dialed)
 *   → HELLO both ways (suite signature over the TLS exporter, chain, nodeId = certificate CN)
 *   → isPeerAllowed → open (one connection per peer pair) → closed with a coded reason.
 * A misbehaving connection is closed, logged and counted; nothing a peer sends can throw out of
 * this module.
 *
 * Inbound slots: anyone who reaches the port can open TCP connections, so the listener admits
 * an accepted socket into a bounded pool of unauthenticated ("pending") connections, at most
 * `maxConnectionsPerAddress` per source address; each pre-HELLO stage has a deadline after which
 * the socket is destroyed; when a pool is full the oldest socket that has made the least progress
 * makes room. Authenticated peers leave the pending pool: configured and registered ("reserved")
 * peers are never counted again, others share `maxInboundConnections`. So idle sockets can never
 * push out, or keep out, a known peer.
 *
 * Log levels: error = a bug on our side (a handler threw on a connect event); warn = a peer was
 * refused or misbehaved (the reason code says why); info = a peer connected, disconnected, or the
 * transport started/stopped; debug = dial attempts, retries and routine closes.
 *
 * The parts, each in a file of its own: options.ts checks the options; credentials.ts holds the
 * TLS material we present and trust; connection.ts is one connection's life from TLS to close;
 * inbound.ts the listener's admission limits; dialer.ts the configured peers and their redials;
 * stats.ts the totals and counters. P2PNode here wires them together: one connection per peer,
 * the handlers, start and close.
 */
import net, { type Socket } from 'node:net'
import tls from 'node:tls'
import { type CryptoSuite, GovchainError } from '@govchain/core'
import { Connection, type ConnectionContext, errorCode } from './connection.ts'
import { Credentials } from './credentials.ts'
import { Dialer } from './dialer.ts'
import { type Inbound, InboundPool } from './inbound.ts'
import { type P2PConfig, resolveOptions } from './options.ts'
import { type EngineKey, type RevokedCertificate, verifyCertificateChain } from './pki.ts'
import { Stats } from './stats.ts'
import type {
  CloseReason,
  Logger,
  MessageHandler,
  P2P,
  P2PComponents,
  P2POptions,
  P2PStats,
  PeerAddress,
  PeerConnectedHandler,
  PeerDisconnectedHandler,
  PeerInfo,
} from './types.ts'

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
/** How often flush() looks again whether the send queues and sockets have written everything out. */
const FLUSH_POLL_MS = 5

export function createP2P(opts: P2POptions, components: P2PComponents): P2P {
  return new P2PNode(opts, components)
}

class P2PNode implements P2P {
  private readonly opts: P2POptions
  private readonly log: Logger
  private readonly cfg: P2PConfig
  private readonly credentials: Credentials
  private readonly counters: Stats
  private readonly conns = new Set<Connection>()
  private readonly active = new Map<string, Connection>()
  private readonly dialer: Dialer
  private readonly inbound: InboundPool
  private readonly connCtx: ConnectionContext
  private readonly messageHandlers = new Set<MessageHandler>()
  private readonly connectedHandlers = new Set<PeerConnectedHandler>()
  private readonly disconnectedHandlers = new Set<PeerDisconnectedHandler>()
  private nextConnId = 1
  /** The listening socket: admission control happens here, before any TLS state exists. */
  private server: net.Server | undefined
  /** Never listens: accepted sockets are handed to it once they send their first bytes. */
  private tlsServer: tls.Server | undefined
  private pingTimer: NodeJS.Timeout | undefined
  private started = false
  /** Set synchronously by close(): from then on nothing new starts. */
  private stopping = false
  private closing: Promise<void> | undefined

  constructor(opts: P2POptions, components: P2PComponents) {
    const suite: CryptoSuite = components.suite
    const log = components.logger ?? silentLogger
    const random = components.random ?? Math.random
    const now = components.now ?? Date.now
    const { own, revoked, signingKey, cfg, priorityChannels, acceptedChannels } = resolveOptions(opts, suite)
    this.opts = opts
    this.log = log
    this.cfg = cfg
    this.credentials = new Credentials(opts, own, revoked, log)
    const stats = new Stats(components.metrics)
    this.counters = stats
    const isStopping = () => this.stopping
    this.connCtx = {
      opts,
      cfg,
      suite,
      signingKey,
      priorityChannels,
      acceptedChannels,
      stats,
      log,
      now,
      isStopping,
      credentials: this.credentials,
      messageHandlers: this.messageHandlers,
      admit: (conn, hello) => this.inbound.admit(conn, hello),
      opened: (conn) => this.register(conn),
      closing: (conn, reason) => this.onClosing(conn, reason),
      socketClosed: (conn) => this.onSocketClosed(conn),
    }
    this.dialer = new Dialer({
      opts,
      cfg,
      stats,
      log,
      random,
      isStopping,
      isRunning: () => this.started && !this.stopping,
      isConnected: (nodeId) => this.active.has(nodeId),
      clientContext: () => this.credentials.clientContext,
      outbound: (socket, nodeId) => this.newConn(socket, 'outbound', nodeId),
    })
    this.inbound = new InboundPool({
      opts,
      cfg,
      stats,
      log,
      now,
      isStopping,
      isConfigured: (nodeId) => this.dialer.has(nodeId),
      startTls: (raw) => this.tlsServer!.emit('connection', raw),
    })
    for (const p of opts.peers ?? []) this.dialer.add(p)
  }

  // ---------------------------------------------------------------- connections

  private newConn(
    socket: tls.TLSSocket,
    direction: 'inbound' | 'outbound',
    expectedNodeId?: string,
    inboundRecord?: Inbound,
  ): Connection {
    const conn = new Connection(this.connCtx, this.nextConnId++, socket, direction, expectedNodeId, inboundRecord)
    this.conns.add(conn)
    return conn
  }

  /** TLS completed on an inbound socket: from here the HELLO deadline of its Connection applies. */
  private onInboundSecure(socket: tls.TLSSocket): void {
    const rec = this.inbound.secured(socket)
    if (rec === undefined) return
    this.newConn(socket, 'inbound', undefined, rec).onSecure()
  }

  /** One connection per peer: the one dialed by the lower nodeId wins; between equals, the newer. */
  private register(conn: Connection): void {
    const { opts, active, log } = this
    const nodeId = conn.nodeId!
    const existing = active.get(nodeId)
    if (existing !== undefined) {
      const preferredDialer = [opts.nodeId, nodeId].sort()[0]
      const dialer = (c: Connection) => (c.direction === 'outbound' ? opts.nodeId : nodeId)
      const keepExisting = dialer(existing) === preferredDialer && dialer(conn) !== preferredDialer
      if (keepExisting) {
        conn.close('DUPLICATE', 'kept the other connection')
        return
      }
      active.set(nodeId, conn)
      existing.close('DUPLICATE', 'replaced by a new connection')
      this.emitDisconnected(nodeId, 'DUPLICATE')
    } else {
      active.set(nodeId, conn)
    }
    this.counters.totals.connectionsOpened++
    this.counters.count('p2p_connections_opened_total')
    this.dialer.connected(nodeId)
    const info = conn.info()
    log.info(
      { peer: nodeId, org: info.orgId, direction: info.direction, height: info.latestHeight },
      'p2p peer connected',
    )
    for (const h of this.connectedHandlers) {
      try {
        h(info)
      } catch (e) {
        log.error({ peer: nodeId, err: (e as Error).message }, 'onPeerConnected handler threw')
      }
    }
  }

  private emitDisconnected(nodeId: string, reason: CloseReason): void {
    this.log.info({ peer: nodeId, reason }, 'p2p peer disconnected')
    for (const h of this.disconnectedHandlers) {
      try {
        h(nodeId, reason)
      } catch (e) {
        this.log.error({ peer: nodeId, err: (e as Error).message }, 'onPeerDisconnected handler threw')
      }
    }
  }

  /** A connection started closing: if it was its peer's open one, the peer is gone. */
  private onClosing(conn: Connection, reason: CloseReason): void {
    if (this.active.get(conn.nodeId ?? '') === conn) {
      this.active.delete(conn.nodeId!)
      this.emitDisconnected(conn.nodeId!, reason)
    }
  }

  private onSocketClosed(conn: Connection): void {
    if (!this.conns.delete(conn)) return
    const { wasOpen, reason } = conn.ended()
    const stats = this.counters.totals
    stats.closes[reason] = (stats.closes[reason] ?? 0) + 1
    this.counters.count('p2p_connections_closed_total', 1, { reason })
    if (conn.nodeId !== undefined && this.active.get(conn.nodeId) === conn) {
      this.active.delete(conn.nodeId)
      this.emitDisconnected(conn.nodeId, reason)
    }
    this.dialer.closed(conn, wasOpen)
  }

  private checkOutgoing(channel: number, payload: Uint8Array): void {
    const cfg = this.cfg
    if (!Number.isInteger(channel) || channel < 1 || channel > 255) {
      throw new GovchainError('INVALID_ARGUMENT', `channel ${channel} not in 1..255`)
    }
    if (!(payload instanceof Uint8Array)) throw new GovchainError('INVALID_ARGUMENT', 'payload must be a Uint8Array')
    if (payload.length + 1 > cfg.maxFrameBytes) {
      throw new GovchainError('P2P_FRAME_OVERSIZE', `message of ${payload.length} bytes > ${cfg.maxFrameBytes - 1}`)
    }
  }

  // ---------------------------------------------------------------- periodic

  private tick(): void {
    const t = this.connCtx.now()
    for (const conn of this.conns) {
      if (conn.state !== 'open') continue
      conn.tick(t)
    }
  }

  // ---------------------------------------------------------------- API

  async start(): Promise<{ host: string; port: number }> {
    const { opts, cfg, log } = this
    if (this.stopping) throw new GovchainError('P2P_CLOSED')
    if (this.started) throw new GovchainError('INVALID_ARGUMENT', 'p2p already started')
    this.started = true
    // TLS runs on sockets the listener admitted (InboundPool.accept); this server only holds the TLS
    // configuration and reports the outcome. No listener-wide maxConnections: it would count
    // known peers and strangers alike, which is what let idle sockets keep peers out.
    const tlsSrv = tls.createServer({
      ...this.credentials.contextOptions(),
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: cfg.handshakeTimeoutMs,
    })
    this.tlsServer = tlsSrv
    tlsSrv.on('secureConnection', (socket: tls.TLSSocket) => this.onInboundSecure(socket))
    tlsSrv.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) =>
      this.onTlsClientError(err, socket),
    )
    const srv = net.createServer()
    this.server = srv
    srv.on('connection', (raw: Socket) => this.inbound.accept(raw))
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new GovchainError('P2P_LISTEN_FAILED', e.message, { ...opts.listen }))
      srv.once('error', onError)
      srv.listen(opts.listen.port, opts.listen.host, () => {
        srv.off('error', onError)
        srv.on('error', (e: Error) => log.error({ err: e.message }, 'p2p listener error'))
        resolve()
      })
    }).catch((e) => {
      this.started = false
      this.server = undefined
      this.tlsServer = undefined
      throw e
    })
    const addr = srv.address()
    const bound = typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : opts.listen
    this.pingTimer = setInterval(() => this.tick(), Math.max(50, Math.min(cfg.pingIntervalMs, cfg.idleTimeoutMs) / 2))
    log.info({ node: opts.nodeId, chainId: opts.chainId, ...bound, peers: this.dialer.size }, 'p2p listening')
    for (const nodeId of this.dialer.nodeIds()) this.dialer.schedule(nodeId, true)
    return bound
  }

  private onTlsClientError(err: NodeJS.ErrnoException, socket: tls.TLSSocket): void {
    // Node leaves the socket open after a handshake timeout: destroy it in every case.
    socket.destroy()
    this.counters.totals.handshakeFailures++
    this.counters.count('p2p_handshake_failures_total')
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
      this.inbound.tlsTimedOut(socket)
      return
    }
    this.log.warn({ address, reason: 'TLS_HANDSHAKE_FAILED', err: err.message }, 'p2p inbound TLS handshake refused')
  }

  send(peerId: string, channel: number, payload: Uint8Array): boolean {
    this.checkOutgoing(channel, payload)
    const conn = this.active.get(peerId)
    if (conn === undefined || this.stopping) return false
    return conn.enqueue(channel, payload)
  }

  broadcast(channel: number, payload: Uint8Array, exceptPeer?: string): number {
    this.checkOutgoing(channel, payload)
    if (this.stopping) return 0
    let n = 0
    for (const [nodeId, conn] of [...this.active]) if (nodeId !== exceptPeer && conn.enqueue(channel, payload)) n++
    return n
  }

  onMessage(handler: MessageHandler): () => void {
    this.messageHandlers.add(handler)
    return () => this.messageHandlers.delete(handler)
  }
  onPeerConnected(handler: PeerConnectedHandler): () => void {
    this.connectedHandlers.add(handler)
    return () => this.connectedHandlers.delete(handler)
  }
  onPeerDisconnected(handler: PeerDisconnectedHandler): () => void {
    this.disconnectedHandlers.add(handler)
    return () => this.disconnectedHandlers.delete(handler)
  }

  peers(): PeerInfo[] {
    return [...this.active.values()].map((c) => c.info())
  }

  addPeer(peer: PeerAddress): void {
    this.dialer.add(peer)
    this.dialer.schedule(peer.nodeId, true)
  }

  removePeer(nodeId: string): void {
    this.dialer.remove(nodeId)
  }

  disconnect(peerId: string, reason: CloseReason = 'LOCAL_CLOSE'): void {
    const conn = this.active.get(peerId)
    if (conn !== undefined) conn.close(reason, 'disconnect requested')
  }

  setOwnCertificate(certPem: string, key: string | EngineKey): void {
    this.credentials.replaceOwn(certPem, key, this.tlsServer)
  }

  setTrustedCAs(pems: readonly string[]): void {
    this.credentials.replaceTrusted(pems, this.tlsServer)
    const trusted = this.credentials.trusted
    for (const conn of [...this.conns]) {
      if (conn.peerCert === undefined || conn.state === 'closing') continue
      try {
        verifyCertificateChain(conn.peerCert, trusted)
      } catch (e) {
        conn.close(errorCode(e, 'PKI_UNTRUSTED_ISSUER'), 'organisation CA no longer trusted')
      }
    }
  }

  setRevokedCertificates(list: readonly RevokedCertificate[]): void {
    this.credentials.replaceRevoked(list)
    const revoked = this.credentials.revoked
    for (const conn of [...this.conns]) {
      if (conn.peerCert === undefined || conn.orgId === undefined || conn.state === 'closing') continue
      if (revoked.has({ orgId: conn.orgId, x509: conn.peerCert }))
        conn.close('P2P_CERT_REVOKED', `certificate ${conn.peerCert.serialNumber} of ${conn.orgId} is revoked`)
    }
  }

  recheckPeers(): void {
    for (const conn of [...this.active.values()]) {
      let allowed = false
      try {
        allowed =
          this.opts.isPeerAllowed?.({ nodeId: conn.nodeId!, orgId: conn.orgId!, publicKey: conn.hello!.publicKey }) ??
          true
      } catch (e) {
        this.log.error({ peer: conn.nodeId, err: (e as Error).message }, 'isPeerAllowed threw; refusing the peer')
      }
      if (!allowed) conn.close('P2P_PEER_NOT_ALLOWED', 'no longer allowed')
    }
  }

  stats(): P2PStats {
    return this.counters.snapshot({
      peers: this.active.size,
      // Inbound sockets get a Connection once TLS is done; count the ones still before it too.
      connections: this.conns.size + this.inbound.beforeTls,
      pendingInbound: this.inbound.pending,
    })
  }

  get sendQueueBytesMax(): number {
    return this.cfg.sendQueueBytesMax
  }

  async flush(timeoutMs: number): Promise<boolean> {
    let waited = 0
    for (;;) {
      let unwritten = 0
      for (const conn of this.active.values()) unwritten += conn.unwrittenBytes()
      if (unwritten === 0) return true
      if (waited >= timeoutMs) return false
      const step = Math.min(FLUSH_POLL_MS, timeoutMs - waited)
      await new Promise((r) => setTimeout(r, step))
      waited += step
    }
  }

  close(): Promise<void> {
    this.stopping = true
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    const { opts, conns, log } = this
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = undefined
    this.dialer.stop()
    const waits = [...conns].map((c) => c.closed)
    for (const conn of [...conns]) conn.close('LOCAL_CLOSE')
    const srv = this.server
    if (srv !== undefined) {
      const serverClosed = new Promise<void>((r) => srv.close(() => r()))
      // Sockets still before TLS or in it have no Connection yet.
      this.inbound.destroyAll()
      waits.push(serverClosed)
    }
    // Every socket has closeGraceMs to end on its own (Connection.close destroys it then); past twice
    // that, whatever is still open — a socket that closed before its Connection listened, a server
    // still counting one — is destroyed and no longer waited for, so a shutdown always ends.
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), this.cfg.closeGraceMs * 2 + 1000)
    })
    const outcome = await Promise.race([Promise.all(waits).then(() => 'done' as const), late])
    clearTimeout(timer)
    if (outcome === 'late') {
      log.warn(
        { node: opts.nodeId, conns: conns.size, raw: this.inbound.rawCount },
        'p2p close: forcing what is still open',
      )
      for (const c of [...conns]) {
        c.socket.destroy()
        this.onSocketClosed(c)
      }
      this.inbound.destroyAll()
    }
    log.info({ node: opts.nodeId }, 'p2p closed')
  }
}
