/**
 * Seek-cursor paging over a node-local index: the one way list routes walk an index, so that
 * no listing stops silently at a fixed scan size (an issuer's 12,000th licence is reachable).
 *
 * A page holds at most `limit` accepted items. The walk examines at most `budget` entries per
 * request (filters may reject many); when the budget runs out before the page is full, the page
 * comes back short with a `next` cursor, and the client continues from there. `next` is null
 * only when the walk reached the end of the prefix.
 */
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
      cursor = e.key
      const item = input.take({ key: e.key, suffix: e.key.subarray(prefix.length), value: e.value })
      if (item !== undefined) items.push(item)
    }
    if (chunk.length < want) return { items, next: null } // the prefix is exhausted
  }
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
