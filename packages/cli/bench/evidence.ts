/**
 * Evidence benchmark (issue 17): `npm run bench:evidence -- --suite intl|gm --batches 20 --items 2000`.
 *
 * Starts a 4-validator local network of real node processes and prints one figure per line:
 *
 *   batch docs/s   --batches transactions of 10,000 documents each (trees and proofs built before
 *                  timing): documents anchored per second of wall time until every batch is
 *                  committed. Also the time to build one 10,000-document tree with all its proofs.
 *   single items/s --items `evidence.submit` transactions from the operators' keys, submitted in
 *                  batches of 200 round-robin over the nodes, until all are committed.
 *
 * The issue's target is ≥ 10,000 documents/s in batch mode. Figures only; nothing asserts a time.
 */
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { getSuite, type SuiteName, utf8 } from '@govchain/core'
import { evidenceBatch, evidenceSubmit } from '@govchain/evidence/client'
import { startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'
import { submitAll, waitAllOk } from './submit.ts'

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'intl' },
    batches: { type: 'string', default: '20' },
    items: { type: 'string', default: '2000' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log('npm run bench:evidence -- [--suite intl|gm] [--batches B (1-200)] [--items N (100-50000)]')
  process.exit(0)
}
const suiteName = values.suite as SuiteName
if (suiteName !== 'gm' && suiteName !== 'intl') throw new Error('--suite gm|intl')
const B = Math.max(1, Math.min(200, Number(values.batches)))
const N = Math.max(100, Math.min(50_000, Number(values.items)))
const suite = getSuite(suiteName)

let net: TestNetwork | undefined
try {
  net = await startNetwork({ orgs: 4, suite: suiteName, params: { maxTxValidityBlocks: 5000 } })
  const clients = net.net.nodes.map((n) => net!.clients[n.name]!)
  const client = clients[0]!
  await waitUntil('first block', async () => (await client.status()).height >= 1)
  const { chainId, height } = await client.status()
  const operators = Object.values(net.keys)
  const common = (i: number) => ({
    suite,
    chainId,
    privateKey: operators[i % operators.length]!.privateKey,
    validUntilHeight: height + 4000,
  })

  const t0 = performance.now()
  const docs = (b: number) =>
    Array.from({ length: 10_000 }, (_, i) => suite.hash(utf8(`bench batch ${b} document ${i}`)))
  const first = evidenceBatch({ ...common(0), kind: 'document', contentHashes: docs(0) })
  for (let i = 0; i < 10_000; i++) first.proofOf(i)
  console.log(
    `tree+proofs          one 10,000-document tree with all its proofs in ${(performance.now() - t0).toFixed(0)} ms (this process, one core)`,
  )
  const batches = [
    first.tx,
    ...Array.from(
      { length: B - 1 },
      (_, b) => evidenceBatch({ ...common(b + 1), kind: 'document', contentHashes: docs(b + 1) }).tx,
    ),
  ]
  let from = (await client.status()).height + 1
  let t = performance.now()
  await submitAll(clients, batches)
  await waitAllOk(
    client,
    batches.map((x) => x.hashHex),
    from,
  )
  let s = (performance.now() - t) / 1000
  console.log(
    `batch docs/s         ${((B * 10_000) / s).toFixed(0)} (${B} batches × 10,000 documents committed in ${s.toFixed(2)} s)`,
  )

  const items = Array.from({ length: N }, (_, i) =>
    evidenceSubmit({ ...common(i), kind: 'document', contentHash: suite.hash(utf8(`bench item ${i}`)) }),
  )
  from = (await client.status()).height + 1
  t = performance.now()
  await submitAll(clients, items)
  await waitAllOk(
    client,
    items.map((x) => x.hashHex),
    from,
  )
  s = (performance.now() - t) / 1000
  console.log(`single items/s       ${(N / s).toFixed(0)} (${N} committed in ${s.toFixed(2)} s)`)
  console.log(
    `machine load         ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  )
} finally {
  await net?.stopAll()
}
