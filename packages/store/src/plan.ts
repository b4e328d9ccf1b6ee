/**
 * Checks a commit against the stored chain and encodes everything it writes before any engine
 * opens a write transaction: all that can fail fails here, so the write phase is plain puts.
 */
import { Block, CommitCertificate, codec, equalBytes, GovchainError, TxResults } from '@govchain/core'
import { heightKey, MetaRecord, TxIndexRecord } from './encoding.ts'
import type { ChainMeta, CommitBlockInput } from './types.ts'

export interface CommitPlan {
  height: number
  heightKey: Uint8Array
  blockHash: Uint8Array
  blockBytes: Uint8Array
  certificateBytes: Uint8Array
  resultsBytes: Uint8Array
  txIndex: [txHash: Uint8Array, record: Uint8Array][]
  /** The block's new state-tree nodes, in hash order; all written by this block (version = height). */
  smtNodes: [nodeHash: Uint8Array, node: Uint8Array][]
  /**
   * The version the roots table records for the block's state root: the height when the root
   * is one of the block's new nodes, else the input's stateRootVersion (undefined: no record).
   */
  rootVersion: number | undefined
  indexes: [key: Uint8Array, value: Uint8Array | undefined][]
  /** Journal entries (tx hashes) the commit removes, checked. */
  pendingDeletes: readonly Uint8Array[]
  meta: ChainMeta
  metaBytes: Uint8Array
}

/** Journal keys are transaction hashes (32 bytes in both suites; a little room). */
const PENDING_KEY_BYTES_MAX = 64

/** Index keys are bounded like state keys; values like state values. */
const INDEX_KEY_BYTES_MAX = 1024
const INDEX_VALUE_BYTES_MAX = 64 * 1024

function conflict(message: string, details: Record<string, unknown>): never {
  throw new GovchainError('STORE_CONFLICT', message, details)
}

/**
 * TxIndexRecord {height u64, index u32, code, events} from an encoded TxResult {txHash(32),
 * code, events}: the same fields after the hash, so its bytes are reused (codec rules: integers
 * little-endian, no padding). Tested against codec.encode.
 */
export function txIndexRecordBytes(height: number, index: number, txResultBytes: Uint8Array): Uint8Array {
  const tail = txResultBytes.subarray(32)
  const out = new Uint8Array(12 + tail.length)
  // u64 LE height (a safe integer: two u32 halves), u32 LE index; no DataView or BigInt per tx.
  writeU32(out, 0, height >>> 0)
  writeU32(out, 4, Math.floor(height / 0x1_0000_0000))
  writeU32(out, 8, index)
  out.set(tail, 12)
  return out
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff
  out[at + 1] = (v >>> 8) & 0xff
  out[at + 2] = (v >>> 16) & 0xff
  out[at + 3] = (v >>> 24) & 0xff
}

/** Radix of the index packed below a hash's first 32 bits in sortByHash (so at most 2^21 nodes). */
const INDEX_BITS_SPAN = 2 ** 21

/**
 * The block's state-tree nodes as (hash bytes, node), in hash order. Hashes are decoded with
 * Buffer's native hex (thousands per block); it stops at the first non-hex pair, so a
 * malformed key comes out shorter than hex.length / 2. The order comes from a numeric sort of
 * (first 32 bits of the hash, position), native and with no comparator calls, then runs whose
 * first 32 bits tie are put in order by their whole bytes: the same order as sorting the hex.
 */
export function sortByHash(smtNodes: ReadonlyMap<string, Uint8Array>): CommitPlan['smtNodes'] {
  const items: CommitPlan['smtNodes'] = []
  for (const [hex, node] of smtNodes) {
    if (!(node instanceof Uint8Array)) throw new GovchainError('INVALID_ARGUMENT', 'state tree node must be bytes')
    const hash = typeof hex === 'string' ? Buffer.from(hex, 'hex') : undefined
    if (hash === undefined || hex.length % 2 !== 0 || hash.length !== hex.length / 2) {
      throw new GovchainError('INVALID_ARGUMENT', 'state tree node key must be hex')
    }
    items.push([new Uint8Array(hash.buffer, hash.byteOffset, hash.byteLength), node])
  }
  const n = items.length
  if (n >= INDEX_BITS_SPAN || items.some(([h]) => h.length < 4)) {
    return items.sort(([a], [b]) => Buffer.compare(a, b))
  }
  const order = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const h = items[i]![0]
    order[i] = (((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0) * INDEX_BITS_SPAN + i
  }
  order.sort()
  const out: CommitPlan['smtNodes'] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = items[order[i]! % INDEX_BITS_SPAN]!
  // Insertion sort by whole bytes within each run whose first 32 bits tie (rare: only those
  // can be out of order).
  const top = (i: number) => Math.floor(order[i]! / INDEX_BITS_SPAN)
  for (let i = 1; i < n; i++) {
    if (top(i) !== top(i - 1)) continue
    const item = out[i]!
    let j = i - 1
    while (j >= 0 && top(j) === top(i) && Buffer.compare(out[j]![0], item[0]) > 0) {
      out[j + 1] = out[j]!
      j--
    }
    out[j + 1] = item
  }
  return out
}

/** TxResults (a vec: u32 LE count, then the items) from the encoded items. */
export function txResultsBytes(items: readonly Uint8Array[]): Uint8Array {
  let n = 4
  for (const b of items) n += b.length
  const out = new Uint8Array(n)
  new DataView(out.buffer).setUint32(0, items.length, true)
  let at = 4
  for (const b of items) {
    out.set(b, at)
    at += b.length
  }
  return out
}

export function planCommit(input: CommitBlockInput, latest: ChainMeta | undefined): CommitPlan {
  if (typeof input !== 'object' || input === null) throw new GovchainError('INVALID_ARGUMENT', 'commit input')
  const { block, blockHash, certificate, smtNodes, txResults } = input
  const header = block.header
  const expected = (latest?.height ?? 0) + 1
  if (
    input.snapshotBase === true &&
    (latest !== undefined || !Number.isSafeInteger(header.height) || header.height < 1)
  ) {
    conflict('a snapshot base block goes only into an empty store, at a height >= 1', { height: header.height })
  }
  if (input.snapshotBase !== true && header.height !== expected) {
    conflict(`block height ${header.height}, store expects ${expected}`, { height: header.height, expected })
  }
  if (latest !== undefined && !equalBytes(header.previousHash, latest.blockHash)) {
    conflict('block does not extend the latest stored block', { height: header.height })
  }
  if (!(blockHash instanceof Uint8Array) || blockHash.length !== 32) {
    throw new GovchainError('INVALID_ARGUMENT', 'blockHash must be 32 bytes')
  }
  if (certificate.height !== header.height || !equalBytes(certificate.blockHash, blockHash)) {
    conflict('certificate is not for this block', { height: header.height, certificateHeight: certificate.height })
  }
  if (!Array.isArray(txResults) || txResults.length !== block.txs.length) {
    throw new GovchainError('INVALID_ARGUMENT', 'txResults must have one entry per transaction')
  }
  if (input.blockBytes !== undefined && !(input.blockBytes instanceof Uint8Array)) {
    throw new GovchainError('INVALID_ARGUMENT', 'blockBytes must be bytes')
  }
  const rv = input.stateRootVersion
  if (rv !== undefined && (!Number.isSafeInteger(rv) || rv < 0 || rv > header.height)) {
    throw new GovchainError('INVALID_ARGUMENT', `stateRootVersion must be an integer in 0..${header.height}`)
  }
  const encoded = input.txResultBytes
  if (encoded !== undefined && (!Array.isArray(encoded) || encoded.length !== txResults.length)) {
    throw new GovchainError('INVALID_ARGUMENT', 'txResultBytes must have one entry per transaction')
  }
  // A TX_REPLAY result names a transaction that is already indexed where it was committed:
  // indexing it again would overwrite that answer with the replay's.
  const txIndex: CommitPlan['txIndex'] = []
  txResults.forEach((r, index) => {
    if (r.code === 'TX_REPLAY') return
    const bytes = encoded?.[index]
    txIndex.push([
      r.txHash,
      bytes === undefined
        ? codec.encode(TxIndexRecord, { height: header.height, index, code: r.code, events: r.events })
        : txIndexRecordBytes(header.height, index, bytes),
    ])
  })
  // Hash order: the store appends them under one version prefix, and sorted keys fill its pages.
  const nodes = sortByHash(smtNodes)
  const indexes: CommitPlan['indexes'] = []
  for (const w of input.indexes ?? []) {
    if (!(w.key instanceof Uint8Array) || w.key.length === 0 || w.key.length > INDEX_KEY_BYTES_MAX) {
      throw new GovchainError('INVALID_ARGUMENT', `index key must be 1-${INDEX_KEY_BYTES_MAX} bytes`)
    }
    if (w.value !== undefined && (!(w.value instanceof Uint8Array) || w.value.length > INDEX_VALUE_BYTES_MAX)) {
      throw new GovchainError('INVALID_ARGUMENT', `index value must be at most ${INDEX_VALUE_BYTES_MAX} bytes`)
    }
    indexes.push([w.key, w.value])
  }
  const pendingDeletes = input.pendingDeletes ?? []
  if (!Array.isArray(pendingDeletes)) throw new GovchainError('INVALID_ARGUMENT', 'pendingDeletes must be an array')
  for (const k of pendingDeletes) {
    if (!(k instanceof Uint8Array) || k.length === 0 || k.length > PENDING_KEY_BYTES_MAX) {
      throw new GovchainError('INVALID_ARGUMENT', 'pendingDeletes must be transaction hashes')
    }
  }
  const meta: ChainMeta = { height: header.height, blockHash, stateRoot: header.stateRoot }
  return {
    height: header.height,
    heightKey: heightKey(header.height),
    blockHash,
    blockBytes: input.blockBytes ?? codec.encode(Block, block),
    certificateBytes: codec.encode(CommitCertificate, certificate),
    resultsBytes: encoded === undefined ? codec.encode(TxResults, [...txResults]) : txResultsBytes(encoded),
    txIndex,
    smtNodes: nodes,
    rootVersion: smtNodes.has(Buffer.from(header.stateRoot).toString('hex'))
      ? header.height
      : rv !== undefined && rv > 0
        ? rv
        : undefined,
    indexes,
    pendingDeletes,
    meta,
    metaBytes: codec.encode(MetaRecord, meta),
  }
}
