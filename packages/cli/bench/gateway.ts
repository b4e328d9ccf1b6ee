/**
 * Gateway benchmark (issues 7 and 19): `npm run bench:gateway -- --fetches 3000 --concurrency 64 --suite gm|intl`
 * (closed loop: at most --concurrency fetches in flight), or `--rate R` (open loop: a fetch
 * starts every 1/R s whatever is in flight, for the latency at a given rate).
 *
 * Starts a local consortium of 4 real node processes, seeds the sharing demo, starts the police
 * gateway as a child process and housing's gateway in this process (the consumer), grants housing
 * the household resource, then runs --fetches fetches. One fetch is the whole exchange: signed
 * request over mutual TLS → grant checked on chain → SQLite query → answer encrypted to
 * housing's key (SM2 + SM4-GCM for gm) → receipt checked and countersigned → acknowledgement,
 * answered once the provider journaled the receipt (fsynced); the provider records receipts in
 * batch transactions under their Merkle root (ADR 0036). The run ends when every receipt is
 * committed (the grant's counter on chain equals --fetches). Prints:
 *
 *   fetches/s                 completed exchanges per second, first start to last acknowledgement
 *   fetches/s, all committed  --fetches ÷ the time until the last receipt was committed
 *   p50/p99 latency           per exchange (request sent → acknowledgement received)
 *   batches                   distinct batch transactions holding the run's receipts
 *   CPU                       CPU seconds (user + system, /proc) of each process from the first
 *                             fetch until every receipt is committed, and per fetch: the police
 *                             gateway (provider), this process (housing's gateway, the consumer,
 *                             plus the load loop), the 4 validators. On a shared machine these are
 *                             the comparable figures; the rates depend on the neighbours' load.
 *
 * Profiling: GOVCHAIN_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the police
 * gateway (its .cpuprofile is written when it stops), GOVCHAIN_NODE_ARGS the nodes; the consumer
 * is this process (`node --cpu-prof -C development --import tsx packages/cli/bench/gateway.ts`).
 *
 * The police gateway's per-requester token bucket (default 50/s, an anti-abuse default for a
 * deployment) is raised for the run, so the figure is the gateway's, not the bucket's.
 * Benchmarks print figures; nothing here asserts a time.
 */
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { DEFAULT_PARAMS } from '@govchain/app'
import { getSuite, type SuiteName } from '@govchain/core'
import { Gateway, gatewayDir, loadGatewayHome, openConnector, saveGatewayConfig } from '@govchain/gateway'
import type { GrantAnswer, ReceiptPage } from '@govchain/sharing/views'
import { startGatewayProcess } from '../src/demo/gateway-procs.ts'
import { requestHousingGrants, seedSharingDemo } from '../src/demo/sharing.ts'
import { reserveGatewayPorts, startNetwork, waitUntil } from '../src/testnet.ts'
import { cpuSeconds } from './cpu.ts'

const { values } = parseArgs({
  options: {
    fetches: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '64' },
    rate: { type: 'string' },
    suite: { type: 'string', default: 'gm' },
    'batch-interval-ms': { type: 'string' },
    'batch-idle-ms': { type: 'string' },
    'empty-block-ms': { type: 'string', default: String(DEFAULT_PARAMS.emptyBlockIntervalMs) },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log(
    'npm run bench:gateway -- [--suite gm|intl] [--fetches N] [--concurrency C | --rate R] [--batch-interval-ms MS] [--batch-idle-ms MS]\n' +
      '                         [--empty-block-ms MS (default: the chain default)]\n' +
      'a short run: npm run bench:gateway -- --fetches 300 --concurrency 16',
  )
  process.exit(0)
}
const fetches = Number(values.fetches)
const concurrency = Number(values.concurrency)
const rate = values.rate === undefined ? undefined : Number(values.rate)
const suiteName = values.suite as SuiteName
getSuite(suiteName)
/**
 * The pause before an empty block: the demo network's (`govchain up`, the chain default), as in
 * bench:service, not the test harness's 200 ms. A batch transaction arriving during the pause
 * starts the next height at once, so the pause delays no receipt; it is what the idle network costs.
 */
const EMPTY_BLOCK_MS = Number(values['empty-block-ms'])
if (!Number.isInteger(EMPTY_BLOCK_MS) || EMPTY_BLOCK_MS < 20 || EMPTY_BLOCK_MS > 60_000)
  throw new Error('--empty-block-ms: 20-60000')

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

const net = await startNetwork({
  orgs: 4,
  suite: suiteName,
  params: { maxTxValidityBlocks: 5000, emptyBlockIntervalMs: EMPTY_BLOCK_MS },
})
const stops: (() => Promise<void>)[] = []
try {
  const base = await reserveGatewayPorts()
  const demo = await seedSharingDemo({
    dir: net.dir,
    net: net.net,
    gatewayBasePort: base,
    localBasePort: base + 50,
    people: 200,
    clients: net.clients,
  })
  const police = net.net.nodes.find((n) => n.orgId === 'police')!
  const housing = net.net.nodes.find((n) => n.orgId === 'housing')!
  const policeHome = loadGatewayHome(gatewayDir(police.home))
  saveGatewayConfig(policeHome.dir, {
    ...policeHome.config,
    requesterRatePerSecond: 100_000,
    requesterBurst: 100_000,
    ...(values['batch-interval-ms'] === undefined
      ? {}
      : { receiptBatchIntervalMs: Number(values['batch-interval-ms']) }),
    // The provider's idle rule (ADR 0036's second amendment); 1000 or more: the spacing alone, as before it.
    ...(values['batch-idle-ms'] === undefined ? {} : { receiptBatchIdleMs: Number(values['batch-idle-ms']) }),
  })
  const p = await startGatewayProcess('police', police.home, net.dir)
  stops.push(p.stop)
  const home = loadGatewayHome(gatewayDir(housing.home))
  const consumer = await Gateway.start({ home, connector: openConnector(home) })
  stops.push(() => consumer.stop())
  const grants = await requestHousingGrants({ net: net.net, clients: net.clients, rowsMax: fetches + 100 })
  const latencies: number[] = []
  const failures = new Map<string, number>()
  const one = async (i: number) => {
    const person = demo.people[i % demo.people.length]!
    const s = performance.now()
    try {
      await consumer.fetch({
        grantId: grants.household,
        fields: ['id_number', 'name', 'household_address'],
        filter: { field: 'id_number', values: [person.idNumber] },
      })
      latencies.push(performance.now() - s)
    } catch (e) {
      const code = (e as { code?: string }).code ?? String(e)
      failures.set(code, (failures.get(code) ?? 0) + 1)
    }
  }
  /** What the provider's log says of its block stream (ADR 0041): followed, and how often it went down. */
  const streamState = (log: string): string => {
    const up = log.split('\n').filter((l) => l.includes('following the node')).length
    const down = log.split('\n').filter((l) => l.includes('node block stream down')).length
    return `followed ${up} time(s), down ${down} time(s)`
  }
  const procs = [
    { name: 'police gateway (provider)', pid: p.child.pid },
    ...net.net.nodes.map((x) => ({ name: `validator ${x.orgId}`, pid: net.procs.get(x.name)?.pid })),
  ]
  const cpuBefore = procs.map((x) => cpuSeconds(x.pid))
  const selfBefore = process.cpuUsage()
  const loadBefore = loadavg()[0]!
  // One client for the node's API: heights, the grant's counter, the receipt pages.
  const api = net.clients[housing.name]!
  const heightOf = async () => (await api.status()).height
  const heightBefore = await heightOf()
  const t0 = performance.now()
  if (rate === undefined) {
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < fetches) await one(next++)
      }),
    )
  } else {
    const running: Promise<void>[] = []
    for (let i = 0; i < fetches; i++) {
      const due = t0 + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      running.push(one(i))
    }
    await Promise.all(running)
  }
  const elapsedS = (performance.now() - t0) / 1000
  const served = latencies.length
  const grantUse = async () =>
    ((await api.getJson(`/v1/sharing/grants/${grants.household}`)) as unknown as GrantAnswer).grant.fetches
  await waitUntil('every receipt committed', async () => (await grantUse()) >= served, 300_000)
  const committedS = (performance.now() - t0) / 1000
  const heights = (await heightOf()) - heightBefore
  const self = process.cpuUsage(selfBefore)
  const cpu: [string, number][] = procs.map((x, i) => [x.name, cpuSeconds(x.pid) - cpuBefore[i]!])
  cpu.splice(1, 0, ['this process (housing gateway)', (self.user + self.system) / 1e6])
  const loadAfter = loadavg()[0]!
  const batches = new Set<string>()
  let after: string | null = null
  do {
    const page = (await api.getJson(
      `/v1/sharing/receipts?grant=${grants.household}&limit=100${after === null ? '' : `&after=${after}`}`,
    )) as unknown as ReceiptPage
    for (const r of page.receipts) batches.add(r.txHash)
    after = page.next
  } while (after !== null)
  latencies.sort((a, b) => a - b)
  const load = rate === undefined ? `concurrency ${concurrency}` : `offered ${rate} fetches/s (open loop)`
  process.stdout.write(
    [
      `suite                     ${suiteName} (4 nodes, police gateway child process, housing gateway in the benchmark process)`,
      `fetches                   ${fetches} (${load}); ${served} served, each with a countersigned receipt`,
      ...(failures.size === 0
        ? []
        : [`failed                    ${[...failures].map(([c, n]) => `${c} ×${n}`).join(', ')}`]),
      `fetches/s                 ${(served / elapsedS).toFixed(1)}`,
      `fetches/s, all committed  ${(served / committedS).toFixed(1)} (every receipt on chain after ${committedS.toFixed(1)} s, ${(committedS - elapsedS).toFixed(2)} s after the last acknowledgement)`,
      `latency p50               ${pct(latencies, 50).toFixed(1)} ms`,
      `latency p99               ${pct(latencies, 99).toFixed(1)} ms`,
      `receipts on chain         ${await grantUse()} (grant counter) in ${batches.size} batch transactions`,
      `heights                   ${heights} until all committed (empty-block pause ${EMPTY_BLOCK_MS} ms)`,
      // Whether the gateways followed their nodes' block streams (reads kept per height, ADR 0041).
      `node reads per height     consumer: ${consumer.node.heights.stats.hits} cached, ${consumer.node.heights.stats.reads} read, ${consumer.node.heights.stats.bypassed} bypassed (stream down); provider: stream ${streamState(p.log())}`,
      `CPU until all committed   s      ms/fetch (load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after)`,
      ...cpu.map(
        ([name, x]) => `  ${name.padEnd(30)}${x.toFixed(2).padStart(7)}${((1000 * x) / served).toFixed(2).padStart(9)}`,
      ),
      '',
    ].join('\n'),
  )
} finally {
  for (const s of stops.reverse()) await s().catch(() => {})
  await net.stopAll()
}
