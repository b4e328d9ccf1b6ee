/**
 * The invoice application's portal page (`@govchain/invoice/portal`, ADR 0020): 发票查验 for
 * anyone holding an invoice file (the check runs on the node against the chain's record and
 * again in the browser against the record it returned), and the invoices of a seller or a buyer,
 * page by page. Issuing, reversing and claiming are the CLI's (`govchain invoice …`) for now.
 */
import {
  ActionButton,
  Badge,
  Card,
  callJson,
  ErrorBox,
  type Messages,
  type PortalPage,
  qs,
  withMessages,
} from '@govchain/portal-kit'
import { type FormEvent, useState } from 'react'
import { checkInvoiceFile, type InvoiceFile } from './client.ts'
import type { InvoiceCheckAnswer, InvoicePage, InvoiceView } from './views.ts'

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
  'invoice.status.issued': ['正常', 'Issued'],
  'invoice.status.reversed': ['已红冲', 'Reversed'],
  'invoice.claimedShort': ['已报销', 'Claimed'],
} as const satisfies Messages

const { useApp } = withMessages(INVOICE_MESSAGES)

const REASONS: Record<string, [string, string]> = {
  INVOICE_AMOUNT_MISMATCH: ['金额或税额与链上承诺不符', 'amount or tax does not open the chain’s commitment'],
  INVOICE_LINES_MISMATCH: ['商品明细与链上摘要不符', 'line items differ from the chain’s hash'],
  INVOICE_FILE_TOTALS: ['明细合计与票面金额不一致', 'the lines do not add up to the totals'],
  INVOICE_SELLER_MISMATCH: ['销售方不符', 'seller differs'],
  INVOICE_BUYER_MISMATCH: ['购买方不符', 'buyer differs'],
  INVOICE_KIND_MISMATCH: ['票据种类不符', 'kind differs'],
  INVOICE_REVERSED: ['该发票已红冲', 'the invoice was reversed'],
  INVOICE_NOT_FOUND: ['链上无此发票代码与号码', 'no invoice with this code and number'],
}

function VerifyPanel() {
  const { t, lang, client, suite } = useApp()
  const [text, setText] = useState('')
  const [result, setResult] = useState<
    { answer: InvoiceCheckAnswer; browser: InvoiceCheckAnswer['verdict'] } | undefined
  >()
  const [error, setError] = useState<unknown>()
  const run = async () => {
    setError(undefined)
    setResult(undefined)
    let file: InvoiceFile
    try {
      file = JSON.parse(text) as InvoiceFile
      if (typeof file !== 'object' || file === null || file.format !== 'govchain-invoice/1') throw new Error()
    } catch {
      throw new Error(t('invoice.verify.badFile'))
    }
    const answer = await callJson<InvoiceCheckAnswer>(client.url, 'POST', '/v1/invoice/verify', { file })
    // The node's answer is data; the verdict is recomputed here from the record it returned.
    const again = checkInvoiceFile(suite, file, answer.invoice ?? undefined)
    setResult({ answer, browser: again.verdict })
  }
  const verdict = result?.answer.verdict
  return (
    <Card title={t('invoice.verify')}>
      <p className="muted">{t('invoice.verify.hint')}</p>
      <input
        type="file"
        accept="application/json,.json"
        data-testid="invoice-file"
        onChange={(e) => void e.target.files?.[0]?.text().then(setText)}
      />
      <textarea
        rows={6}
        value={text}
        onChange={(e) => setText(e.target.value)}
        data-testid="invoice-text"
        aria-label={t('invoice.verify')}
      />
      <ActionButton kind="primary" onRun={run} onError={setError} testId="invoice-verify">
        {t('invoice.verify.button')}
      </ActionButton>
      {error !== undefined && <ErrorBox error={error} />}
      {result !== undefined && verdict !== undefined && (
        <div data-testid="invoice-verdict" data-verdict={verdict} role="status">
          <Badge tone={verdict === 'valid' ? 'ok' : 'bad'}>{t(`invoice.verdict.${verdict}`)}</Badge>
          <ul data-testid="invoice-reasons">
            {result.answer.reasons.map((r) => (
              <li key={r}>
                {(REASONS[r] ?? [r, r])[lang === 'zh' ? 0 : 1]} <code>{r}</code>
              </li>
            ))}
          </ul>
          {result.answer.claimed !== null && (
            <p data-testid="invoice-claimed">
              {t('invoice.claimed', {
                claimant: result.answer.claimed.claimantCode,
                height: result.answer.claimed.height,
              })}
            </p>
          )}
          <p className="muted small">{t('invoice.browserCheck', { result: t(`invoice.verdict.${result.browser}`) })}</p>
        </div>
      )}
    </Card>
  )
}

function ListPanel() {
  const { t, client } = useApp()
  const [by, setBy] = useState<'seller' | 'buyer'>('buyer')
  const [who, setWho] = useState('')
  const [items, setItems] = useState<InvoiceView[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<unknown>()
  const load = async (after?: string) => {
    setError(undefined)
    const page = await callJson<InvoicePage>(
      client.url,
      'GET',
      `/v1/invoice/invoices${qs({ [by]: who.trim(), after, limit: 50 })}`,
    )
    setItems((old) => (after === undefined ? page.items : [...old, ...page.items]))
    setNext(page.next)
  }
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    void load().catch(setError)
  }
  return (
    <Card title={t('invoice.list')}>
      <p className="muted">{t('invoice.list.hint')}</p>
      <form onSubmit={onSubmit} className="row">
        <select value={by} onChange={(e) => setBy(e.target.value as 'seller' | 'buyer')} data-testid="invoice-by">
          <option value="buyer">{t('invoice.list.buyer')}</option>
          <option value="seller">{t('invoice.list.seller')}</option>
        </select>
        <input value={who} onChange={(e) => setWho(e.target.value)} data-testid="invoice-who" required />
        <button type="submit" className="btn btn-primary" data-testid="invoice-search">
          {t('common.search')}
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      <ul className="cards" data-testid="invoice-list">
        {items.map((v) => (
          <li key={`${v.code}/${v.number}`} data-testid="invoice-row" data-status={v.status}>
            <strong>
              {v.code} {v.number}
            </strong>{' '}
            <Badge tone={v.status === 'issued' ? 'ok' : 'bad'}>{t(`invoice.status.${v.status}`)}</Badge>{' '}
            {v.claim !== null && <Badge tone="warn">{t('invoice.claimedShort')}</Badge>}
            <div className="muted small">
              {v.sellerCode} → {v.buyer.code ?? v.buyer.did} · {t('common.height')} {v.issuedHeight}
            </div>
          </li>
        ))}
      </ul>
      {next !== null && (
        <ActionButton onRun={() => load(next)} onError={setError} testId="invoice-more">
          {t('common.more')}
        </ActionButton>
      )}
    </Card>
  )
}

export function InvoicePortalPage() {
  const { t } = useApp()
  return (
    <div className="page">
      <h1>{t('invoice.title')}</h1>
      <p className="lead">{t('invoice.lead')}</p>
      <VerifyPanel />
      <ListPanel />
    </div>
  )
}

export const invoicePages: readonly PortalPage[] = [
  {
    path: '/invoice',
    nav: {
      label: { zh: '发票查验', en: 'Invoices' },
      description: {
        zh: '电子发票与财政票据：查验真伪与状态，防止一票多报',
        en: 'E-invoices and government receipts: check them, and stop double claims',
      },
      icon: '票',
    },
    component: () => <InvoicePortalPage />,
    messages: INVOICE_MESSAGES,
  },
]
