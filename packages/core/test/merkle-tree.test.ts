import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { fromHex, toHex } from '../src/bytes.ts'
import { decode, encode } from '../src/encoding/codec.ts'
import { GovchainError } from '../src/errors.ts'
import {
  hashLeaf,
  type InclusionProof,
  InclusionProofCodec,
  merkleProof,
  merkleProofs,
  merkleRoot,
  rootFromInclusionProof,
  verifyInclusion,
} from '../src/merkle/index.ts'

const sm3 = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sm3').update(d).digest())

// RFC 6962 / RFC 9162 test data as published by transparency-dev/merkle
// (testonly/constants.go: LeafInputs, NodeHashes, RootHashes; proof/verify_test.go:
// inclusionProofs, whose leaf numbers are 1-based there and 0-based here). SHA-256.
const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex)
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
/** Complete-subtree hashes of the 8-leaf tree: NODE_HASHES[level][index]. */
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
]
const INCLUSION_VECTORS: { index: number; size: number; path: string[] }[] = [
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  { index: 0, size: 1, path: [] },
]

// An independent reference: the RFC's recursive definitions, transcribed literally.
function refMth(hash: (d: Uint8Array) => Uint8Array, d: Uint8Array[]): Uint8Array {
  const n = d.length
  if (n === 0) return hash(new Uint8Array(0))
  if (n === 1) return hash(Uint8Array.of(0, ...d[0]!))
  let k = 1
  while (k * 2 < n) k *= 2
  return hash(Uint8Array.of(1, ...refMth(hash, d.slice(0, k)), ...refMth(hash, d.slice(k))))
}
function refPath(hash: (d: Uint8Array) => Uint8Array, m: number, d: Uint8Array[]): Uint8Array[] {
  const n = d.length
  if (n === 1) return []
  let k = 1
  while (k * 2 < n) k *= 2
  return m < k
    ? [...refPath(hash, m, d.slice(0, k)), refMth(hash, d.slice(k))]
    : [...refPath(hash, m - k, d.slice(k)), refMth(hash, d.slice(0, k))]
}

/** The Go suite's corruption probes (proof/verify_test.go corruptInclusionProof). */
function corruptions(p: InclusionProof, root: Uint8Array): { proof: InclusionProof; root: Uint8Array; why: string }[] {
  const some = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456')
  const out = [
    { proof: { ...p, leafIndex: p.leafIndex - 1 }, root, why: 'leafIndex - 1' },
    { proof: { ...p, leafIndex: p.leafIndex + 1 }, root, why: 'leafIndex + 1' },
    { proof: { ...p, leafIndex: p.leafIndex ^ 2 }, root, why: 'leafIndex ^ 2' },
    { proof: { ...p, treeSize: p.treeSize * 2 }, root, why: 'treeSize * 2' },
    { proof: { ...p, treeSize: Math.floor(p.treeSize / 2) }, root, why: 'treeSize / 2' },
    { proof: p, root: fromHex(ROOTS[0]!), why: 'empty root' },
    { proof: p, root: some, why: 'random root' },
    { proof: { ...p, path: [...p.path, new Uint8Array(0)] }, root, why: 'trailing garbage' },
    { proof: { ...p, path: [...p.path, root] }, root, why: 'trailing root' },
    { proof: { ...p, path: [new Uint8Array(0), ...p.path] }, root, why: 'preceding garbage' },
    { proof: { ...p, path: [root, ...p.path] }, root, why: 'preceding root' },
  ]
  for (let i = 0; i < p.path.length; i++) {
    const path = p.path.map((x) => x.slice())
    path[i]![0]! ^= 8
    out.push({ proof: { ...p, path }, root, why: `flipped bit in path[${i}]` })
  }
  if (p.path.length > 0) out.push({ proof: { ...p, path: p.path.slice(0, -1) }, root, why: 'removed element' })
  if (p.path.length > 1) {
    out.push({ proof: { ...p, path: [p.path[0]!, some, ...p.path.slice(1)] }, root, why: 'inserted element' })
  }
  return out
}

describe('RFC 9162 Merkle tree: published vectors (SHA-256)', () => {
  test('roots for sizes 0..8', () => {
    let ran = 0
    for (let n = 0; n <= 8; n++) {
      assert.equal(toHex(merkleRoot(sha256, LEAF_INPUTS.slice(0, n))), ROOTS[n], `size ${n}`)
      ran++
    }
    assert.equal(ran, 9)
  })

  test('leaf hashes are the level-0 node hashes', () => {
    for (const [i, d] of LEAF_INPUTS.entries()) assert.equal(toHex(hashLeaf(sha256, d)), NODE_HASHES[0]![i])
  })

  test('inclusion proofs match the published paths, verify, and every corruption fails', () => {
    let ran = 0
    for (const v of INCLUSION_VECTORS) {
      const leaves = LEAF_INPUTS.slice(0, v.size)
      const proof = merkleProof(sha256, leaves, v.index)
      assert.deepEqual(proof.path.map(toHex), v.path, `proof ${v.index}/${v.size}`)
      const root = fromHex(ROOTS[v.size]!)
      assert.equal(verifyInclusion(sha256, root, leaves[v.index]!, proof), true)
      for (const c of corruptions(proof, root)) {
        assert.equal(verifyInclusion(sha256, c.root, leaves[v.index]!, c.proof), false, c.why)
      }
      assert.equal(verifyInclusion(sha256, root, fromHex('576f6e674c656166'), proof), false, 'wrong leaf')
      ran++
    }
    assert.equal(ran, INCLUSION_VECTORS.length)
  })

  test('every leaf of the 8-leaf tree: path = siblings from NodeHashes', () => {
    for (let i = 0; i < 8; i++) {
      const expected = [0, 1, 2].map((level) => NODE_HASHES[level]![(i >> level) ^ 1]!)
      const proof = merkleProof(sha256, LEAF_INPUTS, i)
      assert.deepEqual(proof.path.map(toHex), expected)
      assert.equal(verifyInclusion(sha256, fromHex(ROOTS[8]!), LEAF_INPUTS[i]!, proof), true)
    }
  })
})

describe('RFC 9162 Merkle tree: against a literal reference', () => {
  const leaves = Array.from({ length: 70 }, (_, i) => Uint8Array.of(i, (i * 7) & 0xff, 0xaa).subarray(0, 1 + (i % 3)))
  for (const [name, hash] of [
    ['SHA-256', sha256],
    ['SM3', sm3],
  ] as const) {
    test(`${name}: roots and proofs for every size 1..70 and every index`, () => {
      assert.equal(toHex(merkleRoot(hash, [])), toHex(hash(new Uint8Array(0))))
      for (let n = 1; n <= leaves.length; n++) {
        const d = leaves.slice(0, n)
        const root = merkleRoot(hash, d)
        assert.deepEqual(root, refMth(hash, d), `root of ${n}`)
        for (let i = 0; i < n; i++) {
          const proof = merkleProof(hash, d, i)
          assert.deepEqual(proof.path, refPath(hash, i, d), `path ${i}/${n}`)
          assert.equal(verifyInclusion(hash, root, d[i]!, proof), true)
          // Leaves are pairwise distinct (first byte = index): another leaf never verifies here.
          if (n > 1) assert.equal(verifyInclusion(hash, root, d[(i + 1) % n]!, proof), false)
        }
      }
    })
  }

  test('corruptions of proofs in trees of many sizes fail', () => {
    for (const n of [2, 3, 5, 7, 8, 9, 16, 17, 33]) {
      const d = leaves.slice(0, n)
      const root = merkleRoot(sha256, d)
      for (const i of [0, Math.floor(n / 2), n - 1]) {
        const proof = merkleProof(sha256, d, i)
        for (const c of corruptions(proof, root)) {
          assert.equal(verifyInclusion(sha256, c.root, d[i]!, c.proof), false, `${n}/${i}: ${c.why}`)
        }
      }
    }
  })

  test('merkleProofs gives the root and every proof merkleProof gives, for sizes 0..70', () => {
    assert.deepEqual(merkleProofs(sm3, []), { root: sm3(new Uint8Array(0)), proofs: [] })
    for (let n = 1; n <= leaves.length; n++) {
      const d = leaves.slice(0, n)
      const all = merkleProofs(sm3, d)
      assert.deepEqual(all.root, refMth(sm3, d), `root of ${n}`)
      assert.equal(all.proofs.length, n)
      for (let i = 0; i < n; i++) assert.deepEqual(all.proofs[i], merkleProof(sm3, d, i), `proof ${i}/${n}`)
    }
  })

  test('the proof lets one recompute the root', () => {
    const d = leaves.slice(0, 11)
    const proof = merkleProof(sha256, d, 9)
    assert.deepEqual(rootFromInclusionProof(sha256, hashLeaf(sha256, d[9]!), proof), merkleRoot(sha256, d))
  })
})

describe('RFC 9162 Merkle tree: inputs', () => {
  test('merkleProof rejects an index outside the tree with INVALID_ARGUMENT', () => {
    for (const index of [-1, 3, 1.5, Number.NaN]) {
      assert.throws(
        () => merkleProof(sha256, LEAF_INPUTS.slice(0, 3), index),
        (e: unknown) => e instanceof GovchainError && e.code === 'INVALID_ARGUMENT',
      )
    }
    assert.throws(() => merkleProof(sha256, [], 0), GovchainError)
    assert.throws(() => merkleRoot(sha256, ['x' as unknown as Uint8Array]), GovchainError)
  })

  test('leaves are not mutated', () => {
    const d = LEAF_INPUTS.map((x) => x.slice())
    merkleRoot(sha256, d)
    merkleProof(sha256, d, 3)
    assert.deepEqual(d, LEAF_INPUTS)
  })

  test('verifyInclusion never throws on arbitrary input', () => {
    const root = fromHex(ROOTS[8]!)
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (leaf, proof) => {
        assert.equal(verifyInclusion(sha256, root, leaf as Uint8Array, proof as InclusionProof), false)
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(
        fc.record({
          leafIndex: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)),
          treeSize: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)),
          path: fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.anything()), { maxLength: 70 }),
        }),
        fc.uint8Array({ maxLength: 8 }),
        (proof, leaf) => {
          assert.equal(typeof verifyInclusion(sha256, root, leaf, proof as InclusionProof), 'boolean')
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('InclusionProofCodec', () => {
  test('round-trips proofs', () => {
    for (let i = 0; i < 8; i++) {
      const proof = merkleProof(sha256, LEAF_INPUTS, i)
      const bytes = encode(InclusionProofCodec, proof)
      assert.equal(bytes.length, 8 + 8 + 4 + 32 * 3)
      const back = decode(InclusionProofCodec, bytes)
      assert.deepEqual(back, proof)
      assert.equal(verifyInclusion(sha256, fromHex(ROOTS[8]!), LEAF_INPUTS[i]!, back), true)
    }
  })

  test('decoding random bytes gives a proof or a GovchainError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          const p = decode(InclusionProofCodec, b)
          assert.deepEqual(encode(InclusionProofCodec, p), b, 'canonical: re-encodes to the input')
        } catch (e) {
          assert.ok(e instanceof GovchainError, String(e))
        }
      }),
      { numRuns: 2000 },
    )
  })
})
