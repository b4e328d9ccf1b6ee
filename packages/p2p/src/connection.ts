/**
 * One connection between two nodes, from its TLS socket until it closes: the certificate
 * identity, the HELLO both ways, framing on numbered channels, the control messages (PING, PONG,
 * GOODBYE), the bounded send queue, and a close with a coded reason. What spans connections (one
 * connection per peer, the listener's limits, redials, the handlers) is the transport's
 * (transport.ts), reached through a ConnectionContext.
 */
import type { X509Certificate } from 'node:crypto'
import type tls from 'node:tls'
import { type CryptoSuite, type ErrorCode, GovchainError, type KeySigner } from '@govchain/core'
import type { Credentials } from './credentials.ts'
import { CONTROL_CHANNEL, encodeFrame, FrameDecoder, frameHeader } from './frame.ts'
import {
  createHello,
  EXPORTER_BYTES,
  EXPORTER_LABEL,
  HELLO_FRAME_BYTES_MAX,
  type Hello,
  type HelloRole,
  verifyHello,
} from './hello.ts'
import type { Inbound } from './inbound.ts'
import type { P2PConfig } from './options.ts'
import { verifyCertificateChain } from './pki.ts'
import { type QueuedMessage, SendQueue } from './send-queue.ts'
import { channelLabel, type Stats } from './stats.ts'
import type { CloseReason, Logger, MessageHandler, P2POptions, PeerInfo } from './types.ts'

/** Control messages on channel 0: first payload byte is the type. */
const CTRL_HELLO = 1
const CTRL_PING = 2
const CTRL_PONG = 3
const CTRL_GOODBYE = 4
const GOODBYE_REASON_BYTES_MAX = 64

const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
])

/** TLS 1.3 makes an empty exporter context and no context the same (RFC 8446 §7.5). */
const EMPTY_CONTEXT = Buffer.alloc(0)

/** Reads the state afresh (handlers called in a loop may have closed the connection). */
function isClosing(conn: { state: string }): boolean {
  return conn.state === 'closing'
}

export function errorCode(e: unknown, fallback: ErrorCode): ErrorCode {
  return e instanceof GovchainError ? e.code : fallback
}

type ConnState = 'tls' | 'hello' | 'open' | 'closing'

/** What a connection needs of the transport. */
export interface ConnectionContext {
  readonly opts: P2POptions
  readonly cfg: P2PConfig
  readonly suite: CryptoSuite
  readonly signingKey: KeySigner
  readonly priorityChannels: ReadonlySet<number>
  readonly acceptedChannels: ReadonlySet<number>
  readonly credentials: Credentials
  readonly stats: Stats
  readonly log: Logger
  readonly now: () => number
  readonly messageHandlers: ReadonlySet<MessageHandler>
  isStopping(): boolean
  /** An inbound peer's HELLO is verified and allowed: false when it is refused (and closing). */
  admit(conn: Connection, hello: Hello): boolean
  /** The HELLO is verified: the connection is open (one per peer). */
  opened(conn: Connection): void
  /** The connection started closing: if it was the peer's open one, the peer is gone. */
  closing(conn: Connection, reason: CloseReason): void
  /** The socket is closed. */
  socketClosed(conn: Connection): void
}

export class Connection {
  readonly id: number
  readonly socket: tls.TLSSocket
  readonly direction: 'inbound' | 'outbound'
  /** For dials: the node we meant to reach. */
  readonly expectedNodeId: string | undefined
  state: ConnState = 'tls'
  nodeId: string | undefined
  orgId: string | undefined
  peerCert: X509Certificate | undefined
  hello: Hello | undefined
  exporter: Uint8Array | undefined
  readonly decoder = new FrameDecoder(HELLO_FRAME_BYTES_MAX)
  readonly queue: SendQueue
  blocked = false
  private openTimer: NodeJS.Timeout | undefined
  private destroyTimer: NodeJS.Timeout | undefined
  lastReceiveMs: number
  lastSendMs: number
  closeReason: CloseReason | undefined
  readonly closed: Promise<void>
  /** Inbound only: the listener's record of this socket. */
  readonly inbound: Inbound | undefined
  private readonly ctx: ConnectionContext
  private readonly opts: P2POptions
  private readonly cfg: P2PConfig
  private readonly stats: Stats
  private readonly log: Logger

  constructor(
    ctx: ConnectionContext,
    id: number,
    socket: tls.TLSSocket,
    direction: 'inbound' | 'outbound',
    expectedNodeId?: string,
    inboundRecord?: Inbound,
  ) {
    this.ctx = ctx
    this.opts = ctx.opts
    this.cfg = ctx.cfg
    this.stats = ctx.stats
    this.log = ctx.log
    this.id = id
    this.socket = socket
    this.direction = direction
    this.expectedNodeId = expectedNodeId
    this.inbound = inboundRecord
    this.queue = new SendQueue(this.cfg.sendQueueBytesMax)
    this.lastReceiveMs = ctx.now()
    this.lastSendMs = ctx.now()
    let resolveClosed!: () => void
    this.closed = new Promise<void>((r) => {
      resolveClosed = r
    })
    this.watch(resolveClosed)
  }

  /** The deadline to open, and the socket's error and close events. */
  private watch(resolveClosed: () => void): void {
    const { socket, direction, expectedNodeId, cfg, log } = this
    // Until open: bounded by the handshake timeout (a dial: TCP connect, TLS and HELLO within
    // twice it; an inbound connection arrives here with TLS done: the HELLO within it). Past the
    // deadline the socket is destroyed at once: a peer that has not authenticated gets no grace.
    this.openTimer = setTimeout(
      () => {
        this.openTimer = undefined
        this.close(this.state === 'tls' ? 'TLS_HANDSHAKE_FAILED' : 'P2P_HELLO_TIMEOUT', 'handshake timed out')
        socket.destroy()
      },
      direction === 'inbound' ? cfg.handshakeTimeoutMs : cfg.handshakeTimeoutMs * 2,
    )
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.closeReason !== undefined) return
      if (this.state === 'tls' && !SOCKET_ERROR_CODES.has(err.code ?? '')) {
        this.closeReason = 'TLS_HANDSHAKE_FAILED'
        this.stats.totals.handshakeFailures++
        this.stats.count('p2p_handshake_failures_total')
        log.warn({ peer: expectedNodeId, address: this.address(), err: err.message }, 'p2p TLS handshake failed')
      } else {
        this.closeReason = 'SOCKET_ERROR'
        log.debug({ peer: this.nodeId ?? expectedNodeId, err: err.message }, 'p2p socket error')
      }
    })
    socket.on('close', () => {
      this.ctx.socketClosed(this)
      resolveClosed()
    })
    // A socket destroyed before this Connection listened never emits 'close' for it.
    if (socket.destroyed && socket.closed) {
      queueMicrotask(() => {
        this.ctx.socketClosed(this)
        resolveClosed()
      })
    }
  }

  address(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`
  }

  /** TLS is done: checks the peer's certificate identity, then sends our HELLO. */
  onSecure(): void {
    if (this.state !== 'tls') return
    const { socket, opts, cfg, ctx } = this
    if (ctx.isStopping()) {
      this.close('LOCAL_CLOSE')
      return
    }
    if (!this.checkIdentity()) return
    this.state = 'hello'
    this.exporter = new Uint8Array(socket.exportKeyingMaterial(EXPORTER_BYTES, EXPORTER_LABEL, EMPTY_CONTEXT))
    const role: HelloRole = this.direction === 'outbound' ? 'dialer' : 'listener'
    let height = 0
    try {
      height = opts.getLatestHeight?.() ?? 0
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'getLatestHeight threw')
    }
    const hello = createHello(ctx.signingKey, this.exporter, {
      version: cfg.version,
      chainId: opts.chainId,
      nodeId: opts.nodeId,
      suite: ctx.suite.name,
      publicKey: ctx.signingKey.publicKey,
      latestHeight: height,
      role,
    })
    this.writeControl(CTRL_HELLO, hello)
    socket.setNoDelay(true)
    socket.setKeepAlive(true, cfg.pingIntervalMs)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
  }

  /** The peer's certificate: a consortium node's, not revoked, not ours, the one dialed. False: closing. */
  private checkIdentity(): boolean {
    const { socket, opts } = this
    const { trusted, revoked } = this.ctx.credentials
    const cert = socket.getPeerX509Certificate()
    if (!socket.authorized || cert === undefined) {
      this.close('PKI_UNTRUSTED_ISSUER', 'peer not authorised by TLS')
      return false
    }
    let identity: ReturnType<typeof verifyCertificateChain>
    try {
      identity = verifyCertificateChain(cert, trusted)
    } catch (e) {
      this.close(errorCode(e, 'PKI_INVALID_CERTIFICATE'), (e as Error).message)
      return false
    }
    this.peerCert = cert
    this.nodeId = identity.nodeId
    this.orgId = identity.orgId
    if (revoked.size > 0 && revoked.has({ orgId: identity.ca.orgId, x509: cert })) {
      this.close('P2P_CERT_REVOKED', `certificate ${cert.serialNumber} of ${identity.orgId} is revoked`)
      return false
    }
    if (identity.role !== 'node') {
      this.close('P2P_PEER_NOT_ALLOWED', 'client certificate is not a node')
      return false
    }
    if (identity.nodeId === opts.nodeId) {
      this.close('P2P_UNEXPECTED_PEER', 'connected to ourselves')
      return false
    }
    if (this.expectedNodeId !== undefined && identity.nodeId !== this.expectedNodeId) {
      this.close('P2P_UNEXPECTED_PEER', `dialed ${this.expectedNodeId}, reached ${identity.nodeId}`)
      return false
    }
    return true
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return
    const stats = this.stats
    stats.totals.bytesIn += chunk.length
    stats.count('p2p_bytes_in_total', chunk.length)
    this.lastReceiveMs = this.ctx.now()
    let frames: ReturnType<FrameDecoder['push']>
    try {
      frames = this.decoder.push(chunk)
    } catch (e) {
      this.close(errorCode(e, 'P2P_FRAME_INVALID'), (e as Error).message)
      return
    }
    for (const f of frames) {
      if (isClosing(this)) return
      stats.totals.framesIn++
      stats.count('p2p_frames_in_total', 1, channelLabel(f.channel))
      if (f.channel === CONTROL_CHANNEL) this.onControl(f.payload)
      else if (this.state !== 'open') this.close('P2P_HELLO_INVALID', 'message before HELLO')
      else if (!this.ctx.acceptedChannels.has(f.channel))
        this.close('P2P_FRAME_INVALID', `unknown channel ${f.channel}`)
      else this.deliver(f.channel, f.payload)
    }
  }

  private onControl(payload: Uint8Array): void {
    const type = payload[0]
    const body = payload.subarray(1)
    if (this.state === 'hello') {
      if (type === CTRL_GOODBYE) {
        this.onGoodbye(body)
        return
      }
      if (type !== CTRL_HELLO) {
        this.close('P2P_HELLO_INVALID', 'expected HELLO')
        return
      }
      this.onHello(body)
      return
    }
    switch (type) {
      case CTRL_PING:
        this.writeControl(CTRL_PONG, new Uint8Array(0))
        return
      case CTRL_PONG:
        return
      case CTRL_GOODBYE:
        this.onGoodbye(body)
        return
      default:
        this.close('P2P_FRAME_INVALID', `unexpected control message ${type}`)
        return
    }
  }

  private onGoodbye(body: Uint8Array): void {
    const reason = Buffer.from(body.subarray(0, GOODBYE_REASON_BYTES_MAX))
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '?')
    this.log.warn({ peer: this.nodeId, remoteReason: reason }, 'p2p peer closed the connection')
    this.close('REMOTE_CLOSED')
  }

  private onHello(bytes: Uint8Array): void {
    const { opts, cfg } = this
    let hello: Hello
    try {
      hello = verifyHello(bytes, {
        suite: this.ctx.suite,
        exporter: this.exporter!,
        chainId: opts.chainId,
        version: cfg.version,
        certNodeId: this.nodeId!,
        peerRole: this.direction === 'outbound' ? 'listener' : 'dialer',
      })
    } catch (e) {
      this.close(errorCode(e, 'P2P_HELLO_INVALID'), (e as Error).message)
      return
    }
    let allowed = false
    try {
      allowed = opts.isPeerAllowed?.({ nodeId: hello.nodeId, orgId: this.orgId!, publicKey: hello.publicKey }) ?? true
    } catch (e) {
      this.log.error({ peer: hello.nodeId, err: (e as Error).message }, 'isPeerAllowed threw; refusing the peer')
    }
    if (!allowed) {
      this.close('P2P_PEER_NOT_ALLOWED', 'refused by isPeerAllowed')
      return
    }
    if (!this.ctx.admit(this, hello)) return
    if (this.openTimer) clearTimeout(this.openTimer)
    this.openTimer = undefined
    this.hello = hello
    this.state = 'open'
    this.decoder.maxFrameBytes = cfg.maxFrameBytes
    this.ctx.opened(this)
  }

  info(): PeerInfo {
    return {
      nodeId: this.nodeId!,
      orgId: this.orgId!,
      publicKey: this.hello!.publicKey.slice(),
      latestHeight: this.hello!.latestHeight,
      direction: this.direction,
      remoteAddress: this.socket.remoteAddress ?? '',
      remotePort: this.socket.remotePort ?? 0,
      sendQueueBytes: this.queue.queuedBytes,
    }
  }

  private deliver(channel: number, payload: Uint8Array): void {
    for (const h of this.ctx.messageHandlers) {
      try {
        h(this.nodeId!, channel, payload)
      } catch (e) {
        // A handler throws when the peer's message is invalid (e.g. it does not decode): the peer
        // misbehaved, so its connection goes; it can reconnect (and is counted and logged).
        this.stats.totals.handlerErrors++
        this.stats.count('p2p_handler_errors_total')
        this.close('P2P_BAD_MESSAGE', e instanceof GovchainError ? `${e.code}: ${e.message}` : String(e))
        return
      }
    }
  }

  /**
   * Starts closing the connection with a reason (idempotent). A refusal or misbehaviour is logged
   * at warn. A GOODBYE with the reason is sent when the TLS session is up, so the other operator
   * sees why; then the socket is ended and destroyed after closeGraceMs at the latest.
   */
  close(reason: CloseReason, detail?: string): void {
    if (this.state === 'closing') return
    const was = this.state
    this.state = 'closing'
    this.closeReason ??= reason
    if (this.openTimer) clearTimeout(this.openTimer)
    this.openTimer = undefined
    const routine = reason === 'LOCAL_CLOSE' || reason === 'REMOTE_CLOSED' || reason === 'DUPLICATE'
    const fields = { peer: this.nodeId ?? this.expectedNodeId, address: this.address(), reason, detail }
    if (routine) this.log.debug(fields, 'p2p connection closing')
    else this.log.warn(fields, 'p2p connection closed')
    this.ctx.closing(this, reason)
    // Our own close hands the peer what is already queued for it, past backpressure (end() flushes
    // it within closeGraceMs): a node stopping for good must not take the transactions it admitted
    // and was still gossiping with it. A refusal or a misbehaving peer gets nothing more.
    if (was === 'open' && reason === 'LOCAL_CLOSE' && !this.socket.destroyed) {
      for (let m = this.queue.dequeue(); m !== undefined; m = this.queue.dequeue()) this.writeQueued(m)
    }
    if ((was === 'hello' || was === 'open') && reason !== 'REMOTE_CLOSED' && !this.socket.destroyed) {
      this.writeControl(CTRL_GOODBYE, Buffer.from(reason.slice(0, GOODBYE_REASON_BYTES_MAX), 'latin1'), true)
    }
    this.socket.end()
    this.destroyTimer = setTimeout(() => this.socket.destroy(), this.cfg.closeGraceMs)
  }

  /**
   * The socket has closed (idempotent): no timer of this connection fires any more. Returns what
   * the transport needs to settle it: whether it had opened, and why it closed.
   */
  ended(): { wasOpen: boolean; reason: CloseReason } {
    if (this.openTimer) clearTimeout(this.openTimer)
    if (this.destroyTimer) clearTimeout(this.destroyTimer)
    this.openTimer = undefined
    this.destroyTimer = undefined
    this.state = 'closing'
    return { wasOpen: this.hello !== undefined, reason: this.closeReason ?? 'REMOTE_CLOSED' }
  }

  /** Periodic, while open: closes an idle connection, or sends a PING after pingIntervalMs of silence. */
  tick(t: number): void {
    if (t - this.lastReceiveMs > this.cfg.idleTimeoutMs) this.close('IDLE_TIMEOUT')
    else if (t - this.lastSendMs >= this.cfg.pingIntervalMs) this.writeControl(CTRL_PING, new Uint8Array(0))
  }

  // ---------------------------------------------------------------- writing

  private writeControl(type: number, body: Uint8Array, force = false): void {
    if (this.socket.destroyed || (!force && this.state === 'closing')) return
    const frame = encodeFrame(CONTROL_CHANNEL, Buffer.concat([Buffer.from([type]), body]))
    this.socket.write(frame)
    this.lastSendMs = this.ctx.now()
    this.stats.totals.framesOut++
    this.stats.totals.bytesOut += frame.length
    this.stats.count('p2p_frames_out_total', 1, channelLabel(CONTROL_CHANNEL))
    this.stats.count('p2p_bytes_out_total', frame.length)
  }

  /** Bytes not yet handed to the kernel: still in the send queue, or buffered by the socket. */
  unwrittenBytes(): number {
    if (this.socket.destroyed) return 0
    return this.queue.queuedBytes + this.socket.writableLength
  }

  /** Queues a message (the queue policy may drop it, or close a peer that cannot keep up). */
  enqueue(channel: number, payload: Uint8Array): boolean {
    const r = this.queue.enqueue({ channel, payload }, this.ctx.priorityChannels.has(channel))
    if (r.kind === 'overflow') {
      this.close('P2P_SEND_QUEUE_FULL', `${this.queue.queuedBytes} bytes queued`)
      return false
    }
    const dropped = r.kind === 'dropped-new' ? 1 : r.dropped
    if (dropped > 0) {
      this.stats.totals.messagesDropped += dropped
      this.stats.count('p2p_messages_dropped_total', dropped)
      this.log.debug({ peer: this.nodeId, dropped }, 'p2p send queue full: dropped normal messages')
    }
    if (r.kind === 'dropped-new') return false
    this.pump()
    return true
  }

  /** Writes one dequeued message as a frame; false when the socket asks us to wait for 'drain'. */
  private writeQueued(m: QueuedMessage): boolean {
    const socket = this.socket
    socket.cork()
    socket.write(frameHeader(m.channel, m.payload.length))
    const more = m.payload.length === 0 ? !socket.writableNeedDrain : socket.write(m.payload)
    socket.uncork()
    this.lastSendMs = this.ctx.now()
    this.stats.totals.framesOut++
    this.stats.totals.bytesOut += m.payload.length + 5
    this.stats.count('p2p_frames_out_total', 1, channelLabel(m.channel))
    this.stats.count('p2p_bytes_out_total', m.payload.length + 5)
    return more
  }

  /** Writes queued frames while the socket accepts them; resumes on 'drain'. */
  private pump(): void {
    const socket = this.socket
    while (!this.blocked && this.state === 'open') {
      const m = this.queue.dequeue()
      if (m === undefined) return
      if (!this.writeQueued(m)) {
        this.blocked = true
        socket.once('drain', () => {
          this.blocked = false
          this.pump()
        })
      }
    }
  }
}
