/**
 * Issue 15 item 6 in real Chromium against a real network (gm: SM2 tokens): the wallet's default
 * 亮证 QR is a short verify URL with a countdown; the QR decoded from a screenshot opens /verify,
 * which verifies it (node and browser) as valid; a code signed a minute and more ago verifies as
 * expired ("已过期，请让持证人刷新"); 扫码 reads the code through the camera path (Chromium's
 * fake capture device playing a Y4M frame this test draws); with no camera the page says so.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium, type Page } from 'playwright-core'
import { PNG } from 'pngjs'
import {
  issueHolderLicense,
  jsQR,
  loginHolderWithCredential,
  type PortalFixture,
  type SeededHolder,
  startEnterpriseHolderFixture,
  y4mOf,
} from './helpers.ts'

let f: PortalFixture
let holder: SeededHolder
let licenseId = ''
let credential = ''
const tmp = mkdtempSync(join(tmpdir(), 'govchain-qr-'))

before(async () => {
  ;({ fixture: f, holder } = await startEnterpriseHolderFixture('gm'))
  // The licence, issued with the SDK by housing's officer; its credential goes on the holder's device.
  ;({ licenseId, credential } = await issueHolderLicense(f, holder))
  await asHolder(f.page)
})
after(async () => {
  await f?.close()
  rmSync(tmp, { recursive: true, force: true })
})

/** Logs `page` in as the holder, with the credential on the device. */
async function asHolder(page: Page): Promise<void> {
  await loginHolderWithCredential(f, page, holder, { licenseId, credential })
}

/** A separate Chromium (its own clock and devices), with the fixture's flags plus `extra`. */
function launch(extra: string[] = []) {
  return chromium.launch({
    executablePath: process.env.GOVCHAIN_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extra],
  })
}

/** Opens the wallet's QR and reads the short code from a screenshot of it, as a phone would. */
async function shortCodeFromWallet(page: Page): Promise<{ url: string; seconds: number }> {
  await page.goto(`${f.portal.url}/wallet`)
  const card = page.locator(`[data-testid="wallet-licence"][data-id="${licenseId}"]`)
  await card.getByTestId('show-qr').click()
  const img = card.getByTestId('qr-short-image')
  await img.waitFor()
  const png = PNG.sync.read(await img.screenshot())
  const url = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data
  assert.ok(url !== undefined, 'the short QR decodes from a screenshot')
  assert.equal(url, await card.getByTestId('qr-short-url').textContent())
  const seconds = Number(await card.getByTestId('qr-countdown').getAttribute('data-seconds'))
  return { url, seconds }
}

async function verdictOf(page: Page): Promise<{ verdict: string; text: string }> {
  const v = page.locator('[data-testid="verdict"][data-kind="presentation"]')
  await v.waitFor()
  return { verdict: (await v.getAttribute('data-verdict')) ?? '', text: (await v.textContent()) ?? '' }
}

let freshUrl = ''

test('the wallet shows the short code with a countdown; opened, it verifies as valid', async () => {
  const { page } = f
  const { url, seconds } = await shortCodeFromWallet(page)
  console.log(`short QR URL: ${url.length} chars`)
  assert.ok(url.startsWith(`${f.portal.url}/verify?c=${licenseId}&`), url)
  assert.ok(url.length <= 320, `${url.length} chars`)
  assert.ok(seconds > 40 && seconds <= 55, `countdown ${seconds}`)
  assert.match((await page.getByTestId('qr-countdown').textContent()) ?? '', /秒后自动刷新/)
  // The countdown runs.
  await page.waitForFunction(
    (s) => Number(document.querySelector('[data-testid="qr-countdown"]')?.getAttribute('data-seconds')) < s,
    seconds,
    { timeout: 3_000 },
  )
  // The long offline QR stays as the second choice.
  await page.getByTestId('qr-mode-long').click()
  assert.match((await page.getByTestId('qr-payload').inputValue()) ?? '', /^GCL1:/)
  await f.shot('wallet-short-qr')

  await page.goto(url)
  const r = await verdictOf(page)
  assert.equal(r.verdict, 'valid', r.text)
  await page.locator('[data-testid="check-browser-proof"][data-ok="true"]').waitFor()
  await page.locator('[data-testid="check-signature"][data-ok="true"]').waitFor()
  freshUrl = url
  await f.shot('verify-short-valid')
})

test('a code signed more than a minute ago verifies as expired: 已过期，请让持证人刷新', async () => {
  // The wallet's clock (its own browser) set 2 minutes back: the code it draws now is already stale.
  const browser = await launch()
  let url: string
  try {
    const wallet = await browser.newPage({ locale: 'zh-CN' })
    await wallet.clock.install({ time: Date.now() - 120_000 })
    await asHolder(wallet)
    url = (await shortCodeFromWallet(wallet)).url
    // Its clock running on past the refresh point, the wallet signs a new code.
    await wallet.clock.fastForward(60_000)
    await wallet.waitForFunction(
      (old) => document.querySelector('[data-testid="qr-short-url"]')?.textContent !== old,
      url,
      { timeout: 5_000 },
    )
  } finally {
    await browser.close()
  }
  const { page } = f
  await page.goto(url)
  const r = await verdictOf(page)
  assert.equal(r.verdict, 'presentation_expired', r.text)
  assert.match(r.text, /已过期，请让持证人刷新/)
  assert.match((await page.getByTestId('verdict-reasons').textContent()) ?? '', /LICENSE_PRESENTATION_EXPIRED/)
  // An altered code (another nonce) is invalid, not expired.
  await page.goto(freshUrl.replace(/jti=[^&]+/, 'jti=AAAAAAAAAAAAAAAA'))
  const bad = await verdictOf(page)
  assert.equal(bad.verdict, 'invalid', bad.text)
  assert.match((await page.getByTestId('verdict-reasons').textContent()) ?? '', /LICENSE_PRESENTATION_BAD_SIGNATURE/)
  await f.shot('verify-short-expired')
})

test('扫码: the camera path reads the code and verifies it; with no camera the page says so', async () => {
  // No fake device in the fixture's browser: the page explains instead of failing silently.
  const { page } = f
  await page.goto(`${f.portal.url}/verify`)
  await page.getByTestId('scan-button').click()
  const problem = page.getByTestId('scan-problem')
  await problem.waitFor()
  assert.match((await problem.getAttribute('data-problem')) ?? '', /^(denied|noCamera)$/)
  await page.keyboard.press('Escape')
  await page.getByTestId('scanner').waitFor({ state: 'detached' })

  // A fresh code (the earlier one may be near its end), played by Chromium's fake camera.
  const { url } = await shortCodeFromWallet(page)
  const video = join(tmp, 'qr.y4m')
  writeFileSync(video, y4mOf(url))
  const browser = await launch([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ])
  try {
    const cam = await browser.newPage({ locale: 'zh-CN' })
    await cam.goto(`${f.portal.url}/verify`)
    await cam.getByTestId('scan-button').click()
    const r = await verdictOf(cam)
    assert.equal(r.verdict, 'valid', `${r.text} ${url} now ${Date.now()}`)
    assert.equal(await cam.getByTestId('verify-input').inputValue(), url)
    // Found: the stream is stopped and the scanner gone.
    assert.equal(await cam.getByTestId('scanner').count(), 0)
  } finally {
    await browser.close()
  }
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})
