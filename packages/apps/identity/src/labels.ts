/**
 * What people read for the `identity` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/identity/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { IDENTITY_ERRORS } from './schema.ts'

const events = {
  did: ['数字身份（DID）变更', 'Digital identity (DID) updated'],
  officer: ['工作人员变更', 'Officer updated'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof IDENTITY_ERRORS, Label> = {
  IDENTITY_NOT_OFFICER: ['签名者不是在职工作人员', 'The signer is not an officer of any organisation'],
  IDENTITY_OFFICER_SUSPENDED: ['该工作人员已停职', 'The officer is suspended'],
  IDENTITY_KEY_ROTATED: [
    '该密钥已轮换，请用当前密钥签名',
    'This key was rotated away; sign with the officer’s current key',
  ],
  IDENTITY_ROLE_MISSING: ['工作人员缺少所需角色', 'The officer does not hold the required role'],
  IDENTITY_WRONG_ORGANISATION: ['工作人员不属于该机构', 'The officer belongs to another organisation'],
  IDENTITY_ORG_INACTIVE: [
    '该机构未启用（尚未加入或已移除）',
    'The organisation is not active (not yet admitted, or removed)',
  ],
  IDENTITY_ORG_NOT_FOUND: ['机构不存在', 'No such organisation'],
  IDENTITY_ORG_EXISTS: ['该机构标识已存在', 'An organisation with this id already exists'],
  IDENTITY_OFFICER_NOT_FOUND: ['工作人员不存在', 'No such officer'],
  IDENTITY_OFFICER_EXISTS: ['该工作人员标识已存在', 'An officer with this id already exists'],
  IDENTITY_KEY_IN_USE: ['该公钥已被使用或已停用', 'This public key is already held by an officer or was retired'],
  IDENTITY_BAD_ID: ['标识格式不正确', 'Ids are 1-64 characters of [a-z0-9._-], starting with a letter or digit'],
  IDENTITY_BAD_ROLES: ['角色设置不正确', 'Roles must be a non-empty set of admin|issuer|approver|auditor|registrar'],
  IDENTITY_BAD_KEY: ['公钥长度与密码套件不符', 'Public key has the wrong length for the chain suite'],
  IDENTITY_BAD_ORGANISATION: [
    '机构信息不正确（信用代码、区划代码或层级）',
    'Organisation fields are invalid (credit code, region code, level)',
  ],
  IDENTITY_LAST_ADMIN: ['机构将没有在职管理员', 'The change would leave the organisation without an active admin'],
  IDENTITY_LIMIT: ['机构或工作人员数量已达上限', 'Too many organisations or officers'],
  IDENTITY_DID_NOT_FOUND: ['DID 不存在', 'No such DID'],
  IDENTITY_DID_EXISTS: ['该 DID 已存在', 'This DID already exists'],
  IDENTITY_DID_DEACTIVATED: ['该 DID 已注销', 'The DID is deactivated'],
  IDENTITY_NOT_DID_CONTROLLER: ['签名者不是该 DID 的控制者', 'The signer is not a current key of the DID'],
  IDENTITY_NOT_IDENTITY_AUTHORITY: [
    '只有身份认证机构的登记员可关联假名',
    'Only a registrar of an identity authority may attach a pseudonym',
  ],
}

export const IDENTITY_LABELS: ModuleLabels = { events, errors }
