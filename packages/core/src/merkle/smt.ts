/**
 * Authenticated state tree: a compacted binary sparse Merkle tree over 256-bit key paths
 * (path = HASH(key)), with membership and non-membership proofs. See docs/adr/0004-state-tree.md.
 *
 * Design: the binary form of Diem's Jellyfish Merkle Tree (Gao et al., "Jellyfish Merkle
 * Tree", 2021, §3, which is also the shape Diem's SparseMerkleProof verifies):
 *   - a subtree holding no key is EMPTY, the constant 32 zero bytes (no hashing at all);
 *   - a subtree holding exactly one key is that key's leaf, sitting at the shortest prefix
 *     of its path that no other key shares (no chain of single-child nodes above a leaf);
 *   - a subtree holding two or more keys is an inner node over its 0-half and 1-half
 *     (an inner node may have one EMPTY child when all its keys share the next bit).
 * This form is a function of the set of (path, value) pairs only, so the root never depends
 * on insertion order or on how updates were batched.
 *
 * Hashes (domain-separated as in RFC 9162: 0x00 leaf, 0x01 inner, and EMPTY is no hash output):
 *   leaf  = HASH(0x00 || path || HASH(value))        path = HASH(key), 32 bytes
 *   inner = HASH(0x01 || left || right)
 *
 * Storage: nodes are content-addressed and immutable; update() never rewrites or deletes a
 * node, so every past root stays readable until the caller prunes.
 * Encoded nodes (the first 65 bytes are exactly the hash preimage):
 *   inner: 0x01 | left(32) | right(32)                      (unversioned)
 *   inner: 0x01 | left(32) | right(32) | u64 leftVersion | u64 rightVersion   (versioned)
 *   leaf:  0x00 | path(32) | valueHash(32) | u16 keyLength | key | u32 valueLength | value
 * Versions (docs/adr/0011-state-tree-storage-locality.md): update(root, changes, {version})
 * writes inner nodes that record the version of each child, so a store may key a node by
 * (version, hash) rather than by hash alone. The node store then writes a block's nodes next to
 * each other (version = height) instead of at random places in a hash-ordered B-tree. The
 * hashes, roots and proofs do not depend on versions. Version 0 means "written without a
 * version": such a store finds the node by its hash alone.
 * Leaves keep the key and the value themselves, so get() needs no second store and the whole
 * state can be enumerated (entries()) for snapshots; integers are little-endian as in the codec.
 *
 * Proof: the leaf found where the key's path ends (its path and value hash) or nothing (EMPTY),
 * and the sibling hashes from the root down. The binary form sends EMPTY siblings as one bit.
 */
import { LRUCache } from 'lru-cache'
import { toHex } from '../bytes.ts'
import type { Codec, Reader, Writer } from '../encoding/codec.ts'
import { GovchainError } from '../errors.ts'
import type { HashFn } from './tree.ts'

export const SMT_HASH_BYTES = 32
/** Key paths are 256 bits, so no node is deeper than 256. */
export const SMT_DEPTH_MAX = 256
export const SMT_KEY_BYTES_MAX = 1024
export const SMT_VALUE_BYTES_MAX = 256 * 1024
/** One update() call; a block's writes are far fewer. Bounds the memory a batch can take. */
export const SMT_BATCH_CHANGES_MAX = 4 * 1024 * 1024

const TAG_LEAF = 0x00
const TAG_INNER = 0x01
const PREIMAGE_BYTES = 1 + 2 * SMT_HASH_BYTES // 65
const VERSIONED_INNER_BYTES = PREIMAGE_BYTES + 16 // + u64 left version + u64 right version
const LEAF_HEADER_BYTES = PREIMAGE_BYTES + 2 // + u16 key length

/** The root of the tree that holds nothing: the EMPTY constant (32 zero bytes), hash-independent. */
export const EMPTY_ROOT: Uint8Array = new Uint8Array(SMT_HASH_BYTES)

/**
 * Synchronous node storage (the node backs it with LMDB). Returns the encoded node with hash
 * `nodeHash`, or undefined. The tree copies what it reads, so a store may reuse its buffers.
 *
 * `version` is where the tree knows the node was written: the version its parent records (0 for
 * a node written without one), or the store's own versionOf(root) for a root. A store that keys
 * nodes by hash alone ignores it. A store that keys them by (version, hash) implements
 * versionOf for roots, and finds version-0 nodes by hash.
 */
export interface SmtNodeStore {
  get(nodeHash: Uint8Array, version?: number): Uint8Array | undefined
  /** The version a root node was written with (undefined: unknown, looked up as version 0). */
  versionOf?(rootHash: Uint8Array): number | undefined
}

/** Versions are block heights: non-negative safe integers. */
const SMT_VERSION_MAX = Number.MAX_SAFE_INTEGER

export interface SmtProofLeaf {
  /** HASH(key) of the leaf found at the end of the key's path. */
  path: Uint8Array
  /** HASH(value) of that leaf. */
  valueHash: Uint8Array
}

export interface SmtProof {
  /** The leaf where the path ends; absent when the path ends in an EMPTY subtree. */
  leaf?: SmtProofLeaf
  /** Sibling hashes from the root down: siblings[d] is the sibling at depth d (EMPTY_ROOT if empty). */
  siblings: Uint8Array[]
}

export interface SmtUpdateResult {
  root: Uint8Array
  /** New nodes, hex(hash) -> encoded node, to persist atomically with the block. */
  nodes: Map<string, Uint8Array>
  /**
   * The version the root node is stored under (0: EMPTY, or an unversioned tree). The batch's
   * own version when the root is new; an older one when the root is an existing node: an
   * unchanged root, or a leaf written earlier that became the root when all other keys went.
   * A versioned store must record it for roots it has not seen (SmtNodeStore.versionOf).
   */
  rootVersion: number
}

type LeafNode = {
  kind: typeof TAG_LEAF
  path: Uint8Array
  valueHash: Uint8Array
  key: Uint8Array
  value: Uint8Array
}
type InnerNode = {
  kind: typeof TAG_INNER
  left: Uint8Array
  right: Uint8Array
  /** The children's versions as the record states them (0: unversioned). */
  lv: number
  rv: number
  /** The decoded children, memoised by a caching tree (see SparseMerkleTree.child). */
  l?: Node | undefined
  r?: Node | undefined
}
type Node = LeafNode | InnerNode

// ------------------------------------------------------------------------------ helpers

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0))
const ascii = new TextDecoder('latin1') // hex digits are ASCII: every single-byte decoder agrees on them
const hexScratch = new Uint8Array(2 * SMT_HASH_BYTES)

/**
 * Lower-case hex of a 32-byte hash as one flat string. bytes.toHex builds its result by
 * repeated concatenation (a rope of 32 pieces), which made Map keys of millions of nodes
 * several times slower to insert; this writes the digits into a buffer and decodes once.
 */
function nodeKey(hash: Uint8Array): string {
  if (hash.length !== SMT_HASH_BYTES) return toHex(hash)
  for (let i = 0; i < SMT_HASH_BYTES; i++) {
    const b = hash[i]!
    hexScratch[2 * i] = HEX_CODES[b >>> 4]!
    hexScratch[2 * i + 1] = HEX_CODES[b & 15]!
  }
  return ascii.decode(hexScratch)
}

function isEmpty(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false
  return h.length === SMT_HASH_BYTES
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Bit `depth` of a path, most significant bit of byte 0 first. */
function bit(path: Uint8Array, depth: number): number {
  return (path[depth >>> 3]! >>> (7 - (depth & 7))) & 1
}

/** Do a and b agree on their first `bits` bits? */
function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >>> 3
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false
  const rest = bits & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return ((a[whole]! ^ b[whole]!) & mask) === 0
}

const SLAB_BYTES = 64 * 1024

/**
 * Hands out node buffers carved from 64 KiB slabs. V8 keeps typed arrays of up to 64 bytes on
 * its heap but gives each larger one its own backing store (about 12x the cost to allocate and
 * collect), and an inner node is 65 bytes: carving from slabs roughly halved bulk-load time.
 */
class Slab {
  private buf = new Uint8Array(0)
  private used = 0
  alloc(n: number): Uint8Array {
    if (this.used + n > this.buf.length) {
      this.buf = new Uint8Array(Math.max(SLAB_BYTES, n))
      this.used = 0
    }
    const out = this.buf.subarray(this.used, this.used + n)
    this.used += n
    return out
  }
}

/** The state of one update() call: the nodes it made and where it allocates them. */
type Batch = { nodes: Map<string, Uint8Array>; slab: Slab; version: number }

/** Scratch for hash preimages that are hashed and dropped (verification): hashes keep no input. */
const scratch = new Uint8Array(PREIMAGE_BYTES)

function innerPreimage(left: Uint8Array, right: Uint8Array, buf: Uint8Array): Uint8Array {
  buf[0] = TAG_INNER
  buf.set(left, 1)
  buf.set(right, 1 + SMT_HASH_BYTES)
  return buf
}

function writeU64(buf: Uint8Array, at: number, v: number): void {
  const lo = v >>> 0
  const hi = Math.floor(v / 0x1_0000_0000)
  buf[at] = lo & 0xff
  buf[at + 1] = (lo >>> 8) & 0xff
  buf[at + 2] = (lo >>> 16) & 0xff
  buf[at + 3] = lo >>> 24
  buf[at + 4] = hi & 0xff
  buf[at + 5] = (hi >>> 8) & 0xff
  buf[at + 6] = (hi >>> 16) & 0xff
  buf[at + 7] = hi >>> 24
}

function readU64(enc: Uint8Array, at: number): number {
  const lo = (enc[at]! | (enc[at + 1]! << 8) | (enc[at + 2]! << 16) | (enc[at + 3]! << 24)) >>> 0
  const hi = (enc[at + 4]! | (enc[at + 5]! << 8) | (enc[at + 6]! << 16) | (enc[at + 7]! << 24)) >>> 0
  return hi * 0x1_0000_0000 + lo
}

function leafPreimage(path: Uint8Array, valueHash: Uint8Array, buf: Uint8Array): Uint8Array {
  buf[0] = TAG_LEAF
  buf.set(path, 1)
  buf.set(valueHash, 1 + SMT_HASH_BYTES)
  return buf
}

function encodeLeaf(
  path: Uint8Array,
  valueHash: Uint8Array,
  key: Uint8Array,
  value: Uint8Array,
  buf: Uint8Array,
): Uint8Array {
  leafPreimage(path, valueHash, buf)
  const k = key.length
  const v = value.length
  buf[PREIMAGE_BYTES] = k & 0xff
  buf[PREIMAGE_BYTES + 1] = k >>> 8
  buf.set(key, LEAF_HEADER_BYTES)
  const at = LEAF_HEADER_BYTES + k
  buf[at] = v & 0xff
  buf[at + 1] = (v >>> 8) & 0xff
  buf[at + 2] = (v >>> 16) & 0xff
  buf[at + 3] = v >>> 24
  buf.set(value, at + 4)
  return buf
}

function leafBytes(key: Uint8Array, value: Uint8Array): number {
  return LEAF_HEADER_BYTES + key.length + 4 + value.length
}

/** A copy that is a plain Uint8Array even when `b` is a Buffer (whose slice() is a view). */
function copyOf(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length)
  out.set(b)
  return out
}

function corrupt(hash: Uint8Array, why: string): never {
  throw new GovchainError('SMT_NODE_CORRUPT', `state tree node ${toHex(hash)}: ${why}`, { hash: toHex(hash) })
}

/**
 * Decodes a stored node, checking its form: tag, lengths within limits, exact size, and an
 * inner node never having two EMPTY children. The fields are copies, so nothing aliases `enc`
 * (stores may reuse the buffers they hand out, as lmdb-js getBinaryFast does).
 * It does not re-hash (that would double the hashing cost of every read); the store is trusted
 * for integrity, this only turns corruption into a typed error instead of a crash.
 */
function decodeNode(hash: Uint8Array, enc: Uint8Array): Node {
  if (!(enc instanceof Uint8Array)) corrupt(hash, 'not bytes')
  const tag = enc[0]
  if (tag === TAG_INNER) {
    if (enc.length !== PREIMAGE_BYTES && enc.length !== VERSIONED_INNER_BYTES) {
      corrupt(hash, `inner node of ${enc.length} bytes`)
    }
    const left = copyOf(enc.subarray(1, 1 + SMT_HASH_BYTES))
    const right = copyOf(enc.subarray(1 + SMT_HASH_BYTES, PREIMAGE_BYTES))
    if (isEmpty(left) && isEmpty(right)) corrupt(hash, 'inner node with two empty children')
    if (enc.length === PREIMAGE_BYTES) return { kind: TAG_INNER, left, right, lv: 0, rv: 0 }
    const lv = readU64(enc, PREIMAGE_BYTES)
    const rv = readU64(enc, PREIMAGE_BYTES + 8)
    if (lv > SMT_VERSION_MAX || rv > SMT_VERSION_MAX) corrupt(hash, 'child version out of range')
    return { kind: TAG_INNER, left, right, lv, rv }
  }
  if (tag === TAG_LEAF) {
    if (enc.length < LEAF_HEADER_BYTES + 4) corrupt(hash, `leaf of ${enc.length} bytes`)
    const view = new DataView(enc.buffer, enc.byteOffset, enc.byteLength)
    const keyLength = view.getUint16(PREIMAGE_BYTES, true)
    if (keyLength > SMT_KEY_BYTES_MAX) corrupt(hash, `key of ${keyLength} bytes`)
    const valueAt = LEAF_HEADER_BYTES + keyLength + 4
    if (enc.length < valueAt) corrupt(hash, 'leaf truncated in its key')
    const valueLength = view.getUint32(valueAt - 4, true)
    if (valueLength > SMT_VALUE_BYTES_MAX) corrupt(hash, `value of ${valueLength} bytes`)
    if (enc.length !== valueAt + valueLength)
      corrupt(hash, `leaf of ${enc.length} bytes, fields say ${valueAt + valueLength}`)
    return {
      kind: TAG_LEAF,
      path: copyOf(enc.subarray(1, 1 + SMT_HASH_BYTES)),
      valueHash: copyOf(enc.subarray(1 + SMT_HASH_BYTES, PREIMAGE_BYTES)),
      key: copyOf(enc.subarray(LEAF_HEADER_BYTES, LEAF_HEADER_BYTES + keyLength)),
      value: copyOf(enc.subarray(valueAt)),
    }
  }
  return corrupt(hash, enc.length === 0 ? 'empty encoding' : `unknown tag ${tag}`)
}

function checkHash(hash: unknown): HashFn {
  if (typeof hash !== 'function') throw new GovchainError('INVALID_ARGUMENT', 'hash must be a function')
  const probe = (hash as HashFn)(new Uint8Array(0))
  if (!(probe instanceof Uint8Array) || probe.length !== SMT_HASH_BYTES) {
    throw new GovchainError('INVALID_ARGUMENT', `the state tree needs a ${SMT_HASH_BYTES}-byte hash`)
  }
  return hash as HashFn
}

function checkRoot(root: unknown): asserts root is Uint8Array {
  if (!(root instanceof Uint8Array) || root.length !== SMT_HASH_BYTES) {
    throw new GovchainError('INVALID_ARGUMENT', `root must be ${SMT_HASH_BYTES} bytes`)
  }
}

function checkKey(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new GovchainError('INVALID_ARGUMENT', 'key must be a Uint8Array')
  if (key.length > SMT_KEY_BYTES_MAX) {
    throw new GovchainError('INVALID_ARGUMENT', `key of ${key.length} bytes exceeds ${SMT_KEY_BYTES_MAX}`, {
      keyBytes: key.length,
      keyBytesMax: SMT_KEY_BYTES_MAX,
    })
  }
}

function checkValue(value: unknown): asserts value is Uint8Array | undefined {
  if (value === undefined) return
  if (!(value instanceof Uint8Array))
    throw new GovchainError('INVALID_ARGUMENT', 'value must be a Uint8Array or undefined')
  if (value.length > SMT_VALUE_BYTES_MAX) {
    throw new GovchainError('INVALID_ARGUMENT', `value of ${value.length} bytes exceeds ${SMT_VALUE_BYTES_MAX}`, {
      valueBytes: value.length,
      valueBytesMax: SMT_VALUE_BYTES_MAX,
    })
  }
}

// ------------------------------------------------------------------------------ the tree

const K_EMPTY = 0
const K_LEAF = 1
const K_INNER = 2
/** An untouched existing subtree: known to be non-empty, its kind read only if needed. */
const K_UNKNOWN = 3
/** A subtree during update: its hash, kind, version, and its decoded node when at hand. */
type Ref = { hash: Uint8Array; kind: number; version: number; node?: Node | undefined }
/** A private EMPTY, so a caller writing into the exported EMPTY_ROOT cannot corrupt trees. */
const EMPTY_REF: Ref = { hash: new Uint8Array(SMT_HASH_BYTES), kind: K_EMPTY, version: 0 }

/** A change after validation: value undefined = delete. */
type Op = {
  path: Uint8Array
  key: Uint8Array
  value: Uint8Array | undefined
  /** The path's first 4 bytes as a number: most comparisons while sorting end here. */
  head: number
  /** Position in the batch, so the last change to a key wins. */
  seq: number
}

function compareOps(a: Op, b: Op): number {
  return a.head - b.head || compareBytes32(a.path, b.path, 4) || a.seq - b.seq
}
/** A key to place while building a subtree afresh: a new value, or an existing leaf by hash. */
type Entry = {
  path: Uint8Array
  key: Uint8Array
  value: Uint8Array
  leafHash: Uint8Array | undefined
  leafVersion: number
  /** The existing leaf's decoded node (when leafHash is set). */
  leafNode?: LeafNode | undefined
}

/** First index in [lo, hi) whose path has bit `depth` set; items share their first `depth` bits, so sorted. */
function splitAt(items: readonly { path: Uint8Array }[], lo: number, hi: number, depth: number): number {
  let a = lo
  let b = hi
  while (a < b) {
    const m = (a + b) >>> 1
    if (bit(items[m]!.path, depth) === 1) b = m
    else a = m + 1
  }
  return a
}

/** Upper bound of SparseMerkleTree's `nodeCacheSize` (about 300 bytes of heap per decoded node). */
const SMT_NODE_CACHE_MAX = 4_000_000

export class SparseMerkleTree {
  private readonly hash: HashFn
  private readonly store: SmtNodeStore
  /**
   * Decoded nodes by hex hash, least recently used out (lru-cache, O(1); see Lru in
   * crypto/common.ts for why not a Map), when `nodeCacheSize` > 0. Every get() walks
   * from the root and every update() reloads the paths it rewrites; the upper levels are the
   * same for every walk, so a long-lived tree (one per node store) decodes each node once.
   * Sound because nodes are content-addressed and immutable: a hash always names the same
   * bytes (the store is trusted for integrity, as decodeNode says). Cached nodes are shared:
   * nothing here mutates a decoded node, and what leaves the tree is copied.
   */
  private readonly nodeCache: LRUCache<string, Node> | undefined
  /** The last root loadRoot decoded (caching trees only). */
  private lastRoot: { hash: Uint8Array; node: Node } | undefined

  constructor(opts: { hash: HashFn; store: SmtNodeStore; nodeCacheSize?: number }) {
    if (typeof opts !== 'object' || opts === null) throw new GovchainError('INVALID_ARGUMENT', 'options required')
    this.hash = checkHash(opts.hash)
    if (typeof opts.store?.get !== 'function') throw new GovchainError('INVALID_ARGUMENT', 'store must have get()')
    this.store = opts.store
    const size = opts.nodeCacheSize ?? 0
    if (!Number.isSafeInteger(size) || size < 0 || size > SMT_NODE_CACHE_MAX) {
      throw new GovchainError('INVALID_ARGUMENT', `nodeCacheSize must be an integer in 0..${SMT_NODE_CACHE_MAX}`)
    }
    this.nodeCache =
      size > 0
        ? new LRUCache<string, Node>({
            max: size,
            // An evicted node may still be reachable from a cached parent's memo; dropping its
            // own memos keeps what the cache retains within a few times its size.
            dispose: (evicted, _k, reason) => {
              if (reason === 'evict' && evicted.kind === TAG_INNER) {
                evicted.l = undefined
                evicted.r = undefined
              }
            },
          })
        : undefined
  }

  /** The value under `key` in the state with `root`, or undefined. A copy: the caller may mutate it. */
  get(root: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    checkRoot(root)
    checkKey(key)
    const path = this.hash(key)
    if (isEmpty(root)) return undefined
    let node = this.loadRoot(root)
    for (let depth = 0; depth <= SMT_DEPTH_MAX; depth++) {
      if (node.kind === TAG_LEAF) return eq(node.path, path) ? copyOf(node.value) : undefined
      const next = this.child(node, bit(path, depth))
      if (next === undefined) return undefined
      node = next
    }
    return corrupt(root, 'path deeper than 256 levels')
  }

  /** A proof of the value under `key` (membership) or of its absence (non-membership). */
  prove(root: Uint8Array, key: Uint8Array): SmtProof {
    checkRoot(root)
    checkKey(key)
    const path = this.hash(key)
    const siblings: Uint8Array[] = []
    let h = root
    let version = this.rootVersion(root)
    for (let depth = 0; depth <= SMT_DEPTH_MAX; depth++) {
      if (isEmpty(h)) return { siblings }
      const node = this.load(h, version)
      if (node.kind === TAG_LEAF) {
        return { leaf: { path: copyOf(node.path), valueHash: copyOf(node.valueHash) }, siblings }
      }
      if (bit(path, depth) === 1) {
        siblings.push(copyOf(node.left))
        h = node.right
        version = node.rv
      } else {
        siblings.push(copyOf(node.right))
        h = node.left
        version = node.lv
      }
    }
    return corrupt(h, 'path deeper than 256 levels')
  }

  /** Every (key, value) in the state with `root`, in path order (for snapshots and audits). */
  *entries(root: Uint8Array): Generator<[key: Uint8Array, value: Uint8Array]> {
    checkRoot(root)
    const stack: { h: Uint8Array; depth: number; v: number }[] = [{ h: root, depth: 0, v: this.rootVersion(root) }]
    while (stack.length > 0) {
      const { h, depth, v } = stack.pop()!
      if (isEmpty(h)) continue
      if (depth > SMT_DEPTH_MAX) corrupt(h, 'path deeper than 256 levels')
      const node = this.load(h, v)
      if (node.kind === TAG_LEAF) yield [copyOf(node.key), copyOf(node.value)]
      else stack.push({ h: node.right, depth: depth + 1, v: node.rv }, { h: node.left, depth: depth + 1, v: node.lv })
    }
  }

  /**
   * Every node of the state with `root` as [hash, version] (the version its parent records; the
   * root's from the store): what a pruner keeps of the versions it drops.
   */
  *nodes(root: Uint8Array): Generator<[hash: Uint8Array, version: number]> {
    checkRoot(root)
    const stack: { h: Uint8Array; depth: number; v: number }[] = [{ h: root, depth: 0, v: this.rootVersion(root) }]
    while (stack.length > 0) {
      const { h, depth, v } = stack.pop()!
      if (isEmpty(h)) continue
      if (depth > SMT_DEPTH_MAX) corrupt(h, 'path deeper than 256 levels')
      yield [copyOf(h), v]
      const node = this.load(h, v)
      if (node.kind === TAG_INNER) {
        stack.push({ h: node.right, depth: depth + 1, v: node.rv }, { h: node.left, depth: depth + 1, v: node.lv })
      }
    }
  }

  /**
   * Applies a batch (value undefined = delete; the last change to a key wins). Returns the new
   * root and the new nodes (hex hash -> encoded node) for the caller to persist atomically with
   * its block. Pure: reads the store, never writes it. The whole batch is validated before any
   * work, so bad input throws INVALID_ARGUMENT and produces nothing.
   *
   * Cost: the batch is sorted by path and each touched subtree is rebuilt once, so a batch of
   * m keys on a tree of n costs about 3 + log2(n / m) + 1.4 hashes per key (key path, value,
   * leaf, then the levels below where the batch's paths meet), not 3 + log2(n) per key.
   */
  update(
    root: Uint8Array,
    changes: Iterable<readonly [key: Uint8Array, value: Uint8Array | undefined]>,
    opts: { version?: number } = {},
  ): SmtUpdateResult {
    checkRoot(root)
    const version = opts?.version ?? 0
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new GovchainError('INVALID_ARGUMENT', 'version must be a non-negative safe integer')
    }
    if (changes === null || typeof (changes as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new GovchainError('INVALID_ARGUMENT', 'changes must be iterable')
    }
    const ops: Op[] = []
    let count = 0
    for (const change of changes) {
      if (++count > SMT_BATCH_CHANGES_MAX) {
        throw new GovchainError('INVALID_ARGUMENT', `more than ${SMT_BATCH_CHANGES_MAX} changes in one batch`)
      }
      if (!Array.isArray(change) || change.length !== 2) {
        throw new GovchainError('INVALID_ARGUMENT', 'each change must be [key, value | undefined]')
      }
      const [key, value] = change as [unknown, unknown]
      checkKey(key)
      checkValue(value)
      const path = this.hash(key)
      const head = ((path[0]! << 24) | (path[1]! << 16) | (path[2]! << 8) | path[3]!) >>> 0
      ops.push({ path, key, value, head, seq: count })
    }
    // Sort by path, then batch order; keep only the last change per path.
    ops.sort(compareOps)
    let kept = 0
    for (let i = 0; i < ops.length; i++) {
      const next = ops[i + 1]
      if (next !== undefined && next.head === ops[i]!.head && compareBytes32(next.path, ops[i]!.path, 4) === 0) continue
      ops[kept++] = ops[i]!
    }
    ops.length = kept
    const batch: Batch = { nodes: new Map(), slab: new Slab(), version }
    const rootVersion = this.rootVersion(root)
    const out = this.rebuild(root, rootVersion, 0, ops, 0, ops.length, batch)
    return { root: copyOf(out.hash), nodes: batch.nodes, rootVersion: out.kind === K_EMPTY ? 0 : out.version }
  }

  /**
   * The root node, decoded. A caching tree keeps the last one asked for: a block's execution
   * reads the same parent root for every key, and finding it by hash in the cache costs a hex
   * string and a version lookup each time. Content-addressed, so the memo cannot go stale.
   */
  private loadRoot(root: Uint8Array): Node {
    const memo = this.lastRoot
    if (memo !== undefined && eq(memo.hash, root)) return memo.node
    const node = this.load(root, this.rootVersion(root))
    if (this.nodeCache !== undefined) this.lastRoot = { hash: copyOf(root), node }
    return node
  }

  /** The version a root was written with, as the store knows it (0 when it does not, or EMPTY). */
  private rootVersion(root: Uint8Array): number {
    if (isEmpty(root)) return 0
    return this.store.versionOf?.(root) ?? 0
  }

  private load(h: Uint8Array, version: number): Node {
    const cache = this.nodeCache
    const k = cache === undefined ? '' : nodeKey(h)
    const hit = cache?.get(k)
    if (hit !== undefined) return hit
    const enc = this.store.get(h, version)
    if (enc === undefined) {
      throw new GovchainError('SMT_NODE_MISSING', `state tree node ${toHex(h)} not in the store`, { hash: toHex(h) })
    }
    const node = decodeNode(h, enc)
    cache?.set(k, node)
    return node
  }

  /**
   * The decoded child on `side` (0 left, 1 right) of an inner node, or undefined when that
   * subtree is EMPTY. A caching tree memoises it on the parent, so a walk from a cached root
   * follows pointers instead of looking each level up by hash.
   */
  private child(node: InnerNode, side: number): Node | undefined {
    const memo = side === 1 ? node.r : node.l
    if (memo !== undefined) return memo
    const h = side === 1 ? node.right : node.left
    if (isEmpty(h)) return undefined
    const child = this.load(h, side === 1 ? node.rv : node.lv)
    if (this.nodeCache !== undefined) {
      if (side === 1) node.r = child
      else node.l = child
    }
    return child
  }

  /**
   * The subtree at `h` (written with version `hv`, depth `depth`) with ops[lo, hi) applied; all
   * those ops share its prefix.
   */
  private rebuild(
    h: Uint8Array,
    hv: number,
    depth: number,
    ops: Op[],
    lo: number,
    hi: number,
    batch: Batch,
    known?: Node,
  ): Ref {
    if (lo === hi) {
      if (isEmpty(h)) return EMPTY_REF
      if (known === undefined) return { hash: h, kind: K_UNKNOWN, version: hv }
      return { hash: h, kind: known.kind === TAG_LEAF ? K_LEAF : K_INNER, version: hv, node: known }
    }
    if (depth > SMT_DEPTH_MAX) corrupt(h, 'path deeper than 256 levels')
    if (isEmpty(h)) {
      const entries: Entry[] = []
      for (let i = lo; i < hi; i++) {
        const op = ops[i]!
        if (op.value !== undefined) {
          entries.push({ path: op.path, key: op.key, value: op.value, leafHash: undefined, leafVersion: 0 })
        }
      }
      return this.build(depth, entries, 0, entries.length, batch)
    }
    const node = known ?? this.load(h, hv)
    if (node.kind === TAG_LEAF) {
      // The existing leaf joins the batch unless the batch writes or deletes its key.
      const existing: Entry = {
        path: node.path,
        key: node.key,
        value: node.value,
        leafHash: h,
        leafVersion: hv,
        leafNode: node,
      }
      const entries: Entry[] = []
      let placed = false
      for (let i = lo; i < hi; i++) {
        const op = ops[i]!
        if (!placed) {
          const c = compareBytes32(node.path, op.path)
          if (c < 0) entries.push(existing)
          if (c <= 0) placed = true
        }
        if (op.value !== undefined) {
          entries.push({ path: op.path, key: op.key, value: op.value, leafHash: undefined, leafVersion: 0 })
        }
      }
      if (!placed) entries.push(existing)
      return this.build(depth, entries, 0, entries.length, batch)
    }
    const mid = splitAt(ops, lo, hi, depth)
    const left = this.rebuild(
      node.left,
      node.lv,
      depth + 1,
      ops,
      lo,
      mid,
      batch,
      lo < mid ? this.child(node, 0) : node.l,
    )
    const right = this.rebuild(
      node.right,
      node.rv,
      depth + 1,
      ops,
      mid,
      hi,
      batch,
      mid < hi ? this.child(node, 1) : node.r,
    )
    // Unchanged children: keep the existing node rather than re-creating it.
    if (eq(left.hash, node.left) && eq(right.hash, node.right)) return { hash: h, kind: K_INNER, version: hv, node }
    return this.join(left, right, batch)
  }

  /** The canonical subtree at `depth` holding exactly entries[lo, hi) (sorted by path). */
  private build(depth: number, entries: Entry[], lo: number, hi: number, batch: Batch): Ref {
    const n = hi - lo
    if (n === 0) return EMPTY_REF
    if (n === 1) {
      const e = entries[lo]!
      if (e.leafHash !== undefined) return { hash: e.leafHash, kind: K_LEAF, version: e.leafVersion, node: e.leafNode }
      const valueHash = this.hash(e.value)
      const enc = encodeLeaf(e.path, valueHash, e.key, e.value, batch.slab.alloc(leafBytes(e.key, e.value)))
      const hash = this.hash(enc.subarray(0, PREIMAGE_BYTES))
      const k = nodeKey(hash)
      batch.nodes.set(k, enc)
      return { hash, kind: K_LEAF, version: batch.version, node: this.remember(k, e, valueHash) }
    }
    // Two distinct 256-bit paths differ before depth 256; reaching it means equal paths.
    if (depth >= SMT_DEPTH_MAX) throw new GovchainError('INVALID_ARGUMENT', 'two keys with the same path')
    const mid = splitAt(entries, lo, hi, depth)
    return this.join(
      this.build(depth + 1, entries, lo, mid, batch),
      this.build(depth + 1, entries, mid, hi, batch),
      batch,
    )
  }

  /** The canonical parent of two canonical subtrees: EMPTY and lone leaves move up, never get wrapped. */
  private join(left: Ref, right: Ref, batch: Batch): Ref {
    if (left.kind === K_EMPTY && right.kind === K_EMPTY) return EMPTY_REF
    if (left.kind === K_EMPTY && this.kindOf(right) === K_LEAF) return right
    if (right.kind === K_EMPTY && this.kindOf(left) === K_LEAF) return left
    const versioned = batch.version !== 0
    const enc = innerPreimage(
      left.hash,
      right.hash,
      batch.slab.alloc(versioned ? VERSIONED_INNER_BYTES : PREIMAGE_BYTES),
    )
    if (versioned) {
      writeU64(enc, PREIMAGE_BYTES, left.version)
      writeU64(enc, PREIMAGE_BYTES + 8, right.version)
    }
    const hash = this.hash(versioned ? enc.subarray(0, PREIMAGE_BYTES) : enc)
    const k = nodeKey(hash)
    batch.nodes.set(k, enc)
    let node: InnerNode | undefined
    if (this.nodeCache !== undefined) {
      // As decodeNode reads this record back: child versions only in a versioned record.
      const lv = versioned ? left.version : 0
      const rv = versioned ? right.version : 0
      node = { kind: TAG_INNER, left: left.hash, right: right.hash, lv, rv }
      node.l = left.node
      node.r = right.node
      this.nodeCache.set(k, node)
    }
    return { hash, kind: K_INNER, version: batch.version, node }
  }

  /**
   * A new leaf into the decoded-node cache, so that the next block's walks find this block's
   * nodes decoded and linked (an inner node's memos point at its new children) instead of
   * loading and decoding each from the store. Safe before the block commits: nodes are
   * content-addressed, so a node of a block that never commits is only unreachable. Built as
   * decodeNode would read the record back: the path and value hash are this update's own
   * hash outputs; the key and value are copied (the caller's arrays stay the caller's).
   */
  private remember(k: string, e: Entry, valueHash: Uint8Array): LeafNode | undefined {
    if (this.nodeCache === undefined) return undefined
    const node: LeafNode = { kind: TAG_LEAF, path: e.path, valueHash, key: copyOf(e.key), value: copyOf(e.value) }
    this.nodeCache.set(k, node)
    return node
  }

  private kindOf(ref: Ref): number {
    if (ref.kind !== K_UNKNOWN) return ref.kind
    return this.load(ref.hash, ref.version).kind === TAG_LEAF ? K_LEAF : K_INNER
  }
}

function compareBytes32(a: Uint8Array, b: Uint8Array, from = 0): number {
  for (let i = from; i < SMT_HASH_BYTES; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

const ARENA_CHUNK_BYTES = 16 * 1024 * 1024
/** Largest node the memory store takes: a leaf with a maximal key and value, with room to spare. */
const STORED_NODE_BYTES_MAX = LEAF_HEADER_BYTES + SMT_KEY_BYTES_MAX + 4 + SMT_VALUE_BYTES_MAX

/**
 * In-memory node store for tests, benchmarks and light uses. Holds every version; never prunes.
 * Nodes are copied into 16 MiB arena chunks and indexed by hex hash, so a million-key tree costs
 * its encoded bytes plus one Map entry per node, not one ArrayBuffer per node (which tripled the
 * memory and made garbage collection dominate bulk loads). get() returns a view into the arena.
 */
export class MemorySmtStore implements SmtNodeStore {
  /** hex hash -> position of the node's u32 length prefix: chunk * ARENA_CHUNK_BYTES + offset. */
  private readonly index = new Map<string, number>()
  private readonly chunks: Uint8Array[] = []
  private chunk = new Uint8Array(0)
  private used = 0

  get(nodeHash: Uint8Array): Uint8Array | undefined {
    const at = this.index.get(nodeKey(nodeHash))
    if (at === undefined) return undefined
    const chunk = this.chunks[Math.floor(at / ARENA_CHUNK_BYTES)]!
    const offset = at % ARENA_CHUNK_BYTES
    const length = chunk[offset]! | (chunk[offset + 1]! << 8) | (chunk[offset + 2]! << 16) | (chunk[offset + 3]! << 24)
    return chunk.subarray(offset + 4, offset + 4 + length)
  }

  /** Stores one node. Content-addressed: a hash already present is kept as it is. */
  put(nodeHash: Uint8Array | string, node: Uint8Array): void {
    const key = typeof nodeHash === 'string' ? nodeHash : nodeKey(nodeHash)
    if (!(node instanceof Uint8Array) || node.length > STORED_NODE_BYTES_MAX) {
      throw new GovchainError('INVALID_ARGUMENT', `a node is a Uint8Array of at most ${STORED_NODE_BYTES_MAX} bytes`)
    }
    if (this.index.has(key)) return
    if (this.used + 4 + node.length > this.chunk.length) {
      this.chunk = new Uint8Array(ARENA_CHUNK_BYTES)
      this.chunks.push(this.chunk)
      this.used = 0
    }
    const c = this.chunk
    const o = this.used
    c[o] = node.length & 0xff
    c[o + 1] = (node.length >>> 8) & 0xff
    c[o + 2] = (node.length >>> 16) & 0xff
    c[o + 3] = node.length >>> 24
    c.set(node, o + 4)
    this.index.set(key, (this.chunks.length - 1) * ARENA_CHUNK_BYTES + o)
    this.used = o + 4 + node.length
  }

  /** Persists the nodes an update() returned. */
  apply(nodes: ReadonlyMap<string, Uint8Array>): void {
    for (const [k, v] of nodes) this.put(k, v)
  }

  /** Number of distinct nodes held. */
  get size(): number {
    return this.index.size
  }

  /** Bytes of node encodings held (arena space in use, with 4-byte length prefixes). */
  get bytes(): number {
    return this.chunks.length === 0 ? 0 : (this.chunks.length - 1) * ARENA_CHUNK_BYTES + this.used
  }
}

// ------------------------------------------------------------------------------ verification

/**
 * Checks `proof` against `root`: that `key` holds `value` (membership) when value is given,
 * that `key` is absent (non-membership) when value is undefined. Never throws: malformed
 * input of any kind verifies as false.
 */
export function verifySmtProof(
  hash: HashFn,
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: SmtProof,
): boolean {
  try {
    if (!(root instanceof Uint8Array) || root.length !== SMT_HASH_BYTES) return false
    if (!(key instanceof Uint8Array) || key.length > SMT_KEY_BYTES_MAX) return false
    if (value !== undefined && (!(value instanceof Uint8Array) || value.length > SMT_VALUE_BYTES_MAX)) return false
    if (typeof proof !== 'object' || proof === null) return false
    const { siblings, leaf } = proof
    if (!Array.isArray(siblings) || siblings.length > SMT_DEPTH_MAX) return false
    for (const s of siblings) if (!(s instanceof Uint8Array) || s.length !== SMT_HASH_BYTES) return false
    const path = hash(key)
    if (!(path instanceof Uint8Array) || path.length !== SMT_HASH_BYTES) return false

    let current: Uint8Array
    if (leaf !== undefined) {
      if (typeof leaf !== 'object' || leaf === null) return false
      const { path: leafPath, valueHash } = leaf
      if (!(leafPath instanceof Uint8Array) || leafPath.length !== SMT_HASH_BYTES) return false
      if (!(valueHash instanceof Uint8Array) || valueHash.length !== SMT_HASH_BYTES) return false
      if (value !== undefined) {
        if (!eq(leafPath, path) || !eq(valueHash, hash(value))) return false
      } else {
        // Another key's leaf sits where this path ends: it must share the path down to there,
        // and being a leaf it is the only key under that prefix, so this key is absent.
        if (eq(leafPath, path) || !samePrefix(leafPath, path, siblings.length)) return false
      }
      current = hash(leafPreimage(leafPath, valueHash, scratch))
    } else {
      if (value !== undefined) return false
      current = EMPTY_REF.hash
    }
    for (let depth = siblings.length - 1; depth >= 0; depth--) {
      const s = siblings[depth]!
      current =
        bit(path, depth) === 1 ? hash(innerPreimage(s, current, scratch)) : hash(innerPreimage(current, s, scratch))
    }
    return eq(current, root)
  } catch {
    return false
  }
}

// ------------------------------------------------------------------------------ proof codec

function encodeFail(why: string): never {
  throw new GovchainError('ENCODE_INVALID_VALUE', `SmtProof: ${why}`)
}

/**
 * Binary form of an SmtProof:
 *   u8 hasLeaf (0|1) [ path(32) valueHash(32) ]
 *   u16 siblingCount (<= 256)
 *   bitmap, ceil(count / 8) bytes: bit d (byte d>>3, bit d&7 from the least significant) set
 *     when sibling d is not EMPTY; padding bits zero
 *   the non-EMPTY siblings, 32 bytes each, root side first.
 * Canonical: a sibling sent in full is never EMPTY, so each proof has one encoding.
 */
export const SmtProofCodec: Codec<SmtProof> = {
  write(w: Writer, proof: SmtProof): void {
    if (typeof proof !== 'object' || proof === null) encodeFail('not an object')
    const { leaf, siblings } = proof
    if (leaf === undefined) w.u8(0)
    else {
      if (
        typeof leaf !== 'object' ||
        leaf === null ||
        !(leaf.path instanceof Uint8Array) ||
        leaf.path.length !== SMT_HASH_BYTES ||
        !(leaf.valueHash instanceof Uint8Array) ||
        leaf.valueHash.length !== SMT_HASH_BYTES
      ) {
        encodeFail('leaf must have a 32-byte path and valueHash')
      }
      w.u8(1)
      w.raw(leaf.path)
      w.raw(leaf.valueHash)
    }
    if (!Array.isArray(siblings) || siblings.length > SMT_DEPTH_MAX) encodeFail(`at most ${SMT_DEPTH_MAX} siblings`)
    const bitmap = new Uint8Array(Math.ceil(siblings.length / 8))
    for (let d = 0; d < siblings.length; d++) {
      const s = siblings[d]
      if (!(s instanceof Uint8Array) || s.length !== SMT_HASH_BYTES) encodeFail(`sibling ${d} must be 32 bytes`)
      if (!isEmpty(s)) bitmap[d >>> 3]! |= 1 << (d & 7)
    }
    w.u16(siblings.length)
    w.raw(bitmap)
    for (const s of siblings) if (!isEmpty(s)) w.raw(s)
  },
  read(r: Reader): SmtProof {
    const hasLeaf = r.u8()
    if (hasLeaf > 1) throw new GovchainError('DECODE_NON_CANONICAL', `SmtProof leaf flag ${hasLeaf}`)
    const leaf = hasLeaf === 1 ? { path: r.raw(SMT_HASH_BYTES), valueHash: r.raw(SMT_HASH_BYTES) } : undefined
    const count = r.u16()
    if (count > SMT_DEPTH_MAX) throw new GovchainError('DECODE_OVERSIZE', `SmtProof of ${count} siblings`)
    const bitmap = r.raw(Math.ceil(count / 8))
    if (count % 8 !== 0 && bitmap[bitmap.length - 1]! >>> (count % 8) !== 0) {
      throw new GovchainError('DECODE_NON_CANONICAL', 'SmtProof bitmap padding bits set')
    }
    const siblings: Uint8Array[] = []
    for (let d = 0; d < count; d++) {
      if ((bitmap[d >>> 3]! >>> (d & 7)) & 1) {
        const s = r.raw(SMT_HASH_BYTES)
        if (isEmpty(s)) throw new GovchainError('DECODE_NON_CANONICAL', `SmtProof sibling ${d} sent in full but empty`)
        siblings.push(s)
      } else siblings.push(new Uint8Array(SMT_HASH_BYTES))
    }
    return leaf === undefined ? { siblings } : { leaf, siblings }
  },
}
