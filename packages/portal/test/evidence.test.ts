/**
 * Issue 17 in real Chromium against a real 4-node network: housing's officer picks a file on the
 * evidence page (hashed in the browser, never uploaded), records it and receives its certificate
 * with the QR; the certificate, downloaded and uploaded again with the same file, holds — checked
 * in the browser against the trusted validators and by the node; with a changed file it does not,
 * and the content check names the reason.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { type PortalFixture, startPortalFixture } from './helpers.ts'

let f: PortalFixture
before(async () => {
  f = await startPortalFixture({ suite: 'gm' })
})
after(async () => {
  await f?.close()
})

const file = (name: string, text: string) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(text) })

test('record a file, get its certificate, check it; a changed file fails', async () => {
  const { page } = f
  await page.goto(`${f.portal.url}/login`)
  await page.getByTestId('login-officer:housing').click()
  await page.getByTestId('current-identity').waitFor()
  await page.goto(`${f.portal.url}/evidence`)
  assert.equal(await page.getByTestId('nav-evidence').getAttribute('aria-current'), 'page')
  // Demo mode (a --dev network) is marked on every page (ADR 0032).
  assert.match((await page.getByTestId('demo-banner').textContent())!, /演示模式 \/ Demo mode/)

  const original = file('执法记录.txt', '现场执法记录 2026-12-04 朝阳区某工地')
  await page.getByTestId('evidence-record-file').setInputFiles(original)
  await page.getByTestId('evidence-record-kind').selectOption('enforcement-record')
  await page.getByTestId('evidence-record').click()
  const cert = page.getByTestId('evidence-certificate')
  await cert.waitFor()
  const id = await cert.getAttribute('data-id')
  assert.match(id ?? '', /^[0-9a-f]{64}$/)
  assert.ok(await page.getByTestId('evidence-certificate-qr').isVisible(), 'the QR is shown')

  // The downloaded certificate is a file a court receives.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('evidence-certificate-download').click(),
  ])
  const saved = await download.path()
  const json = JSON.parse(readFileSync(saved, 'utf8'))
  assert.equal(json.format, 'govchain-evidence-certificate')
  assert.equal(json.id, id)

  // Checked with the same file: it holds, in the browser and at the node.
  await page.getByTestId('evidence-verify-cert').setInputFiles(saved)
  await page.getByTestId('evidence-verify-file').setInputFiles(original)
  await page.getByTestId('evidence-verify').click()
  const verdict = page.getByTestId('evidence-cert-verdict')
  await verdict.waitFor()
  assert.equal(await verdict.getAttribute('data-verdict'), 'valid')
  for (const where of ['cert-browser', 'cert-node'])
    for (const check of ['commit', 'record', 'printed', 'content'])
      assert.equal(await page.getByTestId(`${where}-${check}`).getAttribute('data-ok'), 'true', `${where} ${check}`)

  // A changed file: the certificate does not hold, and the content check says why.
  await page
    .getByTestId('evidence-verify-file')
    .setInputFiles(file('执法记录.txt', '现场执法记录 2026-12-04 朝阳区某工地。'))
  await page.getByTestId('evidence-verify').click()
  await page.locator('[data-testid="evidence-cert-verdict"][data-verdict="invalid"]').waitFor()
  const content = page.getByTestId('cert-browser-content')
  assert.equal(await content.getAttribute('data-ok'), 'false')
  assert.match((await content.textContent()) ?? '', /EVIDENCE_CONTENT_MISMATCH/)
  assert.equal(await page.getByTestId('cert-node-content').getAttribute('data-ok'), 'false')

  // And anyone checks the file itself: recorded, by housing.
  await page.getByTestId('evidence-file').setInputFiles(original)
  await page.getByTestId('evidence-check').click()
  await page.locator('[data-testid="evidence-verdict"][data-verdict="recorded"]').waitFor()
  assert.match((await page.getByTestId('evidence-verdict').textContent()) ?? '', /housing/)
  assert.deepEqual(f.pageErrors, [])
})
