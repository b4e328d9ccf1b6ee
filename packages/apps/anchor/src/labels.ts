/**
 * What people read for the `anchor` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/anchor/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { ANCHOR_ERRORS } from './schema.ts'

const events = {
  put: ['文件摘要上链', 'Document hash anchored'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof ANCHOR_ERRORS, Label> = {
  ANCHOR_EXISTS: ['该文件摘要已上链', 'This document hash is already anchored'],
  ANCHOR_BAD_KIND: ['类别格式不正确', 'Kind must be 1-64 characters of [a-z0-9._:/-]'],
  ANCHOR_BAD_NOTE: ['备注过长或含不可打印字符', 'Note must be at most 256 bytes of printable text'],
  ANCHOR_SENDER_UNREGISTERED: [
    '上链须由在职工作人员或有效 DID 提交',
    'Anchoring needs an active officer of an active organisation or a current key of an active DID',
  ],
  ANCHOR_QUOTA_EXCEEDED: [
    '该 DID 今日上链次数已用完',
    'This DID has used its anchors for the day (governance parameter anchorQuotaPerIdentityPerDay)',
  ],
}

export const ANCHOR_LABELS: ModuleLabels = { events, errors }
