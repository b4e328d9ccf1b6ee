/**
 * In-process pipeline benchmark: the CPU one validator spends per transaction in each step of
 * the path a transaction takes, without networking or the other nodes:
 *
 *   admission (Mempool.add: decode, hashes, the sender's registration, signature, replay guard)
 *   → build (the proposer's buildBlock: reap, execute, roots)
 *   → validate (another validator's validateBlock of the same block: decode, execute, compare)
 *   → commit (ChainStore.commitBlock on LMDB: write + fsync)
 *   then, once every block is committed, the API's read of each anchor at the latest height
 *   (queryState, with and without its proof), beside a state tree made for each read (what the
 *   API did before 2026-12-06: no decoded nodes kept between reads) as the baseline; the three
 *   alternate over five rounds, and each figure is the median of its rounds.
 *
 * `npm run bench:pipeline -- [--suite intl|gm] [--tx anchor|did|service] [--txs 10000] [--block 500] [--build-only]`
 * --build-only skips the validate step. A node executes each block once, as its proposer or as
 * a validator; by default this process runs both on one store, so the second execution finds
 * what the first left in the state tree's caches, and a change to those caches shows twice.
 * Prints µs per transaction per step (process.cpuUsage: user + system CPU of this process, so
 * the figures hold on a shared machine better than wall time) and the wall time per block
 * commit. Anchor `put` transactions from 20 senders, as the node benchmark sends: officers the
 * genesis registers (two organisations of ten), since only registered senders may write. With
 * `--tx did`, as `bench:node --tx did` (issue 19's workload): each transaction a citizen's
 * identity.createDid from a key made for it, so every signature is from a key seen for the first
 * time; the API reads are then of the DIDs' records instead of the anchors. With `--tx service`,
 * issue 16's 公租房 case as `bench:service` sends it, four blocks per wave of cases, one per stage
 * (service-workload.ts); the figures are then per case, also by stage.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ANCHOR_MODULE, AnchorPutArgs, anchorKey } from '@govchain/anchor/schema'
import { buildBlock, ExecutionCache, parseGenesis, queryState, signTx, stateKey, validateBlock } from '@govchain/app'
import {
  Block,
  type BlockHeader,
  codec,
  demoCreditCode,
  getSuite,
  SparseMerkleTree,
  type SuiteName,
  toHex,
} from '@govchain/core'
import { defaultModuleRegistry } from '@govchain/distribution'
import {
  CreateDidArgs,
  deriveDid,
  IDENTITY_METHODS,
  IDENTITY_MODULE,
  identityKeys,
  ROLES,
} from '@govchain/identity/schema'
import { LmdbChainStore } from '@govchain/store'
import { committedSenderState } from '../src/index.ts'
import { Mempool } from '../src/mempool/index.ts'
import { SERVICE_STAGES, type ServiceStage, serviceWorkload } from './service-workload.ts'

const HELP = `Usage: npm run bench:pipeline -- [options]

The CPU one validator spends per transaction in each step (admission, build, validate, commit),
in one process on a temporary LMDB store: no network, no other nodes. Prints µs per transaction.

Options:
  --suite <intl|gm>   crypto suite (default intl)
  --tx <anchor|did|service>
                      what is sent (default anchor): anchor puts from 20 registered officers;
                      did, a citizen's identity.createDid from a new key per transaction;
                      service, issue 16's 公租房 cases (apply, accept, the providers' receipt
                      batches, 批准并办结), a block per stage and wave, figures per case
  --txs <n>           transactions, or cases with --tx service (default 10000)
  --block <n>         transactions per block, or cases per wave with --tx service (default 500)
  --build-only        skip the validate step (a node executes each block once)
  -h, --help          this help`

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', default: 'intl' },
    tx: { type: 'string', default: 'anchor' },
    txs: { type: 'string', default: '10000' },
    block: { type: 'string', default: '500' },
    'build-only': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}
for (const [name, value] of [
  ['txs', args.txs],
  ['block', args.block],
] as const) {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    console.error(`error: --${name} must be an integer in 1..1000000`)
    process.exit(2)
  }
}
if (args.suite !== 'intl' && args.suite !== 'gm') {
  console.error('error: --suite must be intl or gm')
  process.exit(2)
}
if (args.tx !== 'anchor' && args.tx !== 'did' && args.tx !== 'service') {
  console.error('error: --tx must be anchor, did or service')
  process.exit(2)
}
const TX_KIND: 'anchor' | 'did' | 'service' = args.tx
const suite = getSuite(args.suite as SuiteName)
const TXS = Number(args.txs)
const BLOCK = Number(args.block)
const CHAIN_ID = 'bench-pipeline'
const modules = defaultModuleRegistry()
const dir = mkdtempSync(join(tmpdir(), 'govchain-pipeline-'))
const store = LmdbChainStore.open({ path: join(dir, 'chain.lmdb') })
const ZERO = new Uint8Array(32)

function cpuUs(): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

const senders = Array.from({ length: 20 }, () => suite.generateKeyPair())
/** Two organisations whose officers are the senders (GENESIS_OFFICERS_MAX is 16 per organisation). */
const service = TX_KIND === 'service' ? serviceWorkload(suite, TXS) : undefined
const genesis =
  service?.genesis ??
  parseGenesis({
    chainId: CHAIN_ID,
    suite: suite.name,
    genesisTimeMs: 1_700_000_000_000,
    organisations: ['bench-a', 'bench-b'].map((id, i) => ({
      id,
      name: id,
      nameEn: id,
      code: demoCreditCode(i, '110000'),
      level: 'city',
      regionCode: '110000',
      region: '北京市',
      caCertPem: '-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n',
      operatorPublicKey: toHex(senders[i * 10]!.publicKey),
      officers: senders.slice(i * 10, i * 10 + 10).map((s, j) => ({
        officerId: `${id}-${j}`,
        publicKey: toHex(s.publicKey),
        roles: [...ROLES],
      })),
    })),
    validators: [{ id: 'v0', orgId: 'bench-a', publicKey: toHex(suite.generateKeyPair().publicKey), votingPower: 10 }],
    params: {},
  })
const txs: Uint8Array[] = []
/** What the API reads afterwards: each transaction's record (its module and state key). */
const written: { module: string; key: Uint8Array }[] = []
for (let i = 0; i < (service === undefined ? TXS : 0); i++) {
  if (TX_KIND === 'did') {
    const citizen = suite.generateKeyPair()
    written.push({ module: IDENTITY_MODULE, key: identityKeys.did(deriveDid(suite, citizen.publicKey)) })
    txs.push(
      signTx(
        suite,
        {
          chainId: CHAIN_ID,
          sender: citizen.publicKey,
          nonce: 0,
          validUntilHeight: 1000,
          module: IDENTITY_MODULE,
          method: IDENTITY_METHODS.createDid,
          args: codec.encode(CreateDidArgs, {}),
        },
        [citizen.privateKey],
      ).bytes,
    )
    continue
  }
  const s = senders[i % senders.length]!
  const hash = suite.hash(new TextEncoder().encode(`pipeline ${i}`))
  written.push({ module: ANCHOR_MODULE, key: anchorKey(hash) })
  txs.push(
    signTx(
      suite,
      {
        chainId: CHAIN_ID,
        sender: s.publicKey,
        nonce: i,
        validUntilHeight: 1000,
        module: ANCHOR_MODULE,
        method: 'put',
        args: codec.encode(AnchorPutArgs, { hash, kind: 'bench' }),
      },
      [s.privateKey],
    ).bytes,
  )
}

const mempool = new Mempool({
  suite,
  chainId: genesis.chainId,
  modules,
  latestHeight: () => store.latestHeight(),
  isCommitted: (h) => store.getTxCommit(h) !== undefined,
  senderState: committedSenderState({ suite, chainId: genesis.chainId, modules, store, genesis }),
  maxTxs: TXS + 100,
  maxPerSender: TXS,
  maxBytes: 1 << 30,
})
const committed = (height: number) => (h: Uint8Array) => {
  const r = store.getTxCommit(h)
  return r !== undefined && r.height < height
}

type Steps = {
  admission: number
  build: number
  validate: number
  commit: number
  commitWallMs: number
  /** New state-tree nodes the blocks stored, and the node-local index writes. */
  treeNodes: number
  indexWrites: number
}
const zero = (): Steps => ({
  admission: 0,
  build: 0,
  validate: 0,
  commit: 0,
  commitWallMs: 0,
  treeNodes: 0,
  indexWrites: 0,
})
const totals = zero()
let parent: { header: BlockHeader; hash: Uint8Array } | undefined
let lastCommit: ReturnType<typeof store.getCertificate>
let timeMs = 1_700_000_000_000
let height = 0
/** Blocks timed (the service workload's setup blocks are not). */
let timedBlocks = 0

/**
 * One block of `txs` as a node takes it: admission, the proposer's build, another validator's
 * validation of the same bytes, the commit; the CPU of each step is added to `into`. Every
 * transaction must make it into the block with result OK.
 */
function runBlock(txs: readonly Uint8Array[], into: Steps): void {
  let t = cpuUs()
  for (const tx of txs) mempool.add(tx)
  into.admission += cpuUs() - t
  height++
  timeMs += 1000
  const ctx = {
    suite,
    chainId: genesis.chainId,
    modules,
    store,
    preverified: mempool.verified,
    isCommitted: committed(height),
    genesis,
    validatorSetHash: ZERO,
    nextValidatorSetHash: ZERO,
  }
  t = cpuUs()
  const built = buildBlock({
    ...ctx,
    cache: new ExecutionCache(),
    height,
    timeMs,
    ...(parent === undefined ? {} : { parent }),
    ...(lastCommit === undefined ? {} : { lastCommit }),
    proposer: 'node-0',
    txs: mempool.reap(1 << 30, txs.length),
  })
  const value = codec.encode(Block, built.block)
  into.build += cpuUs() - t
  t = cpuUs()
  const block = codec.decode(Block, value)
  const { execution } = args['build-only']
    ? { execution: built.execution }
    : validateBlock({
        ...ctx,
        cache: new ExecutionCache(),
        block,
        ...(parent === undefined ? {} : { parent }),
      })
  into.validate += cpuUs() - t
  t = cpuUs()
  const w = performance.now()
  const certificate = { height, round: 0, blockHash: built.blockHash, signatures: [] }
  store.commitBlock({
    block,
    blockHash: built.blockHash,
    certificate,
    smtNodes: execution.smtNodes,
    stateRootVersion: execution.stateRootVersion,
    txResults: execution.results,
    txResultBytes: execution.resultBytes,
    indexes: execution.indexes,
  })
  mempool.removeCommitted(execution.results.map((r) => r.txHash))
  mempool.recheck()
  into.commit += cpuUs() - t
  into.commitWallMs += performance.now() - w
  into.treeNodes += execution.smtNodes.size
  into.indexWrites += execution.indexes.length
  if (built.block.txs.length !== txs.length)
    throw new Error(`block ${height}: ${built.block.txs.length} of ${txs.length}`)
  const failed = execution.results.find((r) => r.code !== 'OK')
  if (failed !== undefined) throw new Error(`block ${height}: ${failed.code} ${JSON.stringify(failed)}`)
  parent = { header: built.block.header, hash: built.blockHash }
  lastCommit = certificate
}

/** Per stage of a service case: the steps' CPU and the transactions it took. */
const stageSteps = new Map<ServiceStage, Steps & { txs: number }>()
if (service === undefined) {
  for (let off = 0; off < TXS; off += BLOCK) {
    runBlock(txs.slice(off, off + BLOCK), totals)
    timedBlocks++
  }
} else {
  for (const b of service.setupBlocks) runBlock(b, zero())
  const read = { store, modules }
  for (let off = 0; off < TXS; off += BLOCK) {
    for (const stage of SERVICE_STAGES) {
      const s = stageSteps.get(stage) ?? { ...zero(), txs: 0 }
      const stx = service.stage(stage, off, Math.min(TXS, off + BLOCK), read, timeMs)
      runBlock(stx, s)
      s.txs += stx.length
      stageSteps.set(stage, s)
      timedBlocks++
    }
  }
  for (const s of stageSteps.values()) {
    for (const k of Object.keys(totals) as (keyof Steps)[]) totals[k] += s[k]
  }
  written.push(...service.records())
}
/** The API's reads at the latest height: each record once, in an order unrelated to the writes'. */
const order = written.map((_, i) => written[(i * 7919) % written.length]!)
type Written = (typeof written)[number]
function readsUs(read: (w: Written) => unknown): number {
  const t = cpuUs()
  for (const w of order) if (read(w) === undefined) throw new Error(`${w.module} record not found`)
  return cpuUs() - t
}
const stateRoot = parent!.header.stateRoot
const readers = {
  fresh: (w: Written) =>
    new SparseMerkleTree({ hash: (d) => suite.hash(d), store }).get(stateRoot, stateKey(w.module, w.key)),
  value: (w: Written) => queryState({ suite, store, modules, module: w.module, key: w.key, certificate: false }).value,
  proof: (w: Written) =>
    queryState({ suite, store, modules, module: w.module, key: w.key, prove: true, certificate: false }).proof,
}
/**
 * Rounds of the three reads, each round in the reverse order of the one before (fresh, value,
 * proof; proof, value, fresh; …), so that the warm-up the first leaves (JIT, LMDB pages) favours
 * none of them; each figure is the median of its rounds.
 */
const READ_ROUNDS = 5
const names = Object.keys(readers) as (keyof typeof readers)[]
const runs = { fresh: [] as number[], value: [] as number[], proof: [] as number[] }
for (let round = 0; round < READ_ROUNDS; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) runs[name].push(readsUs(readers[name]))
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const reads = { fresh: median(runs.fresh), value: median(runs.value), proof: median(runs.proof) }
const per = (us: number) => (us / TXS).toFixed(1)
/** Per transaction, or per case with --tx service (a case is several transactions). */
const unit = service === undefined ? 'Tx' : 'Case'
console.log(`suite=${suite.name} tx=${TX_KIND} txs=${TXS} block=${BLOCK}${args['build-only'] ? ' build-only' : ''}`)
console.log(`admissionUsPer${unit}=${per(totals.admission)}`)
console.log(`buildUsPer${unit}=${per(totals.build)}`)
if (!args['build-only']) console.log(`validateUsPer${unit}=${per(totals.validate)}`)
console.log(`commitUsPer${unit}=${per(totals.commit)}`)
console.log(`totalUsPer${unit}=${per(totals.admission + totals.build + totals.validate + totals.commit)}`)
for (const [stage, s] of stageSteps) {
  // A node runs admission, then build or validate, then commit: both are printed, as above.
  console.log(
    `stage.${stage}: txsPerCase=${(s.txs / TXS).toFixed(3)} admission=${per(s.admission)} build=${per(s.build)}` +
      `${args['build-only'] ? '' : ` validate=${per(s.validate)}`} commit=${per(s.commit)} (µs per case);` +
      ` treeNodesPerCase=${(s.treeNodes / TXS).toFixed(1)} indexWritesPerCase=${(s.indexWrites / TXS).toFixed(1)}`,
  )
}
console.log(`commitWallMsPerBlock=${(totals.commitWallMs / timedBlocks).toFixed(1)}`)
// What a commit stores: fewer transactions per block rewrite the tree's upper levels more often.
console.log(`treeNodesPer${unit}=${per(totals.treeNodes)} indexWritesPer${unit}=${per(totals.indexWrites)}`)
console.log(
  `apiReadUsPerKey=${(reads.value / order.length).toFixed(1)} (with proof ${(reads.proof / order.length).toFixed(1)}; a tree per read, as before: ${(reads.fresh / order.length).toFixed(1)})`,
)
await store.close()
rmSync(dir, { recursive: true, force: true })
