/**
 * Recorded-chain extension for 批准并办结 (`service.approveAndComplete`, issue 16): the service
 * extension's applicant applies again for the 公租房 item (version 2), housing accepts, and
 * approves with the item's licence and completes in one transaction, which issues the licence,
 * records the steps approve and complete and revokes the case's grants. Refused first: before
 * acceptance, by another department, and with a licence of another type.
 */
import { toHex } from '@govchain/core'
import { deriveDid } from '@govchain/identity/schema'
import { licenseId } from '@govchain/license/schema'
import { ServiceApplyArgs, ServiceApproveArgs, ServiceStepArgs } from '@govchain/service/schema'
import { subjectCredentialMessage } from '@govchain/sharing/schema'
import type { Extension } from './extension.ts'

export const approveAndCompleteExtension: Extension = {
  name: 'service-approve-and-complete',
  record(ctx) {
    const { rec, suite, key, admin, h, code } = ctx
    const t = rec.tx.bind(rec)
    // The service extension's applicant, item and identity-authority key.
    const applicant = key('service-applicant')
    const did = deriveDid(suite, applicant.publicKey)
    const subject = h('keyed pseudonym of the recorded applicant')
    const gwPolice = key('gateway-police')
    const apply = t(
      applicant,
      'service.apply',
      ServiceApplyArgs,
      {
        itemCode: 'BJ-ZJW-GZF-001',
        itemVersion: 2,
        applicant: did,
        subject,
        subjectIssuer: 'police',
        subjectSignature: suite.sign(gwPolice.privateKey, subjectCredentialMessage(did, toHex(subject))),
        pulls: [
          {
            itemCode: 'BJ-ZJW-GZF-001',
            providerOrg: 'police',
            resourceId: 'police.household',
            fields: ['name', 'household_type'],
            purpose: '核验户籍',
          },
          {
            itemCode: 'BJ-ZJW-GZF-001',
            providerOrg: 'tax',
            resourceId: 'tax.income',
            fields: ['annual_income'],
            purpose: '核验收入',
          },
        ],
        licenses: [],
      },
      'OK',
      'the applicant applies again',
    )
    const caseId = apply.hash
    const license = {
      id: licenseId({ typeCode: 'GZFZG', issuerCode: code.housing, serial: '0000000002', version: 1 }),
      typeCode: 'GZFZG',
      holder: did,
      credentialHash: h('recorded 公租房 credential, second'),
      validFromMs: rec.nextTime(60_000),
      validUntilMs: 0,
    }
    const approve = (from: typeof applicant, over: Partial<ServiceApproveArgs>, expect: string, note: string) =>
      t(
        from,
        'service.approveAndComplete',
        ServiceApproveArgs,
        { caseId, reasonCode: 'eligible', license, ...over },
        expect,
        note,
      )
    rec.block(60_000, [
      apply,
      approve(admin.housing, {}, 'SERVICE_BAD_TRANSITION', 'not accepted yet'),
      t(admin.housing, 'service.accept', ServiceStepArgs, { caseId, reasonCode: 'materials-complete' }, 'OK', '受理'),
      approve(admin.police, {}, 'SERVICE_NOT_HANDLING_ORG', 'not the handling department'),
      approve(
        admin.housing,
        { license: { ...license, typeCode: 'CSYXZM' } },
        'SERVICE_RESULT_MISMATCH',
        'another licence type',
      ),
      approve(admin.housing, {}, 'OK', '批准并办结: the licence issued, the case completed, the grants revoked'),
    ])
  },
}
