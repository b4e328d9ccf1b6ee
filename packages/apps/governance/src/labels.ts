/**
 * What people read for the `governance` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/governance/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { GOVERNANCE_ERRORS } from './schema.ts'

const events = {
  proposal: ['治理提案状态变化', 'Governance proposal updated'],
  vote: ['治理投票', 'Governance vote cast'],
  evidence: ['记录双签证据', 'Equivocation evidence recorded'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof GOVERNANCE_ERRORS, Label> = {
  GOV_PROPOSAL_NOT_FOUND: ['提案不存在', 'No such proposal'],
  GOV_PROPOSAL_CLOSED: ['提案已结束投票', 'The proposal is no longer open for votes (decided or expired)'],
  GOV_ALREADY_VOTED: ['本机构已对该提案投票', 'This organisation has already voted on the proposal'],
  GOV_BAD_PROPOSAL: ['提案内容无效', 'The proposal is invalid (no actions, bad heights, or an invalid action)'],
  GOV_VALIDATOR_NOT_FOUND: ['验证节点不存在', 'No such validator'],
  GOV_VALIDATOR_EXISTS: ['该验证节点已存在', 'A validator with this id or key already exists'],
  GOV_VALIDATOR_SET_EMPTY: ['变更后将没有有投票权的验证节点', 'The change would leave no validator with voting power'],
  GOV_TOO_MANY_CHANGES: ['该验证节点待生效的权重变更过多', 'Too many pending power changes for this validator'],
  GOV_EVIDENCE_TOO_OLD: ['证据超出有效期或来自未来', 'Evidence is older than the evidence window or from the future'],
  GOV_EVIDENCE_DUPLICATE: ['该双签行为已有记录', 'This equivocation is already recorded'],
  GOV_EVIDENCE_NOT_FOUND: ['没有该验证节点的双签记录', 'No equivocation is recorded for that validator and step'],
  GOV_TSA_CERTIFICATE_INVALID: [
    '时间戳机构证书不符合要求',
    'A TSA certificate must be DER X.509 with a critical timeStamping key usage and an ECDSA P-256/P-384 or RSA >= 2048 key',
  ],
  GOV_TSA_EXISTS: ['该时间戳机构已登记', 'A time-stamping authority with this id or certificate is registered'],
  GOV_TSA_NOT_FOUND: ['时间戳机构未登记', 'No registered time-stamping authority with this id'],
  GOV_OBSERVER_EXISTS: ['该观察节点已登记', 'An observer or a validator with this node id or key is registered'],
  GOV_OBSERVER_NOT_FOUND: ['观察节点未登记', 'No registered observer with this node id'],
  GOV_CERT_ALREADY_REVOKED: [
    '该证书已被吊销',
    'A certificate with this serial (of that organisation) or this SHA-256 fingerprint is already revoked',
  ],
}

export const GOVERNANCE_LABELS: ModuleLabels = { events, errors }
