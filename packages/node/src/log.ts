/**
 * Structured JSON logs (pino): one JSON object per line on stdout (or `destination`), so
 * operators can ship them to any collector and query by field.
 *
 * What each level means — the written rule every component follows:
 * - `fatal`: the process is about to exit because it cannot go on (corrupt store, lost keys).
 * - `error`: something needs an operator: a failure the node cannot heal by itself
 *   (disk full, a 500 answered by the API with its stack, a peer certificate expired).
 * - `warn`: degraded but self-healing: a peer dropped and is being redialled, a slow
 *   WebSocket consumer disconnected, a round timed out, the mempool is full.
 * - `info`: lifecycle and one summary per block: started, listening on, stopped,
 *   "committed height H with N txs in T ms", sync started/finished. A healthy node at
 *   info prints a bounded number of lines per block, never one per message or request.
 * - `debug`: per message and per request: each p2p message, vote, API request.
 * - `trace`: byte-level detail, only for chasing a bug on one machine.
 *
 * Fields, not prose: put variable data in the object argument (`log.info({ height, txs }, 'committed')`),
 * errors under `err` so pino serialises the stack.
 */
import { type DestinationStream, type Level, type Logger, pino } from 'pino'

export type { Logger } from 'pino'

type LogLevel = Level | 'silent'

export interface LoggerOptions {
  /** Minimum level written; default `info`. */
  level?: LogLevel
  /** Component or node name, written as `name` on every line. */
  name: string
  /** Where lines go; default stdout. Tests pass a stream to capture lines. */
  destination?: DestinationStream
}

export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    level: opts.level ?? 'info',
    name: opts.name,
    // ISO time is what operators grep for; epoch ms is pino's default.
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level as its name ("warn"), not pino's number, so logs read the same in any tool.
    formatters: { level: (label: string) => ({ level: label }) },
  }
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination)
}
