/**
 * The node's event stream (/v1/events over WebSocket) as the client follows it: one connection
 * at a time, moved to the next node when it drops, hangs before opening or (optionally) goes
 * quiet, with doubling delays between attempts. Each message is checked for size and shape
 * before the subscriber sees it; everything that goes wrong reaches `onError` as an SdkError.
 */
import { type ChainEvent, EVENT_BYTES_MAX, parseEvent } from './answers.ts'
import { isSdkError, SdkError } from './errors.ts'
import type { HttpTransport } from './transport.ts'

/** The stream's part of CLIENT_DEFAULTS. */
export const EVENT_STREAM_DEFAULTS = {
  reconnectAttemptsMax: 10,
  reconnectDelayMs: 500,
  reconnectDelayMaxMs: 30_000,
  eventBytesMax: EVENT_BYTES_MAX,
} as const

/** The subset of the WHATWG WebSocket the client uses; `ws` and browsers both provide it. */
export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null
  close(code?: number, reason?: string): void
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

export type EventType = 'block' | 'tx' | 'event'
export interface EventFilter {
  types?: EventType[]
  /** Module events of this module only. */
  module?: string
}
export interface SubscribeOptions {
  onError?: (error: SdkError) => void
  onOpen?: () => void
  /** Reconnects after a dropped connection, with doubling delays; 0 = never. */
  reconnectAttemptsMax?: number
  reconnectDelayMs?: number
  /**
   * A connection not open within this time is given up for the next node (a node that hangs
   * accepts the TCP connection and never answers). Default: the client's timeoutMs.
   */
  openTimeoutMs?: number
  /**
   * With no event for this long, the stream is taken for dead and moves to the next node. Off by
   * default; a block stream can set it, since blocks come at least every emptyBlockIntervalMs.
   */
  idleTimeoutMs?: number
}

/** What a stream needs of its client: the nodes (from the transport), a WebSocket, a default open timeout. */
export interface EventStreamContext {
  transport: Pick<HttpTransport, 'url' | 'urls'>
  WebSocket: WebSocketConstructor
  openTimeoutMs: number
}

/** One subscription: `stop()` ends it for good (the client's `subscribe` returns it bound). */
export class EventStream {
  private readonly qs: string
  /** Each reconnection after a drop goes to the next node (with one node, the same one). */
  private nodeIndex: number
  private readonly attemptsMax: number
  private readonly delay0: number
  private readonly openTimeoutMs: number
  private stopped = false
  private attempts = 0
  private socket: WebSocketLike | undefined
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private watchdog: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly ctx: EventStreamContext,
    filter: EventFilter,
    private readonly onEvent: (event: ChainEvent) => void,
    private readonly opts: SubscribeOptions = {},
  ) {
    const q = new URLSearchParams()
    if (filter.types !== undefined && filter.types.length > 0) q.set('types', filter.types.join(','))
    if (filter.module !== undefined) q.set('module', filter.module)
    this.qs = q.toString() === '' ? '' : `?${q}`
    this.nodeIndex = ctx.transport.urls.indexOf(ctx.transport.url)
    this.attemptsMax = opts.reconnectAttemptsMax ?? EVENT_STREAM_DEFAULTS.reconnectAttemptsMax
    this.delay0 = opts.reconnectDelayMs ?? EVENT_STREAM_DEFAULTS.reconnectDelayMs
    this.openTimeoutMs = opts.openTimeoutMs ?? ctx.openTimeoutMs
    this.connect()
  }

  stop(): void {
    this.stopped = true
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    if (this.watchdog !== undefined) clearTimeout(this.watchdog)
    this.socket?.close(1000, 'unsubscribed')
    this.socket = undefined
  }

  private report(e: SdkError): void {
    this.opts.onError?.(e)
  }

  private wsUrlNow(): string {
    const { urls } = this.ctx.transport
    return `${(urls[this.nodeIndex % urls.length] as string).replace(/^http/, 'ws')}/v1/events${this.qs}`
  }

  private arm(ws: WebSocketLike, wsUrl: string, ms: number | undefined, why: string): void {
    if (this.watchdog !== undefined) clearTimeout(this.watchdog)
    this.watchdog = ms === undefined ? undefined : setTimeout(() => this.abandon(ws, wsUrl, why), ms)
  }

  /** A hung node: give this connection up (its close, whenever it comes, is ignored) and move on. */
  private abandon(ws: WebSocketLike, wsUrl: string, why: string): void {
    if (this.socket !== ws || this.stopped) return
    this.socket = undefined
    this.report(new SdkError('SDK_TIMEOUT', `event stream ${wsUrl}: ${why}`))
    try {
      ws.close(4000, why)
    } catch {}
    this.scheduleReconnect()
  }

  private connect(): void {
    let ws: WebSocketLike
    const wsUrl = this.wsUrlNow()
    try {
      ws = new this.ctx.WebSocket(wsUrl)
    } catch (e) {
      this.report(new SdkError('SDK_NETWORK_ERROR', `cannot open ${wsUrl}: ${(e as Error)?.message ?? String(e)}`))
      this.scheduleReconnect()
      return
    }
    this.socket = ws
    const { idleTimeoutMs } = this.opts
    this.arm(ws, wsUrl, this.openTimeoutMs, `not open within ${this.openTimeoutMs} ms`)
    ws.onopen = () => {
      if (this.socket !== ws) return
      this.attempts = 0
      this.arm(ws, wsUrl, idleTimeoutMs, `no event for ${idleTimeoutMs} ms`)
      this.opts.onOpen?.()
    }
    ws.onmessage = (ev) => {
      if (this.stopped || this.socket !== ws) return
      if (idleTimeoutMs !== undefined) this.arm(ws, wsUrl, idleTimeoutMs, `no event for ${idleTimeoutMs} ms`)
      const event = this.parse(ev.data)
      if (event !== undefined) this.onEvent(event)
    }
    ws.onerror = () => {
      // The close event follows; reconnection is decided there.
    }
    ws.onclose = (ev) => {
      if (this.socket !== ws) return // given up already (abandon) or replaced
      this.socket = undefined
      if (this.watchdog !== undefined) clearTimeout(this.watchdog)
      if (this.stopped) return
      this.report(new SdkError('SDK_NETWORK_ERROR', `event stream closed (${ev?.code ?? 'no code'})`))
      this.scheduleReconnect()
    }
  }

  /** A message as an event, or undefined (reported) when it is not one. */
  private parse(data: unknown): ChainEvent | undefined {
    try {
      return parseEvent(data)
    } catch (e) {
      this.report(isSdkError(e) ? e : new SdkError('SDK_BAD_RESPONSE', `unexpected event: ${String(e)}`))
      return undefined
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return
    this.nodeIndex++
    if (this.attempts >= this.attemptsMax) {
      this.report(
        new SdkError('SDK_NETWORK_ERROR', `event stream: gave up after ${this.attempts} reconnection attempts`),
      )
      return
    }
    const delayMs = Math.min(this.delay0 * 2 ** this.attempts, EVENT_STREAM_DEFAULTS.reconnectDelayMaxMs)
    this.attempts++
    this.retryTimer = setTimeout(() => this.connect(), delayMs)
  }
}
