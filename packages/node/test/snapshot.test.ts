/**
 * State snapshots (docs/adr/0029-state-snapshots.md), in one process: four validators on a
 * memory network commit anchor transactions; a snapshot of one of them at height N is verified
 * against the genesis, written into an empty store (memory and LMDB), and a fifth node started
 * from it syncs on from N + 1 to the same blocks and state roots as the validators. Corrupt,
 * truncated, foreign, forged and untrusted snapshots are refused with their codes, and the
 * refusal happens before the store is touched.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { blockHash, genesisValidatorSet } from '@govchain/app'
import { Block, BlockHeader, codec, getSuite, TxResults, toHex } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { anchorArgs, docHash, GOV_CHAIN_ID, makeConsortium, makeTx, ORG_IDS } from '@govchain/distribution/testkit'
import { baseHeight, type ChainStore, LmdbChainStore, MemoryChainStore } from '@govchain/store'
import { ManualClock, SeededRandom } from '../src/clock.ts'
import type { GovchainNode } from '../src/daemon.ts'
import type { NodeHome } from '../src/home.ts'
import {
  applySnapshot,
  buildSnapshot,
  readSnapshotManifest,
  SnapshotBlocks,
  SnapshotEntries,
  SnapshotLight,
  verifySnapshot,
} from '../src/snapshot.ts'
import { MemoryNetwork, memoryHome, startMemoryNode } from './memory-network.ts'

const suite = getSuite('intl')
const START_MS = 1_700_000_000_000 + 60_000
const { genesis, validators, operators } = makeConsortium(suite, 4, { timeoutProposeMs: 3000, maxTxValidityBlocks: 5 })
const ids = ORG_IDS.slice(0, 4)

function home(nodeId: string, key: Uint8Array): NodeHome {
  return memoryHome({ suite, genesis, nodeId, privateKey: key })
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks))
}

function runUntil(clock: ManualClock, nodes: GovchainNode[], height: number): void {
  const deadline = clock.nowMs() + 600_000
  while (Math.min(...nodes.map((n) => n.store.latestHeight())) < height) {
    assert.ok(clock.nowMs() < deadline, `height ${height} not reached`)
    clock.advance(50)
  }
}

describe('state snapshots: export, verify, import, sync on', () => {
  const clock = new ManualClock(START_MS)
  const random = new SeededRandom(18)
  const net = new MemoryNetwork(clock, random)
  const nodes: GovchainNode[] = []
  let N = 0
  let file: Uint8Array
  const dirs: string[] = []

  before(async () => {
    for (const id of ids) {
      nodes.push(
        await startMemoryNode({
          home: home(id, validators[id]!.privateKey),
          clock,
          random,
          p2p: net.transport(id, validators[id]!.publicKey),
        }),
      )
    }
    net.connectAll()
    runUntil(clock, nodes, 2)
    // Anchor transactions over several blocks: some inside the snapshot's replay window, some before it.
    for (let n = 1; n <= 12; n++) {
      await nodes[n % 4]!.submitTx(
        makeTx(suite, operators.market!, {
          chainId: GOV_CHAIN_ID,
          nonce: n,
          validUntilHeight: nodes[0]!.store.latestHeight() + 4,
          args: anchorArgs(docHash(n)),
        }).bytes,
      )
      runUntil(clock, nodes, nodes[0]!.store.latestHeight() + 1)
    }
    N = nodes[0]!.store.latestHeight()
    file = concat(buildSnapshot({ store: nodes[0]!.store, genesis, modules: defaultModules() }).chunks)
  })
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  test('the manifest names the height, the window and hashes every part', () => {
    const m = readSnapshotManifest(file)
    assert.equal(m.height, N)
    assert.equal(m.fromHeight, N - 5)
    assert.equal(m.chainId, GOV_CHAIN_ID)
    assert.equal(m.hash, 'sha256')
    assert.equal(m.blockHash, toHex(blockHash(suite, nodes[0]!.store.getHeader(N)!)))
    assert.equal(m.stateRoot, toHex(nodes[0]!.store.meta()!.stateRoot))
    assert.ok(m.stateEntries > 10, `${m.stateEntries} state entries`)
    assert.deepEqual(
      m.parts.map((p) => p.kind),
      ['light', 'blocks', 'state', ...(m.indexEntries > 0 ? ['index'] : [])],
    )
    // Another node's store at the same height gives the same state and light parts (the chain's, not the node's).
    const other = buildSnapshot({ store: nodes[2]!.store, genesis, modules: defaultModules(), height: N }).manifest
    const same = (x: typeof m) => x.parts.filter((p) => p.kind === 'state' || p.kind === 'light').map((p) => p.hash)
    assert.deepEqual(same(other), same(m))
    assert.throws(() => buildSnapshot({ store: nodes[0]!.store, genesis, modules: defaultModules(), height: N + 99 }), {
      code: 'SNAPSHOT_HEIGHT_UNAVAILABLE',
    })
  })

  test('a node started from the imported snapshot syncs on to the same blocks and state roots', async () => {
    const verified = verifySnapshot(file, { genesis })
    const store = new MemoryChainStore()
    applySnapshot(store, verified)
    assert.equal(store.latestHeight(), N)
    assert.equal(baseHeight(store), N - 5)
    assert.equal(store.getBlock(N - 6), undefined, 'nothing below the window')
    // The replay guard knows the window's transactions (docs/adr/0009).
    for (let h = N - 5; h <= N; h++) {
      for (const r of store.getResults(h)!) assert.deepEqual(store.getTxCommit(r.txHash), { height: h, code: r.code })
    }
    const key = suite.generateKeyPair()
    const fresh = await startMemoryNode({
      home: home('observer', key.privateKey),
      clock,
      random,
      store,
      p2p: net.transport('observer', key.publicKey),
    })
    nodes.push(fresh)
    net.connectToAll('observer')
    // Below the window the node answers PRUNED (HTTP 410), not "no such block".
    assert.throws(() => fresh.block(N - 6), { code: 'PRUNED' })
    assert.equal(fresh.block(N - 5)?.height, N - 5)
    const target = N + 4
    runUntil(clock, nodes, target)
    for (let h = N; h <= target; h++) {
      assert.equal(
        toHex(blockHash(suite, fresh.store.getHeader(h)!)),
        toHex(blockHash(suite, nodes[0]!.store.getHeader(h)!)),
      )
    }
    assert.equal(toHex(fresh.store.getHeader(target)!.stateRoot), toHex(nodes[1]!.store.getHeader(target)!.stateRoot))
    // It exports in turn: the same light, blocks and state parts of N as the validator's.
    // (Its module indexes are the latest, as any node's: they hold what N + 1.. wrote since.)
    const chainParts = (x: ReturnType<typeof readSnapshotManifest>) =>
      x.parts.filter((p) => p.kind !== 'index').map((p) => p.hash)
    const again = buildSnapshot({ store, genesis, modules: defaultModules(), height: N }).manifest
    assert.deepEqual(chainParts(again), chainParts(readSnapshotManifest(file)))
  })

  test('into an LMDB store as well, at the base height (the store takes a first block at any height)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govchain-snap-'))
    dirs.push(dir)
    const store = LmdbChainStore.open({ path: join(dir, 'chain.lmdb') })
    try {
      applySnapshot(store, verifySnapshot(file, { genesis }))
      assert.equal(store.latestHeight(), N)
      assert.equal(toHex(store.meta()!.stateRoot), readSnapshotManifest(file).stateRoot)
      assert.throws(() => applySnapshot(store, verifySnapshot(file, { genesis })), {
        code: 'SNAPSHOT_TARGET_NOT_EMPTY',
      })
    } finally {
      await store.close()
    }
  })

  describe('refused before anything is written', () => {
    const untouched = (): ChainStore => new MemoryChainStore()
    const refuse = (bytes: Uint8Array, code: string, opts: { trustHash?: string; genesis?: typeof genesis } = {}) => {
      const store = untouched()
      assert.throws(() => applySnapshot(store, verifySnapshot(bytes, { genesis: opts.genesis ?? genesis, ...opts })), {
        code,
      })
      assert.equal(store.latestHeight(), 0)
    }
    /** The file with part `i` replaced by `bytes`, manifest updated (hash and size): forged, not corrupt. */
    const forge = (i: number, edit: (bytes: Uint8Array) => Uint8Array): Uint8Array => {
      const m = readSnapshotManifest(file)
      const start = 20 + 4 + new DataView(file.buffer, file.byteOffset + 20, 4).getUint32(0, false)
      const parts: Uint8Array[] = []
      let at = start
      for (const p of m.parts) {
        parts.push(file.subarray(at, at + p.bytes))
        at += p.bytes
      }
      parts[i] = edit(parts[i]!)
      m.parts[i] = { ...m.parts[i]!, bytes: parts[i]!.length, hash: toHex(suite.hash(parts[i]!)) }
      const mb = new TextEncoder().encode(JSON.stringify(m))
      const len = new Uint8Array(4)
      new DataView(len.buffer).setUint32(0, mb.length, false)
      return concat([file.subarray(0, 20), len, mb, ...parts])
    }
    const partIndex = (kind: string) => readSnapshotManifest(file).parts.findIndex((p) => p.kind === kind)

    test('not a snapshot, truncated, a flipped byte: SNAPSHOT_CORRUPT', () => {
      refuse(new TextEncoder().encode('hello'), 'SNAPSHOT_CORRUPT')
      refuse(file.subarray(0, file.length - 1), 'SNAPSHOT_CORRUPT')
      refuse(file.subarray(0, 200), 'SNAPSHOT_CORRUPT')
      const flipped = file.slice()
      flipped[flipped.length - 10]! ^= 1
      refuse(flipped, 'SNAPSHOT_CORRUPT')
    })

    test("another chain's snapshot: SNAPSHOT_FOREIGN", () => {
      refuse(file, 'SNAPSHOT_FOREIGN', { genesis: makeConsortium(suite, 4).genesis })
    })

    test('a forged state value (hashes recomputed): SNAPSHOT_STATE_MISMATCH', () => {
      refuse(
        forge(partIndex('state'), (bytes) => {
          const entries = codec.decode(SnapshotEntries, bytes, bytes.length)
          entries[0] = { key: entries[0]!.key, value: new Uint8Array([...entries[0]!.value, 1]) }
          return codec.encode(SnapshotEntries, entries)
        }),
        'SNAPSHOT_STATE_MISMATCH',
      )
      refuse(
        forge(partIndex('state'), (bytes) =>
          codec.encode(SnapshotEntries, codec.decode(SnapshotEntries, bytes, bytes.length).slice(1)),
        ),
        'SNAPSHOT_STATE_MISMATCH',
      )
    })

    const editBlocks = (edit: (blocks: codec.Infer<typeof SnapshotBlocks>) => void) =>
      forge(partIndex('blocks'), (bytes) => {
        const blocks = codec.decode(SnapshotBlocks, bytes, bytes.length)
        edit(blocks)
        return codec.encode(SnapshotBlocks, blocks)
      })

    test('forged results or transactions of a block in the window: SNAPSHOT_STATE_MISMATCH', () => {
      const withTx = (blocks: codec.Infer<typeof SnapshotBlocks>) => {
        const b = blocks.find((x) => codec.decode(TxResults, x.results, x.results.length).length > 0)
        assert.ok(b !== undefined, 'a block with transactions in the window')
        return b
      }
      refuse(
        editBlocks((blocks) => {
          const b = withTx(blocks)
          const results = codec.decode(TxResults, b.results, b.results.length)
          results[0] = { ...results[0]!, code: 'TX_REPLAY' }
          b.results = codec.encode(TxResults, results)
        }),
        'SNAPSHOT_STATE_MISMATCH',
      )
      refuse(
        editBlocks((blocks) => {
          const b = withTx(blocks)
          const block = codec.decode(Block, b.block)
          block.txs = []
          b.block = codec.encode(Block, block)
          b.results = codec.encode(TxResults, [])
        }),
        'SNAPSHOT_STATE_MISMATCH',
      )
      refuse(
        editBlocks((blocks) => {
          blocks.shift()
        }),
        'SNAPSHOT_STATE_MISMATCH',
      )
    })

    test('a certificate the trusted set did not make, or not the trusted hash: SNAPSHOT_UNTRUSTED', () => {
      refuse(file, 'SNAPSHOT_UNTRUSTED', { trustHash: '00'.repeat(32) })
      assert.equal(
        verifySnapshot(file, { genesis, trustHash: readSnapshotManifest(file).blockHash }).manifest.height,
        N,
      )
      refuse(
        editBlocks((blocks) => {
          const top = blocks[blocks.length - 1]!
          top.certificate = { ...top.certificate, signatures: top.certificate.signatures.slice(0, 2) }
        }),
        'SNAPSHOT_UNTRUSTED',
      )
      // A validator-set change to a set of strangers, pinned on a real header that names another next set.
      const header = nodes[0]!.store.getHeader(2)!
      const strangers = makeConsortium(suite, 4)
      const change = {
        header: codec.encode(BlockHeader, header),
        certificate: nodes[0]!.store.getCertificate(2)!,
        next: genesisValidatorSet(strangers.genesis),
      }
      refuse(
        forge(0, () => codec.encode(SnapshotLight, { changes: [change] })),
        'SNAPSHOT_UNTRUSTED',
      )
      // A real change record with its set intact still has to lead to N's set.
      refuse(
        forge(0, () =>
          codec.encode(SnapshotLight, {
            changes: [{ ...change, certificate: nodes[0]!.store.getCertificate(3)! }],
          }),
        ),
        'SNAPSHOT_UNTRUSTED',
      )
    })
  })
})
