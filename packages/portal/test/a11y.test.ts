/**
 * Issue 15 (should work): phones, accessibility, page weight and feedback, in real Chromium
 * against a real 4-node network.
 *
 * - Every page, at 1280 px and at 390 px (a phone), as the visitor who sees its content: axe-core
 *   (the npm package, injected into the page; nothing is downloaded) finds no serious or critical
 *   violation, and at 390 px nothing scrolls sideways.
 * - The navigation folds behind a menu button on a phone (aria-expanded) and marks the page shown
 *   (aria-current="page").
 * - A dialog takes focus, keeps it on Tab and Shift+Tab, closes on Escape and gives focus back.
 * - A transaction says "正在上链…" while on its way, then a toast gives its block.
 * - The home page's first load comes compressed (brotli or gzip, Vary: Accept-Encoding, hashed
 *   assets immutable) and within 150 KB gzipped, and carries no QR or page code of other pages.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { PORTAL_DIST } from '../../cli/src/portal-server.ts'
import {
  axeViolations,
  issueHolderLicense,
  loginHolderWithCredential,
  type PortalFixture,
  type SeededHolder,
  seedHolders,
  startPortalFixture,
} from './helpers.ts'

const HOME_BUDGET_GZIP = 150 * 1024
const WIDTHS = [1280, 390] as const

let f: PortalFixture
let enterprise: SeededHolder
let issued: { licenseId: string; credential: string }
let txHash: string
let txHeight: number

before(async () => {
  let holders: SeededHolder[] = []
  f = await startPortalFixture({
    suite: 'gm',
    seed: async (net) => {
      holders = await seedHolders(net)
    },
  })
  enterprise = holders.find((h) => h.kind === 'enterprise')!
  issued = await issueHolderLicense(f, enterprise)
  // A block with a transaction in it, for the block and transaction pages.
  const client = f.net.clients[f.net.net.nodes[0]!.name]!
  const latest = await client.block('latest')
  for (let h = latest.height; h >= 1; h--) {
    const b = await client.block(h)
    if (b.txHashes.length > 0) {
      txHash = b.txHashes[0]!
      txHeight = h
      break
    }
  }
  assert.ok(txHash !== undefined, 'a block with a transaction')
})
after(async () => {
  await f?.close()
})

/** Logs in as `id` (a demo identity), or out when undefined, for the next page load. */
async function loginAs(page: Page, id: string | undefined): Promise<void> {
  if (id === enterprise.id) {
    await loginHolderWithCredential(f, page, enterprise, issued)
    return
  }
  await page.goto(`${f.portal.url}/login`)
  // The login page's own chunk has loaded once its heading shows.
  await page.locator('main h1').waitFor()
  await page.evaluate((x) => {
    if (x === null) sessionStorage.removeItem('govchain.identity')
    else sessionStorage.setItem('govchain.identity', x)
  }, id ?? null)
}

/** Waits until the page shows its content: a heading in main and nothing still loading. */
async function settle(page: Page): Promise<void> {
  await page.locator('main h1, main h2').first().waitFor()
  await page
    .waitForFunction(() => document.querySelector('main [aria-busy="true"]') === null, undefined, { timeout: 5_000 })
    .catch(() => {})
  await page.waitForTimeout(300)
}

/** At the current width: the page is no wider than the window; else the elements that stick out. */
async function sideways(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const root = document.scrollingElement!
    if (root.scrollWidth <= root.clientWidth) return undefined
    const out: string[] = []
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect()
      if (r.right > root.clientWidth + 1 && out.length < 6) {
        const id = el.getAttribute('data-testid') ?? el.className
        out.push(`${el.tagName.toLowerCase()}.${String(id).slice(0, 40)} right=${Math.round(r.right)}`)
      }
    }
    return `scrollWidth ${root.scrollWidth} > ${root.clientWidth}: ${out.join('; ')}`
  })
}

test('every page, at desktop and phone widths: no serious axe violation, no sideways scrolling', async () => {
  const { page } = f
  const pages: { path: string; as?: string }[] = [
    { path: '/' },
    { path: '/login' },
    { path: '/explorer' },
    { path: `/explorer/block/${txHeight}` },
    { path: `/explorer/tx/${txHash}` },
    { path: '/verify' },
    { path: '/evidence' },
    { path: '/invoice' },
    { path: '/service' },
    { path: '/sharing/catalog' },
    { path: '/sharing/audit' },
    { path: '/wallet', as: enterprise.id },
    { path: '/sharing/my-data', as: enterprise.id },
    { path: '/invoice', as: enterprise.id },
    { path: '/service', as: enterprise.id },
    { path: '/issuer', as: 'officer:housing' },
    { path: '/sharing/requests', as: 'officer:housing' },
    { path: '/service', as: 'officer:housing' },
    { path: '/ops', as: 'officer:housing' },
  ]
  const problems: string[] = []
  let who: string | undefined = 'nobody'
  for (const p of pages) {
    if (p.as !== who) {
      await loginAs(page, p.as)
      who = p.as
    }
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 860 })
      await page.goto(`${f.portal.url}${p.path}`)
      await settle(page)
      for (const v of await axeViolations(page)) {
        problems.push(
          `${p.path} (${p.as ?? 'visitor'}) @${width}: ${v.impact} ${v.id} (${v.help}) ${v.nodes.join(' | ')}`,
        )
      }
      if (width === 390) {
        const wide = await sideways(page)
        if (wide !== undefined) problems.push(`${p.path} (${p.as ?? 'visitor'}) @390 scrolls sideways: ${wide}`)
        await f.shot(`phone${p.path.replaceAll('/', '-')}-${p.as ?? 'visitor'}`)
      }
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 })
  assert.deepEqual(problems, [])
})

test('phone: the navigation folds behind a menu button; the page shown is aria-current', async () => {
  const { page } = f
  await loginAs(page, undefined)
  await page.setViewportSize({ width: 390, height: 860 })
  await page.goto(`${f.portal.url}/explorer`)
  const toggle = page.getByTestId('nav-toggle')
  const list = page.locator('#mainnav-list')
  await toggle.waitFor()
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false')
  assert.equal(await list.isVisible(), false, 'folded on a phone')
  await toggle.click()
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true')
  assert.equal(await list.isVisible(), true)
  assert.equal(await page.getByTestId('nav-explorer').getAttribute('aria-current'), 'page')
  assert.equal(await page.getByTestId('nav-home').getAttribute('aria-current'), null)
  // Choosing a page goes there and folds the menu again.
  await page.getByTestId('nav-verify').click()
  await page.waitForURL(/\/verify$/)
  // The URL changes before React renders the new page; the menu folds in that render's effect.
  await page.locator('[data-testid="nav-toggle"][aria-expanded="false"]').waitFor({ timeout: 10_000 })
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false')
  assert.equal(await list.isVisible(), false)
  assert.equal(await page.getByTestId('nav-verify').getAttribute('aria-current'), 'page')
  // A table becomes a list of cards, each value labelled with its column.
  await page.goto(`${f.portal.url}/explorer`)
  const cell = page.getByTestId('node-height').first()
  await cell.waitFor()
  assert.equal(await cell.evaluate((el) => getComputedStyle(el).display), 'grid')
  assert.equal(await cell.evaluate((el) => getComputedStyle(el, '::before').content), `"${'高度'}"`)
  // On a desktop the bar shows every entry and no menu button.
  await page.setViewportSize({ width: 1280, height: 900 })
  assert.equal(await toggle.isVisible(), false)
  assert.equal(await list.isVisible(), true)
})

test('a dialog takes and keeps focus, closes on Escape and gives focus back; a transaction reports progress and a toast', async () => {
  const { page } = f
  await loginAs(page, 'officer:housing')
  await page.goto(`${f.portal.url}/issuer`)
  const row = page.locator(`[data-testid="issued-row"][data-id="${issued.licenseId}"]`)
  await row.getByTestId('manage').click()
  const opener = row.getByTestId('revoke')
  await opener.click()
  const dialog = page.getByTestId('confirm-revoke')
  await dialog.waitFor()
  const inDialog = () =>
    page.evaluate(() => document.querySelector('[role="dialog"]')?.contains(document.activeElement) === true)
  assert.equal(await inDialog(), true, 'the dialog takes focus')
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab')
    assert.equal(await inDialog(), true, `Tab ${i + 1} stays in the dialog`)
  }
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Shift+Tab')
    assert.equal(await inDialog(), true, `Shift+Tab ${i + 1} stays in the dialog`)
  }
  // A click outside does not take focus out of it either.
  await page.mouse.click(5, 5)
  assert.equal(await inDialog(), true, 'focus comes back to the dialog')
  assert.deepEqual(await axeViolations(page), [])
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'detached' })
  assert.equal(await opener.evaluate((el) => el === document.activeElement), true, 'focus goes back to 注销')

  // Feedback: "正在上链…" while the transaction travels, then a toast with its block.
  await page.evaluate(() => {
    const w = window as unknown as { sawProgress: string[] }
    w.sawProgress = []
    new MutationObserver(() => {
      const p = document.querySelector('[data-testid="tx-progress"]')
      if (p !== null) w.sawProgress.push(p.textContent ?? '')
    }).observe(document.body, { childList: true, subtree: true })
  })
  await opener.click()
  await page.getByTestId('reason-code').selectOption('authority_decision')
  await page.getByTestId('manage-reason').fill('资质条件不再满足')
  await page.getByTestId('confirm-revoke-yes').click()
  const toast = page.getByTestId('toast').first()
  await toast.waitFor({ timeout: 40_000 })
  assert.match((await toast.textContent()) ?? '', /交易已上链，区块高度 \d+/)
  const saw = await page.evaluate(() => (window as unknown as { sawProgress: string[] }).sawProgress)
  assert.ok(
    saw.some((x) => x.includes('正在上链')),
    `progress shown while on its way: ${JSON.stringify(saw)}`,
  )
  // The console's list shows the new state without 刷新.
  await page
    .locator(`[data-testid="issued-row"][data-id="${issued.licenseId}"][data-status="revoked"]`)
    .waitFor({ timeout: 40_000 })
  assert.equal(await page.getByTestId('feedback').getAttribute('role'), 'status')
})

/** One raw HTTP GET (no decoding): status, headers and the bytes as sent. */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (ok, fail) => {
      const req = request(url, { headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', fail)
      })
      req.on('error', fail)
      req.end()
    },
  )
}

test('the home page loads compressed, within 150 KB gzipped, without the QR or other pages’ code', async () => {
  const gz = { 'accept-encoding': 'gzip, deflate' }
  const home = await rawGet(`${f.portal.url}/`, gz)
  assert.equal(home.status, 200)
  // index.html is under a kilobyte: it goes as it is (compressing it would save nothing).
  const html = (
    home.headers['content-encoding'] === 'gzip' ? (await import('node:zlib')).gunzipSync(home.body) : home.body
  ).toString('utf8')
  assert.match(String(home.headers.vary), /accept-encoding/i)
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), html)
  let total = home.body.length
  for (const a of assets) {
    const r = await rawGet(`${f.portal.url}${a}`, gz)
    const plain = await rawGet(`${f.portal.url}${a}`, {})
    assert.equal(r.status, 200, a)
    assert.equal(plain.headers['content-encoding'], undefined, a)
    // Files under a kilobyte go as they are; the rest compressed.
    assert.equal(r.headers['content-encoding'], plain.body.length < 1024 ? undefined : 'gzip', a)
    assert.match(String(r.headers.vary), /accept-encoding/i, a)
    assert.match(String(r.headers['cache-control']), /immutable/, a)
    total += r.body.length
    // Brotli for a browser that takes it, and the bytes as they are for one that takes neither.
    if (plain.body.length < 1024) continue
    const br = await rawGet(`${f.portal.url}${a}`, { 'accept-encoding': 'gzip, br' })
    assert.equal(br.headers['content-encoding'], 'br', a)
    assert.ok(br.body.length <= r.body.length, a)
    assert.equal(
      (await import('node:zlib')).brotliDecompressSync(br.body).equals(plain.body),
      true,
      `${a}: brotli decodes to the file`,
    )
  }
  assert.ok(total <= HOME_BUDGET_GZIP, `home first load ${(total / 1024).toFixed(1)} KB gzipped > 150 KB`)
  // The build's own folders are not served.
  assert.equal((await rawGet(`${f.portal.url}/.vite/manifest.json`, {})).status, 404)

  // In the browser: the home page fetches no QR library and no other page's chunk.
  const manifest = JSON.parse(readFileSync(join(PORTAL_DIST, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    { file: string; src?: string; isDynamicEntry?: boolean }
  >
  const lazyFiles = Object.values(manifest)
    .filter((c) => c.isDynamicEntry)
    .map((c) => c.file)
  assert.ok(lazyFiles.some((x) => /jsQR|browser/i.test(x)) && lazyFiles.length >= 8, JSON.stringify(lazyFiles))
  const { page } = f
  await loginAs(page, undefined)
  const fetched: string[] = []
  const onRequest = (r: { url(): string }) => fetched.push(new URL(r.url()).pathname)
  page.on('request', onRequest)
  await page.goto(`${f.portal.url}/`)
  await page.getByTestId('service-verify').waitFor()
  page.off('request', onRequest)
  assert.deepEqual(
    fetched.filter((p) => lazyFiles.some((x) => p.endsWith(x))),
    [],
    'the home page loads no lazily loaded chunk',
  )
  // A page that draws a QR loads it when visited.
  const later: string[] = []
  page.on('request', (r) => later.push(new URL(r.url()).pathname))
  await page.getByTestId('service-verify').click()
  await page.waitForURL(/\/verify$/)
  await page.locator('main h1').waitFor()
  assert.ok(
    later.some((p) => /Verify/.test(p)),
    `the verify page's chunk loads on the visit: ${later.join(' ')}`,
  )
  assert.deepEqual(f.pageErrors, [])
})
