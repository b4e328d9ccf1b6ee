/**
 * Issue 18, "Real sign-in to the portal" (ADR 0032) on the gm suite, in real Chromium against a
 * real network started WITHOUT --dev. No browser has SM2, so a gm key is kept in IndexedDB as an
 * ADR 0023 keystore (PBKDF2-HMAC-SM3 + SM4-GCM) and opened in the page with its passphrase:
 *  - the officer's browser makes a gm key under a passphrase: IndexedDB holds the keystore
 *    (sm4-gcm, pbkdf2 with hmac-sm3), never the key in clear;
 *  - the administrator imports the operator keystore file: IndexedDB keeps the file as it came
 *    (the operator's private key, in bytes or hex, is nowhere in it); a wrong passphrase signs
 *    nobody in; with the right one the administrator signs in and enrols the officer's key on
 *    chain (identity.addOfficer, signed in the page);
 *  - the officer signs in with the passphrase and records evidence (a transaction signed in the
 *    page with SM2), found on chain.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { toHex } from '@govchain/core'
import type { Page } from 'playwright-core'
import { type PortalFixture, startPortalFixture } from './helpers.ts'

const PASSPHRASE = '部门密钥口令 gm-signin-test'
const OFFICER_PASSPHRASE = '科员口令 officer-gm-key'
let f: PortalFixture
before(async () => {
  f = await startPortalFixture({ suite: 'gm', orgs: 1, passphrase: PASSPHRASE })
  // PBKDF2-HMAC-SM3 (600,000 iterations) runs in JavaScript on the page's main thread.
  f.page.setDefaultTimeout(90_000)
})
after(async () => {
  await f?.close()
})

/**
 * Moves within the page (history.pushState + popstate, as the app's links do): a keystore-form
 * key is opened for the page's lifetime, so a reload needs the passphrase again (the unlock bar).
 */
async function go(page: Page, path: string): Promise<void> {
  await page.evaluate((p) => {
    history.pushState(null, '', p)
    dispatchEvent(new PopStateEvent('popstate'))
  }, path)
}

/** The IndexedDB record of a kept key, as stored (JSON; a CryptoKey would not serialise). */
function keptRecord(page: Page, publicKey: string): Promise<string> {
  return page.evaluate(async (pk) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('govchain-keys')
      r.onsuccess = () => ok(r.result)
      r.onerror = () => fail(r.error)
    })
    const rec = await new Promise<unknown>((ok, fail) => {
      const r = db.transaction('keys').objectStore('keys').get(pk)
      r.onsuccess = () => ok(r.result)
      r.onerror = () => fail(r.error)
    })
    db.close()
    return JSON.stringify(rec)
  }, publicKey)
}

test('gm: keys kept as SM4-GCM keystores in IndexedDB; enrol, sign in with the passphrase, sign a transaction', async () => {
  const { page } = f
  const url = f.portal.url
  const org = f.net.net.nodes[0]!.orgId

  // ---- the officer's browser makes a gm key under a passphrase
  await page.goto(`${url}/login`)
  await page.getByTestId('key-generate-passphrase').fill(OFFICER_PASSPHRASE)
  await page.getByTestId('key-generate').click()
  const shown = page.getByTestId('key-public')
  await shown.waitFor()
  const officerKey = (await shown.textContent())!.trim()
  assert.match(officerKey, /^04[0-9a-f]{128}$/, 'an SM2 public key (uncompressed point)')
  const officerTag = officerKey.slice(0, 8)
  const kept = JSON.parse(await keptRecord(page, officerKey)) as {
    form: string
    keystore: {
      suite: string
      crypto: { kdf: { function: string; params: { prf?: string } }; cipher: { function: string } }
    }
  }
  assert.equal(kept.form, 'keystore')
  assert.equal(kept.keystore.suite, 'gm')
  assert.equal(kept.keystore.crypto.cipher.function, 'sm4-gcm')
  assert.equal(kept.keystore.crypto.kdf.function, 'pbkdf2')
  assert.match(JSON.stringify(kept.keystore.crypto.kdf.params), /sm3/i)
  assert.doesNotMatch(JSON.stringify(kept), /privateKey/)

  // ---- the administrator imports the operator keystore: kept as it came, encrypted
  const keystore = readFileSync(join(f.net.dir, 'keys', `${org}.operator.json`), 'utf8')
  await page.getByTestId('key-import-file').setInputFiles({
    name: `${org}.operator.json`,
    mimeType: 'application/json',
    buffer: Buffer.from(keystore),
  })
  await page.getByTestId('key-import-passphrase').fill(PASSPHRASE)
  await page.getByTestId('key-import').click()
  const adminKey = toHex(f.net.keys[org]!.publicKey)
  const adminTag = adminKey.slice(0, 8)
  await page.getByTestId(`key-signin-${adminTag}`).waitFor()
  assert.match((await page.getByTestId(`key-form-${adminTag}`).textContent()) ?? '', /口令加密/)
  const adminRecord = await keptRecord(page, adminKey)
  const secret = f.net.keys[org]!.privateKey
  assert.ok(!adminRecord.includes(toHex(secret)), 'no private key hex in IndexedDB')
  assert.ok(!adminRecord.includes(Buffer.from(secret).toString('base64')), 'no private key base64 in IndexedDB')
  assert.match(adminRecord, /sm4-gcm/)

  // A wrong passphrase opens nothing and signs nobody in.
  await page.getByTestId(`key-passphrase-${adminTag}`).fill('not the passphrase')
  await page.getByTestId(`key-signin-${adminTag}`).click()
  await page.getByTestId('signin-error').waitFor()
  assert.equal(await page.evaluate(async () => (await (await fetch('/session')).json()).signedIn), false)
  await page.getByTestId(`key-passphrase-${adminTag}`).fill(PASSPHRASE)
  await page.getByTestId(`key-signin-${adminTag}`).click()
  await page.getByTestId('current-identity').waitFor()
  await go(page, '/officers/enrol')
  await page.getByTestId('enrol-officer-id').fill(`${org}-gm-clerk`)
  await page.getByTestId('enrol-public-key').fill(officerKey)
  await page.getByTestId('enrol-submit').click()
  await page.locator('[data-testid="enrol-done"], [data-testid="enrol-error"]').first().waitFor()
  const refused = page.getByTestId('enrol-error')
  assert.equal(await refused.count(), 0, (await refused.allTextContents()).join(' '))
  await page.getByTestId('current-identity').getByRole('button').click()
  await page.getByTestId('login-link').waitFor()

  // ---- the officer signs in with the passphrase and signs a transaction with SM2 in the page
  await page.goto(`${url}/login`)
  await page.getByTestId(`key-passphrase-${officerTag}`).fill(OFFICER_PASSPHRASE)
  await page.getByTestId(`key-signin-${officerTag}`).click()
  await page.getByTestId('current-identity').waitFor()
  assert.match((await page.getByTestId('current-identity').textContent())!, new RegExp(`${org}-gm-clerk`))
  await go(page, '/evidence')
  await page
    .getByTestId('evidence-record-file')
    .setInputFiles({ name: 'record.txt', mimeType: 'text/plain', buffer: Buffer.from('现场检查记录 gm') })
  await page.getByTestId('evidence-record').click()
  await page.getByTestId('evidence-certificate').waitFor()
  const id = await page.getByTestId('evidence-certificate').getAttribute('data-id')
  assert.match(id ?? '', /^[0-9a-f]{64}$/)
  const r = await fetch(`${f.net.net.nodes[0]!.apiUrl}/v1/evidence/${id}`)
  assert.equal(r.status, 200, 'the evidence is on chain')

  // ---- a reload keeps the session; signing waits until the passphrase is given again
  await page.reload()
  await page.getByTestId('unlock-bar').waitFor()
  assert.match((await page.getByTestId('current-identity').textContent())!, new RegExp(`${org}-gm-clerk`))
  await page.getByTestId('unlock-passphrase').fill('not the passphrase')
  await page.getByTestId('unlock-submit').click()
  await page.getByTestId('unlock-bar').getByRole('alert').waitFor()
  assert.equal(await page.getByTestId('unlock-bar').count(), 1, 'a wrong passphrase unlocks nothing')
  await page.getByTestId('unlock-passphrase').fill(OFFICER_PASSPHRASE)
  await page.getByTestId('unlock-submit').click()
  await page.getByTestId('unlock-bar').waitFor({ state: 'detached' })
  await page
    .getByTestId('evidence-record-file')
    .setInputFiles({ name: 'record-2.txt', mimeType: 'text/plain', buffer: Buffer.from('复查记录 gm') })
  await page.getByTestId('evidence-record').click()
  await page.locator(`[data-testid="evidence-certificate"]:not([data-id="${id}"])`).waitFor()
  const id2 = await page.getByTestId('evidence-certificate').getAttribute('data-id')
  assert.equal((await fetch(`${f.net.net.nodes[0]!.apiUrl}/v1/evidence/${id2}`)).status, 200, 'signed after unlock')
  assert.deepEqual(
    f.pageErrors.filter((e) => !/401|403|Failed to load resource/.test(e)),
    [],
  )
})
