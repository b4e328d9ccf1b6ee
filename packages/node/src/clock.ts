/**
 * Time and randomness, as components the node is given (docs/adr/0018-reactors.md).
 *
 * Every decision the node takes — a proposal's block time, whether a block's time is too far
 * ahead, when a round times out, when the next height starts, which peer sync asks, a nonce —
 * reads the injected Clock and RandomSource, never the platform. This file holds the system
 * implementations, the only code of the reactors that touches Date.now, timers or node:crypto
 * randomness (packages/node/test/reactors.test.ts scans for it), and the deterministic ones
 * that tests drive: a manual clock advanced by hand and a seeded generator.
 */

import { randomBytes, randomInt } from 'node:crypto'
import { Prng } from '@govchain/consensus'
import { GovchainError } from '@govchain/core'

/** An opaque handle of a scheduled callback. */
export type TimerHandle = { readonly timerId: number }

export interface Clock {
  /** Wall-clock time (ms since the epoch): block times and the drift check. */
  nowMs(): number
  /**
   * A clock that never goes backwards (ms, arbitrary origin): durations, backoffs, penalties.
   * The system's is performance.now; a manual clock's moves with nowMs.
   */
  monotonicMs(): number
  /** Calls `fn` once, `ms` from now (0 = as soon as the clock runs timers). */
  setTimer(ms: number, fn: () => void): TimerHandle
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimer(handle: TimerHandle | undefined): void
}

export interface RandomSource {
  /** A uniform integer in [0, maxExclusive); maxExclusive a safe integer ≥ 1. */
  int(maxExclusive: number): number
  /** `n` uniform bytes. */
  bytes(n: number): Uint8Array
}

/** Draws are 53-bit: every safe integer range fits. */
const DRAW_RANGE = 2 ** 53
/** node:crypto randomInt's range ends here; larger ranges draw 53 bits and reject. */
const RANDOM_INT_RANGE_MAX = 2 ** 48 - 1

function checkRange(maxExclusive: number): void {
  if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1) {
    throw new GovchainError('INVALID_ARGUMENT', `random range must be a safe integer ≥ 1, got ${maxExclusive}`)
  }
}

/** Uniform in [0, maxExclusive) from a source of 53-bit values, by rejection (no modulo bias). */
function uniformFrom53(maxExclusive: number, draw53: () => number): number {
  const limit = Math.floor(DRAW_RANGE / maxExclusive) * maxExclusive
  for (;;) {
    const v = draw53()
    if (v < limit) return v % maxExclusive
  }
}

// ---------------------------------------------------------------------------------- system

const systemTimers = new Map<number, ReturnType<typeof setTimeout>>()
let systemTimerSeq = 0

/** The platform's clock: Date.now, performance.now and setTimeout. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(ms, fn) {
    const timerId = ++systemTimerSeq
    systemTimers.set(
      timerId,
      setTimeout(() => {
        systemTimers.delete(timerId)
        fn()
      }, ms),
    )
    return { timerId }
  },
  clearTimer(handle) {
    if (handle === undefined) return
    const t = systemTimers.get(handle.timerId)
    if (t === undefined) return
    clearTimeout(t)
    systemTimers.delete(handle.timerId)
  },
}

/** The operating system's CSPRNG (node:crypto). */
export const systemRandom: RandomSource = {
  int(maxExclusive) {
    checkRange(maxExclusive)
    if (maxExclusive <= RANDOM_INT_RANGE_MAX) return randomInt(maxExclusive)
    return uniformFrom53(maxExclusive, () => {
      const b = randomBytes(8)
      return (b.readUInt32BE(0) >>> 11) * 2 ** 32 + b.readUInt32BE(4)
    })
  },
  bytes: (n) => new Uint8Array(randomBytes(n)),
}

// ---------------------------------------------------------------------------------- manual

interface ManualTimer {
  dueMs: number
  seq: number
  fn: () => void
}

/** Callbacks one advance() runs at most: a timer that keeps rescheduling itself at 0 ms is a bug, not a hang. */
const MANUAL_TIMERS_PER_ADVANCE_MAX = 1_000_000

/**
 * A clock that moves only when a test advances it. Timers fire in order of due time, then of
 * scheduling; a timer scheduled by a firing one runs in the same advance if it falls due by the
 * target time. Several nodes may share one: then they live in one simulated time.
 */
export class ManualClock implements Clock {
  private now: number
  private readonly startMs: number
  private seq = 0
  private readonly timers = new Map<number, ManualTimer>()

  constructor(startMs = 0) {
    this.now = startMs
    this.startMs = startMs
  }

  nowMs(): number {
    return this.now
  }

  monotonicMs(): number {
    return this.now - this.startMs
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timerId = ++this.seq
    this.timers.set(timerId, { dueMs: this.now + Math.max(0, ms), seq: timerId, fn })
    return { timerId }
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.timers.delete(handle.timerId)
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.size
  }

  /** When the next timer falls due, if any. */
  nextDueMs(): number | undefined {
    return this.next()?.dueMs
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way, at its own time. */
  advance(ms: number): void {
    this.advanceTo(this.now + ms)
  }

  advanceTo(targetMs: number): void {
    let fired = 0
    for (let t = this.next(); t !== undefined && t.dueMs <= targetMs; t = this.next()) {
      if (++fired > MANUAL_TIMERS_PER_ADVANCE_MAX) {
        throw new GovchainError('INTERNAL', 'manual clock: timers keep falling due; a timer loop at 0 ms?')
      }
      this.timers.delete(t.seq)
      this.now = Math.max(this.now, t.dueMs)
      t.fn()
    }
    this.now = Math.max(this.now, targetMs)
  }

  private next(): ManualTimer | undefined {
    let best: ManualTimer | undefined
    for (const t of this.timers.values()) {
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t
    }
    return best
  }
}

/**
 * A seeded generator (the consensus simulator's sfc32): the same seed gives the same sequence,
 * so a test that fails replays from its seed.
 */
export class SeededRandom implements RandomSource {
  private readonly prng: Prng

  constructor(readonly seed: number) {
    this.prng = new Prng(seed)
  }

  int(maxExclusive: number): number {
    checkRange(maxExclusive)
    return uniformFrom53(maxExclusive, () => (this.prng.u32() >>> 11) * 2 ** 32 + this.prng.u32())
  }

  bytes(n: number): Uint8Array {
    return this.prng.bytes(n)
  }
}
