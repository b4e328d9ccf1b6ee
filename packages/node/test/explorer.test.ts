/**
 * The explorer's index and routes over the recorded chain (over 200 transactions of every
 * module): GET /v1/txs pages newest first by cursor across many pages and per block in block
 * order, GET /v1/stats counts per module, GET /v1/blocks/by-hash finds a block or answers 404,
 * and the index entries are the same on every replay (deterministic, written with the block).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { txHashOf } from '@govchain/app'
import { fromHex, toHex, utf8 } from '@govchain/core'
import { ExplorerIndex, explorerIndexWrites } from '../src/explorer.ts'
import { FakeBackend } from '../src/testing/fake-backend.ts'
import { inProcessApiServer } from './in-process-api.ts'
import { ChainRunner, genesisOf, type Recording, readRecording } from './recorded-chain-fixtures.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures')

function replay(r: Recording): ChainRunner {
  const chain = new ChainRunner(genesisOf(r))
  for (const b of r.blocks)
    chain.commit(
      chain.build(
        b.timeMs,
        b.proposer,
        b.txs.map((t) => fromHex(t.bytes)),
      ),
    )
  return chain
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
type Json = Record<string, any>

describe('explorer: transactions by cursor, per block, statistics, block by hash', () => {
  let r: Recording
  let chain: ChainRunner
  let get: (url: string, status?: number) => Promise<Json>
  /** Every recorded transaction, newest first. */
  let newestFirst: { hash: string; height: number; index: number; module: string; method: string }[]

  before(() => {
    r = readRecording(join(FIXTURES, 'recorded-chain-intl.json'))
    chain = replay(r)
    const backend = new FakeBackend()
    backend.explorer = new ExplorerIndex(chain.store, (b) => txHashOf(chain.suite, b))
    for (let i = 0; i < 6; i++) backend.addBlock()
    const server = inProcessApiServer(backend)
    get = async (url, status = 200) => {
      const res = await server.inject({ method: 'GET', url })
      assert.equal(res.statusCode, status, `${url}: ${res.body}`)
      return res.json() as Json
    }
    newestFirst = r.blocks
      .flatMap((b, bi) =>
        b.txs.map((t, index) => ({ hash: t.txHash, height: bi + 1, index, module: t.module, method: t.method })),
      )
      .reverse()
    // The recording grows as applications extend it; it holds well over a few pages of any size.
    assert.ok(newestFirst.length > 200, `the recording holds ${newestFirst.length} transactions`)
  })

  async function walk(base: string, limit: number) {
    const items: Json[] = []
    let pages = 0
    let cursor: string | null = null
    do {
      const sep = base.includes('?') ? '&' : '?'
      const page: Json = await get(`${base}${sep}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`)
      assert.ok(page.items.length <= limit)
      assert.ok(page.items.length > 0 || pages === 0, 'no empty page before the end')
      items.push(...page.items)
      cursor = page.next
      pages++
      assert.ok(pages < 1000)
    } while (cursor !== null)
    return { items, pages }
  }

  it('pages through every committed transaction, newest first, whatever the page size', async () => {
    for (const limit of [1, 7, 20, 100]) {
      const { items, pages } = await walk('/v1/txs', limit)
      assert.equal(pages, Math.ceil(newestFirst.length / limit), `limit ${limit}`)
      assert.deepEqual(
        items.map((t) => ({ hash: t.hash, height: t.height, index: t.index, module: t.module, method: t.method })),
        newestFirst,
        `limit ${limit}`,
      )
    }
    const first = await get('/v1/txs')
    assert.equal(first.items.length, 20, 'the default page is 20')
    const top = first.items[0]
    assert.equal(top.timeMs, r.blocks.at(-1)!.timeMs)
    assert.match(top.sender, /^[0-9a-f]{64}$/)
    const recorded = r.blocks.at(-1)!.txs.at(-1)!
    assert.equal(top.code, recorded.code)
    assert.deepEqual(
      top.events.map((e: Json) => `${e.module}.${e.type}`),
      recorded.events.map((e) => e.type),
    )
  })

  it("lists one block's transactions in block order, by cursor within the block", async () => {
    for (const [bi, b] of r.blocks.entries()) {
      const { items } = await walk(`/v1/txs?height=${bi + 1}`, 2)
      assert.deepEqual(
        items.map((t) => t.hash),
        b.txs.map((t) => t.txHash),
      )
    }
  })

  it('refuses a bad cursor, a cursor of another block, a bad limit and an unknown height', async () => {
    for (const url of [
      '/v1/txs?cursor=abc',
      '/v1/txs?cursor=0.0',
      '/v1/txs?limit=0',
      '/v1/txs?limit=101',
      '/v1/txs?height=2&cursor=3.0',
      '/v1/txs?height=0',
    ]) {
      const e = await get(url, 400)
      assert.equal(e.code, 'INVALID_ARGUMENT', url)
    }
    assert.equal((await get('/v1/txs?height=999', 404)).code, 'BLOCK_NOT_FOUND')
    // A cursor past the chain's tip answers the transactions below it: the list is by position.
    const beyond = await get('/v1/txs?cursor=999.0&limit=3')
    assert.deepEqual(
      beyond.items.map((t: Json) => t.hash),
      newestFirst.slice(0, 3).map((t) => t.hash),
    )
  })

  it('counts transactions per module, failures apart, and the recent rates', async () => {
    const s = await get('/v1/stats')
    assert.equal(s.height, r.blocks.length)
    assert.equal(s.fromHeight, 1)
    assert.equal(s.txs, newestFirst.length)
    const txs = r.blocks.flatMap((b) => b.txs)
    assert.equal(s.failed, txs.filter((t) => t.code !== 'OK').length)
    const perModule = new Map<string, number>()
    for (const t of txs) perModule.set(t.module, (perModule.get(t.module) ?? 0) + 1)
    assert.deepEqual(
      s.modules,
      [...perModule].sort(([a], [b]) => (a < b ? -1 : 1)).map(([module, n]) => ({ module, txs: n })),
    )
    const spanMs = r.blocks.at(-1)!.timeMs - r.blocks[0]!.timeMs
    assert.deepEqual(s.recent, {
      blocks: r.blocks.length,
      txs: newestFirst.length,
      spanMs,
      avgBlockTimeMs: Math.round(spanMs / (r.blocks.length - 1)),
      txPerSecond: Math.round((newestFirst.length * 1000 * 100) / spanMs) / 100,
    })
  })

  it('finds a block by its hash, and answers 404 for a hash no block has', async () => {
    const b = await get('/v1/blocks/5')
    const byHash = await get(`/v1/blocks/by-hash/${b.hash.toUpperCase()}`)
    assert.equal(byHash.height, 5)
    assert.equal(byHash.hash, b.hash)
    assert.equal((await get(`/v1/blocks/by-hash/${'ab'.repeat(32)}`, 404)).code, 'BLOCK_NOT_FOUND')
  })

  it("counts each block's modules the same from execution's txModules as from decoding every transaction", () => {
    const runner = new ChainRunner(genesisOf(r))
    const noStats = { getIndex: () => undefined }
    for (const b of r.blocks) {
      const built = runner.build(
        b.timeMs,
        b.proposer,
        b.txs.map((t) => fromHex(t.bytes)),
      )
      const { block, execution } = built
      assert.equal(execution.txModules.length, block.txs.length)
      assert.deepEqual(
        explorerIndexWrites(noStats, block, execution.results, execution.txModules),
        explorerIndexWrites(noStats, block, execution.results),
      )
      runner.commit(built)
    }
  })

  it('writes the same index entries on every replay, only with blocks', () => {
    const entries = (c: ChainRunner) =>
      c.store.scanIndex(utf8('_x/'), 1000).map((e) => `${toHex(e.key)}=${toHex(e.value)}`)
    const again = entries(replay(r))
    assert.deepEqual(entries(chain), again)
    // One entry per non-empty block, and the totals.
    assert.equal(again.length, r.blocks.filter((b) => b.txs.length > 0).length + 1)
  })
})
