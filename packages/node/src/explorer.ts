/**
 * The explorer's node-local index and its reads: committed transactions newest first (paged by
 * cursor), a block's transactions, and chain statistics.
 *
 * Index entries, written with the block in its one store transaction (so a crash keeps the block
 * and its entries together or neither), derived only from the block and its results (so every
 * node that commits the same blocks holds the same entries):
 *   `_x/b/<8 bytes BE: 2^53 - height>` → 4 bytes BE, the block's transaction count. Non-empty
 *       blocks only, so a page never walks over empty blocks; the inverted height puts the newest
 *       block first in key order (scanIndex walks keys upwards).
 *   `_x/stats` → JSON `{fromHeight, txs, failed, modules}`: totals over the blocks committed
 *       since `fromHeight` (1 on a chain indexed from genesis; a node whose store predates this
 *       index starts counting at the first block it commits with it, and says so).
 * Module index keys are `<module>/…` with a module name starting with a letter, so `_x/` is no
 * module's.
 */
import { type Block, codec, GovchainError, SignedTx, TxBody, type TxEvent, type TxResult, utf8 } from '@govchain/core'
import type { ChainStore, IndexWrite } from '@govchain/store'
import type { TxEvent as ApiTxEvent } from './api/backend.ts'

/** A result's event as the API shows it: `module.type` split, attributes as a map. */
export function apiTxEvent(e: TxEvent): ApiTxEvent {
  const dot = e.type.indexOf('.')
  return {
    module: dot > 0 ? e.type.slice(0, dot) : e.type,
    type: dot > 0 ? e.type.slice(dot + 1) : e.type,
    attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
  }
}

/** Largest page of transactions one request may ask for. */
const TX_PAGE_MAX = 100
/** Blocks behind the latest that the recent figures (tx/s, block time) cover. */
const RECENT_BLOCKS = 100

const BLOCK_PREFIX = utf8('_x/b/')
const STATS_KEY = utf8('_x/stats')
const HEIGHT_TOP = 2 ** 53

export interface ExplorerTx {
  hash: Uint8Array
  height: number
  index: number
  timeMs: number
  /** Decoded from the signed body; `?` for a transaction that does not decode (recorded with its failure). */
  module: string
  method: string
  /** The sender's public key (empty for a transaction that does not decode). */
  sender: Uint8Array
  code: string
  events: ApiTxEvent[]
}

export interface ExplorerTxPage {
  items: ExplorerTx[]
  next: string | null
}

export interface ExplorerStats {
  height: number
  fromHeight: number
  txs: number
  failed: number
  modules: { module: string; txs: number }[]
  recent: { blocks: number; txs: number; spanMs: number; avgBlockTimeMs: number | null; txPerSecond: number | null }
}

interface StatsRecord {
  fromHeight: number
  txs: number
  failed: number
  modules: Record<string, number>
}

function blockKey(height: number): Uint8Array {
  const out = new Uint8Array(BLOCK_PREFIX.length + 8)
  out.set(BLOCK_PREFIX)
  new DataView(out.buffer).setBigUint64(BLOCK_PREFIX.length, BigInt(HEIGHT_TOP - height))
  return out
}

function heightOfKey(key: Uint8Array): number {
  return HEIGHT_TOP - Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(BLOCK_PREFIX.length))
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

function decodeBody(txBytes: Uint8Array): { module: string; method: string; sender: Uint8Array } {
  try {
    const body = codec.decode(TxBody, codec.decode(SignedTx, txBytes).body)
    return { module: body.module, method: body.method, sender: body.sender }
  } catch {
    return { module: '?', method: '?', sender: new Uint8Array(0) }
  }
}

function readStats(store: Pick<ChainStore, 'getIndex'>): StatsRecord | undefined {
  const raw = store.getIndex(STATS_KEY)
  return raw === undefined ? undefined : (JSON.parse(new TextDecoder().decode(raw)) as StatsRecord)
}

/**
 * The explorer's index writes for a block about to be committed: deterministic in the block, its
 * results and the entries committed before it. `txModules`: each transaction's module as execution
 * decoded it (BlockExecution.txModules), when known; a transaction without one is decoded here.
 */
export function explorerIndexWrites(
  store: Pick<ChainStore, 'getIndex'>,
  block: Block,
  results: readonly TxResult[],
  txModules?: readonly (string | undefined)[],
): IndexWrite[] {
  const height = block.header.height
  if (block.txs.length === 0) return []
  const before = readStats(store) ?? { fromHeight: height, txs: 0, failed: 0, modules: {} }
  const modules = { ...before.modules }
  let failed = before.failed
  block.txs.forEach((bytes, i) => {
    const m = txModules?.[i] ?? decodeBody(bytes).module
    modules[m] = (modules[m] ?? 0) + 1
    if (results[i]?.code !== 'OK') failed++
  })
  const sorted = Object.fromEntries(Object.entries(modules).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  const stats: StatsRecord = {
    fromHeight: before.fromHeight,
    txs: before.txs + block.txs.length,
    failed,
    modules: sorted,
  }
  return [
    { key: blockKey(height), value: u32(block.txs.length) },
    { key: STATS_KEY, value: utf8(JSON.stringify(stats)) },
  ]
}

type ExplorerStore = Pick<
  ChainStore,
  'getIndex' | 'scanIndex' | 'getBlock' | 'getResults' | 'latestHeight' | 'getHeader'
>

/** A cursor is `<height>.<index>`: the next transaction to answer. */
function parseCursor(cursor: string): { height: number; index: number } {
  const m = /^([1-9][0-9]{0,14})\.(0|[1-9][0-9]{0,5})$/.exec(cursor)
  if (m === null) throw new GovchainError('INVALID_ARGUMENT', 'cursor must be <height>.<index>, as a page answered it')
  return { height: Number(m[1]), index: Number(m[2]) }
}

export class ExplorerIndex {
  /**
   * `base`: the lowest height whose block this node holds (above 1 on a pruned node or one
   * started from a snapshot). Listings never skip what lies below it: a page that reaches it
   * ends with a cursor there, and a page asked for below it answers PRUNED.
   */
  constructor(
    private readonly store: ExplorerStore,
    private readonly txHash: (txBytes: Uint8Array) => Uint8Array,
    private readonly base: () => number = () => 1,
  ) {}

  private pruned(height: number): GovchainError {
    const base = this.base()
    return new GovchainError('PRUNED', `this node holds blocks from height ${base}; ask another node for ${height}`, {
      height,
      base,
    })
  }

  private txsOf(height: number, from: number, to: number, step: 1 | -1): ExplorerTx[] {
    const block = this.store.getBlock(height)
    const results = this.store.getResults(height)
    if (block === undefined || results === undefined) return []
    const out: ExplorerTx[] = []
    for (let i = from; step > 0 ? i < to : i > to; i += step) {
      const bytes = block.txs[i]!
      const result = results[i]
      out.push({
        hash: result?.txHash ?? this.txHash(bytes),
        height,
        index: i,
        timeMs: block.header.timeMs,
        ...decodeBody(bytes),
        code: result?.code ?? 'OK',
        events: (result?.events ?? []).map(apiTxEvent),
      })
    }
    return out
  }

  /**
   * Committed transactions, newest first, `limit` at a time; `next` continues after the last
   * one (null at the end). With `height`, that block's transactions in block order.
   */
  txs(q: { limit: number; cursor?: string; height?: number }): ExplorerTxPage {
    const limit = q.limit
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > TX_PAGE_MAX)
      throw new GovchainError('INVALID_ARGUMENT', `limit must be 1-${TX_PAGE_MAX}`)
    const at = q.cursor === undefined ? undefined : parseCursor(q.cursor)
    if (q.height !== undefined) {
      if (q.height < this.base()) throw this.pruned(q.height)
      const block = this.store.getBlock(q.height)
      if (block === undefined) throw new GovchainError('BLOCK_NOT_FOUND', `no block at height ${q.height}`)
      if (at !== undefined && at.height !== q.height)
        throw new GovchainError('INVALID_ARGUMENT', 'the cursor is for another block')
      const from = at?.index ?? 0
      const to = Math.min(block.txs.length, from + limit)
      const items = this.txsOf(q.height, from, to, 1)
      return { items, next: to < block.txs.length ? `${q.height}.${to}` : null }
    }
    const items: ExplorerTx[] = []
    if (at !== undefined && at.height < this.base()) throw this.pruned(at.height)
    let after = at === undefined ? undefined : blockKey(at.height + 1)
    let first = true
    // Every entry is a non-empty block, so at most limit + 1 entries are read for one page.
    for (;;) {
      const entries = this.store.scanIndex(BLOCK_PREFIX, limit + 1 - items.length, after)
      if (entries.length === 0) return { items, next: null }
      for (const e of entries) {
        const height = heightOfKey(e.key)
        const count = new DataView(e.value.buffer, e.value.byteOffset, 4).getUint32(0)
        const top = first && at !== undefined && at.height === height ? Math.min(at.index, count - 1) : count - 1
        first = false
        // Below the base the blocks are gone: end the page there; the next one answers PRUNED.
        if (height < this.base()) {
          if (items.length === 0) throw this.pruned(height)
          return { items, next: `${height}.${top}` }
        }
        const want = limit - items.length
        if (want === 0) return { items, next: `${height}.${top}` }
        const stop = Math.max(-1, top - want)
        items.push(...this.txsOf(height, top, stop, -1))
        if (stop >= 0) return { items, next: `${height}.${stop}` }
        after = e.key
      }
    }
  }

  stats(): ExplorerStats {
    const height = this.store.latestHeight()
    const s = readStats(this.store) ?? { fromHeight: height + 1, txs: 0, failed: 0, modules: {} }
    const oldest = Math.max(1, height - RECENT_BLOCKS + 1)
    let recentTxs = 0
    for (const e of this.store.scanIndex(BLOCK_PREFIX, RECENT_BLOCKS)) {
      if (heightOfKey(e.key) < oldest) break
      recentTxs += new DataView(e.value.buffer, e.value.byteOffset, 4).getUint32(0)
    }
    const blocks = height === 0 ? 0 : height - oldest + 1
    const last = height === 0 ? undefined : this.store.getHeader(height)
    const first = height === 0 ? undefined : this.store.getHeader(oldest)
    const spanMs = last !== undefined && first !== undefined ? last.timeMs - first.timeMs : 0
    return {
      height,
      fromHeight: s.fromHeight,
      txs: s.txs,
      failed: s.failed,
      modules: Object.entries(s.modules).map(([module, txs]) => ({ module, txs })),
      recent: {
        blocks,
        txs: recentTxs,
        spanMs,
        avgBlockTimeMs: blocks > 1 ? Math.round(spanMs / (blocks - 1)) : null,
        txPerSecond: spanMs > 0 ? Math.round((recentTxs * 1000 * 100) / spanMs) / 100 : null,
      },
    }
  }
}
