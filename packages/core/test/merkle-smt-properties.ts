/**
 * The sparse Merkle tree's property tests (against a model Map, a reference root, an uncached
 * tree), shared by the tiers: merkle-smt.test.ts runs a fifth of each property's runs,
 * merkle-smt.slow.test.ts the rest (runsIn). Also the helpers both files use.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { toHex, utf8 } from '../src/bytes.ts'
import { EMPTY_ROOT, MemorySmtStore, type SmtNodeStore, SparseMerkleTree, verifySmtProof } from '../src/merkle/index.ts'
import { runsIn, type Tier } from './tiers.ts'

export type Hash = (d: Uint8Array) => Uint8Array

/**
 * An independent reference for the root: the canonical compacted tree defined directly on the
 * set of (path, value) pairs. 0 keys: 32 zero bytes; 1 key: its leaf; 2+: an inner node over
 * the 0-half and the 1-half.
 */
export function refRoot(hash: Hash, model: Map<string, Uint8Array>): Uint8Array {
  const entries = [...model].map(([k, v]) => ({ path: hash(utf8(k)), valueHash: hash(v) }))
  const bitOf = (p: Uint8Array, d: number) => (p[d >> 3]! >> (7 - (d % 8))) & 1
  const go = (es: typeof entries, depth: number): Uint8Array => {
    if (es.length === 0) return new Uint8Array(32)
    if (es.length === 1) return hash(Uint8Array.of(0, ...es[0]!.path, ...es[0]!.valueHash))
    const l = es.filter((e) => bitOf(e.path, depth) === 0)
    const r = es.filter((e) => bitOf(e.path, depth) === 1)
    return hash(Uint8Array.of(1, ...go(l, depth + 1), ...go(r, depth + 1)))
  }
  return go(entries, 0)
}

export function setup(hash: Hash = sha256) {
  const store = new MemorySmtStore()
  const tree = new SparseMerkleTree({ hash, store })
  const apply = (root: Uint8Array, changes: [string, string | undefined][]): Uint8Array => {
    const out = tree.update(
      root,
      changes.map(([k, v]) => [utf8(k), v === undefined ? undefined : utf8(v)] as const),
    )
    store.apply(out.nodes)
    return out.root
  }
  return { store, tree, apply }
}

/**
 * A store keyed by (version, hash), like the node's LMDB store: a lookup with another version
 * than the node was written with finds nothing, so the tree must carry every child's version.
 */
export class VersionedStore implements SmtNodeStore {
  readonly nodes = new Map<string, Uint8Array>()
  readonly roots = new Map<string, number>()
  lookups = 0
  get(nodeHash: Uint8Array, version?: number): Uint8Array | undefined {
    this.lookups++
    return this.nodes.get(`${version ?? 'none'}/${toHex(nodeHash)}`)
  }
  versionOf(rootHash: Uint8Array): number | undefined {
    return this.roots.get(toHex(rootHash))
  }
  /** As the node's store commits a block: its new nodes, and the root's version (new or not). */
  apply(version: number, out: { root: Uint8Array; nodes: ReadonlyMap<string, Uint8Array>; rootVersion: number }): void {
    for (const [k, v] of out.nodes) this.nodes.set(`${version}/${k}`, v)
    if (out.rootVersion > 0) this.roots.set(toHex(out.root), out.rootVersion)
  }
}

export function smtProperties(tier: Tier): void {
  describe('sparse Merkle tree: order and batching (property, against a model Map)', () => {
    const keyArb = fc.integer({ min: 0, max: 40 }).map((i) => `k${i}`)
    const opArb = fc.tuple(keyArb, fc.option(fc.string({ maxLength: 6 }), { nil: undefined, freq: 3 }))

    test('root depends only on content: any order, any batch split, equals the reference; gets and proofs agree', () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { maxLength: 80 }),
          fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 }),
          (ops, chunks) => {
            const { tree, apply } = setup()
            const model = new Map<string, Uint8Array>()
            let root = EMPTY_ROOT
            let at = 0
            let c = 0
            while (at < ops.length) {
              const n = chunks[c++ % chunks.length]!
              const batch = ops.slice(at, at + n)
              at += n
              root = apply(root, batch)
              for (const [k, v] of batch) {
                if (v === undefined) model.delete(k)
                else model.set(k, utf8(v))
              }
            }
            assert.deepEqual(root, refRoot(sha256, model))
            // The same content in one batch, in a different order, from scratch.
            const fresh = setup()
            const reversed = [...model].reverse().map(([k, v]) => [k, new TextDecoder().decode(v)] as [string, string])
            assert.deepEqual(fresh.apply(EMPTY_ROOT, reversed), root)
            for (let i = 0; i <= 40; i++) {
              const k = utf8(`k${i}`)
              const v = model.get(`k${i}`)
              assert.deepEqual(tree.get(root, k), v)
              assert.equal(verifySmtProof(sha256, root, k, v, tree.prove(root, k)), true)
            }
            assert.equal([...tree.entries(root)].length, model.size)
          },
        ),
        { numRuns: runsIn(tier, 150) },
      )
    })
  })

  describe('sparse Merkle tree: the decoded-node cache (property)', () => {
    const keyArb = fc.integer({ min: 0, max: 60 }).map((i) => `k${i}`)
    const opArb = fc.tuple(keyArb, fc.option(fc.string({ maxLength: 6 }), { nil: undefined, freq: 3 }))

    test('a tree with a small cache (evicting all the time, memos dropped) answers as an uncached one, at every root', () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(opArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 }),
          fc.constantFrom(1, 3, 17, 200),
          (batches, cacheSize) => {
            const store = new MemorySmtStore()
            const cached = new SparseMerkleTree({ hash: sha256, store, nodeCacheSize: cacheSize })
            const plain = new SparseMerkleTree({ hash: sha256, store })
            const roots = [EMPTY_ROOT]
            for (const batch of batches) {
              const changes = batch.map(([k, v]) => [utf8(k), v === undefined ? undefined : utf8(v)] as const)
              const a = cached.update(roots[roots.length - 1]!, changes)
              const b = plain.update(roots[roots.length - 1]!, changes)
              assert.deepEqual(a.root, b.root)
              assert.deepEqual([...a.nodes.keys()].sort(), [...b.nodes.keys()].sort())
              store.apply(a.nodes)
              roots.push(a.root)
            }
            // Old roots after newer ones: evicted parents and children are reloaded correctly.
            for (const root of [...roots].reverse()) {
              for (let i = 0; i <= 60; i += 3) {
                const k = utf8(`k${i}`)
                assert.deepEqual(cached.get(root, k), plain.get(root, k))
                assert.deepEqual(cached.prove(root, k), plain.prove(root, k))
              }
            }
          },
        ),
        { numRuns: runsIn(tier, 100) },
      )
    })
  })

  describe('sparse Merkle tree: the decoded-node cache with versions (property)', () => {
    const keyArb = fc.integer({ min: 0, max: 60 }).map((i) => `k${i}`)
    const opArb = fc.tuple(keyArb, fc.option(fc.string({ maxLength: 6 }), { nil: undefined, freq: 3 }))

    test('a caching tree on a version-strict store answers as an uncached one, update after update', () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(opArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 10 }),
          fc.constantFrom(2, 50, 5000),
          (batches, cacheSize) => {
            const store = new VersionedStore()
            const cached = new SparseMerkleTree({ hash: sha256, store, nodeCacheSize: cacheSize })
            const fresh = () => new SparseMerkleTree({ hash: sha256, store })
            let root = EMPTY_ROOT
            batches.forEach((batch, i) => {
              const changes = batch.map(([k, v]) => [utf8(k), v === undefined ? undefined : utf8(v)] as const)
              const out = cached.update(root, changes, { version: i + 1 })
              // Roots and every answer agree. The records may not: a node that exists under two
              // versions (same hash, children written at different heights) has two records, and
              // a caching tree may point at the older one; both stay in the store (ADR 0011).
              assert.deepEqual(out.root, fresh().update(root, changes, { version: i + 1 }).root)
              store.apply(i + 1, out)
              root = out.root
              for (let j = 0; j <= 60; j += 4) {
                const k = utf8(`k${j}`)
                assert.deepEqual(cached.get(root, k), fresh().get(root, k))
                assert.deepEqual(cached.prove(root, k), fresh().prove(root, k))
              }
            })
          },
        ),
        { numRuns: runsIn(tier, 100) },
      )
    })
  })

  describe('sparse Merkle tree: versioned storage (nodes keyed by version and hash)', () => {
    const keyArb = fc.integer({ min: 0, max: 30 }).map((i) => `k${i}`)
    const opArb = fc.tuple(keyArb, fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined, freq: 3 }))

    test('roots, gets, proofs and entries equal the unversioned tree over many versions', () => {
      fc.assert(
        fc.property(fc.array(fc.array(opArb, { maxLength: 12 }), { minLength: 1, maxLength: 25 }), (batches) => {
          const plain = setup()
          const vstore = new VersionedStore()
          // No node cache: every read goes to the store with the version the tree believes.
          const vtree = new SparseMerkleTree({ hash: sha256, store: vstore })
          let root = EMPTY_ROOT
          let vroot = EMPTY_ROOT
          const history: Uint8Array[] = []
          batches.forEach((batch, i) => {
            const version = i + 1
            root = plain.apply(root, batch)
            const changes = batch.map(([k, v]) => [utf8(k), v === undefined ? undefined : utf8(v)] as const)
            const out = vtree.update(vroot, changes, { version })
            vstore.apply(version, out)
            vroot = out.root
            assert.deepEqual(vroot, root, `version ${version}`)
            history.push(vroot)
          })
          // Every past root stays readable, with its own versions.
          for (const r of history) {
            const expected = [...plain.tree.entries(r)].map(([k, v]) => `${toHex(k)}=${toHex(v)}`).sort()
            assert.deepEqual([...vtree.entries(r)].map(([k, v]) => `${toHex(k)}=${toHex(v)}`).sort(), expected)
            for (let k = 0; k <= 30; k += 3) {
              const key = utf8(`k${k}`)
              const v = plain.tree.get(r, key)
              assert.deepEqual(vtree.get(r, key), v)
              assert.equal(verifySmtProof(sha256, r, key, v, vtree.prove(r, key)), true)
            }
          }
        }),
        { numRuns: runsIn(tier, 120) },
      )
    })
  })
}
