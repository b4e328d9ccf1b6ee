/**
 * The transport's options checked and completed with their defaults: every bound has a default
 * and a range, so a typo fails at construction with INVALID_ARGUMENT rather than at the first peer.
 */
import { type CryptoSuite, GovchainError, type KeySigner, memorySigner } from '@govchain/core'
import { P2P_PROTOCOL_VERSION } from './hello.ts'
import { type PeerIdentity, parsePeerIdentity, type RevocationIndex, revocationIndex } from './pki.ts'
import type { P2POptions, PeerAddress } from './types.ts'

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

/** Hard bound on frames: the u32 prefix allows 4 GiB; no govchain message comes near 256 MiB. */
const MAX_FRAME_BYTES_LIMIT = 256 * 1024 * 1024

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** The numeric options, each checked and defaulted. */
export interface P2PConfig {
  version: number
  maxFrameBytes: number
  sendQueueBytesMax: number
  handshakeTimeoutMs: number
  pingIntervalMs: number
  idleTimeoutMs: number
  reconnectBaseMs: number
  reconnectCapMs: number
  maxInboundConnections: number
  maxPendingInbound: number
  maxConnectionsPerAddress: number
  closeGraceMs: number
}

/** What createP2P needs from its options before it opens anything. */
export interface ResolvedOptions {
  /** The identity of our own certificate. */
  own: PeerIdentity
  revoked: RevocationIndex
  signingKey: KeySigner
  cfg: P2PConfig
  priorityChannels: Set<number>
  acceptedChannels: Set<number>
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

export function checkPeerAddress(p: PeerAddress): void {
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

function resolveConfig(opts: P2POptions): P2PConfig {
  return {
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
}

/** Checks the options in a fixed order (the first problem is the one reported). */
export function resolveOptions(opts: P2POptions, suite: CryptoSuite): ResolvedOptions {
  if (typeof opts.chainId !== 'string' || opts.chainId.length === 0) {
    throw new GovchainError('INVALID_ARGUMENT', 'chainId is required')
  }
  if (typeof opts.nodeId !== 'string' || !ID_PATTERN.test(opts.nodeId)) {
    throw new GovchainError('INVALID_ARGUMENT', 'nodeId must be 1-64 characters of [A-Za-z0-9._-]')
  }
  const own = parsePeerIdentity(opts.tls.certPem)
  const revoked = revocationIndex(opts.revokedCertificates ?? [])
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
  const cfg = resolveConfig(opts)
  const priorityChannels = channelSet(opts.priorityChannels, 'priorityChannels')
  const acceptedChannels =
    opts.channels === undefined
      ? new Set(Array.from({ length: 255 }, (_, i) => i + 1))
      : channelSet(opts.channels, 'channels')
  return { own, revoked, signingKey, cfg, priorityChannels, acceptedChannels }
}
