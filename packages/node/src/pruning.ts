/**
 * Pruning with an archive (config.json `pruning: {keepHeights}`; docs/adr/0033-pruning-and-archive.md).
 *
 * A node keeps the last `keepHeights` heights of blocks and state versions. Before the store
 * drops older blocks, they are written to `<home>/archive/blocks-<from>-<to>.bin`: the line
 * `GOVCHAIN-ARCHIVE/1`, a u32 big-endian length, a JSON manifest (chain, genesis hash, range,
 * every block's hash, the body's SHA-256/SM3 digest) and the blocks with their certificates and
 * results in the chain's codec (the snapshot's blocks part). The file is fsynced and renamed
 * into place before the store's one pruning transaction, so a crash leaves either the blocks in
 * the store or in an archive (a re-run writes the same archive again).
 *
 * State: the nodes of versions below the new base that the state at the base no longer reaches
 * are dropped. A node is content-addressed and carried forward unchanged while its subtree is
 * unchanged, so every node a later state reaches with an older version is reached by the state
 * at the base as well: the states from the base on, and their roots, are untouched.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blockHash, type Genesis, genesisHash } from '@govchain/app'
import {
  Block,
  codec,
  equalBytes,
  GovchainError,
  getSuite,
  isGovchainError,
  SparseMerkleTree,
  TxResults,
  toHex,
} from '@govchain/core'
import { baseHeight, type ChainStore } from '@govchain/store'
import { fsyncPath } from './backup.ts'
import { SnapshotBlocks } from './snapshot.ts'

export const ARCHIVE_FORMAT = 'govchain-archive/1'
const MAGIC = new TextEncoder().encode(`${ARCHIVE_FORMAT.toUpperCase()}\n`)

export interface PruningConfig {
  /** Heights of blocks and state versions kept (the latest included). */
  keepHeights: number
}

/** The least `keepHeights`: the replay guard's window plus the parent and the last commit (ADR 0009). */
export function minKeepHeights(genesis: Genesis): number {
  return genesis.params.maxTxValidityBlocks + 2
}

/** CONFIG_INVALID unless `pruning` is absent or {keepHeights: integer ≥ minKeepHeights}. */
export function checkPruningConfig(pruning: unknown, genesis: Genesis): PruningConfig | undefined {
  if (pruning === undefined) return undefined
  const keep = (pruning as { keepHeights?: unknown } | null)?.keepHeights
  const min = minKeepHeights(genesis)
  if (typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < min) {
    throw new GovchainError(
      'CONFIG_INVALID',
      `pruning.keepHeights must be an integer of at least ${min} (maxTxValidityBlocks + 2: the replay guard's window)`,
    )
  }
  return { keepHeights: keep }
}

/**
 * What to prune now, or nothing: the new base keeps `keepHeights` heights; pruning waits until
 * that drops a batch (a tenth of keepHeights, 1..1000 heights), so it runs once per batch.
 */
export function prunePlan(
  latest: number,
  base: number,
  keepHeights: number,
): { from: number; below: number } | undefined {
  const below = latest - keepHeights + 1
  const batch = Math.min(1000, Math.max(1, Math.floor(keepHeights / 10)))
  return below - base >= batch ? { from: base, below } : undefined
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT
  chainId: string
  genesisHash: string
  suite: string
  hash: string
  from: number
  to: number
  blockHashes: string[]
  bytes: number
  digest: string
}

/** Writes blocks from..to (inclusive) of the store to `<dir>/blocks-<from>-<to>.bin` (tmp, fsync, rename). */
export function archiveBlocks(store: ChainStore, genesis: Genesis, dir: string, from: number, to: number): string {
  const suite = getSuite(genesis.suite)
  const blocks: codec.Infer<typeof SnapshotBlocks> = []
  const hashes: string[] = []
  for (let h = from; h <= to; h++) {
    const bytes = store.getBlockBytes(h)
    const certificate = store.getCertificate(h)
    const results = store.getResults(h)
    if (bytes === undefined || certificate === undefined || results === undefined) {
      throw new GovchainError('PRUNED', `block ${h} is not in the store`)
    }
    blocks.push({ block: bytes, certificate, results: codec.encode(TxResults, results) })
    hashes.push(toHex(blockHash(suite, codec.decode(Block, bytes).header)))
  }
  const body = codec.encode(SnapshotBlocks, blocks)
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    chainId: genesis.chainId,
    genesisHash: toHex(genesisHash(genesis)),
    suite: suite.name,
    hash: suite.name === 'gm' ? 'sm3' : 'sha256',
    from,
    to,
    blockHashes: hashes,
    bytes: body.length,
    digest: toHex(suite.hash(body)),
  }
  const m = new TextEncoder().encode(JSON.stringify(manifest))
  const len = Buffer.alloc(4)
  len.writeUInt32BE(m.length)
  mkdirSync(dir, { recursive: true })
  const out = join(dir, `blocks-${from}-${to}.bin`)
  const tmp = `${out}.partial`
  try {
    writeFileSync(tmp, Buffer.concat([MAGIC, len, m, body]), { mode: 0o644 })
    fsyncPath(tmp)
    renameSync(tmp, out)
    fsyncPath(dir)
  } finally {
    rmSync(tmp, { force: true })
  }
  return out
}

export interface ArchivedBlock {
  height: number
  hash: string
  block: Block
  certificate: codec.Infer<typeof SnapshotBlocks>[number]['certificate']
  results: ReturnType<typeof TxResults.read>
}

/** Reads an archive file back, checking its digest and every block's hash (ARCHIVE_CORRUPT otherwise). */
export function readArchive(file: string): { manifest: ArchiveManifest; blocks: ArchivedBlock[] } {
  const bad = (why: string): never => {
    throw new GovchainError('ARCHIVE_CORRUPT', `${file}: ${why}`)
  }
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (e) {
    return bad(`cannot read: ${(e as Error).message}`)
  }
  if (bytes.length < MAGIC.length + 4 || !equalBytes(bytes.subarray(0, MAGIC.length), MAGIC)) bad('not an archive')
  const len = bytes.readUInt32BE(MAGIC.length)
  const start = MAGIC.length + 4
  let manifest: ArchiveManifest
  try {
    manifest = JSON.parse(bytes.subarray(start, start + len).toString('utf8'))
  } catch {
    return bad('the manifest is not JSON')
  }
  if (manifest.format !== ARCHIVE_FORMAT || !Array.isArray(manifest.blockHashes)) bad('the manifest is malformed')
  const body = bytes.subarray(start + len)
  const suite = getSuite(manifest.suite as 'gm' | 'intl')
  if (body.length !== manifest.bytes || toHex(suite.hash(body)) !== manifest.digest)
    bad('the body does not match its digest')
  let items: codec.Infer<typeof SnapshotBlocks>
  try {
    items = codec.decode(SnapshotBlocks, body, body.length)
  } catch (e) {
    return bad(`the body does not decode (${isGovchainError(e) ? e.code : String(e)})`)
  }
  const blocks = items.map((item, i) => {
    const block = codec.decode(Block, item.block)
    const hash = toHex(blockHash(suite, block.header))
    if (block.header.height !== manifest.from + i || hash !== manifest.blockHashes[i])
      bad(`block ${i} is not the manifest's`)
    return {
      height: block.header.height,
      hash,
      block,
      certificate: item.certificate,
      results: codec.decode(TxResults, item.results, item.results.length),
    }
  })
  return { manifest, blocks }
}

/**
 * Prunes the store to `keepHeights` if a batch is due: archives the blocks first, then one store
 * transaction. Returns what it did (undefined: nothing due). Reads and writes only the store and
 * the archive folder; the state from the new base on is untouched.
 */
export function pruneNow(
  store: ChainStore,
  genesis: Genesis,
  archiveDir: string,
  keepHeights: number,
): { from: number; below: number; archive: string } | undefined {
  const plan = prunePlan(store.latestHeight(), baseHeight(store), keepHeights)
  if (plan === undefined) return undefined
  const archive = archiveBlocks(store, genesis, archiveDir, plan.from, plan.below - 1)
  const suite = getSuite(genesis.suite)
  const root = store.getHeader(plan.below)!.stateRoot
  const live = new Set<string>()
  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
  for (const [hash, version] of tree.nodes(root)) live.add(`${version}:${toHex(hash)}`)
  store.prune(plan.below, (hash, version) => live.has(`${version}:${toHex(hash)}`))
  return { ...plan, archive }
}

/** The archive folder of a node home. */
export function archiveDirOf(home: string): string {
  return join(home, 'archive')
}
