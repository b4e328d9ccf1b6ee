/** The invoice application's portal strings, key → [Chinese, English]. */
import { type Messages, withMessages } from '@govchain/portal-kit'

export const INVOICE_MESSAGES = {
  'invoice.title': ['电子发票与财政票据', 'E-invoices and government receipts'],
  'invoice.lead': [
    '发票的开具、红冲与报销入账记录在链上；金额只以加盐承诺上链，明细随发票文件交给买方。',
    'Issue, reversal and reimbursement claims are on chain; amounts only as salted commitments, the details travel in the invoice file.',
  ],
  'invoice.verify': ['发票查验', 'Check an invoice'],
  'invoice.verify.hint': [
    '上传或粘贴发票文件（JSON），与链上记录核对金额、明细、买卖双方与状态。',
    'Upload or paste the invoice file (JSON) to check amount, lines, parties and status against the chain.',
  ],
  'invoice.verify.button': ['查验', 'Check'],
  'invoice.verify.qr': ['或上传发票二维码的图片', 'or upload a picture of the invoice QR'],
  'invoice.verify.noQr': ['图片中没有可识别的二维码', 'No QR code found in the picture'],
  'invoice.verify.badFile': ['这不是发票文件（JSON）', 'This is not an invoice file (JSON)'],
  'invoice.verdict.valid': ['真实有效', 'Valid'],
  'invoice.verdict.void': ['已红冲（作废）', 'Reversed (void)'],
  'invoice.verdict.mismatch': ['与链上记录不符', 'Does not match the chain'],
  'invoice.verdict.not-found': ['链上无此发票', 'No such invoice on chain'],
  'invoice.claimed': [
    '已由 {claimant} 报销入账（区块高度 {height}），不可再次报销',
    'Claimed by {claimant} at height {height}: cannot be claimed again',
  ],
  'invoice.browserCheck': ['浏览器复核：{result}', 'Checked again in the browser: {result}'],
  'invoice.list': ['发票列表', 'Invoices'],
  'invoice.list.hint': [
    '按销售方统一社会信用代码，或购买方信用代码 / 个人钱包 DID 查询。',
    "By the seller's credit code, or the buyer's credit code or wallet DID.",
  ],
  'invoice.list.seller': ['销售方', 'Seller'],
  'invoice.list.buyer': ['购买方', 'Buyer'],
  'invoice.list.byLabel': ['按销售方或购买方查询', 'List by seller or buyer'],
  'invoice.list.whoLabel': ['统一社会信用代码或个人的 DID', 'Unified social credit code, or a person’s DID'],
  'invoice.verify.fileLabel': ['发票文件（JSON）', 'Invoice file (JSON)'],
  'invoice.claim.asLabel': ['入账单位', 'Book as'],
  'invoice.status.issued': ['正常', 'Issued'],
  'invoice.status.reversed': ['已红冲', 'Reversed'],
  'invoice.claimedShort': ['已报销', 'Claimed'],
  'invoice.issue': ['开具发票', 'Issue an invoice'],
  'invoice.issue.hint': [
    '以企业身份登录后开具；金额与明细只在发票文件中，链上只有加盐承诺。开具后把发票文件交给购买方。',
    'Log in as the enterprise; amounts and lines stay in the invoice file, the chain holds a salted commitment. Give the file to the buyer.',
  ],
  'invoice.issue.notIssuer': [
    '当前身份不是已登记的开票单位（由税务部门登记）。',
    'This identity is not a registered issuer (the tax department registers them).',
  ],
  'invoice.issue.seller': ['销售方', 'Seller'],
  'invoice.issue.quota': ['已开 {issued} / 额度 {quota}', '{issued} issued of a quota of {quota}'],
  'invoice.issue.buyerKind': ['购买方类型', 'Buyer'],
  'invoice.issue.buyerEnterprise': ['企业（统一社会信用代码）', 'Enterprise (credit code)'],
  'invoice.issue.buyerPerson': ['个人（钱包 DID）', 'Person (wallet DID)'],
  'invoice.issue.buyerId': ['购买方代码或 DID', "Buyer's code or DID"],
  'invoice.issue.buyerName': ['购买方名称', "Buyer's name"],
  'invoice.issue.item': ['项目名称', 'Item'],
  'invoice.issue.quantity': ['数量', 'Quantity'],
  'invoice.issue.price': ['单价（元）', 'Unit price (yuan)'],
  'invoice.issue.rate': ['税率', 'Tax rate'],
  'invoice.issue.addLine': ['增加一行', 'Add a line'],
  'invoice.issue.total': ['合计 ¥{amount}，税额 ¥{tax}', 'Total ¥{amount}, tax ¥{tax}'],
  'invoice.issue.go': ['签名开具', 'Sign and issue'],
  'invoice.issue.done': [
    '已开具 {number}：请把发票文件交给购买方。',
    'Issued {number}: give the invoice file to the buyer.',
  ],
  'invoice.issue.download': ['下载发票文件（JSON）', 'Download the invoice file (JSON)'],
  'invoice.claim': ['报销入账', 'Claim for reimbursement'],
  'invoice.claim.as': ['以 {name} 入账', 'Book as {name}'],
  'invoice.claim.ref': ['报销单号', 'Claim reference'],
  'invoice.claim.ok': [
    '已入账：该发票已被锁定，其他单位不能再报销。',
    'Booked: the invoice is locked; no one can claim it again.',
  ],
  'invoice.claim.refused': [
    '报销被拒绝：该发票已被报销入账（一票不能多报）。',
    'Claim refused: the invoice was claimed already (it cannot be claimed twice).',
  ],
} as const satisfies Messages

export const { useApp } = withMessages(INVOICE_MESSAGES)
