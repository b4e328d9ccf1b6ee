/**
 * The p2p transport's public types: its options and components, the P2P interface, what it
 * reports (peers, stats, counters) and why a connection closes (docs/adr/0005-p2p-transport.md).
 */
import type { CryptoSuite, ErrorCode, KeyPair, KeySigner } from '@govchain/core'
import type { EngineKey, OwnTls, RevokedCertificate } from './pki.ts'

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
  /** The per-peer send queue bound in bytes (sendQueueBytesMax): what one peer can be handed at once. */
  readonly sendQueueBytesMax: number
  /**
   * Resolves once every open connection's send queue is empty and its socket has written out
   * what it was given, or after timeoutMs (bounded); true when everything was written. A graceful
   * stop calls it before close(), so what it handed the peers is on the wire before the sockets end.
   */
  flush(timeoutMs: number): Promise<boolean>
  /** Stops listening and dialing, closes every connection; resolves when every socket and timer is gone. */
  close(): Promise<void>
}
