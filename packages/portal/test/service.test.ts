/**
 * Issue 16 in real Chromium against a real 4-node network with the departments' gateways: a
 * citizen finds 公共租赁住房资格申请 in the service hall, reads that both materials are pulled, signs
 * the consent with their own key; housing's officer accepts, pulls the citizen's household and
 * income data through housing's gateway, approves (issuing the 公租房资格确认书 pre-filled from
 * the pulled data) after a confirmation, and completes; the citizen sees "completed" in 我的办件,
 * puts the issued licence into the wallet on the device from the case card (the credential the
 * approval handed over) and finds it in 我的卡包, and, in "who used my data", both pulls with the
 * case beside them.
 *
 * Publishing (发布事项): housing's admin fills the item form — the page marks the problems inline
 * first — confirms, sees 正在上链… then the version and height, and the item is in 办事大厅 with its
 * guide; an officer of housing without the admin role is refused with a translated message.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { encode, getSuite, toHex } from '@govchain/core'
import {
  type Gateway,
  gatewayDir,
  issueSubjectCredential,
  loadGatewayHome,
  startGatewayFromHome,
} from '@govchain/gateway'
import { AddOfficerArgs } from '@govchain/identity/schema'
import { buildTx } from '@govchain/sdk'
import { seedServiceDemo } from '../../cli/src/demo/service.ts'
import { seedSharingDemo } from '../../cli/src/demo/sharing.ts'
import { reserveGatewayPorts } from '../../cli/src/testnet.ts'
import { keptLicenseIds, type PortalFixture, type SeededHolder, seedHolders, startPortalFixture } from './helpers.ts'

let f: PortalFixture
const gateways: Gateway[] = []
let person: { idNumber: string; name: string }
let citizen: SeededHolder

before(async () => {
  f = await startPortalFixture({
    suite: 'gm',
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
      for (const n of net.net.nodes) gateways.push(await startGatewayFromHome(gatewayDir(n.home)))
      await seedServiceDemo({ net: net.net, clients: net.clients })
      person = demo.people[2]!
      const holders = await seedHolders(net)
      citizen = holders.find((h) => h.kind === 'citizen')!
      const police = net.net.nodes.find((n) => n.orgId === 'police')!
      const credential = issueSubjectCredential(
        loadGatewayHome(gatewayDir(police.home)),
        citizen.did,
        'person',
        person.idNumber,
      )
      // A housing officer with the approver role only (no admin): may handle cases, not publish items.
      const suite = getSuite(net.net.suite)
      const clerk = suite.generateKeyPair()
      const status = await net.clients.housing!.status()
      const add = buildTx({
        suite,
        chainId: status.chainId,
        privateKey: net.keys.housing!.privateKey,
        module: 'identity',
        method: 'addOfficer',
        args: encode(AddOfficerArgs, {
          orgId: 'housing',
          officerId: 'housing-clerk',
          publicKey: clerk.publicKey,
          roles: ['approver'],
        }),
        validUntilHeight: status.height + 100,
      })
      await net.clients.housing!.submitTx(add.bytes)
      const added = await net.clients.housing!.waitForTx(add.hashHex, { timeoutMs: 60_000 })
      assert.equal(added.status, 'committed', added.code)
      const clerkIdentity = {
        id: 'officer:housing-clerk',
        kind: 'officer',
        name: '住建委 窗口工作人员',
        nameEn: 'Housing clerk',
        orgId: 'housing',
        roles: ['approver'],
        publicKey: toHex(clerk.publicKey),
        privateKey: toHex(clerk.privateKey),
      }
      writeFileSync(
        join(net.dir, 'demo', 'identities.json'),
        JSON.stringify([
          ...holders.map((h) => (h.id === citizen.id ? { ...h, subjectCredential: credential } : h)),
          clerkIdentity,
        ]),
      )
    },
  })
})
after(async () => {
  for (const g of gateways) await g.stop().catch(() => {})
  await f?.close()
})

async function login(id: string): Promise<void> {
  await f.page.goto(`${f.portal.url}/login`)
  await f.page.getByTestId(`login-${id}`).click()
  await f.page.getByTestId('current-identity').waitFor()
}

test('apply → officer accepts, pulls and approves → the citizen sees completed and the accesses', async () => {
  const { page } = f
  await login(citizen.id)
  await page.goto(`${f.portal.url}/service`)
  await page.getByTestId('service-search').fill('租赁')
  await page.getByTestId('item-BJ-ZJW-GZF-001').click()
  const guide = page.getByTestId('service-guide')
  await guide.waitFor()
  assert.equal(await guide.getByTestId('service-pull').count(), 2)
  await page.getByTestId('service-apply').click()
  await page.getByTestId('consent-agree').check()
  await f.shot('service-consent')
  await page.getByTestId('consent-sign').click()
  await page.getByTestId('service-applied').waitFor({ timeout: 40_000 })

  await login('officer:housing')
  await page.goto(`${f.portal.url}/service`)
  await page.getByTestId('queue-case').first().locator('button').click()
  const card = page.getByTestId('case-card')
  await card.getByTestId('case-accept').click()
  await card.locator('[data-testid="case-status"]', { hasText: '已受理' }).waitFor({ timeout: 40_000 })
  const pulls = card.getByTestId('case-pull-run')
  assert.equal(await pulls.count(), 2)
  await pulls.nth(0).click()
  await pulls.nth(1).click()
  await card.getByTestId('case-pull-rows').nth(1).waitFor({ timeout: 40_000 })
  assert.match((await card.getByTestId('case-pull-rows').first().textContent()) ?? '', new RegExp(person.name))
  // The licence is pre-filled from the pulled data; approving asks for a confirmation first. The
  // licence issued with the approval is the result delivered: by default the case completes with it
  // (批准并办结), one transaction, no separate 办结.
  assert.equal(await card.getByTestId('licence-holderName').inputValue(), person.name)
  assert.equal(await card.getByTestId('case-approve-complete').isChecked(), true)
  await card.getByTestId('case-approve').click()
  await page.getByTestId('case-confirm').waitFor()
  assert.match((await page.getByTestId('case-confirm').textContent()) ?? '', /批准并办结/)
  await f.shot('service-confirm')
  await page.getByTestId('case-confirm-yes').click()
  await card.locator('[data-testid="case-status"]', { hasText: '已办结' }).waitFor({ timeout: 40_000 })
  assert.equal(await card.getByTestId('case-complete').count(), 0)

  await login(citizen.id)
  await page.goto(`${f.portal.url}/service`)
  await page.getByTestId('service-tab-mine').click()
  await page.getByTestId('mine-load').click()
  const mine = page.getByTestId('case-card').first()
  await mine.locator('[data-testid="case-status"]', { hasText: '已办结' }).waitFor({ timeout: 40_000 })
  const steps = await mine.getByTestId('case-step').allTextContents()
  assert.deepEqual(
    steps.map((s) => /申请|受理|批准|办结/.exec(s)?.[0]),
    ['申请', '受理', '批准', '办结'],
  )
  assert.match((await mine.textContent()) ?? '', /提交材料 0 件/)
  // The result: the licence the approval issued, put into the wallet on this device.
  await mine.getByTestId('case-to-wallet').click()
  await mine.getByTestId('case-in-wallet').waitFor({ timeout: 40_000 })
  await f.shot('service-mine')
  const ids = await keptLicenseIds(page, citizen.did)
  assert.equal(ids.length, 1)
  const licenseId = ids[0]!
  assert.match((await mine.textContent()) ?? '', new RegExp(`已签发电子证照 ${licenseId}`))
  await mine.getByTestId('case-in-wallet').locator('a').click()
  const held = page.locator(`[data-testid="wallet-licence"][data-id="${licenseId}"]`)
  await held.waitFor({ timeout: 40_000 })
  // The credential is there (its QR can be shown), not only the record on chain.
  await held.getByTestId('show-qr').waitFor()
  assert.match((await held.textContent()) ?? '', /公租房资格确认书/)

  await page.goto(`${f.portal.url}/sharing/my-data`)
  await page.getByTestId('my-data-load').click()
  await page.getByTestId('access-row').nth(1).waitFor({ timeout: 40_000 })
  const cases = await page.getByTestId('access-case').allTextContents()
  assert.equal(cases.length, 2)
  // Plain language: a link to the case, in words; the case id is in the link, not on the screen.
  for (const c of cases) assert.equal(c, '查看办件')
  for (const href of await page
    .getByTestId('access-case')
    .locator('a')
    .evaluateAll((els) => els.map((e) => e.getAttribute('href'))))
    assert.match(href ?? '', /^\/service\?case=[0-9a-f]{64}$/)
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})

test('发布事项: an admin publishes an item after inline checks and a confirmation; a clerk is refused', async () => {
  const { page } = f
  await login('officer:housing-clerk')
  await page.goto(`${f.portal.url}/service`)
  await page.getByTestId('service-tab-publish').click()
  assert.match(
    (await page.getByTestId('pub-refused').textContent({ timeout: 40_000 })) ?? '',
    /没有本部门的管理员（admin）角色/,
  )
  assert.equal(await page.getByTestId('pub-submit').count(), 0)

  await login('officer:housing')
  await page.goto(`${f.portal.url}/service`)
  await page.getByTestId('service-tab-publish').click()
  const form = page.getByTestId('service-publish')
  await form.waitFor({ timeout: 40_000 })
  // Nothing filled in: the problems are marked in place, in Chinese, and nothing is sent.
  await page.getByTestId('pub-code').fill('bj-zjw-lz')
  await page.getByTestId('pub-add-pull').click()
  await page.getByTestId('pub-submit').click()
  await page.getByTestId('pub-problems').waitFor()
  assert.equal(await page.getByTestId('pub-code').inputValue(), 'BJ-ZJW-LZ')
  assert.match((await page.getByTestId('pub-err-title').textContent()) ?? '', /必填/)
  assert.match((await page.getByTestId('pub-err-pulls.0.resource').textContent()) ?? '', /请选择其他部门共享的目录资源/)
  assert.equal(await page.getByTestId('pub-confirm').count(), 0)
  await page.getByTestId('pub-slaDays').fill('400')
  assert.match((await page.getByTestId('pub-err-slaDays').textContent()) ?? '', /1–365/)

  await page.getByTestId('pub-code').fill('BJ-ZJW-LZF-002')
  await page.getByTestId('pub-version').filter({ hasText: '新事项' }).waitFor({ timeout: 40_000 })
  await page.getByTestId('pub-title').fill('廉租住房保障资格申请')
  await page.getByTestId('pub-titleEn').fill('Low-rent housing eligibility')
  await page.getByTestId('pub-legalBasis').fill('《廉租住房保障办法》（建设部令第162号）')
  await page.getByTestId('pub-slaDays').fill('15')
  await page.getByTestId('pub-pull-resource').selectOption('police.household')
  await page.getByTestId('pub-pull-field-name').check()
  await page.getByTestId('pub-pull-field-household_address').check()
  await page.getByTestId('pub-pull-purpose').fill('核实申请人户籍')
  await page.getByTestId('pub-result').selectOption('GZFZG')
  assert.equal(await page.getByTestId('pub-problems').count(), 0)
  await page.getByTestId('pub-submit').click()
  const confirm = page.getByTestId('pub-confirm')
  await confirm.waitFor()
  assert.match((await confirm.textContent()) ?? '', /BJ-ZJW-LZF-002《廉租住房保障资格申请》第 1 版/)
  assert.match((await confirm.textContent()) ?? '', /police\.household \[name, household_address\]/)
  await f.shot('service-publish-confirm')
  await page.getByTestId('pub-confirm-yes').click()
  const status = page.getByTestId('pub-status')
  assert.match((await status.textContent()) ?? '', /正在上链…|已发布/)
  await status.filter({ hasText: '已发布' }).waitFor({ timeout: 40_000 })
  assert.match((await status.textContent()) ?? '', /BJ-ZJW-LZF-002 第 1 版（区块高度 \d+）/)

  // In the hall, with its guide.
  await page.getByTestId('service-tab-hall').click()
  await page.getByTestId('service-search').fill('廉租')
  await page.getByTestId('item-BJ-ZJW-LZF-002').click()
  const guide = page.getByTestId('service-guide')
  await guide.waitFor({ timeout: 40_000 })
  assert.match((await guide.textContent()) ?? '', /廉租住房保障办法/)
  assert.match((await guide.textContent()) ?? '', /法定时限 15 个工作日/)
  assert.equal(await guide.getByTestId('service-pull').count(), 1)

  // Publishing the same code again makes version 2.
  await page.getByTestId('service-tab-publish').click()
  await page.getByTestId('pub-code').fill('BJ-ZJW-LZF-002')
  await page.getByTestId('pub-version').filter({ hasText: '将发布第 2 版' }).waitFor({ timeout: 40_000 })
  await page.getByTestId('pub-load').click()
  assert.equal(await page.getByTestId('pub-title').inputValue(), '廉租住房保障资格申请')
  await page.getByTestId('pub-slaDays').fill('10')
  await page.getByTestId('pub-submit').click()
  await page.getByTestId('pub-confirm-yes').click()
  await page.getByTestId('pub-status').filter({ hasText: 'BJ-ZJW-LZF-002 第 2 版' }).waitFor({ timeout: 40_000 })

  // A one-thing item (一件事): no pulls of its own; at least two active single items, found by
  // title or code and listed in order; the hall's guide then shows every part's pulls.
  await page.getByTestId('pub-code').fill('BJ-ZJW-ZFBZ-001')
  await page.getByTestId('pub-version').filter({ hasText: '新事项' }).waitFor({ timeout: 40_000 })
  await page.getByTestId('pub-kind-bundle').check()
  assert.equal(await page.getByTestId('pub-pulls').count(), 0, 'a bundle has no pulls of its own')
  await page.getByTestId('pub-title').fill('住房保障一件事')
  await page.getByTestId('pub-titleEn').fill('Housing support in one application')
  await page.getByTestId('pub-legalBasis').fill('《国务院关于加快推进政务服务标准化规范化便利化的指导意见》')
  await page.getByTestId('pub-slaDays').fill('20')
  await page.getByTestId('pub-part-search').fill('廉租')
  await page.getByTestId('pub-part-add-BJ-ZJW-LZF-002').click()
  await page.getByTestId('pub-submit').click()
  assert.match((await page.getByTestId('pub-err-parts').textContent()) ?? '', /至少组合 2 个/)
  await page.getByTestId('pub-part-search').fill('BJ-ZJW-GZF')
  await page.getByTestId('pub-part-add-BJ-ZJW-GZF-001').click()
  assert.equal(await page.getByTestId('pub-problems').count(), 0)
  assert.equal(await page.getByTestId('pub-part-add-BJ-ZJW-GZF-001').count(), 0, 'a chosen item is not offered again')
  await page.getByTestId('pub-submit').click()
  await page.getByTestId('pub-confirm').waitFor()
  const bundleList = (await page.getByTestId('pub-confirm-list').textContent()) ?? ''
  assert.match(bundleList, /BJ-ZJW-LZF-002《廉租住房保障资格申请》[\s\S]*BJ-ZJW-GZF-001《公共租赁住房资格申请》/)
  await page.getByTestId('pub-confirm-yes').click()
  await page.getByTestId('pub-status').filter({ hasText: 'BJ-ZJW-ZFBZ-001 第 1 版' }).waitFor({ timeout: 40_000 })
  await page.getByTestId('service-tab-hall').click()
  await page.getByTestId('service-search').fill('住房保障一件事')
  await page.getByTestId('item-BJ-ZJW-ZFBZ-001').click()
  const bundleGuide = page.getByTestId('service-guide')
  await bundleGuide.filter({ hasText: '住房保障一件事' }).waitFor({ timeout: 40_000 })
  assert.match((await bundleGuide.textContent()) ?? '', /一件事涉及部门/)
  // LZF-002's one pull and GZF-001's two.
  assert.equal(await bundleGuide.getByTestId('service-pull').count(), 3)
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})
