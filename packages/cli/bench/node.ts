/**
 * Node benchmark (issue 4 §6): `npm run bench:node -- --nodes 4 --suite gm|intl --txs 20000`.
 *
 * Starts a local consortium of real node processes on loopback (packages/cli/src/testnet.ts),
 * pre-builds and signs every transaction before any timing (anchor `put`, spread over many
 * sender keys so the mempool's per-sender quota of 1,000 pending never binds: the operators'
 * keys and officers the operators register before the run, since only registered keys may
 * write; or, with --tx did, a citizen's identity.createDid from a key made for each transaction,
 * so every signature is from a key seen for the first time and the senders are as many as the
 * transactions), then runs two phases and prints one figure per line:
 *
 *   max     --txs transactions submitted as fast as the nodes take them: bounded concurrency
 *           over keep-alive HTTP, round-robin over the nodes, --batch transactions per request
 *           (POST /v1/txs/batch; --batch 1 uses POST /v1/txs, one transaction per request). A
 *           node pushing back (MEMPOOL_FULL, MEMPOOL_SENDER_QUOTA, RATE_LIMITED) gets the same
 *           transaction again after a short pause; the pushbacks are counted and printed.
 *   fixed   an open-loop schedule at --rate tx/s (default: half the max phase's committed TPS)
 *           for --fixed-seconds, capped at --txs transactions. With --batch > 1 the client sends
 *           what has fallen due every 20 ms as one request (as a gateway batching its clients
 *           would); latency then counts from each transaction's due time, so the batching
 *           delay is included.
 *
 * Figures per phase: committed TPS from the committed blocks' own timestamps (the transactions
 * of the blocks after the first one holding a benchmark transaction, over the time from that
 * block to the last one), the wall-clock rate, and commit latency percentiles. Latency is
 * submit (request sent, first attempt) → seen committed: the benchmark subscribes to the
 * WebSocket /v1/events stream (type `block`) of the first node, stamps each block event on
 * arrival, and fetches that block's transaction hashes with GET /v1/blocks/:height.
 *
 * Per phase also the p2p messages the four nodes sent per committed transaction, by channel and
 * in all (`<phase>.p2pMessagesPerTx.<channel>`, from each node's govchain_p2p_messages_total).
 *
 * Also measured in the same run, before the nodes start: the suite's signature verifications
 * per second on one core (in-process, @govchain/core), and from it the crypto-bound limit
 * cores × verify/s ÷ validators (every validator verifies every transaction's signature once);
 * the max phase's TPS is printed as a ratio to it. The nodes' CPU per committed transaction is
 * printed in milliseconds and, as `nodeCpuPerTxInVerifies`, in units of that same measured
 * verification: the VM runs a fifth faster or slower from one hour to the next, and only the
 * second figure compares runs taken at different times.
 *
 * Client addresses: the API rate-limits POST /v1/txs per client IP (500/s, burst 1,000 by
 * default). The benchmark plays many clients, as production has, by spreading its connections
 * over source addresses 127.0.0.10, .11, ... (all of 127.0.0.0/8 is loopback on Linux). The
 * limit itself is untouched; any RATE_LIMITED answer is counted.
 *
 * Profiling: GOVCHAIN_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:node -- ...
 * writes one .cpuprofile per node when the benchmark stops the nodes (SIGTERM, clean exit).
 *
 * Bounded: every wait has a deadline, the whole run has --timeout-s; the network's processes
 * and temporary folder are removed on every exit path (including Ctrl-C).
 */

import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { type CryptoSuite, getSuite, type SuiteName, toBase64 } from '@govchain/core'
import { CHANNEL, type ChainParams, DEFAULT_PARAMS } from '@govchain/node'
import { anchorPut, type Client, identity } from '@govchain/sdk'
import WebSocket from 'ws'
import { sleep, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'
import { measureVerifyPerSec, processCpu } from './cpu.ts'
import { sumCounter } from './metrics.ts'

const HELP = `Usage: npm run bench:node -- [options]

Starts a local network of real node processes, submits pre-signed anchor transactions at the
maximum rate and then at a fixed rate, and prints one figure per line.

Options:
  --nodes <n>             validators (1-4, default 4)
  --suite <gm|intl>       crypto suite (default intl)
  --txs <n>               transactions in the max-rate phase; cap of the fixed phase (default 20000)
  --batch <n>             transactions per request, 1-1000 (default 100: POST /v1/txs/batch;
                          1: POST /v1/txs, one transaction per request)
  --concurrency <n>       requests in flight in the max-rate phase (default 64, or 16 with --batch > 1)
  --rate <tx/s>           fixed-phase rate (default: half the measured max committed TPS)
  --fixed-seconds <s>     fixed-phase duration (default 20)
  --fixed-tick-ms <ms>    with --batch > 1, how often the fixed phase sends what has fallen due
                          (default 20): larger ticks send fewer, larger requests at the same rate
  --warmup <n>            first submit n transactions the same way, untimed, and wait for them
                          (default 0): the max phase then runs on warm nodes (JIT-compiled code,
                          grown pools), which tells warm-up apart from the steady cost
  --tx <anchor|did>       what is sent (default anchor): anchor, an anchor put from registered
                          officers' keys; did, a citizen's identity.createDid from a key made
                          for it, so every transaction is from a key the validators never saw
                          (as citizens registering: any number of distinct senders)
  --senders <n>           sender keys with --tx anchor (default: enough that no sender has over
                          500 pending; at most 1,024 officers per organisation)
  --client-ips <n>        loopback source addresses to spread connections over (default 16)
  --block-interval-ms <n> override the genesis blockIntervalMs (default: genesis default)
  --block-max-txs <n>     override the genesis blockMaxTxs (default: genesis default)
  --verify-ms <n>         time spent measuring verify/s (default 3000)
  --timeout-s <n>         abort the whole run after this long (default 900)
  --keep                  keep the network folder (logs) after the run
  -h, --help              this help

Environment: GOVCHAIN_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the node processes.`

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '4' },
    suite: { type: 'string', default: 'intl' },
    txs: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    'fixed-seconds': { type: 'string', default: '20' },
    'fixed-tick-ms': { type: 'string', default: '20' },
    warmup: { type: 'string', default: '0' },
    senders: { type: 'string' },
    tx: { type: 'string', default: 'anchor' },
    'client-ips': { type: 'string', default: '16' },
    'block-interval-ms': { type: 'string' },
    'block-max-txs': { type: 'string' },
    'verify-ms': { type: 'string', default: '3000' },
    'timeout-s': { type: 'string', default: '900' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
})

if (args.help) {
  console.log(HELP)
  process.exit(0)
}

function intArg(name: string, text: string | undefined, min: number, max: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`error: --${name} must be an integer in ${min}..${max}`)
    process.exit(2)
  }
  return n
}

const NODES = intArg('nodes', args.nodes, 1, 4)
if (args.suite !== 'gm' && args.suite !== 'intl') {
  console.error('error: --suite must be gm or intl')
  process.exit(2)
}
const SUITE_NAME: SuiteName = args.suite
const TXS = intArg('txs', args.txs, 1, 200_000)
const WARMUP = intArg('warmup', args.warmup, 0, 200_000)
const BATCH = intArg('batch', args.batch, 1, 1000)
const CONCURRENCY =
  args.concurrency === undefined ? (BATCH === 1 ? 64 : 16) : intArg('concurrency', args.concurrency, 1, 1024)
/** Fixed phase with batches: what fell due in the last tick goes out as one request (of at most --batch). */
const FIXED_TICK_MS = intArg('fixed-tick-ms', args['fixed-tick-ms'], 1, 10_000)
const FIXED_SECONDS = intArg('fixed-seconds', args['fixed-seconds'], 1, 600)
const CLIENT_IPS = intArg('client-ips', args['client-ips'], 1, 200)
const VERIFY_MS = intArg('verify-ms', args['verify-ms'], 100, 60_000)
const TIMEOUT_S = intArg('timeout-s', args['timeout-s'], 10, 7200)
/** Per-sender pending at most 500 (the quota is 1,000): the round-robin never reaches it. */
const SENDERS =
  args.senders === undefined ? Math.max(NODES, Math.ceil(TXS / 500)) : intArg('senders', args.senders, 1, 10_000)
if (args.tx !== 'anchor' && args.tx !== 'did') {
  console.error('error: --tx must be anchor or did')
  process.exit(2)
}
const TX_KIND: 'anchor' | 'did' = args.tx
const FIXED_RATE = args.rate === undefined ? undefined : intArg('rate', args.rate, 1, 1_000_000)
const PARAMS: Partial<ChainParams> = {
  // The bench measures the default chain: undo the test harness's shortened timeouts.
  timeoutProposeMs: DEFAULT_PARAMS.timeoutProposeMs,
  timeoutPrevoteMs: DEFAULT_PARAMS.timeoutPrevoteMs,
  timeoutPrecommitMs: DEFAULT_PARAMS.timeoutPrecommitMs,
  timeoutDeltaMs: DEFAULT_PARAMS.timeoutDeltaMs,
  emptyBlockIntervalMs: DEFAULT_PARAMS.emptyBlockIntervalMs,
  ...(args['block-interval-ms'] === undefined
    ? {}
    : { blockIntervalMs: intArg('block-interval-ms', args['block-interval-ms'], 0, 60_000) }),
  ...(args['block-max-txs'] === undefined
    ? {}
    : { blockMaxTxs: intArg('block-max-txs', args['block-max-txs'], 1, 100_000) }),
}
/** Fixed phase: requests in flight at most (an open loop that fell this far behind is reported). */
const FIXED_INFLIGHT_MAX = 2048
/** Pause before resubmitting a transaction a node pushed back. */
const PUSHBACK_PAUSE_MS = 20
/** How long committed transactions may take to show up once the submissions are done. */
const DRAIN_TIMEOUT_MS = 120_000
const REQUEST_TIMEOUT_MS = 30_000
/** Attempts per transaction (pushbacks and lost answers) before it is given up and counted. */
const PUSHBACKS_MAX = 1000
const PUSHBACK_CODES = new Set(['MEMPOOL_FULL', 'MEMPOOL_SENDER_QUOTA', 'RATE_LIMITED'])

function figure(name: string, value: string | number): void {
  console.log(`${name}=${value}`)
}
function note(text: string): void {
  console.error(`# ${text}`)
}

// ------------------------------------------------------------------ crypto-bound limit

/** Officers registered per round: well under the per-sender pending quota of each operator. */
const REGISTER_ROUND_MAX = 400

/**
 * Registers `keys` as issuer officers, spread over the organisations (each operator signs the
 * addOfficer of its share), and waits until every one is committed.
 */
async function registerOfficers(
  client: Client,
  suite: CryptoSuite,
  chainId: string,
  operators: TestNetwork['keys'],
  keys: readonly Uint8Array[],
): Promise<void> {
  const orgs = Object.keys(operators)
  for (let from = 0; from < keys.length; from += REGISTER_ROUND_MAX) {
    const height = (await client.status()).height
    const txs = keys.slice(from, from + REGISTER_ROUND_MAX).map((privateKey, k) => {
      const i = from + k
      const orgId = orgs[i % orgs.length]!
      return identity.addOfficer({
        suite,
        chainId,
        privateKey: operators[orgId]!.privateKey,
        validUntilHeight: height + 100,
        orgId,
        officerId: `${orgId}-bench-${i}`,
        publicKey: suite.publicKeyFromPrivate(privateKey),
        roles: ['issuer'],
      })
    })
    const answer = await client.submitTxs(txs.map((t) => t.bytes))
    for (const r of answer.results) if (!('hash' in r)) throw new Error(`addOfficer refused: ${JSON.stringify(r)}`)
    for (const t of txs) {
      const result = await client.waitForTx(t.hashHex, { timeoutMs: 60_000 })
      if (result.status !== 'committed') throw new Error(`addOfficer ${result.status}: ${result.code}`)
    }
  }
  note(`registered ${keys.length} sender keys as officers`)
}

// ------------------------------------------------------------------ HTTP submission

interface Target {
  host: string
  port: number
  agents: Agent[]
}

function targetsOf(net: TestNetwork): Target[] {
  return net.net.nodes.map((n) => {
    const u = new URL(n.apiUrl)
    return {
      host: u.hostname,
      port: Number(u.port),
      agents: Array.from(
        { length: CLIENT_IPS },
        (_, i) => new Agent({ keepAlive: true, maxSockets: 64, localAddress: `127.0.0.${10 + i}` }),
      ),
    }
  })
}

/** POST /v1/txs with a pre-serialised body: 'ok', or the node's error code. */
function post(target: Target, agent: Agent, body: Buffer): Promise<string> {
  return postJson(target, agent, '/v1/txs', body).then((r) =>
    r.status === 202 ? 'ok' : typeof r.json?.code === 'string' ? r.json.code : (r.error ?? `HTTP_${r.status}`),
  )
}

interface BatchItem {
  hash?: string
  code?: string
}

/** POST /v1/txs/batch: the per-item answers, or the code that refused the whole request. */
async function postBatch(target: Target, agent: Agent, body: Buffer): Promise<BatchItem[] | string> {
  const r = await postJson(target, agent, '/v1/txs/batch', body)
  if ((r.status === 200 || r.status === 207) && Array.isArray(r.json?.results)) return r.json.results as BatchItem[]
  return typeof r.json?.code === 'string' ? r.json.code : (r.error ?? `HTTP_${r.status}`)
}

function postJson(
  target: Target,
  agent: Agent,
  path: string,
  body: Buffer,
): Promise<{ status: number; json?: Record<string, unknown>; error?: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path,
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = []
        const status = res.statusCode ?? 0
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          try {
            resolve({ status, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> })
          } catch {
            resolve({ status })
          }
        })
        res.on('error', () => resolve({ status: 0, error: 'NETWORK_ERROR' }))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, error: `NETWORK_ERROR_${e.code ?? 'UNKNOWN'}` }))
    req.end(body)
  })
}

// ------------------------------------------------------------------ commit tracking

interface BlockSeen {
  height: number
  timeMs: number
  seenMs: number
  benchTxs: number
}

/**
 * Follows one node: block events over WebSocket, then each block's tx hashes over HTTP. A
 * height skipped by the stream (a reconnect) is fetched too, stamped with the later arrival.
 */
class CommitWatcher {
  readonly submitted = new Map<string, number>()
  readonly committedAt = new Map<string, number>()
  readonly blocks: BlockSeen[] = []
  private lastHeight = 0
  private chain: Promise<void> = Promise.resolve()
  private ws: WebSocket | undefined
  private closed = false

  constructor(
    private readonly apiUrl: string,
    startHeight: number,
  ) {
    this.lastHeight = startHeight
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const connect = (first: boolean) => {
        const ws = new WebSocket(`${this.apiUrl.replace(/^http/, 'ws')}/v1/events?types=block`)
        this.ws = ws
        ws.on('open', () => first && resolve())
        ws.on('message', (data) => {
          const seenMs = performance.now()
          const e = JSON.parse(String(data)) as { type: string; height: number }
          if (e.type !== 'block' || e.height <= this.lastHeight) return
          const from = this.lastHeight + 1
          this.lastHeight = e.height
          for (let h = from; h <= e.height; h++) this.chain = this.chain.then(() => this.fetchBlock(h, seenMs))
        })
        ws.on('error', (err) => first && reject(err))
        ws.on('close', () => {
          if (!this.closed) setTimeout(() => connect(false), 200)
        })
      }
      connect(true)
    })
  }

  private async fetchBlock(height: number, seenMs: number): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        const r = await fetch(`${this.apiUrl}/v1/blocks/${height}`)
        if (r.ok) {
          const b = (await r.json()) as { header: { timeMs: number }; txHashes: string[] }
          let benchTxs = 0
          for (const h of b.txHashes) {
            if (this.submitted.has(h) && !this.committedAt.has(h)) {
              this.committedAt.set(h, seenMs)
              benchTxs++
            }
          }
          this.blocks.push({ height, timeMs: b.header.timeMs, seenMs, benchTxs })
          return
        }
      } catch {
        // retried below
      }
      await sleep(100)
    }
    note(`could not fetch block ${height}`)
  }

  /** Waits until the fetches queued so far are done. */
  async settle(): Promise<void> {
    await this.chain
  }

  close(): void {
    this.closed = true
    this.ws?.close()
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

/** /proc CPU seconds (user + system, and system alone) of the node processes, and of this process. */
function cpuSeconds(net: TestNetwork): { nodes: number; nodesSystem: number; bench: number } {
  let nodes = 0
  let nodesSystem = 0
  for (const child of net.procs.values()) {
    const c = processCpu(child.pid)
    nodes += c.user + c.system
    nodesSystem += c.system
  }
  const u = process.cpuUsage()
  return { nodes, nodesSystem, bench: (u.user + u.system) / 1e6 }
}

/** CPU seconds used since `from` (a cpuSeconds sample), by the nodes and by this process. */
function cpuSince(net: TestNetwork, from: ReturnType<typeof cpuSeconds>): ReturnType<typeof cpuSeconds> {
  const to = cpuSeconds(net)
  return { nodes: to.nodes - from.nodes, nodesSystem: to.nodesSystem - from.nodesSystem, bench: to.bench - from.bench }
}

/** A channel's name by the number the metric carries (wire.ts), e.g. "2" → "vote". */
const CHANNEL_NAMES = new Map(Object.entries(CHANNEL).map(([name, n]) => [String(n), name]))

/** P2P messages the nodes sent, by channel, summed over the nodes' govchain_p2p_messages_total. */
function p2pMessagesSent(net: TestNetwork): Promise<Map<string, number>> {
  return sumCounter(
    net.net.nodes.map((n) => n.apiUrl),
    'govchain_p2p_messages_total',
    (l) => (l.direction !== 'out' ? undefined : (CHANNEL_NAMES.get(l.channel ?? '') ?? `channel${l.channel}`)),
  )
}

/** Per channel and in all, the messages sent since `before` per committed transaction (four nodes together). */
async function reportMessages(phase: string, net: TestNetwork, before: Map<string, number>, committed: number) {
  if (committed === 0) return
  const after = await p2pMessagesSent(net)
  let all = 0
  for (const [channel, n] of [...after].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const d = n - (before.get(channel) ?? 0)
    all += d
    figure(`${phase}.p2pMessagesPerTx.${channel}`, (d / committed).toFixed(3))
  }
  figure(`${phase}.p2pMessagesPerTx`, (all / committed).toFixed(3))
}

interface PhaseResult {
  committedTps: number
  wallTps: number
  latencies: number[]
  committed: number
  accepted: number
}

function reportPhase(
  phase: string,
  watcher: CommitWatcher,
  hashes: string[],
  accepted: Set<string>,
  t0: number,
  cpu: { nodes: number; nodesSystem: number; bench: number },
  verifyPerSec: number,
): PhaseResult {
  const latencies: number[] = []
  let lastSeen = t0
  for (const h of hashes) {
    const at = watcher.committedAt.get(h)
    const sent = watcher.submitted.get(h)
    if (at === undefined || sent === undefined) continue
    latencies.push(at - sent)
    lastSeen = Math.max(lastSeen, at)
  }
  latencies.sort((a, b) => a - b)
  // Blocks holding this phase's transactions, in height order (a phase drains before the
  // next one starts, so the benchmark transactions of blocks seen after t0 are this phase's).
  const blocks = watcher.blocks.filter((b) => b.benchTxs > 0 && b.seenMs >= t0).sort((a, b) => a.height - b.height)
  let committedTps = Number.NaN
  if (blocks.length >= 2) {
    const first = blocks[0]!
    const last = blocks[blocks.length - 1]!
    const txsAfterFirst = blocks.slice(1).reduce((s, b) => s + b.benchTxs, 0)
    committedTps = (txsAfterFirst * 1000) / Math.max(1, last.timeMs - first.timeMs)
  }
  const committed = hashes.filter((h) => watcher.committedAt.has(h)).length
  const wallTps = (committed * 1000) / Math.max(1, lastSeen - t0)
  figure(`${phase}.submitted`, hashes.length)
  figure(`${phase}.accepted`, accepted.size)
  figure(`${phase}.committed`, committed)
  figure(`${phase}.blocks`, blocks.length)
  figure(`${phase}.txsPerBlockMean`, blocks.length > 0 ? Math.round(committed / blocks.length) : 0)
  figure(`${phase}.committedTps`, Math.round(committedTps))
  figure(`${phase}.wallTps`, Math.round(wallTps))
  figure(`${phase}.latencyP50Ms`, Math.round(percentile(latencies, 50)))
  figure(`${phase}.latencyP95Ms`, Math.round(percentile(latencies, 95)))
  figure(`${phase}.latencyP99Ms`, Math.round(percentile(latencies, 99)))
  figure(`${phase}.latencyMaxMs`, Math.round(latencies[latencies.length - 1] ?? Number.NaN))
  if (committed > 0) {
    figure(`${phase}.nodeCpuMsPerTx`, (((cpu.nodes * 1000) / committed) as number).toFixed(3))
    figure(`${phase}.nodeSystemCpuMsPerTx`, (((cpu.nodesSystem * 1000) / committed) as number).toFixed(3))
    figure(`${phase}.benchCpuMsPerTx`, (((cpu.bench * 1000) / committed) as number).toFixed(3))
    // The same CPU in units of this run's own verification on one core (verifyPerSecPerCore):
    // the VM's speed varies by a fifth from hour to hour, and so does nodeCpuMsPerTx with it;
    // this figure compares runs of different hours (docs/benchmarks.md, "Is intl slower").
    figure(`${phase}.nodeCpuPerTxInVerifies`, ((cpu.nodes / committed) * verifyPerSec).toFixed(1))
  }
  return { committedTps, wallTps, latencies, committed, accepted: accepted.size }
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const suite = getSuite(SUITE_NAME)
  const cores = availableParallelism()
  figure('bench', 'node')
  figure('suite', `${SUITE_NAME} (${suite.backend})`)
  figure('validators', NODES)
  figure('batch', BATCH)
  figure('concurrency', CONCURRENCY)
  figure('cores', cores)
  figure('node', process.version)

  // 1. The crypto-bound limit, measured before the nodes take the cores.
  // The bound uses the faster figure (a key seen before), so the ratio is the stricter one.
  const verifyPerSec = measureVerifyPerSec(suite, VERIFY_MS, true)
  const verifyNewKeyPerSec = measureVerifyPerSec(suite, Math.max(100, VERIFY_MS / 3), false)
  const cryptoBound = (cores * Math.max(verifyPerSec, verifyNewKeyPerSec)) / NODES
  figure('verifyPerSecPerCore', Math.round(verifyPerSec))
  figure('verifyNewKeyPerSecPerCore', Math.round(verifyNewKeyPerSec))
  figure('cryptoBoundTps', Math.round(cryptoBound))

  // 2. The network.
  note(`starting ${NODES} nodes (${SUITE_NAME})`)
  const net = await startNetwork({ orgs: NODES, suite: SUITE_NAME, params: PARAMS, keep: args.keep })
  let watcher: CommitWatcher | undefined
  const cleanUp = async () => {
    watcher?.close()
    await net.stopAll()
  }
  const onSignal = () => {
    note('interrupted: stopping the nodes')
    cleanUp().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const deadline = setTimeout(() => {
    note(`--timeout-s ${TIMEOUT_S} reached: stopping`)
    cleanUp().finally(() => process.exit(3))
  }, TIMEOUT_S * 1000)
  deadline.unref()
  try {
    const genesis = JSON.parse(readFileSync(`${net.net.nodes[0]!.home}/genesis.json`, 'utf8')) as {
      params: ChainParams
    }
    const p = genesis.params
    figure('blockIntervalMs', p.blockIntervalMs)
    figure('blockMaxTxs', p.blockMaxTxs)
    figure('blockMaxBytes', p.blockMaxBytes)
    figure('emptyBlockIntervalMs', p.emptyBlockIntervalMs)
    figure('latencyMethod', 'WebSocket /v1/events block events of node 1, then GET /v1/blocks/:height')
    const first = net.clients[net.net.nodes[0]!.name]!
    await waitUntil('first block', async () => (await first.status()).height >= 1, 60_000)
    const status = await first.status()
    const chainId = status.chainId

    // Senders: the operators' keys, then fresh keys the operators register as officers (only a
    // registered key may write: an unknown one is refused at admission).
    // With --tx did every transaction is a new citizen's createDid from a key made for it.
    const senders = Object.values(net.keys).map((k) => k.privateKey)
    if (TX_KIND === 'anchor') {
      const fresh: Uint8Array[] = []
      while (senders.length + fresh.length < SENDERS) fresh.push(suite.generateKeyPair().privateKey)
      await registerOfficers(first, suite, chainId, net.keys, fresh)
      senders.push(...fresh)
      figure('senders', senders.length)
    } else {
      figure('senders', 'one new key per transaction (identity.createDid)')
    }

    let targets = targetsOf(net)
    watcher = new CommitWatcher(net.net.nodes[0]!.apiUrl, status.height)
    await watcher.start()
    let serial = 0
    const build = async (count: number) => {
      const height = (await first.status()).height
      // Leave room: admission checks validUntilHeight ≤ next height + maxTxValidityBlocks.
      const validUntilHeight = height + Math.max(1, p.maxTxValidityBlocks - 50)
      const t = performance.now()
      const hashes: string[] = []
      const bodies: Buffer[] = []
      const b64: string[] = []
      for (let i = 0; i < count; i++) {
        const tx =
          TX_KIND === 'did'
            ? identity.createDid({ suite, chainId, privateKey: suite.generateKeyPair().privateKey, validUntilHeight })
            : anchorPut({
                suite,
                chainId,
                privateKey: senders[i % senders.length]!,
                hash: suite.hash(new TextEncoder().encode(`bench ${process.pid} ${serial++}`)),
                kind: 'bench',
                validUntilHeight,
              })
        hashes.push(tx.hashHex)
        b64.push(toBase64(tx.bytes))
        if (BATCH === 1) bodies.push(Buffer.from(JSON.stringify({ tx: b64[i] })))
      }
      note(`signed ${count} transactions in ${Math.round(performance.now() - t)} ms`)
      return { hashes, bodies, b64 }
    }

    const w = watcher
    async function submitOne(i: number, hash: string, body: Buffer, codes: Map<string, number>, accepted: Set<string>) {
      const target = targets[i % targets.length]!
      const agent = target.agents[Math.floor(i / targets.length) % target.agents.length]!
      if (!w.submitted.has(hash)) w.submitted.set(hash, performance.now())
      let lostAnswer = false
      for (let attempt = 0; attempt < PUSHBACKS_MAX; attempt++) {
        const code = await post(target, agent, body)
        // A duplicate after a lost answer: the first attempt got in.
        if (code === 'ok' || (lostAnswer && code === 'TX_DUPLICATE')) {
          accepted.add(hash)
          return
        }
        codes.set(code, (codes.get(code) ?? 0) + 1)
        lostAnswer ||= code.startsWith('NETWORK_ERROR')
        if (!PUSHBACK_CODES.has(code) && !code.startsWith('NETWORK_ERROR')) return
        await sleep(PUSHBACK_PAUSE_MS)
      }
    }
    /**
     * One batch request (indices into hashes/b64), retrying the items pushed back. `stamp` is
     * when the transactions count as submitted (default: now, at the first attempt).
     */
    async function submitBatch(
      k: number,
      idx: number[],
      tx: { hashes: string[]; b64: string[] },
      codes: Map<string, number>,
      accepted: Set<string>,
      stamp?: number,
    ) {
      const target = targets[k % targets.length]!
      const agent = target.agents[Math.floor(k / targets.length) % target.agents.length]!
      const at = stamp ?? performance.now()
      for (const i of idx) if (!w.submitted.has(tx.hashes[i]!)) w.submitted.set(tx.hashes[i]!, at)
      let pending = idx
      let lostAnswer = false
      for (let attempt = 0; attempt < PUSHBACKS_MAX && pending.length > 0; attempt++) {
        const body = Buffer.from(JSON.stringify({ txs: pending.map((i) => tx.b64[i]!) }))
        const r = await postBatch(target, agent, body)
        if (typeof r === 'string') {
          codes.set(r, (codes.get(r) ?? 0) + pending.length)
          lostAnswer ||= r.startsWith('NETWORK_ERROR')
          if (!PUSHBACK_CODES.has(r) && !r.startsWith('NETWORK_ERROR')) return
          await sleep(PUSHBACK_PAUSE_MS)
          continue
        }
        const retry: number[] = []
        r.forEach((item, j) => {
          const i = pending[j]!
          const code = item.code ?? 'ok'
          if (item.hash !== undefined || (lostAnswer && code === 'TX_DUPLICATE')) {
            accepted.add(tx.hashes[i]!)
            return
          }
          codes.set(code, (codes.get(code) ?? 0) + 1)
          if (PUSHBACK_CODES.has(code)) retry.push(i)
        })
        pending = retry
        if (pending.length > 0) await sleep(PUSHBACK_PAUSE_MS)
      }
    }
    const drain = async (phase: string, accepted: Set<string>) => {
      await waitUntil(
        `${phase}: accepted transactions committed`,
        async () => {
          await w.settle()
          for (const h of accepted) if (!w.committedAt.has(h)) return false
          return true
        },
        DRAIN_TIMEOUT_MS,
      ).catch((e) => note(String(e)))
      await w.settle()
    }
    const printCodes = (phase: string, codes: Map<string, number>) => {
      for (const [code, n] of [...codes].sort()) figure(`${phase}.answers.${code}`, n)
    }

    /** Submits every transaction of `tx` as fast as the nodes take them, CONCURRENCY at a time. */
    let requests = 0
    const submitAll = async (
      tx: { hashes: string[]; bodies: Buffer[]; b64: string[] },
      codes: Map<string, number>,
      accepted: Set<string>,
    ) => {
      let cursor = 0
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (cursor < tx.hashes.length) {
            if (BATCH === 1) {
              const i = cursor++
              await submitOne(i, tx.hashes[i]!, tx.bodies[i]!, codes, accepted)
              continue
            }
            const from = cursor
            cursor = Math.min(tx.hashes.length, cursor + BATCH)
            const idx = Array.from({ length: cursor - from }, (_, j) => from + j)
            await submitBatch(requests++, idx, tx, codes, accepted)
          }
        }),
      )
    }

    // 3a. Warm-up (--warmup): the same load, untimed, so the max phase meets warm nodes.
    if (WARMUP > 0) {
      const warm = await build(WARMUP)
      const warmAccepted = new Set<string>()
      note(`warm-up: ${WARMUP} transactions, untimed`)
      await submitAll(warm, new Map(), warmAccepted)
      await drain('warm-up', warmAccepted)
      figure('warmup.accepted', warmAccepted.size)
    }

    // 3. Max-rate phase.
    const max = await build(TXS)
    const maxCodes = new Map<string, number>()
    const maxAccepted = new Set<string>()
    note(`max phase: ${TXS} transactions, ${CONCURRENCY} in flight`)
    const messages0 = await p2pMessagesSent(net)
    const cpu0 = cpuSeconds(net)
    const t0 = performance.now()
    await submitAll(max, maxCodes, maxAccepted)
    figure('max.submitSeconds', ((performance.now() - t0) / 1000).toFixed(2))
    await drain('max', maxAccepted)
    const maxResult = reportPhase('max', watcher, max.hashes, maxAccepted, t0, cpuSince(net, cpu0), verifyPerSec)
    await reportMessages('max', net, messages0, maxResult.committed)
    printCodes('max', maxCodes)
    figure('max.ratioToCryptoBound', (maxResult.committedTps / cryptoBound).toFixed(3))

    // 4. Fixed-rate phase (open loop). Fresh connections: the idle ones may have been closed.
    for (const t of targets) for (const a of t.agents) a.destroy()
    targets = targetsOf(net)
    const rate = FIXED_RATE ?? Math.max(1, Math.floor(maxResult.committedTps / 2))
    const count = Math.min(TXS, Math.ceil(rate * FIXED_SECONDS))
    const fixed = await build(count)
    const fixedCodes = new Map<string, number>()
    const fixedAccepted = new Set<string>()
    figure('fixed.rateTps', rate)
    note(`fixed phase: ${count} transactions at ${rate}/s`)
    const messages2 = await p2pMessagesSent(net)
    const cpu2 = cpuSeconds(net)
    const t1 = performance.now()
    let inflight = 0
    let lateMsMax = 0
    const pending: Promise<void>[] = []
    const dueOf = (i: number) => t1 + (i * 1000) / rate
    for (let i = 0, k = 0; i < count; ) {
      if (BATCH === 1) {
        const due = dueOf(i)
        const wait = due - performance.now()
        if (wait > 1) await sleep(wait)
        while (inflight >= FIXED_INFLIGHT_MAX) await sleep(1)
        lateMsMax = Math.max(lateMsMax, performance.now() - due)
        inflight++
        pending.push(
          submitOne(i, fixed.hashes[i]!, fixed.bodies[i]!, fixedCodes, fixedAccepted).finally(() => {
            inflight--
          }),
        )
        i++
        continue
      }
      // Every tick: what has fallen due goes out in requests of at most --batch.
      await sleep(Math.max(1, dueOf(i) + FIXED_TICK_MS - performance.now()))
      const now = performance.now()
      while (i < count && dueOf(i) <= now) {
        const idx: number[] = []
        while (i < count && dueOf(i) <= now && idx.length < BATCH) idx.push(i++)
        while (inflight >= FIXED_INFLIGHT_MAX) await sleep(1)
        lateMsMax = Math.max(lateMsMax, performance.now() - dueOf(idx[0]!))
        inflight++
        // Each transaction counts from its own due time: the batching delay is part of the latency.
        for (const j of idx) w.submitted.set(fixed.hashes[j]!, dueOf(j))
        pending.push(
          submitBatch(k++, idx, fixed, fixedCodes, fixedAccepted).finally(() => {
            inflight--
          }),
        )
      }
    }
    await Promise.all(pending)
    figure('fixed.sendLateMsMax', Math.round(lateMsMax))
    await drain('fixed', fixedAccepted)
    const fixedResult = reportPhase(
      'fixed',
      watcher,
      fixed.hashes,
      fixedAccepted,
      t1,
      cpuSince(net, cpu2),
      verifyPerSec,
    )
    await reportMessages('fixed', net, messages2, fixedResult.committed)
    printCodes('fixed', fixedCodes)
    for (const t of targets) for (const a of t.agents) a.destroy()
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    const exits = net.unexpectedExits()
    for (const x of exits) {
      // A node that died makes the figures of this run meaningless: say so, loudly.
      note(`NODE ${x.name} EXITED UNEXPECTEDLY (code ${x.code}, signal ${x.signal}); log tail:\n${x.logTail}`)
    }
    figure('nodesExitedUnexpectedly', exits.length)
    if (args.keep || exits.length > 0) note(`network folder kept: ${net.dir}`)
    await cleanUp()
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`)
    process.exit(1)
  },
)
