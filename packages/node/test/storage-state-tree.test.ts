/**
 * The state tree on LMDB (docs/adr/0011-state-tree-storage-locality.md): a block's new nodes
 * are stored under its height, roots in their own table, and a home written before that layout
 * (nodes keyed by hash alone) stays readable and keeps growing.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ANCHOR_MODULE, anchorKey } from '@govchain/anchor/schema'
import { queryState, stateKey } from '@govchain/app'
import { SparseMerkleTree, suites, toHex, verifySmtProof } from '@govchain/core'
import { anchorTx, ChainDriver, docHash, signer } from '@govchain/distribution/testkit'
import { LmdbChainStore } from '@govchain/store'
import { syntheticCommit } from '@govchain/store/compliance'
import { open } from 'lmdb'

const suite = suites.intl
const dir = mkdtempSync(join(tmpdir(), 'govchain-tree-'))
after(() => rmSync(dir, { recursive: true, force: true }))

type Raw = { key: Buffer; value: Buffer }

/** Reads every entry of one of the store's tables with lmdb directly (the store closed). */
async function tableEntries(path: string, name: string): Promise<Raw[]> {
  const env = open({ path, noSubdir: false, maxDbs: 16 })
  const db = env.openDB({ name, encoding: 'binary', keyEncoding: 'binary' })
  const out = [...db.getRange({})].map(({ key, value }) => ({
    key: Buffer.from(key as Buffer),
    value: Buffer.from(value as Buffer),
  }))
  await env.close()
  return out
}

/** Rewrites a home into the layout of homes written before ADR 0011: nodes by hash, no roots. */
async function toLegacyLayout(path: string): Promise<void> {
  const env = open({ path, noSubdir: false, maxDbs: 16 })
  const v2 = env.openDB({ name: 'smt-nodes-v2', encoding: 'binary', keyEncoding: 'binary' })
  const legacy = env.openDB({ name: 'smt-nodes', encoding: 'binary', keyEncoding: 'binary' })
  const roots = env.openDB({ name: 'smt-roots', encoding: 'binary', keyEncoding: 'binary' })
  env.transactionSync(() => {
    for (const { key, value } of v2.getRange({})) {
      const k = Buffer.from(key as Buffer)
      // Inner nodes of that layout had no child versions: the 65-byte preimage only.
      const v = Buffer.from(value as Buffer)
      legacy.put(k.subarray(8), v[0] === 0x01 ? v.subarray(0, 65) : v)
    }
    v2.clearSync()
    roots.clearSync()
  })
  await env.close()
}

/** Every anchor written so far is readable, with a proof, at every height. */
function checkAllHeights(store: LmdbChainStore, written: number[][]): void {
  for (let h = 1; h <= written.length; h++) {
    const upTo = new Set(written.slice(0, h).flat())
    for (const n of [...new Set(written.flat())].slice(0, 40)) {
      const key = anchorKey(docHash(n))
      const answer = queryState({ suite, store, module: ANCHOR_MODULE, key, prove: true, height: h })
      assert.equal(answer.value !== undefined, upTo.has(n), `anchor ${n} at height ${h}`)
      const root = store.getHeader(h)!.stateRoot
      const proof = answer.proof
      assert.ok(proof, 'proof')
      assert.equal(
        verifySmtProof((d) => suite.hash(d), root, stateKey(ANCHOR_MODULE, key), answer.value, proof),
        true,
      )
    }
  }
}

describe('state tree on LMDB: nodes stored by version (the height that wrote them)', () => {
  const alice = signer(suite)

  function grow(driver: ChainDriver, written: number[][], blocks: number, from: number): number {
    let n = from
    for (let b = 0; b < blocks; b++) {
      const ns = Array.from({ length: 5 + b }, () => n++)
      // One block with no state change at all (an empty block keeps its parent's root).
      const txs = b === 1 ? [] : ns.map((i) => anchorTx(suite, alice, i).bytes)
      driver.step(txs)
      written.push(b === 1 ? [] : ns)
    }
    return n
  }

  it("keys each block's new nodes by its height, records changed roots, and reads every height after a reopen", async () => {
    const path = LmdbChainStore.pathFor(join(dir, 'v2'))
    let store = LmdbChainStore.open({ path })
    const written: number[][] = []
    grow(new ChainDriver(suite, store), written, 6, 0)
    await store.close()

    const nodes = await tableEntries(path, 'smt-nodes-v2')
    assert.ok(nodes.length > 0)
    const heights = new Set(nodes.map((e) => Number(e.key.readBigUInt64BE(0))))
    // Block 2 changed nothing: no node carries its height.
    assert.deepEqual(
      [...heights].sort((a, b) => a - b),
      [1, 3, 4, 5, 6],
    )
    assert.equal((await tableEntries(path, 'smt-nodes')).length, 0, 'nothing in the legacy table')
    const roots = new Map(
      (await tableEntries(path, 'smt-roots')).map((e) => [e.key.toString('hex'), Number(e.value.readBigUInt64BE(0))]),
    )
    store = LmdbChainStore.open({ path })
    for (let h = 1; h <= 6; h++) {
      const root = toHex(store.getHeader(h)!.stateRoot)
      // Block 2's root is block 1's, written at height 1.
      assert.equal(roots.get(root), h === 2 ? 1 : h, `root of height ${h}`)
    }
    checkAllHeights(store, written)
    await store.close()
  })

  it('reads a home in the earlier layout (nodes by hash alone) and grows it in the new one', async () => {
    const path = LmdbChainStore.pathFor(join(dir, 'legacy'))
    let store = LmdbChainStore.open({ path })
    const written: number[][] = []
    let n = grow(new ChainDriver(suite, store), written, 4, 0)
    await store.close()
    await toLegacyLayout(path)
    assert.equal((await tableEntries(path, 'smt-nodes-v2')).length, 0)

    store = LmdbChainStore.open({ path })
    checkAllHeights(store, written)
    // New blocks on top: their nodes refer to legacy children (version 0).
    n = grow(new ChainDriver(suite, store), written, 3, n)
    checkAllHeights(store, written)
    await store.close()

    store = LmdbChainStore.open({ path })
    checkAllHeights(store, written)
    const driver = new ChainDriver(suite, store)
    // Deleting nothing and re-adding: an existing anchor is refused, a new one lands.
    const again = driver.step([anchorTx(suite, alice, 0, { nonce: 999 }).bytes, anchorTx(suite, alice, n).bytes])
    assert.deepEqual(
      again.execution.results.map((r) => r.code),
      ['ANCHOR_EXISTS', 'OK'],
    )
    written.push([n])
    checkAllHeights(store, written)
    await store.close()
    assert.ok((await tableEntries(path, 'smt-nodes')).length > 0, 'legacy nodes are kept, never rewritten')
  })
})

describe('LMDB store: write transactions that lmdb-js aborts are retried', () => {
  const alice = signer(suite)
  const aborted = () =>
    Object.assign(
      new Error(
        'MDB_BAD_TXN: Transaction must abort, has a child, or is invalid: reserved freelist had a data entry with zero-size, last id 1',
      ),
      { code: -30782 },
    )

  /** Makes the store's next `n` synchronous transactions fail like lmdb-js, before running. */
  function failNextSync(store: LmdbChainStore, n: number, error: () => Error = aborted): { calls: () => number } {
    // biome-ignore lint/suspicious/noExplicitAny: fault injection into the private lmdb-js environment
    const env = (store as any).env
    const original = env.transactionSync.bind(env)
    let calls = 0
    let left = n
    env.transactionSync = (fn: () => void) => {
      calls++
      if (left-- > 0) throw error()
      return original(fn)
    }
    return { calls: () => calls }
  }

  it('commits a block after an aborted attempt, and counts the retry', async () => {
    const path = LmdbChainStore.pathFor(join(dir, 'retry'))
    const seen: number[] = []
    const store = LmdbChainStore.open({ path, onTransientAbort: (_e, attempt) => seen.push(attempt) })
    const driver = new ChainDriver(suite, store)
    driver.step([anchorTx(suite, alice, 1).bytes])
    const probe = failNextSync(store, 2)
    driver.step([anchorTx(suite, alice, 2).bytes])
    assert.equal(probe.calls(), 3)
    assert.deepEqual(seen, [1, 2])
    assert.equal(store.retriedWrites, 2)
    assert.equal(store.latestHeight(), 2)
    checkAllHeights(store, [[1], [2]])
    store.putRecordSync('signer', new Uint8Array([1, 2, 3]))
    await store.close()
  })

  it('gives up after three aborts in a row, and on any other error at once, changing nothing', async () => {
    const path = LmdbChainStore.pathFor(join(dir, 'retry-fail'))
    const store = LmdbChainStore.open({ path })
    const driver = new ChainDriver(suite, store)
    driver.step([anchorTx(suite, alice, 1).bytes])
    const built = driver.build([anchorTx(suite, alice, 2).bytes])
    const probe = failNextSync(store, 3)
    assert.throws(() => driver.commit(built), /MDB_BAD_TXN/)
    assert.equal(probe.calls(), 3)
    assert.equal(store.latestHeight(), 1)
    const other = failNextSync(store, 1, () => new Error('MDB_MAP_FULL: Environment mapsize limit reached'))
    assert.throws(() => store.putRecordSync('x', new Uint8Array(1)), /MDB_MAP_FULL/)
    assert.equal(other.calls(), 1)
    assert.equal(store.getRecord('x'), undefined)
    // The same block commits once the aborts stop.
    driver.commit(built)
    assert.equal(store.latestHeight(), 2)
    await store.close()
  })

  it('writes a journal batch again when its asynchronous commit was aborted', async () => {
    const path = LmdbChainStore.pathFor(join(dir, 'retry-journal'))
    const store = LmdbChainStore.open({ path })
    // biome-ignore lint/suspicious/noExplicitAny: fault injection into the private lmdb-js database
    const pending = (store as any).pending
    const put = pending.put.bind(pending)
    let failures = 1
    pending.put = (k: Buffer, v: Buffer) => (failures-- > 0 ? Promise.reject(aborted()) : put(k, v))
    const tx = anchorTx(suite, alice, 7)
    await store.putPending([{ txHash: tx.txHash, bytes: tx.bytes }])
    assert.equal(store.retriedWrites, 1)
    assert.deepEqual(
      store.scanPending(10).map((p) => toHex(p.txHash)),
      [toHex(tx.txHash)],
    )
    await store.close()
  })
})

describe('state tree on LMDB: a root that is not a new node', () => {
  it('finds a root that is an earlier leaf (all other keys deleted) after a restart, at every height', async () => {
    const path = join(dir, 'collapse')
    const hash = (d: Uint8Array) => suite.hash(d)
    const k = (s: string) => new TextEncoder().encode(s)
    // Height 2 deletes k0: the root becomes k1's leaf, written at height 1. Height 3 changes
    // nothing (same root); height 4 grows the tree again.
    const batches: [string, string | undefined][][] = [
      [
        ['k1', 'a'],
        ['k0', 'a'],
      ],
      [['k0', undefined]],
      [],
      [['k2', 'b']],
    ]
    let store = LmdbChainStore.open({ path })
    let root: Uint8Array = new Uint8Array(32)
    let prev: Uint8Array = new Uint8Array(32)
    const roots: Uint8Array[] = []
    const rootVersions: number[] = []
    batches.forEach((batch, i) => {
      const height = i + 1
      const tree = new SparseMerkleTree({ hash, store })
      const out = tree.update(
        root,
        batch.map(([key, v]) => [k(key), v === undefined ? undefined : k(v)] as const),
        { version: height },
      )
      const input = syntheticCommit(height, prev)
      input.block.header.stateRoot = out.root
      store.commitBlock({ ...input, smtNodes: out.nodes, stateRootVersion: out.rootVersion })
      prev = input.blockHash
      root = out.root
      roots.push(out.root)
      rootVersions.push(out.rootVersion)
    })
    assert.deepEqual(rootVersions, [1, 1, 1, 4], 'heights 2 and 3 have the leaf written at height 1 as root')
    await store.close()
    store = LmdbChainStore.open({ path }) // no root versions in memory
    const expected = [{ k0: 'a', k1: 'a' }, { k1: 'a' }, { k1: 'a' }, { k1: 'a', k2: 'b' }] as Record<string, string>[]
    roots.forEach((r, i) => {
      const tree = new SparseMerkleTree({ hash, store })
      for (const key of ['k0', 'k1', 'k2']) {
        const v = tree.get(r, k(key))
        assert.equal(
          v === undefined ? undefined : new TextDecoder().decode(v),
          expected[i]![key],
          `${key} at height ${i + 1}`,
        )
        assert.equal(verifySmtProof(hash, r, k(key), v, tree.prove(r, k(key))), true)
      }
    })
    await store.close()
  })

  it('rejects a state root version that is not a height up to the block', () => {
    const store = LmdbChainStore.open({ path: join(dir, 'bad-version') })
    const input = syntheticCommit(1, new Uint8Array(32))
    for (const bad of [2, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => store.commitBlock({ ...input, stateRootVersion: bad }),
        (e: unknown) => (e as { code?: string }).code === 'INVALID_ARGUMENT',
      )
    }
    assert.equal(store.latestHeight(), 0, 'nothing committed')
  })
})
