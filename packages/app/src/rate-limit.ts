/**
 * Per-client limits of the API.
 *
 * RateLimiter: token buckets per client key (the client IP), in a bounded map: when the map is
 * full the least recently seen client is evicted (lru-cache, O(1) per request), so a flood of
 * spoofed or many distinct addresses costs bounded memory. An evicted client starts again with a
 * full bucket, which only ever errs towards admitting. Time comes in through `nowMs` so tests
 * drive it; the server passes a monotonic clock.
 *
 * ClientSlots: things a client holds open (event streams, sign-in challenges), bounded per client
 * address (clientAddressKey) and in all, so one client cannot take every slot.
 */

import { LRUCache } from 'lru-cache'

export interface RateLimiterOptions {
  /** Sustained rate; tokens added per second. */
  ratePerSecond: number
  /** Bucket size: the burst a client may send at once. */
  burst: number
  /** Clients tracked at once. */
  clientsMax: number
  nowMs: () => number
}

interface Bucket {
  tokens: number
  updatedMs: number
}

export class RateLimiter {
  private readonly buckets: LRUCache<string, Bucket>
  private readonly opts: RateLimiterOptions

  constructor(opts: RateLimiterOptions) {
    this.opts = opts
    this.buckets = new LRUCache<string, Bucket>({ max: Math.max(1, opts.clientsMax) })
  }

  /**
   * Takes `count` tokens for `key` (all or none; a batch of transactions counts each one, but
   * never more than the burst, or a batch larger than the burst could never pass); false when
   * the client must wait.
   */
  take(key: string, count = 1): boolean {
    const need = Math.max(1, Math.min(Math.floor(count), this.opts.burst))
    const now = this.opts.nowMs()
    let b = this.buckets.get(key)
    if (b === undefined) {
      b = { tokens: this.opts.burst, updatedMs: now }
      this.buckets.set(key, b) // evicts the least recently seen client when full
    } else {
      const elapsedMs = Math.max(0, now - b.updatedMs)
      b.tokens = Math.min(this.opts.burst, b.tokens + (elapsedMs * this.opts.ratePerSecond) / 1000)
      b.updatedMs = now
    }
    if (b.tokens < need) return false
    b.tokens -= need
    return true
  }

  /** Seconds until `key` has `count` tokens again (for Retry-After; counted as in take). */
  retryAfterSeconds(key: string, count = 1): number {
    const need = Math.max(1, Math.min(Math.floor(count), this.opts.burst))
    const b = this.buckets.peek(key)
    if (b === undefined || b.tokens >= need) return 0
    return Math.ceil((need - b.tokens) / this.opts.ratePerSecond)
  }

  get size(): number {
    return this.buckets.size
  }
}

/**
 * The key a client's limits are counted under: its IPv4 address, or the /64 prefix of its IPv6
 * address (one host or site usually holds a whole /64, so per-address limits on full IPv6
 * addresses would cost an attacker nothing). IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as IPv4.
 */
export function clientAddressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
  if (mapped !== null) return mapped[1]!
  if (!ip.includes(':')) return ip
  const [head = '', tail] = ip.toLowerCase().split('::')
  const left = head === '' ? [] : head.split(':')
  // With `::`, the groups it stands for are zeros; the first four groups are the /64.
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length)).fill('0')]
  const prefix = groups.slice(0, 4).map((g) => (g === '' ? '0' : g.replace(/^0+(?=.)/, '')))
  while (prefix.length < 4) prefix.push('0')
  return `${prefix.join(':')}::/64`
}

export type SlotAnswer = 'ok' | 'client_limit' | 'total_limit'

/**
 * Slots of a held resource (an open stream, an outstanding challenge) counted per client key and
 * in all. Both are bounded, so one client cannot take every slot, and the map holds at most
 * `totalMax` clients (a client without slots is forgotten).
 */
export class ClientSlots {
  private readonly perClient = new Map<string, number>()
  private total = 0

  constructor(private readonly opts: { perClientMax: number; totalMax: number }) {}

  /** Takes a slot for `client`, or says which bound refuses it (nothing is taken then). */
  take(client: string): SlotAnswer {
    if (this.total >= this.opts.totalMax) return 'total_limit'
    const held = this.perClient.get(client) ?? 0
    if (held >= this.opts.perClientMax) return 'client_limit'
    this.perClient.set(client, held + 1)
    this.total++
    return 'ok'
  }

  /** The answer take() would give, without taking. */
  check(client: string): SlotAnswer {
    if (this.total >= this.opts.totalMax) return 'total_limit'
    return (this.perClient.get(client) ?? 0) >= this.opts.perClientMax ? 'client_limit' : 'ok'
  }

  release(client: string): void {
    const held = this.perClient.get(client)
    if (held === undefined) return
    if (held <= 1) this.perClient.delete(client)
    else this.perClient.set(client, held - 1)
    this.total--
  }

  /** Slots held in all. */
  get size(): number {
    return this.total
  }

  /** Clients holding at least one slot. */
  get clients(): number {
    return this.perClient.size
  }
}
