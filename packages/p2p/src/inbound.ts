/**
 * The listener's admission control: every accepted socket takes a slot of its source address
 * and of the pending pool before any TLS state exists, each pre-HELLO stage has a deadline, and
 * when a pool is full the oldest socket of the least progress makes room. An authenticated peer
 * leaves the pending pool: a reserved one is not counted again, others share
 * maxInboundConnections (see the module comment of transport.ts).
 */
import type { Socket } from 'node:net'
import type tls from 'node:tls'
import type { Hello } from './hello.ts'
import type { P2PConfig } from './options.ts'
import type { Stats } from './stats.ts'
import type { CloseReason, Logger, P2POptions } from './types.ts'

/** Refused and timed-out unauthenticated sockets are logged at warn at most this often (a flood would flood the log). */
const INBOUND_WARN_INTERVAL_MS = 10_000

/**
 * An accepted socket, from TCP accept until it closes: what the listener's limits count. Stages
 * in order of progress: 'tcp' (nothing received yet), 'tls' (handshake bytes arrived), 'hello'
 * (TLS done: a consortium certificate, HELLO not yet verified), 'open' (authenticated peer).
 */
export interface Inbound {
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

/** What admit needs of a connection whose HELLO was verified (connection.ts). */
interface Admitted {
  readonly inbound: Inbound | undefined
  readonly orgId: string | undefined
  close(reason: CloseReason, detail?: string): void
}

/** What the pool needs of the transport. */
export interface InboundContext {
  readonly opts: P2POptions
  readonly cfg: P2PConfig
  readonly stats: Stats
  readonly log: Logger
  readonly now: () => number
  isStopping(): boolean
  /** A configured peer (in `peers` or added with addPeer): its slot is reserved. */
  isConfigured(nodeId: string): boolean
  /** Hands an accepted socket that has spoken to the TLS server. */
  startTls(raw: Socket): void
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

export class InboundPool {
  /** Accepted sockets not yet closed (before TLS or in it they have no Connection). */
  private readonly rawSockets = new Set<Socket>()
  /** Every accepted socket not yet closed, by socketKey. */
  private readonly inbound = new Map<string, Inbound>()
  /** Inbound sockets in stages tcp, tls and hello: bounded by maxPendingInbound. */
  private readonly pendingInbound = new Set<Inbound>()
  /** Per address group, the inbound sockets maxConnectionsPerAddress counts (all but reserved open ones). */
  private readonly inboundByGroup = new Map<string, Set<Inbound>>()
  /** Open inbound connections of unreserved peers: bounded by maxInboundConnections. */
  private openUnreserved = 0
  private nextInboundSeq = 1
  /** Unauthenticated sockets refused or dropped since the last warn line, by reason. */
  private inboundDrops: Record<string, number> = {}
  private inboundWarnedMs = Number.NEGATIVE_INFINITY
  private readonly ctx: InboundContext
  private readonly cfg: P2PConfig
  private readonly stats: Stats
  private readonly log: Logger

  constructor(ctx: InboundContext) {
    this.ctx = ctx
    this.cfg = ctx.cfg
    this.stats = ctx.stats
    this.log = ctx.log
  }

  /** Inbound sockets not yet authenticated. */
  get pending(): number {
    return this.pendingInbound.size
  }

  /** Pending sockets still before TLS or in it: they have no Connection yet. */
  get beforeTls(): number {
    let beforeTls = 0
    for (const r of this.pendingInbound) if (r.stage === 'tcp' || r.stage === 'tls') beforeTls++
    return beforeTls
  }

  get rawCount(): number {
    return this.rawSockets.size
  }

  /** Destroys every accepted socket (on close: sockets still before TLS or in it have no Connection yet). */
  destroyAll(): void {
    for (const raw of this.rawSockets) raw.destroy()
  }

  /**
   * A TCP connection was accepted. It takes a slot of its address and of the pending pool, making
   * room if needed (see makeRoom), or is destroyed before any TLS state exists. It then has
   * handshakeTimeoutMs to complete TLS; TLS starts when its first bytes arrive.
   */
  accept(raw: Socket): void {
    const { cfg, rawSockets, pendingInbound } = this
    rawSockets.add(raw)
    // Errors before TLS (a reset) only end the socket; the TLS socket reports its own.
    raw.on('error', () => {})
    const key = socketKey(raw)
    if (this.ctx.isStopping() || key === undefined) {
      raw.once('close', () => rawSockets.delete(raw))
      raw.destroy()
      return
    }
    const group = addressGroup(raw.remoteAddress)
    const sameGroup = this.inboundByGroup.get(group)
    let refusal: CloseReason | undefined
    if (
      sameGroup !== undefined &&
      sameGroup.size >= cfg.maxConnectionsPerAddress &&
      !this.makeRoom(sameGroup, 'ADDRESS_LIMIT')
    ) {
      refusal = 'ADDRESS_LIMIT'
    } else if (pendingInbound.size >= cfg.maxPendingInbound && !this.makeRoom(pendingInbound, 'PENDING_FULL')) {
      refusal = 'PENDING_FULL'
    }
    if (refusal !== undefined) {
      raw.once('close', () => rawSockets.delete(raw))
      this.noteInboundDrop(refusal, group)
      raw.destroy()
      return
    }
    const rec: Inbound = {
      raw,
      group,
      key,
      seq: this.nextInboundSeq++,
      stage: 'tcp',
      reserved: false,
      timer: undefined,
      released: false,
    }
    this.inbound.set(key, rec)
    pendingInbound.add(rec)
    if (sameGroup === undefined) this.inboundByGroup.set(group, new Set([rec]))
    else sameGroup.add(rec)
    this.watch(rec)
  }

  /** The TCP and TLS deadline of an admitted socket, its release on close and its hand-over to TLS. */
  private watch(rec: Inbound): void {
    const raw = rec.raw
    rec.timer = setTimeout(() => {
      rec.timer = undefined
      if (rec.released || (rec.stage !== 'tcp' && rec.stage !== 'tls')) return
      this.stats.totals.handshakeFailures++
      this.stats.count('p2p_handshake_failures_total')
      this.drop(rec, 'HANDSHAKE_TIMEOUT')
    }, this.cfg.handshakeTimeoutMs)
    raw.once('close', () => {
      this.rawSockets.delete(raw)
      this.release(rec)
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
      this.ctx.startTls(raw)
    })
  }

  /**
   * Makes room among `pool` (an address group or the pending pool) by destroying its oldest
   * socket of the least progress: one that has sent nothing, else one in the middle of TLS. A
   * socket past TLS (a consortium certificate) or open is never pushed out; then there is no room.
   */
  private makeRoom(pool: ReadonlySet<Inbound>, reason: CloseReason): boolean {
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
    this.drop(victim, reason)
    return true
  }

  /** Destroys an unauthenticated inbound socket now (its slots are free at once). */
  private drop(rec: Inbound, reason: CloseReason): void {
    this.release(rec)
    this.noteInboundDrop(reason, rec.group)
    rec.raw.destroy()
  }

  /** TLS timed out on an inbound socket (the TLS server's handshakeTimeout): its slots are freed now. */
  tlsTimedOut(socket: tls.TLSSocket): void {
    const rec = this.inbound.get(socketKey(socket) ?? '')
    if (rec !== undefined) this.drop(rec, 'HANDSHAKE_TIMEOUT')
  }

  /** Frees the slots of an inbound socket (idempotent): on close, or when it is dropped. */
  private release(rec: Inbound): void {
    if (rec.released) return
    rec.released = true
    if (rec.timer) clearTimeout(rec.timer)
    rec.timer = undefined
    if (this.inbound.get(rec.key) === rec) this.inbound.delete(rec.key)
    this.pendingInbound.delete(rec)
    const group = this.inboundByGroup.get(rec.group)
    if (group?.delete(rec) && group.size === 0) this.inboundByGroup.delete(rec.group)
    if (rec.stage === 'open' && !rec.reserved) this.openUnreserved--
  }

  /** Counts a socket refused or dropped before authentication; warns at most every INBOUND_WARN_INTERVAL_MS. */
  private noteInboundDrop(reason: CloseReason, group: string): void {
    const { stats, log } = this
    stats.totals.closes[reason] = (stats.totals.closes[reason] ?? 0) + 1
    stats.count('p2p_connections_closed_total', 1, { reason })
    this.inboundDrops[reason] = (this.inboundDrops[reason] ?? 0) + 1
    log.debug({ address: group, reason }, 'p2p inbound socket refused or dropped')
    const t = this.ctx.now()
    if (t - this.inboundWarnedMs >= INBOUND_WARN_INTERVAL_MS) {
      log.warn(
        { address: group, reason, dropped: this.inboundDrops, pending: this.pendingInbound.size },
        'p2p inbound sockets refused or dropped before authenticating',
      )
      this.inboundWarnedMs = t
      this.inboundDrops = {}
    }
  }

  /**
   * TLS completed on an inbound socket: its record, now in stage 'hello' (from here the HELLO
   * deadline of its Connection applies), or undefined when the socket was destroyed instead.
   */
  secured(socket: tls.TLSSocket): Inbound | undefined {
    const key = socketKey(socket)
    const rec = key === undefined ? undefined : this.inbound.get(key)
    if (rec === undefined || rec.released || this.ctx.isStopping()) {
      socket.destroy()
      return undefined
    }
    rec.stage = 'hello'
    if (rec.timer) clearTimeout(rec.timer)
    rec.timer = undefined
    return rec
  }

  /**
   * The HELLO of an inbound peer verified and allowed: it leaves the pending pool. A reserved
   * peer (configured, or isReservedPeer) is not counted any more; another takes one of the
   * maxInboundConnections slots, or is refused when they are taken. False when refused.
   */
  admit(conn: Admitted, hello: Hello): boolean {
    const { opts, log } = this.ctx
    const rec = conn.inbound
    if (rec === undefined || rec.released) return true
    let reserved = this.ctx.isConfigured(hello.nodeId)
    if (!reserved && opts.isReservedPeer !== undefined) {
      try {
        reserved = opts.isReservedPeer({ nodeId: hello.nodeId, orgId: conn.orgId!, publicKey: hello.publicKey })
      } catch (e) {
        log.error({ peer: hello.nodeId, err: (e as Error).message }, 'isReservedPeer threw; not reserved')
      }
    }
    if (!reserved && this.openUnreserved >= this.cfg.maxInboundConnections) {
      conn.close('INBOUND_FULL', `${this.openUnreserved} unreserved peers connected`)
      return false
    }
    this.pendingInbound.delete(rec)
    rec.stage = 'open'
    rec.reserved = reserved
    if (reserved) {
      const group = this.inboundByGroup.get(rec.group)
      if (group?.delete(rec) && group.size === 0) this.inboundByGroup.delete(rec.group)
    } else {
      this.openUnreserved++
    }
    return true
  }
}
