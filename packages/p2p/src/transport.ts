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
 */
import type { X509Certificate } from 'node:crypto'
import net, { type Socket } from 'node:net'
import tls from 'node:tls'
import {
  type CryptoSuite,
  type ErrorCode,
  GovchainError,
  type KeyPair,
  type KeySigner,
  memorySigner,
} from '@govchain/core'
import { backoffDelayMs } from './backoff.ts'
import { CONTROL_CHANNEL, encodeFrame, FrameDecoder, frameHeader } from './frame.ts'
import {
  createHello,
  EXPORTER_BYTES,
  EXPORTER_LABEL,
  HELLO_FRAME_BYTES_MAX,
  type Hello,
  type HelloRole,
  P2P_PROTOCOL_VERSION,
  verifyHello,
} from './hello.ts'
import {
  type EngineKey,
  loadTrustedCAs,
  type OwnTls,
  parsePeerIdentity,
  type RevokedCertificate,
  revocationIndex,
  type TrustedCA,
  tlsKeyOptions,
  verifyCertificateChain,
} from './pki.ts'
import { type QueuedMessage, SendQueue } from './send-queue.ts'

// ------------------------------------------------------------------------------ public types

/** pino-compatible: `logger.warn({ peer, reason }, 'message')`. */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Counter sink (e.g. a prom-client adapter). Names are listed in P2P_COUNTERS. */
export interface P2PMetrics {
  increment(name: P2PCounter, labels?: Readonly<Record<string, string>>, value?: number): void
}

export const P2P_COUNTERS = [
  'p2p_dials_total',
  'p2p_dial_failures_total',
  'p2p_handshake_failures_total',
  'p2p_connections_opened_total',
  'p2p_connections_closed_total', // label: reason
  'p2p_frames_in_total', // label: channel ("0" = transport control)
  'p2p_frames_out_total', // label: channel
  'p2p_bytes_in_total',
  'p2p_bytes_out_total',
  'p2p_messages_dropped_total',
  'p2p_handler_errors_total',
] as const
export type P2PCounter = (typeof P2P_COUNTERS)[number]

export interface PeerAddress {
  nodeId: string
  host: string
  port: number
}

export interface PeerInfo {
  nodeId: string
  orgId: string
  /** The peer's chain-suite public key, proven by its HELLO signature. */
  publicKey: Uint8Array
  /** Height the peer announced in its HELLO (a snapshot; the node layer tracks status after). */
  latestHeight: number
  direction: 'inbound' | 'outbound'
  remoteAddress: string
  remotePort: number
  /** Bytes waiting in our send queue for this peer: lets sync and gossip throttle themselves. */
  sendQueueBytes: number
}

/** Why a connection closed: an error code for refusals and misbehaviour, or a routine reason. */
export type CloseReason =
  | ErrorCode
  | 'LOCAL_CLOSE' // close() or disconnect() on our side
  | 'REMOTE_CLOSED' // the peer ended the connection (its GOODBYE reason, if any, is logged)
  | 'SOCKET_ERROR' // TCP-level failure: refused, reset, unreachable
  | 'TLS_HANDSHAKE_FAILED' // certificate refused by either side, or TLS version/cipher mismatch
  | 'DUPLICATE' // a second connection between the same pair; the other one is kept
  | 'IDLE_TIMEOUT' // nothing received for idleTimeoutMs
  | 'HANDSHAKE_TIMEOUT' // an inbound socket did not complete TCP + TLS within handshakeTimeoutMs
  | 'ADDRESS_LIMIT' // maxConnectionsPerAddress reached: this socket was refused or made room
  | 'PENDING_FULL' // maxPendingInbound reached: this socket was refused or made room
  | 'INBOUND_FULL' // maxInboundConnections of unreserved peers reached

export interface P2PStats {
  peers: number
  /** Every socket we hold: connecting, handshaking and open. */
  connections: number
  /** Inbound sockets not yet authenticated (TCP, TLS or HELLO stage): bounded by maxPendingInbound. */
  pendingInbound: number
  dials: number
  dialFailures: number
  handshakeFailures: number
  connectionsOpened: number
  /** Closed connections by reason. */
  closes: Record<string, number>
  framesIn: number
  framesOut: number
  bytesIn: number
  bytesOut: number
  messagesDropped: number
  handlerErrors: number
}

export type MessageHandler = (peerId: string, channel: number, payload: Uint8Array) => void
export type PeerConnectedHandler = (peer: PeerInfo) => void
export type PeerDisconnectedHandler = (peerId: string, reason: CloseReason) => void

export interface P2POptions {
  chainId: string
  /** Our node id: must be the CN of `tls.certPem`. */
  nodeId: string
  /** Port 0 picks an ephemeral port (tests); `start()` returns the actual address. */
  listen: { host: string; port: number }
  /** Our certificate and its key (PEM, or held by an OpenSSL engine: a PKCS#11 token), and the CAs we trust. */
  tls: OwnTls & {
    /** The consortium's organisation CA certificates. Replace at runtime with setTrustedCAs. */
    trustedCAPems: readonly string[]
  }
  /** Our chain-suite key (SM2 in gm, Ed25519 in intl), a signer or a key pair: signs the HELLO. */
  signingKey: KeySigner | KeyPair
  /** Peers to dial and keep connected. Others may still connect to us. */
  peers?: readonly PeerAddress[]
  protocolVersion?: number
  /** Largest frame (channel byte + payload) accepted or sent. Default 20 MiB: blocks travel whole. */
  maxFrameBytes?: number
  /** Per-peer send queue bound in bytes. Default 64 MiB. */
  sendQueueBytesMax?: number
  /** Channels whose messages are never dropped for a slow peer (consensus). */
  priorityChannels?: readonly number[]
  /** Channels accepted from peers; a frame on another channel closes the connection. Default 1-255. */
  channels?: readonly number[]
  /**
   * Bound on each stage before a connection is open. Inbound: TCP accept to TLS complete within
   * this, then the HELLO within this again; outbound: dial to open within twice this. A socket
   * past its deadline is destroyed. Default 10 s.
   */
  handshakeTimeoutMs?: number
  /** A PING is sent after this long without sending anything. Default 5 s. */
  pingIntervalMs?: number
  /** A connection that received nothing (not even a PONG) for this long is closed. Default 20 s. */
  idleTimeoutMs?: number
  reconnectBaseMs?: number
  reconnectCapMs?: number
  /**
   * Bound on open inbound connections of peers that are not reserved (neither configured in
   * `peers`/addPeer nor accepted by isReservedPeer). Reserved peers are bounded by their number,
   * one connection each, and never wait for a slot. Default 64.
   */
  maxInboundConnections?: number | undefined
  /**
   * Bound on inbound sockets not yet authenticated (before the HELLO is verified). When full, the
   * oldest of those that have sent nothing yet (then of those still in TLS) is destroyed to make
   * room; a newcomer is refused only when every pending socket is past TLS. Default 32.
   */
  maxPendingInbound?: number | undefined
  /**
   * Bound on inbound sockets from one source address (IPv4 address or IPv6 /64), pending and
   * open, not counting reserved peers' open connections. Room is made as for maxPendingInbound.
   * Default 8.
   */
  maxConnectionsPerAddress?: number | undefined
  /** Grace for a closing socket to flush its GOODBYE before it is destroyed. Default 1 s. */
  closeGraceMs?: number
  /**
   * Authorisation after the HELLO (and on recheckPeers()): e.g. the nodeId is a current validator
   * or observer and publicKey is its registered key. Default: every consortium node is allowed.
   */
  isPeerAllowed?: (peer: { nodeId: string; orgId: string; publicKey: Uint8Array }) => boolean
  /**
   * Which allowed peers, besides the configured ones, have reserved slots (e.g. the registered
   * validators): checked once when an inbound connection opens. Default: none.
   */
  isReservedPeer?: (peer: { nodeId: string; orgId: string; publicKey: Uint8Array }) => boolean
  /** Our latest committed height, announced in the HELLO. Default 0. */
  getLatestHeight?: () => number
  /** Node certificates refused from the start (P2P_CERT_REVOKED). Replace at runtime with setRevokedCertificates. */
  revokedCertificates?: readonly RevokedCertificate[]
}

export interface P2PComponents {
  suite: CryptoSuite
  logger?: Logger
  metrics?: P2PMetrics
  /** Jitter source in [0, 1). Default Math.random: jitter is not security-relevant. */
  random?: () => number
  /** Wall clock in ms for idle detection. Default Date.now. */
  now?: () => number
}

export interface P2P {
  /** Listens, starts dialing the configured peers; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>
  /** Queues `payload` for `peerId` on `channel` (1-255). False if not connected or dropped by the queue policy. */
  send(peerId: string, channel: number, payload: Uint8Array): boolean
  /** Queues to every connected peer but `exceptPeer`; returns how many accepted it. */
  broadcast(channel: number, payload: Uint8Array, exceptPeer?: string): number
  /** Each returns an unsubscribe function. Payloads must not be kept beyond the call if mutated. */
  onMessage(handler: MessageHandler): () => void
  onPeerConnected(handler: PeerConnectedHandler): () => void
  onPeerDisconnected(handler: PeerDisconnectedHandler): () => void
  peers(): PeerInfo[]
  addPeer(peer: PeerAddress): void
  /** Stops dialing a peer (an open connection stays: use disconnect). */
  removePeer(nodeId: string): void
  disconnect(peerId: string, reason?: CloseReason): void
  /** Replaces the trusted organisation CAs; closes connections whose certificate no longer chains to one. */
  setTrustedCAs(pems: readonly string[]): void
  /**
   * Replaces our own TLS certificate and key (a renewal): new connections, inbound and outbound,
   * present it; open ones keep theirs. The certificate must be a node certificate for our node id,
   * chain to a trusted CA and match the key (else PKI_INVALID_CERTIFICATE / PKI_INVALID_KEY, and
   * nothing changes).
   */
  setOwnCertificate(certPem: string, key: string | EngineKey): void
  /**
   * Replaces the revoked node certificates (the consortium's CRL, e.g. from governance): a peer
   * presenting one is refused after TLS, and open connections presenting one are closed, with
   * P2P_CERT_REVOKED. A renewed certificate (another serial and digest) is not affected.
   */
  setRevokedCertificates(list: readonly RevokedCertificate[]): void
  /** Re-runs isPeerAllowed on every open connection and closes the refused ones (after governance changes). */
  recheckPeers(): void
  stats(): P2PStats
  /** Stops listening and dialing, closes every connection; resolves when every socket and timer is gone. */
  close(): Promise<void>
}

// ------------------------------------------------------------------------------ internals

const DEFAULTS = {
  maxFrameBytes: 20 * 1024 * 1024,
  sendQueueBytesMax: 64 * 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  pingIntervalMs: 5_000,
  idleTimeoutMs: 20_000,
  reconnectBaseMs: 100,
  reconnectCapMs: 5_000,
  maxInboundConnections: 64,
  maxPendingInbound: 32,
  maxConnectionsPerAddress: 8,
  closeGraceMs: 1_000,
} as const

/** Refused and timed-out unauthenticated sockets are logged at warn at most this often (a flood would flood the log). */
const INBOUND_WARN_INTERVAL_MS = 10_000

/** Hard bound on frames: the u32 prefix allows 4 GiB; no govchain message comes near 256 MiB. */
const MAX_FRAME_BYTES_LIMIT = 256 * 1024 * 1024
const PEERS_MAX = 1024

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

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** TLS 1.3 makes an empty exporter context and no context the same (RFC 8446 §7.5). */
const EMPTY_CONTEXT = Buffer.alloc(0)

/** Reads the state afresh (handlers called in a loop may have closed the connection). */
function isClosing(conn: { state: string }): boolean {
  return conn.state === 'closing'
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

type ConnState = 'tls' | 'hello' | 'open' | 'closing'

/**
 * An accepted socket, from TCP accept until it closes: what the listener's limits count. Stages
 * in order of progress: 'tcp' (nothing received yet), 'tls' (handshake bytes arrived), 'hello'
 * (TLS done: a consortium certificate, HELLO not yet verified), 'open' (authenticated peer).
 */
interface Inbound {
  readonly raw: Socket
  /** What maxConnectionsPerAddress counts by: the IPv4 address or the IPv6 /64. */
  readonly group: string
  /** Local and remote address and port: finds this record again from the TLS socket over `raw`. */
  readonly key: string
  /** Arrival order: among equals, the oldest makes room first. */
  readonly seq: number
  stage: 'tcp' | 'tls' | 'hello' | 'open'
  reserved: boolean
  /** Deadline of the TCP and TLS stages. */
  timer: NodeJS.Timeout | undefined
  released: boolean
}

/** Eviction order: a socket that has sent nothing goes before one in the middle of TLS. */
const STAGE_RANK = { tcp: 0, tls: 1 } as const

function socketKey(s: Socket): string | undefined {
  if (s.remoteAddress === undefined) return undefined
  return `${s.localAddress}|${s.localPort}|${s.remoteAddress}|${s.remotePort}`
}

/**
 * The source a per-address limit counts: an IPv4 address (also when IPv4-mapped), or the first 64
 * bits of an IPv6 address, since one host usually holds a whole /64.
 */
export function addressGroup(ip: string | undefined): string {
  if (ip === undefined || ip.length === 0) return '?'
  const lower = ip.toLowerCase().replace(/%.*$/, '')
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7)
  if (!lower.includes(':')) return lower
  const [head = '', tail] = lower.split('::', 2)
  const groups = (part: string) =>
    (part === '' ? [] : part.split(':')).flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]))
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const all = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${all
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`
}

interface Conn {
  readonly id: number
  readonly socket: tls.TLSSocket
  readonly direction: 'inbound' | 'outbound'
  /** For dials: the node we meant to reach. */
  readonly expectedNodeId: string | undefined
  state: ConnState
  nodeId: string | undefined
  orgId: string | undefined
  peerCert: X509Certificate | undefined
  hello: Hello | undefined
  exporter: Uint8Array | undefined
  readonly decoder: FrameDecoder
  readonly queue: SendQueue
  blocked: boolean
  openTimer: NodeJS.Timeout | undefined
  destroyTimer: NodeJS.Timeout | undefined
  lastReceiveMs: number
  lastSendMs: number
  closeReason: CloseReason | undefined
  readonly closed: Promise<void>
  /** Inbound only: the listener's record of this socket. */
  readonly inbound: Inbound | undefined
}

interface DialState {
  addr: PeerAddress
  attempt: number
  timer: NodeJS.Timeout | undefined
  inFlight: boolean
}

function positiveInt(v: number | undefined, def: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new GovchainError('INVALID_ARGUMENT', `${name} must be an integer in 1..${max}`)
  }
  return v
}

function channelSet(list: readonly number[] | undefined, name: string): Set<number> {
  const s = new Set<number>()
  for (const c of list ?? []) {
    if (!Number.isInteger(c) || c < 1 || c > 255)
      throw new GovchainError('INVALID_ARGUMENT', `${name}: channel ${c} not in 1..255`)
    s.add(c)
  }
  return s
}

function checkPeerAddress(p: PeerAddress): void {
  if (typeof p !== 'object' || p === null || typeof p.nodeId !== 'string' || !ID_PATTERN.test(p.nodeId)) {
    throw new GovchainError('INVALID_ARGUMENT', 'peer nodeId must be 1-64 characters of [A-Za-z0-9._-]')
  }
  if (typeof p.host !== 'string' || p.host.length === 0 || p.host.length > 253) {
    throw new GovchainError('INVALID_ARGUMENT', `peer ${p.nodeId}: bad host`)
  }
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
    throw new GovchainError('INVALID_ARGUMENT', `peer ${p.nodeId}: port must be in 1..65535`)
  }
}

/** Label objects are made once per channel, not per frame. */
const CHANNEL_LABELS = Array.from({ length: 256 }, (_, i) => Object.freeze({ channel: String(i) }))
function channelLabel(channel: number): Readonly<Record<string, string>> {
  return CHANNEL_LABELS[channel]!
}

function errorCode(e: unknown, fallback: ErrorCode): ErrorCode {
  return e instanceof GovchainError ? e.code : fallback
}

export function createP2P(opts: P2POptions, components: P2PComponents): P2P {
  const suite = components.suite
  const log = components.logger ?? silentLogger
  const metrics = components.metrics
  const random = components.random ?? Math.random
  const now = components.now ?? Date.now

  if (typeof opts.chainId !== 'string' || opts.chainId.length === 0) {
    throw new GovchainError('INVALID_ARGUMENT', 'chainId is required')
  }
  if (typeof opts.nodeId !== 'string' || !ID_PATTERN.test(opts.nodeId)) {
    throw new GovchainError('INVALID_ARGUMENT', 'nodeId must be 1-64 characters of [A-Za-z0-9._-]')
  }
  const own = parsePeerIdentity(opts.tls.certPem)
  let revoked = revocationIndex(opts.revokedCertificates ?? [])
  if (own.role !== 'node' || own.nodeId !== opts.nodeId) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `TLS certificate is for ${own.role} ${own.nodeId}, not node ${opts.nodeId}`,
    )
  }
  const signingKey: KeySigner =
    'sign' in opts.signingKey ? opts.signingKey : memorySigner(suite, opts.signingKey.privateKey)
  if (signingKey.suite !== suite.name || signingKey.publicKey.length !== suite.publicKeyLength) {
    throw new GovchainError('CRYPTO_INVALID_KEY', 'signing key does not fit the suite')
  }
  const cfg = {
    version: positiveInt(opts.protocolVersion, P2P_PROTOCOL_VERSION, 'protocolVersion', 0xffff),
    maxFrameBytes: positiveInt(opts.maxFrameBytes, DEFAULTS.maxFrameBytes, 'maxFrameBytes', MAX_FRAME_BYTES_LIMIT),
    sendQueueBytesMax: positiveInt(opts.sendQueueBytesMax, DEFAULTS.sendQueueBytesMax, 'sendQueueBytesMax'),
    handshakeTimeoutMs: positiveInt(opts.handshakeTimeoutMs, DEFAULTS.handshakeTimeoutMs, 'handshakeTimeoutMs'),
    pingIntervalMs: positiveInt(opts.pingIntervalMs, DEFAULTS.pingIntervalMs, 'pingIntervalMs'),
    idleTimeoutMs: positiveInt(opts.idleTimeoutMs, DEFAULTS.idleTimeoutMs, 'idleTimeoutMs'),
    reconnectBaseMs: positiveInt(opts.reconnectBaseMs, DEFAULTS.reconnectBaseMs, 'reconnectBaseMs'),
    reconnectCapMs: positiveInt(opts.reconnectCapMs, DEFAULTS.reconnectCapMs, 'reconnectCapMs'),
    maxInboundConnections: positiveInt(
      opts.maxInboundConnections,
      DEFAULTS.maxInboundConnections,
      'maxInboundConnections',
    ),
    maxPendingInbound: positiveInt(opts.maxPendingInbound, DEFAULTS.maxPendingInbound, 'maxPendingInbound'),
    maxConnectionsPerAddress: positiveInt(
      opts.maxConnectionsPerAddress,
      DEFAULTS.maxConnectionsPerAddress,
      'maxConnectionsPerAddress',
    ),
    closeGraceMs: positiveInt(opts.closeGraceMs, DEFAULTS.closeGraceMs, 'closeGraceMs'),
  }
  const priorityChannels = channelSet(opts.priorityChannels, 'priorityChannels')
  const acceptedChannels =
    opts.channels === undefined
      ? new Set(Array.from({ length: 255 }, (_, i) => i + 1))
      : channelSet(opts.channels, 'channels')

  let trusted: TrustedCA[] = loadTrustedCAs(opts.tls.trustedCAPems)
  // Our certificate and key as node:tls takes them: a PEM key, or an engine's key (a PKCS#11 token).
  const tlsOf = (own: OwnTls) => ({
    ...tlsKeyOptions(own),
    cert: own.certPem,
    minVersion: 'TLSv1.3' as const,
    maxVersion: 'TLSv1.3' as const,
  })
  let tlsBase = tlsOf(opts.tls)
  const contextOptions = () => ({ ...tlsBase, ca: trusted.map((c) => c.pem) })
  let clientContext: tls.SecureContext
  try {
    clientContext = tls.createSecureContext(contextOptions())
  } catch (e) {
    throw new GovchainError('PKI_INVALID_KEY', `TLS key or certificate rejected: ${(e as Error).message}`)
  }

  const stats: P2PStats = {
    peers: 0,
    connections: 0,
    pendingInbound: 0,
    dials: 0,
    dialFailures: 0,
    handshakeFailures: 0,
    connectionsOpened: 0,
    closes: {},
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesDropped: 0,
    handlerErrors: 0,
  }
  const count = (name: P2PCounter, value = 1, labels?: Record<string, string>) =>
    metrics?.increment(name, labels, value)

  const conns = new Set<Conn>()
  const active = new Map<string, Conn>()
  const dialStates = new Map<string, DialState>()
  const rawSockets = new Set<Socket>()
  /** Every accepted socket not yet closed, by socketKey. */
  const inbound = new Map<string, Inbound>()
  /** Inbound sockets in stages tcp, tls and hello: bounded by maxPendingInbound. */
  const pendingInbound = new Set<Inbound>()
  /** Per address group, the inbound sockets maxConnectionsPerAddress counts (all but reserved open ones). */
  const inboundByGroup = new Map<string, Set<Inbound>>()
  /** Open inbound connections of unreserved peers: bounded by maxInboundConnections. */
  let openUnreserved = 0
  let nextInboundSeq = 1
  /** Unauthenticated sockets refused or dropped since the last warn line, by reason. */
  let inboundDrops: Record<string, number> = {}
  let inboundWarnedMs = Number.NEGATIVE_INFINITY
  const messageHandlers = new Set<MessageHandler>()
  const connectedHandlers = new Set<PeerConnectedHandler>()
  const disconnectedHandlers = new Set<PeerDisconnectedHandler>()
  let nextConnId = 1
  /** The listening socket: admission control happens here, before any TLS state exists. */
  let server: net.Server | undefined
  /** Never listens: accepted sockets are handed to it once they send their first bytes. */
  let tlsServer: tls.Server | undefined
  let pingTimer: NodeJS.Timeout | undefined
  let started = false
  /** Set synchronously by close(): from then on nothing new starts. */
  let stopping = false
  let closing: Promise<void> | undefined

  for (const p of opts.peers ?? []) addPeerInternal(p)

  // ---------------------------------------------------------------- connections

  function newConn(
    socket: tls.TLSSocket,
    direction: 'inbound' | 'outbound',
    expectedNodeId?: string,
    inboundRecord?: Inbound,
  ): Conn {
    let resolveClosed!: () => void
    const closed = new Promise<void>((r) => {
      resolveClosed = r
    })
    const conn: Conn = {
      id: nextConnId++,
      socket,
      direction,
      expectedNodeId,
      state: 'tls',
      nodeId: undefined,
      orgId: undefined,
      peerCert: undefined,
      hello: undefined,
      exporter: undefined,
      decoder: new FrameDecoder(HELLO_FRAME_BYTES_MAX),
      queue: new SendQueue(cfg.sendQueueBytesMax),
      blocked: false,
      openTimer: undefined,
      destroyTimer: undefined,
      lastReceiveMs: now(),
      lastSendMs: now(),
      closeReason: undefined,
      closed,
      inbound: inboundRecord,
    }
    conns.add(conn)
    // Until open: bounded by the handshake timeout (a dial: TCP connect, TLS and HELLO within
    // twice it; an inbound connection arrives here with TLS done: the HELLO within it). Past the
    // deadline the socket is destroyed at once: a peer that has not authenticated gets no grace.
    conn.openTimer = setTimeout(
      () => {
        conn.openTimer = undefined
        closeConn(conn, conn.state === 'tls' ? 'TLS_HANDSHAKE_FAILED' : 'P2P_HELLO_TIMEOUT', 'handshake timed out')
        socket.destroy()
      },
      direction === 'inbound' ? cfg.handshakeTimeoutMs : cfg.handshakeTimeoutMs * 2,
    )
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (conn.closeReason !== undefined) return
      if (conn.state === 'tls' && !SOCKET_ERROR_CODES.has(err.code ?? '')) {
        conn.closeReason = 'TLS_HANDSHAKE_FAILED'
        stats.handshakeFailures++
        count('p2p_handshake_failures_total')
        log.warn({ peer: expectedNodeId, address: peerAddr(conn), err: err.message }, 'p2p TLS handshake failed')
      } else {
        conn.closeReason = 'SOCKET_ERROR'
        log.debug({ peer: conn.nodeId ?? expectedNodeId, err: err.message }, 'p2p socket error')
      }
    })
    socket.on('close', () => {
      onSocketClosed(conn)
      resolveClosed()
    })
    // A socket destroyed before this Conn listened never emits 'close' for it.
    if (socket.destroyed && socket.closed) {
      queueMicrotask(() => {
        onSocketClosed(conn)
        resolveClosed()
      })
    }
    return conn
  }

  // ---------------------------------------------------------------- inbound admission

  /**
   * A TCP connection was accepted. It takes a slot of its address and of the pending pool, making
   * room if needed (see makeRoom), or is destroyed before any TLS state exists. It then has
   * handshakeTimeoutMs to complete TLS; TLS starts when its first bytes arrive.
   */
  function onAccept(raw: Socket): void {
    rawSockets.add(raw)
    // Errors before TLS (a reset) only end the socket; the TLS socket reports its own.
    raw.on('error', () => {})
    const key = socketKey(raw)
    if (stopping || key === undefined) {
      raw.once('close', () => rawSockets.delete(raw))
      raw.destroy()
      return
    }
    const group = addressGroup(raw.remoteAddress)
    const sameGroup = inboundByGroup.get(group)
    let refusal: CloseReason | undefined
    if (
      sameGroup !== undefined &&
      sameGroup.size >= cfg.maxConnectionsPerAddress &&
      !makeRoom(sameGroup, 'ADDRESS_LIMIT')
    ) {
      refusal = 'ADDRESS_LIMIT'
    } else if (pendingInbound.size >= cfg.maxPendingInbound && !makeRoom(pendingInbound, 'PENDING_FULL')) {
      refusal = 'PENDING_FULL'
    }
    if (refusal !== undefined) {
      raw.once('close', () => rawSockets.delete(raw))
      noteInboundDrop(refusal, group)
      raw.destroy()
      return
    }
    const rec: Inbound = {
      raw,
      group,
      key,
      seq: nextInboundSeq++,
      stage: 'tcp',
      reserved: false,
      timer: undefined,
      released: false,
    }
    inbound.set(key, rec)
    pendingInbound.add(rec)
    if (sameGroup === undefined) inboundByGroup.set(group, new Set([rec]))
    else sameGroup.add(rec)
    rec.timer = setTimeout(() => {
      rec.timer = undefined
      if (rec.released || (rec.stage !== 'tcp' && rec.stage !== 'tls')) return
      stats.handshakeFailures++
      count('p2p_handshake_failures_total')
      dropInbound(rec, 'HANDSHAKE_TIMEOUT')
    }, cfg.handshakeTimeoutMs)
    raw.once('close', () => {
      rawSockets.delete(raw)
      releaseInbound(rec)
    })
    // The TLS socket is made only for a client that speaks: an idle connection costs no TLS
    // state, and the stage tells an idle socket from a handshake in progress. The bytes read
    // here stay buffered; the TLS socket takes them first (Node's documented hand-over).
    raw.once('readable', () => {
      if (rec.released || raw.destroyed) return
      if (raw.readableLength === 0) {
        raw.destroy() // ended without a byte
        return
      }
      rec.stage = 'tls'
      tlsServer!.emit('connection', raw)
    })
  }

  /**
   * Makes room among `pool` (an address group or the pending pool) by destroying its oldest
   * socket of the least progress: one that has sent nothing, else one in the middle of TLS. A
   * socket past TLS (a consortium certificate) or open is never pushed out; then there is no room.
   */
  function makeRoom(pool: ReadonlySet<Inbound>, reason: CloseReason): boolean {
    let victim: Inbound | undefined
    for (const r of pool) {
      if (r.stage !== 'tcp' && r.stage !== 'tls') continue
      if (
        victim === undefined ||
        STAGE_RANK[r.stage] < STAGE_RANK[victim.stage as 'tcp' | 'tls'] ||
        (r.stage === victim.stage && r.seq < victim.seq)
      ) {
        victim = r
      }
    }
    if (victim === undefined) return false
    dropInbound(victim, reason)
    return true
  }

  /** Destroys an unauthenticated inbound socket now (its slots are free at once). */
  function dropInbound(rec: Inbound, reason: CloseReason): void {
    releaseInbound(rec)
    noteInboundDrop(reason, rec.group)
    rec.raw.destroy()
  }

  /** Frees the slots of an inbound socket (idempotent): on close, or when it is dropped. */
  function releaseInbound(rec: Inbound): void {
    if (rec.released) return
    rec.released = true
    if (rec.timer) clearTimeout(rec.timer)
    rec.timer = undefined
    if (inbound.get(rec.key) === rec) inbound.delete(rec.key)
    pendingInbound.delete(rec)
    const group = inboundByGroup.get(rec.group)
    if (group?.delete(rec) && group.size === 0) inboundByGroup.delete(rec.group)
    if (rec.stage === 'open' && !rec.reserved) openUnreserved--
  }

  /** Counts a socket refused or dropped before authentication; warns at most every INBOUND_WARN_INTERVAL_MS. */
  function noteInboundDrop(reason: CloseReason, group: string): void {
    stats.closes[reason] = (stats.closes[reason] ?? 0) + 1
    count('p2p_connections_closed_total', 1, { reason })
    inboundDrops[reason] = (inboundDrops[reason] ?? 0) + 1
    log.debug({ address: group, reason }, 'p2p inbound socket refused or dropped')
    const t = now()
    if (t - inboundWarnedMs >= INBOUND_WARN_INTERVAL_MS) {
      log.warn(
        { address: group, reason, dropped: inboundDrops, pending: pendingInbound.size },
        'p2p inbound sockets refused or dropped before authenticating',
      )
      inboundWarnedMs = t
      inboundDrops = {}
    }
  }

  /** TLS completed on an inbound socket: from here the HELLO deadline of its Conn applies. */
  function onInboundSecure(socket: tls.TLSSocket): void {
    const key = socketKey(socket)
    const rec = key === undefined ? undefined : inbound.get(key)
    if (rec === undefined || rec.released || stopping) {
      socket.destroy()
      return
    }
    rec.stage = 'hello'
    if (rec.timer) clearTimeout(rec.timer)
    rec.timer = undefined
    onSecure(newConn(socket, 'inbound', undefined, rec))
  }

  /**
   * The HELLO of an inbound peer verified and allowed: it leaves the pending pool. A reserved
   * peer (configured, or isReservedPeer) is not counted any more; another takes one of the
   * maxInboundConnections slots, or is refused when they are taken. False when refused.
   */
  function admitInbound(conn: Conn, hello: Hello): boolean {
    const rec = conn.inbound
    if (rec === undefined || rec.released) return true
    let reserved = dialStates.has(hello.nodeId)
    if (!reserved && opts.isReservedPeer !== undefined) {
      try {
        reserved = opts.isReservedPeer({ nodeId: hello.nodeId, orgId: conn.orgId!, publicKey: hello.publicKey })
      } catch (e) {
        log.error({ peer: hello.nodeId, err: (e as Error).message }, 'isReservedPeer threw; not reserved')
      }
    }
    if (!reserved && openUnreserved >= cfg.maxInboundConnections) {
      closeConn(conn, 'INBOUND_FULL', `${openUnreserved} unreserved peers connected`)
      return false
    }
    pendingInbound.delete(rec)
    rec.stage = 'open'
    rec.reserved = reserved
    if (reserved) {
      const group = inboundByGroup.get(rec.group)
      if (group?.delete(rec) && group.size === 0) inboundByGroup.delete(rec.group)
    } else {
      openUnreserved++
    }
    return true
  }

  function peerAddr(conn: Conn): string {
    return `${conn.socket.remoteAddress ?? '?'}:${conn.socket.remotePort ?? '?'}`
  }

  function onSecure(conn: Conn): void {
    if (conn.state !== 'tls') return
    const socket = conn.socket
    if (stopping) {
      closeConn(conn, 'LOCAL_CLOSE')
      return
    }
    const cert = socket.getPeerX509Certificate()
    if (!socket.authorized || cert === undefined) {
      closeConn(conn, 'PKI_UNTRUSTED_ISSUER', 'peer not authorised by TLS')
      return
    }
    let identity: ReturnType<typeof verifyCertificateChain>
    try {
      identity = verifyCertificateChain(cert, trusted)
    } catch (e) {
      closeConn(conn, errorCode(e, 'PKI_INVALID_CERTIFICATE'), (e as Error).message)
      return
    }
    conn.peerCert = cert
    conn.nodeId = identity.nodeId
    conn.orgId = identity.orgId
    if (revoked.size > 0 && revoked.has({ orgId: identity.ca.orgId, x509: cert })) {
      closeConn(conn, 'P2P_CERT_REVOKED', `certificate ${cert.serialNumber} of ${identity.orgId} is revoked`)
      return
    }
    if (identity.role !== 'node') {
      closeConn(conn, 'P2P_PEER_NOT_ALLOWED', 'client certificate is not a node')
      return
    }
    if (identity.nodeId === opts.nodeId) {
      closeConn(conn, 'P2P_UNEXPECTED_PEER', 'connected to ourselves')
      return
    }
    if (conn.expectedNodeId !== undefined && identity.nodeId !== conn.expectedNodeId) {
      closeConn(conn, 'P2P_UNEXPECTED_PEER', `dialed ${conn.expectedNodeId}, reached ${identity.nodeId}`)
      return
    }
    conn.state = 'hello'
    conn.exporter = new Uint8Array(socket.exportKeyingMaterial(EXPORTER_BYTES, EXPORTER_LABEL, EMPTY_CONTEXT))
    const role: HelloRole = conn.direction === 'outbound' ? 'dialer' : 'listener'
    let height = 0
    try {
      height = opts.getLatestHeight?.() ?? 0
    } catch (e) {
      log.error({ err: (e as Error).message }, 'getLatestHeight threw')
    }
    const hello = createHello(signingKey, conn.exporter, {
      version: cfg.version,
      chainId: opts.chainId,
      nodeId: opts.nodeId,
      suite: suite.name,
      publicKey: signingKey.publicKey,
      latestHeight: height,
      role,
    })
    writeControl(conn, CTRL_HELLO, hello)
    socket.setNoDelay(true)
    socket.setKeepAlive(true, cfg.pingIntervalMs)
    socket.on('data', (chunk: Buffer) => onData(conn, chunk))
  }

  function onData(conn: Conn, chunk: Buffer): void {
    if (conn.state === 'closing') return
    stats.bytesIn += chunk.length
    count('p2p_bytes_in_total', chunk.length)
    conn.lastReceiveMs = now()
    let frames: ReturnType<FrameDecoder['push']>
    try {
      frames = conn.decoder.push(chunk)
    } catch (e) {
      closeConn(conn, errorCode(e, 'P2P_FRAME_INVALID'), (e as Error).message)
      return
    }
    for (const f of frames) {
      if (isClosing(conn)) return
      stats.framesIn++
      count('p2p_frames_in_total', 1, channelLabel(f.channel))
      if (f.channel === CONTROL_CHANNEL) onControl(conn, f.payload)
      else if (conn.state !== 'open') closeConn(conn, 'P2P_HELLO_INVALID', 'message before HELLO')
      else if (!acceptedChannels.has(f.channel)) closeConn(conn, 'P2P_FRAME_INVALID', `unknown channel ${f.channel}`)
      else deliver(conn, f.channel, f.payload)
    }
  }

  function onControl(conn: Conn, payload: Uint8Array): void {
    const type = payload[0]
    const body = payload.subarray(1)
    if (conn.state === 'hello') {
      if (type === CTRL_GOODBYE) {
        onGoodbye(conn, body)
        return
      }
      if (type !== CTRL_HELLO) {
        closeConn(conn, 'P2P_HELLO_INVALID', 'expected HELLO')
        return
      }
      onHello(conn, body)
      return
    }
    switch (type) {
      case CTRL_PING:
        writeControl(conn, CTRL_PONG, new Uint8Array(0))
        return
      case CTRL_PONG:
        return
      case CTRL_GOODBYE:
        onGoodbye(conn, body)
        return
      default:
        closeConn(conn, 'P2P_FRAME_INVALID', `unexpected control message ${type}`)
        return
    }
  }

  function onGoodbye(conn: Conn, body: Uint8Array): void {
    const reason = Buffer.from(body.subarray(0, GOODBYE_REASON_BYTES_MAX))
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '?')
    log.warn({ peer: conn.nodeId, remoteReason: reason }, 'p2p peer closed the connection')
    closeConn(conn, 'REMOTE_CLOSED')
  }

  function onHello(conn: Conn, bytes: Uint8Array): void {
    let hello: Hello
    try {
      hello = verifyHello(bytes, {
        suite,
        exporter: conn.exporter!,
        chainId: opts.chainId,
        version: cfg.version,
        certNodeId: conn.nodeId!,
        peerRole: conn.direction === 'outbound' ? 'listener' : 'dialer',
      })
    } catch (e) {
      closeConn(conn, errorCode(e, 'P2P_HELLO_INVALID'), (e as Error).message)
      return
    }
    let allowed = false
    try {
      allowed = opts.isPeerAllowed?.({ nodeId: hello.nodeId, orgId: conn.orgId!, publicKey: hello.publicKey }) ?? true
    } catch (e) {
      log.error({ peer: hello.nodeId, err: (e as Error).message }, 'isPeerAllowed threw; refusing the peer')
    }
    if (!allowed) {
      closeConn(conn, 'P2P_PEER_NOT_ALLOWED', 'refused by isPeerAllowed')
      return
    }
    if (!admitInbound(conn, hello)) return
    if (conn.openTimer) clearTimeout(conn.openTimer)
    conn.openTimer = undefined
    conn.hello = hello
    conn.state = 'open'
    conn.decoder.maxFrameBytes = cfg.maxFrameBytes
    register(conn)
  }

  /** One connection per peer: the one dialed by the lower nodeId wins; between equals, the newer. */
  function register(conn: Conn): void {
    const nodeId = conn.nodeId!
    const existing = active.get(nodeId)
    if (existing !== undefined) {
      const preferredDialer = [opts.nodeId, nodeId].sort()[0]
      const dialer = (c: Conn) => (c.direction === 'outbound' ? opts.nodeId : nodeId)
      const keepExisting = dialer(existing) === preferredDialer && dialer(conn) !== preferredDialer
      if (keepExisting) {
        closeConn(conn, 'DUPLICATE', 'kept the other connection')
        return
      }
      active.set(nodeId, conn)
      closeConn(existing, 'DUPLICATE', 'replaced by a new connection')
      emitDisconnected(nodeId, 'DUPLICATE')
    } else {
      active.set(nodeId, conn)
    }
    stats.connectionsOpened++
    count('p2p_connections_opened_total')
    const ds = dialStates.get(nodeId)
    if (ds !== undefined) {
      ds.attempt = 0
      if (ds.timer) clearTimeout(ds.timer)
      ds.timer = undefined
    }
    const info = peerInfo(conn)
    log.info(
      { peer: nodeId, org: info.orgId, direction: info.direction, height: info.latestHeight },
      'p2p peer connected',
    )
    for (const h of connectedHandlers) {
      try {
        h(info)
      } catch (e) {
        log.error({ peer: nodeId, err: (e as Error).message }, 'onPeerConnected handler threw')
      }
    }
  }

  function emitDisconnected(nodeId: string, reason: CloseReason): void {
    log.info({ peer: nodeId, reason }, 'p2p peer disconnected')
    for (const h of disconnectedHandlers) {
      try {
        h(nodeId, reason)
      } catch (e) {
        log.error({ peer: nodeId, err: (e as Error).message }, 'onPeerDisconnected handler threw')
      }
    }
  }

  function peerInfo(conn: Conn): PeerInfo {
    return {
      nodeId: conn.nodeId!,
      orgId: conn.orgId!,
      publicKey: conn.hello!.publicKey.slice(),
      latestHeight: conn.hello!.latestHeight,
      direction: conn.direction,
      remoteAddress: conn.socket.remoteAddress ?? '',
      remotePort: conn.socket.remotePort ?? 0,
      sendQueueBytes: conn.queue.queuedBytes,
    }
  }

  function deliver(conn: Conn, channel: number, payload: Uint8Array): void {
    for (const h of messageHandlers) {
      try {
        h(conn.nodeId!, channel, payload)
      } catch (e) {
        // A handler throws when the peer's message is invalid (e.g. it does not decode): the peer
        // misbehaved, so its connection goes; it can reconnect (and is counted and logged).
        stats.handlerErrors++
        count('p2p_handler_errors_total')
        closeConn(conn, 'P2P_BAD_MESSAGE', e instanceof GovchainError ? `${e.code}: ${e.message}` : String(e))
        return
      }
    }
  }

  /**
   * Starts closing a connection with a reason (idempotent). A refusal or misbehaviour is logged
   * at warn. A GOODBYE with the reason is sent when the TLS session is up, so the other operator
   * sees why; then the socket is ended and destroyed after closeGraceMs at the latest.
   */
  function closeConn(conn: Conn, reason: CloseReason, detail?: string): void {
    if (conn.state === 'closing') return
    const was = conn.state
    conn.state = 'closing'
    conn.closeReason ??= reason
    if (conn.openTimer) clearTimeout(conn.openTimer)
    conn.openTimer = undefined
    const routine = reason === 'LOCAL_CLOSE' || reason === 'REMOTE_CLOSED' || reason === 'DUPLICATE'
    const fields = { peer: conn.nodeId ?? conn.expectedNodeId, address: peerAddr(conn), reason, detail }
    if (routine) log.debug(fields, 'p2p connection closing')
    else log.warn(fields, 'p2p connection closed')
    if (active.get(conn.nodeId ?? '') === conn) {
      active.delete(conn.nodeId!)
      emitDisconnected(conn.nodeId!, reason)
    }
    // Our own close hands the peer what is already queued for it, past backpressure (end() flushes
    // it within closeGraceMs): a node stopping for good must not take the transactions it admitted
    // and was still gossiping with it. A refusal or a misbehaving peer gets nothing more.
    if (was === 'open' && reason === 'LOCAL_CLOSE' && !conn.socket.destroyed) {
      for (let m = conn.queue.dequeue(); m !== undefined; m = conn.queue.dequeue()) writeQueued(conn, m)
    }
    if ((was === 'hello' || was === 'open') && reason !== 'REMOTE_CLOSED' && !conn.socket.destroyed) {
      writeControl(conn, CTRL_GOODBYE, Buffer.from(reason.slice(0, GOODBYE_REASON_BYTES_MAX), 'latin1'), true)
    }
    conn.socket.end()
    conn.destroyTimer = setTimeout(() => conn.socket.destroy(), cfg.closeGraceMs)
  }

  function onSocketClosed(conn: Conn): void {
    if (!conns.delete(conn)) return
    if (conn.openTimer) clearTimeout(conn.openTimer)
    if (conn.destroyTimer) clearTimeout(conn.destroyTimer)
    conn.openTimer = undefined
    conn.destroyTimer = undefined
    const wasOpen = conn.hello !== undefined
    const reason: CloseReason = conn.closeReason ?? 'REMOTE_CLOSED'
    conn.state = 'closing'
    stats.closes[reason] = (stats.closes[reason] ?? 0) + 1
    count('p2p_connections_closed_total', 1, { reason })
    if (conn.nodeId !== undefined && active.get(conn.nodeId) === conn) {
      active.delete(conn.nodeId)
      emitDisconnected(conn.nodeId, reason)
    }
    if (conn.direction === 'outbound' && conn.expectedNodeId !== undefined) {
      const ds = dialStates.get(conn.expectedNodeId)
      if (ds !== undefined) ds.inFlight = false
      if (!wasOpen) {
        stats.dialFailures++
        count('p2p_dial_failures_total')
      }
      scheduleDial(conn.expectedNodeId)
    } else if (conn.nodeId !== undefined) {
      scheduleDial(conn.nodeId)
    }
  }

  // ---------------------------------------------------------------- writing

  function writeControl(conn: Conn, type: number, body: Uint8Array, force = false): void {
    if (conn.socket.destroyed || (!force && conn.state === 'closing')) return
    const frame = encodeFrame(CONTROL_CHANNEL, Buffer.concat([Buffer.from([type]), body]))
    conn.socket.write(frame)
    conn.lastSendMs = now()
    stats.framesOut++
    stats.bytesOut += frame.length
    count('p2p_frames_out_total', 1, channelLabel(CONTROL_CHANNEL))
    count('p2p_bytes_out_total', frame.length)
  }

  function enqueue(conn: Conn, channel: number, payload: Uint8Array): boolean {
    const r = conn.queue.enqueue({ channel, payload }, priorityChannels.has(channel))
    if (r.kind === 'overflow') {
      closeConn(conn, 'P2P_SEND_QUEUE_FULL', `${conn.queue.queuedBytes} bytes queued`)
      return false
    }
    const dropped = r.kind === 'dropped-new' ? 1 : r.dropped
    if (dropped > 0) {
      stats.messagesDropped += dropped
      count('p2p_messages_dropped_total', dropped)
      log.debug({ peer: conn.nodeId, dropped }, 'p2p send queue full: dropped normal messages')
    }
    if (r.kind === 'dropped-new') return false
    pump(conn)
    return true
  }

  /** Writes one dequeued message as a frame; false when the socket asks us to wait for 'drain'. */
  function writeQueued(conn: Conn, m: QueuedMessage): boolean {
    const socket = conn.socket
    socket.cork()
    socket.write(frameHeader(m.channel, m.payload.length))
    const more = m.payload.length === 0 ? !socket.writableNeedDrain : socket.write(m.payload)
    socket.uncork()
    conn.lastSendMs = now()
    stats.framesOut++
    stats.bytesOut += m.payload.length + 5
    count('p2p_frames_out_total', 1, channelLabel(m.channel))
    count('p2p_bytes_out_total', m.payload.length + 5)
    return more
  }

  /** Writes queued frames while the socket accepts them; resumes on 'drain'. */
  function pump(conn: Conn): void {
    const socket = conn.socket
    while (!conn.blocked && conn.state === 'open') {
      const m = conn.queue.dequeue()
      if (m === undefined) return
      if (!writeQueued(conn, m)) {
        conn.blocked = true
        socket.once('drain', () => {
          conn.blocked = false
          pump(conn)
        })
      }
    }
  }

  function checkOutgoing(channel: number, payload: Uint8Array): void {
    if (!Number.isInteger(channel) || channel < 1 || channel > 255) {
      throw new GovchainError('INVALID_ARGUMENT', `channel ${channel} not in 1..255`)
    }
    if (!(payload instanceof Uint8Array)) throw new GovchainError('INVALID_ARGUMENT', 'payload must be a Uint8Array')
    if (payload.length + 1 > cfg.maxFrameBytes) {
      throw new GovchainError('P2P_FRAME_OVERSIZE', `message of ${payload.length} bytes > ${cfg.maxFrameBytes - 1}`)
    }
  }

  // ---------------------------------------------------------------- dialing

  function addPeerInternal(p: PeerAddress): void {
    checkPeerAddress(p)
    if (p.nodeId === opts.nodeId) return
    const existing = dialStates.get(p.nodeId)
    if (existing !== undefined) {
      existing.addr = { nodeId: p.nodeId, host: p.host, port: p.port }
      return
    }
    if (dialStates.size >= PEERS_MAX) throw new GovchainError('INVALID_ARGUMENT', `at most ${PEERS_MAX} peers`)
    dialStates.set(p.nodeId, {
      addr: { nodeId: p.nodeId, host: p.host, port: p.port },
      attempt: 0,
      timer: undefined,
      inFlight: false,
    })
  }

  /**
   * Schedules the next dial of a configured peer unless it is connected or being dialed. The
   * first dial of a peer with a lower nodeId waits one backoff step: that peer dials us too, and
   * its connection is the one both sides keep, so ours would be a wasted duplicate.
   */
  function scheduleDial(nodeId: string, first = false): void {
    const ds = dialStates.get(nodeId)
    if (ds === undefined || !started || stopping) return
    if (active.has(nodeId) || ds.inFlight || ds.timer !== undefined) return
    const delay =
      first && nodeId > opts.nodeId ? 0 : backoffDelayMs(ds.attempt, cfg.reconnectBaseMs, cfg.reconnectCapMs, random())
    ds.attempt++
    log.debug({ peer: nodeId, delayMs: delay, attempt: ds.attempt }, 'p2p dial scheduled')
    ds.timer = setTimeout(() => {
      ds.timer = undefined
      dial(ds)
    }, delay)
  }

  function dial(ds: DialState): void {
    if (stopping || active.has(ds.addr.nodeId) || dialStates.get(ds.addr.nodeId) !== ds) return
    ds.inFlight = true
    stats.dials++
    count('p2p_dials_total')
    const { host, port, nodeId } = ds.addr
    const socket = tls.connect({
      host,
      port,
      secureContext: clientContext,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      rejectUnauthorized: true,
      // Peers are authenticated by node id (certificate CN, checked in onSecure), not host name:
      // nodes move between addresses, their identity does not.
      checkServerIdentity: () => undefined,
    })
    const conn = newConn(socket, 'outbound', nodeId)
    socket.once('secureConnect', () => onSecure(conn))
  }

  // ---------------------------------------------------------------- periodic

  function tick(): void {
    const t = now()
    for (const conn of conns) {
      if (conn.state !== 'open') continue
      if (t - conn.lastReceiveMs > cfg.idleTimeoutMs) closeConn(conn, 'IDLE_TIMEOUT')
      else if (t - conn.lastSendMs >= cfg.pingIntervalMs) writeControl(conn, CTRL_PING, new Uint8Array(0))
    }
  }

  // ---------------------------------------------------------------- API

  const api: P2P = {
    async start() {
      if (stopping) throw new GovchainError('P2P_CLOSED')
      if (started) throw new GovchainError('INVALID_ARGUMENT', 'p2p already started')
      started = true
      // TLS runs on sockets the listener admitted (onAccept); this server only holds the TLS
      // configuration and reports the outcome. No listener-wide maxConnections: it would count
      // known peers and strangers alike, which is what let idle sockets keep peers out.
      const tlsSrv = tls.createServer({
        ...contextOptions(),
        requestCert: true,
        rejectUnauthorized: true,
        handshakeTimeout: cfg.handshakeTimeoutMs,
      })
      tlsServer = tlsSrv
      tlsSrv.on('secureConnection', (socket: tls.TLSSocket) => onInboundSecure(socket))
      tlsSrv.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
        // Node leaves the socket open after a handshake timeout: destroy it in every case.
        socket.destroy()
        stats.handshakeFailures++
        count('p2p_handshake_failures_total')
        const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
        if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
          const rec = inbound.get(socketKey(socket) ?? '')
          if (rec !== undefined) dropInbound(rec, 'HANDSHAKE_TIMEOUT')
          return
        }
        log.warn({ address, reason: 'TLS_HANDSHAKE_FAILED', err: err.message }, 'p2p inbound TLS handshake refused')
      })
      const srv = net.createServer()
      server = srv
      srv.on('connection', (raw: Socket) => onAccept(raw))
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(new GovchainError('P2P_LISTEN_FAILED', e.message, { ...opts.listen }))
        srv.once('error', onError)
        srv.listen(opts.listen.port, opts.listen.host, () => {
          srv.off('error', onError)
          srv.on('error', (e: Error) => log.error({ err: e.message }, 'p2p listener error'))
          resolve()
        })
      }).catch((e) => {
        started = false
        server = undefined
        tlsServer = undefined
        throw e
      })
      const addr = srv.address()
      const bound = typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : opts.listen
      pingTimer = setInterval(tick, Math.max(50, Math.min(cfg.pingIntervalMs, cfg.idleTimeoutMs) / 2))
      log.info({ node: opts.nodeId, chainId: opts.chainId, ...bound, peers: dialStates.size }, 'p2p listening')
      for (const nodeId of dialStates.keys()) scheduleDial(nodeId, true)
      return bound
    },

    send(peerId, channel, payload) {
      checkOutgoing(channel, payload)
      const conn = active.get(peerId)
      if (conn === undefined || stopping) return false
      return enqueue(conn, channel, payload)
    },

    broadcast(channel, payload, exceptPeer) {
      checkOutgoing(channel, payload)
      if (stopping) return 0
      let n = 0
      for (const [nodeId, conn] of [...active]) if (nodeId !== exceptPeer && enqueue(conn, channel, payload)) n++
      return n
    },

    onMessage(handler) {
      messageHandlers.add(handler)
      return () => messageHandlers.delete(handler)
    },
    onPeerConnected(handler) {
      connectedHandlers.add(handler)
      return () => connectedHandlers.delete(handler)
    },
    onPeerDisconnected(handler) {
      disconnectedHandlers.add(handler)
      return () => disconnectedHandlers.delete(handler)
    },

    peers() {
      return [...active.values()].map(peerInfo)
    },

    addPeer(peer) {
      addPeerInternal(peer)
      scheduleDial(peer.nodeId, true)
    },

    removePeer(nodeId) {
      const ds = dialStates.get(nodeId)
      if (ds?.timer) clearTimeout(ds.timer)
      dialStates.delete(nodeId)
    },

    disconnect(peerId, reason = 'LOCAL_CLOSE') {
      const conn = active.get(peerId)
      if (conn !== undefined) closeConn(conn, reason, 'disconnect requested')
    },

    setOwnCertificate(certPem, key) {
      const id = parsePeerIdentity(certPem)
      if (id.role !== 'node' || id.nodeId !== opts.nodeId || id.orgId !== own.orgId) {
        throw new GovchainError(
          'PKI_INVALID_CERTIFICATE',
          `the new certificate is for ${id.role} ${id.orgId}/${id.nodeId}, not node ${own.orgId}/${opts.nodeId}`,
        )
      }
      verifyCertificateChain(certPem, trusted)
      const nextBase = tlsOf(typeof key === 'string' ? { certPem, keyPem: key } : { certPem, engineKey: key })
      const opt = { ...nextBase, ca: trusted.map((c) => c.pem) }
      let nextClient: tls.SecureContext
      try {
        // Fails when the key is not the certificate's (OpenSSL checks the pair).
        nextClient = tls.createSecureContext(opt)
      } catch (e) {
        throw new GovchainError('PKI_INVALID_KEY', `TLS key or certificate rejected: ${(e as Error).message}`)
      }
      tlsServer?.setSecureContext(opt)
      clientContext = nextClient
      tlsBase = nextBase
      log.info({ nodeId: id.nodeId }, 'p2p TLS certificate replaced')
    },

    setTrustedCAs(pems) {
      const next = loadTrustedCAs(pems)
      const opt = { ...tlsBase, ca: next.map((c) => c.pem) }
      const nextClient = tls.createSecureContext(opt)
      tlsServer?.setSecureContext(opt)
      clientContext = nextClient
      trusted = next
      log.info({ orgs: next.map((c) => c.orgId) }, 'p2p trusted organisation CAs replaced')
      for (const conn of [...conns]) {
        if (conn.peerCert === undefined || conn.state === 'closing') continue
        try {
          verifyCertificateChain(conn.peerCert, trusted)
        } catch (e) {
          closeConn(conn, errorCode(e, 'PKI_UNTRUSTED_ISSUER'), 'organisation CA no longer trusted')
        }
      }
    },

    setRevokedCertificates(list) {
      revoked = revocationIndex(list)
      log.info({ revoked: revoked.size }, 'p2p revoked certificates replaced')
      for (const conn of [...conns]) {
        if (conn.peerCert === undefined || conn.orgId === undefined || conn.state === 'closing') continue
        if (revoked.has({ orgId: conn.orgId, x509: conn.peerCert }))
          closeConn(conn, 'P2P_CERT_REVOKED', `certificate ${conn.peerCert.serialNumber} of ${conn.orgId} is revoked`)
      }
    },

    recheckPeers() {
      for (const conn of [...active.values()]) {
        let allowed = false
        try {
          allowed =
            opts.isPeerAllowed?.({ nodeId: conn.nodeId!, orgId: conn.orgId!, publicKey: conn.hello!.publicKey }) ?? true
        } catch (e) {
          log.error({ peer: conn.nodeId, err: (e as Error).message }, 'isPeerAllowed threw; refusing the peer')
        }
        if (!allowed) closeConn(conn, 'P2P_PEER_NOT_ALLOWED', 'no longer allowed')
      }
    },

    stats() {
      let beforeTls = 0
      for (const r of pendingInbound) if (r.stage === 'tcp' || r.stage === 'tls') beforeTls++
      return {
        ...stats,
        closes: { ...stats.closes },
        peers: active.size,
        // Inbound sockets get a Conn once TLS is done; count the ones still before it too.
        connections: conns.size + beforeTls,
        pendingInbound: pendingInbound.size,
      }
    },

    close() {
      stopping = true
      closing ??= (async () => {
        if (pingTimer) clearInterval(pingTimer)
        pingTimer = undefined
        for (const ds of dialStates.values()) {
          if (ds.timer) clearTimeout(ds.timer)
          ds.timer = undefined
        }
        const waits = [...conns].map((c) => c.closed)
        for (const conn of [...conns]) closeConn(conn, 'LOCAL_CLOSE')
        const srv = server
        if (srv !== undefined) {
          const serverClosed = new Promise<void>((r) => srv.close(() => r()))
          // Sockets still before TLS or in it have no Conn yet.
          for (const raw of rawSockets) raw.destroy()
          waits.push(serverClosed)
        }
        // Every socket has closeGraceMs to end on its own (closeConn destroys it then); past twice
        // that, whatever is still open — a socket that closed before its Conn listened, a server
        // still counting one — is destroyed and no longer waited for, so a shutdown always ends.
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<'late'>((r) => {
          timer = setTimeout(() => r('late'), cfg.closeGraceMs * 2 + 1000)
        })
        const outcome = await Promise.race([Promise.all(waits).then(() => 'done' as const), late])
        clearTimeout(timer)
        if (outcome === 'late') {
          log.warn(
            { node: opts.nodeId, conns: conns.size, raw: rawSockets.size },
            'p2p close: forcing what is still open',
          )
          for (const c of [...conns]) {
            c.socket.destroy()
            onSocketClosed(c)
          }
          for (const raw of rawSockets) raw.destroy()
        }
        log.info({ node: opts.nodeId }, 'p2p closed')
      })()
      return closing
    },
  }
  return api
}
