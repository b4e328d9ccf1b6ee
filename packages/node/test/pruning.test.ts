/**
 * Pruning with an archive (docs/adr/0033-pruning-and-archive.md): the pure plan and config
 * checks, then four validators in one process, one of them on LMDB with `pruning.keepHeights`:
 * it keeps committing the same blocks and state roots as the others, answers PRUNED for the
 * heights it dropped, every state it still holds is whole, and the archive files read back to
 * the very blocks the others hold. A node that joins linked only to the pruned one hears where
 * its blocks start (SyncPruned) and reports that only a snapshot gets it further.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { blockHash } from '@govchain/app'
import { getSuite, SparseMerkleTree, toHex } from '@govchain/core'
import { anchorArgs, docHash, GOV_CHAIN_ID, makeConsortium, makeTx, ORG_IDS } from '@govchain/distribution/testkit'
import { baseHeight, type ChainStore, LmdbChainStore, MemoryChainStore } from '@govchain/store'
import { ManualClock, SeededRandom } from '../src/clock.ts'
import type { GovchainNode } from '../src/daemon.ts'
import { checkPruningConfig, prunePlan, readArchive } from '../src/pruning.ts'
import { MemoryNetwork, memoryHome, startMemoryNode } from './memory-network.ts'

const suite = getSuite('intl')
const { genesis, validators, operators } = makeConsortium(suite, 4, { timeoutProposeMs: 3000, maxTxValidityBlocks: 5 })

describe('pruning plan and configuration', () => {
  test('prunes once a batch (a tenth of keepHeights) is due, down to keepHeights', () => {
    assert.equal(prunePlan(10, 1, 100), undefined)
    assert.equal(prunePlan(109, 1, 100), undefined, 'below = 10: 9 heights, the batch is 10')
    assert.deepEqual(prunePlan(110, 1, 100), { from: 1, below: 11 })
    assert.deepEqual(prunePlan(20, 5, 7), { from: 5, below: 14 })
    assert.equal(prunePlan(20, 14, 7), undefined)
    assert.deepEqual(prunePlan(50_000, 1, 20_000), { from: 1, below: 30_001 }, 'the batch is at most 1000')
  })

  test('keepHeights must cover the replay window: maxTxValidityBlocks + 2', () => {
    assert.equal(checkPruningConfig(undefined, genesis), undefined)
    assert.deepEqual(checkPruningConfig({ keepHeights: 7 }, genesis), { keepHeights: 7 })
    for (const bad of [{ keepHeights: 6 }, { keepHeights: 7.5 }, { keepHeights: '10' }, {}, null, 3]) {
      assert.throws(() => checkPruningConfig(bad, genesis), { code: 'CONFIG_INVALID' })
    }
  })
})

describe('a pruning validator among others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govchain-prune-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('same blocks and roots; PRUNED below its base; every kept state whole; archives read back', async () => {
    const clock = new ManualClock(1_700_000_000_000 + 60_000)
    const random = new SeededRandom(30)
    const net = new MemoryNetwork(clock, random)
    const ids = ORG_IDS.slice(0, 4)
    const nodes: GovchainNode[] = []
    const start = (id: string, orgId: string, privateKey: Uint8Array, publicKey: Uint8Array, store: ChainStore) => {
      const home = memoryHome({
        suite,
        genesis,
        nodeId: id,
        privateKey,
        dir,
        config: { orgId, ...(store instanceof LmdbChainStore ? { pruning: { keepHeights: 7 } } : {}) },
      })
      return startMemoryNode({ home, clock, random, store, p2p: net.transport(id, publicKey) })
    }
    for (const [i, id] of ids.entries()) {
      const store: ChainStore =
        i === 0 ? LmdbChainStore.open({ path: join(dir, 'chain.lmdb') }) : new MemoryChainStore()
      nodes.push(await start(id, id, validators[id]!.privateKey, validators[id]!.publicKey, store))
    }
    net.connectAll()
    const runTo = (height: number) => {
      while (Math.min(...nodes.map((n) => n.store.latestHeight())) < height) clock.advance(50)
    }
    try {
      for (let n = 1; n <= 25; n++) {
        await nodes[n % 4]!.submitTx(
          makeTx(suite, operators.market!, {
            chainId: GOV_CHAIN_ID,
            nonce: n,
            validUntilHeight: nodes[1]!.store.latestHeight() + 4,
            args: anchorArgs(docHash(n)),
          }).bytes,
        )
        runTo(nodes[1]!.store.latestHeight() + 1)
      }
      clock.advance(10) // the pruning task of the last commit
      const [pruned, other] = [nodes[0]!, nodes[1]!]
      const latest = Math.min(pruned.store.latestHeight(), other.store.latestHeight())
      const base = baseHeight(pruned.store)
      assert.ok(base > 1 && latest - base + 1 >= 7, `base ${base}, latest ${latest}`)
      assert.throws(() => pruned.block(1), { code: 'PRUNED' })
      assert.throws(() => pruned.block(base - 1), { code: 'PRUNED' })
      assert.equal(pruned.store.getBlock(base - 1), undefined)
      // The explorer's transaction list stops at the base with a cursor, which then answers PRUNED.
      assert.throws(() => pruned.txList({ limit: 5, height: base - 1 }), { code: 'PRUNED' })
      const seen: number[] = []
      let cursor: string | undefined
      let refused: unknown
      for (let pages = 0; pages < 1000 && refused === undefined; pages++) {
        try {
          const page = pruned.txList({ limit: 3, ...(cursor === undefined ? {} : { cursor }) })
          seen.push(...page.items.map((t) => t.height))
          if (page.next === null) break
          cursor = page.next
        } catch (e) {
          refused = e
        }
      }
      assert.equal(
        (refused as { code?: string } | undefined)?.code,
        'PRUNED',
        'the listing ends in PRUNED, not silently',
      )
      assert.ok(seen.length > 0 && seen.every((h) => h >= base), `listed heights from ${Math.min(...seen)}`)
      const tree = (s: ChainStore) => new SparseMerkleTree({ hash: (d) => suite.hash(d), store: s })
      for (let h = base; h <= latest; h++) {
        assert.equal(
          toHex(blockHash(suite, pruned.store.getHeader(h)!)),
          toHex(blockHash(suite, other.store.getHeader(h)!)),
        )
        // The whole state at h still reads (no node it reaches was dropped), and is the other's.
        const root = pruned.store.getHeader(h)!.stateRoot
        assert.equal([...tree(pruned.store).entries(root)].length, [...tree(other.store).entries(root)].length)
      }
      // Dropped: the state of an early height, which later blocks replaced, no longer reads.
      const early = other.store.getHeader(2)!.stateRoot
      assert.ok([...tree(other.store).entries(early)].length > 0)
      assert.throws(() => [...tree(pruned.store).entries(early)])
      // Archived heights 1..base-1, each file checked and read back to the others' blocks.
      const files = readdirSync(join(dir, 'archive')).filter((f) => f.endsWith('.bin'))
      const archived = files.flatMap((f) => readArchive(join(dir, 'archive', f)).blocks)
      assert.deepEqual(
        archived.map((b) => b.height).sort((a, b) => a - b),
        Array.from({ length: base - 1 }, (_, i) => i + 1),
      )
      for (const b of archived) assert.equal(b.hash, toHex(blockHash(suite, other.store.getHeader(b.height)!)))
      assert.ok(
        archived.some((b) => b.results.length > 0),
        'transactions and their results archived',
      )

      // Block sync from a pruned peer: a node that joins now, linked to the pruned validator only,
      // is told where that peer's blocks start (not an empty answer) and says it is stuck; linked
      // to a full node too, it syncs from there.
      const key = suite.generateKeyPair()
      const newcomer = await start('newcomer', ids[1]!, key.privateKey, key.publicKey, new MemoryChainStore())
      nodes.push(newcomer)
      net.connect('newcomer', pruned.nodeId)
      for (let i = 0; i < 200 && newcomer.status().syncBlocked === undefined; i++) clock.advance(50)
      assert.equal(newcomer.store.latestHeight(), 0)
      assert.deepEqual(newcomer.status().syncBlocked, { code: 'PRUNED', height: 1, base: baseHeight(pruned.store) })
      net.connect('newcomer', other.nodeId)
      const target = other.store.latestHeight()
      for (let i = 0; i < 2000 && newcomer.store.latestHeight() < target; i++) clock.advance(50)
      assert.ok(newcomer.store.latestHeight() >= target, `synced to ${newcomer.store.latestHeight()} of ${target}`)
      assert.equal(newcomer.status().syncBlocked, undefined)
      assert.equal(toHex(newcomer.store.getHeader(target)!.stateRoot), toHex(other.store.getHeader(target)!.stateRoot))
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
    }
  })
})
