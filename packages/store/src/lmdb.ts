/**
 * ChainStore on LMDB (the `lmdb` package): one environment per node home, at
 * `<home>/data/chain.lmdb`, with one named sub-database per record kind.
 *
 * Durability. lmdb-js batches `put`s asynchronously and, by default on Linux, commits with
 * `overlappingSync`: the commit returns before its pages are flushed, so a power loss right
 * after a "committed" block could lose it. We open with `overlappingSync: false` (and never
 * `noSync`, `noMetaSync`, `useWritemap` or `mapAsync`, which is off by default), and write blocks only inside
 * `transactionSync`, which runs mdb_txn_commit on this thread: LMDB writes the data pages,
 * fsyncs, then writes and fsyncs the meta page, and only then returns. So when commitBlock
 * returns, the block is on disk; and because the meta page flips in one write, a crash at any
 * instant leaves the previous transaction or this one, never part of one. The one async
 * write (`put` outside a transaction) is the mempool journal's putPending, whose caller waits
 * for the batch to be committed and synced before it acknowledges anything; close() waits for
 * lmdb-js's pending batch.
 * Checked with strace on lmdb 3.5.6: a commit is pwrite(data pages), fdatasync(data fd),
 * pwrite(meta page) on a descriptor opened O_DSYNC, then return.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  Block,
  BlockHeader,
  CommitCertificate,
  codec,
  compareBytes,
  GovchainError,
  hexOf,
  SMT_HASH_BYTES,
  type TxResult,
  TxResults,
  utf8,
} from '@govchain/core'
import { type Database, open, type RootDatabase } from 'lmdb'
import { LRUCache } from 'lru-cache'
import {
  checkRecordName,
  checkRecordValue,
  decodeStored,
  heightKey,
  MetaRecord,
  TxIndexRecord,
  txIndexHead,
} from './encoding.ts'
import { planCommit } from './plan.ts'
import {
  BASE_RECORD,
  type ChainMeta,
  type ChainStore,
  type CommitBlockInput,
  PENDING_SCAN_MAX,
  type PendingTx,
  SCAN_LIMIT_MAX,
  type StoredTxResult,
} from './types.ts'

type BinaryDb = Database<Buffer, Buffer>

const META_KEY = utf8('latest')

export interface LmdbChainStoreOptions {
  /** Path of the environment directory (usually `<home>/data/chain.lmdb`). */
  path: string
  /**
   * State-tree nodes kept in memory (least recently used out). Execution walks the tree from
   * the root for every key it reads and again when it updates; the upper levels are the same
   * for every walk and were written by the previous commit, so they are served from here.
   * Default 200,000 nodes (~30 MB).
   */
  nodeCacheSize?: number
  /** Told of each write transaction that lmdb-js aborted and this store retried (see writeSync). */
  onTransientAbort?: (err: unknown, attempt: number) => void
}

/** Attempts of one write transaction when lmdb-js aborts it with MDB_BAD_TXN (see writeSync). */
const WRITE_ATTEMPTS = 3
const MDB_BAD_TXN = -30782

/**
 * Write failures that are the machine's, not the data's: errno values lmdb-js passes on as the
 * error's numeric `code` (Linux numbering), and LMDB's full map. The commit was aborted as a
 * whole (LMDB writes the meta page last), so nothing of it is on disk and the same write can
 * succeed once there is room again.
 */
const UNWRITABLE_CODES: ReadonlyMap<number, string> = new Map([
  [5, 'EIO'],
  [27, 'EFBIG'],
  [28, 'ENOSPC'],
  [30, 'EROFS'],
  [122, 'EDQUOT'],
  [-30792, 'MDB_MAP_FULL'],
])

/**
 * The typed form of a write the machine refused (STORE_UNWRITABLE, with the OS's reason), or
 * undefined for any other failure. lmdb-js fails an asynchronous batch with an error whose
 * `commitError` is a second, rejected promise holding the cause; that promise is handled here,
 * or Node would end the process on it as an unhandled rejection (seen on a full tmpfs).
 */
async function unwritableError(e: unknown): Promise<GovchainError | undefined> {
  const commitError = (e as { commitError?: unknown } | null)?.commitError
  const cause =
    commitError instanceof Promise
      ? await commitError.then(
          () => e,
          (c: unknown) => c,
        )
      : e
  return unwritableErrorOf(cause)
}

/** unwritableError for a synchronous write (no `commitError` there). */
function unwritableErrorOf(e: unknown): GovchainError | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const { code, message } = e as { code?: unknown; message?: unknown }
  const text = typeof message === 'string' ? message : ''
  const name =
    typeof code === 'number'
      ? UNWRITABLE_CODES.get(code)
      : typeof code === 'string' && [...UNWRITABLE_CODES.values()].includes(code)
        ? code
        : text.startsWith('MDB_MAP_FULL')
          ? 'MDB_MAP_FULL'
          : undefined
  if (name === undefined) return undefined
  const reason = text.split(':')[0]
  return new GovchainError('STORE_UNWRITABLE', reason === '' || reason === name ? name : `${reason} (${name})`)
}

const ORPHAN_COMMIT_MESSAGE = 'Commit failed (see commitError for details)'
let orphanGuardInstalled = false

/**
 * lmdb-js 3.5.6 rejects, for one failed asynchronous commit, a promise of its own that it never
 * returns to anyone, besides the put promise the caller holds and awaits (kriszyp/lmdb-js#368;
 * found here on a full tmpfs: full-disk.test.ts). Under Node's default
 * `--unhandled-rejections=throw` that orphan ends the process, although putPending has caught
 * the same failure and answered it as STORE_UNWRITABLE. This listener absorbs exactly that
 * error (lmdb-js's message with its `commitError` promise, which it also handles); any other
 * unhandled rejection is thrown on, as an uncaught exception, which is Node's default.
 */
function absorbOrphanCommitRejections(): void {
  if (orphanGuardInstalled) return
  orphanGuardInstalled = true
  process.on('unhandledRejection', (reason) => {
    const commitError = (reason as { commitError?: unknown } | null)?.commitError
    if (reason instanceof Error && reason.message === ORPHAN_COMMIT_MESSAGE && commitError instanceof Promise) {
      commitError.catch(() => {})
      return
    }
    throw reason
  })
}

/** lmdb-js's MDB_BAD_TXN: the transaction was aborted as a whole, nothing of it was written. */
function isAbortedTxn(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false
  const { code, message } = e as { code?: unknown; message?: unknown }
  return code === MDB_BAD_TXN || (typeof message === 'string' && message.startsWith('MDB_BAD_TXN'))
}

/**
 * Plain Uint8Array views (Buffer's slice() aliases where Uint8Array's copies, and decoders rely
 * on copying). lmdb-js's get() already returns a fresh buffer per call, so no copy is needed.
 */
function plain(b: Buffer | undefined): Uint8Array | undefined {
  return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/**
 * A put inside a write transaction with plain Uint8Arrays: lmdb-js copies the key into its
 * instruction buffer at once (writeBufferKey: target.set) and reads a binary value through its
 * ArrayBuffer and offset, so neither needs to be a Buffer (its types say Buffer; hot paths here
 * put thousands per block).
 */
function putBytes(db: BinaryDb, key: Uint8Array, value: Uint8Array): void {
  ;(db as unknown as { put(k: Uint8Array, v: Uint8Array): unknown }).put(key, value)
}

/** A get by a plain Uint8Array key (copied into lmdb-js's key buffer at once, as for putBytes). */
function getBytes(db: BinaryDb, key: Uint8Array): Buffer | undefined {
  return (db as unknown as { get(k: Uint8Array): Buffer | undefined }).get(key)
}

/** A remove by a plain Uint8Array key, inside a write transaction (see putBytes). */
function removeBytes(db: BinaryDb, key: Uint8Array): void {
  ;(db as unknown as { remove(k: Uint8Array): unknown }).remove(key)
}

function buf(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength)
}

/**
 * Key of a state-tree node: its version as heightKey encodes a height (u64 big-endian), then the
 * hash, so a version's nodes sort together.
 */
function versionedKey(versionKey: Uint8Array, hash: Uint8Array): Buffer {
  const k = Buffer.allocUnsafe(versionKey.length + hash.length)
  k.set(versionKey, 0)
  k.set(hash, versionKey.length)
  return k
}

/** A height (or version) stored as heightKey wrote it: 8 bytes big-endian. */
function storedHeight(b: Uint8Array, what: string): number {
  if (b.length !== 8) throw new GovchainError('STORE_CORRUPT', `${what} is not 8 bytes`)
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, false))
}

/** Root versions remembered in memory (each block reads its parent's root many times). */
const ROOT_VERSIONS_CACHED = 64
const RECENT_HEADERS_CACHED = 64

export class LmdbChainStore implements ChainStore {
  private readonly env: RootDatabase
  /** State-tree nodes by hash alone: homes written before ADR 0011; read, never written. */
  private readonly legacyNodes: BinaryDb
  /** State-tree nodes by u64 BE version (the height that wrote them) ‖ hash (ADR 0011). */
  private readonly nodes: BinaryDb
  /** Root hash → u64 BE version of the block that wrote that root node. */
  private readonly roots: BinaryDb
  private readonly rootVersions = new LRUCache<string, number>({ max: ROOT_VERSIONS_CACHED })
  /** Encoded headers of the latest blocks, by height (see getHeader). */
  private readonly recentHeaders = new LRUCache<number, Uint8Array>({ max: RECENT_HEADERS_CACHED })
  private readonly onTransientAbort: ((err: unknown, attempt: number) => void) | undefined
  private abortedWrites = 0
  private readonly blocks: BinaryDb
  private readonly hashes: BinaryDb
  private readonly certificates: BinaryDb
  private readonly results: BinaryDb
  private readonly txIndex: BinaryDb
  private readonly index: BinaryDb
  private readonly records: BinaryDb
  private readonly pending: BinaryDb
  private readonly metaDb: BinaryDb
  private closed = false
  /** Encoded state-tree nodes by hex hash (lru-cache: a Map's delete-the-oldest eviction is O(size) in V8). */
  private readonly nodeCache: LRUCache<string, Uint8Array> | undefined
  /**
   * The latest height, read from the meta record at open and set by each commitBlock: asked for
   * on every admission and API call, it need not decode the meta record every time. Only this
   * store's commits move it (a second writer on the same home is caught by commitBlock's check).
   */
  private latest: number | undefined

  /** Opens (creating if needed) the environment. */
  static open(opts: LmdbChainStoreOptions): LmdbChainStore {
    return new LmdbChainStore(opts)
  }

  /** The conventional location inside a node home. */
  static pathFor(home: string): string {
    return join(home, 'data', 'chain.lmdb')
  }

  private constructor(opts: LmdbChainStoreOptions) {
    const nodeCacheSize = Math.max(0, opts.nodeCacheSize ?? 200_000)
    this.nodeCache = nodeCacheSize > 0 ? new LRUCache<string, Uint8Array>({ max: nodeCacheSize }) : undefined
    this.onTransientAbort = opts.onTransientAbort
    mkdirSync(opts.path, { recursive: true })
    absorbOrphanCommitRejections()
    this.env = open({
      path: opts.path,
      // A directory holding data.mdb and lock.mdb (the name ends in .lmdb, which lmdb-js
      // would otherwise take for a single-file environment).
      noSubdir: false,
      // Durability on return, see the file comment. These are the library's risky switches,
      // spelled out so nobody flips them for speed without reading why they are off.
      overlappingSync: false,
      noSync: false,
      noMetaSync: false,
      useWritemap: false,
      // Our values are already encoded; no msgpack, no shared structures, no cache.
      encoding: 'binary',
      keyEncoding: 'binary',
      cache: false,
      maxDbs: 16,
    }) as unknown as RootDatabase
    const db = (name: string): BinaryDb =>
      this.env.openDB({ name, encoding: 'binary', keyEncoding: 'binary', cache: false }) as unknown as BinaryDb
    this.legacyNodes = db('smt-nodes')
    this.nodes = db('smt-nodes-v2')
    this.roots = db('smt-roots')
    this.blocks = db('blocks')
    this.hashes = db('block-hashes')
    this.certificates = db('certificates')
    this.results = db('results')
    this.txIndex = db('tx-index')
    this.index = db('module-index')
    this.records = db('records')
    this.pending = db('pending-txs')
    this.metaDb = db('meta')
  }

  private check(): void {
    if (this.closed) throw new GovchainError('STORE_CLOSED')
  }

  /**
   * One synchronous write transaction, retried when lmdb-js aborts it with MDB_BAD_TXN. The
   * LMDB that lmdb-js bundles (patched free-space bookkeeping, mdb_freelist_save) now and then
   * fails a commit with "reserved freelist had a data entry with zero-size". It was seen here in
   * about one benchmark run in five, under the mempool journal's asynchronous batches mixed with
   * block commits. Other lmdb-js users report it too, and no fix exists upstream. The failed
   * commit is aborted as a whole: nothing of it reached the file. lmdb-js drops its in-memory
   * free list on abort and reloads it from disk. So the same transaction can run again, and
   * `fn` is written to be re-run (commitBlock re-checks the height inside it). Any other error,
   * or a third abort in a row, is thrown as before.
   */
  private writeSync(fn: () => void): void {
    for (let attempt = 1; ; attempt++) {
      try {
        this.env.transactionSync(fn)
        return
      } catch (e) {
        if (this.retryAfter(e, attempt)) continue
        throw unwritableErrorOf(e) ?? e
      }
    }
  }

  /** Whether a write that failed with `e` on `attempt` runs again (and counts and reports it). */
  private retryAfter(e: unknown, attempt: number): boolean {
    if (attempt >= WRITE_ATTEMPTS || !isAbortedTxn(e) || this.closed) return false
    this.abortedWrites++
    this.onTransientAbort?.(e, attempt)
    return true
  }

  /** Write transactions lmdb-js aborted and this store retried since it opened. */
  get retriedWrites(): number {
    return this.abortedWrites
  }

  /**
   * A state-tree node. `version` is the one its parent records (core's SmtNodeStore); without
   * it (a root) the roots table gives it. Version 0, or a node not found under its version, is
   * looked up by hash in the legacy table of homes written before ADR 0011.
   */
  get(nodeHash: Uint8Array, version?: number): Uint8Array | undefined {
    this.check()
    // Buffer's native hex (no copy): bytes.toHex builds the string piece by piece, and this
    // runs for every node of every walk of the state tree.
    const k = hexOf(nodeHash)
    const hit = this.nodeCache?.get(k)
    if (hit !== undefined) return hit
    const at = version ?? this.versionOf(nodeHash) ?? 0
    let v = at > 0 ? plain(this.nodes.get(versionedKey(heightKey(at), nodeHash))) : undefined
    if (v === undefined) v = plain(this.legacyNodes.get(buf(nodeHash)))
    if (v !== undefined) this.cacheNode(k, v)
    return v
  }

  versionOf(rootHash: Uint8Array): number | undefined {
    this.check()
    const k = hexOf(rootHash)
    const cached = this.rootVersions.get(k)
    if (cached !== undefined) return cached
    const b = plain(this.roots.get(buf(rootHash)))
    if (b === undefined) return undefined
    const v = storedHeight(b, 'state root version')
    this.rememberRoot(k, v)
    return v
  }

  private rememberRoot(k: string, version: number): void {
    this.rootVersions.set(k, version)
  }

  private cacheNode(k: string, v: Uint8Array): void {
    this.nodeCache?.set(k, v)
  }

  meta(): ChainMeta | undefined {
    this.check()
    const b = plain(this.metaDb.get(buf(META_KEY)))
    return b === undefined ? undefined : decodeStored(MetaRecord, b, 'meta')
  }

  latestHeight(): number {
    this.check()
    if (this.latest === undefined) this.latest = this.meta()?.height ?? 0
    return this.latest
  }

  getBlockBytes(height: number): Uint8Array | undefined {
    this.check()
    if (!Number.isSafeInteger(height) || height < 1) return undefined
    return plain(this.blocks.get(buf(heightKey(height))))
  }

  getBlock(height: number): Block | undefined {
    const b = this.getBlockBytes(height)
    return b === undefined ? undefined : decodeStored(Block, b, 'block')
  }

  /**
   * A recent header comes from its encoding kept at commit: consensus asks for the parent's
   * header at every step and the API for the latest one on every call, and decoding a whole
   * block of thousands of transactions for its header cost milliseconds each time. Decoded
   * afresh per call, so an answer can be mutated freely.
   */
  getHeader(height: number): BlockHeader | undefined {
    this.check()
    const enc = this.recentHeaders.get(height)
    if (enc !== undefined) return codec.decode(BlockHeader, enc)
    return this.getBlock(height)?.header
  }

  getHeightByHash(blockHash: Uint8Array): number | undefined {
    this.check()
    const b = plain(this.hashes.get(buf(blockHash)))
    return b === undefined ? undefined : storedHeight(b, 'block hash index entry')
  }

  getCertificate(height: number): CommitCertificate | undefined {
    this.check()
    if (!Number.isSafeInteger(height) || height < 1) return undefined
    const b = plain(this.certificates.get(buf(heightKey(height))))
    return b === undefined ? undefined : decodeStored(CommitCertificate, b, 'certificate')
  }

  getResults(height: number): TxResult[] | undefined {
    this.check()
    if (!Number.isSafeInteger(height) || height < 1) return undefined
    const b = plain(this.results.get(buf(heightKey(height))))
    return b === undefined ? undefined : decodeStored(TxResults, b, 'results')
  }

  getTxResult(txHash: Uint8Array): StoredTxResult | undefined {
    this.check()
    const b = plain(this.txIndex.get(buf(txHash)))
    if (b === undefined) return undefined
    return { txHash: txHash.slice(), ...decodeStored(TxIndexRecord, b, 'tx index record') }
  }

  getTxCommit(txHash: Uint8Array): { height: number; code: string } | undefined {
    this.check()
    const b = getBytes(this.txIndex, txHash)
    return b === undefined ? undefined : txIndexHead(b)
  }

  getIndex(key: Uint8Array): Uint8Array | undefined {
    this.check()
    if (key.length === 0) return undefined
    return plain(this.index.get(buf(key)))
  }

  scanIndex(prefix: Uint8Array, limit: number, after?: Uint8Array): { key: Uint8Array; value: Uint8Array }[] {
    this.check()
    const n = Math.max(0, Math.min(Math.floor(limit), SCAN_LIMIT_MAX))
    const out: { key: Uint8Array; value: Uint8Array }[] = []
    if (n === 0) return out
    // LMDB orders keys bytewise (memcmp), the same order as compareBytes. A cursor below the
    // prefix starts at the prefix; one at or above it starts at the cursor (skipped if present).
    const start = after !== undefined && compareBytes(after, prefix) > 0 ? after : prefix
    const range = this.index.getRange(start.length > 0 ? { start: buf(start) } : {})
    for (const { key, value } of range) {
      const k = plain(key)!
      if (k.length < prefix.length || !prefix.every((b, i) => k[i] === b)) break
      if (after !== undefined && compareBytes(k, after) <= 0) continue
      out.push({ key: k, value: plain(value)! })
      if (out.length >= n) break
    }
    return out
  }

  getRecord(name: string): Uint8Array | undefined {
    this.check()
    checkRecordName(name)
    return plain(this.records.get(buf(utf8(name))))
  }

  putRecordSync(name: string, value: Uint8Array): void {
    this.putRecordsSync([{ name, value }])
  }

  putRecordsSync(records: readonly { name: string; value: Uint8Array }[]): void {
    this.check()
    for (const r of records) {
      checkRecordName(r.name)
      checkRecordValue(r.value)
    }
    const entries = records.map((r) => [buf(utf8(r.name)), buf(r.value.slice())] as const)
    this.writeSync(() => {
      for (const [k, v] of entries) this.records.put(k, v)
    })
  }

  putPendingSync(txs: readonly PendingTx[]): void {
    this.check()
    if (txs.length === 0) return
    const entries = txs.map((t) => [buf(t.txHash.slice()), buf(t.bytes.slice())] as const)
    this.writeSync(() => {
      for (const [k, v] of entries) this.pending.put(k, v)
    })
  }

  async putPending(txs: readonly PendingTx[]): Promise<void> {
    this.check()
    if (txs.length === 0) return
    // Outside a transaction, lmdb-js queues the puts and commits them as one batch on its write
    // thread; each put's promise resolves after that commit, which (overlappingSync off, see the
    // file comment) has synced the data and the meta page. `flushed` is awaited as well, so
    // durability does not rest on that option alone. A sync transaction on this thread
    // (commitBlock) waits for the write lock while such a batch commits, so order is kept.
    // A batch that lmdb-js aborted (see writeSync) is written again: the puts are idempotent.
    for (let attempt = 1; ; attempt++) {
      try {
        await Promise.all(txs.map((t) => this.pending.put(buf(t.txHash.slice()), buf(t.bytes.slice()))))
        await this.env.flushed
        return
      } catch (e) {
        if (this.retryAfter(e, attempt)) continue
        throw (await unwritableError(e)) ?? e
      }
    }
  }

  deletePending(txHashes: readonly Uint8Array[]): void {
    this.check()
    if (txHashes.length === 0) return
    const keys = txHashes.map((h) => buf(h.slice()))
    this.writeSync(() => {
      for (const k of keys) this.pending.remove(k)
    })
  }

  scanPending(limit: number): PendingTx[] {
    this.check()
    const n = Math.max(0, Math.min(limit, PENDING_SCAN_MAX))
    const out: PendingTx[] = []
    for (const { key, value } of this.pending.getRange({})) {
      if (out.length >= n) break
      out.push({ txHash: plain(key)!, bytes: plain(value)! })
    }
    return out
  }

  commitBlock(input: CommitBlockInput): void {
    this.check()
    const plan = planCommit(input, this.meta())
    const header = input.block.header
    const h = buf(plan.heightKey)
    this.writeSync(() => {
      // Re-check inside the write lock: another writer (a second process that opened the same
      // home by mistake) could have committed since planCommit read the meta.
      const current = plain(this.metaDb.get(buf(META_KEY)))
      const currentHeight = current === undefined ? 0 : decodeStored(MetaRecord, current, 'meta').height
      if (input.snapshotBase === true ? current !== undefined : currentHeight + 1 !== plan.height) {
        throw new GovchainError('STORE_CONFLICT', `store moved to height ${currentHeight} during commit`)
      }
      // All of this block's nodes share one key prefix, in hash order: appended at the end of
      // the table, not spread over its pages (ADR 0011).
      // lmdb-js copies a key into its instruction buffer when put() is called, and takes any
      // Uint8Array as a binary value: one key buffer serves every node, and no Buffer views.
      const nodeKey = new Uint8Array(plan.heightKey.length + SMT_HASH_BYTES)
      nodeKey.set(plan.heightKey, 0)
      for (const [k, v] of plan.smtNodes) {
        if (k.length === SMT_HASH_BYTES) {
          nodeKey.set(k, plan.heightKey.length)
          putBytes(this.nodes, nodeKey, v)
        } else putBytes(this.nodes, versionedKey(plan.heightKey, k), v)
      }
      if (plan.rootVersion !== undefined) this.roots.put(buf(header.stateRoot), buf(heightKey(plan.rootVersion)))
      this.blocks.put(h, buf(plan.blockBytes))
      this.hashes.put(buf(plan.blockHash), h)
      this.certificates.put(h, buf(plan.certificateBytes))
      this.results.put(h, buf(plan.resultsBytes))
      for (const [k, v] of plan.txIndex) putBytes(this.txIndex, k, v)
      // Checked by planCommit; lmdb-js copies each key as it is removed.
      for (const k of plan.pendingDeletes) removeBytes(this.pending, k)
      for (const [k, v] of plan.indexes) {
        if (v === undefined) removeBytes(this.index, k)
        else putBytes(this.index, k, v)
      }
      this.metaDb.put(buf(META_KEY), buf(plan.metaBytes))
    })
    this.latest = plan.height
    this.recentHeaders.set(plan.height, codec.encode(BlockHeader, header))
    if (plan.rootVersion !== undefined) this.rememberRoot(hexOf(header.stateRoot), plan.rootVersion)
    // The block's new nodes are not put in the node cache here: the state tree that made them
    // keeps them decoded and linked from the new root (SparseMerkleTree's cache), which is where
    // the next block's walks find them. This cache serves reads that miss there.
  }

  prune(below: number, keepNode: (hash: Uint8Array, version: number) => boolean): void {
    this.check()
    const latest = this.latestHeight()
    const stored = plain(this.records.get(buf(utf8(BASE_RECORD))))
    const base = stored === undefined ? 1 : storedHeight(stored, 'base height')
    if (!Number.isSafeInteger(below) || below > latest) {
      throw new GovchainError('INVALID_ARGUMENT', `prune below ${below}: the latest height is ${latest}`)
    }
    if (below <= base) return
    // Read first (a read transaction), then delete in one write transaction.
    const doomed: Buffer[] = []
    for (const key of this.nodes.getKeys({ start: buf(heightKey(0)), end: buf(heightKey(below)) })) {
      const k = key as Buffer
      const version = storedHeight(k.subarray(0, 8), 'node version')
      if (!keepNode(plain(k.subarray(8))!, version)) doomed.push(Buffer.from(k))
    }
    this.writeSync(() => {
      for (let h = base; h < below; h++) {
        const k = buf(heightKey(h))
        this.blocks.remove(k)
        this.certificates.remove(k)
        this.results.remove(k)
      }
      for (const k of doomed) this.nodes.remove(k)
      this.records.put(buf(utf8(BASE_RECORD)), buf(heightKey(below)))
    })
    for (let h = base; h < below; h++) this.recentHeaders.delete(h)
    // Cached by hash: a dropped node must not be served from memory either.
    for (const k of doomed) this.nodeCache?.delete(hexOf(k.subarray(8)))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.env.close()
  }
}
