/**
 * The data-sharing pages' strings (zh, en), beside the portal's shared ones
 * (@govchain/portal-kit). Pages read both through this file's `useApp` and `tMaybe`.
 */
import { type Messages, withMessages } from '@govchain/portal-kit'

export const SHARING_MESSAGES = {
  'sharing.title': ['数据共享', 'Data sharing'],
  'sharing.catalog': ['数据资源目录', 'Data catalogue'],
  'sharing.requests': ['申请与审批', 'Requests and approvals'],
  'sharing.myData': ['我的数据使用记录', 'Who used my data'],
  'sharing.audit': ['审计追溯', 'Audit trail'],
  'sharing.resource': ['数据资源', 'Resource'],
  'sharing.owner': ['提供部门', 'Owner'],
  'sharing.shareType': ['共享类型', 'Share type'],
  'sharing.shareType.unconditional': ['无条件共享', 'Unconditional'],
  'sharing.shareType.conditional': ['有条件共享', 'Conditional'],
  'sharing.shareType.none': ['不予共享', 'Not shared'],
  'sharing.fields': ['字段', 'Fields'],
  'sharing.case': ['办件', 'Case'],
  'sharing.sensitivity': ['敏感级别', 'Sensitivity'],
  'sharing.frequency': ['更新频率', 'Update frequency'],
  'sharing.version': ['版本', 'Version'],
  'sharing.request': ['申请使用', 'Request'],
  'sharing.purpose': ['用途', 'Purpose'],
  'sharing.legalBasis': ['法律依据', 'Legal basis'],
  'sharing.duration': ['期限（天）', 'Duration (days)'],
  'sharing.volume': ['数量上限', 'Volume limit'],
  'sharing.requester': ['申请部门', 'Requester'],
  'sharing.approve': ['批准', 'Approve'],
  'sharing.reject': ['驳回', 'Reject'],
  'sharing.revoke': ['撤销授权', 'Revoke grant'],
  'sharing.revoke.reason': ['撤销原因', 'Why'],
  'sharing.revoke.note': ['说明（可选）', 'Note (optional)'],
  'sharing.confirm.revoke': [
    '将撤销 {consumer} 对数据集 {dataset} 的授权：撤销后对方不能再调取，已调取的记录仍留痕。',
    "This revokes {consumer}'s grant on {dataset}: no further fetches; past ones stay on the trail.",
  ],
  'sharing.fetch': ['调取数据', 'Fetch data'],
  'sharing.subject': ['查询条件值', 'Filter value'],
  'sharing.result': ['调取结果', 'Result'],
  'sharing.receipt': ['链上回执', 'On-chain receipt'],
  'sharing.incoming': ['待我审批', 'Waiting for my approval'],
  'sharing.outgoing': ['我发起的申请', 'My requests'],
  'sharing.noRequests': ['暂无申请', 'No requests'],
  'sharing.accessList': [
    '以下是各部门对您数据的每一次使用，仅您本人可查看。',
    'Every use of your data by a department; only you can see this list.',
  ],
  'sharing.department': ['使用部门', 'Department'],
  'sharing.grant': ['授权', 'Grant'],
  'sharing.noAccess': ['暂无使用记录', 'No uses recorded'],
  'sharing.subjectCredential': [
    '数据主体凭证（由身份认证部门签发）',
    'data-subject credential (from the identity authority)',
  ],
  'sharing.caseLink': ['查看办件', 'View the case'],
  'sharing.resourceId': ['资源标识', 'Resource id'],
  'sharing.fieldNames': ['字段代码', 'Field codes'],
  'sharing.receiptId': ['回执编号', 'Receipt id'],
  'sharing.lineage': ['数据沿革', 'Lineage'],
  'sharing.exportCsv': ['导出 CSV', 'Export CSV'],
  'sharing.exportBundle': ['导出证明包（离线核验）', 'Export proof bundle (verifies offline)'],
  'sharing.auditPlaceholder': ['输入数据资源标识', 'Resource id'],
  'sharing.notDept': ['请以部门工作人员身份登录。', 'Log in as a department officer.'],
  'sharing.notSubject': ['请以个人或企业身份登录。', 'Log in as a citizen or enterprise.'],
} as const satisfies Messages

export const { useApp, tMaybe } = withMessages(SHARING_MESSAGES)
