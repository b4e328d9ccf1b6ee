/**
 * Issue 7 in real Chromium against a real 4-node network with the departments' data gateways:
 * housing requests police's household data in the catalogue, police approves, housing fetches
 * a citizen's record through its own gateway (the data arrives, with its on-chain receipt), and
 * the citizen sees that access in "who used my data".
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import {
  type Gateway,
  gatewayDir,
  issueSubjectCredential,
  loadGatewayHome,
  startGatewayFromHome,
} from '@govchain/gateway'
import { recordDemoDataUse, requestHousingGrants, seedSharingDemo } from '../../cli/src/demo/sharing.ts'
import { reserveGatewayPorts } from '../../cli/src/testnet.ts'
import { type PortalFixture, type SeededHolder, seedHolders, startPortalFixture } from './helpers.ts'

let f: PortalFixture
const gateways: Gateway[] = []
let person: { idNumber: string; name: string }
let citizen: SeededHolder
/** Housing's gateway, local (officer) side: the test records more uses of the citizen's data through it. */
let housingLocalUrl = ''

before(async () => {
  f = await startPortalFixture({
    suite: 'gm',
    seed: async (net) => {
      // Gateways: 30000-32699, below the ephemeral range (32768-60999) and above the test networks.
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
      person = demo.people[0]!
      housingLocalUrl = demo.gateways.housing!.localUrl
      const holders = await seedHolders(net)
      citizen = holders.find((h) => h.kind === 'citizen')!
      // The identity authority (police) binds the citizen's DID to their pseudonym, off chain.
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

test('a department requests data, another approves, the data arrives, the citizen sees the access', async () => {
  const { page } = f
  // housing requests police.household from the catalogue.
  await login('officer:housing')
  await page.goto(`${f.portal.url}/sharing/catalog`)
  await page.getByTestId('resource-police.household').waitFor()
  await f.shot('sharing-catalog')
  await page.getByTestId('request-police.household').click()
  await page.getByTestId('rq-purpose').fill('公租房资格审核')
  await page.getByTestId('rq-basis').fill('《公共租赁住房管理办法》第七条')
  await page.getByTestId('rq-submit').click()
  await page.waitForURL(/\/sharing\/requests$/, { timeout: 40_000 })
  const mine = page.getByTestId('outgoing').getByTestId('request-row-police.household').first()
  await mine.waitFor()
  assert.equal(await mine.getAttribute('data-state'), 'pending')

  // police approves.
  await login('officer:police')
  await page.goto(`${f.portal.url}/sharing/requests`)
  const incoming = page.getByTestId('incoming').getByTestId('request-row-police.household').first()
  await incoming.waitFor()
  await incoming.getByTestId('approve').click()
  await page
    .getByTestId('incoming')
    .locator('[data-testid="request-row-police.household"][data-state="active"]')
    .waitFor({ timeout: 40_000 })
  await f.shot('sharing-approved')

  // housing fetches the citizen's record through its own gateway.
  await login('officer:housing')
  await page.goto(`${f.portal.url}/sharing/requests`)
  const active = page
    .getByTestId('outgoing')
    .locator('[data-testid="request-row-police.household"][data-state="active"]')
  await active.waitFor()
  await active.getByTestId('fetch-open').click()
  await page.getByTestId('fetch-value').fill(person.idNumber)
  await page.getByTestId('fetch-run').click()
  const result = page.getByTestId('fetch-result')
  await result.waitFor({ timeout: 40_000 })
  assert.match((await result.textContent()) ?? '', new RegExp(person.name))
  await f.shot('sharing-fetched')

  // The citizen sees that housing used their data, and why.
  await login(citizen.id)
  await page.goto(`${f.portal.url}/sharing/my-data`)
  await page.getByTestId('my-data-load').click()
  const row = page.getByTestId('access-row').first()
  await row.waitFor({ timeout: 40_000 })
  const text = (await row.textContent()) ?? ''
  assert.match(text, /住房/)
  assert.match(text, /公租房资格审核/)
  await f.shot('sharing-my-data')
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})

test("the auditor exports the data's lineage as CSV with a proof bundle that verifies offline", async () => {
  const { page, net } = f
  const { getSuite, lineageEvidenceCheck, renderLineageRow, verifyProofBundle } = await import('@govchain/sdk')
  await login('officer:police')
  await page.goto(`${f.portal.url}/sharing/audit`)
  await page.getByTestId('audit-resource').fill('police.household')
  await page.getByTestId('audit-run').click()
  await page.getByTestId('audit-proofs').waitFor({ timeout: 40_000 })
  const save = async (testId: string) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()])
    return readFileSync((await download.path())!, 'utf8')
  }
  const csv = await save('audit-export-csv')
  const bundle = JSON.parse(await save('audit-export-bundle')) as {
    rows: { cells: string[]; evidence?: { inclusion: { root: string; leafIndex: number; treeSize: number } } }[]
  }
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a byte order mark, for Excel')
  assert.match(csv, /共享申请 request/)
  assert.match(csv, /调取回执 receipt/)
  const client = net.clients[net.net.nodes[0]!.name]!
  const status = await client.status()
  // Offline: the validator set is the one the verifier trusts; nothing else is asked of a node.
  const trusted = (await client.validators()).validatorSet
  const check = (text: string, b: unknown = bundle) =>
    verifyProofBundle({
      bundle: b,
      csv: text,
      suite: getSuite('gm'),
      chainId: status.chainId,
      trustedValidatorSet: trusted,
      render: renderLineageRow,
      checkEvidence: lineageEvidenceCheck(getSuite('gm')),
    })
  const ok = check(csv)
  assert.deepEqual(ok.failures, [])
  assert.ok(ok.ok && ok.verified >= 3, JSON.stringify(ok))
  // The gateways record receipts in batches (ADR 0036): each batched access carries its RFC 9162
  // inclusion proof and the state proof of its committed batch root, checked offline above.
  const batched = bundle.rows.filter((r) => r.evidence !== undefined)
  assert.ok(batched.length >= 1, 'a batched access carries its inclusion proof')
  assert.ok(batched.every((r) => r.cells[0] === '调取回执 receipt'))
  assert.equal(ok.evidenced, batched.length)
  // A wrong inclusion proof is refused with its code.
  const forged = JSON.parse(JSON.stringify(bundle)) as typeof bundle
  const e = forged.rows.find((r) => r.evidence !== undefined)!.evidence!
  e.inclusion.leafIndex = e.inclusion.treeSize
  const wrong = check(csv, forged)
  assert.equal(wrong.ok, false)
  assert.deepEqual(
    wrong.failures.map((f) => f.code),
    ['SHARING_INCLUSION_INVALID'],
  )
  // One cell changed in the CSV: that row fails.
  const tampered = csv.replace(/(调取回执 receipt,\d+,[^,]+,)police,/, '$1tax,')
  assert.notEqual(tampered, csv)
  const bad = check(tampered)
  assert.equal(bad.ok, false)
  assert.equal(bad.failures[0]!.code, 'ROW_MISMATCH')
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})

/** A local calendar day as a date input takes it (the browser runs in this machine's time zone). */
function day(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

test('the citizen filters who used their data by department and date on the node, and exports it as CSV', async () => {
  const { page } = f
  // Past one page (20 a page): 20 more uses of the citizen's record by housing, each a receipt on chain.
  const grants = await requestHousingGrants({ net: f.net.net, clients: f.net.clients })
  for (let i = 0; i < 20; i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        await recordDemoDataUse({
          net: f.net.net,
          housingLocalUrl,
          grantId: grants.household,
          idNumber: person.idNumber,
        })
        break
      } catch (e) {
        // The gateway limits a client's rate: wait and ask again, as its officer would.
        if (attempt >= 10 || !/RATE_LIMITED/.test(String(e))) throw e
        await new Promise((r) => setTimeout(r, 1_000))
      }
    }
  }
  await login(citizen.id)
  await page.goto(`${f.portal.url}/sharing/my-data`)
  const rows = page.getByTestId('access-row')
  const search = async () => {
    await page.getByTestId('my-data-load').click()
    await page
      .locator('[data-testid="access-row"], [data-testid="access-none"], [data-testid="error"]')
      .first()
      .waitFor({
        timeout: 40_000,
      })
  }
  // Another department: none of the uses are theirs.
  await page.getByTestId('access-filter-department').selectOption('tax')
  await search()
  await page.getByTestId('access-none').waitFor()
  // Housing's use, today (block time, the citizen's days).
  await page.getByTestId('access-filter-department').selectOption('housing')
  await page.getByTestId('access-filter-from').fill(day(0))
  await page.getByTestId('access-filter-to').fill(day(0))
  await search()
  assert.ok((await rows.count()) >= 1)
  assert.deepEqual(
    [...new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-org'))))],
    ['housing'],
  )
  // Plain language: field labels from the catalogue, never the codes; the codes sit behind 详情.
  const fieldsText = (await rows.first().locator('td').nth(4).textContent()) ?? ''
  assert.match(fieldsText, /公民身份号码/)
  assert.doesNotMatch(fieldsText, /id_number/)
  await f.shot('sharing-my-data-filtered')
  // Tomorrow onwards: nothing yet.
  await page.getByTestId('access-filter-from').fill(day(1))
  await page.getByTestId('access-filter-to').fill(day(1))
  await search()
  await page.getByTestId('access-none').waitFor()
  // A start after the end: the node's coded refusal, in words.
  await page.getByTestId('access-filter-from').fill(day(1))
  await page.getByTestId('access-filter-to').fill(day(0))
  await search()
  assert.match(
    (await page.getByTestId('my-data').getByTestId('error').textContent()) ?? '',
    /起始日期晚于截止日期.*INVALID_DATE_RANGE/,
  )

  // Today's uses by any department, exported: every page walked into one CSV.
  await page.getByTestId('access-filter-department').selectOption('')
  await page.getByTestId('access-filter-from').fill(day(0))
  await search()
  // "更多" asks the node for the next page (a new signed challenge): nothing repeated, none lost.
  await page.getByTestId('access-more').waitFor()
  assert.equal(await rows.count(), 20, 'one page from the node')
  const firstPage = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-receipt')))
  await page.getByTestId('access-more').click()
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="access-row"]').length > 20)
  await page.getByTestId('access-more').waitFor({ state: 'detached' })
  const shown = await rows.count()
  assert.ok(shown >= 21, `both pages: ${shown}`)
  const receipts = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-receipt')))
  assert.ok(
    receipts.every((r) => r !== null && r !== ''),
    'every row names its receipt',
  )
  assert.equal(new Set(receipts).size, shown, 'nothing repeated across pages')
  assert.deepEqual(receipts.slice(0, 20), firstPage, 'the next page is added below the first')
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('access-export').click()])
  assert.equal(download.suggestedFilename(), 'my-data-uses.csv')
  const csv = readFileSync((await download.path())!, 'utf8')
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a byte order mark, for Excel')
  const lines = csv.slice(1).trimEnd().split('\r\n')
  assert.equal(lines[0], '时间,使用部门,数据资源,提供部门,用途,法律依据,字段,办件,高度,回执编号')
  assert.equal(lines.length - 1, shown)
  assert.match(csv, /公租房资格审核/)
  assert.match(csv, /公民身份号码/)
  assert.doesNotMatch(csv, /id_number/)
  assert.match((await page.getByTestId('access-progress').textContent()) ?? '', new RegExp(`已导出 ${shown} 条`))
  assert.deepEqual(
    f.pageErrors.filter((e) => !/status of 4\d\d/.test(e)),
    [],
  )
})
