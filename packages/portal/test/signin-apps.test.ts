/**
 * Issue 18, "Real sign-in to the portal" (ADRs 0032, 0037): the application pages work with keys
 * held in the browser, in real Chromium against a real 4-node intl network started WITHOUT --dev
 * (keys encrypted, no demo mode, no demo mailbox). Every signature is made in the page by a
 * non-extractable WebCrypto Ed25519 key through the one asynchronous signer:
 *  - housing's administrator imports the operator keystore and signs in; the citizen and the
 *    enterprise import their keystore files and sign in (nothing handed out by a server);
 *  - the officer issues a licence in the issuer console (the holder register's signed lookup and
 *    check, then the credential and the `issue` transaction) and hands it over as a file and a
 *    QR code (ADR 0038); another holder's import of it and a tampered copy are refused, the
 *    enterprise imports the file into its wallet (kept across a reload), shows the long offline
 *    QR (verified at /verify) and the PDF, presents it with the short code (a presentation signed in the page, valid at
 *    /verify), consents to a department's use (grantUse) and reads its grants (a signed query);
 *  - the citizen applies for a service item (consent signed in the page); the officer accepts,
 *    pulls the citizen's data through housing's gateway (a signed gateway request) and approves,
 *    issuing the item's licence (a credential and the decision); the citizen's "my cases" (a
 *    signed query) shows it approved, the wallet lists the licence, and "who used my data" (a
 *    signed challenge) lists both pulls.
 * Each action is checked on chain through the node API.
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { demoCreditCode, encryptKeystore, fromHex, getSuite, toHex } from '@govchain/core'
import { errorLabel } from '@govchain/distribution/labels'
import {
  addHolderRecords,
  type Gateway,
  gatewayDir,
  issueSubjectCredential,
  loadGatewayHome,
  openConnector,
  startGatewayFromHome,
} from '@govchain/gateway'
import { credentialFields, readHandedOverCredential } from '@govchain/license/client'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { seedServiceDemo } from '../../cli/src/demo/service.ts'
import { seedSharingDemo } from '../../cli/src/demo/sharing.ts'
import { reserveGatewayPorts } from '../../cli/src/testnet.ts'
import {
  axeViolations,
  CHROMIUM,
  CHROMIUM_ARGS,
  fillIssueForm,
  holderRecordOf,
  jsQR,
  keptLicenseIds,
  type PortalFixture,
  type SeededHolder,
  seedHolders,
  startPortalFixture,
  y4mOf,
} from './helpers.ts'

const PASSPHRASE = '部门密钥口令 apps-signin-test'
// The departments' gateways (started in this process) open their encrypted keys with it.
process.env.GOVCHAIN_PASSPHRASE = PASSPHRASE

let f: PortalFixture
const gateways: Gateway[] = []
let citizen: SeededHolder
let enterprise: SeededHolder
let person: { idNumber: string; name: string }
let officerBrowser: Browser
let officerContext: BrowserContext
let officer: Page

before(async () => {
  f = await startPortalFixture({
    suite: 'intl',
    passphrase: PASSPHRASE,
    seed: async (net) => {
      const base = await reserveGatewayPorts()
      const demo = await seedSharingDemo({
        dir: net.dir,
        net: net.net,
        clients: net.clients,
        gatewayBasePort: base,
        localBasePort: base + 50,
        people: 12,
      })
      await seedServiceDemo({ net: net.net, clients: net.clients })
      person = demo.people[2]!
      const holders = await seedHolders(net)
      citizen = holders.find((h) => h.kind === 'citizen')!
      enterprise = holders.find((h) => h.kind === 'enterprise')!
      // The departments' holder registers (off chain), in the gateways the sharing demo made.
      for (const n of net.net.nodes) {
        const connector = openConnector(loadGatewayHome(gatewayDir(n.home)))
        try {
          await addHolderRecords(connector, holders.map(holderRecordOf))
        } finally {
          await connector.close()
        }
        gateways.push(await startGatewayFromHome(gatewayDir(n.home)))
      }
      const police = net.net.nodes.find((n) => n.orgId === 'police')!
      const credential = issueSubjectCredential(
        loadGatewayHome(gatewayDir(police.home)),
        citizen.did,
        'person',
        person.idNumber,
      )
      // Listed without keys outside demo mode (servePortal drops them): names and the citizen's
      // subject credential, which is public.
      writeFileSync(
        join(net.dir, 'demo', 'identities.json'),
        JSON.stringify(holders.map((h) => (h.id === citizen.id ? { ...h, subjectCredential: credential } : h))),
      )
    },
  })
  officerBrowser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  officerContext = await officerBrowser.newContext({ locale: 'zh-CN' })
  officer = await officerContext.newPage()
  officer.setDefaultTimeout(40_000)
  f.page.setDefaultTimeout(40_000)
})
after(async () => {
  await officerBrowser?.close()
  for (const g of gateways) await g.stop().catch(() => {})
  await f?.close()
})

/**
 * Imports a keystore file on the sign-in page (opened there: a non-extractable WebCrypto key) and
 * signs in, then waits until the page shows the identity signed in as (`shownAs`: any of these
 * texts): the page may still show the identity of a session before this one, and navigating on
 * before the new session is open would act as that one.
 */
async function signInWithKeystore(
  page: Page,
  name: string,
  keystore: string,
  publicKeyHex: string,
  shownAs: string[],
): Promise<void> {
  await page.goto(`${f.portal.url}/login`)
  const tag = publicKeyHex.slice(0, 8)
  if ((await page.getByTestId(`key-signin-${tag}`).count()) === 0) {
    await page.getByTestId('key-import-file').setInputFiles({
      name,
      mimeType: 'application/json',
      buffer: Buffer.from(keystore),
    })
    await page.getByTestId('key-import-passphrase').fill(PASSPHRASE)
    await page.getByTestId('key-import').click()
  }
  assert.match((await page.getByTestId(`key-form-${tag}`).textContent()) ?? '', /WebCrypto/)
  await page.getByTestId(`key-signin-${tag}`).click()
  await page.waitForFunction((texts) => {
    const shown = document.querySelector('[data-testid="current-identity"]')?.textContent ?? ''
    return texts.some((t) => shown.includes(t))
  }, shownAs)
}

/** A holder's key as the keystore file they were given (ADR 0023), never as bytes to the page. */
function holderKeystore(h: SeededHolder): string {
  return JSON.stringify(encryptKeystore('intl', fromHex(h.privateKey), PASSPHRASE, { description: h.name }))
}

async function asHolder(h: SeededHolder): Promise<void> {
  await signInWithKeystore(f.page, `${h.id}.json`, holderKeystore(h), h.publicKey, [h.name, h.nameEn, h.did])
}

/** The text of the QR code in a PNG data URL (jsQR, as a phone's camera would read it). */
function qrOfDataUrl(src: string): string {
  const png = PNG.sync.read(Buffer.from(src.replace(/^data:image\/png;base64,/, ''), 'base64'))
  const text = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data
  assert.ok(text !== undefined, 'no QR code in the image')
  return text
}

async function chainGet<T>(path: string): Promise<T> {
  const r = await fetch(`${f.net.net.nodes[0]!.apiUrl}${path}`)
  assert.equal(r.status, 200, path)
  return (await r.json()) as T
}

test('no key reaches the page from the server; the officer signs in with the imported operator keystore', async () => {
  const config = await (await fetch(`${f.portal.url}/config.json`)).text()
  assert.equal(JSON.parse(config).demo, false)
  assert.doesNotMatch(config, /privateKey/)
  const housingKey = toHex(f.net.keys.housing!.publicKey)
  const keystore = readFileSync(join(f.net.dir, 'keys', 'housing.operator.json'), 'utf8')
  await signInWithKeystore(officer, 'housing.operator.json', keystore, housingKey, ['housing'])
  assert.match((await officer.getByTestId('current-identity').textContent()) ?? '', /housing/)
})

let issuedId = ''

test('the officer issues a licence with the browser key; the holder sees it, presents it and consents to a use', async () => {
  await officer.goto(`${f.portal.url}/issuer`)
  await officer.getByTestId('issue-form').waitFor()
  await fillIssueForm(officer, enterprise, (name) => `演示-${name}`)
  await officer.getByTestId('issue-submit').click()
  await officer.getByTestId('issued').waitFor()
  const credential = await officer.getByTestId('issued-credential').inputValue()
  issuedId = /1\.2\.156\.3005\.2\.[0-9A-Z.]+/.exec((await officer.getByTestId('issued').textContent()) ?? '')![0]
  // On chain, for this holder, with the hash of the credential the page signed.
  const rec = await chainGet<{ license: { holder: string; status: string; issuerOrg: string } }>(
    `/v1/licenses/${issuedId}`,
  )
  assert.deepEqual(
    [rec.license.holder, rec.license.status, rec.license.issuerOrg],
    [enterprise.did, 'active', 'housing'],
  )

  // Outside demo mode there is no mailbox: the console hands the credential over as a file and a QR.
  const handover = officer.getByTestId('handover')
  const [download] = await Promise.all([
    officer.waitForEvent('download'),
    handover.getByTestId('handover-download').click(),
  ])
  assert.equal(download.suggestedFilename(), `licence-${issuedId}.txt`)
  const file = await download.path()
  assert.equal(readFileSync(file, 'utf8'), credential)
  // The QR the holder's phone scans: drawn in the page, it reads back as the same credential.
  const qrText = qrOfDataUrl((await handover.getByTestId('handover-qr').getAttribute('src'))!)
  assert.ok(qrText.startsWith('GCL1:'), qrText.slice(0, 20))
  assert.equal(readHandedOverCredential(qrText), credential)
  // The hand-over panel passes axe (no serious or critical violation).
  assert.deepEqual(await axeViolations(officer), [])

  // Another holder (the citizen) cannot take the enterprise's credential into their wallet.
  await asHolder(citizen)
  await f.page.goto(`${f.portal.url}/wallet`)
  await f.page.getByTestId('import-file').setInputFiles(file)
  const refusedOther = f.page.getByTestId('import-refused')
  await refusedOther.waitFor()
  assert.equal(await refusedOther.getAttribute('data-code'), 'LICENSE_NOT_HOLDER')
  assert.match((await refusedOther.textContent()) ?? '', /另一持证主体/)
  assert.deepEqual(await keptLicenseIds(f.page, citizen.did), [])

  // The enterprise signs in with its own key: its wallet lists the licence from the chain, without the credential.
  await asHolder(enterprise)
  await f.page.goto(`${f.portal.url}/wallet`)
  const card = f.page.locator(`[data-testid="wallet-licence"][data-id="${issuedId}"]`)
  await card.getByTestId('not-on-device').waitFor()
  assert.equal(await card.getByTestId('show-qr').isDisabled(), true)
  // A tampered credential (a field's value changed) is refused with the reason; nothing is kept.
  const parts = credential.split('~')
  const d = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as [string, string, unknown]
  d[2] = '伪造的值'
  parts[1] = Buffer.from(JSON.stringify(d)).toString('base64url')
  await f.page.getByTestId('import-text').fill(parts.join('~'))
  await f.page.getByTestId('import-submit').click()
  const refusedTampered = f.page.getByTestId('import-refused')
  await refusedTampered.waitFor()
  assert.equal(await refusedTampered.getAttribute('data-code'), 'LICENSE_DISCLOSURE_INVALID')
  assert.match((await refusedTampered.textContent()) ?? '', /字段被改动过/)
  // The import form, with a refusal shown, passes axe.
  assert.deepEqual(await axeViolations(f.page), [])
  assert.deepEqual(await keptLicenseIds(f.page, enterprise.did), [])
  // The downloaded file: checked and kept on this device; the licence shows its fields.
  await f.page.getByTestId('import-file').setInputFiles(file)
  await f.page.getByTestId('import-done').waitFor()
  assert.deepEqual(await keptLicenseIds(f.page, enterprise.did), [issuedId])
  await card.locator('.licence-fields').waitFor()
  assert.match((await card.locator('.licence-fields').textContent()) ?? '', /演示-/)
  // A reload keeps it (IndexedDB).
  await f.page.reload()
  await card.locator('.licence-fields').waitFor()
  assert.equal(await card.getByTestId('not-on-device').count(), 0)
  // The long offline QR: the full credential with its record's proof; it verifies at /verify.
  await card.getByTestId('show-qr').click()
  await card.getByTestId('qr-mode-long').click()
  await card.getByTestId('qr-image').waitFor()
  const bare = (await card.getByTestId('qr-payload').inputValue()).length
  await card.getByTestId('qr-with-proof').check()
  // The proof is fetched, then drawn into the code: the payload grows.
  await f.page.waitForFunction(
    (n) =>
      ((document.querySelector('[data-testid="qr-payload"]') as HTMLTextAreaElement | null)?.value.length ?? 0) > n,
    bare,
  )
  const longQr = await card.getByTestId('qr-payload').inputValue()
  const verifyPage = await f.page.context().newPage()
  try {
    await verifyPage.goto(`${f.portal.url}/verify?qr=${encodeURIComponent(longQr)}`)
    const lv = verifyPage.getByTestId('verdict')
    await lv.waitFor({ timeout: 40_000 })
    assert.equal(await lv.getAttribute('data-verdict'), 'valid', (await lv.textContent()) ?? '')
  } finally {
    await verifyPage.close()
  }
  // 下载 PDF works with the credential on the device.
  const [pdf] = await Promise.all([f.page.waitForEvent('download'), card.getByTestId('download-pdf').click()])
  assert.equal(readFileSync(await pdf.path(), 'latin1').slice(0, 5), '%PDF-')
  await card.getByTestId('show-qr').click()
  // The short 亮证 code: a presentation signed in the page by the holder's key; it verifies.
  await card.getByTestId('show-qr').click()
  const url = (await card.getByTestId('qr-short-url').textContent())!.trim()
  assert.ok(url.startsWith(`${f.portal.url}/verify?c=${issuedId}&`), url)
  // Consent to a department's use (grantUse, signed in the page).
  await card.getByTestId('grant-open').click()
  await card.getByTestId('grant-dept').selectOption('market')
  await card.getByTestId('grant-submit').click()
  await card.getByTestId('grant-panel').getByRole('status').waitFor()
  // The holder's grants, read with a query signed in the page.
  await card.getByTestId('uses-open').click()
  await card.getByTestId('grants-table').waitFor()
  assert.match((await card.getByTestId('grants-table').textContent()) ?? '', /market|市场/)
  await f.page.goto(url)
  const v = f.page.locator('[data-testid="verdict"][data-kind="presentation"]')
  await v.waitFor()
  assert.equal(await v.getAttribute('data-verdict'), 'valid', (await v.textContent()) ?? '')

  // Removed from this device, then imported again from the hand-over QR's text (what a scan reads).
  await f.page.goto(`${f.portal.url}/wallet`)
  await card.getByTestId('remove-credential').click()
  await card.getByTestId('not-on-device').waitFor()
  assert.deepEqual(await keptLicenseIds(f.page, enterprise.did), [])
  await f.page.getByTestId('import-text').fill(qrText)
  await f.page.getByTestId('import-submit').click()
  await f.page.getByTestId('import-done').waitFor()
  await card.locator('.licence-fields').waitFor()
  assert.deepEqual(await keptLicenseIds(f.page, enterprise.did), [issuedId])

  // On the holder's phone: 扫码导入 with the camera (Chromium's fake camera plays the hand-over QR).
  const video = join(f.net.dir, 'handover-qr.y4m')
  writeFileSync(video, y4mOf(qrText))
  const phone = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  })
  try {
    const p = await phone.newPage({ locale: 'zh-CN' })
    p.setDefaultTimeout(40_000)
    await signInWithKeystore(p, `${enterprise.id}.json`, holderKeystore(enterprise), enterprise.publicKey, [
      enterprise.name,
      enterprise.nameEn,
      enterprise.did,
    ])
    await p.goto(`${f.portal.url}/wallet`)
    await p.getByTestId('import-scan').click()
    await p.getByTestId('import-done').waitFor()
    assert.deepEqual(await keptLicenseIds(p, enterprise.did), [issuedId])
    await p.locator(`[data-testid="wallet-licence"][data-id="${issuedId}"] .licence-fields`).waitFor()
  } finally {
    await phone.close()
  }
})

test('outside demo mode the officer renews a licence with its fields from the register; the new version is handed over and printed', async () => {
  await officer.goto(`${f.portal.url}/issuer`)
  await officer.locator(`[data-testid="issued-row"][data-id="${issuedId}"]`).getByTestId('manage').click()
  const panel = officer.getByTestId('manage-panel')
  // An older licence in the list (not the one just issued on this page): the console has no
  // credential for it and cannot sign the same one again (ADR 0045); it says what to do instead.
  const reprint = panel.getByTestId('reprint-unavailable')
  await reprint.waitFor()
  assert.match((await reprint.textContent()) ?? '', /加盐哈希.*我的证照.*变更/)
  assert.equal(await panel.getByTestId('download-pdf').count(), 0)
  await panel.getByTestId('renew').click()
  const dialog = officer.getByTestId('confirm-renew')
  // The register id is asked for: without it nothing can be confirmed.
  assert.equal(await dialog.getByTestId('confirm-renew-yes').isDisabled(), true)
  // A valid credit code the register does not hold is refused with its code.
  await dialog.getByTestId('reissue-holder-id').fill(demoCreditCode(977))
  await dialog.getByTestId('reissue-lookup').click()
  await dialog.getByTestId('reissue-lookup-error').waitFor()
  // The error box names it by the license module's own label (ADR 0042), loaded after the home page.
  const notFound = errorLabel('zh', 'LICENSE_HOLDER_NOT_FOUND')!
  await dialog.getByTestId('reissue-lookup-error').filter({ hasText: notFound }).waitFor()
  assert.match(
    (await dialog.getByTestId('reissue-lookup-error').textContent()) ?? '',
    new RegExp(`${notFound}：.*\\(LICENSE_HOLDER_NOT_FOUND\\)`),
  )
  // The holder's own: the register fills in what it holds; the officer completes the rest.
  await dialog.getByTestId('reissue-holder-id').fill(enterprise.registerId)
  await dialog.getByTestId('reissue-lookup').click()
  await dialog.getByTestId('reissue-field-creditCode').waitFor()
  assert.equal(await dialog.getByTestId('reissue-field-creditCode').inputValue(), enterprise.registerId)
  for (const input of await dialog.locator('[data-testid^="reissue-field-"]').all()) {
    if ((await input.inputValue()) !== '') continue
    await input.fill(`延续-${((await input.getAttribute('data-testid')) ?? '').replace('reissue-field-', '')}`)
  }
  await dialog.getByTestId('confirm-renew-yes').click()
  // Closed when done; a refusal stays in the dialog (its reason is the assertion's message).
  await officer.waitForFunction(
    () =>
      document.querySelector('[data-testid="confirm-renew"]') === null ||
      document.querySelector('[data-testid="confirm-renew"] [data-testid="error"]') !== null,
  )
  assert.equal(await dialog.count(), 0, (await dialog.textContent().catch(() => '')) ?? '')
  const handover = panel.getByTestId('handover')
  await handover.waitFor()
  const credential = readHandedOverCredential(await handover.getByTestId('handover-qr-text').inputValue())
  const renewedId = /1\.2\.156\.3005\.2\.[0-9A-Z.]+/.exec(
    (await panel.getByRole('status').first().textContent()) ?? '',
  )![0]
  assert.notEqual(renewedId, issuedId)
  // On chain: the new version for the same holder, the old one superseded by it.
  const renewed = await chainGet<{ license: { holder: string; status: string; version: number } }>(
    `/v1/licenses/${renewedId}`,
  )
  assert.deepEqual(
    [renewed.license.holder, renewed.license.status, renewed.license.version],
    [enterprise.did, 'active', 2],
  )
  const old = await chainGet<{ license: { effectiveStatus: string } }>(`/v1/licenses/${issuedId}`)
  assert.notEqual(old.license.effectiveStatus, 'active')
  // The new credential carries the register's fields for this holder.
  const fields = credentialFields(getSuite('intl'), credential)
  assert.equal(fields.creditCode, enterprise.registerId)
  // With the credential in hand the console prints the licence too (下载 PDF), outside demo mode.
  const [pdf] = await Promise.all([officer.waitForEvent('download'), handover.getByTestId('download-pdf').click()])
  const bytes = readFileSync((await pdf.path())!)
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-')
})

test('the citizen applies with the browser key; the officer pulls and approves; my cases, wallet, who used my data', async () => {
  const page = f.page
  await asHolder(citizen)
  await page.goto(`${f.portal.url}/service`)
  await page.getByTestId('service-search').fill('租赁')
  await page.getByTestId('item-BJ-ZJW-GZF-001').click()
  await page.getByTestId('service-guide').waitFor()
  await page.getByTestId('service-apply').click()
  await page.getByTestId('consent-agree').check()
  await page.getByTestId('consent-sign').click()
  await page.getByTestId('service-applied').waitFor()

  // The officer accepts, pulls through housing's gateway (requests signed in the page) and approves.
  await officer.goto(`${f.portal.url}/service`)
  await officer.getByTestId('service-tab-queue').click()
  await officer.getByTestId('queue-case').first().locator('button').click()
  const card = officer.getByTestId('case-card')
  await card.getByTestId('case-accept').click()
  await card.locator('[data-testid="case-status"]', { hasText: '已受理' }).waitFor()
  const pulls = card.getByTestId('case-pull-run')
  assert.equal(await pulls.count(), 2)
  await pulls.nth(0).click()
  await pulls.nth(1).click()
  await card.getByTestId('case-pull-rows').nth(1).waitFor()
  assert.match((await card.getByTestId('case-pull-rows').first().textContent()) ?? '', new RegExp(person.name))
  // The officer clears 批准并办结 (the result to be delivered some other way): approved, not completed.
  await card.getByTestId('case-approve-complete').uncheck()
  await card.getByTestId('case-approve').click()
  await officer.getByTestId('case-confirm-yes').click()
  await card.locator('[data-testid="case-status"]', { hasText: '已批准' }).waitFor()
  await card.getByTestId('case-complete').waitFor()

  // The citizen's cases (a signed query): approved, with the licence the decision issued.
  await page.goto(`${f.portal.url}/service`)
  await page.getByTestId('service-tab-mine').click()
  await page.getByTestId('mine-load').click()
  const mine = page.getByTestId('case-card').first()
  await mine.locator('[data-testid="case-status"]', { hasText: '已批准' }).waitFor()
  const licenseId = /已签发电子证照 (1\.2\.156\.3005\.2\.[0-9A-Z.]+)/.exec((await mine.textContent()) ?? '')![1]!
  const rec = await chainGet<{ license: { holder: string; status: string } }>(`/v1/licenses/${licenseId}`)
  assert.deepEqual([rec.license.holder, rec.license.status], [citizen.did, 'active'])
  await page.goto(`${f.portal.url}/wallet`)
  await page.locator(`[data-testid="wallet-licence"][data-id="${licenseId}"]`).waitFor()

  // Who used my data: a challenge signed in the page; both pulls, each with the case.
  await page.goto(`${f.portal.url}/sharing/my-data`)
  await page.getByTestId('my-data-load').click()
  await page.getByTestId('access-row').nth(1).waitFor()
  assert.equal((await page.getByTestId('access-case').allTextContents()).length, 2)
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d|Failed to load resource/.test(e)),
    [],
  )
})
