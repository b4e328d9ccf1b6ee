/**
 * Reconnect delay: exponential with "equal jitter" (half fixed, half random), capped.
 * attempt 0 → [base/2, base), attempt k → [d/2, d) with d = min(cap, base·2^k).
 * The jitter spreads the reconnects of many nodes after a partition or a restart of a peer, and
 * the fixed half keeps a lower bound so a down peer is never hammered. `random` in [0, 1) is
 * passed in, so the function is pure.
 */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random: number): number {
  const exp = Math.min(attempt, 30) // 2^30 · base is far past any cap: avoids Infinity
  const d = Math.min(capMs, baseMs * 2 ** exp)
  const r = Math.min(Math.max(random, 0), 1)
  return Math.floor(d / 2 + (d / 2) * r)
}
