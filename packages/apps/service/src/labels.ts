/**
 * What people read for the `service` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/service/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { SERVICE_ERRORS } from './schema.ts'

const events = {
  published: ['发布办事事项', 'Service item published'],
  withdrawn: ['停办办事事项', 'Service item withdrawn'],
  applied: ['提交办事申请', 'Application submitted'],
  step: ['办件流转', 'Case step taken'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof SERVICE_ERRORS, Label> = {
  SERVICE_BAD_ITEM: ['办事事项内容不正确', 'Service item is invalid'],
  SERVICE_ITEM_NOT_FOUND: ['办事事项不存在', 'No service item with this code (and version)'],
  SERVICE_ITEM_WITHDRAWN: ['办事事项已停办，不再受理申请', 'The service item is withdrawn: it takes no applications'],
  SERVICE_NOT_ITEM_OWNER: [
    '只有事项所属部门的管理员可发布或停办',
    'Only an admin of the item’s department publishes or withdraws it',
  ],
  SERVICE_CONSENT_MISMATCH: [
    '授权同意须与事项所需的数据和证照一致',
    'The consent must list exactly the item’s data pulls and licenses, with their sources and purposes',
  ],
  SERVICE_NOT_APPLICANT: ['签名者不是申请人 DID 的当前密钥', 'The sender is not a current key of the applicant’s DID'],
  SERVICE_BAD_SUBJECT: [
    '主体凭证不是身份认证机构对该 DID 的绑定',
    'The subject credential is not an identity authority’s binding of this DID',
  ],
  SERVICE_LICENSE_INVALID: [
    '所出示的证照不属于申请人、类型不符或无效',
    'A presented license is not the applicant’s, not of the required type, or not active',
  ],
  SERVICE_CASE_NOT_FOUND: ['办件不存在', 'No service case with this id'],
  SERVICE_BAD_TRANSITION: ['办件当前状态不允许此步骤', 'The case is not in a state that allows this step'],
  SERVICE_NOT_HANDLING_ORG: [
    '只有承办部门的审批员可办理',
    'Only an approver of the department handling the case takes its steps',
  ],
  SERVICE_NOT_CASE_OFFICER: [
    '只有受理人可作出决定',
    'Only the officer who accepted the case decides it (pulled data is for that officer only)',
  ],
  SERVICE_RESULT_MISMATCH: [
    '办结签发的证照类型或持证人不符',
    'The license issued with a decision must be the item’s license type, for the applicant',
  ],
  SERVICE_AUTH_FAILED: [
    '身份验证失败',
    'Unknown, expired or used challenge, bad signature, or the key is not a current key of the DID',
  ],
  SERVICE_BUNDLE_PART: [
    '一件事套餐须分项办理',
    'The case is a one-thing bundle: its parts are handled, not the bundle',
  ],
}

export const SERVICE_LABELS: ModuleLabels = { events, errors }
