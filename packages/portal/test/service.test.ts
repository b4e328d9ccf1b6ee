/**
 * Issue 16 in real Chromium against a real 4-node network with the departments' gateways: a
 * citizen finds 公共租赁住房资格申请 in the service hall, reads that both materials are pulled, signs
 * the consent with their own key; housing's officer accepts, pulls the citizen's household and
 * income data through housing's gateway, approves (issuing the 公租房资格确认书 pre-filled from
 * the pulled data) after a confirmation, and completes; the citizen sees "completed" in 我的办件
 * and, in "who used my data", both pulls with the case beside them.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import {
  type Gateway,
  gatewayDir,
  issueSubjectCredential,
  loadGatewayHome,
  startGatewayFromHome,
} from '@govchain/gateway'
import { seedServiceDemo } from '../../cli/src/demo/service.ts'
import { seedSharingDemo } from '../../cli/src/demo/sharing.ts'
import { reserveGatewayPorts } from '../../cli/src/testnet.ts'
import { type PortalFixture, type SeededHolder, seedHolders, startPortalFixture } from './helpers.ts'

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
      writeFileSync(
        join(net.dir, 'demo', 'identities.json'),
        JSON.stringify(holders.map((h) => (h.id === citizen.id ? { ...h, subjectCredential: credential } : h))),
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
  // The licence is pre-filled from the pulled data; approving asks for a confirmation first.
  assert.equal(await card.getByTestId('licence-holderName').inputValue(), person.name)
  await card.getByTestId('case-approve').click()
  await page.getByTestId('case-confirm').waitFor()
  await f.shot('service-confirm')
  await page.getByTestId('case-confirm-yes').click()
  await card.locator('[data-testid="case-status"]', { hasText: '已批准' }).waitFor({ timeout: 40_000 })
  await card.getByTestId('case-complete').click()
  await page.getByTestId('case-confirm-yes').click()
  await card.locator('[data-testid="case-status"]', { hasText: '已办结' }).waitFor({ timeout: 40_000 })

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
  await f.shot('service-mine')

  await page.goto(`${f.portal.url}/sharing/my-data`)
  await page.getByTestId('my-data-load').click()
  await page.getByTestId('access-row').nth(1).waitFor({ timeout: 40_000 })
  const cases = await page.getByTestId('access-case').allTextContents()
  assert.equal(cases.length, 2)
  for (const c of cases) assert.match(c, /^[0-9a-f]{12}…$/)
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})
