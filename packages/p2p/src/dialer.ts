/**
 * The configured peers (at most PEERS_MAX) and their dials: each is dialed while it is not
 * connected, again after a close with a jittered exponential backoff, reset once it is open.
 */
import tls from 'node:tls'
import { GovchainError } from '@govchain/core'
import { backoffDelayMs } from './backoff.ts'
import type { Connection } from './connection.ts'
import { checkPeerAddress, type P2PConfig } from './options.ts'
import type { Stats } from './stats.ts'
import type { Logger, P2POptions, PeerAddress } from './types.ts'

const PEERS_MAX = 1024

interface DialState {
  addr: PeerAddress
  attempt: number
  timer: NodeJS.Timeout | undefined
  inFlight: boolean
}

/** What the dialer needs of the transport. */
export interface DialerContext {
  readonly opts: P2POptions
  readonly cfg: P2PConfig
  readonly stats: Stats
  readonly log: Logger
  readonly random: () => number
  /** started() was called and close() was not. */
  isRunning(): boolean
  isStopping(): boolean
  isConnected(nodeId: string): boolean
  clientContext(): tls.SecureContext
  /** A dial's socket, as a Connection the transport tracks. */
  outbound(socket: tls.TLSSocket, nodeId: string): Connection
}

export class Dialer {
  private readonly dialStates = new Map<string, DialState>()
  private readonly ctx: DialerContext

  constructor(ctx: DialerContext) {
    this.ctx = ctx
  }

  get size(): number {
    return this.dialStates.size
  }

  nodeIds(): IterableIterator<string> {
    return this.dialStates.keys()
  }

  has(nodeId: string): boolean {
    return this.dialStates.has(nodeId)
  }

  add(p: PeerAddress): void {
    checkPeerAddress(p)
    if (p.nodeId === this.ctx.opts.nodeId) return
    const existing = this.dialStates.get(p.nodeId)
    if (existing !== undefined) {
      existing.addr = { nodeId: p.nodeId, host: p.host, port: p.port }
      return
    }
    if (this.dialStates.size >= PEERS_MAX) throw new GovchainError('INVALID_ARGUMENT', `at most ${PEERS_MAX} peers`)
    this.dialStates.set(p.nodeId, {
      addr: { nodeId: p.nodeId, host: p.host, port: p.port },
      attempt: 0,
      timer: undefined,
      inFlight: false,
    })
  }

  remove(nodeId: string): void {
    const ds = this.dialStates.get(nodeId)
    if (ds?.timer) clearTimeout(ds.timer)
    this.dialStates.delete(nodeId)
  }

  /** Cancels every scheduled dial (close). */
  stop(): void {
    for (const ds of this.dialStates.values()) {
      if (ds.timer) clearTimeout(ds.timer)
      ds.timer = undefined
    }
  }

  /** A connection to `nodeId` opened: its next redial starts from the first backoff step. */
  connected(nodeId: string): void {
    const ds = this.dialStates.get(nodeId)
    if (ds !== undefined) {
      ds.attempt = 0
      if (ds.timer) clearTimeout(ds.timer)
      ds.timer = undefined
    }
  }

  /** A connection's socket closed: a failed dial is counted, and the peer is dialed again. */
  closed(conn: Connection, wasOpen: boolean): void {
    if (conn.direction === 'outbound' && conn.expectedNodeId !== undefined) {
      const ds = this.dialStates.get(conn.expectedNodeId)
      if (ds !== undefined) ds.inFlight = false
      if (!wasOpen) {
        this.ctx.stats.totals.dialFailures++
        this.ctx.stats.count('p2p_dial_failures_total')
      }
      this.schedule(conn.expectedNodeId)
    } else if (conn.nodeId !== undefined) {
      this.schedule(conn.nodeId)
    }
  }

  /**
   * Schedules the next dial of a configured peer unless it is connected or being dialed. The
   * first dial of a peer with a lower nodeId waits one backoff step: that peer dials us too, and
   * its connection is the one both sides keep, so ours would be a wasted duplicate.
   */
  schedule(nodeId: string, first = false): void {
    const { cfg, opts } = this.ctx
    const ds = this.dialStates.get(nodeId)
    if (ds === undefined || !this.ctx.isRunning()) return
    if (this.ctx.isConnected(nodeId) || ds.inFlight || ds.timer !== undefined) return
    const delay =
      first && nodeId > opts.nodeId
        ? 0
        : backoffDelayMs(ds.attempt, cfg.reconnectBaseMs, cfg.reconnectCapMs, this.ctx.random())
    ds.attempt++
    this.ctx.log.debug({ peer: nodeId, delayMs: delay, attempt: ds.attempt }, 'p2p dial scheduled')
    ds.timer = setTimeout(() => {
      ds.timer = undefined
      this.dial(ds)
    }, delay)
  }

  private dial(ds: DialState): void {
    const ctx = this.ctx
    if (ctx.isStopping() || ctx.isConnected(ds.addr.nodeId) || this.dialStates.get(ds.addr.nodeId) !== ds) return
    ds.inFlight = true
    ctx.stats.totals.dials++
    ctx.stats.count('p2p_dials_total')
    const { host, port, nodeId } = ds.addr
    const socket = tls.connect({
      host,
      port,
      secureContext: ctx.clientContext(),
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      rejectUnauthorized: true,
      // Peers are authenticated by node id (certificate CN, checked in Connection.onSecure), not host name:
      // nodes move between addresses, their identity does not.
      checkServerIdentity: () => undefined,
    })
    const conn = ctx.outbound(socket, nodeId)
    socket.once('secureConnect', () => conn.onSecure())
  }
}
