/**
 * Explorer in real Chromium against a real 4-node network: nodes' consensus health, blocks
 * arriving live over the events WebSocket, block detail with its certificate verified in the
 * browser, transaction detail, the language switch; statistics, every transaction a page at a
 * time as "who did what", and search by licence id with 未找到 for one the chain lacks.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  anchorPut,
  getSuite,
  issueLicense,
  licenseClient,
  licenseId as makeLicenseId,
  parseLicenseId,
} from '@govchain/sdk'
import type { TestNetwork } from '../../cli/src/testnet.ts'
import { type PortalFixture, seedHolders, startPortalFixture } from './helpers.ts'

let f: PortalFixture
let licenseId = ''
let issuedTx = ''

/** A licence issued by the market department to the demo enterprise, and 12 anchors: more than one page of transactions. */
async function seed(net: TestNetwork): Promise<void> {
  const holders = await seedHolders(net)
  const client = net.clients[net.net.nodes[0]!.name]!
  const suite = getSuite('gm')
  const status = await client.status()
  const { items } = await licenseClient({ transport: client.transport }).types()
  const type = items.find((x) => x.issuers.includes('market'))!
  const org = (await client.getJson('/v1/organisations/market')) as { organisation: { code: string } }
  const issued = issueLicense({
    suite,
    chainId: status.chainId,
    privateKey: net.keys.market!.privateKey,
    type,
    issuer: { orgId: 'market', code: org.organisation.code },
    holder: holders.find((h) => h.kind === 'enterprise')!.did,
    validFromMs: Date.now(),
    validUntilMs: 0,
    fields: Object.fromEntries((type.fields as { name: string }[]).map((x) => [x.name, '示例'])),
    validUntilHeight: status.height + 100,
  })
  await client.submitTx(issued.tx.bytes)
  const anchors = Array.from({ length: 12 }, (_, i) =>
    anchorPut({
      suite,
      chainId: status.chainId,
      privateKey: net.keys[net.net.nodes[i % 4]!.orgId]!.privateKey,
      hash: new Uint8Array(32).fill(100 + i),
      kind: 'contract',
      validUntilHeight: status.height + 100,
    }),
  )
  for (const a of anchors) await client.submitTx(a.bytes)
  for (const a of [issued.tx, ...anchors]) {
    const r = await client.waitForTx(a.hashHex, { timeoutMs: 60_000 })
    assert.equal(r.status, 'committed', `${r.code}`)
  }
  licenseId = issued.id
  issuedTx = issued.tx.hashHex
}

before(async () => {
  f = await startPortalFixture({ suite: 'gm', seed })
})
after(async () => {
  await f?.close()
})

test('explorer shows every node healthy and new blocks live', async () => {
  const { page } = f
  await page.goto(`${f.portal.url}/explorer`)
  await page.getByTestId('live-indicator').filter({ hasText: '实时' }).waitFor()
  for (const n of f.net.net.nodes) {
    await page.getByTestId(`node-${n.name}`).getByText('正常').waitFor()
  }
  const rows = page.getByTestId('block-row')
  await rows.first().waitFor()
  const firstHeight = Number(await rows.first().getAttribute('data-height'))
  assert.ok(firstHeight >= 1)
  // A block committed after the page loaded appears at the top without a reload.
  await page.waitForFunction(
    (h) => Number(document.querySelector('[data-testid="block-row"]')?.getAttribute('data-height')) > h + 1,
    firstHeight,
  )
  await f.shot('explorer')
})

test('block detail verifies the commit certificate in the browser; tx detail shows the events', async () => {
  const { page, net } = f
  const client = net.clients[net.net.nodes[0]!.name]!
  const status = await client.status()
  const operator = net.keys[net.net.nodes[1]!.orgId]!
  const { getSuite } = await import('@govchain/sdk')
  const tx = anchorPut({
    suite: getSuite('gm'),
    chainId: status.chainId,
    privateKey: operator.privateKey,
    hash: new Uint8Array(32).fill(7),
    kind: 'contract',
    validUntilHeight: status.height + 100,
  })
  await client.submitTx(tx.bytes)
  const result = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
  assert.equal(result.status, 'committed')

  await page.goto(`${f.portal.url}/explorer`)
  // Something the explorer cannot find says so, rather than doing nothing.
  await page.getByTestId('explorer-search').fill('张三的营业执照')
  await page.getByTestId('explorer-search').press('Enter')
  assert.match((await page.getByTestId('explorer-not-found').textContent()) ?? '', /未找到“张三的营业执照”/)
  await page.getByTestId('explorer-search').fill(String(result.height))
  await page.getByTestId('explorer-search').press('Enter')
  await page.getByTestId('block-page').waitFor()
  await page.getByTestId('cert-ok').waitFor()
  assert.match((await page.getByTestId('cert-ok').textContent()) ?? '', /证书有效/)
  await page.getByText(tx.hashHex).click()
  await page.getByTestId('tx-page').waitFor()
  await page.getByText('已上链').waitFor()
  // Plain language (ADR 0042): the event by its name and the result in words; the raw codes
  // behind 详情.
  const event = page.locator('[data-testid="tx-event"][data-event="anchor.put"]')
  assert.equal(await event.getByTestId('tx-event-name').textContent(), '文件摘要上链')
  assert.equal(await page.getByTestId('tx-result').textContent(), '成功')
  const raw = event.locator('details code')
  assert.equal(await raw.isVisible(), false, 'the code is behind 详情')
  await event.locator('summary').click()
  await raw.waitFor()
  assert.equal(await raw.textContent(), 'anchor.put')
  await f.shot('block')

  await page.getByTestId('lang-switch').click()
  await page.getByText('Committed').waitFor()
  assert.equal(await event.getByTestId('tx-event-name').textContent(), 'Document hash anchored')
  assert.equal(await page.getByTestId('tx-result').textContent(), 'Succeeded')
  await page.getByTestId('lang-switch').click()
  assert.deepEqual(f.pageErrors, [])
})

test('statistics, every transaction a page at a time as who did what, search by licence id', async () => {
  const { page } = f
  await page.goto(`${f.portal.url}/explorer`)
  const stats = page.getByTestId('chain-stats')
  await stats.waitFor()
  // The count comes from the nodes' status, which may answer after the statistics: — until then.
  const validatorCount = stats.getByTestId('stat-validators').locator('.stat-value')
  await validatorCount.filter({ hasText: /^\d+$/ }).waitFor()
  assert.equal(Number(await validatorCount.textContent()), 4)
  assert.ok(Number(await stats.getByTestId('stat-txs').locator('.stat-value').textContent()) >= 15)
  await stats.locator('[data-module="license"]').getByText('电子证照').waitFor()
  await stats.locator('[data-module="anchor"]').waitFor()

  // Page 1 of the list is the newest ten; page 2 the next ones; going back shows page 1 again.
  const list = page.getByTestId('tx-list')
  const rows = list.getByTestId('tx-row')
  await rows.first().waitFor()
  assert.equal(await rows.count(), 10)
  const first = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-hash')))
  assert.match((await list.getByTestId('tx-story').first().textContent()) ?? '', /登记文件存证/)
  await list.getByTestId('tx-next').click()
  await list.getByTestId('tx-page-number').filter({ hasText: '第 2 页' }).waitFor()
  await page.waitForFunction(
    (h) => document.querySelector('[data-testid="tx-row"]')?.getAttribute('data-hash') !== h,
    first[0],
  )
  const second = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-hash')))
  assert.ok(second.length > 0)
  assert.deepEqual(
    second.filter((h) => first.includes(h)),
    [],
    'no transaction on two pages',
  )
  // The licence's issue reads as the market department's officer issuing it, with its id.
  const story = list.locator(`[data-hash="${issuedTx}"]`)
  for (let n = 2; (await story.count()) === 0; n++) {
    assert.equal(await list.getByTestId('tx-next').isDisabled(), false, 'the issue is on some page')
    await list.getByTestId('tx-next').click()
    await list
      .getByTestId('tx-page-number')
      .filter({ hasText: `第 ${n + 1} 页` })
      .waitFor()
    await rows.first().waitFor()
  }
  const text = (await story.getByTestId('tx-story').textContent()) ?? ''
  assert.match(text, /市场监督管理局/)
  assert.match(text, /签发证照/)
  assert.ok(text.includes(licenseId), text)
  await list.getByTestId('tx-prev').click()
  await f.shot('explorer-txs')

  await page.getByTestId('explorer-search').fill(licenseId)
  await page.getByTestId('explorer-search').press('Enter')
  const found = page.getByTestId('search-result')
  await found.waitFor()
  assert.ok(((await found.textContent()) ?? '').includes(licenseId))
  await found.getByText('签发').first().waitFor()
  await found.getByText('长期').waitFor()
  await f.shot('explorer-search-license')

  assert.deepEqual(f.pageErrors, [])
  // A well-formed licence id (its check character right) that the chain never issued.
  const missing = makeLicenseId({ ...parseLicenseId(licenseId)!, serial: '9999999999' })
  await page.getByTestId('explorer-search').fill(missing)
  await page.getByTestId('explorer-search').press('Enter')
  const notFound = page.getByTestId('explorer-not-found')
  await notFound.waitFor()
  assert.ok(((await notFound.textContent()) ?? '').includes(`未找到“${missing}”`))
  // The node's 404 for the missing licence is what Chromium logs; nothing else went wrong.
  assert.ok(
    f.pageErrors.every((e) => /status of 404/.test(e)),
    f.pageErrors.join('\n'),
  )
  f.pageErrors.length = 0
})

test('operations console: an administrator sees nodes, certificates, members, gateways and refusals', async () => {
  const { page, net } = f
  const market = net.net.nodes[0]!
  const client = net.clients[market.name]!
  const status = await client.status()
  // A transaction for another chain is refused at admission: the console counts it by code.
  const { getSuite } = await import('@govchain/sdk')
  const foreign = anchorPut({
    suite: getSuite('gm'),
    chainId: 'another-chain',
    privateKey: net.keys[market.orgId]!.privateKey,
    hash: new Uint8Array(32).fill(9),
    kind: 'contract',
    validUntilHeight: status.height + 100,
  })
  await assert.rejects(client.submitTx(foreign.bytes))

  // Not for citizens: the page says who it is for, and the navigation has no entry.
  await page.goto(`${f.portal.url}/ops`)
  await page.getByTestId('ops-admin-only').waitFor()
  assert.equal(await page.getByTestId('nav-ops').count(), 0)

  await page.goto(`${f.portal.url}/login`)
  await page.getByTestId(`login-officer:${market.orgId}`).click()
  await page.getByTestId('current-identity').waitFor()
  await page.getByTestId('nav-ops').click()
  for (const n of net.net.nodes) {
    const row = page.getByTestId(`ops-node-${n.name}`)
    await row.getByText('正常').waitFor()
    // 825-day node certificates from govchain init.
    assert.match((await row.getByTestId('ops-cert-days').textContent()) ?? '', /剩余 8[0-2]\d 天/)
  }
  await page.getByTestId('ops-members').getByText('验证节点').first().waitFor()
  await page.getByTestId('ops-members').getByText('尚无登记的观察节点').waitFor()
  const refusals = page.getByTestId('ops-refusals')
  // The refusal by its name (ADR 0042), its code behind 详情.
  const wrongChain = refusals.locator('[data-testid="ops-refusal"][data-code="TX_WRONG_CHAIN"]').first()
  await wrongChain.waitFor()
  assert.equal(await wrongChain.getByTestId('ops-refusal-name').textContent(), '交易属于另一条链')
  assert.equal(await wrongChain.locator('details code').isVisible(), false)
  await wrongChain.locator('summary').click()
  assert.equal(await wrongChain.locator('details code').textContent(), 'TX_WRONG_CHAIN')
  await f.shot('ops')
  assert.deepEqual(f.pageErrors, [])
})
