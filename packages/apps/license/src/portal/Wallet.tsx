/**
 * Holder wallet (issue 6): the holder's licences (on-chain records by holder DID, credentials
 * kept on the device — imported from the issuer's hand-over, ADR 0038 — and from the demo
 * mailbox), a QR code of a presentation with the fields the holder
 * chooses, consent for a department to use a licence (grantUse, signed by the holder's DID key),
 * and every use recorded (holder-authenticated query).
 */
import { fromHex } from '@govchain/core'
import {
  ActionButton,
  Badge,
  CopyButton,
  deviceWallet,
  ErrorBox,
  formatDate,
  formatTime,
  Loading,
  MoreButton,
  mailbox,
  mailboxPaths,
  Notice,
  qrDataUrl,
  type Tone,
  useLoad,
  useMorePages,
} from '@govchain/portal-kit'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { fetchLicenseProof, licenseTx, type ProofMaterial, presentationUrl, signPresentationWith } from '../client.ts'
import { type License, type LicenseGrant, type LicenseType, type LicenseUse, licenseApi } from './api.ts'
import { ImportCredential } from './Handover.tsx'
import { fieldsOf, holderAuth, present, qrPayload } from './holder.ts'
import { tMaybe, useApp } from './messages.ts'
import { PrintButtons } from './Print.tsx'

const DAY_MS = 86_400_000

export function statusTone(s: string): Tone {
  if (s === 'active') return 'ok'
  if (s === 'suspended' || s === 'expired' || s === 'not_yet_valid') return 'warn'
  if (s === 'revoked') return 'bad'
  return 'muted'
}

export function WalletPage() {
  const { t, client, identity, suite, config, signer } = useApp()
  const did = identity?.kind === 'officer' ? undefined : identity?.did
  const { data, error, loading, reload } = useLoad(async () => {
    if (did === undefined) return undefined
    const [list, types, mail] = await Promise.all([
      licenseApi.list(client.url, { holder: did, limit: 200 }),
      licenseApi.types(client.url),
      // The demo mailbox (demo mode only): credentials a department handed over.
      signer === undefined || !config.demo
        ? { items: [] }
        : holderAuth(signer, suite, config.chainId, mailboxPaths.list, did).then((auth) =>
            mailbox.list(auth).catch(() => ({ items: [] })),
          ),
    ])
    // Kept on this device (imported, or put here by the service hall) first, then the mailbox's.
    const kept = await deviceWallet.read(did)
    const creds: Record<string, string> = { ...kept }
    for (const m of mail.items) creds[m.licenseId] ??= m.credential
    return {
      licenses: list.items,
      types: new Map(types.items.map((x) => [x.code, x])),
      creds,
      kept: new Set(Object.keys(kept)),
    }
  }, [did, client, signer, suite, config])
  const typeCodes = useMemo(() => new Set(data?.types.keys() ?? []), [data])
  if (did === undefined) return <LoginFirst />
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('wallet.title')}</h1>
        <button type="button" className="btn" onClick={reload}>
          {t('common.refresh')}
        </button>
      </div>
      <p className="muted">
        {t('lic.holder')}: <code>{did}</code>
      </p>
      <ErrorBox error={error} />
      {data !== undefined && <ImportCredential did={did} typeCodes={typeCodes} onImported={reload} />}
      {loading && data === undefined && <Loading />}
      {data !== undefined && data.licenses.length === 0 && <p className="muted">{t('wallet.empty')}</p>}
      <div data-testid="wallet-list">
        {data?.licenses.map((l) => (
          <LicenseCard
            key={l.id}
            license={l}
            type={data.types.get(l.typeCode)}
            credential={data.creds[l.id]}
            onDevice={data.kept.has(l.id)}
            onChange={reload}
          />
        ))}
      </div>
    </div>
  )
}

function LoginFirst() {
  const { t } = useApp()
  return (
    <div className="page">
      <Notice tone="info">
        {t('common.loginRequired')} <a href="/login">{t('nav.login')}</a>
      </Notice>
    </div>
  )
}

function LicenseCard({
  license: l,
  type,
  credential,
  onDevice,
  onChange,
}: {
  license: License
  type: LicenseType | undefined
  credential: string | undefined
  /** The credential is kept on this device (it can be removed from it). */
  onDevice: boolean
  onChange: () => void
}) {
  const { t, lang, orgName, suite, identity } = useApp()
  const [panel, setPanel] = useState<'qr' | 'grant' | 'uses'>()
  const fields = credential === undefined ? {} : fieldsOf(suite, credential)
  const label = (name: string) => {
    const f = type?.fields.find((x) => x.name === name)
    return f === undefined ? name : lang === 'zh' ? f.label : f.labelEn
  }
  return (
    <article className="licence-card" data-testid="wallet-licence" data-id={l.id} data-status={l.effectiveStatus}>
      <span className="seal">
        <Badge tone={statusTone(l.effectiveStatus)} testId="licence-status">
          {tMaybe(lang, `lic.status.${l.effectiveStatus}`, l.effectiveStatus)}
        </Badge>
      </span>
      <h3>{type === undefined ? l.typeCode : lang === 'zh' ? type.name : type.nameEn}</h3>
      <div className="licence-meta small">
        <span>
          {t('lic.issuer')}: {orgName(l.issuerOrg)}
        </span>
        <span>
          {t('lic.validUntil')}:{' '}
          {l.validUntilMs === 0 ? (lang === 'zh' ? '长期' : 'No expiry') : formatDate(l.validUntilMs, lang)}
        </span>
        <span>
          {t('lic.version')}: {l.version}
        </span>
      </div>
      <p className="small">
        {t('lic.id')}: <code className="wrap">{l.id}</code>
      </p>
      {Object.keys(fields).length > 0 && (
        <dl className="licence-fields">
          {Object.entries(fields).map(([k, v]) => (
            <div key={k}>
              <dt>{label(k)}</dt>
              <dd>{String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      <div className="btn-row">
        {/* A revoked or superseded licence offers no QR: there is nothing left to show. */}
        {l.effectiveStatus === 'revoked' || l.effectiveStatus === 'superseded' ? (
          <span className="muted small" data-testid="no-qr">
            {t('wallet.noQr')}
          </span>
        ) : (
          <button
            type="button"
            className="btn btn-primary btn-small"
            disabled={credential === undefined}
            onClick={() => setPanel(panel === 'qr' ? undefined : 'qr')}
            data-testid="show-qr"
          >
            {t('wallet.showQr')}
          </button>
        )}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setPanel(panel === 'grant' ? undefined : 'grant')}
          data-testid="grant-open"
        >
          {t('wallet.grant')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setPanel(panel === 'uses' ? undefined : 'uses')}
          data-testid="uses-open"
        >
          {t('wallet.uses')}
        </button>
        {credential !== undefined && l.effectiveStatus === 'active' && (
          <PrintButtons licenseId={l.id} credential={credential} type={type} />
        )}
        {credential === undefined && (
          <span className="muted small" data-testid="not-on-device">
            {t('wallet.notOnDevice')}
          </span>
        )}
        {onDevice && identity?.did !== undefined && (
          <ActionButton
            kind="danger"
            testId="remove-credential"
            onRun={async () => {
              await deviceWallet.remove(identity.did!, l.id)
              onChange()
            }}
          >
            {t('wallet.remove')}
          </ActionButton>
        )}
      </div>
      {panel === 'qr' && credential !== undefined && l.effectiveStatus !== 'revoked' && (
        <QrChoice licenseId={l.id} credential={credential} fieldNames={Object.keys(fields)} label={label} />
      )}
      {panel === 'grant' && <GrantPanel license={l} onDone={onChange} />}
      {panel === 'uses' && <UsesPanel license={l} />}
    </article>
  )
}

/** The short 亮证 code by default (docs/adr/0025); the full credential QR as the second choice. */
function QrChoice(props: {
  licenseId: string
  credential: string
  fieldNames: string[]
  label: (n: string) => string
}) {
  const { t } = useApp()
  const [mode, setMode] = useState<'short' | 'long'>('short')
  return (
    <div data-testid="qr-choice" data-mode={mode}>
      <div className="btn-row" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'short'}
          className={`btn btn-small${mode === 'short' ? ' btn-primary' : ''}`}
          onClick={() => setMode('short')}
          data-testid="qr-mode-short"
        >
          {t('wallet.qrShort')}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'long'}
          className={`btn btn-small${mode === 'long' ? ' btn-primary' : ''}`}
          onClick={() => setMode('long')}
          data-testid="qr-mode-long"
        >
          {t('wallet.qrLong')}
        </button>
      </div>
      {mode === 'short' ? <ShortQr licenseId={props.licenseId} /> : <QrPanel {...props} />}
    </div>
  )
}

/** Signed anew this long before the code expires, so the verifier never scans a stale one. */
const REFRESH_BEFORE_S = 5

function ShortQr({ licenseId }: { licenseId: string }) {
  const { t, suite, identity, signer } = useApp()
  const [url, setUrl] = useState<{ text: string; exp: number }>()
  const [img, setImg] = useState<string>()
  const [now, setNow] = useState(() => Date.now())
  const [error, setError] = useState<unknown>()
  const did = identity?.did
  const signing = useRef(false)
  const sign = useCallback(async () => {
    if (did === undefined || signer === undefined || signing.current) return
    signing.current = true
    try {
      const audience = `${location.origin}/verify`
      const p = await signPresentationWith(signer, { suite, holder: did, licenseId, audience, nowMs: Date.now() })
      setUrl({ text: presentationUrl(audience, p), exp: p.exp })
      setError(undefined)
    } catch (e) {
      setError(e)
    } finally {
      signing.current = false
    }
  }, [suite, did, signer, licenseId])
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  const left = url === undefined ? 0 : url.exp - Math.floor(now / 1000)
  useEffect(() => {
    if (url === undefined || left <= REFRESH_BEFORE_S) void sign()
  }, [url, left, sign])
  useEffect(() => {
    if (url === undefined) return
    let live = true
    qrDataUrl(url.text).then(
      (u) => live && setImg(u),
      (e: unknown) => live && setError(e),
    )
    return () => {
      live = false
    }
  }, [url])
  if (signer === undefined) return <Notice tone="warn">{t('wallet.qrNoKey')}</Notice>
  const shown = Math.max(0, left - REFRESH_BEFORE_S)
  return (
    <div className="panel" data-testid="qr-short">
      <ErrorBox error={error} />
      <div className="qr-row">
        <div className="qr">
          {img !== undefined ? (
            <img src={img} alt={t('wallet.qrShortAlt')} data-testid="qr-short-image" />
          ) : (
            <Loading />
          )}
        </div>
        <div className="qr-text">
          <p aria-live="polite" data-testid="qr-countdown" data-seconds={shown}>
            {t('wallet.qrCountdown', { s: shown })}
          </p>
          <code className="wrap small" data-testid="qr-short-url">
            {url?.text}
          </code>
          <div className="btn-row">
            <button type="button" className="btn btn-small" onClick={() => void sign()} data-testid="qr-refresh">
              {t('wallet.qrRefresh')}
            </button>
          </div>
        </div>
      </div>
    </div>
  )
}

function QrPanel({
  licenseId,
  credential,
  fieldNames,
  label,
}: {
  licenseId: string
  credential: string
  fieldNames: string[]
  label: (name: string) => string
}) {
  const { t, suite, config, client } = useApp()
  const [chosen, setChosen] = useState<string[]>(fieldNames)
  const [img, setImg] = useState<string>()
  const [qrError, setQrError] = useState<unknown>()
  // With the record's state proof, the QR verifies with no node at all (issue 15 item 5).
  const [withProof, setWithProof] = useState(false)
  const [proof, setProof] = useState<ProofMaterial>()
  useEffect(() => {
    if (!withProof) return
    let live = true
    fetchLicenseProof(client, licenseId).then(
      (p) => live && setProof(p),
      (e: unknown) => live && setQrError(e),
    )
    return () => {
      live = false
    }
  }, [withProof, client, licenseId])
  const presentation = present(suite, credential, chosen)
  const payload = qrPayload(config.chainId, presentation, withProof ? proof : undefined)
  useEffect(() => {
    let live = true
    setQrError(undefined)
    qrDataUrl(payload).then(
      (u) => live && setImg(u),
      (e: unknown) => {
        if (!live) return
        setImg(undefined)
        setQrError(e)
      },
    )
    return () => {
      live = false
    }
  }, [payload])
  const toggle = (n: string) => setChosen((c) => (c.includes(n) ? c.filter((x) => x !== n) : [...c, n]))
  return (
    <div className="panel" data-testid="qr-panel">
      <fieldset>
        <legend>{t('wallet.disclose')}</legend>
        {fieldNames.map((n) => (
          <label key={n} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(n)}
              onChange={() => toggle(n)}
              data-testid={`disclose-${n}`}
            />{' '}
            {label(n)}
          </label>
        ))}
        <p className="hint">{t('wallet.discloseHint')}</p>
        <label className="check">
          <input
            type="checkbox"
            checked={withProof}
            onChange={() => setWithProof((w) => !w)}
            data-testid="qr-with-proof"
          />{' '}
          {t('wallet.withProof')}
        </label>
      </fieldset>
      <div className="qr-row">
        <div className="qr">
          {img !== undefined ? (
            <img src={img} alt={t('wallet.qrLongAlt')} data-testid="qr-image" />
          ) : qrError !== undefined ? (
            <ErrorBox error={qrError} />
          ) : (
            <Loading />
          )}
        </div>
        <div className="qr-text">
          <label htmlFor="qr-payload">{t('wallet.credential')}</label>
          <textarea id="qr-payload" readOnly value={payload} data-testid="qr-payload" />
          <div className="btn-row">
            <CopyButton text={payload} />
            {img !== undefined && (
              <a className="btn btn-small" download="licence-qr.png" href={img}>
                {t('wallet.downloadQr')}
              </a>
            )}
            <a
              className="btn btn-small"
              download="licence-credential.txt"
              href={`data:text/plain;charset=utf-8,${encodeURIComponent(presentation)}`}
              data-testid="download-credential"
            >
              {t('wallet.download')}
            </a>
            <a
              className="btn btn-small"
              href={`/verify?qr=${encodeURIComponent(payload)}`}
              target="_blank"
              rel="noreferrer"
            >
              {t('nav.verify')}
            </a>
          </div>
          <textarea readOnly hidden value={presentation} data-testid="presentation" />
        </div>
      </div>
    </div>
  )
}

function GrantPanel({ license, onDone }: { license: License; onDone: () => void }) {
  const { t, lang, config, submit, orgName } = useApp()
  const [grantee, setGrantee] = useState(config.organisations.find((o) => o.id !== license.issuerOrg)?.id ?? '')
  const [service, setService] = useState('bank-account-opening')
  const [purpose, setPurpose] = useState(lang === 'zh' ? '办理业务核验' : 'verification for a service')
  const [days, setDays] = useState(30)
  const [error, setError] = useState<unknown>()
  const [done, setDone] = useState<number>()
  return (
    <div className="panel" data-testid="grant-panel">
      <div className="form-grid">
        <div>
          <label htmlFor="g-dept">{t('wallet.grant.dept')}</label>
          <select id="g-dept" value={grantee} onChange={(e) => setGrantee(e.target.value)} data-testid="grant-dept">
            {config.organisations.map((o) => (
              <option key={o.id} value={o.id}>
                {orgName(o.id)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="g-service">{t('wallet.grant.purpose')}</label>
          <input id="g-service" value={service} onChange={(e) => setService(e.target.value)} />
        </div>
        <div>
          <label htmlFor="g-purpose">{t('lic.purpose')}</label>
          <input id="g-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)} />
        </div>
        <div>
          <label htmlFor="g-days">{t('wallet.grant.until')}</label>
          <input
            id="g-days"
            type="number"
            min={1}
            max={3650}
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
          />
        </div>
      </div>
      <ErrorBox error={error} />
      {done !== undefined && <Notice tone="ok">{t('common.txCommitted', { height: done })}</Notice>}
      <ActionButton
        kind="primary"
        testId="grant-submit"
        onError={setError}
        onRun={async () => {
          setError(undefined)
          const r = await submit((s) =>
            licenseTx.grantUse({
              ...s,
              licenseId: license.id,
              grantee,
              service,
              purpose,
              untilMs: Date.now() + days * DAY_MS,
            }),
          )
          setDone(r.height ?? 0)
          onDone()
        }}
      >
        {t('common.submit')}
      </ActionButton>
    </div>
  )
}

function UsesPanel({ license }: { license: License }) {
  const { t, client, identity, suite, config, submit, signer } = useApp()
  const [tick, setTick] = useState(0)
  const [error, setError] = useState<unknown>()
  const auth = async () => {
    if (signer === undefined) throw new Error(t('common.loginRequired'))
    return holderAuth(signer, suite, config.chainId, `/v1/licenses/${license.id}/uses`, identity!.did!)
  }
  const { data, error: loadError } = useLoad(
    async () => licenseApi.uses(client.url, license.id, await auth()),
    [license.id, tick],
  )
  return (
    <div className="panel" data-testid="uses-panel">
      <ErrorBox error={loadError ?? error} />
      {data === undefined ? (
        <Loading />
      ) : (
        <>
          <h4>{t('wallet.grants')}</h4>
          {data.grants.length === 0 ? (
            <p className="muted small">{t('common.none')}</p>
          ) : (
            <GrantsTable
              grants={data.grants}
              onWithdraw={async (g) => {
                await submit((s) =>
                  licenseTx.withdrawGrant({ ...s, licenseId: license.id, grantId: fromHex(g.grantId) }),
                ).catch(setError)
                setTick((n) => n + 1)
              }}
            />
          )}
          <h4>{t('wallet.uses')}</h4>
          <UsesTable
            first={data}
            more={async (after) => licenseApi.uses(client.url, license.id, await auth(), after)}
          />
        </>
      )}
    </div>
  )
}

/** The recorded uses, oldest first, a page per "more" (each page under a fresh holder signature). */
function UsesTable({
  first,
  more,
}: {
  first: { grants: LicenseGrant[]; uses: LicenseUse[]; usesNext: string | null }
  more: (after: string) => Promise<{ uses: LicenseUse[]; usesNext: string | null }>
}) {
  const { t, lang, orgName } = useApp()
  const uses = useMorePages({ items: first.uses, next: first.usesNext }, async (after) => {
    const page = await more(after)
    return { items: page.uses, next: page.usesNext }
  })
  return (
    <>
      {uses.items.length === 0 ? (
        <p className="muted small">{t('wallet.noUses')}</p>
      ) : (
        <table data-testid="uses-table">
          <thead>
            <tr>
              <th>{t('common.time')}</th>
              <th>{t('wallet.grant.dept')}</th>
              <th>{t('wallet.grant.purpose')}</th>
              <th>{t('common.height')}</th>
            </tr>
          </thead>
          <tbody>
            {uses.items.map((u: LicenseUse) => (
              <tr key={u.seq}>
                <td>{formatTime(u.timeMs, lang)}</td>
                <td>{orgName(u.org)}</td>
                <td>{first.grants.find((g) => g.grantId === u.grantId)?.purpose ?? u.service}</td>
                <td>#{u.height}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <MoreButton list={uses} testId="uses-more" />
    </>
  )
}

function GrantsTable({
  grants,
  onWithdraw,
}: {
  grants: LicenseGrant[]
  onWithdraw: (g: LicenseGrant) => Promise<void>
}) {
  const { t, lang, orgName } = useApp()
  return (
    <table data-testid="grants-table">
      <thead>
        <tr>
          <th>{t('wallet.grant.dept')}</th>
          <th>{t('wallet.grant.purpose')}</th>
          <th>{t('wallet.grant.until')}</th>
          <th>{t('common.status')}</th>
          <th>{t('wallet.uses')}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {grants.map((g) => (
          <tr key={g.grantId}>
            <td>{orgName(g.grantee)}</td>
            <td>
              {g.purpose}
              <details className="muted small">
                <summary>{t('common.details')}</summary>
                {t('wallet.grant.service')}: <code>{g.service}</code>
              </details>
            </td>
            <td>{formatDate(g.untilMs, lang)}</td>
            <td>
              <Badge tone={g.effectiveStatus === 'active' ? 'ok' : 'muted'}>
                {tMaybe(lang, `wallet.grant.status.${g.effectiveStatus}`, g.effectiveStatus)}
              </Badge>
            </td>
            <td className="num">{g.uses}</td>
            <td>
              {g.effectiveStatus === 'active' && (
                <ActionButton kind="danger" onRun={() => onWithdraw(g)}>
                  {t('wallet.revokeGrant')}
                </ActionButton>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
