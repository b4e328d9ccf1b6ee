/**
 * What people read for the `invoice` module's events and error codes, in Chinese and English
 * (ADR 0042): the explorer names a transaction's events with them, and the operations console
 * its refusals; the raw code stays behind 详情. Its own entry point (`@govchain/invoice/labels`), so
 * the tables load with the pages that show them, not with the home page. Browser-safe, no imports
 * at run time; a code the module adds without a label fails to type-check here.
 */
import type { Label, ModuleLabels } from '@govchain/app/ref'
import type { INVOICE_ERRORS } from './schema.ts'

const events = {
  registered: ['登记开票单位', 'Invoice issuer registered'],
  quota: ['核定发票额度', 'Invoice quota set'],
  issued: ['开具发票', 'Invoice issued'],
  reversed: ['发票红冲', 'Invoice reversed (红冲)'],
  claimed: ['发票报销入账', 'Invoice claimed for reimbursement'],
  released: ['解除报销', 'Reimbursement claim released'],
} as const satisfies Record<string, Label>

const errors: Record<keyof typeof INVOICE_ERRORS, Label> = {
  INVOICE_BAD_CODE: ['发票代码或号码格式不正确', 'Invoice code must be 0, 10 or 12 digits and number 8 or 20 digits'],
  INVOICE_BAD_CREDIT_CODE: [
    '统一社会信用代码不正确',
    'A unified social credit code (GB 32100-2015) with a correct check character is required',
  ],
  INVOICE_BAD_BUYER: [
    '购买方须为企业信用代码或个人 DID',
    'Buyer: an enterprise by its credit code, or a person by the DID of their wallet (no other form)',
  ],
  INVOICE_BAD_NAME: ['名称格式不正确', 'Name must be 1-128 bytes of printable text'],
  INVOICE_BAD_CLAIM_REF: ['报销单号格式不正确', 'Claim reference must be 1-64 characters of [A-Za-z0-9._/-]'],
  INVOICE_BAD_QUOTA: ['发票额度超出范围', 'Quota must be 0-10,000,000 invoices'],
  INVOICE_NOT_AUTHORITY: [
    '无权登记开票单位或核定额度',
    'Only the tax authority registers enterprises and grants quotas; the finance authority, receipt units',
  ],
  INVOICE_ISSUER_EXISTS: ['该信用代码已登记', 'This credit code is registered already'],
  INVOICE_ISSUER_NOT_FOUND: ['该信用代码未登记', 'No registered issuer or claimant with this credit code'],
  INVOICE_NOT_ISSUER_KEY: [
    '签名者不是开票单位的当前密钥',
    'The sender is not a current key of the issuer’s registered DID',
  ],
  INVOICE_WRONG_KIND: [
    '票据种类与开票单位不符',
    'Enterprises issue invoices, finance-authorised units issue government receipts',
  ],
  INVOICE_QUOTA_EXCEEDED: ['发票额度已用完', 'The issuer has used its whole quota'],
  INVOICE_EXISTS: ['该发票已存在', 'An invoice with this code and number exists already'],
  INVOICE_NOT_FOUND: ['发票不存在', 'No invoice with this code and number'],
  INVOICE_NOT_SELLER: ['只有开票方可红冲发票', 'Only the issuing seller may reverse its invoice'],
  INVOICE_ALREADY_REVERSED: ['发票已红冲作废', 'The invoice was reversed (红冲) already: it is void'],
  INVOICE_CLAIM_LOCKED: [
    '发票已被报销，须先解除报销才能红冲',
    'The invoice is claimed for reimbursement: the claimant must release it before it can be reversed',
  ],
  INVOICE_ALREADY_CLAIMED: [
    '发票已被报销（拒绝一票多报）',
    'The invoice is claimed for reimbursement already (一票多报 refused)',
  ],
  INVOICE_NOT_CLAIMED: ['发票尚未报销', 'The invoice is not claimed'],
  INVOICE_NOT_BUYER: ['企业发票只能由该企业报销', 'An enterprise’s invoice is claimed by that enterprise only'],
  INVOICE_NOT_CLAIMANT: ['只有报销单位可解除报销', 'Only the organisation that claimed the invoice may release it'],
  INVOICE_NOT_CLAIMANT_KEY: [
    '报销须由已登记单位的当前密钥提交',
    'Claims come from a current key of a registered organisation’s DID',
  ],
  INVOICE_VOID: ['已作废的发票不能报销', 'A reversed (void) invoice cannot be claimed'],
  INVOICE_FILE_TOTALS: ['发票明细与合计不符', 'The file’s lines do not add up to its totals'],
  INVOICE_AMOUNT_MISMATCH: ['发票金额与链上承诺不符', 'The file’s amount and tax do not open the chain’s commitment'],
  INVOICE_LINES_MISMATCH: ['发票明细与链上记录不符', 'The file’s line items differ from the chain’s hash of them'],
  INVOICE_SELLER_MISMATCH: ['发票销售方与链上记录不符', 'The file’s seller is not the chain’s'],
  INVOICE_BUYER_MISMATCH: ['发票购买方与链上记录不符', 'The file’s buyer is not the chain’s'],
  INVOICE_KIND_MISMATCH: ['票据种类与链上记录不符', 'The file’s kind (invoice or receipt) is not the chain’s'],
  INVOICE_REVERSED: ['发票已红冲作废', 'The invoice was reversed (红冲): it is void'],
}

export const INVOICE_LABELS: ModuleLabels = { events, errors }
