/**
 * Sync peer choice (issue 13, item 2): announced heights are hints, peers that do not deliver
 * lose priority with a decaying penalty and a backoff, the state is bounded. Pure: the tests pass
 * the clock.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SyncPeers } from '../src/sync-peers.ts'

const HUGE = 2 ** 40

describe('SyncPeers', () => {
  test('a peer claiming a huge height that never answers costs one timeout, then the honest peers are asked', () => {
    const s = new SyncPeers()
    let t = 0
    s.connected('a-liar', HUGE, t) // sorts first: the very first pick goes to it
    s.connected('b-honest', 150, t)
    s.connected('c-honest', 150, t)
    assert.deepEqual(s.pick(100, t), { peer: 'a-liar' })
    s.asked('a-liar', t)
    t += 5_000
    s.outcome('a-liar', 'timeout', t, 100)
    const asked: string[] = []
    let height = 100
    // 20 minutes of sync rounds: the honest peers deliver, the liar keeps announcing and stays silent.
    for (let round = 0; round < 1_200; round++, t += 1_000) {
      s.announced('a-liar', HUGE, t)
      const choice = s.pick(height, t)
      if (choice === undefined || !('peer' in choice)) continue
      s.asked(choice.peer, t)
      asked.push(choice.peer)
      if (choice.peer === 'a-liar') {
        s.outcome('a-liar', 'timeout', t + 5_000, height)
      } else {
        height = Math.min(height + 1, 150)
        s.outcome(choice.peer, 'delivered', t, height)
        if (height === 150) {
          // caught up with the honest ones; they move on by a block now and then
          s.announced('b-honest', 150 + round, t)
          s.announced('c-honest', 150 + round, t)
        }
      }
    }
    // Its penalty decays, so it is tried again now and then, each time after a longer while.
    const liar = asked.filter((p) => p === 'a-liar').length
    assert.ok(liar >= 1 && liar <= 3, `the liar was asked ${liar} times in 1,200 rounds`)
    assert.ok(asked.filter((p) => p === 'b-honest').length > 400)
    assert.ok(asked.filter((p) => p === 'c-honest').length > 400, 'the honest peers share the requests')
  })

  test('when only the liar announces more, it is asked after a doubling backoff, capped', () => {
    const s = new SyncPeers({ backoffBaseMs: 1_000, backoffCapMs: 8_000 })
    s.connected('liar', HUGE, 0)
    s.connected('honest', 100, 0)
    let t = 0
    const waits: number[] = []
    for (let i = 0; i < 7; i++) {
      const c = s.pick(100, t)
      assert.ok(c !== undefined)
      if ('retryAtMs' in c) {
        waits.push(c.retryAtMs - t)
        t = c.retryAtMs
        continue
      }
      assert.equal(c.peer, 'liar', 'the honest peer announces nothing new')
      s.asked('liar', t)
      s.outcome('liar', 'timeout', t, 100)
    }
    assert.deepEqual(waits.slice(0, 3), [1_000, 2_000, 4_000])
    assert.ok(waits.every((w) => w <= 8_000))
    assert.equal(s.pick(100, t - 1) !== undefined, true)
    // Nobody announces more than we have: nothing to ask, no timer needed.
    assert.equal(new SyncPeers().pick(100, 0), undefined)
  })

  test('an empty answer disproves the claim until the next announcement; a delivery clears the backoff', () => {
    const s = new SyncPeers()
    s.connected('p', 200, 0)
    s.outcome('p', 'delivered', 0, 120)
    s.outcome('p', 'empty', 10, 120)
    // Its hint is now what is known to exist: nothing to ask it for.
    assert.equal(s.pick(120, 60_000), undefined)
    s.announced('p', 300, 60_000)
    assert.deepEqual(s.pick(120, 60_000), { peer: 'p' })
    s.outcome('p', 'delivered', 60_000, 152)
    assert.deepEqual(s.pick(152, 60_000), { peer: 'p' }, 'no backoff after a delivery')
  })

  test('a pruned peer keeps its standing, is not asked below its base, and blocks sync only when every peer ahead is pruned', () => {
    const s = new SyncPeers()
    s.connected('a-pruned', 500, 0)
    s.connected('b-full', 500, 0)
    assert.deepEqual(s.pick(10, 0), { peer: 'a-pruned' })
    s.pruned('a-pruned', 200)
    assert.equal(s.penaltyOf('a-pruned', 0), 0, 'holding fewer blocks is no fault')
    assert.deepEqual(s.pick(10, 0), { peer: 'b-full' }, 'asked elsewhere at once, no backoff')
    assert.equal(s.prunedAbove(10), undefined, 'b-full may still deliver')
    assert.deepEqual(s.pick(199, 0), { peer: 'a-pruned' }, 'from its base on it is asked again')
    s.disconnected('b-full', 1)
    assert.equal(s.pick(10, 1), undefined)
    assert.equal(s.prunedAbove(10), 200, 'only a snapshot gets past 11 now')
    assert.equal(s.prunedAbove(199), undefined)
    // A new connection may be another store (restored, re-synced): its base is asked again.
    s.connected('a-pruned', 500, 2)
    assert.deepEqual(s.pick(10, 2), { peer: 'a-pruned' })
  })

  test('penalties decay: a peer that failed once is preferred again after a while', () => {
    const s = new SyncPeers({ penaltyHalfLifeMs: 10_000, backoffBaseMs: 100 })
    s.connected('a', 500, 0)
    s.connected('b', 500, 0)
    s.outcome('a', 'timeout', 0, 100)
    s.asked('b', 1_000)
    assert.deepEqual(s.pick(100, 1_000), { peer: 'b' }, 'fresh penalty: b first')
    assert.ok(s.penaltyOf('a', 1_000) > 0.9)
    // Seven half-lives later the penalty is noise, and a (asked longest ago) comes first again.
    assert.equal(s.penaltyOf('a', 70_000), 0)
    assert.deepEqual(s.pick(100, 70_000), { peer: 'a' })
  })

  test('an invalid answer weighs more than a timeout', () => {
    const s = new SyncPeers()
    s.connected('x', 500, 0)
    s.connected('y', 500, 0)
    s.outcome('x', 'invalid', 0, 100)
    s.outcome('y', 'timeout', 0, 100)
    assert.ok(s.penaltyOf('x', 0) > s.penaltyOf('y', 0))
    assert.deepEqual(s.pick(100, 120_000), { peer: 'y' })
  })

  test('catching up is measured against peers in good standing only', () => {
    const s = new SyncPeers()
    s.connected('liar', HUGE, 0)
    s.connected('honest', 40, 0)
    assert.equal(s.bestHeight(), HUGE, 'an untested claim counts')
    s.outcome('liar', 'timeout', 0, 30)
    assert.equal(s.bestHeight(), 40)
    s.disconnected('honest', 1)
    assert.equal(s.bestHeight(), 0)
  })

  test('bounded: a reconnect keeps the score; old disconnected peers make room; connected ones stay', () => {
    const s = new SyncPeers({ peersMax: 3 })
    s.connected('liar', HUGE, 0)
    s.outcome('liar', 'timeout', 0, 0)
    s.disconnected('liar', 1)
    s.connected('liar', HUGE, 2)
    assert.ok(s.penaltyOf('liar', 2) > 0, 'reconnecting does not wash the penalty')
    s.connected('a', 10, 3)
    s.connected('b', 10, 4)
    s.connected('c', 10, 5) // full of connected peers: not tracked
    assert.equal(s.size, 3)
    assert.equal(s.pick(0, 10)?.toString(), { peer: 'a' }.toString())
    s.disconnected('a', 6)
    s.connected('d', 10, 7) // a (disconnected) makes room
    assert.equal(s.size, 3)
    assert.equal(s.penaltyOf('a', 7), 0)
  })
})
