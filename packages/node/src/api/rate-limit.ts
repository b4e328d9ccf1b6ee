/**
 * Token buckets per client key (the client IP), in a bounded map: when the map is full the
 * least recently seen client is evicted (Map keeps insertion order; a hit re-inserts), so a
 * flood of spoofed or many distinct addresses costs bounded memory. An evicted client starts
 * again with a full bucket, which only ever errs towards admitting.
 *
 * Time comes in through `nowMs` so tests drive it; the server passes a monotonic clock.
 */
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
  private readonly buckets = new Map<string, Bucket>()
  private readonly opts: RateLimiterOptions

  constructor(opts: RateLimiterOptions) {
    this.opts = opts
  }

  /** Takes one token for `key`; false when the client must wait. */
  take(key: string): boolean {
    const now = this.opts.nowMs()
    let b = this.buckets.get(key)
    if (b === undefined) {
      b = { tokens: this.opts.burst, updatedMs: now }
      if (this.buckets.size >= this.opts.clientsMax) {
        const oldest = this.buckets.keys().next()
        if (oldest.done !== true) this.buckets.delete(oldest.value)
      }
    } else {
      this.buckets.delete(key)
      const elapsedMs = Math.max(0, now - b.updatedMs)
      b.tokens = Math.min(this.opts.burst, b.tokens + (elapsedMs * this.opts.ratePerSecond) / 1000)
      b.updatedMs = now
    }
    this.buckets.set(key, b)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  /** Seconds until `key` has a token again (for Retry-After). */
  retryAfterSeconds(key: string): number {
    const b = this.buckets.get(key)
    if (b === undefined || b.tokens >= 1) return 0
    return Math.ceil((1 - b.tokens) / this.opts.ratePerSecond)
  }

  get size(): number {
    return this.buckets.size
  }
}
