/**
 * The invoice application's portal page (`@govchain/invoice/portal`, ADR 0020):
 *
 *   开具发票   an enterprise (or receipt unit) logged in with its DID issues an invoice: the lines
 *              are entered here, the amounts reach the chain only as a salted commitment, and the
 *              invoice file (JSON) is handed to the buyer
 *   发票查验   anyone holding an invoice file checks it (on the node against the chain's record, and
 *              again in the browser against the record it returned); a registered buyer's finance
 *              officer then claims it (报销入账) — a second claim is refused with the reason
 *   发票列表   the invoices of a seller or a buyer (defaulting to the logged-in enterprise), page by page
 */

import { ActionButton, Badge, Card, callAnswer, decodeQrImage, ErrorBox, qs } from '@govchain/portal-kit'
import { type FormEvent, useEffect, useState } from 'react'
import { checkInvoiceFile, decodeInvoiceQr, type InvoiceFile, invoiceClaim, invoiceIssue } from '../client.ts'
import type { InvoiceLine } from '../schema.ts'
import { InvoiceCheckAnswer, InvoicePage, type InvoiceView, IssuersAnswer } from '../views.ts'
import { useApp } from './messages.ts'

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

/** The issuers the logged-in DID signs for (none for officers and citizens without one). */
function useMyIssuers(): IssuersAnswer['items'] {
  const { client, identity, reloadKey } = useApp()
  const [items, setItems] = useState<IssuersAnswer['items']>([])
  const did = identity?.did
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey reloads after a fail-over retry
  useEffect(() => {
    setItems([])
    if (did === undefined) return
    void callAnswer(client.url, 'GET', `/v1/invoice/issuers${qs({ did })}`, IssuersAnswer)
      .then((a) => setItems(a.items))
      .catch(() => setItems([]))
  }, [did, client, reloadKey])
  return items
}

const TAX_RATES = ['13%', '9%', '6%', '3%', '1%', '0%'] as const

interface LineDraft {
  item: string
  quantity: string
  price: string
  rate: string
}

/** A line as the file holds it: fen, tax rounded to the fen. */
function toLine(d: LineDraft): InvoiceLine {
  const amountFen = Math.round(Number(d.quantity) * Number(d.price) * 100)
  const taxFen = Math.round((amountFen * Number.parseFloat(d.rate)) / 100)
  return {
    item: d.item.trim(),
    quantity: d.quantity.trim(),
    unitPriceFen: Math.round(Number(d.price) * 100),
    amountFen,
    taxRate: d.rate,
    taxFen,
  }
}

/** A 数电 invoice number: 20 digits, date and time then random digits. */
function newInvoiceNumber(): string {
  const now = new Date()
  const stamp = now
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(2, 14)
  const r = new Uint32Array(2)
  crypto.getRandomValues(r)
  return (stamp + String(r[0]! % 10_000).padStart(4, '0') + String(r[1]! % 10_000).padStart(4, '0')).slice(0, 20)
}

function IssuePanel({ issuers }: { issuers: IssuersAnswer['items'] }) {
  const { t, submit } = useApp()
  const [seller, setSeller] = useState(0)
  const [buyerKind, setBuyerKind] = useState<'enterprise' | 'person'>('enterprise')
  const [buyerId, setBuyerId] = useState('')
  const [buyerName, setBuyerName] = useState('')
  const [lines, setLines] = useState<LineDraft[]>([{ item: '', quantity: '1', price: '', rate: '6%' }])
  const [issued, setIssued] = useState<{ file: InvoiceFile; url: string } | undefined>()
  const [error, setError] = useState<unknown>()
  const me = issuers[seller]
  if (me === undefined) return null
  const parsed = lines.map(toLine)
  const valid =
    parsed.every((l) => l.item !== '' && l.amountFen > 0) && buyerId.trim() !== '' && buyerName.trim() !== ''
  const total = parsed.reduce((n, l) => n + l.amountFen, 0)
  const tax = parsed.reduce((n, l) => n + l.taxFen, 0)
  const set = (i: number, patch: Partial<LineDraft>) =>
    setLines((old) => old.map((l, j) => (j === i ? { ...l, ...patch } : l)))
  const run = async () => {
    setError(undefined)
    setIssued(undefined)
    let file: InvoiceFile | undefined
    await submit((s) => {
      const built = invoiceIssue({
        ...s,
        kind: me.kind === 'enterprise' ? 'invoice' : 'receipt',
        code: '0',
        number: newInvoiceNumber(),
        seller: { code: me.code, name: me.name },
        buyer:
          buyerKind === 'enterprise'
            ? { kind: 'enterprise', code: buyerId.trim(), name: buyerName.trim() }
            : { kind: 'person', did: buyerId.trim(), name: buyerName.trim() },
        date: new Date().toISOString().slice(0, 10),
        lines: parsed,
      })
      file = built.file
      return built.tx
    })
    if (file === undefined) return
    const text = `${JSON.stringify(file, null, 2)}\n`
    setIssued({ file, url: URL.createObjectURL(new Blob([text], { type: 'application/json' })) })
  }
  const yuan = (fen: number) => (fen / 100).toFixed(2)
  return (
    <Card title={t('invoice.issue')}>
      <p className="muted">{t('invoice.issue.hint')}</p>
      <label>
        {t('invoice.issue.seller')}{' '}
        <select value={seller} onChange={(e) => setSeller(Number(e.target.value))} data-testid="invoice-issue-seller">
          {issuers.map((x, i) => (
            <option key={x.code} value={i}>
              {x.name} {x.code}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small">{t('invoice.issue.quota', { issued: me.issued, quota: me.quota })}</p>
      <label>
        {t('invoice.issue.buyerKind')}{' '}
        <select
          value={buyerKind}
          onChange={(e) => setBuyerKind(e.target.value as 'enterprise' | 'person')}
          data-testid="invoice-issue-buyer-kind"
        >
          <option value="enterprise">{t('invoice.issue.buyerEnterprise')}</option>
          <option value="person">{t('invoice.issue.buyerPerson')}</option>
        </select>
      </label>
      <label>
        {t('invoice.issue.buyerId')}{' '}
        <input value={buyerId} onChange={(e) => setBuyerId(e.target.value)} data-testid="invoice-issue-buyer" />
      </label>
      <label>
        {t('invoice.issue.buyerName')}{' '}
        <input
          value={buyerName}
          onChange={(e) => setBuyerName(e.target.value)}
          data-testid="invoice-issue-buyer-name"
        />
      </label>
      <table className="table">
        <thead>
          <tr>
            <th>{t('invoice.issue.item')}</th>
            <th>{t('invoice.issue.quantity')}</th>
            <th>{t('invoice.issue.price')}</th>
            <th>{t('invoice.issue.rate')}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines are edited in place, never reordered
            <tr key={i}>
              <td>
                <input
                  value={l.item}
                  onChange={(e) => set(i, { item: e.target.value })}
                  data-testid={`invoice-line-item-${i}`}
                />
              </td>
              <td>
                <input
                  value={l.quantity}
                  inputMode="decimal"
                  onChange={(e) => set(i, { quantity: e.target.value })}
                  data-testid={`invoice-line-quantity-${i}`}
                />
              </td>
              <td>
                <input
                  value={l.price}
                  inputMode="decimal"
                  onChange={(e) => set(i, { price: e.target.value })}
                  data-testid={`invoice-line-price-${i}`}
                />
              </td>
              <td>
                <select
                  value={l.rate}
                  onChange={(e) => set(i, { rate: e.target.value })}
                  data-testid={`invoice-line-rate-${i}`}
                >
                  {TAX_RATES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        className="btn btn-plain"
        onClick={() => setLines((old) => [...old, { item: '', quantity: '1', price: '', rate: '6%' }])}
      >
        {t('invoice.issue.addLine')}
      </button>
      <p data-testid="invoice-issue-total">{t('invoice.issue.total', { amount: yuan(total), tax: yuan(tax) })}</p>
      <ActionButton kind="primary" onRun={run} onError={setError} testId="invoice-issue" disabled={!valid}>
        {t('invoice.issue.go')}
      </ActionButton>
      {error !== undefined && <ErrorBox error={error} />}
      {issued !== undefined && (
        <div data-testid="invoice-issued" data-number={issued.file.number} role="status">
          <Badge tone="ok">{t('invoice.issue.done', { number: issued.file.number })}</Badge>{' '}
          <a href={issued.url} download={`invoice-${issued.file.number}.json`} data-testid="invoice-issued-download">
            {t('invoice.issue.download')}
          </a>
        </div>
      )}
    </Card>
  )
}

/** The claim of a checked invoice by one of the logged-in enterprise's registered codes. */
function ClaimBox({ file, issuers }: { file: InvoiceFile; issuers: IssuersAnswer['items'] }) {
  const { t, submit, errText } = useApp()
  const [as, setAs] = useState(0)
  const [ref, setRef] = useState(`BX-${file.number.slice(-8)}`)
  const [state, setState] = useState<'ok' | { refused: boolean; text: string } | undefined>()
  const me = issuers[as]
  if (me === undefined) return null
  const run = async () => {
    setState(undefined)
    try {
      await submit((s) =>
        invoiceClaim({ ...s, code: file.code, number: file.number, claimantCode: me.code, claimRef: ref }),
      )
      setState('ok')
    } catch (e) {
      const code = (e as { code?: string }).code
      setState({ refused: code === 'INVOICE_ALREADY_CLAIMED', text: errText(e) })
    }
  }
  return (
    <div className="row" data-testid="invoice-claim-box">
      <strong>{t('invoice.claim')}</strong>
      {issuers.length > 1 && (
        <select value={as} onChange={(e) => setAs(Number(e.target.value))} aria-label={t('invoice.claim.asLabel')}>
          {issuers.map((x, i) => (
            <option key={x.code} value={i}>
              {t('invoice.claim.as', { name: x.name })}
            </option>
          ))}
        </select>
      )}
      <label>
        {t('invoice.claim.ref')}{' '}
        <input value={ref} onChange={(e) => setRef(e.target.value)} data-testid="invoice-claim-ref" />
      </label>
      <ActionButton kind="primary" onRun={run} testId="invoice-claim">
        {t('invoice.claim.as', { name: me.name })}
      </ActionButton>
      {state === 'ok' && (
        <p className="alert alert-ok" role="status" data-testid="invoice-claim-ok">
          {t('invoice.claim.ok')}
        </p>
      )}
      {state !== undefined && state !== 'ok' && (
        <p
          className="alert alert-bad"
          role="alert"
          data-testid="invoice-claim-error"
          data-refused={String(state.refused)}
        >
          {state.refused ? `${t('invoice.claim.refused')} ` : ''}
          {state.text}
        </p>
      )}
    </div>
  )
}

function VerifyPanel({ issuers }: { issuers: IssuersAnswer['items'] }) {
  const { t, lang, client, suite } = useApp()
  const [text, setText] = useState('')
  const [result, setResult] = useState<
    { answer: InvoiceCheckAnswer; browser: InvoiceCheckAnswer['verdict']; file: InvoiceFile } | undefined
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
    const answer = await callAnswer(client.url, 'POST', '/v1/invoice/verify', InvoiceCheckAnswer, { file })
    // The node's answer is data; the verdict is recomputed here from the record it returned.
    const again = checkInvoiceFile(suite, file, answer.invoice ?? undefined)
    setResult({ answer, browser: again.verdict, file })
  }
  const verdict = result?.answer.verdict
  return (
    <Card title={t('invoice.verify')}>
      <p className="muted">{t('invoice.verify.hint')}</p>
      <input
        type="file"
        accept="application/json,.json"
        aria-label={t('invoice.verify.fileLabel')}
        data-testid="invoice-file"
        onChange={(e) => void e.target.files?.[0]?.text().then(setText)}
      />
      <label className="muted small">
        {t('invoice.verify.qr')}{' '}
        <input
          type="file"
          accept="image/*"
          data-testid="invoice-qr-image"
          onChange={(e) => {
            const img = e.target.files?.[0]
            if (img === undefined) return
            void decodeQrImage(img)
              .then((payload) => {
                if (payload === undefined) throw new Error(t('invoice.verify.noQr'))
                setText(JSON.stringify(decodeInvoiceQr(payload), null, 2))
              })
              .catch(setError)
          }}
        />
      </label>
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
          {verdict === 'valid' && result.browser === 'valid' && <ClaimBox file={result.file} issuers={issuers} />}
        </div>
      )}
    </Card>
  )
}

function ListPanel({ issuers }: { issuers: IssuersAnswer['items'] }) {
  const { t, client, identity } = useApp()
  const [by, setBy] = useState<'seller' | 'buyer'>('buyer')
  const [who, setWho] = useState('')
  // An enterprise's credit code, or a person's wallet DID (invoices bought as a person).
  const mine = issuers[0]?.code ?? (identity?.kind === 'citizen' ? identity.did : undefined)
  const [items, setItems] = useState<InvoiceView[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<unknown>()
  const load = async (after?: string, party: string = who) => {
    setError(undefined)
    const page = await callAnswer(
      client.url,
      'GET',
      `/v1/invoice/invoices${qs({ [by]: party.trim(), after, limit: 50 })}`,
      InvoicePage,
    )
    setItems((old) => (after === undefined ? page.items : [...old, ...page.items]))
    setNext(page.next)
  }
  // Once the visitor's own code (or wallet DID) is known, the field holds it and the list of its
  // invoices shows without a click: the issuers arrive after the page does, and a search clicked
  // before them would find the field empty.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the visitor's own code starts a load
  useEffect(() => {
    if (mine === undefined || who !== '') return
    setWho(mine)
    void load(undefined, mine).catch(setError)
  }, [mine])
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    void load().catch(setError)
  }
  return (
    <Card title={t('invoice.list')}>
      <p className="muted">{t('invoice.list.hint')}</p>
      <form onSubmit={onSubmit} className="row">
        <select
          value={by}
          onChange={(e) => setBy(e.target.value as 'seller' | 'buyer')}
          aria-label={t('invoice.list.byLabel')}
          data-testid="invoice-by"
        >
          <option value="buyer">{t('invoice.list.buyer')}</option>
          <option value="seller">{t('invoice.list.seller')}</option>
        </select>
        <input
          value={who}
          onChange={(e) => setWho(e.target.value)}
          aria-label={t('invoice.list.whoLabel')}
          data-testid="invoice-who"
          required
        />
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
  const { t, identity } = useApp()
  const issuers = useMyIssuers()
  return (
    <div className="page">
      <h1>{t('invoice.title')}</h1>
      <p className="lead">{t('invoice.lead')}</p>
      {issuers.length > 0 ? (
        <IssuePanel issuers={issuers} />
      ) : (
        identity?.kind === 'enterprise' && <p className="muted">{t('invoice.issue.notIssuer')}</p>
      )}
      <VerifyPanel issuers={issuers} />
      <ListPanel issuers={issuers} />
    </div>
  )
}
