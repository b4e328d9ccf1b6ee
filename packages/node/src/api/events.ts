/**
 * The /v1/events fan-out. One backend subscription for all WebSocket clients (taken while at
 * least one is connected); each event is rendered to JSON once and sent to the clients whose
 * filter matches.
 *
 * Back-pressure: a client that reads slower than blocks are produced would make the node
 * buffer without bound. Before each send the hub looks at the socket's `bufferedAmount`; past
 * `bufferedBytesMax` the client is dropped with close code 1013 ("try again later") and
 * reconnects when it can keep up. Events are never queued elsewhere.
 */

import { ClientSlots, type SlotAnswer } from '@govchain/app'
import type { WebSocket } from 'ws'
import type { Logger } from '../log.ts'
import type { NodeMetrics } from '../metrics.ts'
import type { ChainEvent, NodeApiBackend } from './backend.ts'
import { EVENT_TYPES } from './schemas.ts'
import { eventJson } from './views.ts'

type EventType = (typeof EVENT_TYPES)[number]

export interface EventFilter {
  types: ReadonlySet<EventType>
  /** Applies to module events only. */
  module?: string
}

/** WebSocket close codes the node uses (RFC 6455 §7.4). */
const WS_CLOSE = {
  goingAway: 1001,
  tryAgainLater: 1013,
} as const

export function parseEventFilter(query: { types?: string | undefined; module?: string | undefined }): EventFilter {
  const types = new Set<EventType>(
    query.types === undefined
      ? EVENT_TYPES
      : query.types.split(',').filter((t): t is EventType => (EVENT_TYPES as readonly string[]).includes(t)),
  )
  return query.module === undefined ? { types } : { types, module: query.module }
}

function eventMatches(filter: EventFilter, e: ChainEvent): boolean {
  if (!filter.types.has(e.type)) return false
  if (e.type === 'event' && filter.module !== undefined && e.module !== filter.module) return false
  return true
}

export interface EventHubOptions {
  backend: NodeApiBackend
  metrics: NodeMetrics
  logger: Logger
  connectionsMax: number
  /** Streams one client address (clientAddressKey) may hold: one client cannot take every slot. */
  connectionsPerClientMax: number
  bufferedBytesMax: number
  /** Ping period to detect vanished clients; 0 disables. */
  pingIntervalMs: number
}

interface Client {
  socket: WebSocket
  filter: EventFilter
  alive: boolean
  /** clientAddressKey of its source address: whose slot it holds. */
  address: string
}

export class EventHub {
  private readonly clients = new Set<Client>()
  private unsubscribe: (() => void) | undefined
  private pingTimer: ReturnType<typeof setInterval> | undefined
  private closed = false
  private readonly opts: EventHubOptions
  private readonly slots: ClientSlots

  constructor(opts: EventHubOptions) {
    this.opts = opts
    this.slots = new ClientSlots({ perClientMax: opts.connectionsPerClientMax, totalMax: opts.connectionsMax })
  }

  get size(): number {
    return this.clients.size
  }

  /** Whether a stream from `address` (clientAddressKey) would be taken now, or which limit refuses it. */
  admits(address: string): SlotAnswer {
    return this.closed ? 'total_limit' : this.slots.check(address)
  }

  add(socket: WebSocket, filter: EventFilter, address: string): void {
    const slot = this.closed ? 'total_limit' : this.slots.take(address)
    if (slot !== 'ok') {
      // Raced past the pre-upgrade check: several upgrades were in flight at once.
      this.opts.metrics.wsDropped.inc({ reason: slot === 'client_limit' ? 'client_max' : 'connections_max' })
      socket.close(WS_CLOSE.tryAgainLater, 'too many connections')
      return
    }
    const client: Client = { socket, filter, alive: true, address }
    this.clients.add(client)
    this.opts.metrics.wsConnections.set(this.clients.size)
    socket.on('close', () => this.remove(client))
    socket.on('pong', () => {
      client.alive = true
    })
    // Clients have nothing to say; messages are ignored (their size is capped by ws maxPayload).
    socket.on('message', () => {})
    if (this.unsubscribe === undefined) this.unsubscribe = this.opts.backend.subscribe((e) => this.publish(e))
    if (this.pingTimer === undefined && this.opts.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), this.opts.pingIntervalMs)
      this.pingTimer.unref()
    }
  }

  /** Closes every stream (1001, going away) and stops taking new ones. */
  closeAll(): void {
    this.closed = true
    for (const c of [...this.clients]) {
      c.socket.close(WS_CLOSE.goingAway, 'node shutting down')
      this.remove(c)
    }
    this.stop()
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return
    this.slots.release(client.address)
    this.opts.metrics.wsConnections.set(this.clients.size)
    if (this.clients.size === 0) this.stop()
  }

  private stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer)
    this.pingTimer = undefined
  }

  private publish(e: ChainEvent): void {
    // Never throw into the backend's emit loop: a bad event or socket must not disturb the node.
    let text: string | undefined
    try {
      for (const c of [...this.clients]) {
        if (!eventMatches(c.filter, e)) continue
        if (c.socket.readyState !== c.socket.OPEN) continue
        if (c.socket.bufferedAmount > this.opts.bufferedBytesMax) {
          this.drop(c, 'slow_consumer', 'slow consumer')
          continue
        }
        text ??= JSON.stringify(eventJson(e))
        c.socket.send(text)
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'event fan-out failed')
    }
  }

  private ping(): void {
    for (const c of [...this.clients]) {
      if (!c.alive) {
        this.opts.metrics.wsDropped.inc({ reason: 'no_pong' })
        c.socket.terminate()
        this.remove(c)
        continue
      }
      c.alive = false
      c.socket.ping()
    }
  }

  private drop(c: Client, reason: string, message: string): void {
    this.opts.metrics.wsDropped.inc({ reason })
    this.opts.logger.warn({ reason, bufferedBytes: c.socket.bufferedAmount }, 'dropping event stream client')
    c.socket.close(WS_CLOSE.tryAgainLater, message)
    this.remove(c)
  }
}
