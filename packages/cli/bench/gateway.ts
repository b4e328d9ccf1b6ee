/**
 * Gateway benchmark (issue 7): `npm run bench:gateway -- --fetches 300 --concurrency 8 --suite gm|intl`.
 *
 * Starts a local consortium of 4 real node processes, seeds the sharing demo, starts the police
 * gateway as a child process and housing's gateway in this process (the consumer), grants housing
 * the household resource, then runs --fetches fetches with --concurrency in flight. One fetch is
 * the whole exchange: signed request over mutual TLS → grant checked on chain → SQLite query →
 * answer encrypted to housing's key (SM2 + SM4-GCM for gm) → receipt checked and countersigned →
 * acknowledgement → provider submits the receipt transaction. Prints:
 *
 *   fetches/s          completed exchanges per second of wall clock
 *   p50/p99 latency    per exchange (request sent → countersigned receipt accepted by the node)
 *   receipts/s         receipts committed on chain per second (until the last one is committed)
 */
import { parseArgs } from 'node:util'
import { getSuite, type SuiteName } from '@govchain/core'
import { Gateway, gatewayDir, loadGatewayHome, openConnector } from '@govchain/gateway'
import { startGatewayProcess } from '../src/demo/gateway-procs.ts'
import { requestHousingGrants, seedSharingDemo } from '../src/demo/sharing.ts'
import { reserveGatewayPorts, startNetwork, waitUntil } from '../src/testnet.ts'

const { values } = parseArgs({
  options: {
    fetches: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    suite: { type: 'string', default: 'gm' },
  },
})
const fetches = Number(values.fetches)
const concurrency = Number(values.concurrency)
const suiteName = values.suite as SuiteName
getSuite(suiteName)

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

const net = await startNetwork({ orgs: 4, suite: suiteName, params: { maxTxValidityBlocks: 5000 } })
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
  const p = await startGatewayProcess('police', police.home, net.dir)
  stops.push(p.stop)
  const home = loadGatewayHome(gatewayDir(housing.home))
  const consumer = await Gateway.start({ home, connector: openConnector(home) })
  stops.push(() => consumer.stop())
  const grants = await requestHousingGrants({ net: net.net, clients: net.clients })
  // A grant large enough for the run.
  const latencies: number[] = []
  const txs: string[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < fetches) {
        const i = next++
        const person = demo.people[i % demo.people.length]!
        const s = performance.now()
        const r = await consumer.fetch({
          grantId: grants.household,
          fields: ['id_number', 'name', 'household_address'],
          filter: { field: 'id_number', values: [person.idNumber] },
        })
        latencies.push(performance.now() - s)
        txs.push(r.txHash)
      }
    }),
  )
  const elapsedS = (performance.now() - t0) / 1000
  const last = txs[txs.length - 1]!
  await waitUntil(
    'every receipt committed',
    async () => {
      for (const h of [last, ...txs.slice(-20)])
        if ((await net.clients.housing!.tx(h)).status === 'pending') return false
      return true
    },
    120_000,
  )
  const committedS = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  const receipts = await fetch(`${housing.apiUrl}/v1/sharing/grants/${grants.household}`).then(
    (r) => r.json() as Promise<{ grant: { fetches: number } }>,
  )
  process.stdout.write(
    [
      `suite                ${suiteName} (4 nodes, police gateway child process, housing gateway in the benchmark process)`,
      `fetches              ${fetches} (concurrency ${concurrency}), each with a countersigned receipt`,
      `fetches/s            ${(fetches / elapsedS).toFixed(1)}`,
      `latency p50          ${pct(latencies, 50).toFixed(1)} ms`,
      `latency p99          ${pct(latencies, 99).toFixed(1)} ms`,
      `receipts on chain    ${receipts.grant.fetches} (grant counter), all committed after ${committedS.toFixed(1)} s → ${(receipts.grant.fetches / committedS).toFixed(1)} receipts/s`,
      '',
    ].join('\n'),
  )
} finally {
  for (const s of stops.reverse()) await s().catch(() => {})
  await net.stopAll()
}
