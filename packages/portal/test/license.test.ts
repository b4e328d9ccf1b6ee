/**
 * Issue 6 in real Chromium against a real 4-node network: an officer issues a licence in the
 * issuer console → it appears in the holder's wallet → its QR payload (and the QR image,
 * decoded in the browser) verifies as valid → the officer revokes it → it verifies as revoked.
 * A tampered credential and one from an unauthorised issuer are rejected with the reason shown.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { decodeLicenseQr, verifyLicenseOffline } from '@govchain/license/client'
import { getSuite, issueLicense } from '@govchain/sdk'
import { seedDemoOfficers } from '../../cli/src/demo/officers.ts'
import {
  fillIssueForm,
  issueHolderLicense,
  type PortalFixture,
  type SeededHolder,
  seedHolders,
  startHolderRegisters,
  startPortalFixture,
} from './helpers.ts'

let f: PortalFixture
let holders: SeededHolder[]
let licenseId = ''
let payload = ''
let presentation = ''

before(async () => {
  f = await startPortalFixture({
    suite: 'gm',
    seed: async (net, onClose) => {
      holders = await seedHolders(net)
      // Issue 15 item 3: the departments' holder registers, behind their gateways (off chain).
      onClose(await startHolderRegisters(net, holders))
      // Issue 15, demo identities: officers whose roles are separate.
      await seedDemoOfficers({ dir: net.dir, net: net.net })
    },
  })
})
after(async () => {
  await f?.close()
})

async function login(id: string): Promise<void> {
  await f.page.goto(`${f.portal.url}/login`)
  await f.page.getByTestId('demo-warning').waitFor()
  await f.page.getByTestId(`login-${id}`).click()
  await f.page.getByTestId('current-identity').waitFor()
}

async function verify(text: string): Promise<{ verdict: string; text: string }> {
  const { page } = f
  await page.goto(`${f.portal.url}/verify`)
  await page.getByTestId('verify-input').fill(text)
  await page.getByTestId('verify-button').click()
  const v = page.getByTestId('verdict')
  await v.waitFor()
  return { verdict: (await v.getAttribute('data-verdict')) ?? '', text: (await v.textContent()) ?? '' }
}

test('an officer issues a licence and it appears in the holder wallet', async () => {
  const { page } = f
  await login('officer:housing')
  await page.goto(`${f.portal.url}/issuer`)
  await page.getByTestId('issue-form').waitFor()
  const enterprise = holders.find((h) => h.kind === 'enterprise')!
  const citizen = holders.find((h) => h.kind === 'citizen')!
  // Issue 15 item 3: required fields and the holder are checked inline, in the page's language, before signing.
  await page.getByTestId('issue-submit').click()
  const firstMissing = page.locator('[data-testid^="field-error-"]:not([data-testid="field-error-holder-id"])').first()
  await firstMissing.waitFor()
  assert.match((await firstMissing.textContent()) ?? '', /请填写/)
  assert.equal(await page.getByTestId('field-error-holder-id').textContent(), '请先查询持证主体')
  assert.equal(await page.getByTestId('issued').count(), 0, 'nothing issued')
  // A credit code with a wrong check character is refused before anything is asked.
  await page.getByTestId('issue-holder-id').fill(`${enterprise.registerId.slice(0, 17)}0`)
  await page.getByTestId('holder-lookup').click()
  assert.match((await page.getByTestId('field-error-holder-id').textContent()) ?? '', /统一社会信用代码.*校验位不正确/)
  // The holder is looked up by credit code in the department's register; the form is pre-filled from it.
  await fillIssueForm(page, enterprise, (name) => `演示-${name}`)
  assert.match((await page.getByTestId('holder-found').textContent()) ?? '', /北京城建示范工程有限公司/)
  assert.equal(await page.getByTestId('issue-holder').inputValue(), enterprise.did)
  assert.equal(await page.getByTestId('issue-field-enterpriseName').inputValue(), '北京城建示范工程有限公司')
  assert.equal(await page.getByTestId('issue-field-creditCode').inputValue(), enterprise.registerId)
  // The type's default validity: its term counted from the start date (nbf).
  const typeCode = await page.getByTestId('issue-type').inputValue()
  const types = (await (await fetch(`${f.net.net.nodes[0]!.apiUrl}/v1/license-types`)).json()) as {
    items: { code: string; maxValidityYears: number }[]
  }
  const years = types.items.find((x) => x.code === typeCode)!.maxValidityYears
  assert.ok(years > 0, 'the housing type has a fixed term')
  const from = await page.getByTestId('issue-from').inputValue()
  const expectedUntil = `${Number(from.slice(0, 4)) + years}${from.slice(4)}`
  assert.equal(await page.getByTestId('issue-until').inputValue(), expectedUntil)
  await f.shot('issuer-form')

  // Another holder's DID with this enterprise's licence: refused, translated, nothing issued.
  await page.getByTestId('issue-holder').fill(citizen.did)
  await page.getByTestId('issue-submit').click()
  const mismatch = page.getByTestId('holder-mismatch')
  await mismatch.waitFor()
  assert.match(
    (await mismatch.textContent()) ?? '',
    /持证主体与本部门登记信息不一致（持证主体 DID）.*LICENSE_HOLDER_MISMATCH/,
  )
  assert.equal(await page.getByTestId('issued').count(), 0, 'nothing issued')
  // The right DID, but the licence names another company: refused too.
  await page.getByTestId('issue-holder').fill(enterprise.did)
  await page.getByTestId('issue-field-enterpriseName').fill('北京华筑工程监理有限公司')
  await page.getByTestId('issue-submit').click()
  await page.waitForFunction(() =>
    /企业名称/.test(document.querySelector('[data-testid="holder-mismatch"]')?.textContent ?? ''),
  )
  await page.getByTestId('issue-field-enterpriseName').fill(enterprise.name)
  // A required field left empty: the inline message, in Chinese.
  const required = page.locator('[data-testid^="issue-field-"]').last()
  const requiredName = ((await required.getAttribute('data-testid')) ?? '').replace('issue-field-', '')
  const kept = await required.inputValue()
  await required.fill('')
  await page.getByTestId('issue-submit').click()
  assert.match((await page.getByTestId(`field-error-${requiredName}`).textContent()) ?? '', /^请填写“.+”$/)
  await required.fill(kept)
  await page.getByTestId('issue-submit').click()
  const issued = page.getByTestId('issued')
  await issued.waitFor({ timeout: 40_000 })
  assert.equal(await page.getByTestId('holder-mismatch').count(), 0)
  assert.equal(await page.getByTestId('issued-validity').textContent(), `有效期：${from} 至 ${expectedUntil}`)
  licenseId = /1\.2\.156\.3005\.2\.[0-9A-Z.]+/.exec((await issued.textContent()) ?? '')![0]
  const onChain = (await (await fetch(`${f.net.net.nodes[0]!.apiUrl}/v1/licenses/${licenseId}`)).json()) as {
    license: { holder: string; validUntilMs: number }
  }
  assert.equal(onChain.license.holder, enterprise.did)
  assert.equal(new Date(onChain.license.validUntilMs).toISOString().slice(0, 10), expectedUntil)
  // A type without a fixed term defaults to 长期.
  const longType = types.items.find((x) => x.maxValidityYears === 0)
  if (longType !== undefined) {
    await page.getByTestId('issue-type').selectOption(longType.code)
    assert.equal(await page.getByTestId('issue-long-term').isChecked(), true)
    assert.equal(await page.getByTestId('issue-until').isDisabled(), true)
  }
  await page.locator(`[data-testid="issued-row"][data-id="${licenseId}"]`).waitFor()

  await login(enterprise.id)
  await page.goto(`${f.portal.url}/wallet`)
  const card = page.locator(`[data-testid="wallet-licence"][data-id="${licenseId}"]`)
  await card.waitFor()
  assert.equal(await card.getAttribute('data-status'), 'active')
  await card.getByTestId('show-qr').click()
  // The full credential QR is the second choice (the short 亮证 code is the default: license-qr.test.ts).
  await card.getByTestId('qr-mode-long').click()
  await card.getByTestId('qr-image').waitFor()
  // Selective disclosure: hide the legal representative (personal data) from the verifier.
  const personal = card.getByTestId('disclose-legalRepresentative')
  if ((await personal.count()) > 0) await personal.uncheck()
  payload = await card.getByTestId('qr-payload').inputValue()
  presentation = await card.getByTestId('presentation').inputValue()
  assert.match(payload, /^GCL1:/)
  const plain = decodeLicenseQr(payload)
  assert.ok(plain.type === 'full' && plain.value.proof === undefined, 'the default form carries no proof')
  // Issue 15 item 5: the wallet offers a QR that carries its proof and verifies with no node.
  await card.getByTestId('qr-with-proof').check()
  await page.waitForFunction(
    (old) => (document.querySelector('[data-testid="qr-payload"]') as HTMLTextAreaElement | null)?.value !== old,
    payload,
  )
  const withProof = await card.getByTestId('qr-payload').inputValue()
  const decoded = decodeLicenseQr(withProof)
  assert.equal(decoded.type, 'full')
  assert.ok(decoded.type === 'full' && decoded.value.proof !== undefined, 'the proof is in the QR')
  const suite = getSuite('gm')
  const offline = verifyLicenseOffline({
    suite,
    chainId: f.net.net.chainId,
    qr: withProof,
    trustedValidatorSet: (await f.net.clients[f.net.net.nodes[0]!.name]!.validators()).validatorSet,
  })
  assert.equal(offline.verdict, 'valid')
  assert.ok(offline.provenHeight !== undefined, 'proven offline')
  await card.getByTestId('qr-with-proof').uncheck()
  await f.shot('wallet')
})

test('the QR payload and the QR image verify as valid, with the proof checked in the browser', async () => {
  const { page } = f
  const r = await verify(payload)
  assert.equal(r.verdict, 'valid', r.text)
  await page.locator('[data-testid="check-browser-proof"][data-ok="true"]').waitFor()
  const disclosed = (await page.getByTestId('disclosed').textContent()) ?? ''
  assert.doesNotMatch(disclosed, /法定代表人/)
  await page.getByTestId('proof-details').waitFor()
  await f.shot('verify-valid')

  // The QR image the holder downloads or prints, uploaded and decoded in the browser (jsQR).
  await page.goto(`${f.portal.url}/wallet`)
  const card = page.locator(`[data-testid="wallet-licence"][data-id="${licenseId}"]`)
  await card.getByTestId('show-qr').click()
  // The full credential QR is the second choice (the short 亮证 code is the default: license-qr.test.ts).
  await card.getByTestId('qr-mode-long').click()
  const src = (await card.getByTestId('qr-image').getAttribute('src')) ?? ''
  const png = Buffer.from(src.replace(/^data:image\/png;base64,/, ''), 'base64')
  await page.goto(`${f.portal.url}/verify`)
  await page.getByTestId('verify-file').setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: png })
  await page.getByTestId('verdict').waitFor()
  assert.equal(await page.getByTestId('verdict').getAttribute('data-verdict'), 'valid')
})

test('a tampered credential is rejected with the reason shown', async () => {
  // Change one character of the signed payload (the part between the two dots of the JWT).
  const [jwt, ...rest] = presentation.split('~')
  const [h, p, s] = jwt!.split('.') as [string, string, string]
  const i = Math.floor(p.length / 2)
  const tampered = [h, p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1), s].join('.')
  const r = await verify([tampered, ...rest].join('~'))
  assert.equal(r.verdict, 'invalid', r.text)
  const reasons = (await f.page.getByTestId('verdict-reasons').textContent()) ?? ''
  assert.match(reasons, /LICENSE_(CREDENTIAL_HASH_MISMATCH|SIGNATURE_INVALID|CREDENTIAL_MALFORMED|NOT_FOUND)/)
  await f.shot('verify-tampered')
})

test('an unauthorised issuer cannot issue, and its credential is rejected with the reason shown', async () => {
  const { page, net } = f
  // In the console: police is not on the construction types' trusted-issuer list; the chain refuses.
  await login('officer:police')
  await page.goto(`${f.portal.url}/issuer`)
  await page.getByTestId('issue-form').waitFor()
  const enterprise = holders.find((h) => h.kind === 'enterprise')!
  // Police's own register knows the enterprise too; the chain still refuses the type.
  await fillIssueForm(page, enterprise, () => '伪造')
  await page.getByTestId('issue-submit').click()
  const err = page.getByTestId('issue-form').getByTestId('error')
  await err.waitFor({ timeout: 40_000 })
  assert.match((await err.textContent()) ?? '', /LICENSE_ISSUER_NOT_AUTHORISED|IDENTITY_/)

  // The credential such an issuer signs anyway is rejected by verification.
  const types = (await (await fetch(`${net.net.nodes[0]!.apiUrl}/v1/license-types`)).json()) as {
    items: { code: string; name: string; nameEn: string; fields: never[]; issuers: string[] }[]
  }
  const type = types.items.find((x) => !x.issuers.includes('police'))!
  const status = await net.clients[net.net.nodes[0]!.name]!.status()
  const forged = issueLicense({
    suite: getSuite('gm'),
    chainId: status.chainId,
    privateKey: net.keys.police!.privateKey,
    type,
    issuer: { orgId: 'police', code: '11110108000000000X' },
    holder: enterprise.did,
    validFromMs: Date.now(),
    validUntilMs: Date.now() + 86_400_000 * 365,
    fields: Object.fromEntries((type.fields as { name: string }[]).map((x) => [x.name, '伪造'])),
    validUntilHeight: status.height + 100,
  })
  const r = await verify(forged.credential)
  assert.equal(r.verdict, 'invalid', r.text)
  const reasons = (await page.getByTestId('verdict-reasons').textContent()) ?? ''
  assert.match(reasons, /LICENSE_ISSUER_NOT_AUTHORISED/)
  assert.match(reasons, /签发机构未获授权|链上无/)
  await f.shot('verify-unauthorised')
})

test('after the officer revokes the licence, it verifies as revoked', async () => {
  const { page } = f
  await login('officer:housing')
  await page.goto(`${f.portal.url}/issuer`)
  const row = page.locator(`[data-testid="issued-row"][data-id="${licenseId}"]`)
  await row.getByTestId('manage').click()
  // Issue 15 item 2: the console's 下载 PDF prints the credential the department handed over.
  const [pdf] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('manage-panel').getByTestId('download-pdf').click(),
  ])
  assert.equal(pdf.suggestedFilename(), `licence-${licenseId}.pdf`)
  assert.equal(
    readFileSync(await pdf.path())
      .subarray(0, 5)
      .toString(),
    '%PDF-',
  )
  // Nothing final is one click: 注销 opens its own form, which Escape closes with nothing done.
  await row.getByTestId('revoke').click()
  const dialog = page.getByTestId('confirm-revoke')
  await dialog.waitFor()
  assert.match(
    (await page.getByTestId('confirm-revoke-summary').textContent()) ?? '',
    new RegExp(`注销.*${licenseId}.*不可恢复`),
  )
  assert.equal(await page.getByTestId('confirm-revoke-yes').isDisabled(), true, 'no reason, no revocation')
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'detached' })
  assert.equal(await row.getAttribute('data-status'), 'active')
  await row.getByTestId('revoke').click()
  await page.getByTestId('reason-code').selectOption('authority_decision')
  await page.getByTestId('manage-reason').fill('资质条件不再满足')
  await page.getByTestId('confirm-revoke-yes').click()
  await page
    .locator(`[data-testid="issued-row"][data-id="${licenseId}"][data-status="revoked"]`)
    .waitFor({ timeout: 40_000 })
  const r = await verify(payload)
  assert.equal(r.verdict, 'revoked', r.text)
  assert.match((await page.getByTestId('verdict-reasons').textContent()) ?? '', /LICENSE_REVOKED/)
  await f.shot('verify-revoked')
  // Issue 15 item 6: a revoked licence offers no QR in the holder's wallet.
  await login(holders.find((h) => h.kind === 'enterprise')!.id)
  await page.goto(`${f.portal.url}/wallet`)
  const card = page.locator(`[data-testid="wallet-licence"][data-id="${licenseId}"][data-status="revoked"]`)
  await card.waitFor()
  await card.getByTestId('no-qr').waitFor()
  assert.equal(await card.getByTestId('show-qr').count(), 0)
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})

test('the login page lists officers with separate roles, in Chinese; the issuer cannot administer', async () => {
  const { page, net } = f
  await page.goto(`${f.portal.url}/login`)
  const roles = async (id: string) => (await page.getByTestId(`login-roles-officer:${id}`).textContent()) ?? ''
  assert.match(await roles('housing.issuer'), /^角色：发证 ·/)
  assert.match(await roles('housing.approver'), /^角色：审批 ·/)
  assert.match(await roles('housing.administrator'), /^角色：管理员 ·/)
  const names = (await page.locator('.identity-list').allTextContents()).join('\n')
  assert.match(names, /北京市住房和城乡建设委员会 发证员 王芳/)
  assert.match(names, /北京市住房和城乡建设委员会 审批员 刘强/)
  assert.match(names, /北京市住房和城乡建设委员会 管理员 陈静/)

  // The issuer lands in the issuer console; the operations console is not theirs.
  await page.getByTestId('login-officer:housing.issuer').click()
  await page.getByTestId('issue-form').waitFor()
  assert.equal(await page.locator('nav a[href="/ops"]').count(), 0)
  await page.goto(`${f.portal.url}/ops`)
  await page.getByTestId('ops-admin-only').waitFor()
  // Nor may the issuer's key do an administrator's action on chain: adding an officer is refused.
  const { getSuite, identity } = await import('@govchain/sdk')
  const { fromHex } = await import('@govchain/core')
  const config = (await (await fetch(`${f.portal.url}/config.json`)).json()) as {
    identities: { id: string; privateKey?: string }[]
  }
  const issuerKey = config.identities.find((i) => i.id === 'officer:housing.issuer')!.privateKey!
  const client = net.clients[net.net.nodes[1]!.name]!
  const suite = getSuite(net.net.suite)
  const tx = identity.addOfficer({
    suite,
    chainId: net.net.chainId,
    privateKey: fromHex(issuerKey),
    validUntilHeight: (await client.status()).height + 100,
    orgId: 'housing',
    officerId: 'housing.intruder',
    publicKey: suite.generateKeyPair().publicKey,
    roles: ['admin'],
  })
  await client.submitTx(tx.bytes)
  const r = await client.waitForTx(tx.hashHex, { timeoutMs: 30_000 })
  assert.equal(r.code, 'IDENTITY_ROLE_MISSING')
  // The administrator has the operations console.
  await page.goto(`${f.portal.url}/login`)
  await page.getByTestId('login-officer:housing.administrator').click()
  await page.waitForURL(/\/ops$/)
  assert.equal(await page.getByTestId('ops-admin-only').count(), 0)
  // Every department's gateway answers the console poll after poll, through the one transport
  // the page keeps per gateway: two more status reads each, answered, and the rows stay healthy.
  const orgs = net.net.nodes.map((n) => n.orgId)
  const answered = (org: string) =>
    page.waitForResponse((r) => r.url().endsWith(`/gateway/${org}/v1/local/status`) && r.ok())
  for (const org of orgs) await page.getByTestId(`ops-gateway-${org}`).getByText('正常').waitFor()
  await Promise.all(
    orgs.map(async (org) => {
      await answered(org)
      await answered(org)
    }),
  )
  for (const org of orgs) {
    const row = page.getByTestId(`ops-gateway-${org}`)
    await row.getByText('正常').waitFor()
    assert.match((await row.textContent()) ?? '', /\d+ 个数据资源/)
  }
})

/** A local calendar day as a date input takes it (the browser runs in this machine's time zone). */
function day(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

test('the issuer filters the licence list on the node, pages with more, and exports every page as CSV', async () => {
  const { page } = f
  const enterprise = holders.find((h) => h.kind === 'enterprise')!
  // Past one page (20 a page): 21 more licences of housing, issued with the SDK in one go.
  const extra = await Promise.all(Array.from({ length: 21 }, () => issueHolderLicense(f, enterprise)))
  // And one of another department (market regulation), for the department picker.
  const theirs = await issueHolderLicense(f, enterprise, { org: 'market' })
  await login('officer:housing')
  await page.goto(`${f.portal.url}/issuer`)
  const rows = page.getByTestId('issued-row')
  await page.getByTestId('issued-more').waitFor()
  assert.equal(await rows.count(), 20, 'one page from the node')
  await page.getByTestId('issued-more').click()
  await page.getByTestId('issued-more').waitFor({ state: 'detached' })
  const total = await rows.count()
  assert.ok(total >= 22, `every licence after more: ${total}`)
  const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
  assert.equal(new Set(ids).size, ids.length, 'nothing repeated across pages')
  for (const x of extra) assert.ok(ids.includes(x.licenseId), x.licenseId)

  // Status, on the node: only the licence revoked above.
  await page.getByTestId('issued-filter-status').selectOption('revoked')
  await page.locator(`[data-testid="issued-row"][data-id="${licenseId}"]`).waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="issued-row"]').length === 1)
  assert.equal(await page.getByTestId('issued-more').count(), 0)
  await page.getByTestId('issued-filter-status').selectOption('')
  // Dates (issue block time): tomorrow onwards holds nothing; today holds them all again.
  await page.getByTestId('issued-filter-from').fill(day(1))
  await page.getByTestId('issued-list').getByText('暂无').waitFor()
  assert.equal(await rows.count(), 0)
  // A start after the end: the node's coded refusal, in words.
  await page.getByTestId('issued-filter-to').fill(day(0))
  const bad = page.getByTestId('issued-list').getByTestId('error')
  await bad.waitFor()
  assert.match((await bad.textContent()) ?? '', /起始日期晚于截止日期.*INVALID_DATE_RANGE/)
  await page.getByTestId('issued-filter-from').fill(day(0))
  await page.getByTestId('issued-more').waitFor()
  assert.equal(await rows.count(), 20)
  await f.shot('issuer-list-filtered')

  // The export walks every page of the filter (today's, all statuses) into one CSV.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('issued-export').click()])
  assert.equal(download.suggestedFilename(), 'licences-housing.csv')
  const csv = readFileSync(await download.path(), 'utf8')
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a byte order mark, for Excel')
  const lines = csv.slice(1).trimEnd().split('\r\n')
  assert.equal(lines[0], '证照标识,证照类型,持证主体,发证机构,状态,签发时间,有效期起,有效期至,版本')
  assert.equal(lines.length - 1, total)
  for (const x of extra) assert.ok(csv.includes(`${x.licenseId},`), x.licenseId)
  assert.match(csv, new RegExp(`${licenseId.replaceAll('.', '\\.')},[^\r\n]*,注销,`))
  assert.match(csv, /北京市住房和城乡建设委员会/)
  assert.match((await page.getByTestId('issued-progress').textContent()) ?? '', new RegExp(`已导出 ${total} 条`))
  assert.ok(!csv.includes(theirs.licenseId), 'another department is not in the own list')

  // Department, on the node: market regulation's licences only, and its CSV is only those.
  await page.getByTestId('issued-filter-department').selectOption('market')
  await page.locator(`[data-testid="issued-row"][data-id="${theirs.licenseId}"]`).waitFor()
  const issuers = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-issuer')))
  assert.ok(issuers.length >= 1 && issuers.every((x) => x === 'market'), issuers.join())
  // Another department's licence offers its history, not actions (the chain would refuse them).
  await page.locator(`[data-testid="issued-row"][data-id="${theirs.licenseId}"]`).getByTestId('manage').click()
  await page.getByTestId('history').waitFor()
  assert.equal(await page.getByTestId('manage-panel').getByTestId('revoke').count(), 0)
  const [marketCsv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('issued-export').click()])
  assert.equal(marketCsv.suggestedFilename(), 'licences-market.csv')
  const mcsv = readFileSync(await marketCsv.path(), 'utf8')
  assert.equal(mcsv.slice(1).trimEnd().split('\r\n').length - 1, issuers.length)
  assert.ok(mcsv.includes(`${theirs.licenseId},`))
  assert.ok(!mcsv.includes(extra[0]!.licenseId), "housing's licences are not in market's export")
  assert.doesNotMatch(mcsv, /北京市住房和城乡建设委员会/)
  await page.getByTestId('issued-filter-department').selectOption('housing')
  await page.getByTestId('issued-more').waitFor()
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})
