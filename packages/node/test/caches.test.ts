/**
 * The bounded maps on the node's hot paths (lru-cache underneath, ADR 0012): they keep their
 * bound, evict the least recently used entry, and never lose a recently used one.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RateLimiter } from '@govchain/app'

describe('RateLimiter: bounded client map', () => {
  it('tracks at most clientsMax clients, evicting the least recently seen; an evicted client starts full', () => {
    let now = 0
    const rl = new RateLimiter({ ratePerSecond: 1, burst: 2, clientsMax: 3, nowMs: () => now })
    assert.equal(rl.take('a', 2), true) // a: empty bucket
    assert.equal(rl.take('a'), false)
    assert.equal(rl.take('b'), true)
    assert.equal(rl.take('c'), true)
    assert.equal(rl.take('a'), false) // a seen again: now the most recent, b the least
    assert.equal(rl.take('d'), true) // evicts b
    assert.equal(rl.size, 3)
    assert.equal(rl.retryAfterSeconds('a'), 1, 'a kept its empty bucket')
    assert.equal(rl.retryAfterSeconds('b'), 0, 'b is gone')
    now += 1000
    assert.equal(rl.take('a'), true, 'a refilled one token per second')
    assert.equal(rl.take('a'), false)
  })

  it('stays within clientsMax under a flood of distinct addresses', () => {
    const rl = new RateLimiter({ ratePerSecond: 10, burst: 10, clientsMax: 1000, nowMs: () => 0 })
    for (let i = 0; i < 50_000; i++) rl.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)
    assert.equal(rl.size, 1000)
  })
})
