/**
 * Issue 17 (e-invoices) in real Chromium against a real 4-node network: the tax department has
 * registered two demo enterprises (seedInvoiceDemo). The seller logs in with its DID and issues
 * an invoice on the page (the amounts stay in the file); the buyer's finance officer sees it in
 * the buyer's list (shown without a click once the page knows the buyer's code), checks the file, and claims it (报销入账); a second claim is refused and the
 * page says why (一票多报 stopped by the chain); a picture of the invoice QR fills in the file; a
 * changed amount fails the check.
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { invoiceQr } from '@govchain/invoice/client'
import QRCode from 'qrcode'
import { type DemoEnterprise, seedInvoiceDemo } from '../../cli/src/demo/invoice.ts'
import { type PortalFixture, startPortalFixture } from './helpers.ts'

let f: PortalFixture
let seller: DemoEnterprise
let buyer: DemoEnterprise
before(async () => {
  f = await startPortalFixture({
    suite: 'gm',
    seed: async (net) => {
      ;[seller, buyer] = (await seedInvoiceDemo({ net: net.net, dir: net.dir, clients: net.clients })) as [
        DemoEnterprise,
        DemoEnterprise,
      ]
    },
  })
})
after(async () => {
  await f?.close()
})

async function login(id: string): Promise<void> {
  await f.page.goto(`${f.portal.url}/login`)
  await f.page.getByTestId(`login-${id}`).click()
  await f.page.getByTestId('current-identity').waitFor()
  await f.page.goto(`${f.portal.url}/invoice`)
}

test('issue → the buyer sees it → claim → a second claim is refused with the reason', async () => {
  const { page } = f
  await login(seller.id)
  await page.getByTestId('invoice-issue-buyer').fill(buyer.code)
  await page.getByTestId('invoice-issue-buyer-name').fill(buyer.name)
  await page.getByTestId('invoice-line-item-0').fill('*信息技术服务*软件开发')
  await page.getByTestId('invoice-line-quantity-0').fill('2')
  await page.getByTestId('invoice-line-price-0').fill('5000')
  await page.getByTestId('invoice-line-rate-0').selectOption('6%')
  assert.match((await page.getByTestId('invoice-issue-total').textContent()) ?? '', /10000\.00.*600\.00/)
  await page.getByTestId('invoice-issue').click()
  const issued = page.getByTestId('invoice-issued')
  await issued.waitFor()
  const number = (await issued.getAttribute('data-number')) ?? ''
  assert.match(number, /^[0-9]{20}$/)
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('invoice-issued-download').click(),
  ])
  const filePath = await download.path()
  const file = JSON.parse(readFileSync(filePath, 'utf8'))
  assert.equal(file.amountFen, 1_000_000)
  assert.equal(file.taxFen, 60_000)
  assert.equal(file.buyer.code, buyer.code)

  // The buyer's finance officer: the invoice is in its list, the file checks, it claims once.
  // Its list shows on its own once the page knows the buyer's code; a search finds it again.
  await login(buyer.id)
  await page.locator(`[data-testid="invoice-row"][data-status="issued"]`).first().waitFor()
  assert.equal(await page.getByTestId('invoice-who').inputValue(), buyer.code)
  assert.match((await page.getByTestId('invoice-list').textContent()) ?? '', new RegExp(number))
  await page.getByTestId('invoice-search').click()
  await page.locator(`[data-testid="invoice-row"][data-status="issued"]`).first().waitFor()
  assert.match((await page.getByTestId('invoice-list').textContent()) ?? '', new RegExp(number))
  await page.getByTestId('invoice-file').setInputFiles(filePath)
  await page.getByTestId('invoice-verify').click()
  await page.locator('[data-testid="invoice-verdict"][data-verdict="valid"]').waitFor()
  await page.getByTestId('invoice-claim').click()
  await page.getByTestId('invoice-claim-ok').waitFor()
  // Claiming again: refused by the chain, and the page says why.
  await page.getByTestId('invoice-claim').click()
  const refused = page.getByTestId('invoice-claim-error')
  await refused.waitFor()
  assert.equal(await refused.getAttribute('data-refused'), 'true')
  assert.match((await refused.textContent()) ?? '', /INVOICE_ALREADY_CLAIMED/)
  assert.match((await refused.textContent()) ?? '', /一票不能多报/)
  // A fresh check shows who claimed it.
  await page.getByTestId('invoice-verify').click()
  await page.getByTestId('invoice-claimed').waitFor()
  assert.match((await page.getByTestId('invoice-claimed').textContent()) ?? '', new RegExp(buyer.code))

  // From paper: a picture of the printed QR fills in the file, which checks valid (and claimed).
  const png = await QRCode.toBuffer(invoiceQr(file), { errorCorrectionLevel: 'M', scale: 4, margin: 2 })
  await page.getByTestId('invoice-text').fill('')
  await page.getByTestId('invoice-qr-image').setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: png })
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="invoice-text"]') as HTMLTextAreaElement | null)?.value.includes(
      'govchain-invoice/1',
    ),
  )
  await page.getByTestId('invoice-verify').click()
  await page.locator('[data-testid="invoice-verdict"][data-verdict="valid"]').waitFor()
  await page.getByTestId('invoice-claimed').waitFor()

  // A changed amount does not open the commitment.
  const forged = join(f.net.dir, 'forged-invoice.json')
  writeFileSync(forged, JSON.stringify({ ...file, amountFen: 100_000, lines: file.lines }))
  await page.getByTestId('invoice-file').setInputFiles(forged)
  await page.getByTestId('invoice-verify').click()
  await page.locator('[data-testid="invoice-verdict"][data-verdict="mismatch"]').waitFor()
  assert.match((await page.getByTestId('invoice-reasons').textContent()) ?? '', /INVOICE_AMOUNT_MISMATCH/)
  assert.deepEqual(f.pageErrors, [])
})
