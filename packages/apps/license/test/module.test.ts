/**
 * The license module through executeBlock with the real identity module: the seeded catalogue,
 * issuance with its permission checks (unauthorised issuer, wrong role, wrong organisation, bad
 * identifier, unknown holder, validity rules), the lifecycle (suspend, reinstate, revoke, renew,
 * amend, expiry by block time) with its history, verdicts on genuine and tampered credentials,
 * and holder-consented use (用证授权). Every failure is a coded result that changes nothing.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type CryptoSuite, type codec, suites } from '@govchain/core'
import type { IdentityKeeper, LicenseKeeper } from '@govchain/distribution'
import type { Signer } from '@govchain/distribution/testkit'
import { GOV_CHAIN_ID, GovChain, makeConsortium, tx } from '@govchain/distribution/testkit'
import { AddOfficerArgs, CreateDidArgs, deriveDid, IDENTITY_MODULE } from '@govchain/identity/schema'
import { credentialLicenseId, evaluateLicense, issueLicenseCredential, presentSdJwt } from '../src/credential.ts'
import {
  AmendArgs,
  DefineTypeArgs,
  GrantUseArgs,
  IssueArgs,
  LICENSE_MODULE,
  type LicenseTypeRecord,
  licenseId,
  licenseIdWithVersion,
  RecordUseArgs,
  RenewArgs,
  RevokeArgs,
  SetIssuerArgs,
  StatusChangeArgs,
  WithdrawGrantArgs,
} from '../src/schema.ts'

const YEAR_MS = 365 * 24 * 3600 * 1000

function setup(suite: CryptoSuite) {
  const c = makeConsortium(suite, 4)
  const g = new GovChain(suite, c.genesis)
  g.step()
  const holderKey = suite.generateKeyPair()
  const holder = deriveDid(suite, holderKey.publicKey)
  assert.equal(g.step([tx(suite, holderKey, IDENTITY_MODULE, 'createDid', CreateDidArgs, {})])[0]!.code, 'OK')
  const lk = () => g.keeper<LicenseKeeper>(LICENSE_MODULE)
  const idk = () => g.keeper<IdentityKeeper>(IDENTITY_MODULE)
  const jzqyzz = lk().type('jzqyzz')!
  const housingCode = idk().organisation('housing')!.code
  return { ...c, g, holderKey, holder, lk, idk, jzqyzz, housingCode }
}

type Env = ReturnType<typeof setup>

/** A licence's whole history, read entry by entry up to its count. */
function historyOf(k: LicenseKeeper, id: string) {
  return Array.from({ length: k.license(id)!.historyCount }, (_, seq) => k.historyEntry(id, seq)!)
}

function usesOf(k: LicenseKeeper, id: string) {
  return Array.from({ length: k.recordedUseCount(id) }, (_, seq) => k.recordedUse(id, seq)!)
}

function newCredential(
  env: Env,
  officer: Signer,
  opts: {
    type?: LicenseTypeRecord
    org?: string
    serial?: string
    version?: number
    validUntilMs?: number
    fields?: Record<string, string>
  } = {},
) {
  const type = opts.type ?? env.jzqyzz
  const org = opts.org ?? 'housing'
  const code = env.idk().organisation(org)!.code
  const id = licenseId({
    typeCode: type.code,
    issuerCode: code,
    serial: opts.serial ?? '0000000001',
    version: opts.version ?? 1,
  })
  const validFromMs = env.g.timeMs
  const validUntilMs = opts.validUntilMs ?? env.g.timeMs + 2 * YEAR_MS
  const cred = issueLicenseCredential({
    suite: env.g.suite,
    chainId: GOV_CHAIN_ID,
    privateKey: officer.privateKey,
    id,
    type,
    issuer: { orgId: org },
    holder: env.holder,
    validFromMs,
    validUntilMs,
    issuedAtMs: env.g.timeMs,
    fields: opts.fields ?? {
      enterpriseName: '北京城建示范工程有限公司',
      creditCode: '91110108MA01ABCD2X',
      legalRepresentative: '张建国',
      address: '北京市海淀区中关村南大街 1 号',
      qualificationCategory: '建筑工程施工总承包贰级',
      certificateNo: 'D211234567',
    },
  })
  const args = { id, typeCode: type.code, holder: env.holder, credentialHash: cred.hash, validFromMs, validUntilMs }
  return { id, cred, args }
}

function issue(env: Env, officer: Signer, args: codec.Infer<typeof IssueArgs>): string {
  return env.g.step([tx(env.g.suite, officer, LICENSE_MODULE, 'issue', IssueArgs, args)])[0]!.code
}

function verdictOf(env: Env, credential: string) {
  const id = credentialLicenseId(env.g.suite, credential)
  const record = id === undefined ? undefined : env.lk().license(id)
  return evaluateLicense({
    suite: env.g.suite,
    chainId: GOV_CHAIN_ID,
    credential,
    record,
    type: env.jzqyzz,
    atHeight: env.g.height,
    atTimeMs: env.g.timeMs,
  })
}

for (const suite of [suites.intl, suites.gm]) {
  describe(`license module (${suite.name})`, () => {
    it('seeds the demo catalogue at genesis with GB/T-style type codes', () => {
      const env = setup(suite)
      const types = env.lk().types()
      assert.deepEqual(
        types.map((t) => t.alias),
        ['jzqyzz', 'gcjlzz', 'zcjzs', 'aqscxk', 'yyzz', 'spjyxk'],
      )
      assert.equal(env.jzqyzz.name, '建筑业企业资质证书')
      assert.equal(env.jzqyzz.code, `${env.housingCode}001`)
      assert.deepEqual(env.jzqyzz.issuers, ['housing'])
      assert.equal(env.lk().type('yyzz')!.ownerOrg, 'market')
      assert.ok(
        env
          .lk()
          .type('zcjzs')!
          .fields.some((f) => f.name === 'idNumber' && f.personal),
      )
    })

    it('issues a licence whose credential verifies, with nothing personal on chain', () => {
      const env = setup(suite)
      const admin = env.operators.housing!
      const { id, cred, args } = newCredential(env, admin)
      assert.equal(issue(env, admin, args), 'OK')
      const r = env.lk().license(id)!
      assert.equal(r.status, 'active')
      assert.equal(r.issuerOrg, 'housing')
      assert.equal(r.officerId, 'housing-admin')
      assert.deepEqual(r.issuerKey, admin.publicKey)
      assert.deepEqual(r.credentialHash, cred.hash)
      // No field value (names, credit codes) appears anywhere in the record's encoding.
      const text = JSON.stringify(r)
      for (const v of ['张建国', '北京城建示范工程有限公司', '91110108MA01ABCD2X']) assert.ok(!text.includes(v))
      const v = verdictOf(env, cred.credential)
      assert.equal(v.verdict, 'valid', JSON.stringify(v.checks))
      assert.equal(v.disclosed.length, 6)
      // The holder shows only two fields: still valid, the others absent.
      const shown = verdictOf(env, presentSdJwt(suite, cred.credential, ['enterpriseName', 'qualificationCategory']))
      assert.equal(shown.verdict, 'valid')
      assert.deepEqual(shown.disclosed.map((d) => d.name).sort(), ['enterpriseName', 'qualificationCategory'])
      assert.deepEqual(
        historyOf(env.lk(), id).map((h) => h.action),
        ['issue'],
      )
      // Issuing the same id twice fails and changes nothing.
      assert.equal(issue(env, admin, args), 'LICENSE_EXISTS')
    })

    it('refuses unauthorised issuers, wrong roles, bad identifiers, unknown holders and over-long validity', () => {
      const env = setup(suite)
      const before = env.g.stateRoot()
      // market is not on the construction qualification's trusted-issuer list.
      const m = newCredential(env, env.operators.market!, { org: 'market' })
      assert.equal(issue(env, env.operators.market!, m.args), 'LICENSE_ISSUER_NOT_AUTHORISED')
      // A housing officer without the issuer role.
      const clerk = suite.generateKeyPair()
      const add = tx(suite, env.operators.housing!, IDENTITY_MODULE, 'addOfficer', AddOfficerArgs, {
        orgId: 'housing',
        officerId: 'housing-clerk',
        publicKey: clerk.publicKey,
        roles: ['approver'],
      })
      assert.equal(env.g.step([add])[0]!.code, 'OK')
      const c = newCredential(env, clerk)
      assert.equal(issue(env, clerk, c.args), 'IDENTITY_ROLE_MISSING')
      // Not a registered key at all: left out of the block.
      const stranger = suite.generateKeyPair()
      const byStranger = tx(
        env.g.suite,
        stranger,
        LICENSE_MODULE,
        'issue',
        IssueArgs,
        newCredential(env, stranger).args,
      )
      assert.deepEqual(env.g.stepAll([byStranger]), { results: [], dropped: ['TX_SENDER_UNREGISTERED'] })
      // Registered, but no officer (a validator's consensus key).
      const validator = env.validators.housing!
      assert.equal(issue(env, validator, newCredential(env, validator).args), 'IDENTITY_NOT_OFFICER')
      const admin = env.operators.housing!
      // Identifier naming another issuer's code.
      const wrongId = { ...newCredential(env, admin).args }
      wrongId.id = licenseId({
        typeCode: env.jzqyzz.code,
        issuerCode: env.idk().organisation('market')!.code,
        serial: '0000000009',
        version: 1,
      })
      assert.equal(issue(env, admin, wrongId), 'LICENSE_BAD_ID')
      const badCheck = { ...newCredential(env, admin).args }
      badCheck.id = `${badCheck.id.slice(0, -1)}${badCheck.id.endsWith('A') ? 'B' : 'A'}`
      assert.equal(issue(env, admin, badCheck), 'LICENSE_BAD_ID')
      // Unknown holder DID.
      const unknown = { ...newCredential(env, admin).args, holder: deriveDid(suite, suite.generateKeyPair().publicKey) }
      assert.equal(issue(env, admin, unknown), 'LICENSE_HOLDER_UNKNOWN')
      // Longer than the type's 5 years; already expired.
      const long = newCredential(env, admin, { validUntilMs: env.g.timeMs + 6 * YEAR_MS })
      assert.equal(issue(env, admin, long.args), 'LICENSE_BAD_VALIDITY')
      const past = {
        ...newCredential(env, admin).args,
        validFromMs: env.g.timeMs - 3 * YEAR_MS,
        validUntilMs: env.g.timeMs - 1,
      }
      assert.equal(issue(env, admin, past), 'LICENSE_BAD_VALIDITY')
      assert.equal(env.lk().license(m.id), undefined)
      assert.notDeepEqual(env.g.stateRoot(), before) // only the addOfficer changed state
    })

    it('lifecycle: suspend, reinstate, revoke — every transition recorded with who, when and why', () => {
      const env = setup(suite)
      const admin = env.operators.housing!
      const { id, cred, args } = newCredential(env, admin)
      assert.equal(issue(env, admin, args), 'OK')
      const step = (method: string, codecOf: codec.Codec<unknown>, a: unknown, from: Signer = admin) =>
        env.g.step([tx(suite, from, LICENSE_MODULE, method, codecOf, a)])[0]!.code
      // Another organisation's issuer cannot touch it.
      assert.equal(
        step('suspend', StatusChangeArgs as codec.Codec<unknown>, { id, reason: '整改' }, env.operators.market!),
        'LICENSE_NOT_ISSUING_ORG',
      )
      assert.equal(step('suspend', StatusChangeArgs as codec.Codec<unknown>, { id, reason: '' }), 'LICENSE_BAD_REASON')
      assert.equal(
        step('suspend', StatusChangeArgs as codec.Codec<unknown>, { id, reason: '安全生产事故停业整顿' }),
        'OK',
      )
      assert.equal(env.lk().status(id), 'suspended')
      const sv = verdictOf(env, cred.credential)
      assert.equal(sv.verdict, 'suspended')
      assert.deepEqual(sv.reasons, ['LICENSE_SUSPENDED'])
      assert.equal(
        step('suspend', StatusChangeArgs as codec.Codec<unknown>, { id, reason: '再次' }),
        'LICENSE_BAD_TRANSITION',
      )
      assert.equal(step('reinstate', StatusChangeArgs as codec.Codec<unknown>, { id, reason: '整改完成' }), 'OK')
      assert.equal(verdictOf(env, cred.credential).verdict, 'valid')
      assert.equal(
        step('revoke', RevokeArgs as codec.Codec<unknown>, {
          id,
          reasonCode: 'issued_in_error',
          reason: '资质申报材料不实',
        }),
        'OK',
      )
      const rv = verdictOf(env, cred.credential)
      assert.equal(rv.verdict, 'revoked')
      assert.equal(rv.valid, false)
      assert.deepEqual(rv.reasons, ['LICENSE_REVOKED'])
      assert.equal(
        step('reinstate', StatusChangeArgs as codec.Codec<unknown>, { id, reason: '撤销后不可恢复' }),
        'LICENSE_BAD_TRANSITION',
      )
      const h = historyOf(env.lk(), id)
      assert.deepEqual(
        h.map((e) => [e.action, e.officerId, e.reason ?? null]),
        [
          ['issue', 'housing-admin', null],
          ['suspend', 'housing-admin', '安全生产事故停业整顿'],
          ['reinstate', 'housing-admin', '整改完成'],
          ['revoke', 'housing-admin', '资质申报材料不实'],
        ],
      )
      assert.equal(h[3]!.reasonCode, 'issued_in_error')
      assert.ok(h.every((e, i) => i === 0 || e.height > h[i - 1]!.height))
    })

    it('rejects tampered credentials and a credential signed by an unauthorised key, with the reason', () => {
      const env = setup(suite)
      const admin = env.operators.housing!
      const { cred, args } = newCredential(env, admin)
      assert.equal(issue(env, admin, args), 'OK')
      // 1. A disclosure with an altered value: its digest is not among the signed ones.
      const parts = cred.credential.split('~')
      const d = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as [string, string, string]
      d[2] = '伪造有限公司'
      parts[1] = Buffer.from(JSON.stringify(d)).toString('base64url')
      const tampered = verdictOf(env, parts.join('~'))
      assert.equal(tampered.verdict, 'invalid')
      assert.deepEqual(tampered.reasons, ['LICENSE_DISCLOSURE_INVALID'])
      // 2. An altered payload (validity extended): hash and signature no longer match.
      const [h, p, s] = cred.jwt.split('.') as [string, string, string]
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>
      payload.exp = (payload.exp as number) + 10 * 365 * 24 * 3600
      const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}~`
      const fv = verdictOf(env, forged)
      assert.equal(fv.verdict, 'invalid')
      assert.ok(fv.reasons.includes('LICENSE_CREDENTIAL_HASH_MISMATCH'))
      assert.ok(fv.reasons.includes('LICENSE_SIGNATURE_INVALID'))
      // 3. Same licence id, re-signed by a key that is not the recorded issuing officer.
      const rogue = suite.generateKeyPair()
      const re = newCredential(env, rogue)
      const rv = verdictOf(env, re.cred.credential)
      assert.equal(rv.verdict, 'invalid')
      assert.ok(rv.reasons.includes('LICENSE_SIGNATURE_INVALID'))
      assert.ok(rv.reasons.includes('LICENSE_ISSUER_NOT_AUTHORISED'))
      // 4. A credential from an unauthorised issuer (the chain refused its issue: no record).
      const m = newCredential(env, env.operators.market!, { org: 'market', serial: '0000000077' })
      assert.equal(issue(env, env.operators.market!, m.args), 'LICENSE_ISSUER_NOT_AUTHORISED')
      const mv = verdictOf(env, m.cred.credential)
      assert.equal(mv.verdict, 'invalid')
      assert.deepEqual(mv.reasons, ['LICENSE_NOT_FOUND', 'LICENSE_ISSUER_NOT_AUTHORISED'])
      // 5. Garbage.
      assert.deepEqual(verdictOf(env, 'not a credential').reasons, ['LICENSE_CREDENTIAL_MALFORMED'])
    })

    it('expires by block time, renews to a linked new version, amends', () => {
      const env = setup(suite)
      const admin = env.operators.housing!
      const { id, cred, args } = newCredential(env, admin, { validUntilMs: env.g.timeMs + 10_000 })
      assert.equal(issue(env, admin, args), 'OK')
      assert.equal(env.lk().status(id), 'active')
      env.g.timeMs += 20_000 // the next blocks are later: block time, not the wall clock, decides
      env.g.step()
      assert.equal(env.lk().status(id), 'expired')
      assert.deepEqual(verdictOf(env, cred.credential).reasons, ['LICENSE_EXPIRED'])
      // Suspending an expired licence is refused; renewing it is allowed.
      assert.equal(
        env.g.step([tx(suite, admin, LICENSE_MODULE, 'suspend', StatusChangeArgs, { id, reason: '过期' })])[0]!.code,
        'LICENSE_BAD_TRANSITION',
      )
      const v2 = newCredential(env, admin, { version: 2 })
      assert.equal(v2.id, licenseIdWithVersion(id, 2))
      const renew = {
        id,
        newId: v2.id,
        credentialHash: v2.cred.hash,
        validFromMs: v2.args.validFromMs,
        validUntilMs: v2.args.validUntilMs,
      }
      assert.equal(
        env.g.step([
          tx(suite, admin, LICENSE_MODULE, 'renew', RenewArgs, { ...renew, newId: licenseIdWithVersion(id, 3) }),
        ])[0]!.code,
        'LICENSE_BAD_ID',
      )
      assert.equal(env.g.step([tx(suite, admin, LICENSE_MODULE, 'renew', RenewArgs, renew)])[0]!.code, 'OK')
      const old = env.lk().license(id)!
      const neu = env.lk().license(v2.id)!
      assert.equal(old.status, 'superseded')
      assert.equal(old.next, v2.id)
      assert.equal(neu.previous, id)
      assert.equal(neu.version, 2)
      assert.equal(verdictOf(env, v2.cred.credential).verdict, 'valid')
      assert.equal(verdictOf(env, cred.credential).verdict, 'superseded')
      // Amend: corrected fields, same validity, reason recorded.
      const v3 = newCredential(env, admin, { version: 3, validUntilMs: neu.validUntilMs })
      const amend = { id: v2.id, newId: v3.id, credentialHash: v3.cred.hash, reason: '企业名称变更' }
      assert.equal(env.g.step([tx(suite, admin, LICENSE_MODULE, 'amend', AmendArgs, amend)])[0]!.code, 'OK')
      assert.equal(env.lk().license(v3.id)!.validUntilMs, neu.validUntilMs)
      assert.deepEqual(
        historyOf(env.lk(), v2.id).map((h) => h.action),
        ['renew', 'superseded'],
      )
      assert.deepEqual(
        historyOf(env.lk(), v3.id).map((h) => [h.action, h.relatedId, h.reason]),
        [['amend', v2.id, '企业名称变更']],
      )
    })

    it('trusted-issuer registry: the owner organisation’s registrar adds and removes issuers', () => {
      const env = setup(suite)
      const set = (from: Signer, orgId: string, authorised: boolean) =>
        env.g.step([
          tx(suite, from, LICENSE_MODULE, 'setIssuer', SetIssuerArgs, { typeCode: env.jzqyzz.code, orgId, authorised }),
        ])[0]!.code
      assert.equal(set(env.operators.market!, 'market', true), 'LICENSE_NOT_TYPE_OWNER')
      assert.equal(set(env.operators.housing!, 'market', true), 'OK')
      assert.deepEqual(env.lk().type('jzqyzz')!.issuers, ['housing', 'market'])
      const m = newCredential(env, env.operators.market!, { org: 'market' })
      assert.equal(issue(env, env.operators.market!, m.args), 'OK')
      assert.equal(set(env.operators.housing!, 'market', false), 'OK')
      // Issued while authorised: still valid; the record proves the authorisation at issue time.
      assert.equal(verdictOf(env, m.cred.credential).verdict, 'valid')
      const m2 = newCredential(env, env.operators.market!, { org: 'market', serial: '0000000002' })
      assert.equal(issue(env, env.operators.market!, m2.args), 'LICENSE_ISSUER_NOT_AUTHORISED')
      // Revocation stays possible after removal.
      assert.equal(
        env.g.step([
          tx(suite, env.operators.market!, LICENSE_MODULE, 'revoke', RevokeArgs, {
            id: m.id,
            reasonCode: 'authority_decision',
            reason: '签发授权已收回',
          }),
        ])[0]!.code,
        'OK',
      )
      // defineType: a registrar defines a new type owned by their organisation.
      const def = {
        code: 'TESTTYPE01',
        alias: 'test-type',
        name: '测试证照',
        nameEn: 'Test licence',
        holderKind: 'person' as const,
        fields: [{ name: 'name', label: '姓名', labelEn: 'Name', personal: true, required: true }],
        issuers: ['police'],
        maxValidityYears: 10,
        renewable: false,
        regionCode: '110000',
        region: '北京市',
      }
      assert.equal(
        env.g.step([tx(suite, env.operators.police!, LICENSE_MODULE, 'defineType', DefineTypeArgs, def)])[0]!.code,
        'OK',
      )
      assert.equal(env.lk().type('test-type')!.ownerOrg, 'police')
      assert.equal(
        env.g.step([tx(suite, env.operators.police!, LICENSE_MODULE, 'defineType', DefineTypeArgs, def)])[0]!.code,
        'LICENSE_TYPE_EXISTS',
      )
      assert.equal(
        env.g.step([
          tx(suite, env.operators.police!, LICENSE_MODULE, 'defineType', DefineTypeArgs, {
            ...def,
            code: 'X2',
            alias: 'x2',
            issuers: ['nowhere'],
          }),
        ])[0]!.code,
        'LICENSE_TYPE_INVALID',
      )
    })

    it('holder-consented use: grant, recorded uses by the grantee only, withdrawal', () => {
      const env = setup(suite)
      const admin = env.operators.housing!
      const { id, args } = newCredential(env, admin)
      assert.equal(issue(env, admin, args), 'OK')
      const grant = {
        licenseId: id,
        grantee: 'tax',
        service: 'tax-registration',
        purpose: '办理税务登记',
        untilMs: env.g.timeMs + 86_400_000,
      }
      // Only the holder may grant.
      assert.equal(
        env.g.step([tx(suite, admin, LICENSE_MODULE, 'grantUse', GrantUseArgs, grant)])[0]!.code,
        'LICENSE_NOT_HOLDER',
      )
      const gtx = tx(suite, env.holderKey, LICENSE_MODULE, 'grantUse', GrantUseArgs, grant)
      const gr = env.g.step([gtx])[0]!
      assert.equal(gr.code, 'OK')
      const grantId = gr.txHash
      const use = (from: Signer) =>
        env.g.step([tx(suite, from, LICENSE_MODULE, 'recordUse', RecordUseArgs, { licenseId: id, grantId })])[0]!.code
      assert.equal(use(env.operators.police!), 'LICENSE_NOT_GRANTEE')
      assert.equal(use(env.operators.tax!), 'OK')
      assert.equal(use(env.operators.tax!), 'OK')
      const uses = usesOf(env.lk(), id)
      assert.equal(uses.length, 2)
      assert.equal(uses[0]!.org, 'tax')
      assert.equal(uses[0]!.service, 'tax-registration')
      assert.equal(env.lk().grant(grantId)!.uses, 2)
      assert.equal(
        env.g.step([
          tx(suite, env.holderKey, LICENSE_MODULE, 'withdrawGrant', WithdrawGrantArgs, { licenseId: id, grantId }),
        ])[0]!.code,
        'OK',
      )
      assert.equal(use(env.operators.tax!), 'LICENSE_GRANT_INACTIVE')
      // A grant past its end (block time) is refused too.
      const g2 = env.g.step([
        tx(suite, env.holderKey, LICENSE_MODULE, 'grantUse', GrantUseArgs, { ...grant, untilMs: env.g.timeMs + 1500 }),
      ])[0]!
      assert.equal(g2.code, 'OK')
      env.g.timeMs += 5000
      assert.equal(
        env.g.step([
          tx(suite, env.operators.tax!, LICENSE_MODULE, 'recordUse', RecordUseArgs, {
            licenseId: id,
            grantId: g2.txHash,
          }),
        ])[0]!.code,
        'LICENSE_GRANT_INACTIVE',
      )
      assert.equal(env.lk().grantsOf(id).length, 2)
    })
  })
}
