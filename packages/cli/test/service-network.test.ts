/**
 * Issue 16, the one-network service hall, end to end on 4 validators and 4 data gateways (real
 * processes, gm): housing publishes 公共租赁住房资格申请; a citizen applies once through the CLI
 * with one consent and uploads nothing; housing's officer accepts and pulls household data from
 * police and income data from tax through housing's own gateway (only the applicant's rows, only
 * the consented fields); a pull for another person under the same case is refused and recorded
 * on chain; the officer approves, which issues the 公租房资格确认书 in the same block, and completes;
 * a pull after the case closed is refused; the citizen's "who used my data" shows the case
 * beside each access; and another officer of housing cannot pull the case's data. A second case
 * is approved and completed in one transaction (`service decide --complete`, 批准并办结).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { encode, getSuite, toHex } from '@govchain/core'
import { gatewayDir, issueSubjectCredential, loadGatewayHome } from '@govchain/gateway'
import { AddOfficerArgs, CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { buildTx, signSharingAuth } from '@govchain/sdk'
import type { CaseAnswer } from '@govchain/service'
import { signGatewayLocalFetch } from '@govchain/sharing/client'
import { type GatewayProcess, startGatewayProcess } from '../src/demo/gateway-procs.ts'
import { GZF_ITEM, seedServiceDemo } from '../src/demo/service.ts'
import { type SharingDemo, seedSharingDemo } from '../src/demo/sharing.ts'
import { reserveGatewayPorts, runCli, startNetwork, type TestNetwork, waitUntil } from '../src/testnet.ts'

const suite = getSuite('gm')
let net: TestNetwork
let demo: SharingDemo
let tmp: string
const gateways: Record<string, GatewayProcess> = {}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(net.net.nodes.map((n) => n.apiUrl).join(','), args)
}

async function api<T>(path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${net.net.nodes[1]!.apiUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, json: (await res.json()) as T }
}

function keyFile(name: string, k: { publicKey: Uint8Array; privateKey: Uint8Array }): string {
  const path = join(tmp, `${name}.json`)
  writeFileSync(path, JSON.stringify({ suite: 'gm', publicKey: toHex(k.publicKey), privateKey: toHex(k.privateKey) }))
  return path
}

async function commit(org: string, tx: { bytes: Uint8Array; hashHex: string }): Promise<string> {
  await net.clients[org]!.submitTx(tx.bytes)
  return (await net.clients[org]!.waitForTx(tx.hashHex, { timeoutMs: 30_000 })).code ?? 'PENDING'
}

/**
 * A citizen's wallet: a DID committed on chain, and the identity authority's (police's gateway)
 * binding of it to the person's pseudonym, written to `file` in the test's directory.
 */
async function newCitizen(idNumber: string, file: string) {
  const wallet = suite.generateKeyPair()
  const status = await net.clients.housing!.status()
  const createDid = buildTx({
    suite,
    chainId: net.net.chainId,
    privateKey: wallet.privateKey,
    module: 'identity',
    method: 'createDid',
    args: encode(CreateDidArgs, {}),
    validUntilHeight: status.height + 100,
  })
  assert.equal(await commit('housing', createDid), 'OK')
  const did = deriveDid(suite, wallet.publicKey)
  const police = net.net.nodes.find((n) => n.orgId === 'police')!
  const credential = issueSubjectCredential(loadGatewayHome(gatewayDir(police.home)), did, 'person', idNumber)
  const credentialFile = join(tmp, file)
  writeFileSync(credentialFile, JSON.stringify(credential))
  return { wallet, did, credential, credentialFile }
}

/** Housing's officer asks housing's own gateway to pull (the local API), as the portal console does. */
async function pull(
  officer: { publicKey: Uint8Array; privateKey: Uint8Array },
  grantId: string,
  fields: string[],
  filter: { field: string; values: string[] } | null = null,
) {
  const body = signGatewayLocalFetch(suite, officer.privateKey, {
    grantId,
    fields,
    filter,
    timeMs: Date.now(),
    nonce: randomBytes(16).toString('hex'),
  })
  const res = await fetch(`${gateways.housing!.localUrl}/v1/local/fetch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return {
    status: res.status,
    json: (await res.json()) as { rows: Record<string, unknown>[]; txHash: string | null; code?: string },
  }
}

describe('一网通办: the 公租房 case across 4 departments (multi-process)', { timeout: 600_000 }, () => {
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'gm', keep: true })
    tmp = mkdtempSync(join(tmpdir(), 'govchain-service-'))
    const base = await reserveGatewayPorts()
    demo = await seedSharingDemo({
      dir: net.dir,
      net: net.net,
      gatewayBasePort: base,
      localBasePort: base + 50,
      people: 12,
      clients: net.clients,
    })
    for (const n of net.net.nodes) {
      const configPath = join(n.home, 'gateway', 'gateway.json')
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>
      writeFileSync(configPath, JSON.stringify({ ...config, refusalIntervalMs: 2000 }))
      gateways[n.orgId] = await startGatewayProcess(n.orgId, n.home, net.dir)
    }
    assert.deepEqual(await seedServiceDemo({ net: net.net, clients: net.clients }), [GZF_ITEM.code])
  })
  after(async () => {
    await Promise.all(Object.values(gateways).map((g) => g.stop()))
    if (net !== undefined) {
      await net.stopAll()
      if (!process.env.GOVCHAIN_KEEP_NET) rmSync(net.dir, { recursive: true, force: true })
    }
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true })
  })

  it('apply once with no paper, pull only the applicant’s consented data, decide with a licence, close', async () => {
    const person = demo.people[4]!
    const other = demo.people[7]!
    const { wallet, did, credential, credentialFile } = await newCitizen(person.idNumber, 'subject.json')

    // The hall and the guide: both materials are pulled, none is uploaded.
    const items = await cli(['service', 'items', '--q', '公共租赁'])
    assert.equal(items.code, 0, items.stderr)
    assert.match(items.stdout, /BJ-ZJW-GZF-001/)
    const guide = await cli(['service', 'item', GZF_ITEM.code])
    assert.equal(guide.code, 0, guide.stderr)
    assert.equal((guide.stdout.match(/no paper:/g) ?? []).length, 2)

    const applied = await cli([
      'service',
      'apply',
      '--key',
      keyFile('wallet', wallet),
      '--item',
      GZF_ITEM.code,
      '--credential',
      credentialFile,
    ])
    assert.equal(applied.code, 0, applied.stderr)
    const caseId = /case ([0-9a-f]{64})/.exec(applied.stdout)?.[1]
    assert.ok(caseId, applied.stdout)
    let c = (await api<CaseAnswer>(`/v1/service/cases/${caseId}`)).json.case
    assert.equal(c.status, 'submitted')
    assert.equal(c.grants.length, 2)
    const [household, tax] = c.grants as [string, string]

    const officerKey = net.keys.housing!
    const officerFile = keyFile('housing-officer', officerKey)
    // Before acceptance nobody pulls: the data is for the officer who accepts the case.
    assert.equal((await pull(officerKey, household, ['name'])).json.code, 'SERVICE_NOT_CASE_OFFICER')
    const accepted = await cli([
      'service',
      'accept',
      '--key',
      officerFile,
      '--case',
      caseId,
      '--reason',
      'materials-complete',
    ])
    assert.equal(accepted.code, 0, accepted.stderr)

    // The pulls: the applicant's rows only, the consented fields only.
    const h = await pull(officerKey, household, ['name', 'household_address', 'household_type'])
    assert.equal(h.status, 200, JSON.stringify(h.json))
    assert.deepEqual(
      h.json.rows.map((r) => r.name),
      [person.name],
    )
    const t = await pull(officerKey, tax, ['tax_year', 'taxable_income'])
    assert.equal(t.status, 200, JSON.stringify(t.json))
    assert.equal(t.json.rows.length, 2)
    // Fields outside the consent, another person under the same case, another officer: refused.
    assert.equal((await pull(officerKey, household, ['phone'])).json.code, 'SHARING_FIELD_NOT_GRANTED')
    const forOther = await pull(officerKey, household, ['name'], { field: 'name', values: [other.name] })
    assert.equal(forOther.json.code, 'SHARING_CASE_MISMATCH')
    const colleague = suite.generateKeyPair()
    const h2 = await net.clients.housing!.status()
    const addColleague = buildTx({
      suite,
      chainId: net.net.chainId,
      privateKey: officerKey.privateKey,
      module: 'identity',
      method: 'addOfficer',
      args: encode(AddOfficerArgs, {
        orgId: 'housing',
        officerId: 'housing-colleague',
        publicKey: colleague.publicKey,
        roles: ['approver'],
      }),
      validUntilHeight: h2.height + 100,
    })
    assert.equal(await commit('housing', addColleague), 'OK')
    // (The gateway caches its department's officers for 5 s: wait until it knows the colleague.)
    const colleagueCode = await waitUntil('the gateway knows the new officer', async () => {
      const code = (await pull(colleague, household, ['name'])).json.code
      return code === 'IDENTITY_WRONG_ORGANISATION' ? undefined : code
    })
    assert.equal(colleagueCode, 'SERVICE_NOT_CASE_OFFICER')

    // Approve, issuing the licence in the decision's transaction, and complete.
    const fields = join(tmp, 'fields.json')
    writeFileSync(fields, JSON.stringify({ holderName: person.name, address: person.address }))
    const issuerCode = (await api<{ organisation: { code: string } }>('/v1/organisations/housing')).json.organisation
      .code
    const decided = await cli([
      'service',
      'decide',
      '--key',
      officerFile,
      '--case',
      caseId,
      '--approve',
      '--reason',
      'eligible',
      '--license-fields',
      fields,
      '--issuer-code',
      issuerCode,
      '--credential-out',
      join(tmp, 'credential.txt'),
    ])
    assert.equal(decided.code, 0, decided.stderr)
    c = (await api<CaseAnswer>(`/v1/service/cases/${caseId}`)).json.case
    assert.equal(c.status, 'approved')
    const issuedLicense = (await api<{ license: { holder: string; issuedHeight: number } }>(`/v1/licenses/${c.result}`))
      .json.license
    assert.equal(issuedLicense.holder, did)
    const steps = (await api<CaseAnswer>(`/v1/service/cases/${caseId}`)).json.steps
    assert.equal(steps.at(-1)!.action, 'approve')
    assert.equal(steps.at(-1)!.height, issuedLicense.issuedHeight)
    const done = await cli([
      'service',
      'complete',
      '--key',
      officerFile,
      '--case',
      caseId,
      '--reason',
      'result-delivered',
    ])
    assert.equal(done.code, 0, done.stderr)
    const shown = await cli(['service', 'case', caseId])
    assert.match(shown.stdout, /status\s+completed/)

    // Closed: the consent no longer allows pulls.
    assert.equal((await pull(officerKey, household, ['name'])).json.code, 'SHARING_CASE_CLOSED')

    // The refusals reach the chain with their grant (police's gateway records per interval).
    await waitUntil('refusals on chain', async () => {
      const r = (
        await api<{ refusals: { code: string; grantId: string | null }[] }>('/v1/sharing/refusals?provider=police')
      ).json.refusals
      const codes = r.filter((x) => x.grantId === household).map((x) => x.code)
      return codes.includes('SHARING_CASE_MISMATCH') && codes.includes('SHARING_CASE_CLOSED')
    })

    // 我的办件 and "who used my data": the case, and the case beside each access.
    const { challenge } = (await api<{ challenge: string }>('/v1/service/auth/challenge', {})).json
    const { signMyCases } = await import('@govchain/service/client')
    const mine = (
      await api<{ cases: { caseId: string; status: string }[] }>(
        '/v1/service/my-cases',
        signMyCases({ suite, chainId: net.net.chainId, did, privateKey: wallet.privateKey, challenge }),
      )
    ).json
    assert.deepEqual(mine.cases, [expectedCase(caseId, mine.cases[0]!)])
    const auth = (await api<{ challenge: string }>('/v1/sharing/auth/challenge', {})).json.challenge
    const accesses = (
      await api<{ accesses: { caseId: string | null; consumerOrg: string }[] }>('/v1/sharing/my-accesses', {
        did,
        publicKey: toHex(wallet.publicKey),
        challenge: auth,
        signature: signSharingAuth({
          suite,
          chainId: net.net.chainId,
          purpose: 'my-accesses',
          challenge: auth,
          privateKey: wallet.privateKey,
        }),
        credential,
      })
    ).json.accesses
    assert.equal(accesses.length, 2)
    for (const a of accesses) {
      assert.equal(a.caseId, caseId)
      assert.equal(a.consumerOrg, 'housing')
    }
  })

  it('批准并办结 from the CLI: decide --complete closes the case with the licence, one transaction', async () => {
    const person = demo.people[5]!
    const { wallet, did, credentialFile } = await newCitizen(person.idNumber, 'subject-2.json')
    const applied = await cli([
      'service',
      'apply',
      '--key',
      keyFile('wallet-2', wallet),
      '--item',
      GZF_ITEM.code,
      '--credential',
      credentialFile,
    ])
    assert.equal(applied.code, 0, applied.stderr)
    const caseId = /case ([0-9a-f]{64})/.exec(applied.stdout)![1]!
    const officerFile = keyFile('housing-officer-2', net.keys.housing!)
    const accepted = await cli([
      'service',
      'accept',
      '--key',
      officerFile,
      '--case',
      caseId,
      '--reason',
      'materials-complete',
    ])
    assert.equal(accepted.code, 0, accepted.stderr)
    const fields = join(tmp, 'fields-2.json')
    writeFileSync(fields, JSON.stringify({ holderName: person.name, address: person.address }))
    const decide = ['service', 'decide', '--key', officerFile, '--case', caseId, '--reason', 'eligible']
    // --complete without a licence is refused before anything is signed: the case stays accepted.
    const refused = await cli([...decide, '--approve', '--complete'])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /INVALID_ARGUMENT/)
    assert.equal((await api<CaseAnswer>(`/v1/service/cases/${caseId}`)).json.case.status, 'accepted')
    const issuerCode = (await api<{ organisation: { code: string } }>('/v1/organisations/housing')).json.organisation
      .code
    const done = await cli([
      ...decide,
      '--approve',
      '--license-fields',
      fields,
      '--issuer-code',
      issuerCode,
      '--complete',
    ])
    assert.equal(done.code, 0, done.stderr)
    assert.match(done.stdout, /case completed/)
    const a = (await api<CaseAnswer>(`/v1/service/cases/${caseId}`)).json
    assert.equal(a.case.status, 'completed')
    const steps = a.steps.slice(-2)
    assert.deepEqual(
      steps.map((x) => x.action),
      ['approve', 'complete'],
    )
    assert.equal(steps[0]!.txHash, steps[1]!.txHash)
    const license = (await api<{ license: { holder: string } }>(`/v1/licenses/${a.case.result}`)).json.license
    assert.equal(license.holder, did)
    // The consent ended with it.
    const [household] = a.case.grants as [string]
    assert.equal((await pull(net.keys.housing!, household, ['name'])).json.code, 'SHARING_CASE_CLOSED')
  })
})

function expectedCase(caseId: string, got: { caseId: string; status: string }) {
  assert.equal(got.caseId, caseId)
  assert.equal(got.status, 'completed')
  return got
}
