/**
 * Data sharing (issue 7): the catalogue, the request and approval console, the fetch through
 * the department's own gateway, "who used my data" for citizens and enterprises, and the audit
 * trail of a data item with its proofs checked in the browser.
 */

import { toCsv } from '@govchain/client'
import { fromBase64 } from '@govchain/core'
import {
  ActionButton,
  Badge,
  Card,
  ConfirmDialog,
  DateRange,
  dayBoundsMs,
  downloadText,
  ErrorBox,
  formatTime,
  Hash,
  isMissingRoute,
  Link,
  ListFooter,
  type ListPage,
  Loading,
  Modal,
  Notice,
  type ProofMaterial,
  randomHex,
  type Tone,
  useLoad,
  usePagedList,
} from '@govchain/portal-kit'
import { type FormEvent, useState } from 'react'
import { lineageBundle, signGatewayLocalFetchWith, signSharingAuthWith } from '../client.ts'
import { type Access, type ResourceVersion, type SharingRequest, sharingApi } from './api.ts'
import { LINEAGE_PAGES_MAX, type Lineage, walkLineage } from './lineage.ts'
import { tMaybe, useApp } from './messages.ts'
import { decideTx, requestTx, revokeGrantTx } from './txs.ts'

const DAY_MS = 86_400_000
const TABS = ['catalog', 'requests', 'my-data', 'audit'] as const
type Tab = (typeof TABS)[number]
const TAB_KEYS = {
  catalog: 'sharing.catalog',
  requests: 'sharing.requests',
  'my-data': 'sharing.myData',
  audit: 'sharing.audit',
} as const

export function SharingPage({ tab }: { tab: string }) {
  const { t } = useApp()
  const current: Tab = (TABS as readonly string[]).includes(tab) ? (tab as Tab) : 'catalog'
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('sharing.title')}</h1>
      </div>
      <nav className="tabs" aria-label={t('sharing.title')}>
        {TABS.map((x) => (
          <Link key={x} to={`/sharing/${x}`} className={x === current ? 'active' : ''} testId={`tab-${x}`}>
            {t(TAB_KEYS[x])}
          </Link>
        ))}
      </nav>
      {current === 'catalog' && <Catalogue />}
      {current === 'requests' && <Requests />}
      {current === 'my-data' && <MyData />}
      {current === 'audit' && <Audit />}
    </div>
  )
}

function shareTone(s: string): Tone {
  return s === 'unconditional' ? 'ok' : s === 'conditional' ? 'info' : 'muted'
}
function stateTone(s: string): Tone {
  if (s === 'active' || s === 'approved') return 'ok'
  if (s === 'pending') return 'warn'
  if (s === 'rejected' || s === 'revoked') return 'bad'
  return 'muted'
}
function stateText(s: string, lang: 'zh' | 'en'): string {
  return tMaybe(lang, `sharing.state.${s}`, s)
}

function NotEnabled({ error }: { error: unknown }) {
  const { t } = useApp()
  if (isMissingRoute(error))
    return <Notice tone="warn">{t('common.notAvailable', { what: t('sharing.title') })}</Notice>
  return <ErrorBox error={error} />
}

// ---------------------------------------------------------------- catalogue

function Catalogue() {
  const { t, lang, client, orgName, identity } = useApp()
  const [q, setQ] = useState('')
  const [query, setQuery] = useState('')
  const [requesting, setRequesting] = useState<ResourceVersion>()
  const { data, error, loading } = useLoad(() => sharingApi.resources(client.url, { q: query, limit: 100 }), [query])
  const onSearch = (e: FormEvent) => {
    e.preventDefault()
    setQuery(q.trim())
  }
  const officerOrg = identity?.kind === 'officer' ? identity.orgId : undefined
  return (
    <>
      <form className="search" onSubmit={onSearch}>
        <input
          aria-label={t('common.search')}
          placeholder={t('common.search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="submit" className="btn btn-primary">
          {t('common.search')}
        </button>
      </form>
      <div className="spacer" />
      {error !== undefined && <NotEnabled error={error} />}
      {loading && data === undefined && <Loading />}
      {requesting !== undefined && officerOrg !== undefined && (
        <RequestForm resource={requesting} consumerOrg={officerOrg} onClose={() => setRequesting(undefined)} />
      )}
      <div className="resource-grid" data-testid="catalog">
        {data?.resources.map((r) => (
          <section key={r.resourceId} className="card resource" data-testid={`resource-${r.resourceId}`}>
            <div className="card-body">
              <div className="resource-head">
                <h3>{r.title}</h3>
                <Badge tone={shareTone(r.shareType)}>
                  {tMaybe(lang, `sharing.shareType.${r.shareType}`, r.shareType)}
                </Badge>
              </div>
              <p className="muted small">{r.description}</p>
              <p className="small">
                <strong>{t('sharing.owner')}</strong> {orgName(r.ownerOrg)} · <strong>{t('sharing.version')}</strong> v
                {r.version} · <code>{r.resourceId}</code>
              </p>
              <div className="field-chips">
                {r.fields.map((f) => (
                  <span
                    key={f.name}
                    className={`chip chip-${f.sensitivity}`}
                    title={tMaybe(lang, `sharing.sensitivity.${f.sensitivity}`, f.sensitivity)}
                  >
                    {f.label}
                  </span>
                ))}
              </div>
              {officerOrg !== undefined && officerOrg !== r.ownerOrg && r.shareType !== 'none' && (
                <button
                  type="button"
                  className="btn btn-primary btn-small"
                  onClick={() => setRequesting(r)}
                  data-testid={`request-${r.resourceId}`}
                >
                  {t('sharing.request')}
                </button>
              )}
            </div>
          </section>
        ))}
      </div>
      {data !== undefined && data.resources.length === 0 && <p className="muted">{t('common.none')}</p>}
    </>
  )
}

function RequestForm({
  resource,
  consumerOrg,
  onClose,
}: {
  resource: ResourceVersion
  consumerOrg: string
  onClose: () => void
}) {
  const { t, submit, navigate } = useApp()
  const [fields, setFields] = useState<string[]>(resource.fields.map((f) => f.name))
  const [purpose, setPurpose] = useState('')
  const [legalBasis, setLegalBasis] = useState('')
  const [days, setDays] = useState(30)
  const [rowsMax, setRowsMax] = useState(100)
  const [error, setError] = useState<unknown>()
  const toggle = (name: string) => setFields((fs) => (fs.includes(name) ? fs.filter((f) => f !== name) : [...fs, name]))
  return (
    <Modal labelledBy="request-title" onClose={onClose} testId="request-form">
      <div>
        <h2 id="request-title">
          {t('sharing.request')}：{resource.title}
        </h2>
        <fieldset className="field">
          <legend>{t('sharing.fields')}</legend>
          {resource.fields.map((f) => (
            <label key={f.name} className="check">
              <input type="checkbox" checked={fields.includes(f.name)} onChange={() => toggle(f.name)} /> {f.label}{' '}
              <span className="muted small">({f.name})</span>
            </label>
          ))}
        </fieldset>
        <div className="form-grid">
          <div>
            <label htmlFor="rq-purpose">{t('sharing.purpose')}</label>
            <input
              id="rq-purpose"
              data-testid="rq-purpose"
              value={purpose}
              onChange={(e) => setPurpose(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="rq-basis">{t('sharing.legalBasis')}</label>
            <input
              id="rq-basis"
              data-testid="rq-basis"
              value={legalBasis}
              onChange={(e) => setLegalBasis(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="rq-days">{t('sharing.duration')}</label>
            <input
              id="rq-days"
              type="number"
              min={1}
              max={3650}
              value={days}
              onChange={(e) => setDays(Number(e.target.value))}
            />
          </div>
          <div>
            <label htmlFor="rq-rows">{t('sharing.volume')}</label>
            <input
              id="rq-rows"
              type="number"
              min={1}
              value={rowsMax}
              onChange={(e) => setRowsMax(Number(e.target.value))}
            />
          </div>
        </div>
        <ErrorBox error={error} />
        <div className="btn-row">
          <ActionButton
            kind="primary"
            testId="rq-submit"
            disabled={fields.length === 0 || purpose.trim() === '' || legalBasis.trim() === ''}
            onError={setError}
            onRun={async () => {
              await submit((s) =>
                requestTx(s, {
                  resourceId: resource.resourceId,
                  consumerOrg,
                  fields,
                  purpose: purpose.trim(),
                  legalBasis: legalBasis.trim(),
                  durationMs: days * DAY_MS,
                  rowsMax,
                }),
              )
              onClose()
              navigate('/sharing/requests')
            }}
          >
            {t('common.submit')}
          </ActionButton>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </Modal>
  )
}

// ---------------------------------------------------------------- requests and approvals

function Requests() {
  const { t, client, identity } = useApp()
  const org = identity?.kind === 'officer' ? identity.orgId : undefined
  const [tick, setTick] = useState(0)
  const incoming = useLoad(
    async () => (org === undefined ? undefined : sharingApi.requests(client.url, { owner: org })),
    [org, tick],
  )
  const outgoing = useLoad(
    async () => (org === undefined ? undefined : sharingApi.requests(client.url, { consumer: org })),
    [org, tick],
  )
  if (org === undefined) return <Notice tone="info">{t('sharing.notDept')}</Notice>
  const reload = () => setTick((n) => n + 1)
  return (
    <>
      <Card
        title={t('sharing.incoming')}
        testId="incoming"
        actions={
          <button type="button" className="btn btn-small" onClick={reload}>
            {t('common.refresh')}
          </button>
        }
      >
        {incoming.error !== undefined && <NotEnabled error={incoming.error} />}
        <RequestTable rows={incoming.data?.requests} side="owner" onChange={reload} />
      </Card>
      <Card title={t('sharing.outgoing')} testId="outgoing">
        {outgoing.error !== undefined && <NotEnabled error={outgoing.error} />}
        <RequestTable rows={outgoing.data?.requests} side="consumer" onChange={reload} />
      </Card>
    </>
  )
}

function RequestTable({
  rows,
  side,
  onChange,
}: {
  rows: SharingRequest[] | undefined
  side: 'owner' | 'consumer'
  onChange: () => void
}) {
  const { t, lang, orgName } = useApp()
  const [open, setOpen] = useState<string>()
  if (rows === undefined) return <Loading />
  if (rows.length === 0) return <p className="muted">{t('sharing.noRequests')}</p>
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>{t('sharing.resource')}</th>
            <th>{side === 'owner' ? t('sharing.requester') : t('sharing.owner')}</th>
            <th>{t('sharing.purpose')}</th>
            <th>{t('common.status')}</th>
            <th>{t('common.time')}</th>
            <th>{t('common.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.requestId} data-testid={`request-row-${r.resourceId}`} data-state={r.state}>
              <td>
                <code>{r.resourceId}</code>
                <div className="muted small">{r.fields.join(', ')}</div>
              </td>
              <td>{orgName(side === 'owner' ? r.consumerOrg : r.ownerOrg)}</td>
              <td>
                {r.purpose}
                <div className="muted small">{r.legalBasis}</div>
              </td>
              <td>
                <Badge tone={stateTone(r.state)} testId="request-state">
                  {stateText(r.state, lang)}
                </Badge>
                {r.decision?.reason && <div className="muted small">{r.decision.reason}</div>}
              </td>
              <td className="nowrap small">{formatTime(r.timeMs, lang)}</td>
              <td>
                <RequestActions r={r} side={side} onChange={onChange} onFetch={() => setOpen(r.requestId)} />
                {open === r.requestId && <FetchPanel r={r} onClose={() => setOpen(undefined)} onDone={onChange} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Why a data grant is revoked (its own list, not a licence's): the chain records the text. */
const REVOKE_GRANT_REASONS = ['purpose_fulfilled', 'no_longer_needed', 'misuse_suspected', 'legal_basis_ended'] as const
const REVOKE_GRANT_TEXT: Record<(typeof REVOKE_GRANT_REASONS)[number], [string, string]> = {
  purpose_fulfilled: ['使用目的已完成', 'Purpose fulfilled'],
  no_longer_needed: ['不再需要', 'No longer needed'],
  misuse_suspected: ['疑似超范围使用', 'Misuse suspected'],
  legal_basis_ended: ['法定依据终止', 'Legal basis ended'],
}

function RequestActions({
  r,
  side,
  onChange,
  onFetch,
}: {
  r: SharingRequest
  side: 'owner' | 'consumer'
  onChange: () => void
  onFetch: () => void
}) {
  const { t, submit, lang } = useApp()
  const [error, setError] = useState<unknown>()
  const [reason, setReason] = useState('')
  const [revoking, setRevoking] = useState(false)
  const [revokeCode, setRevokeCode] = useState<(typeof REVOKE_GRANT_REASONS)[number]>('purpose_fulfilled')
  const approved = lang === 'zh' ? '符合共享条件' : 'meets the sharing conditions'
  if (side === 'owner' && r.state === 'pending') {
    return (
      <div className="stack">
        <input
          aria-label={t('common.reason')}
          placeholder={t('common.reason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          data-testid="decide-reason"
        />
        <div className="btn-row">
          <ActionButton
            kind="primary"
            testId="approve"
            onError={setError}
            onRun={async () => {
              await submit((s) =>
                decideTx(s, { requestId: r.requestId, approve: true, reason: reason.trim() || approved }),
              )
              onChange()
            }}
          >
            {t('sharing.approve')}
          </ActionButton>
          <ActionButton
            kind="danger"
            testId="reject"
            onError={setError}
            disabled={reason.trim() === ''}
            onRun={async () => {
              await submit((s) => decideTx(s, { requestId: r.requestId, approve: false, reason: reason.trim() }))
              onChange()
            }}
          >
            {t('sharing.reject')}
          </ActionButton>
        </div>
        <ErrorBox error={error} />
      </div>
    )
  }
  if (r.state === 'active') {
    return (
      <div className="btn-row">
        {side === 'consumer' && (
          <button type="button" className="btn btn-primary btn-small" onClick={onFetch} data-testid="fetch-open">
            {t('sharing.fetch')}
          </button>
        )}
        <button
          type="button"
          className="btn btn-danger btn-small"
          data-testid="revoke-grant"
          onClick={() => setRevoking(true)}
        >
          {t('sharing.revoke')}
        </button>
        {revoking && (
          <ConfirmDialog
            testId="confirm-revoke-grant"
            title={t('sharing.revoke')}
            summary={t('sharing.confirm.revoke', { dataset: r.resourceId, consumer: r.consumerOrg })}
            confirmLabel={t('sharing.revoke')}
            danger
            onClose={() => setRevoking(false)}
            onConfirm={async () => {
              const text = REVOKE_GRANT_TEXT[revokeCode][lang === 'zh' ? 0 : 1]
              await submit((s) =>
                revokeGrantTx(s, {
                  requestId: r.requestId,
                  reason: reason.trim() === '' ? text : `${text}：${reason.trim()}`,
                }),
              )
              onChange()
            }}
          >
            <label>
              {t('sharing.revoke.reason')}{' '}
              <select
                value={revokeCode}
                onChange={(e) => setRevokeCode(e.target.value as typeof revokeCode)}
                data-testid="revoke-grant-code"
              >
                {REVOKE_GRANT_REASONS.map((c) => (
                  <option key={c} value={c}>
                    {REVOKE_GRANT_TEXT[c][lang === 'zh' ? 0 : 1]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('sharing.revoke.note')} <input value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
          </ConfirmDialog>
        )}
        <ErrorBox error={error} />
      </div>
    )
  }
  return <span className="muted small">—</span>
}

function FetchPanel({ r, onClose, onDone }: { r: SharingRequest; onClose: () => void; onDone: () => void }) {
  const { t, config, identity, signer } = useApp()
  const granted = r.grant?.fields ?? r.fields
  const [filterField, setFilterField] = useState(
    granted.find((f) => /id_number|credit_code|code/.test(f)) ?? granted[0] ?? '',
  )
  const [filterValue, setFilterValue] = useState('')
  const [error, setError] = useState<unknown>()
  const [result, setResult] = useState<{ rows: Record<string, unknown>[]; receiptId: string; txHash: string | null }>()
  const gateway = identity?.orgId === undefined ? undefined : config.gateways[identity.orgId]
  return (
    <Modal labelledBy="fetch-title" onClose={onClose} testId="fetch-panel">
      <div>
        <h2 id="fetch-title">
          {t('sharing.fetch')}：<code>{r.resourceId}</code>
        </h2>
        {gateway === undefined && <Notice tone="warn">{t('common.notAvailable', { what: 'data gateway' })}</Notice>}
        <div className="form-grid">
          <div>
            <label htmlFor="f-field">{t('sharing.fields')}</label>
            <select id="f-field" value={filterField} onChange={(e) => setFilterField(e.target.value)}>
              {granted.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="f-value">{t('sharing.subject')}</label>
            <input
              id="f-value"
              data-testid="fetch-value"
              value={filterValue}
              onChange={(e) => setFilterValue(e.target.value)}
            />
          </div>
        </div>
        <ErrorBox error={error} />
        <div className="btn-row">
          <ActionButton
            kind="primary"
            testId="fetch-run"
            disabled={gateway === undefined || signer === undefined}
            onError={setError}
            onRun={async () => {
              setError(undefined)
              const filter = filterValue.trim() === '' ? null : { field: filterField, values: [filterValue.trim()] }
              const body = await signGatewayLocalFetchWith(signer!, {
                grantId: r.requestId,
                fields: granted,
                filter,
                timeMs: Date.now(),
                nonce: randomHex(16),
              })
              const res = await sharingApi.localFetch(gateway!, body)
              setResult(res)
              onDone()
            }}
          >
            {t('sharing.fetch')}
          </ActionButton>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.back')}
          </button>
        </div>
        {result !== undefined && (
          <div data-testid="fetch-result">
            <h3>{t('sharing.result')}</h3>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    {granted.map((f) => (
                      <th key={f}>{f}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {result.rows.map((row, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: rows as delivered
                    <tr key={i}>
                      {granted.map((f) => (
                        <td key={f}>{String(row[f] ?? '')}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="small">
              {t('sharing.receipt')}: <Hash value={result.receiptId} />
              {/* Null: the provider queued the receipt for its next batch transaction (ADR 0036). */}
              {result.txHash !== null && (
                <>
                  {' '}
                  · tx <Hash value={result.txHash} to={`/explorer/tx/${result.txHash}`} />
                </>
              )}
            </p>
          </div>
        )}
      </div>
    </Modal>
  )
}

// ---------------------------------------------------------------- who used my data

function MyData() {
  const { t, client, identity, suite, config, orgName, signer } = useApp()
  const [department, setDepartment] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  /** The filter of the list shown, set by 查询 (each page costs a signature, so nothing loads unasked). */
  const [applied, setApplied] = useState<AccessFilter & { n: number }>()
  if (identity === undefined || identity.kind === 'officer' || identity.did === undefined) {
    return <Notice tone="info">{t('sharing.notSubject')}</Notice>
  }
  const credential = identity.subjectCredential
  const did = identity.did
  /** One page of "who used my data": each page is its own single-use challenge, signed by the DID key. */
  const loadAccesses = async (after: string | undefined, filter: AccessFilter, limit: number) => {
    const { challenge } = await sharingApi.challenge(client.url)
    if (signer === undefined) throw new Error(t('common.loginRequired'))
    const signature = await signSharingAuthWith(signer, {
      suite,
      chainId: config.chainId,
      purpose: 'my-accesses',
      challenge,
    })
    const page = await sharingApi.myAccesses(client.url, {
      did,
      publicKey: identity.publicKey,
      challenge,
      signature,
      credential: credential!,
      limit,
      ...filter,
      ...(after === undefined ? {} : { after }),
    })
    return { items: page.accesses, next: page.next }
  }
  return (
    <Card title={t('sharing.myData')} testId="my-data">
      <p className="muted">{t('sharing.accessList')}</p>
      {credential === undefined && (
        <Notice tone="warn">{t('common.notAvailable', { what: t('sharing.subjectCredential') })}</Notice>
      )}
      <div className="filters" data-testid="access-filters">
        <label>
          {t('sharing.department')}
          <select
            value={department}
            onChange={(e) => setDepartment(e.target.value)}
            data-testid="access-filter-department"
          >
            <option value="">{t('list.allDepartments')}</option>
            {config.organisations.map((o) => (
              <option key={o.id} value={o.id}>
                {orgName(o.id)}
              </option>
            ))}
          </select>
        </label>
        <DateRange
          from={from}
          to={to}
          testId="access-filter"
          onChange={(f, tt) => {
            setFrom(f)
            setTo(tt)
          }}
        />
        <button
          type="button"
          className="btn btn-primary"
          data-testid="my-data-load"
          disabled={credential === undefined}
          onClick={() =>
            setApplied((a) => ({
              ...(department === '' ? {} : { consumer: department }),
              ...dayBoundsMs(from, to),
              n: (a?.n ?? 0) + 1,
            }))
          }
        >
          {t('common.search')}
        </button>
      </div>
      {applied !== undefined && <AccessList key={applied.n} filter={applied} load={loadAccesses} />}
    </Card>
  )
}

type AccessFilter = { consumer?: string; fromMs?: number; toMs?: number }
const ACCESS_PAGE_SIZE = 20

function AccessList({
  filter: { n: _n, ...filter },
  load,
}: {
  filter: AccessFilter & { n: number }
  load: (after: string | undefined, filter: AccessFilter, limit: number) => Promise<ListPage<Access>>
}) {
  const { t, lang, orgName } = useApp()
  const list = usePagedList((after) => load(after, filter, ACCESS_PAGE_SIZE), [])
  const department = (a: Access) =>
    lang === 'zh' ? a.consumerOrgName || orgName(a.consumerOrg) : orgName(a.consumerOrg)
  const accesses = list.items
  return (
    <>
      <ErrorBox error={list.error} />
      {accesses === undefined ? (
        <Loading />
      ) : accesses.length === 0 ? (
        <p className="muted" data-testid="access-none">
          {t('sharing.noAccess')}
        </p>
      ) : (
        <div className="table-wrap">
          <table data-testid="access-table">
            <thead>
              <tr>
                <th>{t('common.time')}</th>
                <th>{t('sharing.department')}</th>
                <th>{t('sharing.resource')}</th>
                <th>{t('sharing.purpose')}</th>
                <th>{t('sharing.fields')}</th>
                <th>{t('sharing.case')}</th>
                <th>{t('sharing.receipt')}</th>
              </tr>
            </thead>
            <tbody>
              {accesses.map((a) => (
                <tr key={a.receiptId} data-testid="access-row" data-org={a.consumerOrg} data-receipt={a.receiptId}>
                  <td className="nowrap">{formatTime(a.timeMs, lang)}</td>
                  <td>{department(a)}</td>
                  <td>
                    {a.resourceTitle}
                    <div className="muted small">
                      {t('sharing.owner')}: {orgName(a.providerOrg)}
                    </div>
                  </td>
                  <td>
                    {a.purpose}
                    <div className="muted small">{a.legalBasis}</div>
                  </td>
                  <td className="small">{a.fieldLabels.join('、')}</td>
                  <td className="small" data-testid="access-case">
                    {a.caseId === null ? '—' : <Link to={`/service?case=${a.caseId}`}>{t('sharing.caseLink')}</Link>}
                  </td>
                  <td>
                    <Link to={`/explorer/block/${a.height}`}>#{a.height}</Link>
                    <details className="small">
                      <summary>{t('common.details')}</summary>
                      <div className="wrap">
                        {t('sharing.resourceId')}: <code>{a.resourceId}</code>
                        <br />
                        {t('sharing.fieldNames')}: <code>{a.fields.join(', ')}</code>
                        <br />
                        {t('sharing.grant')}: <code>{a.grantId.slice(0, 16)}…</code>
                        <br />
                        {t('sharing.receiptId')}: <code>{a.receiptId.slice(0, 16)}…</code>
                      </div>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ListFooter
        list={list}
        testId="access"
        exportPage={(after) => load(after, filter, ACCESSES_EXPORT_PAGE)}
        fileName="my-data-uses.csv"
        columns={[
          t('common.time'),
          t('sharing.department'),
          t('sharing.resource'),
          t('sharing.owner'),
          t('sharing.purpose'),
          t('sharing.legalBasis'),
          t('sharing.fields'),
          t('sharing.case'),
          t('common.height'),
          t('sharing.receiptId'),
        ]}
        row={(a: Access) => [
          formatTime(a.timeMs, lang),
          department(a),
          a.resourceTitle,
          orgName(a.providerOrg),
          a.purpose,
          a.legalBasis,
          a.fieldLabels.join('、'),
          a.caseId ?? '',
          String(a.height),
          a.receiptId,
        ]}
      />
    </>
  )
}

/** Accesses a page of the export asks for (the node's largest page). */
const ACCESSES_EXPORT_PAGE = 500

// ---------------------------------------------------------------- audit trail

type TrailItem = { key: string; timeMs: number; height: number; kind: string; text: string; proof?: ProofMaterial }

type AppContext = ReturnType<typeof useApp>

/**
 * Every page of a resource's lineage: the node pages each kind by cursor, and a fresh challenge
 * signed by the auditor authorises each page.
 */
function fetchLineage(app: AppContext, resourceId: string): Promise<Lineage[]> {
  const { t, client, signer, suite, config, identity } = app
  return walkLineage(
    async (after) => {
      const { challenge } = await sharingApi.challenge(client.url)
      const signature = await signSharingAuthWith(signer!, {
        suite,
        chainId: config.chainId,
        purpose: 'lineage',
        challenge,
      })
      return sharingApi.lineage(client.url, {
        resourceId,
        publicKey: identity!.publicKey,
        challenge,
        signature,
        ...(after === undefined ? {} : { after }),
      })
    },
    t('sharing.lineageTooLong', { max: LINEAGE_PAGES_MAX }),
  )
}

/** The lineage's versions, requests, receipts and refusals as one timeline, oldest first. */
function trailOf(pages: Lineage[], lang: AppContext['lang'], orgName: AppContext['orgName']): TrailItem[] {
  const items: TrailItem[] = []
  for (const { version: v, proof } of pages.flatMap((p) => p.versions)) {
    items.push({
      key: `v${v.version}`,
      timeMs: v.timeMs,
      height: v.height,
      kind: lang === 'zh' ? `发布版本 v${v.version}` : `published v${v.version}`,
      text: `${orgName(v.ownerOrg)} · ${v.dataVersion} ${v.note}`,
      proof,
    })
  }
  for (const { request: r, proof } of pages.flatMap((p) => p.grants)) {
    items.push({
      key: `g${r.requestId}`,
      timeMs: r.timeMs,
      height: r.height,
      kind: lang === 'zh' ? `共享申请（${stateText(r.state, lang)}）` : `request (${stateText(r.state, lang)})`,
      text: `${orgName(r.consumerOrg)} · ${r.purpose} · ${r.fields.join(', ')}`,
      proof,
    })
  }
  for (const { receipt: x, proof } of pages.flatMap((p) => p.receipts)) {
    items.push({
      key: `r${x.receiptId}`,
      timeMs: x.timeMs,
      height: x.height,
      kind: lang === 'zh' ? '数据调取回执' : 'fetch receipt',
      text: `${orgName(x.providerOrg)} → ${orgName(x.consumerOrg)} · ${x.rows} ${lang === 'zh' ? '行' : 'rows'} · ${x.fields.join(', ')}`,
      proof,
    })
  }
  for (const x of pages.flatMap((p) => p.refusals)) {
    items.push({
      key: `x${x.refusalId}`,
      timeMs: x.timeMs,
      height: x.height,
      kind: lang === 'zh' ? '拒绝调取' : 'refused',
      text: `${x.code} · ${x.consumerOrg === null ? '' : orgName(x.consumerOrg)} · ${x.reason}`,
    })
  }
  return items.sort((a, b) => a.height - b.height)
}

/** How many of the items carry a state proof, and how many of those verify in this browser. */
function verifyTrail(items: TrailItem[], lightClient: AppContext['lightClient']): { verified: number; proofs: number } {
  let verified = 0
  let proofs = 0
  for (const it of items) {
    if (it.proof === undefined || it.proof === null || lightClient === undefined) continue
    proofs++
    try {
      lightClient.verifyState({
        module: it.proof.module,
        key: it.proof.key,
        value: it.proof.value === null ? undefined : fromBase64(it.proof.value),
        height: it.proof.height,
        proof: fromBase64(it.proof.proof),
        headerBytes: fromBase64(it.proof.headerBytes),
        certificate: fromBase64(it.proof.certificate),
      })
      verified++
    } catch {
      // Counted as unverified; the summary shows how many.
    }
  }
  return { verified, proofs }
}

/**
 * Each batched receipt's inclusion proof leads to its batch root: the proof that each root was
 * committed, for the bundle (ADR 0036).
 */
async function batchProofs(url: string, pages: Lineage[]): Promise<Map<string, ProofMaterial>> {
  const batches = new Map<string, ProofMaterial>()
  const roots = new Set(
    pages.flatMap((p) => p.receipts).flatMap(({ receipt }) => (receipt.batch === null ? [] : [receipt.batch.root])),
  )
  for (const root of roots) {
    const { proof } = await sharingApi.batch(url, root)
    if (proof !== null) batches.set(root, proof)
  }
  return batches
}

function Audit() {
  const app = useApp()
  const { t, lang, client, identity, config, orgName, lightClient } = app
  const [resourceId, setResourceId] = useState('')
  const [error, setError] = useState<unknown>()
  const [trail, setTrail] = useState<{
    items: TrailItem[]
    verified: number
    proofs: number
    pages: Lineage[]
    /** Each receipt batch's committed record, proven (the bundle's inclusion evidence). */
    batches: Map<string, ProofMaterial>
  }>()
  const auditor = identity?.kind === 'officer' && identity.roles?.includes('auditor') === true
  if (!auditor) return <Notice tone="info">{t('sharing.notDept')}</Notice>
  const run = async () => {
    setError(undefined)
    const pages = await fetchLineage(app, resourceId.trim())
    const items = trailOf(pages, lang, orgName)
    const { verified, proofs } = verifyTrail(items, lightClient)
    setTrail({ items, verified, proofs, pages, batches: await batchProofs(client.url, pages) })
  }
  /** The CSV and its proof bundle, each a download: verifyProofBundle checks them offline. */
  const download = downloadText
  const exportTrail = (what: 'csv' | 'bundle') => {
    if (trail === undefined) return
    const bundle = lineageBundle(config.chainId, trail.pages, trail.batches)
    const base = `lineage-${resourceId.trim()}`
    if (what === 'csv')
      download(
        `${base}.csv`,
        toCsv(
          bundle.columns,
          bundle.rows.map((r) => r.cells),
        ),
        'text/csv;charset=utf-8',
      )
    else download(`${base}.proof.json`, JSON.stringify(bundle, null, 2), 'application/json')
  }
  return (
    <Card title={t('sharing.lineage')} testId="audit">
      <div className="search">
        <input
          aria-label={t('sharing.auditPlaceholder')}
          placeholder={t('sharing.auditPlaceholder')}
          value={resourceId}
          onChange={(e) => setResourceId(e.target.value)}
          data-testid="audit-resource"
        />
        <ActionButton
          kind="primary"
          onRun={run}
          onError={setError}
          testId="audit-run"
          disabled={resourceId.trim() === ''}
        >
          {t('common.search')}
        </ActionButton>
      </div>
      <ErrorBox error={error} />
      {trail !== undefined && (
        <>
          <div className="actions">
            <button type="button" className="btn" onClick={() => exportTrail('csv')} data-testid="audit-export-csv">
              {t('sharing.exportCsv')}
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => exportTrail('bundle')}
              data-testid="audit-export-bundle"
            >
              {t('sharing.exportBundle')}
            </button>
          </div>
          <Notice tone={trail.verified === trail.proofs ? 'ok' : 'bad'} testId="audit-proofs">
            {lang === 'zh'
              ? `${trail.proofs} 条记录的状态证明中 ${trail.verified} 条已在浏览器内验证`
              : `${trail.verified} of ${trail.proofs} state proofs verified in this browser`}
          </Notice>
          <ol className="timeline">
            {trail.items.map((it) => (
              <li key={it.key}>
                <span className="muted small nowrap">
                  #{it.height} · {formatTime(it.timeMs, lang)}
                </span>
                <strong> {it.kind}</strong>
                <div className="small">{it.text}</div>
              </li>
            ))}
          </ol>
        </>
      )}
    </Card>
  )
}
