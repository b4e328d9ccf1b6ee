/** The identity application's portal strings, key → [Chinese, English]. */
import { type Messages, withMessages } from '@govchain/portal-kit'

export const IDENTITY_MESSAGES = {
  'identity.enrol.title': ['登记工作人员', 'Enrol an officer'],
  'identity.enrol.lead': [
    '工作人员在自己的浏览器中生成密钥，并把公钥（文字或二维码）交给本部门管理员；管理员在此把公钥登记到链上。私钥不离开工作人员的浏览器。',
    'The officer makes a key in their own browser and hands its public key (text or QR) to the department administrator, who registers it on chain here. The private key never leaves the officer’s browser.',
  ],
  'identity.enrol.adminOnly': [
    '登记工作人员需本部门管理员（admin 角色）以自己的密钥登录。',
    'Enrolling an officer needs a department administrator (admin role) signed in with their own key.',
  ],
  'identity.enrol.officerId': ['工作人员编号', 'Officer id'],
  'identity.enrol.publicKey': ['工作人员公钥（十六进制）', 'Officer public key (hex)'],
  'identity.enrol.qr': ['或上传公钥二维码图片', 'Or upload a picture of the public key QR'],
  'identity.enrol.qrNone': ['图片中未识别到二维码', 'No QR code found in the picture'],
  'identity.enrol.roles': ['角色', 'Roles'],
  'identity.enrol.submit': ['签名并登记', 'Sign and register'],
  'identity.enrol.badKey': ['公钥格式不正确', 'The public key is malformed'],
  'identity.enrol.badId': [
    '编号只可含小写字母、数字、-、_',
    'The id may hold lower-case letters, digits, - and _ only',
  ],
  'identity.enrol.done': ['已登记：{officer}（交易 {tx}）', 'Registered: {officer} (transaction {tx})'],
} satisfies Messages

export const { useApp } = withMessages(IDENTITY_MESSAGES)
