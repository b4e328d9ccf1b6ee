/**
 * Recorded-chain extension for the service module (issue 16): resources of police and tax, a
 * licence type of housing, the 公租房 item and a version of it, an application whose consent
 * opens one grant per pull, a send-back and resubmission, a decision that issues the item's
 * licence in the same transaction, the completion that revokes the grants, and each method's
 * refusal.
 */
import { CatalogPublishArgs } from '@govchain/catalog/schema'
import { toHex } from '@govchain/core'
import { CreateDidArgs, deriveDid } from '@govchain/identity/schema'
import { DefineTypeArgs, licenseId } from '@govchain/license/schema'
import {
  ServicePublishArgs as PublishCodec,
  ServiceApplyArgs,
  ServiceDecideArgs,
  type ServicePublishArgs,
  ServiceStepArgs,
  ServiceWithdrawArgs,
} from '@govchain/service/schema'
import { subjectCredentialMessage } from '@govchain/sharing/schema'
import type { Extension } from './extension.ts'

export const serviceExtension: Extension = {
  name: 'service',
  record(ctx) {
    const { rec, suite, key, admin, h, code } = ctx
    const t = rec.tx.bind(rec)
    const applicant = key('service-applicant')
    const stranger = key('service-stranger')
    const did = deriveDid(suite, applicant.publicKey)
    // The recorded chain's identity-authority gateway key (the base scenario registers it).
    const gwPolice = key('gateway-police')
    const subject = h('keyed pseudonym of the recorded applicant')
    const subjectSignature = suite.sign(gwPolice.privateKey, subjectCredentialMessage(did, toHex(subject)))
    const resource = (owner: 'police' | 'tax', resourceId: string, fields: string[]) =>
      t(
        admin[owner],
        'catalog.publish',
        CatalogPublishArgs,
        {
          resourceId,
          title: `${resourceId} 数据资源`,
          description: 'Recorded-chain resource for the service hall.',
          ownerOrg: owner,
          rights: ['ownership'],
          fields: fields.map((f) => ({ name: f, label: `字段 ${f}`, sensitivity: 'personal' as const })),
          shareType: 'conditional',
          autoApprove: false,
          autoApproveMaxDurationMs: 0,
          updateFrequency: 'daily',
          dataHash: h(`data of ${resourceId}`),
          dataVersion: '2026-12-01',
          status: 'active',
          note: 'recorded chain',
        },
        'OK',
        `${owner} publishes ${resourceId}`,
      )
    rec.block(60_000, [
      t(applicant, 'identity.createDid', CreateDidArgs, {}, 'OK', 'the applicant’s DID'),
      t(stranger, 'identity.createDid', CreateDidArgs, {}, 'OK', 'another citizen’s DID'),
      resource('police', 'police.household', ['name', 'household_type']),
      resource('tax', 'tax.income', ['annual_income']),
      t(
        admin.housing,
        'license.defineType',
        DefineTypeArgs,
        {
          code: 'GZFZG',
          alias: 'gzf-eligibility',
          name: '公租房资格确认书',
          nameEn: 'Public rental housing eligibility',
          holderKind: 'person',
          fields: [{ name: 'holderName', label: '姓名', labelEn: 'Name', personal: true, required: true }],
          issuers: ['housing'],
          maxValidityYears: 0,
          renewable: false,
          regionCode: '110000',
          region: '北京市',
        },
        'OK',
        'the result licence type',
      ),
    ])
    const item: ServicePublishArgs = {
      code: 'BJ-ZJW-GZF-001',
      title: '公共租赁住房资格申请',
      titleEn: 'Public rental housing eligibility',
      legalBasis: '《公共租赁住房管理办法》（住房和城乡建设部令第11号）第七条',
      licenses: [],
      pulls: [
        {
          providerOrg: 'police',
          resourceId: 'police.household',
          fields: ['name', 'household_type'],
          purpose: '核验户籍',
        },
        { providerOrg: 'tax', resourceId: 'tax.income', fields: ['annual_income'], purpose: '核验收入' },
      ],
      slaDays: 20,
      resultType: 'GZFZG',
      parts: [],
    }
    rec.block(60_000, [
      t(admin.housing, 'service.publish', PublishCodec, item, 'OK', 'housing publishes 公租房资格申请'),
      t(admin.police, 'service.publish', PublishCodec, item, 'SERVICE_NOT_ITEM_OWNER', 'another department’s item'),
      t(
        admin.housing,
        'service.publish',
        PublishCodec,
        { ...item, title: '公共租赁住房资格申请（修订）' },
        'OK',
        'its second version',
      ),
      t(
        admin.housing,
        'service.publish',
        PublishCodec,
        { ...item, code: 'BJ-ZJW-OLD-001', title: '已停办事项' },
        'OK',
        'an item about to be withdrawn',
      ),
    ])
    const consent = (version: number, over: Partial<ServiceApplyArgs> = {}): ServiceApplyArgs => ({
      itemCode: item.code,
      itemVersion: version,
      applicant: did,
      subject,
      subjectIssuer: 'police',
      subjectSignature,
      pulls: item.pulls.map((p) => ({ itemCode: item.code, ...p })),
      licenses: [],
      ...over,
    })
    const apply = t(applicant, 'service.apply', ServiceApplyArgs, consent(2), 'OK', 'the applicant applies once')
    const caseId = apply.hash
    rec.block(60_000, [
      t(admin.housing, 'service.withdraw', ServiceWithdrawArgs, { code: 'BJ-ZJW-OLD-001' }, 'OK', 'withdrawn'),
      t(admin.tax, 'service.withdraw', ServiceWithdrawArgs, { code: item.code }, 'SERVICE_NOT_ITEM_OWNER', 'not tax’s'),
      apply,
      t(
        applicant,
        'service.apply',
        ServiceApplyArgs,
        consent(2, { pulls: consent(2).pulls.slice(1) }),
        'SERVICE_CONSENT_MISMATCH',
        'a consent missing a pull',
      ),
      t(stranger, 'service.apply', ServiceApplyArgs, consent(2), 'SERVICE_NOT_APPLICANT', 'someone else’s DID'),
    ])
    const step = (from: typeof applicant, m: string, reasonCode: ServiceStepArgs['reasonCode'], e: string, n: string) =>
      t(from, `service.${m}`, ServiceStepArgs, { caseId, reasonCode }, e, n)
    rec.block(60_000, [
      step(admin.police, 'accept', 'materials-complete', 'SERVICE_NOT_HANDLING_ORG', 'not the handling department'),
      step(admin.housing, 'accept', 'materials-complete', 'OK', '受理'),
      step(applicant, 'resubmit', 'materials-complete', 'SERVICE_BAD_TRANSITION', 'nothing to resubmit'),
      step(admin.housing, 'sendBack', 'materials-missing', 'OK', '退回补正'),
      step(admin.tax, 'sendBack', 'materials-missing', 'SERVICE_NOT_HANDLING_ORG', 'not tax’s case'),
      step(applicant, 'resubmit', 'materials-complete', 'OK', 'the applicant resubmits'),
    ])
    const license = {
      id: licenseId({ typeCode: 'GZFZG', issuerCode: code.housing, serial: '0000000001', version: 1 }),
      typeCode: 'GZFZG',
      holder: did,
      credentialHash: h('recorded 公租房 credential'),
      validFromMs: rec.nextTime(60_000),
      validUntilMs: 0,
    }
    rec.block(60_000, [
      t(
        admin.police,
        'service.decide',
        ServiceDecideArgs,
        { caseId, approve: true, reasonCode: 'eligible' },
        'SERVICE_NOT_HANDLING_ORG',
        'not the handling department',
      ),
      t(
        admin.housing,
        'service.decide',
        ServiceDecideArgs,
        { caseId, approve: true, reasonCode: 'eligible', license },
        'OK',
        'approved; the licence is issued in the same transaction',
      ),
      step(admin.police, 'complete', 'result-delivered', 'SERVICE_NOT_HANDLING_ORG', 'not the handling department'),
      step(admin.housing, 'complete', 'result-delivered', 'OK', '办结: the grants are revoked'),
      step(admin.housing, 'complete', 'result-delivered', 'SERVICE_BAD_TRANSITION', 'completed already'),
    ])
  },
}
