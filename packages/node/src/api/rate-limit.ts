/**
 * Token buckets per client key (the client IP), in a bounded map: when the map is full the
 * least recently seen client is evicted (lru-cache, O(1) per request), so a
 * flood of spoofed or many distinct addresses costs bounded memory. An evicted client starts
 * again with a full bucket, which only ever errs towards admitting.
 *
 * Time comes in through `nowMs` so tests drive it; the server passes a monotonic clock.
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
