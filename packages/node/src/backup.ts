/**
 * Backups of a node home (`govchain backup` / `govchain restore`; docs/adr/0027-backup-and-restore.md).
 *
 * The archive is a POSIX tar (ustar/pax, written and read by tar-stream). Its first member is
 * `manifest.json`: format, chain id, genesis hash, node id, the height and the signer's
 * last-signed step in the copy, the hash algorithm (SHA-256 on intl chains, SM3 — GB/T 32905 —
 * on gm chains) and every other member's path, size, mode and hash. Then, in the manifest's
 * order: config.json, genesis.json, every file under keys/ exactly as it is on disk (keystores,
 * encrypted PKCS#8, PKCS#11 references: never decrypted) and data/chain.lmdb/data.mdb.
 *
 * Online. The LMDB environment is copied with mdb_env_copy2 (lmdb-js `env.backup`) from this
 * process: LMDB is multi-process, the copy runs inside one read transaction, so it is the state
 * after some commit — blocks, state tree and the signer's record of that same instant — while
 * the node goes on committing. Nothing in the node has to cooperate.
 *
 * Restore verifies the whole archive (manifest, every size and hash, no stray or missing member,
 * the genesis, the target home's chain and node) before it writes a byte; then extracts into a
 * sibling folder, hashing again as it writes, fsyncs, and only then renames the old home aside
 * and the new one into place. A failure before the rename leaves the old home as it was.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { connect } from 'node:net'
import { basename, dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { genesisHash, parseGenesis } from '@govchain/app'
import type { SignerRecord } from '@govchain/consensus'
import { type CryptoSuite, GovchainError, getSuite, toHex } from '@govchain/core'
import { LmdbChainStore } from '@govchain/store'
import { open, type RootDatabase } from 'lmdb'
import * as tar from 'tar-stream'
import { type NodeConfig, readHomeInfo } from './home.ts'
import { lastSignedStep, readSignerState, type SignerState, writeSignerState } from './signer-store.ts'
import { FENCE_FILE, type SigningFenceFile } from './signing-fence.ts'

export const BACKUP_FORMAT = 'govchain-backup/1'
const MANIFEST = 'manifest.json'
const MANIFEST_BYTES_MAX = 1 << 20
const LMDB_FILE = 'data/chain.lmdb/data.mdb'

export interface BackupFileEntry {
  path: string
  size: number
  /** File mode bits (0o600 for keys). */
  mode: number
  /** Hex digest in the manifest's `hash` algorithm. */
  hash: string
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT
  chainId: string
  /** Hex genesis hash (the chain's suite hash of the genesis document). */
  genesisHash: string
  suite: 'gm' | 'intl'
  nodeId: string
  /** Latest committed height in the copied store. */
  height: number
  /** The signer's last-signed step in the copy (null: it never signed). */
  signer: { height: number; round: number; step: string } | null
  /** File hash algorithm: sha256 (intl) or sm3 (gm, GB/T 32905-2016). */
  hash: 'sha256' | 'sm3'
  createdAt: string
  files: BackupFileEntry[]
}

export interface BackupProgress {
  phase: 'copy' | 'hash' | 'write' | 'verify' | 'extract' | 'swap'
  file?: string
  done: number
  total: number
}

type Progress = (p: BackupProgress) => void

function hashAlgorithm(suite: 'gm' | 'intl'): 'sha256' | 'sm3' {
  return suite === 'gm' ? 'sm3' : 'sha256'
}

async function hashFile(path: string, algorithm: string): Promise<string> {
  const h = createHash(algorithm)
  await pipeline(createReadStream(path), h)
  return h.digest('hex')
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function filesUnder(root: string, rel: string): string[] {
  const dir = join(root, rel)
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => `${rel}/${f.split('\\').join('/')}`)
    .filter((f) => statSync(join(root, f)).isFile())
    .sort()
}

/** Opens an LMDB environment directory without writing its data (the lock file is LMDB's). */
function openEnvReadOnly(path: string): RootDatabase {
  return open({
    path,
    noSubdir: false,
    readOnly: true,
    encoding: 'binary',
    keyEncoding: 'binary',
    cache: false,
    maxDbs: 16,
  })
}

type SignedStep = Pick<SignerRecord, 'height' | 'round' | 'step'>

/** The latest height and signer step of a store no node has open (a copy, or a stopped node's). */
async function readStoreHead(envPath: string): Promise<{ height: number; signer: SignedStep | undefined }> {
  const store = LmdbChainStore.open({ path: envPath, nodeCacheSize: 0 })
  try {
    return { height: store.latestHeight(), signer: lastSignedStep(store) }
  } finally {
    await store.close()
  }
}

/** The signer state of a stopped node's store (its lock payload included). */
async function readStoreSigner(envPath: string, suite: CryptoSuite): Promise<SignerState | undefined> {
  const store = LmdbChainStore.open({ path: envPath, nodeCacheSize: 0 })
  try {
    return readSignerState(store, suite)
  } finally {
    await store.close()
  }
}

export interface BackupResult {
  out: string
  manifest: BackupManifest
  bytes: number
}

/**
 * Writes a backup of the node home `homeDir` to `out` (never overwritten), online: the node may
 * be running. Throws HOME_NOT_FOUND, BACKUP_EXISTS.
 */
export async function backupHome(homeDir: string, out: string, onProgress: Progress = () => {}): Promise<BackupResult> {
  const info = readHomeInfo(homeDir)
  const home = info.home
  const target = resolve(out)
  if (existsSync(target)) throw new GovchainError('BACKUP_EXISTS', `${target} exists; refusing to overwrite it`)
  const envPath = LmdbChainStore.pathFor(home)
  if (!existsSync(join(envPath, 'data.mdb'))) {
    throw new GovchainError('HOME_NOT_FOUND', `${home} has no chain store (${envPath}); start the node once first`)
  }
  const work = `${target}.partial-${randomBytes(4).toString('hex')}`
  mkdirSync(join(work, 'data', 'chain.lmdb'), { recursive: true })
  try {
    onProgress({ phase: 'copy', file: LMDB_FILE, done: 0, total: 1 })
    const env = openEnvReadOnly(envPath)
    try {
      // mdb_env_copy2: a consistent copy from one read transaction, while writers go on. The
      // environment is a directory (not MDB_NOSUBDIR), so the copy goes into one: <dir>/data.mdb.
      await env.backup(join(work, 'data', 'chain.lmdb'), false)
    } finally {
      await env.close()
    }
    onProgress({ phase: 'copy', file: LMDB_FILE, done: 1, total: 1 })
    const head = await readStoreHead(join(work, 'data', 'chain.lmdb'))
    rmSync(join(work, 'data', 'chain.lmdb', 'lock.mdb'), { force: true })

    const algorithm = hashAlgorithm(info.genesis.suite)
    const sources: { path: string; abs: string }[] = [
      { path: 'config.json', abs: join(home, 'config.json') },
      { path: 'genesis.json', abs: join(home, 'genesis.json') },
      ...filesUnder(home, 'keys').map((p) => ({ path: p, abs: join(home, p) })),
      { path: LMDB_FILE, abs: join(work, LMDB_FILE) },
    ]
    // Key files are read once into memory (small), so the hash and the archive see the same bytes.
    const files: (BackupFileEntry & { abs: string })[] = []
    for (const [i, s] of sources.entries()) {
      onProgress({ phase: 'hash', file: s.path, done: i, total: sources.length })
      const st = statSync(s.abs)
      files.push({
        path: s.path,
        abs: s.abs,
        size: st.size,
        mode: st.mode & 0o777,
        hash: await hashFile(s.abs, algorithm),
      })
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      chainId: info.genesis.chainId,
      genesisHash: toHex(genesisHash(info.genesis)),
      suite: info.genesis.suite,
      nodeId: info.config.nodeId,
      height: head.height,
      signer:
        head.signer === undefined
          ? null
          : { height: head.signer.height, round: head.signer.round, step: head.signer.step },
      hash: algorithm,
      createdAt: new Date().toISOString(),
      files: files.map(({ abs: _abs, ...f }) => f),
    }
    const archive = `${work}.tar`
    const pack = tar.pack()
    const written = pipeline(pack, createWriteStream(archive, { mode: 0o600 }))
    pack.entry({ name: MANIFEST, mode: 0o644 }, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`))
    for (const [i, f] of files.entries()) {
      onProgress({ phase: 'write', file: f.path, done: i, total: files.length })
      const entry = pack.entry({ name: f.path, size: f.size, mode: f.mode })
      await pipeline(createReadStream(f.abs), entry)
    }
    pack.finalize()
    await written
    // The file it re-hashed is the file it archived; a live key file changing under us would show.
    fsyncPath(archive)
    renameSync(archive, target)
    fsyncPath(dirname(target))
    onProgress({ phase: 'write', done: files.length, total: files.length })
    return { out: target, manifest, bytes: statSync(target).size }
  } finally {
    rmSync(work, { recursive: true, force: true })
    rmSync(`${work}.tar`, { force: true })
  }
}

function invalid(message: string, details?: Record<string, unknown>): GovchainError {
  return new GovchainError('BACKUP_INVALID', message, details)
}

/** A safe relative member path: no absolute path, no `..`, no empty segment. */
function safePath(p: unknown): p is string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 255 || p.startsWith('/') || p.includes('\\')) return false
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
}

function parseManifest(bytes: Buffer): BackupManifest {
  let m: BackupManifest
  try {
    m = JSON.parse(bytes.toString('utf8')) as BackupManifest
  } catch {
    throw invalid('manifest.json is not JSON')
  }
  if (typeof m !== 'object' || m === null || m.format !== BACKUP_FORMAT) {
    throw invalid(`manifest.json is not a ${BACKUP_FORMAT} manifest`)
  }
  const hex = (s: unknown, n: number) => typeof s === 'string' && new RegExp(`^[0-9a-f]{${n}}$`).test(s)
  if (
    typeof m.chainId !== 'string' ||
    !hex(m.genesisHash, 64) ||
    (m.suite !== 'gm' && m.suite !== 'intl') ||
    m.hash !== hashAlgorithm(m.suite) ||
    typeof m.nodeId !== 'string' ||
    !Number.isSafeInteger(m.height) ||
    m.height < 0 ||
    !Array.isArray(m.files)
  ) {
    throw invalid('manifest.json lacks or misstates chainId, genesisHash, suite, hash, nodeId, height or files')
  }
  const seen = new Set<string>()
  for (const f of m.files) {
    if (
      !safePath(f?.path) ||
      f.path === MANIFEST ||
      seen.has(f.path) ||
      !Number.isSafeInteger(f.size) ||
      f.size < 0 ||
      !Number.isInteger(f.mode) ||
      f.mode < 0 ||
      f.mode > 0o777 ||
      !hex(f.hash, 64)
    ) {
      throw invalid(`manifest.json has a bad file entry: ${JSON.stringify(f)?.slice(0, 200)}`)
    }
    seen.add(f.path)
  }
  for (const required of ['config.json', 'genesis.json', 'keys/validator.json', LMDB_FILE]) {
    if (!seen.has(required)) throw invalid(`manifest.json does not list ${required}`)
  }
  return m
}

/**
 * Reads the archive once, checking every member against the manifest. `sink` (extraction)
 * receives each member's bytes; without it nothing is written. Returns the manifest and the
 * bytes of config.json and genesis.json.
 */
async function readArchive(
  file: string,
  onProgress: Progress,
  phase: 'verify' | 'extract',
  sink?: (entry: BackupFileEntry) => NodeJS.WritableStream,
): Promise<{ manifest: BackupManifest; small: Map<string, Buffer> }> {
  let manifest: BackupManifest | undefined
  const small = new Map<string, Buffer>()
  const done = new Set<string>()
  const extract = tar.extract()
  const source = createReadStream(file)
  const consumer = (async () => {
    for await (const entry of extract) {
      const name = entry.header.name
      if (manifest === undefined) {
        if (name !== MANIFEST || entry.header.type !== 'file' || (entry.header.size ?? 0) > MANIFEST_BYTES_MAX) {
          throw invalid(`the archive does not start with ${MANIFEST} (found ${name})`)
        }
        const chunks: Buffer[] = []
        for await (const c of entry) chunks.push(c as Buffer)
        manifest = parseManifest(Buffer.concat(chunks))
        continue
      }
      const m = manifest
      const f = m.files.find((x) => x.path === name)
      if (f === undefined || done.has(name) || entry.header.type !== 'file') {
        throw invalid(`the archive holds a member the manifest does not list (or twice): ${name}`)
      }
      if (entry.header.size !== f.size) {
        throw new GovchainError('BACKUP_CHECKSUM', `${name}: ${entry.header.size} bytes, the manifest says ${f.size}`)
      }
      onProgress({ phase, file: name, done: done.size, total: m.files.length })
      const h = createHash(m.hash)
      const keep = name === 'config.json' || name === 'genesis.json'
      const chunks: Buffer[] = []
      const out = sink?.(f)
      let size = 0
      for await (const c of entry) {
        const chunk = c as Buffer
        size += chunk.length
        h.update(chunk)
        if (keep) chunks.push(chunk)
        if (out !== undefined && !out.write(chunk)) await new Promise((r) => out.once('drain', r))
      }
      if (out !== undefined) await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())))
      const digest = h.digest('hex')
      if (size !== f.size || digest !== f.hash) {
        throw new GovchainError(
          'BACKUP_CHECKSUM',
          `${name}: ${m.hash} ${digest} differs from the manifest's ${f.hash}`,
          {
            file: name,
          },
        )
      }
      if (keep) small.set(name, Buffer.concat(chunks))
      done.add(name)
    }
  })()
  try {
    await Promise.all([pipeline(source, extract), consumer])
  } catch (e) {
    source.destroy()
    extract.destroy()
    await consumer.catch(() => {})
    if (e instanceof GovchainError) throw e
    throw invalid(`${file} is not a complete tar archive: ${(e as Error).message}`)
  }
  if (manifest === undefined) throw invalid(`${file} is empty or not a tar archive`)
  const missing = manifest.files.filter((f) => !done.has(f.path)).map((f) => f.path)
  if (missing.length > 0) throw invalid(`the archive ends before ${missing.join(', ')} (truncated?)`, { missing })
  return { manifest, small }
}

export interface RestoreOptions {
  /** The backup archive. */
  in: string
  /** The node home to restore (replaced as a whole). */
  home: string
  /** Allow a home that does not exist (or is empty): nothing to check the chain and node against. */
  newHome?: boolean
  onProgress?: Progress
}

export interface RestoreResult {
  manifest: BackupManifest
  home: string
  /** Where the replaced home was moved (kept for the operator to delete), if there was one. */
  previous?: string
  /** The signer record the restored home starts from (the later of the backup's and the old home's). */
  signer: { height: number; round: number; step: string } | null
}

function checkGenesis(manifest: BackupManifest, small: Map<string, Buffer>): void {
  const genesis = parseGenesis(JSON.parse(small.get('genesis.json')!.toString('utf8')))
  if (toHex(genesisHash(genesis)) !== manifest.genesisHash || genesis.chainId !== manifest.chainId) {
    throw invalid("genesis.json in the archive does not match the manifest's chain id and genesis hash")
  }
  const config = JSON.parse(small.get('config.json')!.toString('utf8')) as NodeConfig
  if (config.nodeId !== manifest.nodeId) throw invalid("config.json in the archive is not the manifest's node")
}

/**
 * Restores a backup into a node home. Verifies everything first (BACKUP_INVALID, BACKUP_CHECKSUM,
 * BACKUP_FOREIGN, HOME_NOT_FOUND without `newHome`, RESTORE_NODE_RUNNING); writes into a sibling folder; carries the
 * later of the two signer records; writes the signing fence (signing-fence.ts); then swaps.
 */
export async function restoreHome(opts: RestoreOptions): Promise<RestoreResult> {
  const onProgress = opts.onProgress ?? (() => {})
  const home = resolve(opts.home)
  const file = resolve(opts.in)
  if (!existsSync(file)) throw new GovchainError('BACKUP_INVALID', `${file} does not exist`)
  // Pass 1: read and check everything; nothing is written.
  const { manifest, small } = await readArchive(file, onProgress, 'verify')
  try {
    checkGenesis(manifest, small)
  } catch (e) {
    if (e instanceof GovchainError && e.code === 'BACKUP_INVALID') throw e
    throw invalid(`the archive's genesis.json or config.json is unreadable: ${(e as Error).message}`)
  }
  const exists = existsSync(home) && readdirSync(home).length > 0
  // The old home's signer state, read once here: it may be ahead of the backup's (pass 2).
  let oldSigner: SignerState | undefined
  if (exists) {
    const info = readHomeInfo(home)
    const ourHash = toHex(genesisHash(info.genesis))
    if (ourHash !== manifest.genesisHash || info.genesis.chainId !== manifest.chainId) {
      throw new GovchainError(
        'BACKUP_FOREIGN',
        `the backup is of chain ${manifest.chainId} (genesis ${manifest.genesisHash.slice(0, 16)}…), ` +
          `${home} is of ${info.genesis.chainId} (genesis ${ourHash.slice(0, 16)}…)`,
      )
    }
    if (info.config.nodeId !== manifest.nodeId) {
      throw new GovchainError(
        'BACKUP_FOREIGN',
        `the backup is of node ${manifest.nodeId}, ${home} is node ${info.config.nodeId}: two nodes must never share a key`,
      )
    }
    const { host, port } = info.config.api
    if (await answers(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port)) {
      throw new GovchainError(
        'RESTORE_NODE_RUNNING',
        `something answers on ${info.config.nodeId}'s API port ${host}:${port}: stop the node before restoring its home`,
      )
    }
    const envPath = LmdbChainStore.pathFor(home)
    if (existsSync(join(envPath, 'data.mdb'))) oldSigner = await readStoreSigner(envPath, getSuite(info.genesis.suite))
  } else if (opts.newHome !== true) {
    throw new GovchainError(
      'HOME_NOT_FOUND',
      `${home} does not exist or is empty: nothing to check the backup against; pass --new-home to restore into it`,
    )
  }

  // Pass 2: extract into a sibling folder, hashing again as it writes. A folder an earlier,
  // killed restore left there goes first.
  if (existsSync(dirname(home))) {
    for (const d of readdirSync(dirname(home)).filter((d) => d.startsWith(`.${basename(home)}.restore-`)))
      rmSync(join(dirname(home), d), { recursive: true, force: true })
  }
  const temp = join(dirname(home), `.${basename(home)}.restore-${randomBytes(4).toString('hex')}`)
  let previous: string | undefined
  try {
    mkdirSync(temp, { recursive: true, mode: 0o700 })
    const written: string[] = []
    await readArchive(file, onProgress, 'extract', (f) => {
      const path = join(temp, f.path)
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      written.push(path)
      return createWriteStream(path, { mode: f.mode, flags: 'wx' })
    })
    // The signer starts from the later record: the old home's may be ahead of the backup's.
    const envPath = join(temp, 'data', 'chain.lmdb')
    const backupSigner = (await readStoreHead(envPath)).signer
    let signer = backupSigner
    if (oldSigner !== undefined && (signer === undefined || laterThan(oldSigner.record, signer))) {
      signer = oldSigner.record
      // The whole state, the lock payload with the record (a version 1 record converted).
      const store = LmdbChainStore.open({ path: envPath, nodeCacheSize: 0 })
      try {
        writeSignerState(store, oldSigner)
      } finally {
        await store.close()
      }
    }
    rmSync(join(envPath, 'lock.mdb'), { force: true })
    const fence: SigningFenceFile = {
      state: 'until-synced',
      restoredAt: new Date().toISOString(),
      backupHeight: manifest.height,
      signerHeight: signer?.height ?? 0,
    }
    writeFileSync(join(temp, FENCE_FILE), `${JSON.stringify(fence, null, 2)}\n`, { mode: 0o600 })
    for (const p of [...written, join(envPath, 'data.mdb'), join(temp, FENCE_FILE)]) fsyncPath(p)
    for (const d of new Set([...written.map(dirname), temp])) fsyncPath(d)

    onProgress({ phase: 'swap', done: 0, total: 1 })
    if (existsSync(home)) {
      previous = `${home}.pre-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`
      renameSync(home, previous)
    }
    renameSync(temp, home)
    fsyncPath(dirname(home))
    onProgress({ phase: 'swap', done: 1, total: 1 })
    return {
      manifest,
      home,
      ...(previous === undefined ? {} : { previous }),
      signer: signer === undefined ? null : { height: signer.height, round: signer.round, step: signer.step },
    }
  } catch (e) {
    if (previous !== undefined && !existsSync(home)) renameSync(previous, home)
    rmSync(temp, { recursive: true, force: true })
    throw e
  }
}

/** Whether a TCP connection to host:port is accepted within a second (a running node's API). */
/** Whether something accepts a TCP connection at host:port (a node's API: the node runs). */
export function answers(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port })
    const finish = (up: boolean) => {
      socket.destroy()
      done(up)
    }
    socket.setTimeout(1000, () => finish(false))
    socket.once('connect', () => finish(true))
    socket.once('error', () => finish(false))
  })
}

const STEP_ORDER: Record<string, number> = { proposal: 0, prevote: 1, precommit: 2 }

function laterThan(a: SignedStep, b: SignedStep): boolean {
  if (a.height !== b.height) return a.height > b.height
  if (a.round !== b.round) return a.round > b.round
  return STEP_ORDER[a.step]! > STEP_ORDER[b.step]!
}
