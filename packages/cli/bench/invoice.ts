/**
 * Invoice benchmark (issue 17): `npm run bench:invoice -- --suite intl|gm --invoices 4000 --sellers 20`.
 *
 * Starts a 4-validator local network of real node processes; the tax operator registers
 * --sellers selling and as many buying enterprises (each with its DID) and grants quotas; then
 * prints one figure per line:
 *
 *   issues/s   --invoices `invoice.issue` transactions (files and transactions built and signed
 *              before timing, spread over the sellers' keys), submitted in batches of 200 over
 *              POST /v1/txs/batch round-robin over the nodes; wall time from the first submission
 *              until every one is committed (a block scan of one node, not per-transaction polls).
 *   claims/s   one `invoice.claim` per invoice by its buying enterprise, the same way.
 *   second claims refused   a sample of second claims, each answered INVOICE_ALREADY_CLAIMED.
 *
 * The issue's target is ≥ 1,000/s each on the 4-node network (intl). Benchmarks print figures;
 * nothing here asserts a time. Bounded: every wait has a deadline; the network is stopped and
 * removed on every exit path.
 */
import { parseArgs } from 'node:util'
import { demoCreditCode, encode, getSuite, type SuiteName } from '@govchain/core'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { invoiceClaim, invoiceIssue, invoiceRegisterIssuer, invoiceSetQuota } from '@govchain/invoice/client'
import { type BuiltTx, buildTx } from '@govchain/sdk'
import { startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'
import { submitAll, waitAllOk } from './submit.ts'

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'intl' },
    invoices: { type: 'string', default: '4000' },
    sellers: { type: 'string', default: '20' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log('npm run bench:invoice -- [--suite intl|gm] [--invoices N (100-50000)] [--sellers S (1-100)]')
  process.exit(0)
}
const suiteName = values.suite as SuiteName
if (suiteName !== 'gm' && suiteName !== 'intl') throw new Error('--suite gm|intl')
const N = Math.max(100, Math.min(50_000, Number(values.invoices)))
const S = Math.max(1, Math.min(100, Number(values.sellers)))
const suite = getSuite(suiteName)

async function main(): Promise<void> {
  let net: TestNetwork | undefined
  process.once('SIGINT', () => {
    void net?.stopAll().finally(() => process.exit(130))
  })
  try {
    net = await startNetwork({ orgs: 4, suite: suiteName, params: { maxTxValidityBlocks: 5000 } })
    const nodes = net.net.nodes
    const clients = nodes.map((n) => net!.clients[n.name]!)
    const client = clients[0]!
    await waitUntil('first block', async () => (await client.status()).height >= 1)
    const chainId = (await client.status()).chainId
    const tax = net.keys.tax!
    const height = async () => (await client.status()).height
    const common = async (privateKey: Uint8Array) => ({
      suite,
      chainId,
      privateKey,
      validUntilHeight: (await height()) + 4000,
    })
    const waitAll = async (txs: BuiltTx[]) => {
      for (const t of txs) {
        const r = await client.waitForTx(t.hashHex, { timeoutMs: 120_000, pollMs: 100 })
        if (r.status !== 'committed') throw new Error(`setup transaction failed: ${r.code}`)
      }
    }

    // Sellers and buyers: a DID each, registered by the tax authority; quotas for the sellers.
    const sellers = Array.from({ length: S }, (_, i) => ({
      key: suite.generateKeyPair(),
      code: demoCreditCode(1000 + i, '440300'),
    }))
    const buyers = Array.from({ length: S }, (_, i) => ({
      key: suite.generateKeyPair(),
      code: demoCreditCode(2000 + i, '440300'),
    }))
    const h0 = await height()
    const dids = [...sellers, ...buyers].map((p) =>
      buildTx({
        suite,
        chainId,
        privateKey: p.key.privateKey,
        module: 'identity',
        method: 'createDid',
        args: encode(CreateDidArgs, {}),
        validUntilHeight: h0 + 1000,
      }),
    )
    await submitAll(clients, dids)
    await waitAll(dids)
    const taxCommon = await common(tax.privateKey)
    const regs = [...sellers, ...buyers].map((p, i) =>
      invoiceRegisterIssuer({
        ...taxCommon,
        code: p.code,
        did: deriveDid(suite, p.key.publicKey),
        name: `基准测试企业${i < S ? '销' : '购'}${String.fromCharCode(0x4e00 + (i % 50))}`,
        kind: 'enterprise',
      }),
    )
    await submitAll(clients, regs)
    await waitAll(regs)
    const quotas = sellers.map((s) => invoiceSetQuota({ ...taxCommon, code: s.code, quota: Math.ceil(N / S) + 10 }))
    await submitAll(clients, quotas)
    await waitAll(quotas)
    console.log(`setup: ${S} sellers and ${S} buyers registered, quotas ${Math.ceil(N / S) + 10} each`)

    // Issue: build and sign everything before timing.
    const vh = (await height()) + 4000
    const issues = Array.from({ length: N }, (_, i) => {
      const s = sellers[i % S]!
      const b = buyers[i % S]!
      return invoiceIssue({
        suite,
        chainId,
        privateKey: s.key.privateKey,
        validUntilHeight: vh,
        kind: 'invoice',
        code: '144031900111',
        number: String(10_000_000 + i),
        seller: { code: s.code, name: '销方' },
        buyer: { kind: 'enterprise', code: b.code, name: '购方' },
        date: '2026-12-03',
        lines: [
          {
            item: '*信息技术服务*软件开发',
            quantity: '1',
            unitPriceFen: 100_000 + i,
            amountFen: 100_000 + i,
            taxRate: '6%',
            taxFen: 6_000,
          },
        ],
      }).tx
    })
    const claims = Array.from({ length: N }, (_, i) =>
      invoiceClaim({
        suite,
        chainId,
        privateKey: buyers[i % S]!.key.privateKey,
        validUntilHeight: vh,
        code: '144031900111',
        number: String(10_000_000 + i),
        claimantCode: buyers[i % S]!.code,
        claimRef: `PZ-${i}`,
      }),
    )
    for (const [what, txs] of [
      ['issues', issues],
      ['claims', claims],
    ] as const) {
      const from = (await height()) + 1
      const t0 = performance.now()
      await submitAll(clients, txs)
      await waitAllOk(
        client,
        txs.map((t) => t.hashHex),
        from,
      )
      const s = (performance.now() - t0) / 1000
      console.log(
        `${what}/s            ${(N / s).toFixed(0)} (${N} committed in ${s.toFixed(2)} s, every one with code OK)`,
      )
    }
    // Second claims, by the other enterprises: each refused.
    const second = Array.from({ length: 20 }, (_, i) =>
      invoiceClaim({
        suite,
        chainId,
        privateKey: buyers[(i + 1) % S]!.key.privateKey,
        validUntilHeight: vh,
        code: '144031900111',
        number: String(10_000_000 + i),
        claimantCode: buyers[(i + 1) % S]!.code,
        claimRef: `PZ-again-${i}`,
      }),
    )
    await submitAll(clients, second)
    const refused = new Map<string, number>()
    for (const t of second) {
      const r = await client.waitForTx(t.hashHex, { timeoutMs: 60_000, pollMs: 100 })
      refused.set(r.code ?? r.status, (refused.get(r.code ?? r.status) ?? 0) + 1)
    }
    console.log(`second claims        ${JSON.stringify(Object.fromEntries(refused))}`)
    console.log(
      `machine load         ${(await import('node:os'))
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    )
  } finally {
    await net?.stopAll()
  }
}

await main()
