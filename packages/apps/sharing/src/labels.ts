/**
 * What people read for the `sharing` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/sharing/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { GATEWAY_ERRORS, SHARING_ERRORS } from './schema.ts'

const events = {
  request: ['数据共享申请', 'Data request made'],
  decide: ['审批共享申请', 'Data request decided'],
  revoke: ['撤销数据授权', 'Data grant revoked'],
  receipt: ['数据调取回执', 'Data exchange receipt recorded'],
  receiptBatch: ['批量调取回执', 'Batch of exchange receipts recorded'],
  refusal: ['网关拒绝记录', 'Gateway refusals recorded'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof SHARING_ERRORS | keyof typeof GATEWAY_ERRORS, Label> = {
  SHARING_REQUEST_NOT_FOUND: ['共享申请或授权不存在', 'No such data request or grant'],
  SHARING_CASE_MISMATCH: [
    '办件调取超出申请人授权的范围',
    'A case’s pull serves only its applicant’s rows, the consented fields, to the handling department',
  ],
  SHARING_CASE_CLOSED: ['办件已办结，不能再调取数据', 'The service case is closed: its consent no longer allows pulls'],
  SHARING_RECEIPT_NOT_FOUND: ['调取回执不存在', 'No such receipt'],
  SHARING_BAD_REQUEST: ['共享申请内容不正确', 'Data request is invalid'],
  SHARING_NOT_SHARED: ['该资源不予共享', 'The resource is not shared (不予共享)'],
  SHARING_RESOURCE_WITHDRAWN: ['该资源已撤回', 'The resource has been withdrawn'],
  SHARING_NOT_PENDING: ['该申请已审批', 'The request was already decided'],
  SHARING_NOT_REVOCABLE: ['只有已批准的授权可撤销', 'Only an approved grant can be revoked'],
  SHARING_NO_GRANT: ['没有该部门对此资源的授权', 'No grant for this consumer and resource'],
  SHARING_GRANT_NOT_ACTIVE: ['授权尚未生效（待审批或已驳回）', 'The grant is not active (pending or rejected)'],
  SHARING_GRANT_EXPIRED: ['授权已过期', 'The grant has expired'],
  SHARING_GRANT_REVOKED: ['授权已撤销', 'The grant was revoked'],
  SHARING_FIELD_NOT_GRANTED: ['所调取的字段未获授权', 'A requested field is not granted'],
  SHARING_VOLUME_EXCEEDED: ['授权的调取量已用完', 'The grant volume (rows) is used up'],
  SHARING_SCOPE_REQUIRED: [
    '个人或敏感字段须指明数据主体或限定范围',
    'Personal or sensitive fields are served only for named data subjects or a scoped grant',
  ],
  SHARING_RECEIPT_EXISTS: ['该回执已记录', 'This receipt is already recorded'],
  SHARING_BAD_RECEIPT: ['回执与授权或签名不符', 'Receipt does not match its grant or signatures'],
  SHARING_NOT_GATEWAY: ['发送方不是该机构登记的数据网关', 'Sender is not the registered gateway of the organisation'],
  SHARING_AUTH_FAILED: ['身份验证失败', 'Challenge authentication failed'],
  SHARING_BATCH_INVALID: [
    '回执批次内容不正确',
    'A receipt batch holds 1 to 1,000 receipts of one provider, each recorded once',
  ],
  SHARING_BATCH_ROOT_MISMATCH: ['批次根与回执不符', 'The batch root is not the Merkle root of its receipts'],
  SHARING_BATCH_NOT_FOUND: ['回执批次不存在', 'No such receipt batch'],
  SHARING_INCLUSION_INVALID: [
    '回执的包含证明与其已提交批次的根不符',
    'The receipt’s inclusion proof does not lead to the root of its committed batch',
  ],
  SHARING_LINEAGE_TOO_LONG: ['数据沿革过长，无法一次取回', 'The lineage is too long to fetch at once'],
  // the data gateways' codes (registered as the `gateway` area)
  GATEWAY_BAD_REQUEST: ['网关请求格式不正确', 'Gateway request is malformed'],
  GATEWAY_BAD_SIGNATURE: ['网关请求签名无效', 'Gateway request signature does not verify'],
  GATEWAY_REPLAY: ['网关请求已处理过（重放）', 'Gateway request was already served (replay)'],
  GATEWAY_STALE_REQUEST: ['网关请求时间超出允许范围', 'Gateway request time is outside the accepted window'],
  GATEWAY_CERT_NOT_CONSORTIUM: [
    '客户端证书不是联盟机构签发的',
    'Client certificate is not issued by a consortium organisation',
  ],
  GATEWAY_CERT_MISMATCH: ['证书与登记的网关不符', 'Certificate does not match the registered gateway'],
  GATEWAY_CERT_NOT_REGISTERED: [
    '客户端证书不是已登记的数据网关证书',
    'Client certificate is not a data gateway certificate registered in the catalogue',
  ],
  GATEWAY_UNKNOWN_CONSUMER: ['请求机构未登记数据网关', 'The requesting organisation has no registered gateway'],
  GATEWAY_BAD_RESPONSE: ['提供方网关返回的数据无效', 'The provider gateway answered with an invalid response'],
  GATEWAY_UNREACHABLE: ['无法连接数据网关', 'The gateway could not be reached'],
  GATEWAY_CONNECTOR_ERROR: ['部门数据库出错', 'The department database failed'],
  GATEWAY_CONFIG_INVALID: ['网关配置无效', 'Gateway configuration is invalid'],
  GATEWAY_BUSY: [
    '网关待上链回执过多，请稍后重试',
    'The gateway holds as many receipts waiting for the chain as it may: retry shortly',
  ],
  GATEWAY_ACK_LATE: [
    '回执确认超时，提供方已单独记录本次调用',
    'The countersignature came too late: the provider recorded the receipt alone',
  ],
}

export const SHARING_LABELS: ModuleLabels = { events, errors }
