/**
 * Issue 15 item 2 in real Chromium against a real network (gm): the wallet's 下载 PDF gives the
 * printed licence — a PDF that renders (pdftoppm), whose QR decodes from the rendered page to the
 * holder's credential, that names the holder by name and never by DID, and whose seal carries
 * the fingerprint of the issuer's signature (recomputed here with SM3); 打印 loads the same PDF
 * into a print frame.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { getSuite, toHex } from '@govchain/sdk'
import { PNG } from 'pngjs'
import type { PortalFixture, SeededHolder } from './helpers.ts'
import * as h from './helpers.ts'

const holderName = '北京演示打印工程有限公司'
const tmp = mkdtempSync(join(tmpdir(), 'govchain-print-'))
let f: PortalFixture
/** The demo enterprise, holder of a 建筑业企业资质证书 in the wallet (credential on the device). */
let holder: SeededHolder
let licenseId = ''
let credential = ''

before(async () => {
  ;({ fixture: f, holder } = await h.startEnterpriseHolderFixture('gm'))
  ;({ licenseId, credential } = await h.issueHolderLicense(f, holder, {
    alias: 'jzqyzz',
    fields: { enterpriseName: holderName },
  }))
  await h.loginHolderWithCredential(f, f.page, holder, { licenseId, credential })
})
after(async () => {
  await f?.close()
  rmSync(tmp, { recursive: true, force: true })
})

test('wallet 下载 PDF: a PDF that renders, QR decodes, holder by name, seal fingerprint; 打印 frames it', async () => {
  const { page } = f
  await page.goto(`${f.portal.url}/wallet`)
  const card = page.locator(`[data-testid="wallet-licence"][data-id="${licenseId}"]`)
  const [download] = await Promise.all([page.waitForEvent('download'), card.getByTestId('download-pdf').click()])
  assert.equal(download.suggestedFilename(), `licence-${licenseId}.pdf`)
  const file = join(tmp, 'licence.pdf')
  await download.saveAs(file)
  const bytes = readFileSync(file)
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-')
  const text = execFileSync('pdftotext', ['-layout', file, '-']).toString()
  assert.ok(text.includes(holderName), `holder by name:\n${text}`)
  assert.ok(!text.includes(holder.did), 'no DID on the face')
  assert.ok(text.includes(`证照编号 ${licenseId}`))
  assert.ok(text.includes('建筑业企业资质证书'))
  // The seal's fingerprint: SM3 of the issuer's signature bytes, first 12 hex digits.
  const sig = Buffer.from(credential.split('~')[0]!.split('.')[2]!, 'base64url')
  const fp = toHex(getSuite('gm').hash(new Uint8Array(sig)))
    .slice(0, 12)
    .toUpperCase()
  assert.ok(text.includes(`签名指纹 ${fp}`), `seal fingerprint ${fp}:\n${text}`)
  execFileSync('pdftoppm', ['-png', '-r', '300', '-singlefile', file, join(tmp, 'licence')])
  const png = PNG.sync.read(readFileSync(join(tmp, 'licence.png')))
  const qr = h.jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data
  assert.ok(qr?.startsWith('GCL1:'), 'the QR decodes from the rendered page')
  // The node verifies what the QR carries, and the /verify page shows the same fingerprint.
  const verdict = (await (
    await fetch(`${f.net.net.nodes[1]!.apiUrl}/v1/licenses/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ qr, prove: false }),
    })
  ).json()) as { verdict: string }
  assert.equal(verdict.verdict, 'valid')
  await page.goto(`${f.portal.url}/verify?qr=${encodeURIComponent(qr!)}`)
  assert.equal(await page.getByTestId('seal-fingerprint').textContent(), fp)

  await page.goto(`${f.portal.url}/wallet`)
  await card.getByTestId('print-pdf').click()
  const src = await page.getByTestId('print-frame').getAttribute('src')
  assert.match(src ?? '', /^blob:/)
  // The frame navigates to the PDF (the print dialog itself is the browser's, not the page's).
  const deadline = Date.now() + 10_000
  while (!page.frames().some((fr) => fr.url() === src) && Date.now() < deadline) await page.waitForTimeout(100)
  assert.ok(
    page.frames().some((fr) => fr.url() === src),
    page
      .frames()
      .map((fr) => fr.url())
      .join(' '),
  )
  assert.deepEqual(
    f.pageErrors.filter((e) => !e.includes('favicon')),
    [],
  )
})
