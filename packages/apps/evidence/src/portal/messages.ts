/** The evidence application's portal strings, key → [Chinese, English]. */
import { type Messages, withMessages } from '@govchain/portal-kit'

export const EVIDENCE_MESSAGES = {
  'evidence.title': ['电子存证', 'E-evidence'],
  'evidence.lead': [
    '文件只在本机计算摘要，不会上传；链上记录其提交人（实名核验）、时间与版本。',
    'Files are hashed here and never uploaded; the chain records who submitted them (verified), when, and the version.',
  ],
  'evidence.record.title': ['存证并取得证书', 'Record a file and get its certificate'],
  'evidence.record.login': [
    '存证需以部门工作人员或已实名核验的身份登录。',
    'Recording needs an officer, or an identity verified by real name: log in first.',
  ],
  'evidence.record.kind': ['类型', 'Kind'],
  'evidence.record.case': ['案号（可选，勿含个人信息）', 'Case reference (optional, no personal data)'],
  'evidence.record.go': ['签名存证', 'Sign and record'],
  'evidence.cert.title': ['存证证书', 'Evidence certificate'],
  'evidence.cert.qrAlt': ['存证证书二维码（可离线核验）', 'QR code of the evidence certificate (verifies offline)'],
  'evidence.cert.download': ['下载证书（JSON）', 'Download the certificate (JSON)'],
  'evidence.cert.use': ['核验此证书', 'Check this certificate'],
  'evidence.check.title': ['核验文件', 'Check a file'],
  'evidence.check': ['核验', 'Check'],
  'evidence.check.file': ['要核验的文件', 'The file to check'],
  'evidence.recorded': ['已存证', 'Recorded'],
  'evidence.not-recorded': ['链上无此文件的存证', 'Not recorded'],
  'evidence.proof-invalid': ['批次证明不成立', 'Batch proof does not hold'],
  'evidence.certificate-invalid': ['证书不成立', 'The certificate does not hold'],
  'evidence.by': [
    '提交人 {who}（{verifier} 核验），区块高度 {height}，{time}',
    'Submitted by {who} (verified by {verifier}) at height {height}, {time}',
  ],
  'evidence.tsa': ['可信时间 {time}（时间戳机构 {tsa}，RFC 3161）', 'Trusted time {time} (TSA {tsa}, RFC 3161)'],
  'evidence.version': ['第 {v} 版', 'Version {v}'],
  'evidence.statement.notarised': ['{org} 公证', 'notarised by {org}'],
  'evidence.statement.forensic-examined': ['{org} 司法鉴定', 'forensically examined by {org}'],
  'evidence.statement.court-accepted': ['{org} 采信', 'accepted by the court {org}'],
  'evidence.verify.title': ['核验存证证书', 'Check an evidence certificate'],
  'evidence.verify.cert': ['证书文件（JSON）', 'Certificate file (JSON)'],
  'evidence.verify.file': ['原文件（核对内容）', 'The file (to check its content)'],
  'evidence.verify.go': ['核验证书', 'Check the certificate'],
  'evidence.verify.valid': ['证书成立', 'The certificate holds'],
  'evidence.verify.invalid': ['证书不成立', 'The certificate does not hold'],
  'evidence.verify.browser': ['本机核验（信任的验证节点集）', 'Checked in this browser (trusted validators)'],
  'evidence.verify.node': ['节点核验接口', "The node's check"],
  'evidence.verify.loaded': ['已载入刚取得的证书', 'The certificate just issued is loaded'],
} as const satisfies Messages

export const { useApp } = withMessages(EVIDENCE_MESSAGES)
