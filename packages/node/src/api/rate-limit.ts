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
    if (b.tokens < need) return false
    b.tokens -= need
    return true
  }

  /** Seconds until `key` has `count` tokens again (for Retry-After; counted as in take). */
  retryAfterSeconds(key: string, count = 1): number {
    const need = Math.max(1, Math.min(Math.floor(count), this.opts.burst))
    const b = this.buckets.get(key)
    if (b === undefined || b.tokens >= need) return 0
    return Math.ceil((need - b.tokens) / this.opts.ratePerSecond)
  }

  get size(): number {
    return this.buckets.size
  }
}
