/**
 * State snapshots (`govchain snapshot export|import`; docs/adr/0029-state-snapshots.md).
 *
 * A snapshot is the chain at one committed height N, enough for a new node to start at N + 1
 * without replaying blocks 1..N, and enough for it to check everything against its own genesis
 * before it writes a byte:
 *
 * - `light`: the validator-set changes from genesis up to N (for each change, the header of the
 *   last height the old set signed, its certificate, and the new set that header's
 *   nextValidatorSetHash names), and the set that signs N. From the genesis set alone these
 *   verify one after another, as CometBFT's light client verifies sequentially.
 * - `blocks`: blocks F..N with their certificates and results, F = N − maxTxValidityBlocks (or
 *   1): the window whose transactions the replay guard must still know (docs/adr/0009), and the
 *   latest headers the node needs to go on (its parent, the last commit). Block N's hash is
 *   what its certificate commits to; each earlier block is the `previousHash` of the next, its
 *   certificate what the next one's lastCommitHash names; txs and results hash to txRoot and
 *   resultsRoot.
 * - `state`: every (key, value) of the state tree at N. Rebuilt into a tree, its root must be
 *   header N's stateRoot (the root after executing block N: this chain's header commits to its
 *   own block's result, unlike CometBFT's AppHash, which lags one block).
 * - `index`: the node-local module indexes (derived data, not part of consensus state: checked
 *   against the manifest's hash only; see the ADR).
 *
 * File: the ASCII line `GOVCHAIN-SNAPSHOT/1\n`, a u32 big-endian length and the manifest
 * (JSON: chain id, genesis hash, suite, N, block hash, state root, and per part its kind,
 * entry count, byte length and hash — SHA-256 on intl chains, SM3 on gm chains), then the parts
 * in the manifest's order, each in the chain's codec.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import {
  blockHash,
  certificateHash,
  chainModules,
  DEFAULT_EXECUTION_PARAMS,
  type Genesis,
  genesisHash,
  genesisValidatorSet,
  type Module,
  ModuleRegistry,
} from '@govchain/app'
import {
  Block,
  BlockHeader,
  CommitCertificate,
  type CryptoSuite,
  codec,
  EMPTY_ROOT,
  equalBytes,
  GovchainError,
  getSuite,
  hashValidatorSet,
  isGovchainError,
  LIMITS,
  MemorySmtStore,
  merkleRoot,
  SMT_KEY_BYTES_MAX,
  SMT_VALUE_BYTES_MAX,
  SparseMerkleTree,
  TxResult,
  TxResults,
  toHex,
  ValidatorSet,
  verifyCommitFor,
} from '@govchain/core'
import { BASE_RECORD, baseHeight, type ChainStore, heightKey, LmdbChainStore } from '@govchain/store'
import { answers, fsyncPath } from './backup.ts'
import { NodeChain } from './chain.ts'
import { systemClock } from './clock.ts'
import { readHomeInfo } from './home.ts'
import { createLogger } from './log.ts'
import { VerifiedCache } from './mempool/index.ts'

export const SNAPSHOT_FORMAT = 'govchain-snapshot/1'
const MAGIC = new TextEncoder().encode(`${SNAPSHOT_FORMAT.toUpperCase()}\n`)
const MANIFEST_BYTES_MAX = 1 << 20
/** Entries (or blocks) per part: bounds what one decode holds beyond the part's bytes. */
const PART_ENTRIES_MAX = 20_000
/** A part is closed once it holds this many bytes (a block may take it past). */
const PART_BYTES_TARGET = 8 * 1024 * 1024
const PART_BYTES_MAX = LIMITS.blockBytes * 3
/** Records the import writes into the new store (node-local, outside the chain). */
export const SNAPSHOT_LIGHT_RECORD = 'snapshot/light'

// ------------------------------------------------------------------------------ codecs

const ValidatorSetChange = codec.struct({
  /** encode(BlockHeader) of the last height the old set signed. */
  header: codec.bytes(4096),
  certificate: CommitCertificate,
  /** The set that signs from the next height: header.nextValidatorSetHash is its hash. */
  next: ValidatorSet,
})
type ValidatorSetChange = codec.Infer<typeof ValidatorSetChange>

/** The light-client part: the validator-set changes from genesis, oldest first. */
export const SnapshotLight = codec.struct({ changes: codec.vec(ValidatorSetChange, 1_000_000) })
export type SnapshotLight = codec.Infer<typeof SnapshotLight>

const SnapshotBlock = codec.struct({
  block: codec.bytes(LIMITS.blockBytes),
  certificate: CommitCertificate,
  results: codec.bytes(LIMITS.blockBytes * 2),
})
type SnapshotBlock = codec.Infer<typeof SnapshotBlock>
export const SnapshotBlocks = codec.vec(SnapshotBlock, PART_ENTRIES_MAX)

const SnapshotEntry = codec.struct({ key: codec.bytes(SMT_KEY_BYTES_MAX), value: codec.bytes(SMT_VALUE_BYTES_MAX) })
type SnapshotEntry = codec.Infer<typeof SnapshotEntry>
export const SnapshotEntries = codec.vec(SnapshotEntry, PART_ENTRIES_MAX)

const PART_KINDS = ['light', 'blocks', 'state', 'index'] as const
type PartKind = (typeof PART_KINDS)[number]

export interface SnapshotPart {
  kind: PartKind
  /** Changes, blocks or entries in it. */
  count: number
  bytes: number
  /** Hex digest in the manifest's `hash` algorithm. */
  hash: string
}

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT
  chainId: string
  /** Hex genesis hash. */
  genesisHash: string
  suite: string
  /** 'sha256' (intl) or 'sm3' (gm): the part digests. */
  hash: string
  height: number
  /** First block in the file (the replay-guard window). */
  fromHeight: number
  blockHash: string
  stateRoot: string
  stateEntries: number
  indexEntries: number
  parts: SnapshotPart[]
}

export interface SnapshotProgress {
  phase: string
  done: number
  total: number
}
type Progress = (p: SnapshotProgress) => void

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new GovchainError('SNAPSHOT_CORRUPT', message, details)
}
function untrusted(message: string, details: Record<string, unknown> = {}): never {
  throw new GovchainError('SNAPSHOT_UNTRUSTED', message, details)
}
function mismatch(message: string, details: Record<string, unknown> = {}): never {
  throw new GovchainError('SNAPSHOT_STATE_MISMATCH', message, details)
}

function hashName(suite: CryptoSuite): string {
  return suite.name === 'gm' ? 'sm3' : 'sha256'
}

// ------------------------------------------------------------------------------ building

export interface BuildSnapshotInput {
  store: ChainStore
  genesis: Genesis
  /** The distribution's modules (the chain's own are picked by the genesis). */
  modules: readonly Module[]
  /** Default: the latest committed height. */
  height?: number
  onProgress?: Progress
}

export interface BuiltSnapshot {
  manifest: SnapshotManifest
  /** The whole file, in order (magic, length, manifest, parts). */
  chunks: Uint8Array[]
  bytes: number
}

/** Splits encoded items into parts of at most PART_ENTRIES_MAX items and about PART_BYTES_TARGET bytes. */
function* partsOf<T>(items: Iterable<T>, size: (t: T) => number): Generator<T[]> {
  let part: T[] = []
  let bytes = 0
  for (const item of items) {
    part.push(item)
    bytes += size(item)
    if (part.length >= PART_ENTRIES_MAX || bytes >= PART_BYTES_TARGET) {
      yield part
      part = []
      bytes = 0
    }
  }
  if (part.length > 0) yield part
}

/** The validator-set changes from genesis to `height`, read from the store's headers and governance state. */
function lightOf(store: ChainStore, chain: NodeChain, suite: CryptoSuite, genesis: Genesis, height: number) {
  const carried = store.getRecord(SNAPSHOT_LIGHT_RECORD)
  const base = baseHeight(store)
  const changes: ValidatorSetChange[] =
    carried === undefined ? [] : codec.decode(SnapshotLight, carried, carried.length).changes
  let previous =
    base > 1 ? store.getHeader(base)!.validatorSetHash : hashValidatorSet(suite, genesisValidatorSet(genesis))
  for (let h = base; h <= height; h++) {
    const header = store.getHeader(h)
    if (header === undefined) {
      throw new GovchainError('SNAPSHOT_HEIGHT_UNAVAILABLE', `no header at height ${h} in the store`)
    }
    if (!equalBytes(header.validatorSetHash, previous)) {
      // The set changed at h: the header of h - 1, signed by the old set, names the new one.
      const last = store.getBlock(h - 1)
      const cert = store.getCertificate(h - 1)
      if (last === undefined || cert === undefined) {
        throw new GovchainError('SNAPSHOT_HEIGHT_UNAVAILABLE', `no block ${h - 1} for the validator-set change at ${h}`)
      }
      changes.push({
        header: codec.encode(BlockHeader, last.header),
        certificate: cert,
        next: chain.validatorSetAt(h),
      })
    }
    previous = header.validatorSetHash
  }
  return { changes }
}

/** Reads a snapshot of the store at `height` (the latest by default). Reads only. */
export function buildSnapshot(input: BuildSnapshotInput): BuiltSnapshot {
  const { store, genesis } = input
  const suite = getSuite(genesis.suite)
  const progress = input.onProgress ?? (() => {})
  const latest = store.latestHeight()
  const height = input.height ?? latest
  const base = baseHeight(store)
  if (!Number.isSafeInteger(height) || height < Math.max(1, base) || height > latest) {
    throw new GovchainError(
      'SNAPSHOT_HEIGHT_UNAVAILABLE',
      `height ${height} is not committed here (blocks ${latest === 0 ? 'none' : `${base}..${latest}`})`,
      { height, latest },
    )
  }
  const header = store.getHeader(height)!
  const modules = new ModuleRegistry(chainModules(genesis, input.modules))
  const chain = new NodeChain({
    suite,
    genesis,
    modules,
    params: DEFAULT_EXECUTION_PARAMS,
    store,
    clock: systemClock,
    logger: createLogger({ name: 'snapshot', level: 'error' }),
    preverified: new VerifiedCache(1),
  })
  const fromHeight = Math.max(base, height - genesis.params.maxTxValidityBlocks)
  const parts: { kind: PartKind; count: number; bytes: Uint8Array }[] = []

  progress({ phase: 'validator sets', done: 0, total: height })
  const light = lightOf(store, chain, suite, genesis, height)
  parts.push({ kind: 'light', count: light.changes.length, bytes: codec.encode(SnapshotLight, light) })

  const blocks = function* (): Generator<SnapshotBlock> {
    for (let h = fromHeight; h <= height; h++) {
      const block = store.getBlockBytes(h)
      // Below N, the certificate the next block carries (its lastCommitHash names that one; the
      // store's own may hold other signatures of the same decision).
      const certificate = h < height ? store.getBlock(h + 1)?.lastCommit : store.getCertificate(h)
      const results = store.getResults(h)
      if (block === undefined || certificate === undefined || results === undefined) {
        throw new GovchainError('SNAPSHOT_HEIGHT_UNAVAILABLE', `block ${h} is not in the store`)
      }
      if ((h - fromHeight) % 100 === 0)
        progress({ phase: 'blocks', done: h - fromHeight, total: height - fromHeight + 1 })
      yield { block, certificate, results: codec.encode(TxResults, results) }
    }
  }
  for (const part of partsOf(blocks(), (b) => b.block.length + b.results.length)) {
    parts.push({ kind: 'blocks', count: part.length, bytes: codec.encode(SnapshotBlocks, part) })
  }

  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
  let stateEntries = 0
  const entries = function* (): Generator<SnapshotEntry> {
    for (const [key, value] of tree.entries(header.stateRoot)) {
      if (++stateEntries % 10_000 === 0) progress({ phase: 'state', done: stateEntries, total: 0 })
      yield { key, value }
    }
  }
  for (const part of partsOf(entries(), (e) => e.key.length + e.value.length)) {
    parts.push({ kind: 'state', count: part.length, bytes: codec.encode(SnapshotEntries, part) })
  }
  progress({ phase: 'state', done: stateEntries, total: stateEntries })

  let indexEntries = 0
  const index = function* (): Generator<SnapshotEntry> {
    let after: Uint8Array | undefined
    for (;;) {
      const page = store.scanIndex(new Uint8Array(0), 1000, after)
      for (const e of page) yield { key: e.key, value: e.value }
      indexEntries += page.length
      if (page.length < 1000) return
      after = page[page.length - 1]!.key
    }
  }
  for (const part of partsOf(index(), (e) => e.key.length + e.value.length)) {
    parts.push({ kind: 'index', count: part.length, bytes: codec.encode(SnapshotEntries, part) })
  }
  progress({ phase: 'index', done: indexEntries, total: indexEntries })

  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    chainId: genesis.chainId,
    genesisHash: toHex(genesisHash(genesis)),
    suite: suite.name,
    hash: hashName(suite),
    height,
    fromHeight,
    blockHash: toHex(blockHash(suite, header)),
    stateRoot: toHex(header.stateRoot),
    stateEntries,
    indexEntries,
    parts: parts.map((p) => ({
      kind: p.kind,
      count: p.count,
      bytes: p.bytes.length,
      hash: toHex(suite.hash(p.bytes)),
    })),
  }
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest))
  const length = new Uint8Array(4)
  new DataView(length.buffer).setUint32(0, manifestBytes.length, false)
  const chunks = [MAGIC, length, manifestBytes, ...parts.map((p) => p.bytes)]
  return { manifest, chunks, bytes: chunks.reduce((n, c) => n + c.length, 0) }
}

// ------------------------------------------------------------------------------ verifying

export interface VerifySnapshotInput {
  genesis: Genesis
  /** Hex block hash of height N from a source the operator trusts (CometBFT's trust_hash): optional. */
  trustHash?: string
  onProgress?: Progress
}

/** What a verified snapshot holds, decoded: ready to be written into an empty store. */
export interface VerifiedSnapshot {
  manifest: SnapshotManifest
  light: SnapshotLight
  blocks: { block: Block; bytes: Uint8Array; hash: Uint8Array; certificate: CommitCertificate; results: Uint8Array }[]
  /** The rebuilt state tree's nodes (all at version N) and its root's version. */
  smtNodes: Map<string, Uint8Array>
  stateRootVersion: number
  index: SnapshotEntry[]
}

function parseManifest(file: Uint8Array): { manifest: SnapshotManifest; offset: number } {
  if (file.length < MAGIC.length + 4 || !equalBytes(file.subarray(0, MAGIC.length), MAGIC)) {
    corrupt(`not a govchain snapshot (it does not start with ${SNAPSHOT_FORMAT.toUpperCase()})`)
  }
  const length = new DataView(file.buffer, file.byteOffset + MAGIC.length, 4).getUint32(0, false)
  const start = MAGIC.length + 4
  if (length > MANIFEST_BYTES_MAX || start + length > file.length) corrupt('the manifest is truncated or too long')
  let m: SnapshotManifest
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(start, start + length)))
  } catch {
    return corrupt('the manifest is not JSON')
  }
  const int = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
  const hex32 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)
  const ok =
    typeof m === 'object' &&
    m !== null &&
    m.format === SNAPSHOT_FORMAT &&
    typeof m.chainId === 'string' &&
    hex32(m.genesisHash) &&
    typeof m.suite === 'string' &&
    int(m.height) &&
    m.height >= 1 &&
    int(m.fromHeight) &&
    m.fromHeight >= 1 &&
    m.fromHeight <= m.height &&
    hex32(m.blockHash) &&
    hex32(m.stateRoot) &&
    int(m.stateEntries) &&
    int(m.indexEntries) &&
    Array.isArray(m.parts) &&
    m.parts.every(
      (p) =>
        typeof p === 'object' &&
        p !== null &&
        PART_KINDS.includes(p.kind) &&
        int(p.count) &&
        int(p.bytes) &&
        p.bytes <= PART_BYTES_MAX &&
        hex32(p.hash),
    ) &&
    m.parts.filter((p) => p.kind === 'light').length === 1 &&
    m.parts[0]?.kind === 'light'
  if (!ok) corrupt('the manifest is malformed')
  return { manifest: m, offset: start + length }
}

/** Reads the manifest alone (for `snapshot import`'s first line and for tools). Throws SNAPSHOT_CORRUPT. */
export function readSnapshotManifest(file: Uint8Array): SnapshotManifest {
  return parseManifest(file).manifest
}

function decodePart<T>(c: codec.Codec<T>, bytes: Uint8Array, what: string): T {
  try {
    return codec.decode(c, bytes, bytes.length)
  } catch (e) {
    return corrupt(`${what} does not decode`, { cause: isGovchainError(e) ? e.code : String(e) })
  }
}

/**
 * Checks a whole snapshot file against a genesis, in memory, writing nothing: SNAPSHOT_CORRUPT
 * (format, truncation, a part's hash), SNAPSHOT_FOREIGN (another chain), SNAPSHOT_UNTRUSTED (the
 * certificate of N does not verify against the set reached from genesis through the recorded
 * changes, or N's hash is not `trustHash`), SNAPSHOT_STATE_MISMATCH (state, blocks or results
 * do not hash to what the certified header commits to).
 */
export function verifySnapshot(file: Uint8Array, input: VerifySnapshotInput): VerifiedSnapshot {
  const { genesis } = input
  const progress = input.onProgress ?? (() => {})
  const suite = getSuite(genesis.suite)
  const { manifest: m, offset } = parseManifest(file)
  const ourGenesis = toHex(genesisHash(genesis))
  if (m.chainId !== genesis.chainId || m.genesisHash !== ourGenesis || m.suite !== suite.name) {
    throw new GovchainError(
      'SNAPSHOT_FOREIGN',
      `the snapshot is of chain ${m.chainId} (genesis ${m.genesisHash.slice(0, 16)}…), ` +
        `this home is of ${genesis.chainId} (genesis ${ourGenesis.slice(0, 16)}…)`,
    )
  }
  // Sizes and digests of every part before decoding any of them.
  const total = offset + m.parts.reduce((n, p) => n + p.bytes, 0)
  if (file.length !== total) {
    corrupt(`the file has ${file.length} bytes, its manifest accounts for ${total}: truncated or extended`, {
      bytes: file.length,
      expected: total,
    })
  }
  const partBytes: Uint8Array[] = []
  let at = offset
  for (const [i, p] of m.parts.entries()) {
    const bytes = file.subarray(at, at + p.bytes)
    if (toHex(suite.hash(bytes)) !== p.hash) corrupt(`part ${i} (${p.kind}) does not match its hash`, { part: i })
    partBytes.push(bytes)
    at += p.bytes
    progress({ phase: 'checksums', done: i + 1, total: m.parts.length })
  }
  const of = (kind: PartKind) => m.parts.flatMap((p, i) => (p.kind === kind ? [partBytes[i]!] : []))

  // ---- the validator set that signs N, from genesis through the recorded changes
  const light = decodePart(SnapshotLight, of('light')[0]!, 'the light-client part')
  let trusted = genesisValidatorSet(genesis)
  let trustedHash = hashValidatorSet(suite, trusted)
  let lastChange = 0
  for (const [i, change] of light.changes.entries()) {
    const header = decodePart(BlockHeader, change.header, `validator-set change ${i}`)
    if (header.chainId !== genesis.chainId || header.height <= lastChange || header.height >= m.height) {
      untrusted(`validator-set change ${i} is at height ${header.height}, out of order`, { change: i })
    }
    if (!equalBytes(header.validatorSetHash, trustedHash)) {
      untrusted(`validator-set change ${i} (height ${header.height}) is not signed by the set trusted so far`)
    }
    try {
      verifyCommitFor(suite, genesis.chainId, trusted, change.certificate, header.height, blockHash(suite, header))
    } catch (e) {
      untrusted(`the certificate of height ${header.height} does not verify: ${(e as Error).message}`)
    }
    const nextHash = hashValidatorSet(suite, change.next)
    if (!equalBytes(header.nextValidatorSetHash, nextHash)) {
      untrusted(`the set recorded for the change at ${header.height + 1} is not the one its header names`)
    }
    trusted = change.next
    trustedHash = nextHash
    lastChange = header.height
  }

  // ---- blocks F..N: N certified by the trusted set, each earlier one linked to the next
  const stored = of('blocks').flatMap((b) => decodePart(SnapshotBlocks, b, 'a blocks part'))
  if (stored.length !== m.height - m.fromHeight + 1) {
    mismatch(`the snapshot holds ${stored.length} blocks, its manifest names ${m.fromHeight}..${m.height}`)
  }
  const blocks = stored.map((s, i) => {
    const block = decodePart(Block, s.block, `block ${m.fromHeight + i}`)
    if (block.header.height !== m.fromHeight + i || block.header.chainId !== genesis.chainId) {
      mismatch(`block ${i} of the snapshot is at height ${block.header.height}, expected ${m.fromHeight + i}`)
    }
    return {
      block,
      bytes: s.block,
      hash: blockHash(suite, block.header),
      certificate: s.certificate,
      results: s.results,
    }
  })
  const top = blocks[blocks.length - 1]!
  const header = top.block.header
  if (!equalBytes(header.validatorSetHash, trustedHash)) {
    untrusted(`header ${m.height} names a validator set other than the one trusted from genesis and the changes`)
  }
  try {
    verifyCommitFor(suite, genesis.chainId, trusted, top.certificate, m.height, top.hash)
  } catch (e) {
    untrusted(`the certificate of height ${m.height} does not verify: ${(e as Error).message}`)
  }
  if (input.trustHash !== undefined && toHex(top.hash) !== input.trustHash.toLowerCase()) {
    untrusted(`block ${m.height} has hash ${toHex(top.hash)}, not the trusted ${input.trustHash}`)
  }
  if (toHex(top.hash) !== m.blockHash || toHex(header.stateRoot) !== m.stateRoot) {
    mismatch("the manifest's block hash or state root is not header N's")
  }
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i]!
    const next = blocks[i + 1]
    if (next !== undefined) {
      if (!equalBytes(next.block.header.previousHash, b.hash))
        mismatch(`block ${b.block.header.height} is not the parent of the next`)
      if (!equalBytes(next.block.header.lastCommitHash, certificateHash(suite, b.certificate))) {
        mismatch(`the certificate of ${b.block.header.height} is not the one block ${b.block.header.height + 1} names`)
      }
    }
    if (b.certificate.height !== b.block.header.height || !equalBytes(b.certificate.blockHash, b.hash)) {
      mismatch(`the certificate stored with block ${b.block.header.height} is for another block`)
    }
    if (!equalBytes(merkleRoot(suite.hash, b.block.txs), b.block.header.txRoot)) {
      mismatch(`the transactions of block ${b.block.header.height} do not hash to its txRoot`)
    }
    const results = decodePart(TxResults, b.results, `results of block ${b.block.header.height}`)
    if (results.length !== b.block.txs.length) mismatch(`block ${b.block.header.height} has another count of results`)
    const root = merkleRoot(
      suite.hash,
      results.map((r) => codec.encode(TxResult, r)),
    )
    if (!equalBytes(root, b.block.header.resultsRoot)) {
      mismatch(`the results of block ${b.block.header.height} do not hash to its resultsRoot`)
    }
  }
  progress({ phase: 'blocks', done: blocks.length, total: blocks.length })

  // ---- the state at N: rebuilt, its root must be header N's stateRoot
  const entries = of('state').flatMap((b) => decodePart(SnapshotEntries, b, 'a state part'))
  if (entries.length !== m.stateEntries)
    mismatch(`the snapshot holds ${entries.length} state entries, not ${m.stateEntries}`)
  progress({ phase: 'state', done: 0, total: entries.length })
  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store: new MemorySmtStore() })
  let rebuilt: ReturnType<SparseMerkleTree['update']>
  try {
    rebuilt = tree.update(
      EMPTY_ROOT,
      entries.map((e) => [e.key, e.value] as const),
      { version: m.height },
    )
  } catch (e) {
    return mismatch(`the state entries do not form a state tree: ${(e as Error).message}`)
  }
  // Two entries with the same key collapse into one leaf: the count no longer matches the root.
  if (!equalBytes(rebuilt.root, header.stateRoot)) {
    mismatch(`the rebuilt state root ${toHex(rebuilt.root)} is not header ${m.height}'s ${toHex(header.stateRoot)}`)
  }
  progress({ phase: 'state', done: entries.length, total: entries.length })
  const index = of('index').flatMap((b) => decodePart(SnapshotEntries, b, 'an index part'))
  if (index.length !== m.indexEntries)
    mismatch(`the snapshot holds ${index.length} index entries, not ${m.indexEntries}`)
  return { manifest: m, light, blocks, smtNodes: rebuilt.nodes, stateRootVersion: rebuilt.rootVersion, index }
}

// ------------------------------------------------------------------------------ writing

/** Writes a verified snapshot into an empty store: blocks F..N (F as the base), then N's state and indexes. */
export function applySnapshot(store: ChainStore, snap: VerifiedSnapshot, onProgress: Progress = () => {}): void {
  if (store.latestHeight() !== 0) {
    throw new GovchainError('SNAPSHOT_TARGET_NOT_EMPTY', `the store holds blocks up to ${store.latestHeight()}`)
  }
  const { manifest: m } = snap
  for (const [i, b] of snap.blocks.entries()) {
    const last = i === snap.blocks.length - 1
    store.commitBlock({
      block: b.block,
      blockBytes: b.bytes,
      blockHash: b.hash,
      certificate: b.certificate,
      smtNodes: last ? snap.smtNodes : new Map(),
      ...(last ? { stateRootVersion: snap.stateRootVersion } : {}),
      txResults: codec.decode(TxResults, b.results, b.results.length),
      indexes: last ? snap.index : [],
      ...(i === 0 ? { snapshotBase: true } : {}),
    })
    if (i % 100 === 0 || last) onProgress({ phase: 'write blocks', done: i + 1, total: snap.blocks.length })
  }
  store.putRecordSync(SNAPSHOT_LIGHT_RECORD, codec.encode(SnapshotLight, snap.light))
  store.putRecordSync(BASE_RECORD, heightKey(m.fromHeight))
}

// ------------------------------------------------------------------------------ files

export interface ExportSnapshotOptions {
  home: string
  out: string
  modules: readonly Module[]
  height?: number
  onProgress?: Progress
}

/**
 * Writes a snapshot of a node home's chain store (the node may run: LMDB readers see committed
 * data only, and everything read at N is immutable). Written to a temporary name, fsynced and
 * renamed; never overwrites (SNAPSHOT_EXISTS).
 */
export async function exportSnapshot(opts: ExportSnapshotOptions): Promise<BuiltSnapshot & { out: string }> {
  const out = resolve(opts.out)
  if (existsSync(out)) throw new GovchainError('SNAPSHOT_EXISTS', `${out} exists; choose another name`)
  const info = readHomeInfo(opts.home)
  const path = LmdbChainStore.pathFor(info.home)
  if (!existsSync(path)) throw new GovchainError('SNAPSHOT_HEIGHT_UNAVAILABLE', `${info.home} holds no chain yet`)
  const store = LmdbChainStore.open({ path, nodeCacheSize: 0 })
  try {
    const built = buildSnapshot({
      store,
      genesis: info.genesis,
      modules: opts.modules,
      ...(opts.height === undefined ? {} : { height: opts.height }),
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    })
    const tmp = join(dirname(out), `.${basename(out)}.partial-${process.pid}`)
    try {
      writeFileSync(tmp, Buffer.concat(built.chunks), { flag: 'wx', mode: 0o644 })
      fsyncPath(tmp)
      if (existsSync(out)) throw new GovchainError('SNAPSHOT_EXISTS', `${out} exists; choose another name`)
      renameSync(tmp, out)
      fsyncPath(dirname(out))
    } finally {
      rmSync(tmp, { force: true })
    }
    return { ...built, out }
  } finally {
    await store.close()
  }
}

export interface ImportSnapshotOptions {
  home: string
  file: string
  trustHash?: string
  onProgress?: Progress
}

/**
 * Imports a snapshot into a fresh node home (init-node's, or any home whose store holds no
 * block). Everything is verified first (verifySnapshot); the store is then written under a
 * temporary name beside data/chain.lmdb, fsynced, and renamed into place: a failure or crash
 * leaves the home as it was (at worst with a stray `.chain.lmdb.import-*` folder, removed by the
 * next import).
 */
export async function importSnapshot(opts: ImportSnapshotOptions): Promise<SnapshotManifest> {
  const info = readHomeInfo(opts.home)
  const progress = opts.onProgress ?? (() => {})
  const target = LmdbChainStore.pathFor(info.home)
  if (existsSync(target)) {
    const existing = LmdbChainStore.open({ path: target, nodeCacheSize: 0 })
    const h = existing.latestHeight()
    await existing.close()
    if (h !== 0) throw new GovchainError('SNAPSHOT_TARGET_NOT_EMPTY', `${info.home} holds blocks up to ${h}`)
  }
  const { host, port } = info.config.api
  if (await answers(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port)) {
    throw new GovchainError('RESTORE_NODE_RUNNING', `the node of ${info.home} answers on port ${port}: stop it first`)
  }
  let file: Uint8Array
  try {
    file = readFileSync(opts.file)
  } catch (e) {
    throw new GovchainError('SNAPSHOT_CORRUPT', `cannot read ${opts.file}: ${(e as Error).message}`)
  }
  const verified = verifySnapshot(file, {
    genesis: info.genesis,
    ...(opts.trustHash === undefined ? {} : { trustHash: opts.trustHash }),
    onProgress: progress,
  })
  // Verified: now write, beside the target, then swap in.
  const data = dirname(target)
  const tmp = join(data, `.chain.lmdb.import-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  try {
    const store = LmdbChainStore.open({ path: tmp, nodeCacheSize: 0 })
    try {
      applySnapshot(store, verified, progress)
    } finally {
      await store.close()
    }
    for (const f of ['data.mdb', 'lock.mdb']) if (existsSync(join(tmp, f))) fsyncPath(join(tmp, f))
    fsyncPath(tmp)
    // An empty store (a node started once, nothing committed) makes way for the imported one.
    rmSync(target, { recursive: true, force: true })
    renameSync(tmp, target)
    fsyncPath(data)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  return verified.manifest
}
