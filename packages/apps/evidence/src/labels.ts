/**
 * What people read for the `evidence` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/evidence/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { EVIDENCE_ERRORS } from './schema.ts'

const events = {
  submitted: ['提交存证', 'Evidence recorded'],
  batched: ['批量存证', 'Batch of documents anchored'],
  attested: ['机构见证', 'Attested by an organisation'],
  timestamped: ['附加可信时间戳', 'Trusted time-stamp attached'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof EVIDENCE_ERRORS, Label> = {
  EVIDENCE_SUBMITTER_UNVERIFIED: [
    '提交者须为工作人员或已实名的 DID',
    'Submitters are officers, or DIDs whose controller an organisation verified (real-name)',
  ],
  EVIDENCE_BAD_CASE_REF: ['案号格式不正确', 'Case reference: 1-64 characters of a docket number, no personal data'],
  EVIDENCE_EXISTS: ['该提交者已存证过此内容', 'This content hash is recorded already by this submitter'],
  EVIDENCE_NOT_FOUND: ['存证记录不存在', 'No evidence item or batch with this id'],
  EVIDENCE_VERSION_NOT_FOUND: ['所指的上一版本不存在', 'The previous version named does not exist'],
  EVIDENCE_VERSION_FORK: [
    '新版本须接在最新版本之后',
    'A new version must follow the latest version of its chain: the chain cannot fork or be reordered',
  ],
  EVIDENCE_VERSION_NOT_OWNER: [
    '新版本须由原提交者提交',
    'A new version comes from the submitter of the chain (its organisation, or its DID)',
  ],
  EVIDENCE_BAD_BATCH: ['批量存证须含 1 至 10,000 份文件', 'A batch anchors 1-10,000 documents'],
  EVIDENCE_CERTIFICATE_MALFORMED: [
    '不是存证证书或其二维码',
    'Not an evidence certificate (JSON v1) or GCE1 QR payload',
  ],
  EVIDENCE_CERTIFICATE_WRONG_CHAIN: ['证书来自另一条链', 'The certificate was issued on another chain'],
  EVIDENCE_CERTIFICATE_ALTERED: [
    '证书内容与链上记录不符（已被改动）',
    "The certificate's printed fields differ from the record its proof shows",
  ],
  EVIDENCE_CONTENT_MISMATCH: ['文件与证书记录的内容不符', 'The file is not the content the certificate records'],
  EVIDENCE_ATTESTER_ROLE: [
    '见证机构未获相应资格登记',
    "An attestation comes from an officer of an organisation governance registered in the statement's role (notary, forensic, court)",
  ],
  EVIDENCE_ATTESTATION_EXISTS: ['该机构已见证此存证', 'This organisation attested this item already'],
  EVIDENCE_TOO_MANY_ATTESTATIONS: ['见证数量已达上限', 'The item carries the most attestations it can (16)'],
  EVIDENCE_NOT_SUBMITTER: [
    '只有提交者可进行此操作',
    'Only the submitter of an item (its organisation, or its DID) may do this',
  ],
  EVIDENCE_TIMESTAMP_EXISTS: ['该存证已附有时间戳', 'This item carries a time-stamp token already'],
  EVIDENCE_TSA_BAD_TOKEN: [
    '时间戳令牌无效或已被改动',
    'The time-stamp token is malformed, altered, or its signature does not verify (RFC 3161, RFC 5652)',
  ],
  EVIDENCE_TSA_UNREGISTERED: [
    '时间戳令牌不是已登记机构签发的',
    'The time-stamp token is signed by no time-stamping authority the consortium registered (governance)',
  ],
  EVIDENCE_TSA_IMPRINT_MISMATCH: [
    '时间戳令牌对应的是其他内容',
    "The time-stamp token is for other content: its imprint is not the item's digest under the chain's hash",
  ],
  EVIDENCE_TSA_BAD_TIME: [
    '时间戳时间不合理',
    "The token's time is after the block's (beyond the allowed clock drift) or outside its certificate's validity",
  ],
}

export const EVIDENCE_LABELS: ModuleLabels = { events, errors }
