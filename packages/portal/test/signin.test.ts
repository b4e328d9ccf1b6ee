/**
 * Issue 18, "Real sign-in to the portal" (ADR 0032), in real Chromium against a real network
 * started WITHOUT --dev (keys encrypted, no demo mode):
 *  - /config.json carries no private key, the page shows no demo banner, and demo mode cannot be
 *    switched on for this network (DEV_NETWORK_ONLY);
 *  - the officer's browser makes a key: a non-extractable WebCrypto Ed25519 key in IndexedDB,
 *    which a reload keeps; its public key is shown as text and QR; it cannot sign in before it
 *    is registered (SIGNIN_KEY_UNKNOWN);
 *  - the department administrator, in another browser, imports the operator keystore file
 *    (decrypted in the page), signs in by challenge and registers the officer's key on chain
 *    (identity.addOfficer, signed by the admin's non-extractable key);
 *  - the officer signs in by challenge: the session cookie is HttpOnly and SameSite=Strict and
 *    not readable by script; a POST without the CSRF token is refused (CSRF_MISMATCH) and
 *    changes nothing; the officer records evidence (a transaction signed in the page), and after
 *    a reload is still signed in and can sign; signing out ends the session.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { toHex } from '@govchain/core'
import { type Browser, chromium, type Page } from 'playwright-core'
import { servePortal } from '../../cli/src/portal-server.ts'
import { CHROMIUM, CHROMIUM_ARGS, type PortalFixture, startPortalFixture } from './helpers.ts'

const PASSPHRASE = '部门密钥口令 signin-test'
let f: PortalFixture
let adminBrowser: Browser
before(async () => {
  f = await startPortalFixture({ suite: 'intl', orgs: 1, passphrase: PASSPHRASE })
  adminBrowser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
})
after(async () => {
  await adminBrowser?.close()
  await f?.close()
})

/** What IndexedDB holds for the key: the CryptoKey's flags, and whether export is refused. */
function keptKey(page: Page, publicKey: string) {
  return page.evaluate(async (pk) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('govchain-keys')
      r.onsuccess = () => ok(r.result)
      r.onerror = () => fail(r.error)
    })
    const rec = await new Promise<{ form: string; key: CryptoKey }>((ok, fail) => {
      const r = db.transaction('keys').objectStore('keys').get(pk)
      r.onsuccess = () => ok(r.result)
      r.onerror = () => fail(r.error)
    })
    db.close()
    const exportRefused = await crypto.subtle.exportKey('pkcs8', rec.key).then(
      () => false,
      () => true,
    )
    return {
      form: rec.form,
      type: rec.key.type,
      algorithm: rec.key.algorithm.name,
      extractable: rec.key.extractable,
      exportRefused,
    }
  }, publicKey)
}

async function post(page: Page, path: string, headers: Record<string, string> = {}) {
  return page.evaluate(
    async ([p, h]) => {
      const r = await fetch(p!, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: '{}' })
      return { status: r.status, body: (await r.json()) as { code?: string } }
    },
    [path, headers] as const,
  )
}

test('no demo keys: /config.json holds no private key, no banner, demo mode refused', async () => {
  const config = await (await fetch(`${f.portal.url}/config.json`)).text()
  assert.equal(JSON.parse(config).demo, false)
  assert.doesNotMatch(config, /privateKey/)
  for (const k of Object.values(f.net.keys)) assert.ok(!config.includes(toHex(k.privateKey)))
  await f.page.goto(`${f.portal.url}/login`)
  await f.page.getByTestId('key-generate').waitFor()
  assert.equal(await f.page.getByTestId('demo-banner').count(), 0)
  await assert.rejects(
    servePortal({ dir: f.net.dir, network: f.net.net, port: 0, demo: true }),
    (e: { code?: string }) => e.code === 'DEV_NETWORK_ONLY',
  )
})

test('an officer key made in the browser, enrolled by the admin, signs in and acts', async () => {
  const { page, context } = f
  const url = f.portal.url
  // ---- the officer's browser makes a key
  await page.goto(`${url}/login`)
  await page.getByTestId('key-generate').click()
  const shown = page.getByTestId('key-public')
  await shown.waitFor()
  const officerKey = (await shown.textContent())!.trim()
  assert.match(officerKey, /^[0-9a-f]{64}$/)
  // The public key is shown as a QR too, drawn once the lazily loaded encoder arrives.
  await page.getByTestId('key-qr').waitFor({ state: 'visible', timeout: 15_000 })
  const tag = officerKey.slice(0, 8)
  assert.deepEqual(await keptKey(page, officerKey), {
    form: 'webcrypto',
    type: 'private',
    algorithm: 'Ed25519',
    extractable: false,
    exportRefused: true,
  })
  // A reload keeps it (IndexedDB).
  await page.reload()
  await page.getByTestId(`key-signin-${tag}`).waitFor()
  assert.equal((await page.getByTestId('key-public').textContent())!.trim(), officerKey)
  // Not registered yet: refused with its code, no session.
  await page.getByTestId(`key-signin-${tag}`).click()
  await page.getByTestId('signin-error').waitFor()
  assert.match((await page.getByTestId('signin-error').textContent())!, /SIGNIN_KEY_UNKNOWN/)
  assert.equal((await context.cookies(url)).length, 0)

  // ---- the administrator imports the operator keystore, signs in and enrols the key
  const org = f.net.net.nodes[0]!.orgId
  const adminContext = await adminBrowser.newContext({ locale: 'zh-CN' })
  const admin = await adminContext.newPage()
  admin.setDefaultTimeout(60_000)
  await admin.goto(`${url}/login`)
  const keystore = readFileSync(join(f.net.dir, 'keys', `${org}.operator.json`), 'utf8')
  assert.match(keystore, /govchain-keystore/)
  await admin.getByTestId('key-import-file').setInputFiles({
    name: `${org}.operator.json`,
    mimeType: 'application/json',
    buffer: Buffer.from(keystore),
  })
  await admin.getByTestId('key-import-passphrase').fill(PASSPHRASE)
  await admin.getByTestId('key-import').click()
  const adminKey = toHex(f.net.keys[org]!.publicKey)
  await admin.getByTestId(`key-signin-${adminKey.slice(0, 8)}`).click()
  await admin.getByTestId('current-identity').waitFor()
  assert.equal((await keptKey(admin, adminKey)).extractable, false)
  await admin.goto(`${url}/officers/enrol`)
  await admin.getByTestId('enrol-officer-id').fill(`${org}-clerk`)
  await admin.getByTestId('enrol-public-key').fill(officerKey)
  await admin.getByTestId('enrol-submit').click()
  await admin.getByTestId('enrol-done').waitFor()
  await adminContext.close()

  // ---- the officer signs in by challenge
  await page.getByTestId(`key-signin-${tag}`).click()
  await page.getByTestId('current-identity').waitFor()
  assert.match((await page.getByTestId('current-identity').textContent())!, new RegExp(`${org}-clerk`))
  const cookies = await context.cookies(url)
  assert.equal(cookies.length, 1)
  const [cookie] = cookies
  assert.equal(cookie!.name, 'govchain_session')
  assert.equal(cookie!.httpOnly, true)
  assert.equal(cookie!.sameSite, 'Strict')
  assert.equal(await page.evaluate(() => document.cookie), '', 'script cannot read the session cookie')

  // A state-changing POST without the CSRF token is refused and changes nothing.
  const noToken = await post(page, '/session/logout')
  assert.deepEqual([noToken.status, noToken.body.code], [403, 'CSRF_MISMATCH'])
  const wrongToken = await post(page, `/gateway/${org}/v1/local/fetch`, { 'x-csrf-token': 'ab'.repeat(32) })
  assert.deepEqual([wrongToken.status, wrongToken.body.code], [403, 'CSRF_MISMATCH'])
  const still = await page.evaluate(async () => (await (await fetch('/session')).json()).signedIn)
  assert.equal(still, true, 'the refused POSTs left the session as it was')

  // The officer records evidence: a transaction signed in the page with the non-extractable key.
  const record = async (text: string) => {
    await page.goto(`${url}/evidence`)
    await page
      .getByTestId('evidence-record-file')
      .setInputFiles({ name: 'record.txt', mimeType: 'text/plain', buffer: Buffer.from(text) })
    await page.getByTestId('evidence-record').click()
    await page.getByTestId('evidence-certificate').waitFor()
    return page.getByTestId('evidence-certificate').getAttribute('data-id')
  }
  assert.match((await record('现场检查记录 一')) ?? '', /^[0-9a-f]{64}$/)

  // After a reload the session and the key are still there: the officer signs again.
  await page.reload()
  await page.getByTestId('current-identity').waitFor()
  assert.match((await record('现场检查记录 二')) ?? '', /^[0-9a-f]{64}$/)

  // Signing out (a POST with the token) ends the session.
  await page.getByTestId('current-identity').getByRole('button').click()
  await page.getByTestId('login-link').waitFor()
  assert.equal(await page.evaluate(async () => (await (await fetch('/session')).json()).signedIn), false)
  assert.deepEqual(
    f.pageErrors.filter((e) => !/401|403|Failed to load resource/.test(e)),
    [],
  )
})
