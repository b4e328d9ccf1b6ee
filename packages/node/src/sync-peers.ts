/**
 * Which peer a lagging node asks for blocks. A peer's announced height (in its HELLO and status
 * messages) is a hint of where blocks may be, never a fact: a dishonest validator can claim any
 * height and then not answer. So every peer has a score: a peer that does not deliver (the
 * request times out, the answer is empty, invalid or does not advance) collects a penalty that
 * decays over time and is not asked again before an exponential backoff has passed. The next
 * request goes to the peer with the lowest penalty among those announcing more than we have;
 * between equals, to the one asked longest ago, then by a rank each peer draws from the injected
 * random source when first seen (so lagging nodes do not all start with the same peer), then by
 * node id. One lying peer thus costs one timeout, then is asked rarely, while the honest peers
 * get the requests.
 *
 * Pure bookkeeping: the caller passes the time (a monotonic clock in ms) and the random source,
 * so the choice is a function of the outcomes seen and the seed, and tests drive it without
 * timers. At most `peersMax` peers are
 * tracked; a disconnected peer's record is kept (a reconnect does not wash a bad score) until the
 * room is needed.
 */

import type { RandomSource } from './clock.ts'

export type SyncOutcome =
  /** The response advanced our chain by at least one verified block. */
  | 'delivered'
  /** No response within the request timeout, or the peer left while we waited. */
  | 'timeout'
  /** The peer announced more than we have, then answered with no block. */
  | 'empty'
  /** A block or certificate in the response failed verification. */
  | 'invalid'
  /** The response started at another height than asked, while our chain had not moved. */
  | 'stale'

export interface SyncPeersOptions {
  /** Wait after the first failure in a row; doubles with each further one. Default 1 s. */
  backoffBaseMs: number
  /** Longest wait before a failing peer is asked again. Default 60 s. */
  backoffCapMs: number
  /** A peer's penalty halves over this long. Default 60 s. */
  penaltyHalfLifeMs: number
  /** Peers tracked at most. Default 256. */
  peersMax: number
}

const SYNC_PEERS_DEFAULTS: SyncPeersOptions = {
  backoffBaseMs: 1_000,
  backoffCapMs: 60_000,
  penaltyHalfLifeMs: 60_000,
  peersMax: 256,
}

/**
 * Penalty per failure: a verifiably wrong answer weighs more than a missing one, and each further
 * failure in a row doubles it, so a peer that keeps failing takes longer and longer to be
 * preferred again (each failure adds one half-life before its penalty is back to noise).
 */
const PENALTY: Record<Exclude<SyncOutcome, 'delivered'>, number> = { timeout: 1, empty: 1, stale: 1, invalid: 4 }
/** 2^20 · base is past any sane cap: keeps the exponents finite. */
const FAILURES_EXPONENT_MAX = 20
/** Ranks are drawn from [0, 2^32): ties between ranks are rare and fall back to the node id. */
const RANK_RANGE = 2 ** 32

interface PeerRecord {
  connected: boolean
  /** The height the peer last announced: only a hint. */
  claimed: number
  /** The highest height the peer delivered a verified block for. */
  proven: number
  penalty: number
  penaltyAtMs: number
  /** Failures since its last delivery. */
  failures: number
  /** Not asked before this. */
  retryAtMs: number
  lastAskedMs: number
  lastSeenMs: number
  /** Tie-break among equals, drawn when the record is made (0 without a random source). */
  rank: number
  /**
   * The lowest height the peer said it still holds (a SyncPruned answer), 1 until it says so:
   * it is not asked for heights below this. Not a fault, so no penalty; a new connection clears it.
   */
  base: number
}

export type SyncChoice = { peer: string } | { retryAtMs: number }

export class SyncPeers {
  private readonly opts: SyncPeersOptions
  private readonly peers = new Map<string, PeerRecord>()

  constructor(
    opts: Partial<SyncPeersOptions> = {},
    private readonly random?: RandomSource,
  ) {
    this.opts = { ...SYNC_PEERS_DEFAULTS, ...opts }
  }

  /** A peer connected, announcing `height` in its HELLO. */
  connected(peer: string, height: number, nowMs: number): void {
    const r = this.record(peer, nowMs)
    if (r === undefined) return
    r.connected = true
    r.claimed = height
    r.base = 1
  }

  disconnected(peer: string, nowMs: number): void {
    const r = this.peers.get(peer)
    if (r === undefined) return
    r.connected = false
    r.lastSeenMs = nowMs
  }

  /** A status message: the peer says it has committed `height`. */
  announced(peer: string, height: number, nowMs: number): void {
    const r = this.peers.get(peer) ?? this.record(peer, nowMs)
    if (r === undefined) return
    r.connected = true // only a connected peer's messages are delivered
    r.claimed = height
    r.lastSeenMs = nowMs
  }

  /**
   * The peer to ask for the blocks after `height`: a connected one announcing more, not waiting
   * out a backoff, of the lowest penalty. When every such peer is backing off, the time the
   * first one may be asked again; undefined when no peer announces more than `height`.
   */
  pick(height: number, nowMs: number): SyncChoice | undefined {
    let best: { peer: string; r: PeerRecord; penalty: number } | undefined
    let retryAtMs = Number.POSITIVE_INFINITY
    for (const [peer, r] of this.peers) {
      if (!r.connected || r.claimed <= height || r.base > height + 1) continue
      if (r.retryAtMs > nowMs) {
        retryAtMs = Math.min(retryAtMs, r.retryAtMs)
        continue
      }
      const penalty = this.penaltyAt(r, nowMs)
      if (
        best === undefined ||
        penalty < best.penalty ||
        (penalty === best.penalty &&
          (r.lastAskedMs < best.r.lastAskedMs ||
            (r.lastAskedMs === best.r.lastAskedMs &&
              (r.rank < best.r.rank || (r.rank === best.r.rank && peer < best.peer)))))
      ) {
        best = { peer, r, penalty }
      }
    }
    if (best !== undefined) return { peer: best.peer }
    return Number.isFinite(retryAtMs) ? { retryAtMs } : undefined
  }

  asked(peer: string, nowMs: number): void {
    const r = this.peers.get(peer)
    if (r !== undefined) r.lastAskedMs = nowMs
  }

  /**
   * What came of a request to `peer`. A delivery clears its failures (its penalty keeps decaying);
   * a failure adds a penalty and a backoff. An empty answer also disproves the claim: the hint
   * drops to what is known to exist (our height `height`, or what the peer proved, if more)
   * until the peer announces again.
   */
  outcome(peer: string, kind: SyncOutcome, nowMs: number, height: number): void {
    const r = this.peers.get(peer)
    if (r === undefined) return
    if (kind === 'delivered') {
      r.failures = 0
      r.retryAtMs = 0
      r.proven = Math.max(r.proven, height)
      return
    }
    const exp = Math.min(r.failures, FAILURES_EXPONENT_MAX)
    r.penalty = this.penaltyAt(r, nowMs) + PENALTY[kind] * 2 ** exp
    r.penaltyAtMs = nowMs
    r.failures++
    r.retryAtMs = nowMs + Math.min(this.opts.backoffCapMs, this.opts.backoffBaseMs * 2 ** exp)
    if (kind === 'empty') r.claimed = Math.min(r.claimed, Math.max(height, r.proven))
  }

  /**
   * The peer answered that its blocks start at `base` (it pruned, or started from a snapshot).
   * It keeps its standing, and is not asked for heights below `base` while connected.
   */
  pruned(peer: string, base: number): void {
    const r = this.peers.get(peer)
    if (r !== undefined) r.base = Math.max(r.base, base)
  }

  /**
   * When no connected peer that announces more than `height` still holds height + 1, the lowest
   * height any of them holds from: the node cannot catch up by block sync, only from a snapshot.
   * Undefined when some peer may still deliver (or none announces more).
   */
  prunedAbove(height: number): number | undefined {
    let lowest: number | undefined
    for (const r of this.peers.values()) {
      if (!r.connected || r.claimed <= height) continue
      if (r.base <= height + 1) return undefined
      lowest = Math.min(lowest ?? r.base, r.base)
    }
    return lowest
  }

  /**
   * The highest height announced by a connected peer in good standing (no failure since its last
   * delivery): what "catching up" is measured against, so a liar's claim does not count once it
   * has failed to back it.
   */
  bestHeight(): number {
    let best = 0
    for (const r of this.peers.values()) if (r.connected && r.failures === 0) best = Math.max(best, r.claimed)
    return best
  }

  /** The current (decayed) penalty of a peer: for logs and tests. */
  penaltyOf(peer: string, nowMs: number): number {
    const r = this.peers.get(peer)
    return r === undefined ? 0 : this.penaltyAt(r, nowMs)
  }

  get size(): number {
    return this.peers.size
  }

  private penaltyAt(r: PeerRecord, nowMs: number): number {
    if (r.penalty === 0) return 0
    const p = r.penalty * 0.5 ** (Math.max(0, nowMs - r.penaltyAtMs) / this.opts.penaltyHalfLifeMs)
    // Below this it is noise: treat as clean so equals compare equal.
    return p < 0.01 ? 0 : p
  }

  /** The record of a peer, made when new; when full, the disconnected peer seen longest ago makes room. */
  private record(peer: string, nowMs: number): PeerRecord | undefined {
    const existing = this.peers.get(peer)
    if (existing !== undefined) {
      existing.lastSeenMs = nowMs
      return existing
    }
    if (this.peers.size >= this.opts.peersMax) {
      let oldest: string | undefined
      let oldestMs = Number.POSITIVE_INFINITY
      for (const [id, r] of this.peers) {
        if (!r.connected && r.lastSeenMs < oldestMs) {
          oldest = id
          oldestMs = r.lastSeenMs
        }
      }
      if (oldest === undefined) return undefined
      this.peers.delete(oldest)
    }
    const r: PeerRecord = {
      connected: false,
      claimed: 0,
      proven: 0,
      penalty: 0,
      penaltyAtMs: nowMs,
      failures: 0,
      retryAtMs: 0,
      lastAskedMs: Number.NEGATIVE_INFINITY,
      lastSeenMs: nowMs,
      rank: this.random?.int(RANK_RANGE) ?? 0,
      base: 1,
    }
    this.peers.set(peer, r)
    return r
  }
}
