/**
 * Seek-cursor paging over a node-local index: the one way list routes walk an index, so that
 * no listing stops silently at a fixed scan size (an issuer's 12,000th licence is reachable).
 *
 * A page holds at most `limit` accepted items. The walk examines at most `budget` entries per
 * request (filters may reject many); when the budget runs out before the page is full, the page
 * comes back short with a `next` cursor, and the client continues from there. `next` is null
 * only when the walk reached the end of the prefix, or an entry that `end` says closes the range
 * (an index ordered by time, walked with a date filter, stops at the first entry past the range).
 */
import { GovchainError } from '@govchain/core'
import { SEQUENCE_PAGE_DEFAULT } from './route-kit.ts'

export type IndexScan = (
  prefix: Uint8Array,
  limit: number,
  after?: Uint8Array,
) => readonly { key: Uint8Array; value: Uint8Array }[]

/** Entries read per store call (the store's own bound is SCAN_LIMIT_MAX = 1000). */
export const PAGE_SCAN_CHUNK = 500
/** Entries examined per request at most, accepted or not. */
export const PAGE_SCAN_BUDGET = 20_000

export interface SeekPage<T> {
  items: T[]
  /** The key suffix (after the prefix) of the last entry examined, or null at the end. */
  next: Uint8Array | null
}

export function seekPage<T>(input: {
  scan: IndexScan
  prefix: Uint8Array
  /** The previous page's `next` (a key suffix), or undefined for the first page. */
  after?: Uint8Array | undefined
  limit: number
  /** The item for an entry, or undefined to skip it (filtered out, or gone). */
  take: (entry: { key: Uint8Array; suffix: Uint8Array; value: Uint8Array }) => T | undefined
  /** True when this entry and every one after it lie outside the filter: the list ends here. */
  end?: (entry: { key: Uint8Array; suffix: Uint8Array; value: Uint8Array }) => boolean
  budget?: number
}): SeekPage<T> {
  const { scan, prefix, limit } = input
  const budget = input.budget ?? PAGE_SCAN_BUDGET
  const items: T[] = []
  let cursor: Uint8Array | undefined = input.after === undefined ? undefined : join(prefix, input.after)
  let examined = 0
  for (;;) {
    const want = Math.min(PAGE_SCAN_CHUNK, budget - examined)
    if (want <= 0) return { items, next: suffixOf(prefix, cursor) } // budget spent: continue from here
    const chunk = scan(prefix, want, cursor)
    for (const e of chunk) {
      if (items.length === limit) return { items, next: suffixOf(prefix, cursor) } // more entries follow
      examined++
      const entry = { key: e.key, suffix: e.key.subarray(prefix.length), value: e.value }
      if (input.end?.(entry) === true) return { items, next: null } // the rest is out of range
      cursor = e.key
      const item = input.take(entry)
      if (item !== undefined) items.push(item)
    }
    if (chunk.length < want) return { items, next: null } // the prefix is exhausted
  }
}

/**
 * One page of a numbered sequence kept under one record (entries 0 … count-1: a case's steps, a
 * licence's history and uses): the entries after `after`, at most `limit`, each read by its
 * number. `next` (the number of the page's last entry, as a string) is null only when the page
 * reaches the end, so a long sequence is walked whole and never cut at a fixed size. Every number
 * below `count` has its entry; one that `read` cannot find is a broken store, not a bad request:
 * EXEC_INTERNAL naming `what` and the number.
 */
export function sequencePage<T>(input: {
  count: number
  after?: string | undefined
  limit?: number | undefined
  /** What an entry is, for the error of a missing one ("case step"). */
  what: string
  read: (seq: number) => T | undefined
}): { items: T[]; next: string | null } {
  const from = input.after === undefined ? 0 : Number(input.after) + 1
  const limit = input.limit ?? SEQUENCE_PAGE_DEFAULT
  if (!Number.isSafeInteger(from) || from < 0 || !Number.isSafeInteger(limit) || limit < 1) {
    throw new GovchainError('INVALID_ARGUMENT', 'after: a number from the previous page; limit: 1 or more')
  }
  const to = Math.min(input.count, from + limit)
  const items: T[] = []
  for (let seq = from; seq < to; seq++) {
    const item = input.read(seq)
    if (item === undefined) throw new GovchainError('EXEC_INTERNAL', `${input.what} ${seq} is missing`)
    items.push(item)
  }
  return { items, next: to < input.count ? String(to - 1) : null }
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function suffixOf(prefix: Uint8Array, key: Uint8Array | undefined): Uint8Array | null {
  return key === undefined ? null : key.slice(prefix.length)
}

/**
 * A list filter's time range in block time (ms since the epoch), both bounds inclusive; either
 * may be absent (open). Throws INVALID_DATE_RANGE when the start is after the end, so a bad
 * range is a coded 400 and never an empty page that looks like "nothing happened".
 */
export interface TimeRange {
  fromMs: number
  toMs: number
}

export function timeRange(fromMs: number | string | undefined, toMs: number | string | undefined): TimeRange {
  const from = fromMs === undefined ? 0 : Number(fromMs)
  const to = toMs === undefined ? Number.MAX_SAFE_INTEGER : Number(toMs)
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < 0)
    throw new GovchainError('INVALID_ARGUMENT', 'fromMs, toMs: whole milliseconds since the epoch')
  if (from > to)
    throw new GovchainError('INVALID_DATE_RANGE', `fromMs ${from} is after toMs ${to}`, { fromMs: from, toMs: to })
  return { fromMs: from, toMs: to }
}

export function inTimeRange(r: TimeRange, timeMs: number): boolean {
  return timeMs >= r.fromMs && timeMs <= r.toMs
}
