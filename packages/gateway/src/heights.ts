/**
 * Node reads cached per committed height (issue 19). The gateway follows its node's block stream
 * (`/v1/events?types=block`, WebSocket) and keeps what it read from the node's committed state —
 * grants, gateway records, officer lists, case records, transaction results — only until the
 * next block: every block event empties the cache. Nothing is kept by wall clock.
 *
 * Why that is exact: the node commits a block's state in one store transaction and then, in the
 * same turn of its event loop, writes the block event to every stream; any answer that shows the
 * new state leaves the node after the event. A request whose sender saw a change committed
 * therefore reaches the gateway after the event that empties the cache, and is checked against a
 * fresh read.
 *
 * Rules:
 *   - the cache serves only while the stream is live: open, with a block received on this very
 *     connection and another within `silentMs` (blocks come at least every emptyBlockIntervalMs;
 *     a silent stream may be stuck). Otherwise every lookup reads from the node (bypass);
 *   - a connection that drops or reopens empties the cache (blocks may have been missed);
 *   - a read started at one height is kept only while no block arrives before it completes
 *     (the entry is dropped with the rest at the block); concurrent lookups of one key at one
 *     height share one read.
 */
import { type ChainEvent, createClient, type SdkError, type WebSocketConstructor } from '@govchain/client'
import WebSocket from 'ws'

/** Entries kept per height at most (beyond, lookups read without keeping). */
const HEIGHT_CACHE_ENTRIES_MAX = 10_000
/** With no block for this long the stream is taken as lagging (GatewayConfig.nodeStreamSilentMs). */
const NODE_STREAM_SILENT_MS = 3_000

export interface HeightCacheOptions {
  /** The node's API base URL (reads and the stream must come from the same node). */
  url: string
  silentMs?: number
  /** Told when the stream goes down or comes back (the gateway logs it). */
  onState?: (live: boolean, why: string) => void
}

export class HeightCache {
  private readonly silentMs: number
  private open = false
  private lastBlockAtMs = Number.NEGATIVE_INFINITY
  private block: { height: number; timeMs: number } | undefined
  private entries = new Map<string, Promise<unknown>>()
  private unsubscribe: (() => void) | undefined
  /** Lookups answered from the cache, read from the node with the cache live, and bypassed (tests, benchmarks). */
  readonly stats = { hits: 0, reads: 0, bypassed: 0, blocks: 0 }

  constructor(private readonly o: HeightCacheOptions) {
    this.silentMs = o.silentMs ?? NODE_STREAM_SILENT_MS
  }

  /** Starts following the node's blocks (reconnecting for ever, with growing delays). */
  start(): void {
    if (this.unsubscribe !== undefined) return
    const client = createClient({ url: this.o.url, WebSocket: WebSocket as unknown as WebSocketConstructor })
    this.unsubscribe = client.subscribe({ types: ['block'] }, (e) => this.onEvent(e), {
      reconnectAttemptsMax: Number.MAX_SAFE_INTEGER,
      idleTimeoutMs: this.silentMs,
      // A new connection: nothing is known until its first block.
      onOpen: () => this.down('stream reopened'),
      onError: (e: SdkError) => this.down(e.message),
    })
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.down('stopped')
  }

  /** Whether cached reads are exact now (see the rules above). */
  get live(): boolean {
    return this.open && Date.now() - this.lastBlockAtMs <= this.silentMs
  }

  /** The latest committed block the stream announced, while it is live. */
  latest(): { height: number; timeMs: number } | undefined {
    return this.live ? this.block : undefined
  }

  /** `read()`'s answer, kept until the next block while the stream is live; read every time otherwise. */
  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!this.live) {
      this.stats.bypassed++
      return read()
    }
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      this.stats.hits++
      return hit as Promise<T>
    }
    this.stats.reads++
    const p = read()
    if (this.entries.size >= HEIGHT_CACHE_ENTRIES_MAX) return p
    const entries = this.entries
    entries.set(key, p)
    // A failed read is not kept (the next lookup tries again).
    p.catch(() => {
      if (entries.get(key) === p) entries.delete(key)
    })
    return p
  }

  private onEvent(e: ChainEvent): void {
    if (e.type !== 'block') return
    this.invalidate()
    this.stats.blocks++
    this.block = { height: e.height, timeMs: e.timeMs }
    this.lastBlockAtMs = Date.now()
    if (!this.open) {
      this.open = true
      this.o.onState?.(true, `block ${e.height}`)
    }
  }

  private down(why: string): void {
    this.invalidate()
    if (this.open) this.o.onState?.(false, why)
    this.open = false
    this.block = undefined
  }

  /** A new map: reads still in flight settle into the old one, which nobody looks at any more. */
  private invalidate(): void {
    this.entries = new Map()
  }
}
