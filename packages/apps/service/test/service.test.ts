/**
 * The service hall through real blocks with the built-in modules (issue 16): a department
 * publishes an item; the applicant applies once with one consent, which opens one grant per pull
 * scoped to the applicant's pseudonym; the case runs submitted → accepted → approved → completed,
 * issuing a license in the decision's own transaction and revoking the grants when it closes; an
 * officer without the role, of another department or not the accepting one cannot decide; an SLA
 * breach is flagged; the newborn one-thing completes across four departments; and nothing on
 * chain holds the applicant's name or identity number, in clear or hashed.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ModuleRegistry, txHashOf } from '@govchain/app'
import { CatalogPublishArgs } from '@govchain/catalog/schema'
import { suites, toHex, utf8 } from '@govchain/core'
import { BUILTIN_MODULES } from '@govchain/distribution'
import {
  GovChain,
  GZF_TEST_ITEM,
  makeConsortium,
  personalDataHits,
  storeHolds,
  testGateways,
  testLicenseType,
  testResource,
  tx,
} from '@govchain/distribution/testkit'
import type { GovernanceKeeper } from '@govchain/governance'
import { ProposeArgs, VoteArgs } from '@govchain/governance/schema'
import { AddOfficerArgs, CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import type { LicenseKeeper } from '@govchain/license'
import { DefineTypeArgs, licenseId } from '@govchain/license/schema'
import type { SharingKeeper } from '@govchain/sharing'
import { subjectCredentialMessage, subjectPseudonym } from '@govchain/sharing/schema'
import { buildConsent } from '../src/client.ts'
import { renderCase, renderItem, type ServiceKeeper, serviceApp } from '../src/index.ts'
import {
  type CaseRecord,
  ServicePublishArgs as PublishCodec,
  SERVICE_MODULE,
  ServiceApplyArgs,
  ServiceApproveArgs,
  ServiceDecideArgs,
  type ServicePublishArgs,
  type ServiceResultLicense,
  ServiceStepArgs,
  ServiceWithdrawArgs,
  type WorkingCalendar,
  workingDeadline,
} from '../src/schema.ts'

type Key = { publicKey: Uint8Array; privateKey: Uint8Array }

/** A case's step actions, oldest first, read one by one up to its history count. */
function actions(k: ServiceKeeper, caseId: Uint8Array): string[] {
  const c = k.case(caseId)!
  return Array.from({ length: c.historyCount }, (_, seq) => k.step(caseId, seq)!.action)
}

const APPLICANT_NAME = '王小明（测试申请人）'
const APPLICANT_ID = '11010519491231002X'
const OTHER_ID = '110101199003077777'

const GZF = GZF_TEST_ITEM

for (const suite of [suites.intl, suites.gm]) {
  describe(`service (${suite.name})`, () => {
    const modules = new ModuleRegistry([...BUILTIN_MODULES.filter((m) => m.name !== SERVICE_MODULE), serviceApp])
    const did = (k: Key) => deriveDid(suite, k.publicKey)

    /** Departments with resources, gateways (police is the pseudonym authority), a license type and one applicant. */
    function setup(orgs: readonly string[] = ['market', 'housing', 'police', 'tax']) {
      const c = makeConsortium(suite, orgs)
      const g = new GovChain(suite, c.genesis, modules)
      g.step()
      const op = (org: string) => c.operators[org]!
      const pseudonymKey = new Uint8Array(32).fill(9)
      const { keys: gw, txs: setup } = testGateways(suite, c.operators, orgs)
      const publish = (org: string, args: CatalogPublishArgs) =>
        tx(suite, op(org), 'catalog', 'publish', CatalogPublishArgs, args)
      setup.push(
        publish(
          'police',
          testResource('police', 'police.household', [
            ['name', 'personal'],
            ['id_number', 'personal'],
            ['household_type', 'internal'],
          ]),
        ),
      )
      if (orgs.includes('tax'))
        setup.push(publish('tax', testResource('tax', 'tax.income', [['annual_income', 'personal']])))
      if (orgs.includes('housing')) {
        setup.push(
          tx(
            suite,
            op('housing'),
            'license',
            'defineType',
            DefineTypeArgs,
            testLicenseType('GZFZG', 'gzf', '公租房资格确认书', 'housing'),
          ),
        )
      }
      const applicant = suite.generateKeyPair()
      setup.push(tx(suite, applicant, 'identity', 'createDid', CreateDidArgs, {}))
      for (const r of g.step(setup)) assert.equal(r.code, 'OK', JSON.stringify(r))
      const subject = subjectPseudonym(suite, pseudonymKey, 'person', APPLICANT_ID)
      const credential = {
        did: did(applicant),
        subject: toHex(subject),
        issuerOrg: 'police',
        signature: toHex(suite.sign(gw.police!.privateKey, subjectCredentialMessage(did(applicant), toHex(subject)))),
      }
      const k = () => g.keeper<ServiceKeeper>(SERVICE_MODULE)
      const now = () => g.timeMs
      const publishItem = (org: string, item: ServicePublishArgs) =>
        tx(suite, op(org), SERVICE_MODULE, 'publish', PublishCodec, item)
      const applyTx = (code: string, over: Partial<ServiceApplyArgs> = {}, from: Key = applicant) => {
        const item = renderItem(k().item(code)!)
        const parts = item.parts.map((p) => renderItem(k().item(p)!))
        const consent = buildConsent(item, parts, {})
        const args: ServiceApplyArgs = {
          itemCode: item.code,
          itemVersion: item.version,
          applicant: credential.did,
          subject,
          subjectIssuer: 'police',
          subjectSignature: Buffer.from(credential.signature, 'hex'),
          pulls: consent.pulls,
          licenses: consent.licenses,
          ...over,
        }
        return tx(suite, from, SERVICE_MODULE, 'apply', ServiceApplyArgs, args)
      }
      const step = (from: Key, method: string, caseId: Uint8Array, reasonCode: ServiceStepArgs['reasonCode']) =>
        tx(suite, from, SERVICE_MODULE, method, ServiceStepArgs, { caseId, reasonCode })
      const decide = (from: Key, caseId: Uint8Array, approve: boolean, license?: ServiceResultLicense) =>
        tx(suite, from, SERVICE_MODULE, 'decide', ServiceDecideArgs, {
          caseId,
          approve,
          reasonCode: approve ? 'eligible' : 'not-eligible',
          ...(license === undefined ? {} : { license }),
        })
      const approveAndComplete = (from: Key, caseId: Uint8Array, license: ServiceResultLicense) =>
        tx(suite, from, SERVICE_MODULE, 'approveAndComplete', ServiceApproveArgs, {
          caseId,
          reasonCode: 'eligible',
          license,
        })
      const caseOf = (applyBytes: Uint8Array): CaseRecord => k().case(txHashOf(suite, applyBytes))!
      return {
        c,
        g,
        op,
        gw,
        applicant,
        subject,
        credential,
        k,
        now,
        publishItem,
        applyTx,
        step,
        decide,
        approveAndComplete,
        caseOf,
      }
    }

    const license = (
      t: ReturnType<typeof setup>,
      typeCode: string,
      org: string,
      serial: string,
    ): ServiceResultLicense => ({
      id: licenseId({
        typeCode,
        issuerCode: t.c.genesis.organisations.find((o) => o.id === org)!.code,
        serial,
        version: 1,
      }),
      typeCode,
      holder: t.credential.did,
      credentialHash: new Uint8Array(32).fill(5),
      validFromMs: t.now(),
      validUntilMs: 0,
    })

    it('公租房 end to end: one consent, grants scoped to the applicant, license issued with the decision', () => {
      const t = setup()
      assert.equal(t.g.step([t.publishItem('housing', GZF)])[0]!.code, 'OK')
      const apply = t.applyTx(GZF.code)
      assert.equal(t.g.step([apply])[0]!.code, 'OK')
      let c = t.caseOf(apply)
      assert.equal(c.status, 'submitted')
      assert.equal(c.handlingOrg, 'housing')
      assert.equal(c.grants.length, 2)
      const sharing = t.g.keeper<SharingKeeper>('sharing')
      for (const [i, id] of c.grants.entries()) {
        const grant = sharing.request(id)!
        assert.equal(grant.status, 'approved')
        assert.equal(grant.consumerOrg, 'housing')
        assert.equal(grant.ownerOrg, GZF.pulls[i]!.providerOrg)
        assert.deepEqual(grant.grant?.fields, GZF.pulls[i]!.fields)
        assert.deepEqual(sharing.caseLink(id), { caseId: c.caseId, subject: t.subject })
      }
      const housing = t.op('housing')
      assert.equal(t.g.step([t.step(housing, 'accept', c.caseId, 'materials-complete')])[0]!.code, 'OK')
      c = t.k().case(c.caseId)!
      assert.equal(c.status, 'accepted')
      assert.equal(c.deadlineMs, workingDeadline(c.acceptedMs!, 20))
      const lic = license(t, 'GZFZG', 'housing', '0000000001')
      const [decided] = t.g.step([t.decide(housing, c.caseId, true, lic)])
      assert.equal(decided!.code, 'OK')
      c = t.k().case(c.caseId)!
      assert.equal(c.status, 'approved')
      assert.equal(c.result, lic.id)
      // The license exists from the decision's own block, issued by the deciding officer.
      const issued = t.g.keeper<LicenseKeeper>('license').license(lic.id)!
      assert.equal(issued.holder, t.credential.did)
      assert.equal(issued.issuedHeight, t.g.height)
      assert.equal(issued.issuerOrg, 'housing')
      assert.ok(decided!.events.some((e) => e.type === 'license.issued'))
      assert.ok(decided!.events.some((e) => e.type === 'service.step'))
      // Grants still open while the case is; completing it ends the consent in the same transaction.
      assert.equal(sharing.request(c.grants[0]!)!.status, 'approved')
      assert.equal(t.g.step([t.step(housing, 'complete', c.caseId, 'result-delivered')])[0]!.code, 'OK')
      c = t.k().case(c.caseId)!
      assert.equal(c.status, 'completed')
      for (const id of c.grants) assert.equal(t.g.keeper<SharingKeeper>('sharing').request(id)!.status, 'revoked')
      assert.deepEqual(actions(t.k(), c.caseId), ['apply', 'accept', 'approve', 'complete'])
      // Closed: nothing more happens to it.
      assert.equal(t.g.step([t.step(housing, 'complete', c.caseId, 'other')])[0]!.code, 'SERVICE_BAD_TRANSITION')
    })

    it('批准并办结: the licence issued with the approval completes the case in the same transaction', () => {
      const t = setup()
      assert.equal(t.g.step([t.publishItem('housing', GZF)])[0]!.code, 'OK')
      const apply = t.applyTx(GZF.code)
      assert.equal(t.g.step([apply])[0]!.code, 'OK')
      const id = t.caseOf(apply).caseId
      const housing = t.op('housing')
      const lic = license(t, 'GZFZG', 'housing', '0000000003')
      // Only an accepted case, only by the officer who accepted it, only with the item's licence.
      assert.equal(t.g.step([t.approveAndComplete(housing, id, lic)])[0]!.code, 'SERVICE_BAD_TRANSITION')
      assert.equal(t.g.step([t.step(housing, 'accept', id, 'materials-complete')])[0]!.code, 'OK')
      const refused = t.g.step([
        t.approveAndComplete(t.op('police'), id, lic),
        t.approveAndComplete(housing, id, { ...lic, typeCode: 'OTHER' }),
        t.approveAndComplete(housing, id, { ...lic, holder: 'did:gov:0000000000000000000000000000000000000000' }),
      ])
      assert.deepEqual(
        refused.map((r) => r.code),
        ['SERVICE_NOT_HANDLING_ORG', 'SERVICE_RESULT_MISMATCH', 'SERVICE_RESULT_MISMATCH'],
      )
      assert.equal(t.k().case(id)!.status, 'accepted')
      assert.equal(t.g.keeper<LicenseKeeper>('license').license(lic.id), undefined)
      const [done] = t.g.step([t.approveAndComplete(housing, id, lic)])
      assert.equal(done!.code, 'OK')
      const c = t.k().case(id)!
      assert.equal(c.status, 'completed')
      assert.equal(c.result, lic.id)
      assert.equal(c.closedMs, t.now())
      assert.equal(t.g.keeper<LicenseKeeper>('license').license(lic.id)!.issuedHeight, t.g.height)
      for (const g of c.grants) assert.equal(t.g.keeper<SharingKeeper>('sharing').request(g)!.status, 'revoked')
      // Both steps are on record, in order, from the one transaction.
      assert.deepEqual(actions(t.k(), id), ['apply', 'accept', 'approve', 'complete'])
      const steps = [2, 3].map((n) => t.k().step(id, n)!)
      assert.deepEqual(
        steps.map((s) => [s.reasonCode, s.officerId, toHex(s.txHash)]),
        [
          ['eligible', 'housing-admin', toHex(steps[0]!.txHash)],
          ['result-delivered', 'housing-admin', toHex(steps[0]!.txHash)],
        ],
      )
      assert.deepEqual(
        done!.events
          .filter((e) => e.type === 'service.step')
          .map((e) => ['action', 'status'].map((k) => e.attributes.find((a) => a.key === k)?.value)),
        [
          ['approve', 'approved'],
          ['complete', 'completed'],
        ],
      )
      assert.equal(t.g.step([t.step(housing, 'complete', id, 'other')])[0]!.code, 'SERVICE_BAD_TRANSITION')
    })

    it('a consent that is not exactly the item’s, a forged subject, or another’s key is refused', () => {
      const t = setup()
      t.g.step([t.publishItem('housing', GZF)])
      const item = renderItem(t.k().item(GZF.code)!)
      const consent = buildConsent(item, [], {})
      const fewer = consent.pulls.map((p, i) => (i === 0 ? { ...p, fields: ['household_type'] } : p))
      const other = suites[suite.name].generateKeyPair()
      const forged = subjectPseudonym(suite, new Uint8Array(32).fill(9), 'person', OTHER_ID)
      t.g.step([tx(suite, other, 'identity', 'createDid', CreateDidArgs, {})])
      const codes = t.g
        .step([
          t.applyTx(GZF.code, { pulls: fewer }),
          t.applyTx(GZF.code, { pulls: consent.pulls.slice(1) }),
          t.applyTx(GZF.code, { pulls: consent.pulls.map((p) => ({ ...p, purpose: '其他用途' })) }),
          t.applyTx(GZF.code, { subject: forged }),
          t.applyTx(GZF.code, { itemVersion: 2 }),
          t.applyTx(GZF.code, {}, other),
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, [
        'SERVICE_CONSENT_MISMATCH',
        'SERVICE_CONSENT_MISMATCH',
        'SERVICE_CONSENT_MISMATCH',
        'SERVICE_BAD_SUBJECT',
        'SERVICE_ITEM_NOT_FOUND',
        'SERVICE_NOT_APPLICANT',
      ])
      // Nothing was opened: no grant, no case.
      const seen = t.g.store.scanIndex(utf8('sharing/rq/a/'), 100)
      assert.equal(seen.length, 0)
    })

    it('only an approver of the handling department takes steps, and only the accepting officer decides', () => {
      const t = setup()
      const auditor = suite.generateKeyPair()
      const approver2 = suite.generateKeyPair()
      const officer = (officerId: string, key: Key, roles: AddOfficerArgs['roles']) =>
        tx(suite, t.op('housing'), 'identity', 'addOfficer', AddOfficerArgs, {
          orgId: 'housing',
          officerId,
          publicKey: key.publicKey,
          roles,
        })
      const setupCodes = t.g.step([
        t.publishItem('housing', GZF),
        officer('housing-auditor', auditor, ['auditor']),
        officer('housing-approver2', approver2, ['approver']),
      ])
      assert.deepEqual(
        setupCodes.map((r) => r.code),
        ['OK', 'OK', 'OK'],
      )
      const apply = t.applyTx(GZF.code)
      t.g.step([apply])
      const id = t.caseOf(apply).caseId
      const first = t.g.step([
        t.step(auditor, 'accept', id, 'materials-complete'),
        t.step(t.op('police'), 'accept', id, 'materials-complete'),
        t.decide(t.op('housing'), id, true),
      ])
      assert.equal(first[0]!.code, 'IDENTITY_ROLE_MISSING')
      assert.equal(first[1]!.code, 'SERVICE_NOT_HANDLING_ORG')
      assert.equal(first[2]!.code, 'SERVICE_BAD_TRANSITION')
      assert.equal(t.k().case(id)!.status, 'submitted')
      assert.equal(t.g.step([t.step(t.op('housing'), 'accept', id, 'materials-complete')])[0]!.code, 'OK')
      const second = t.g.step([
        t.decide(auditor, id, true),
        t.decide(approver2, id, true),
        t.decide(t.op('housing'), id, false, license(t, 'GZFZG', 'housing', '0000000002')),
      ])
      assert.deepEqual(
        second.map((r) => r.code),
        ['IDENTITY_ROLE_MISSING', 'SERVICE_NOT_CASE_OFFICER', 'SERVICE_RESULT_MISMATCH'],
      )
      assert.equal(t.k().case(id)!.status, 'accepted')
      // Rejected: closed at once, its grants revoked.
      assert.equal(t.g.step([t.decide(t.op('housing'), id, false)])[0]!.code, 'OK')
      const c = t.k().case(id)!
      assert.equal(c.status, 'rejected')
      for (const g of c.grants) assert.equal(t.g.keeper<SharingKeeper>('sharing').request(g)!.status, 'revoked')
    })

    it('send back and resubmit; an SLA breach is flagged on the case and on the late decision', () => {
      const t = setup()
      t.g.step([t.publishItem('housing', { ...GZF, slaDays: 1 })])
      const apply = t.applyTx(GZF.code)
      t.g.step([apply])
      const id = t.caseOf(apply).caseId
      const housing = t.op('housing')
      assert.deepEqual(
        t.g
          .step([
            t.step(housing, 'accept', id, 'materials-complete'),
            t.step(housing, 'sendBack', id, 'materials-missing'),
          ])
          .map((r) => r.code),
        ['OK', 'OK'],
      )
      assert.equal(t.k().case(id)!.status, 'returned')
      assert.equal(t.g.step([t.step(housing, 'resubmit', id, 'materials-complete')])[0]!.code, 'SERVICE_NOT_APPLICANT')
      assert.equal(t.g.step([t.step(t.applicant, 'resubmit', id, 'materials-complete')])[0]!.code, 'OK')
      let c = t.k().case(id)!
      assert.equal(c.status, 'accepted') // back to the officer who accepted it; the limit keeps running
      assert.equal(renderCase(c, t.now()).overdue, false)
      // Four days later (at least one working day has ended): overdue.
      t.g.stepAll([], 4 * 86_400_000)
      c = t.k().case(id)!
      assert.ok(t.now() > c.deadlineMs!)
      assert.equal(renderCase(c, t.now()).overdue, true)
      const [late] = t.g.step([t.decide(housing, id, true)])
      assert.equal(late!.code, 'OK')
      assert.ok(
        late!.events.some(
          (e) => e.type === 'service.step' && e.attributes.some((a) => a.key === 'late' && a.value === 'true'),
        ),
      )
      c = t.k().case(id)!
      assert.equal(c.late, true)
      assert.equal(renderCase(c, t.now()).overdue, true)
    })

    it('working days skip weekends in China time', () => {
      // 2026-12-04 is a Friday: one working day later is the end of Monday 2026-12-07 (CST).
      const friday = Date.parse('2026-12-04T10:00:00+08:00')
      assert.equal(workingDeadline(friday, 1), Date.parse('2026-12-08T00:00:00+08:00'))
      assert.equal(workingDeadline(friday, 5), Date.parse('2026-12-12T00:00:00+08:00'))
      // Late on a Sunday evening UTC is already Monday in Beijing.
      assert.equal(workingDeadline(Date.parse('2026-12-06T17:00:00Z'), 1), Date.parse('2026-12-09T00:00:00+08:00'))
    })

    it("the consortium's working calendar: statutory holidays skipped, 调休 weekend days counted", () => {
      // 2026-12-04 is a Friday. With Monday 12-07 a holiday, one working day ends Tuesday; with
      // Saturday 12-05 worked instead, it ends Saturday.
      const friday = Date.parse('2026-12-04T10:00:00+08:00')
      const cal =
        (holidays: number[], workdays: number[]): WorkingCalendar =>
        (d) =>
          holidays.includes(d) ? 'holiday' : workdays.includes(d) ? 'workday' : undefined
      assert.equal(workingDeadline(friday, 1, cal([20261207], [])), Date.parse('2026-12-09T00:00:00+08:00'))
      assert.equal(workingDeadline(friday, 1, cal([20261207], [20261205])), Date.parse('2026-12-06T00:00:00+08:00'))
      assert.equal(workingDeadline(friday, 1, cal([], [])), workingDeadline(friday, 1))

      // On chain: governance sets the year's calendar; an accepted case's deadline follows it.
      const t = setup()
      const year = new Date(t.now() + 8 * 3600_000).getUTCFullYear()
      // The next three weekdays after now become holidays.
      const holidays: number[] = []
      for (let day = Math.floor((t.now() + 8 * 3600_000) / 86_400_000) + 1; holidays.length < 3; day++) {
        const d = new Date(day * 86_400_000)
        const w = d.getUTCDay()
        const ymd = d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate()
        if (w !== 0 && w !== 6 && d.getUTCFullYear() === year) holidays.push(ymd)
        if (d.getUTCFullYear() > year) break
      }
      const propose = (actions: ProposeArgs['actions'], title: string) =>
        tx(suite, t.op('market'), 'governance', 'propose', ProposeArgs, {
          title,
          actions,
          effectiveHeight: 0,
          expiresHeight: t.g.height + 50,
        })
      // A holiday on a weekend, or a day of another year, is refused when proposed.
      assert.deepEqual(
        t.g
          .step([
            propose(
              [{ type: 'setWorkCalendar', value: { year, holidays: [year * 10_000 + 1301], workdays: [] } }],
              'bad',
            ),
          ])
          .map((r) => r.code),
        ['GOV_BAD_PROPOSAL'],
      )
      const calendar = { year, holidays, workdays: [] as number[] }
      assert.equal(t.g.step([propose([{ type: 'setWorkCalendar', value: calendar }], 'calendar')])[0]!.code, 'OK')
      const id = t.g.keeper<GovernanceKeeper>('governance').proposalIds(1)[0]!
      const votes = ['housing', 'police'].map((o) =>
        tx(suite, t.op(o), 'governance', 'vote', VoteArgs, { proposalId: id, approve: true }),
      )
      assert.deepEqual(
        t.g.step(votes).map((r) => r.code),
        ['OK', 'OK'],
      )
      t.g.step()
      const passed = t.g.keeper<GovernanceKeeper>('governance').proposal(id)!
      assert.equal(passed.status, 'passed', JSON.stringify({ status: passed.status, failure: passed.failure }))
      assert.deepEqual(t.g.keeper<GovernanceKeeper>('governance').workCalendar(year)?.holidays, [...holidays].sort())
      assert.equal(t.g.step([t.publishItem('housing', GZF)])[0]!.code, 'OK')
      const apply = t.applyTx(GZF.code)
      assert.equal(t.g.step([apply])[0]!.code, 'OK')
      const c0 = t.caseOf(apply)
      assert.equal(t.g.step([t.step(t.op('housing'), 'accept', c0.caseId, 'materials-complete')])[0]!.code, 'OK')
      const c = t.k().case(c0.caseId)!
      const withCalendar = workingDeadline(c.acceptedMs!, 20, cal(holidays, []))
      assert.equal(c.deadlineMs, withCalendar)
      assert.ok(withCalendar > workingDeadline(c.acceptedMs!, 20), 'the holidays push the deadline out')
    })

    it('新生儿出生一件事: one application fans out to four departments and completes when all have', () => {
      const orgs = ['health', 'police', 'hrss', 'medins']
      const t = setup(orgs)
      const publishResource = (org: string, id: string, fields: [string, 'personal' | 'internal'][]) =>
        tx(suite, t.op(org), 'catalog', 'publish', CatalogPublishArgs, testResource(org, id, fields))
      const part = (
        org: string,
        code: string,
        title: string,
        pulls: ServicePublishArgs['pulls'],
        resultType?: string,
      ) =>
        t.publishItem(org, {
          code,
          title,
          titleEn: code,
          legalBasis: '《国务院办公厅关于加快推进“一件事一次办”打造政务服务升级版的指导意见》',
          licenses: [],
          pulls,
          slaDays: 5,
          ...(resultType === undefined ? {} : { resultType }),
          parts: [],
        })
      const birth = { providerOrg: 'health', resourceId: 'health.birth', fields: ['birth_date'], purpose: '出生信息' }
      const setupCodes = t.g.step([
        publishResource('health', 'health.birth', [['birth_date', 'personal']]),
        tx(
          suite,
          t.op('health'),
          'license',
          'defineType',
          DefineTypeArgs,
          testLicenseType('CSYXZM', 'birth-cert', '出生医学证明', 'health'),
        ),
      ])
      assert.deepEqual(
        setupCodes.map((r) => r.code),
        ['OK', 'OK'],
      )
      const parts = t.g.step([
        part(
          'health',
          'BJ-WJW-CSZM-001',
          '出生医学证明签发',
          [{ providerOrg: 'police', resourceId: 'police.household', fields: ['household_type'], purpose: '父母户籍' }],
          'CSYXZM',
        ),
        part('police', 'BJ-GA-CSDJ-001', '出生户口登记', [birth]),
        part('hrss', 'BJ-RS-SBK-001', '社会保障卡申领', [birth]),
        part('medins', 'BJ-YB-CB-001', '城乡居民医保参保登记', [birth]),
      ])
      assert.deepEqual(
        parts.map((r) => r.code),
        ['OK', 'OK', 'OK', 'OK'],
      )
      const codes = ['BJ-WJW-CSZM-001', 'BJ-GA-CSDJ-001', 'BJ-RS-SBK-001', 'BJ-YB-CB-001']
      const bundle: ServicePublishArgs = {
        code: 'BJ-YJS-XSECS-001',
        title: '新生儿出生一件事',
        titleEn: 'Newborn one thing',
        legalBasis: '《国务院办公厅关于加快推进“一件事一次办”打造政务服务升级版的指导意见》',
        licenses: [],
        pulls: [],
        slaDays: 5,
        parts: codes,
      }
      assert.equal(t.g.step([t.publishItem('health', bundle)])[0]!.code, 'OK')
      const apply = t.applyTx(bundle.code)
      assert.equal(t.g.step([apply])[0]!.code, 'OK')
      const root = t.caseOf(apply)
      assert.equal(root.parts.length, 4)
      const subs = root.parts.map((id) => t.k().case(id)!)
      assert.deepEqual(
        subs.map((s) => s.handlingOrg),
        orgs,
      )
      assert.ok(subs.every((s) => s.grants.length === 1 && s.parent !== undefined))
      // The bundle itself is not handled: its parts are.
      assert.equal(t.g.step([t.step(t.op('health'), 'accept', root.caseId, 'other')])[0]!.code, 'SERVICE_BUNDLE_PART')
      const accept = subs.map((s) => t.step(t.op(s.handlingOrg), 'accept', s.caseId, 'materials-complete'))
      assert.deepEqual(
        t.g.step(accept).map((r) => r.code),
        ['OK', 'OK', 'OK', 'OK'],
      )
      const decide = subs.map((s, i) =>
        t.decide(
          t.op(s.handlingOrg),
          s.caseId,
          true,
          i === 0 ? license(t, 'CSYXZM', 'health', '0000000001') : undefined,
        ),
      )
      assert.deepEqual(
        t.g.step(decide).map((r) => r.code),
        ['OK', 'OK', 'OK', 'OK'],
      )
      assert.equal(t.k().case(subs[0]!.caseId)!.result, license(t, 'CSYXZM', 'health', '0000000001').id)
      // Three of four complete: the bundle is still open.
      const complete = subs.map((s) => t.step(t.op(s.handlingOrg), 'complete', s.caseId, 'result-delivered'))
      assert.deepEqual(
        t.g.step(complete.slice(0, 3)).map((r) => r.code),
        ['OK', 'OK', 'OK'],
      )
      assert.equal(t.k().case(root.caseId)!.status, 'submitted')
      assert.equal(t.g.step(complete.slice(3))[0]!.code, 'OK')
      const done = t.k().case(root.caseId)!
      assert.equal(done.status, 'completed')
      assert.deepEqual(actions(t.k(), root.caseId), ['apply', 'parts-completed'])
      for (const s of subs)
        for (const g of s.grants) assert.equal(t.g.keeper<SharingKeeper>('sharing').request(g)!.status, 'revoked')
    })

    it('items: versions, withdrawal, owners, and bad items are refused with codes', () => {
      const t = setup()
      assert.equal(t.g.step([t.publishItem('housing', GZF)])[0]!.code, 'OK')
      const codes = t.g
        .step([
          t.publishItem('housing', { ...GZF, title: '公共租赁住房资格申请（2027版）' }),
          t.publishItem('police', GZF),
          t.publishItem('housing', { ...GZF, code: 'bad code' }),
          t.publishItem('housing', { ...GZF, code: 'BJ-X-1', pulls: [{ ...GZF.pulls[0]!, fields: ['nope'] }] }),
          t.publishItem('housing', { ...GZF, code: 'BJ-X-2', pulls: [{ ...GZF.pulls[0]!, providerOrg: 'tax' }] }),
          t.publishItem('housing', { ...GZF, code: 'BJ-X-3', title: '电话13800138000' }),
          t.publishItem('housing', { ...GZF, code: 'BJ-X-4', slaDays: 0 }),
          t.publishItem('housing', { ...GZF, code: 'BJ-X-5', resultType: 'NOPE' }),
          t.publishItem('housing', { ...GZF, code: 'BJ-X-6', parts: [GZF.code] }),
        ])
        .map((r) => r.code)
      assert.deepEqual(codes, [
        'OK',
        'SERVICE_NOT_ITEM_OWNER',
        'SERVICE_BAD_ITEM',
        'SERVICE_BAD_ITEM',
        'SERVICE_BAD_ITEM',
        'SERVICE_BAD_ITEM',
        'SERVICE_BAD_ITEM',
        'SERVICE_BAD_ITEM',
        'SERVICE_BAD_ITEM',
      ])
      assert.equal(t.k().item(GZF.code)!.version, 2)
      assert.equal(t.k().item(GZF.code, 1)!.title, GZF.title)
      // An application names the version it consents to.
      assert.equal(t.g.step([t.applyTx(GZF.code, { itemVersion: 1 })])[0]!.code, 'SERVICE_ITEM_NOT_FOUND')
      assert.equal(
        t.g.step([tx(suite, t.op('housing'), SERVICE_MODULE, 'withdraw', ServiceWithdrawArgs, { code: GZF.code })])[0]!
          .code,
        'OK',
      )
      assert.equal(t.g.step([t.applyTx(GZF.code)])[0]!.code, 'SERVICE_ITEM_WITHDRAWN')
    })

    it('no applicant name or identity number on chain, in clear or as an unkeyed hash', () => {
      const t = setup()
      t.g.step([t.publishItem('housing', GZF)])
      const apply = t.applyTx(GZF.code)
      t.g.step([apply])
      const id = t.caseOf(apply).caseId
      const housing = t.op('housing')
      t.g.step([t.step(housing, 'accept', id, 'materials-complete')])
      t.g.step([t.decide(housing, id, true, license(t, 'GZFZG', 'housing', '0000000003'))])
      t.g.step([t.step(housing, 'complete', id, 'result-delivered')])
      assert.deepEqual(personalDataHits(t.g, { name: APPLICANT_NAME, 'id number': APPLICANT_ID }), [])
      // The scan finds what is there: the keyed pseudonym the pulls select rows by.
      assert.ok(storeHolds(t.g, t.subject))
    })
  })
}
