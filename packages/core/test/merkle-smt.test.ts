import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha3_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { toHex, utf8 } from '../src/bytes.ts'
import { decode, encode } from '../src/encoding/codec.ts'
import { GovchainError } from '../src/errors.ts'
import {
  EMPTY_ROOT,
  MemorySmtStore,
  SMT_KEY_BYTES_MAX,
  SMT_VALUE_BYTES_MAX,
  type SmtNodeStore,
  type SmtProof,
  SmtProofCodec,
  SparseMerkleTree,
  verifySmtProof,
} from '../src/merkle/index.ts'
import { type Hash, refRoot, setup, smtProperties, VersionedStore } from './merkle-smt-properties.ts'

const sm3: Hash = (d) => new Uint8Array(createHash('sm3').update(d).digest())
const HASHES: [string, Hash][] = [
  ['SHA-256 (@noble/hashes)', sha256],
  ['SM3 (node:crypto)', sm3],
  ['SHA3-256 (@noble/hashes)', sha3_256],
]

const STORED_MAX = 2 * SMT_VALUE_BYTES_MAX
const isCode = (code: string) => (e: unknown) => e instanceof GovchainError && e.code === code

describe('sparse Merkle tree: basics', () => {
  for (const [name, hash] of HASHES) {
    test(`${name}: get, membership and non-membership proofs`, () => {
      const { tree, apply } = setup(hash)
      const keys = Array.from({ length: 200 }, (_, i) => `licence/${i}`)
      const root = apply(
        EMPTY_ROOT,
        keys.map((k, i) => [k, `value-${i}`]),
      )
      assert.deepEqual(root, refRoot(hash, new Map(keys.map((k, i) => [k, utf8(`value-${i}`)]))))
      for (const [i, k] of keys.entries()) {
        assert.deepEqual(tree.get(root, utf8(k)), utf8(`value-${i}`))
        const proof = tree.prove(root, utf8(k))
        assert.ok(proof.leaf)
        assert.equal(verifySmtProof(hash, root, utf8(k), utf8(`value-${i}`), proof), true)
        assert.equal(verifySmtProof(hash, root, utf8(k), utf8('other'), proof), false, 'wrong value')
        assert.equal(verifySmtProof(hash, root, utf8(k), undefined, proof), false, 'member claimed absent')
      }
      for (let i = 0; i < 200; i++) {
        const k = utf8(`absent/${i}`)
        assert.equal(tree.get(root, k), undefined)
        const proof = tree.prove(root, k)
        assert.equal(verifySmtProof(hash, root, k, undefined, proof), true)
        assert.equal(verifySmtProof(hash, root, k, utf8('x'), proof), false, 'absent claimed present')
      }
    })
  }

  test('the empty tree: root is 32 zero bytes, everything absent, provably', () => {
    const { tree } = setup()
    assert.deepEqual(EMPTY_ROOT, new Uint8Array(32))
    assert.equal(tree.get(EMPTY_ROOT, utf8('a')), undefined)
    const proof = tree.prove(EMPTY_ROOT, utf8('a'))
    assert.deepEqual(proof, { siblings: [] })
    assert.equal(verifySmtProof(sha256, EMPTY_ROOT, utf8('a'), undefined, proof), true)
    assert.deepEqual([...tree.entries(EMPTY_ROOT)], [])
  })

  test('a single key: the root is its leaf, empty key and empty value are allowed', () => {
    const { tree, apply } = setup()
    const root = apply(EMPTY_ROOT, [['', '']])
    assert.deepEqual(root, sha256(Uint8Array.of(0, ...sha256(new Uint8Array(0)), ...sha256(new Uint8Array(0)))))
    assert.deepEqual(tree.get(root, new Uint8Array(0)), new Uint8Array(0))
    assert.equal(verifySmtProof(sha256, root, new Uint8Array(0), new Uint8Array(0), tree.prove(root, utf8(''))), true)
    const absent = tree.prove(root, utf8('b'))
    assert.equal(absent.siblings.length, 0)
    assert.equal(verifySmtProof(sha256, root, utf8('b'), undefined, absent), true)
  })

  test('known answer (SHA-256), pinning the node and hash format', () => {
    const { apply } = setup()
    const root = apply(EMPTY_ROOT, [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ])
    const model = new Map([
      ['a', utf8('1')],
      ['b', utf8('2')],
      ['c', utf8('3')],
    ])
    assert.deepEqual(root, refRoot(sha256, model))
    assert.equal(toHex(root), KNOWN_ROOT_ABC)
  })

  test('entries() lists every key and value', () => {
    const { tree, apply } = setup()
    const root = apply(EMPTY_ROOT, [
      ['x', '1'],
      ['y', '2'],
      ['z', '3'],
    ])
    const got = new Map(
      [...tree.entries(root)].map(([k, v]) => [new TextDecoder().decode(k), new TextDecoder().decode(v)]),
    )
    assert.deepEqual(
      got,
      new Map([
        ['x', '1'],
        ['y', '2'],
        ['z', '3'],
      ]),
    )
  })

  test('overwrite, delete of absent keys, last write in a batch wins, no-op batches keep the root', () => {
    const { tree, apply, store } = setup()
    const r1 = apply(EMPTY_ROOT, [
      ['k', 'v1'],
      ['k', 'v2'],
      ['j', 'w'],
    ])
    assert.deepEqual(tree.get(r1, utf8('k')), utf8('v2'))
    const r2 = apply(r1, [['nope', undefined]])
    assert.deepEqual(r2, r1)
    const before = store.size
    const same = tree.update(r1, [[utf8('k'), utf8('v2')]])
    assert.deepEqual(same.root, r1)
    assert.equal(store.size, before, 'update never writes the store')
    const r3 = apply(r1, [['k', 'v3']])
    assert.deepEqual(tree.get(r3, utf8('k')), utf8('v3'))
    const r4 = apply(r3, [
      ['k', undefined],
      ['k', 'back'],
    ])
    assert.deepEqual(tree.get(r4, utf8('k')), utf8('back'))
  })

  test('deleting everything returns to EMPTY_ROOT', () => {
    const { apply } = setup()
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`)
    let root = apply(
      EMPTY_ROOT,
      keys.map((k) => [k, k]),
    )
    for (let i = 0; i < keys.length; i += 37) {
      root = apply(
        root,
        keys.slice(i, i + 37).map((k) => [k, undefined]),
      )
    }
    assert.deepEqual(root, EMPTY_ROOT)
  })

  test('old roots still answer get and prove after later updates', () => {
    const { tree, apply } = setup()
    const history: { root: Uint8Array; model: Map<string, string> }[] = []
    let root = EMPTY_ROOT
    const model = new Map<string, string>()
    for (let h = 0; h < 20; h++) {
      const changes: [string, string | undefined][] = []
      for (let i = 0; i < 15; i++) {
        const k = `key${(h * 7 + i * 13) % 60}`
        const v = (h + i) % 4 === 0 ? undefined : `h${h}i${i}`
        changes.push([k, v])
        if (v === undefined) model.delete(k)
        else model.set(k, v)
      }
      root = apply(root, changes)
      history.push({ root, model: new Map(model) })
    }
    for (const { root: old, model: m } of history) {
      for (let i = 0; i < 60; i++) {
        const k = `key${i}`
        const v = m.get(k)
        assert.deepEqual(tree.get(old, utf8(k)), v === undefined ? undefined : utf8(v))
        assert.equal(
          verifySmtProof(sha256, old, utf8(k), v === undefined ? undefined : utf8(v), tree.prove(old, utf8(k))),
          true,
        )
      }
    }
  })

  test('a store that reuses one buffer for every read (like lmdb-js getBinaryFast) gives the same trees', () => {
    const backing = new MemorySmtStore()
    const reused = new Uint8Array(STORED_MAX)
    const fast: SmtNodeStore = {
      get(h) {
        const node = backing.get(h)
        if (node === undefined) return undefined
        reused.set(node)
        return reused.subarray(0, node.length)
      },
    }
    const fastTree = new SparseMerkleTree({ hash: sha256, store: fast })
    const { apply } = setup()
    let root = EMPTY_ROOT
    let fastRoot = EMPTY_ROOT
    for (let b = 0; b < 30; b++) {
      const changes: [string, string | undefined][] = Array.from({ length: 25 }, (_, i) => [
        `r${(b * 11 + i * 5) % 90}`,
        (b + i) % 5 === 0 ? undefined : `b${b}i${i}`,
      ])
      root = apply(root, changes)
      const out = fastTree.update(
        fastRoot,
        changes.map(([k, v]) => [utf8(k), v === undefined ? undefined : utf8(v)] as const),
      )
      backing.apply(out.nodes)
      fastRoot = out.root
      assert.deepEqual(fastRoot, root)
    }
    for (let i = 0; i < 90; i++) {
      const k = utf8(`r${i}`)
      const v = fastTree.get(fastRoot, k)
      assert.equal(verifySmtProof(sha256, fastRoot, k, v, fastTree.prove(fastRoot, k)), true)
    }
  })

  test('inputs are not mutated and stored values do not alias them', () => {
    const { tree, store } = setup()
    const key = utf8('key')
    const value = utf8('value')
    const out = tree.update(EMPTY_ROOT, [[key, value]])
    store.apply(out.nodes)
    assert.deepEqual(key, utf8('key'))
    value[0] = 0
    assert.deepEqual(tree.get(out.root, utf8('key')), utf8('value'))
    const got = tree.get(out.root, utf8('key'))!
    got[0] = 0
    assert.deepEqual(tree.get(out.root, utf8('key')), utf8('value'))
  })
})

smtProperties('fast')

describe('sparse Merkle tree: versioned storage (nodes keyed by version and hash)', () => {
  test("inner nodes record their children's versions; without them the lookups miss", () => {
    const vstore = new VersionedStore()
    const vtree = new SparseMerkleTree({ hash: sha256, store: vstore })
    const a = vtree.update(EMPTY_ROOT, [[utf8('a'), utf8('1')]], { version: 7 })
    vstore.apply(7, a)
    const b = vtree.update(a.root, [[utf8('b'), utf8('2')]], { version: 9 })
    vstore.apply(9, b)
    const rootRecord = b.nodes.get(toHex(b.root))!
    assert.equal(rootRecord.length, 65 + 16, 'versioned inner record')
    // The hash is over the preimage only: the versions are storage, not content.
    assert.deepEqual(sha256(rootRecord.subarray(0, 65)), b.root)
    assert.deepEqual(vtree.get(b.root, utf8('a')), utf8('1'))
    assert.deepEqual(vtree.get(b.root, utf8('b')), utf8('2'))
    // Looked up by hash alone (version 0), the version-7 and -9 nodes are not found.
    const unaware = new SparseMerkleTree({ hash: sha256, store: { get: (h) => vstore.get(h, 0) } })
    assert.throws(() => unaware.get(b.root, utf8('a')), isCode('SMT_NODE_MISSING'))
    assert.throws(() => vtree.update(EMPTY_ROOT, [], { version: -1 }), isCode('INVALID_ARGUMENT'))
    assert.throws(() => vtree.update(EMPTY_ROOT, [], { version: 1.5 }), isCode('INVALID_ARGUMENT'))
  })
})

describe('sparse Merkle tree: tampering', () => {
  const { tree, apply } = setup()
  const keys = Array.from({ length: 64 }, (_, i) => `t${i}`)
  const root = apply(
    EMPTY_ROOT,
    keys.map((k) => [k, `v:${k}`]),
  )
  const clone = (p: SmtProof): SmtProof => ({
    ...(p.leaf === undefined ? {} : { leaf: { path: p.leaf.path.slice(), valueHash: p.leaf.valueHash.slice() } }),
    siblings: p.siblings.map((s) => s.slice()),
  })

  test('membership: tampered value, key, root, leaf or siblings fail', () => {
    for (const k of keys) {
      const key = utf8(k)
      const value = utf8(`v:${k}`)
      const proof = tree.prove(root, key)
      assert.equal(verifySmtProof(sha256, root, key, value, proof), true)
      assert.equal(verifySmtProof(sha256, root, utf8(`${k}x`), value, proof), false, 'other key')
      assert.equal(verifySmtProof(sha256, root, key, utf8(`v:${k}!`), proof), false, 'other value')
      const badRoot = root.slice()
      badRoot[31]! ^= 1
      assert.equal(verifySmtProof(sha256, badRoot, key, value, proof), false, 'other root')
      for (let d = 0; d < proof.siblings.length; d++) {
        const p = clone(proof)
        p.siblings[d]![d % 32]! ^= 0x80
        assert.equal(verifySmtProof(sha256, root, key, value, p), false, `sibling ${d} flipped`)
      }
      const shorter = clone(proof)
      shorter.siblings.pop()
      assert.equal(verifySmtProof(sha256, root, key, value, shorter), false, 'sibling removed')
      const longer = clone(proof)
      longer.siblings.push(new Uint8Array(32))
      assert.equal(verifySmtProof(sha256, root, key, value, longer), false, 'empty sibling appended')
      const leafless = clone(proof)
      delete leafless.leaf
      assert.equal(verifySmtProof(sha256, root, key, value, leafless), false, 'leaf removed')
      const vh = clone(proof)
      vh.leaf!.valueHash[0]! ^= 1
      assert.equal(verifySmtProof(sha256, root, key, value, vh), false, 'value hash flipped')
    }
  })

  test("non-membership: another key's proof, a wrong leaf, or a shifted depth fail", () => {
    for (let i = 0; i < 64; i++) {
      const key = utf8(`absent${i}`)
      const proof = tree.prove(root, key)
      assert.equal(verifySmtProof(sha256, root, key, undefined, proof), true)
      // A member's proof cannot show absence of that member.
      const member = utf8(keys[i]!)
      assert.equal(verifySmtProof(sha256, root, member, undefined, tree.prove(root, member)), false)
      // Nor does this proof show absence of a member.
      assert.equal(verifySmtProof(sha256, root, member, undefined, proof), false)
      if (proof.leaf !== undefined) {
        const p = clone(proof)
        p.leaf!.path[31]! ^= 1
        assert.equal(verifySmtProof(sha256, root, key, undefined, p), false, 'leaf path changed')
        const q = clone(proof)
        delete q.leaf
        assert.equal(verifySmtProof(sha256, root, key, undefined, q), false, 'leaf dropped')
      }
      if (proof.siblings.length > 0) {
        const p = clone(proof)
        p.siblings.shift()
        assert.equal(verifySmtProof(sha256, root, key, undefined, p), false, 'depth shifted')
      }
    }
  })

  test('a proof for one hash does not verify under another', () => {
    const key = utf8('t3')
    assert.equal(verifySmtProof(sm3, root, key, utf8('v:t3'), tree.prove(root, key)), false)
  })

  test('verifySmtProof never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), (r, k, v, p) => {
        const ok = verifySmtProof(sha256, r as Uint8Array, k as Uint8Array, v as Uint8Array, p as SmtProof)
        assert.equal(ok, false)
      }),
      { numRuns: 300 },
    )
    fc.assert(
      fc.property(
        fc.record({
          leaf: fc.option(
            fc.record({
              path: fc.uint8Array({ minLength: 0, maxLength: 33 }),
              valueHash: fc.uint8Array({ maxLength: 33 }),
            }),
            { nil: undefined },
          ),
          siblings: fc.array(fc.uint8Array({ minLength: 31, maxLength: 33 }), { maxLength: 300 }),
        }),
        fc.uint8Array({ maxLength: 4 }),
        (p, key) => {
          assert.equal(typeof verifySmtProof(sha256, root, key, undefined, p as SmtProof), 'boolean')
          const bad = () => sha256(new Uint8Array(0)).subarray(0, 3)
          assert.equal(verifySmtProof(bad, root, key, undefined, p as SmtProof), false)
          const throwing = () => {
            throw new Error('hash broke')
          }
          assert.equal(verifySmtProof(throwing, root, key, undefined, p as SmtProof), false)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('SmtProofCodec', () => {
  const { tree, apply } = setup()
  const root = apply(
    EMPTY_ROOT,
    Array.from({ length: 500 }, (_, i): [string, string] => [`c${i}`, `${i}`]),
  )

  test('round-trips member and non-member proofs, sending EMPTY siblings as one bit', () => {
    for (let i = 0; i < 100; i++) {
      for (const [k, v] of [
        [`c${i}`, utf8(`${i}`)],
        [`none${i}`, undefined],
      ] as const) {
        const proof = tree.prove(root, utf8(k))
        const bytes = encode(SmtProofCodec, proof)
        const empties = proof.siblings.filter((s) => s.every((b) => b === 0)).length
        const expected =
          1 + (proof.leaf ? 64 : 0) + 2 + Math.ceil(proof.siblings.length / 8) + 32 * (proof.siblings.length - empties)
        assert.equal(bytes.length, expected)
        const back = decode(SmtProofCodec, bytes)
        assert.deepEqual(back, proof)
        assert.equal(verifySmtProof(sha256, root, utf8(k), v, back), true)
      }
    }
  })

  test('an inner node with an EMPTY child appears in proofs and survives the codec', () => {
    // Find two keys whose paths share their first bit pair so the tree has a single-child chain.
    const { tree: t, apply: ap } = setup()
    let pair: [string, string] | undefined
    for (let i = 0; i < 1000 && pair === undefined; i++) {
      for (let j = i + 1; j < 1000; j++) {
        const a = sha256(utf8(`p${i}`))
        const b = sha256(utf8(`p${j}`))
        if ((a[0]! & 0xe0) === (b[0]! & 0xe0)) {
          pair = [`p${i}`, `p${j}`]
          break
        }
      }
    }
    assert.ok(pair)
    const r = ap(EMPTY_ROOT, [
      [pair[0], 'A'],
      [pair[1], 'B'],
    ])
    const proof = t.prove(r, utf8(pair[0]))
    assert.ok(proof.siblings.length >= 3)
    assert.ok(proof.siblings.slice(0, 3).every((s) => s.every((b) => b === 0)))
    const back = decode(SmtProofCodec, encode(SmtProofCodec, proof))
    assert.equal(verifySmtProof(sha256, r, utf8(pair[0]), utf8('A'), back), true)
  })

  test('decoding random bytes gives a proof or a GovchainError; whatever decodes re-encodes to itself', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        try {
          const p = decode(SmtProofCodec, b)
          assert.deepEqual(encode(SmtProofCodec, p), b)
          assert.equal(typeof verifySmtProof(sha256, root, utf8('c1'), utf8('1'), p), 'boolean')
        } catch (e) {
          assert.ok(e instanceof GovchainError, String(e))
        }
      }),
      { numRuns: 3000 },
    )
    // Mutations of real proofs, which reach deeper than random bytes.
    const real = encode(SmtProofCodec, tree.prove(root, utf8('c7')))
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = real.slice()
        b[at]! ^= x
        try {
          const p = decode(SmtProofCodec, b)
          assert.equal(verifySmtProof(sha256, root, utf8('c7'), utf8('7'), p), false)
        } catch (e) {
          assert.ok(e instanceof GovchainError, String(e))
        }
      }),
      { numRuns: 1000 },
    )
  })

  test('non-canonical encodings are rejected', () => {
    assert.throws(() => decode(SmtProofCodec, Uint8Array.of(2, 0, 0)), isCode('DECODE_NON_CANONICAL'))
    assert.throws(() => decode(SmtProofCodec, Uint8Array.of(0, 1, 0, 0b10)), isCode('DECODE_NON_CANONICAL'))
    assert.throws(
      () => decode(SmtProofCodec, Uint8Array.of(0, 1, 0, 1, ...new Uint8Array(32))),
      isCode('DECODE_NON_CANONICAL'),
    )
    assert.throws(() => decode(SmtProofCodec, Uint8Array.of(0, 1, 1)), isCode('DECODE_OVERSIZE'))
    assert.throws(() => encode(SmtProofCodec, { siblings: [new Uint8Array(31)] }), isCode('ENCODE_INVALID_VALUE'))
  })
})

describe('sparse Merkle tree: bad input and a corrupted store', () => {
  test('oversize keys and values, bad roots and bad changes throw INVALID_ARGUMENT', () => {
    const { tree } = setup()
    const big = new Uint8Array(SMT_KEY_BYTES_MAX + 1)
    assert.throws(() => tree.update(EMPTY_ROOT, [[big, utf8('v')]]), isCode('INVALID_ARGUMENT'))
    assert.throws(
      () => tree.update(EMPTY_ROOT, [[utf8('k'), new Uint8Array(SMT_VALUE_BYTES_MAX + 1)]]),
      isCode('INVALID_ARGUMENT'),
    )
    assert.throws(() => tree.get(EMPTY_ROOT, big), isCode('INVALID_ARGUMENT'))
    assert.throws(() => tree.get(new Uint8Array(31), utf8('k')), isCode('INVALID_ARGUMENT'))
    assert.throws(
      () => tree.update(EMPTY_ROOT, [['k', 'v'] as unknown as [Uint8Array, Uint8Array]]),
      isCode('INVALID_ARGUMENT'),
    )
    assert.throws(() => tree.update(EMPTY_ROOT, 5 as unknown as []), isCode('INVALID_ARGUMENT'))
    assert.throws(
      () => new SparseMerkleTree({ hash: () => new Uint8Array(20), store: new MemorySmtStore() }),
      isCode('INVALID_ARGUMENT'),
    )
    // Limits are inclusive.
    const ok = tree.update(EMPTY_ROOT, [[new Uint8Array(SMT_KEY_BYTES_MAX), new Uint8Array(SMT_VALUE_BYTES_MAX)]])
    assert.equal(ok.nodes.size, 1)
  })

  test('an unknown root gives SMT_NODE_MISSING', () => {
    const { tree } = setup()
    const unknown = sha256(utf8('nothing'))
    assert.throws(() => tree.get(unknown, utf8('k')), isCode('SMT_NODE_MISSING'))
    assert.throws(() => tree.prove(unknown, utf8('k')), isCode('SMT_NODE_MISSING'))
    assert.throws(() => tree.update(unknown, [[utf8('k'), utf8('v')]]), isCode('SMT_NODE_MISSING'))
  })

  test('garbage in the store gives SMT_NODE_CORRUPT or SMT_NODE_MISSING, never a crash', () => {
    const root = sha256(utf8('root'))
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (junk, key) => {
        const store: SmtNodeStore = { get: (h) => (toHex(h) === toHex(root) ? junk : undefined) }
        const tree = new SparseMerkleTree({ hash: sha256, store })
        for (const f of [
          () => tree.get(root, key),
          () => tree.prove(root, key),
          () => tree.update(root, [[key, key]]),
          () => tree.update(root, [[key, undefined]]),
          () => [...tree.entries(root)],
        ]) {
          try {
            f()
          } catch (e) {
            assert.ok(
              e instanceof GovchainError && ['SMT_NODE_CORRUPT', 'SMT_NODE_MISSING'].includes(e.code),
              String(e),
            )
          }
        }
      }),
      { numRuns: 1000 },
    )
    // A cycle (only a corrupted store can make one) ends in SMT_NODE_CORRUPT, not a hang.
    const loop = Uint8Array.of(1, ...root, ...root)
    const tree = new SparseMerkleTree({ hash: sha256, store: { get: () => loop } })
    assert.throws(() => tree.get(root, utf8('k')), isCode('SMT_NODE_CORRUPT'))
    assert.throws(() => tree.update(root, [[utf8('k'), utf8('v')]]), isCode('SMT_NODE_CORRUPT'))
  })
})

// Computed independently (Python hashlib, the same definition as refRoot) and pinned so the format cannot drift silently.
const KNOWN_ROOT_ABC = '8e2a164a410203f51300d7c6645b7a37f549768457be109acc126c63573a9e0a'
