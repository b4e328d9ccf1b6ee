/**
 * What people read for the `license` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/license/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { LICENSE_ERRORS } from './schema.ts'

const events = {
  issued: ['签发证照', 'Licence issued'],
  suspended: ['暂停证照', 'Licence suspended'],
  reinstated: ['恢复证照', 'Licence reinstated'],
  revoked: ['注销证照', 'Licence revoked'],
  renewed: ['延续证照', 'Licence renewed'],
  amended: ['变更证照', 'Licence amended'],
  type_defined: ['定义证照类型', 'Licence type defined'],
  issuer_set: ['设置发证机构', 'Licence issuers set'],
  grant_created: ['授权用证', 'Licence use granted'],
  grant_withdrawn: ['撤回用证授权', 'Licence use grant withdrawn'],
  used: ['记录用证', 'Licence use recorded'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof LICENSE_ERRORS, Label> = {
  LICENSE_TYPE_NOT_FOUND: ['证照类型不存在', 'No such licence type'],
  LICENSE_TYPE_EXISTS: ['该证照类型已存在', 'A licence type with this code or alias already exists'],
  LICENSE_TYPE_INVALID: [
    '证照类型定义不正确',
    'Licence type definition is invalid (code, alias, fields, issuers or validity rule)',
  ],
  LICENSE_TYPE_LIMIT: ['证照类型目录已满', 'The licence type catalogue is full'],
  LICENSE_NOT_TYPE_OWNER: [
    '只有该类型主管机构的登记员可操作',
    "Only a registrar of the type's owner organisation may do this",
  ],
  LICENSE_ISSUER_NOT_AUTHORISED: [
    '该机构未获授权签发此类证照',
    'The organisation is not an authorised issuer of this licence type',
  ],
  LICENSE_NOT_ISSUING_ORG: [
    '只有发证机构的发证员可变更此证照',
    'Only an issuer officer of the issuing organisation may change this licence',
  ],
  LICENSE_BAD_ID: [
    '证照标识格式不正确',
    'Licence identifier is malformed or does not match its type, issuer or version',
  ],
  LICENSE_EXISTS: ['该证照标识已存在', 'A licence with this identifier already exists'],
  LICENSE_NOT_FOUND: ['证照不存在', 'No such licence'],
  LICENSE_HOLDER_UNKNOWN: ['持证主体的 DID 未登记或已注销', 'The holder DID is not registered or not active'],
  LICENSE_BAD_VALIDITY: ['有效期不正确', 'Validity period is empty, already over, or longer than the type allows'],
  LICENSE_BAD_REASON: ['原因须为 1 至 256 字节的文字', 'Reason must be 1-256 bytes of printable text'],
  LICENSE_BAD_TRANSITION: ['当前状态下不能进行此变更', 'This status change is not allowed from the licence status'],
  LICENSE_NOT_RENEWABLE: ['此类证照不可延续', 'This licence type is not renewable'],
  LICENSE_SUSPENDED: ['证照已暂停', 'The licence is suspended'],
  LICENSE_REVOKED: ['证照已注销', 'The licence is revoked'],
  LICENSE_EXPIRED: ['证照已过期', 'The licence has expired (block time)'],
  LICENSE_SUPERSEDED: ['证照已被新版本取代', 'The licence was replaced by a newer version'],
  LICENSE_NOT_YET_VALID: ['证照尚未生效', 'The licence is not valid yet (block time)'],
  LICENSE_CREDENTIAL_MALFORMED: ['不是证照凭证或证照二维码', 'Not a licence credential or QR payload'],
  LICENSE_CREDENTIAL_HASH_MISMATCH: ['凭证与链上摘要不符', 'The credential does not match the hash on chain'],
  LICENSE_SIGNATURE_INVALID: ['发证机构签名无效', "The credential signature does not verify with the issuer's key"],
  LICENSE_CLAIMS_MISMATCH: ['凭证内容与链上记录不符', 'The credential claims disagree with the on-chain record'],
  LICENSE_DISCLOSURE_INVALID: ['披露的字段未经签名覆盖', 'A disclosed field is not covered by the signed digests'],
  LICENSE_WRONG_CHAIN: ['凭证来自另一条链', 'The credential belongs to another chain'],
  LICENSE_NOT_HOLDER: ['只有持证主体可进行此操作', 'Only the licence holder may do this'],
  LICENSE_AUTH_INVALID: ['持证主体身份验证失败', 'Holder authentication failed (signature, key or time window)'],
  LICENSE_GRANT_NOT_FOUND: ['该证照没有此项用证授权', 'No such grant for this licence'],
  LICENSE_GRANT_INACTIVE: ['用证授权已撤回或过期', 'The grant is withdrawn or expired (block time)'],
  LICENSE_GRANT_INVALID: ['用证授权内容不正确', 'Grant is invalid (service, purpose, grantee or end time)'],
  LICENSE_GRANT_LIMIT: ['该证照的用证授权已达上限', 'This licence has reached its grant limit'],
  LICENSE_NOT_GRANTEE: [
    '只有被授权机构的工作人员可记录用证',
    'Only an officer of the grantee organisation may record a use',
  ],
  LICENSE_PROOF_MISSING: [
    '离线核验缺少证照记录的证明材料',
    'Offline verification needs proof material for the licence record',
  ],
  LICENSE_PRESENTATION_MALFORMED: ['不是亮证二维码', 'Not a licence presentation (short QR URL and token)'],
  LICENSE_PRESENTATION_EXPIRED: [
    '亮证二维码已过期，请持证人刷新',
    'The presentation token has expired: the holder must refresh the QR',
  ],
  LICENSE_PRESENTATION_NOT_YET_VALID: [
    '亮证令牌的时间晚于核验方时间',
    "The presentation token is issued after the verifier's time",
  ],
  LICENSE_PRESENTATION_BAD_SIGNATURE: [
    '亮证令牌签名无效',
    "The presentation token does not verify with a current key of the holder's DID for this verifier",
  ],
  LICENSE_PRESENTATION_HOLDER_MISMATCH: [
    '亮证令牌不是持证主体签名的',
    'The presentation is not signed by the licence holder',
  ],
  LICENSE_HOLDER_ID_INVALID: [
    '统一社会信用代码或公民身份号码不正确',
    'Not a valid unified social credit code or identity number (check character)',
  ],
  LICENSE_HOLDER_NOT_FOUND: [
    '本部门登记信息中没有该持证主体',
    "No holder with this identifier in the department's register",
  ],
  LICENSE_HOLDER_RECORD_INVALID: [
    '本部门登记信息中的主体记录格式不正确',
    "The department's register holds a malformed holder record",
  ],
  LICENSE_HOLDER_MISMATCH: [
    '证照持证主体或字段与本部门登记信息不符',
    "The licence's holder or fields differ from the department's record of the holder",
  ],
}

export const LICENSE_LABELS: ModuleLabels = { events, errors }
