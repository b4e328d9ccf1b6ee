/**
 * The transport's totals, as stats() reports them, and the counter sink they mirror (names in
 * P2P_COUNTERS).
 */
import type { P2PCounter, P2PMetrics, P2PStats } from './types.ts'

/** Label objects are made once per channel, not per frame. */
const CHANNEL_LABELS = Array.from({ length: 256 }, (_, i) => Object.freeze({ channel: String(i) }))
export function channelLabel(channel: number): Readonly<Record<string, string>> {
  return CHANNEL_LABELS[channel]!
}

export class Stats {
  /** Running totals; peers, connections and pendingInbound are filled in by snapshot(). */
  readonly totals: P2PStats = {
    peers: 0,
    connections: 0,
    pendingInbound: 0,
    dials: 0,
    dialFailures: 0,
    handshakeFailures: 0,
    connectionsOpened: 0,
    closes: {},
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesDropped: 0,
    handlerErrors: 0,
  }
  private readonly metrics: P2PMetrics | undefined

  constructor(metrics: P2PMetrics | undefined) {
    this.metrics = metrics
  }

  count(name: P2PCounter, value = 1, labels?: Record<string, string>): void {
    this.metrics?.increment(name, labels, value)
  }

  /** A copy of the totals with the current gauges. */
  snapshot(gauges: { peers: number; connections: number; pendingInbound: number }): P2PStats {
    return {
      ...this.totals,
      closes: { ...this.totals.closes },
      ...gauges,
    }
  }
}
