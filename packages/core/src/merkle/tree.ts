/**
 * Block Merkle tree: the root over an ordered list of byte strings (a block's transactions,
 * its results) and inclusion proofs, exactly as RFC 9162 §2.1 (= RFC 6962 §2.1) defines them:
 *
 *   MTH({})      = HASH()                          (the hash of the empty string)
 *   MTH({d0})    = HASH(0x00 || d0)                (leaf)
 *   MTH(D[n])    = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k = largest power of two < n
 *
 * The 0x00/0x01 prefixes separate leaves from inner nodes, so no inner node can be passed off
 * as a leaf (second-preimage attacks on unbalanced trees); splitting at the largest power of
 * two (not the midpoint, and never duplicating an odd node as Bitcoin does) keeps the tree
 * interoperable with Certificate Transparency tooling and its published test vectors.
 *
 * The hash is injected (the chain's suite hash: SM3 for gm, SHA-256 for intl). Proof path
 * elements are 32 bytes, the output length of both suites.
 */

import { type Codec, fixedBytes, struct, u64, vec } from '../encoding/codec.ts'
import { GovchainError } from '../errors.ts'

export type HashFn = (data: Uint8Array) => Uint8Array

export interface InclusionProof {
  /** Zero-based index of the leaf in the tree. */
  leafIndex: number
  /** Number of leaves in the tree the proof is for. */
  treeSize: number
  /** RFC 9162 inclusion path: sibling subtree hashes from the leaf up to the root. */
  path: Uint8Array[]
}

/** A tree of 2^53 leaves has a path of at most 53 elements; 64 leaves room for u64 sizes. */
export const INCLUSION_PATH_MAX = 64
/** Hash output length the proof codec carries (SM3 and SHA-256). */
export const MERKLE_HASH_BYTES = 32

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

/**
 * Preimages are built in one reused buffer (a hash keeps nothing of its input): a fresh
 * Uint8Array over 64 bytes costs V8 its own backing store, and a block hashes two per
 * transaction here. Inputs larger than the scratch get a buffer of their own.
 */
const SCRATCH_BYTES = 4096
const scratch = new Uint8Array(SCRATCH_BYTES)

function preimage(n: number): Uint8Array {
  return n <= SCRATCH_BYTES ? scratch.subarray(0, n) : new Uint8Array(n)
}

/** HASH(0x00 || data): the leaf hash of RFC 9162 §2.1.1. */
export function hashLeaf(hash: HashFn, data: Uint8Array): Uint8Array {
  const buf = preimage(1 + data.length)
  buf[0] = LEAF_PREFIX
  buf.set(data, 1)
  return hash(buf)
}

/** HASH(0x01 || left || right): the inner-node hash of RFC 9162 §2.1.1. */
export function hashChildren(hash: HashFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = preimage(1 + left.length + right.length)
  buf[0] = NODE_PREFIX
  buf.set(left, 1)
  buf.set(right, 1 + left.length)
  return hash(buf)
}

/** Largest power of two strictly below n (n >= 2). Arithmetic, not bit ops: n may exceed 2^32. */
function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** MTH over already-hashed leaves in [lo, hi), hi - lo >= 1. */
function rootOfRange(hash: HashFn, leafHashes: Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return leafHashes[lo]!
  const k = splitPoint(hi - lo)
  return hashChildren(hash, rootOfRange(hash, leafHashes, lo, lo + k), rootOfRange(hash, leafHashes, lo + k, hi))
}

function checkLeaves(leaves: readonly Uint8Array[]): void {
  if (!Array.isArray(leaves)) throw new GovchainError('INVALID_ARGUMENT', 'leaves must be an array of Uint8Array')
  for (let i = 0; i < leaves.length; i++) {
    if (!(leaves[i] instanceof Uint8Array)) {
      throw new GovchainError('INVALID_ARGUMENT', `leaf ${i} is not a Uint8Array`, { index: i })
    }
  }
}

/** The RFC 9162 Merkle Tree Hash of `leaves` (their data, not their hashes). */
export function merkleRoot(hash: HashFn, leaves: readonly Uint8Array[]): Uint8Array {
  checkLeaves(leaves)
  if (leaves.length === 0) return hash(new Uint8Array(0))
  const leafHashes = leaves.map((d) => hashLeaf(hash, d))
  return rootOfRange(hash, leafHashes, 0, leafHashes.length)
}

/** The RFC 9162 §2.1.3.1 inclusion proof (PATH(m, D[n])) for the leaf at `index`. */
export function merkleProof(hash: HashFn, leaves: readonly Uint8Array[], index: number): InclusionProof {
  checkLeaves(leaves)
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new GovchainError('INVALID_ARGUMENT', `leaf index ${index} outside a tree of ${leaves.length}`, {
      index,
      treeSize: leaves.length,
    })
  }
  const leafHashes = leaves.map((d) => hashLeaf(hash, d))
  const path: Uint8Array[] = []
  // Walk down from the root; the RFC lists siblings bottom-up, so collect top-down and reverse.
  let lo = 0
  let hi = leafHashes.length
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo)
    if (index < lo + k) {
      path.push(rootOfRange(hash, leafHashes, lo + k, hi))
      hi = lo + k
    } else {
      path.push(rootOfRange(hash, leafHashes, lo, lo + k))
      lo = lo + k
    }
  }
  path.reverse()
  return { leafIndex: index, treeSize: leaves.length, path }
}

/**
 * The root and every leaf's RFC 9162 inclusion proof at once, in O(n log n) hashes (calling
 * `merkleProof` per leaf would rehash the whole tree for each). Each proof equals
 * `merkleProof(hash, leaves, i)`; a batch of receipts (ADR 0036) gets all of its paths here.
 */
export function merkleProofs(
  hash: HashFn,
  leaves: readonly Uint8Array[],
): { root: Uint8Array; proofs: InclusionProof[] } {
  checkLeaves(leaves)
  if (leaves.length === 0) return { root: hash(new Uint8Array(0)), proofs: [] }
  const leafHashes = leaves.map((d) => hashLeaf(hash, d))
  const paths: Uint8Array[][] = leaves.map(() => [])
  // Post-order: a subtree's siblings are appended after its own inner levels, so each path
  // comes out bottom-up as RFC 9162 lists it.
  const walk = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leafHashes[lo]!
    const k = splitPoint(hi - lo)
    const left = walk(lo, lo + k)
    const right = walk(lo + k, hi)
    for (let i = lo; i < lo + k; i++) paths[i]!.push(right)
    for (let i = lo + k; i < hi; i++) paths[i]!.push(left)
    return hashChildren(hash, left, right)
  }
  const root = walk(0, leafHashes.length)
  return { root, proofs: paths.map((path, leafIndex) => ({ leafIndex, treeSize: leaves.length, path })) }
}

/**
 * The root an inclusion proof leads to from `leafHash`, per RFC 9162 §2.1.3.2; undefined when
 * the proof's shape does not fit its (leafIndex, treeSize). Never throws.
 */
export function rootFromInclusionProof(
  hash: HashFn,
  leafHash: Uint8Array,
  proof: InclusionProof,
): Uint8Array | undefined {
  try {
    if (typeof proof !== 'object' || proof === null || !(leafHash instanceof Uint8Array)) return undefined
    const { leafIndex, treeSize, path } = proof
    if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0) return undefined
    if (!Array.isArray(path) || path.length > INCLUSION_PATH_MAX) return undefined
    // 1. leaf_index must lie inside the tree.
    if (leafIndex >= treeSize) return undefined
    // 2-3. fn, sn, r. Division instead of shifts: indices may exceed 2^32.
    let fn = leafIndex
    let sn = treeSize - 1
    let r = leafHash
    // 4. Fold in each path element.
    for (const p of path) {
      if (!(p instanceof Uint8Array)) return undefined
      if (sn === 0) return undefined // a. more elements than the tree has levels
      if (fn % 2 === 1 || fn === sn) {
        r = hashChildren(hash, p, r)
        // ii. Skip the levels where this node is the last one and has no right sibling.
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      } else {
        r = hashChildren(hash, r, p)
      }
      fn = Math.floor(fn / 2)
      sn = Math.floor(sn / 2)
    }
    // 5. Every level must have been consumed.
    return sn === 0 ? r : undefined
  } catch {
    return undefined
  }
}

/**
 * RFC 9162 §2.1.3.2: does `proof` show that `leaf` (the leaf's data, hashed here as
 * HASH(0x00 || leaf)) is at proof.leafIndex in the tree of proof.treeSize leaves with `root`?
 * Never throws: malformed input verifies as false.
 */
export function verifyInclusion(hash: HashFn, root: Uint8Array, leaf: Uint8Array, proof: InclusionProof): boolean {
  try {
    if (!(root instanceof Uint8Array) || !(leaf instanceof Uint8Array)) return false
    const r = rootFromInclusionProof(hash, hashLeaf(hash, leaf), proof)
    return r !== undefined && equalHash(r, root)
  } catch {
    return false
  }
}

function equalHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!
  return d === 0
}

/** Binary form of an inclusion proof: u64 leafIndex, u64 treeSize, u32 count + 32-byte hashes. */
export const InclusionProofCodec: Codec<InclusionProof> = struct({
  leafIndex: u64,
  treeSize: u64,
  path: vec(fixedBytes(MERKLE_HASH_BYTES), INCLUSION_PATH_MAX),
})
