/**
 * Explorer in real Chromium against a real 4-node network: nodes' consensus health, blocks
 * arriving live over the events WebSocket, block detail with its certificate verified in the
 * browser, transaction detail, and the language switch.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { anchorPut } from '@govchain/sdk'
import { type PortalFixture, startPortalFixture } from './helpers.ts'

let f: PortalFixture

before(async () => {
  f = await startPortalFixture({ suite: 'gm' })
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
  await page.getByText('anchor.').first().waitFor()
  await f.shot('block')

  await page.getByTestId('lang-switch').click()
  await page.getByText('Committed').waitFor()
  await page.getByTestId('lang-switch').click()
  assert.deepEqual(f.pageErrors, [])
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
  await refusals.locator('code').first().waitFor()
  assert.match((await refusals.textContent()) ?? '', /TX_|CHAIN/)
  await f.shot('ops')
  assert.deepEqual(f.pageErrors, [])
})
