/**
 * Demo data for e-invoices (issue 17, docs/invoice.md): two enterprises with their own DIDs — a
 * seller and a buyer — registered as invoice issuers by the tax department, the seller with a
 * quota, and listed as demo identities so the portal can log in as either: the seller issues,
 * the buyer's finance officer claims (报销入账). Used by `govchain up` and the browser test.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { demoCreditCode, GovchainError, getSuite, toHex } from '@govchain/core'
import * as identity from '@govchain/identity/client'
import { invoiceRegisterIssuer, invoiceSetQuota } from '@govchain/invoice/client'
import { loadKeyFile, type NetworkFile } from '@govchain/node'
import { type BuiltTx, type Client, createClient } from '@govchain/sdk'

export interface DemoEnterprise {
  id: string
  kind: 'enterprise'
  name: string
  nameEn: string
  code: string
  did: string
  publicKey: string
  privateKey: string
}

const INVOICE_DEMO_ENTERPRISES = [
  { id: 'enterprise:seller', name: '北京示范软件科技有限公司', nameEn: 'Beijing Demo Software Co., Ltd.', index: 101 },
  {
    id: 'enterprise:buyer',
    name: '北京示范采购服务有限公司',
    nameEn: 'Beijing Demo Procurement Co., Ltd.',
    index: 102,
  },
] as const

/** Invoices the demo seller may issue (the tax department's quota). */
const INVOICE_DEMO_QUOTA = 1000

async function commit(client: Client, tx: BuiltTx, what: string): Promise<void> {
  await client.submitTx(tx.bytes)
  const r = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
  if (r.code !== 'OK') throw new GovchainError('TX_TIMEOUT', `${what}: ${r.code}`)
}

export async function seedInvoiceDemo(opts: {
  net: NetworkFile
  /** The network folder: the identities go to DIR/demo/identities.json. */
  dir: string
  clients?: Record<string, Client>
  log?: (line: string) => void
}): Promise<DemoEnterprise[]> {
  const { net } = opts
  if (!net.nodes.some((n) => n.orgId === 'tax')) return []
  const suite = getSuite(net.suite)
  const clients = opts.clients ?? Object.fromEntries(net.nodes.map((n) => [n.orgId, createClient({ url: n.apiUrl })]))
  const client = clients.tax ?? createClient({ url: net.nodes.find((n) => n.orgId === 'tax')!.apiUrl })
  const tax = loadKeyFile(net.operatorKeys.tax!)
  const common = async (privateKey: Uint8Array) => ({
    suite,
    chainId: net.chainId,
    privateKey,
    validUntilHeight: (await client.status()).height + 100,
  })
  const out: DemoEnterprise[] = []
  for (const e of INVOICE_DEMO_ENTERPRISES) {
    const key = suite.generateKeyPair()
    const did = identity.createDid(await common(key.privateKey))
    await commit(client, did, `${e.id}: DID`)
    const code = demoCreditCode(e.index)
    await commit(
      client,
      invoiceRegisterIssuer({
        ...(await common(tax.privateKey)),
        code,
        did: did.did,
        name: e.name,
        kind: 'enterprise',
      }),
      `${e.id}: registration`,
    )
    out.push({
      id: e.id,
      kind: 'enterprise',
      name: e.name,
      nameEn: e.nameEn,
      code,
      did: did.did,
      publicKey: toHex(key.publicKey),
      privateKey: toHex(key.privateKey),
    })
  }
  await commit(
    client,
    invoiceSetQuota({ ...(await common(tax.privateKey)), code: out[0]!.code, quota: INVOICE_DEMO_QUOTA }),
    'seller quota',
  )
  const path = join(opts.dir, 'demo', 'identities.json')
  mkdirSync(join(opts.dir, 'demo'), { recursive: true })
  const existing = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { id: string }[]) : []
  const ids = new Set(out.map((e) => e.id))
  writeFileSync(path, `${JSON.stringify([...existing.filter((x) => !ids.has(x.id)), ...out], null, 2)}\n`, {
    mode: 0o600,
  })
  opts.log?.(
    `e-invoices: ${out.map((e) => `${e.name} ${e.code}`).join(', ')} registered by tax; seller quota ${INVOICE_DEMO_QUOTA}`,
  )
  return out
}
