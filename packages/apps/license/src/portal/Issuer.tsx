/**
 * Issuer console (issue 6): issue a licence (the officer's key signs the credential and the
 * transaction in the browser; the chain checks the officer's role and the organisation's
 * authorisation for the type), list and search issued licences, suspend, reinstate, revoke,
 * renew and amend, and see each licence's history. The credential goes to the holder as a file
 * or a QR code (the hand-over panel, ADR 0038) and, in demo mode, through the demo mailbox.
 */

import { errorCode } from '@govchain/client'
import { GovchainError, toHex } from '@govchain/core'
import {
  ActionButton,
  Badge,
  Card,
  ConfirmDialog,
  ErrorBox,
  formatDate,
  formatTime,
  Loading,
  mailbox,
  mailboxPaths,
  Notice,
  randomHex,
  signHex,
  useLoad,
} from '@govchain/portal-kit'
import { useMemo, useState } from 'react'
import { credentialFields, type IssuedLicense, issueLicenseWith, licenseTx, reissueLicenseWith } from '../client.ts'
import {
  HOLDER_CHECK_PATH,
  HOLDER_LOOKUP_PATH,
  type HolderKind,
  type HolderRecord,
  type HolderRequestPayload,
  holderRequestMessage,
  parseHolderId,
  prefillFields,
} from '../holder-record.ts'
import { holderRegisterApi, type License, type LicenseType, licenseApi } from './api.ts'
import { HandoverPanel } from './Handover.tsx'
import { holderAuth } from './holder.ts'
import { IssuedList } from './IssuedList.tsx'
import { tMaybe, useApp } from './messages.ts'
import { PrintButtons } from './Print.tsx'
import { statusTone } from './Wallet.tsx'

const DAY_MS = 86_400_000
const REVOKE_REASONS = [
  'holder_request',
  'issued_in_error',
  'fraud',
  'entity_dissolved',
  'authority_decision',
  'other',
] as const

function dateInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}
function fromDateInput(s: string): number {
  return Date.parse(`${s}T00:00:00Z`)
}

export function IssuerPage() {
  const { t, client, identity } = useApp()
  const org = identity?.kind === 'officer' && identity.roles?.includes('issuer') ? identity.orgId : undefined
  const [tick, setTick] = useState(0)
  const types = useLoad(() => licenseApi.types(client.url), [client])
  if (org === undefined) {
    return (
      <div className="page">
        <div className="page-head">
          <h1>{t('issuer.title')}</h1>
        </div>
        <Notice tone="info">{t('issuer.notOfficer')}</Notice>
      </div>
    )
  }
  const typeMap = new Map((types.data?.items ?? []).map((x) => [x.code, x]))
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('issuer.title')}</h1>
      </div>
      <ErrorBox error={types.error} />
      {types.data !== undefined && (
        <IssueForm org={org} types={types.data.items} onIssued={() => setTick((n) => n + 1)} />
      )}
      <IssuedList org={org} types={typeMap} tick={tick}>
        {(items) => <IssuedTable org={org} items={items} types={typeMap} onChange={() => setTick((n) => n + 1)} />}
      </IssuedList>
    </div>
  )
}

/** Signs a mailbox request with the page's signer, the officer's key (the holder DID names the entry). */
function useOfficerAuth(): (path: string, holder: string) => Promise<Record<string, string>> {
  const { suite, config, signer, t } = useApp()
  return async (path, holder) => {
    if (signer === undefined) throw new Error(t('common.loginRequired'))
    return holderAuth(signer, suite, config.chainId, path, holder)
  }
}

/** Adds `years` calendar years to a yyyy-mm-dd date (the type's default term from nbf). */
function plusYears(from: string, years: number): string {
  const d = new Date(`${from}T00:00:00Z`)
  if (Number.isNaN(d.getTime())) return ''
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.toISOString().slice(0, 10)
}

/** Signs a request to the department's holder register with the page's signer (holderRequestMessage). */
function useRegisterRequest(): (
  path: string,
  payload: Omit<HolderRequestPayload, 'timeMs' | 'nonce'>,
) => Promise<{
  payload: string
  publicKey: string
  signature: string
}> {
  const { config, signer, t } = useApp()
  return async (path, payload) => {
    if (signer === undefined) throw new Error(t('common.loginRequired'))
    const text = JSON.stringify({ ...payload, timeMs: Date.now(), nonce: randomHex(16) })
    const signature = await signHex(signer, holderRequestMessage(config.chainId, path, text))
    return { payload: text, publicKey: toHex(signer.publicKey), signature }
  }
}

/** The licence type's fields as inputs; `invalid` ones (required, left empty) are marked inline. */
function FieldInputs({
  fields,
  values,
  onChange,
  invalid,
  idPrefix,
  testIdPrefix,
}: {
  fields: LicenseType['fields']
  values: Record<string, string>
  onChange: (update: (v: Record<string, string>) => Record<string, string>) => void
  invalid: readonly LicenseType['fields'][number][]
  idPrefix: string
  testIdPrefix: string
}) {
  const { t, lang } = useApp()
  return (
    <div className="form-grid">
      {fields.map((f) => (
        <div key={f.name}>
          <label htmlFor={`${idPrefix}-${f.name}`}>
            {lang === 'zh' ? f.label : f.labelEn}
            {f.required ? ' *' : ''}
            {f.personal && <span className="muted small"> ({lang === 'zh' ? '个人信息' : 'personal'})</span>}
          </label>
          <input
            id={`${idPrefix}-${f.name}`}
            data-testid={`${testIdPrefix}-${f.name}`}
            value={values[f.name] ?? ''}
            aria-invalid={invalid.includes(f)}
            onChange={(e) => onChange((v) => ({ ...v, [f.name]: e.target.value }))}
          />
          {invalid.includes(f) && (
            <span className="field-error" role="alert" data-testid={`field-error-${f.name}`}>
              {t('issuer.required', { field: lang === 'zh' ? f.label : f.labelEn })}
            </span>
          )}
        </div>
      ))}
    </div>
  )
}

/** The holder's identity number (or credit code), looked up in the department's holder register. */
function HolderIdField({
  label,
  idText,
  onIdText,
  idProblem,
  tried,
  record,
  disabled,
  onError,
  onLookup,
}: {
  label: string
  idText: string
  onIdText: (x: string) => void
  idProblem: 'invalid' | 'notFound' | undefined
  tried: boolean
  record: HolderRecord | undefined
  disabled: boolean
  onError: (e: unknown) => void
  onLookup: () => Promise<void>
}) {
  const { t } = useApp()
  return (
    <div>
      <label htmlFor="i-holder-id">{label} *</label>
      <div className="btn-row">
        <input
          id="i-holder-id"
          value={idText}
          aria-invalid={idProblem !== undefined || (tried && record === undefined)}
          onChange={(e) => onIdText(e.target.value)}
          data-testid="issue-holder-id"
        />
        <ActionButton testId="holder-lookup" disabled={disabled} onError={onError} onRun={onLookup}>
          {t('issuer.lookup')}
        </ActionButton>
      </div>
      {idProblem !== undefined ? (
        <span className="field-error" role="alert" data-testid="field-error-holder-id">
          {idProblem === 'invalid' ? t('issuer.holderIdInvalid', { field: label }) : t('issuer.holderNotFound')}
        </span>
      ) : tried && record === undefined ? (
        <span className="field-error" role="alert" data-testid="field-error-holder-id">
          {t('issuer.holderFirst')}
        </span>
      ) : (
        <span className="muted small">{t('issuer.lookupHint')}</span>
      )}
      {record !== undefined && (
        <div className="muted small" data-testid="holder-found">
          {t('issuer.holderFound', { name: record.name })}
        </div>
      )}
    </div>
  )
}

/** The validity dates: from, and until (or 长期 where the type has no term limit). */
function ValidityFields({
  type,
  from,
  onFrom,
  until,
  onUntil,
  longTerm,
  onLongTerm,
}: {
  type: LicenseType | undefined
  from: string
  onFrom: (x: string) => void
  until: string
  onUntil: (x: string) => void
  longTerm: boolean
  onLongTerm: (f: (x: boolean) => boolean) => void
}) {
  const { t } = useApp()
  return (
    <>
      <div>
        <label htmlFor="i-from">{t('lic.validFrom')}</label>
        <input id="i-from" type="date" value={from} onChange={(e) => onFrom(e.target.value)} data-testid="issue-from" />
      </div>
      <div>
        <label htmlFor="i-until">{t('lic.validUntil')}</label>
        <input
          id="i-until"
          type="date"
          value={longTerm ? '' : until}
          disabled={longTerm}
          onChange={(e) => onUntil(e.target.value)}
          data-testid="issue-until"
        />
        {type?.maxValidityYears === 0 && (
          <label className="check">
            <input
              type="checkbox"
              checked={longTerm}
              onChange={() => onLongTerm((x) => !x)}
              data-testid="issue-long-term"
            />{' '}
            {t('issuer.longTerm')}
          </label>
        )}
      </div>
    </>
  )
}

interface Issued {
  id: string
  from: string
  until: string
  credential: string
  type: LicenseType
}

/** The issued licence: its id and validity, and the hand-over to the holder. */
function IssuedNotice({ issued }: { issued: Issued }) {
  const { t, config } = useApp()
  return (
    <>
      <Notice tone="ok" testId="issued">
        {t('issuer.issued', { id: issued.id })}{' '}
        <span data-testid="issued-validity">{t('issuer.validity', { from: issued.from, until: issued.until })}</span>
        {!config.demo && <textarea readOnly hidden value={issued.credential} data-testid="issued-credential" />}
      </Notice>
      <HandoverPanel licenseId={issued.id} credential={issued.credential} type={issued.type} />
    </>
  )
}

/** The licence type, every one offered; those the department may not issue are marked. */
function TypeSelect({
  types,
  org,
  code,
  onChange,
}: {
  types: LicenseType[]
  org: string
  code: string
  onChange: (code: string, next: LicenseType | undefined) => void
}) {
  const { lang } = useApp()
  return (
    <select
      id="i-type"
      value={code}
      onChange={(e) =>
        onChange(
          e.target.value,
          types.find((x) => x.code === e.target.value),
        )
      }
      data-testid="issue-type"
    >
      {types.map((x) => (
        <option key={x.code} value={x.code}>
          {lang === 'zh' ? x.name : x.nameEn}
          {x.issuers.includes(org) ? '' : lang === 'zh' ? '（本机构未获授权）' : ' (not authorised)'}
        </option>
      ))}
    </select>
  )
}

/**
 * Issues a licence on chain as the signed-in officer of `org`; in demo mode the credential is
 * then handed over through the demo mailbox. Undefined when the transaction was not sent.
 */
function useIssueLicense(org: string) {
  const { config, submit, orgName } = useApp()
  const officerAuth = useOfficerAuth()
  return async (
    type: LicenseType,
    orgCode: string,
    input: { holder: string; validFromMs: number; validUntilMs: number; fields: Record<string, string> },
  ): Promise<IssuedLicense | undefined> => {
    let made: IssuedLicense | undefined
    await submit(async (s) => {
      made = await issueLicenseWith(s.signer, {
        ...s,
        type: { code: type.code, name: type.name, nameEn: type.nameEn, fields: type.fields },
        issuer: { orgId: org, name: orgName(org), code: orgCode },
        ...input,
      })
      return made.tx
    })
    if (made === undefined) return undefined
    // Handed over through the demo mailbox in demo mode; otherwise shown here to hand over.
    if (config.demo) {
      await mailbox.put(
        { holder: input.holder, licenseId: made.id, credential: made.credential },
        await officerAuth(mailboxPaths.put(input.holder, made.id), input.holder),
      )
    }
    return made
  }
}

function IssueForm({ org, types, onIssued }: { org: string; types: LicenseType[]; onIssued: () => void }) {
  const { t, lang, config } = useApp()
  const signed = useRegisterRequest()
  const issue = useIssueLicense(org)
  // The department's own gateway (local API, proxied by the portal server): its holder register.
  const gateway = config.gateways[org]
  const mine = types.filter((x) => x.issuers.includes(org))
  // Every type is offered: the chain, not the page, decides who may issue what.
  const [code, setCode] = useState((mine[0] ?? types[0])?.code ?? '')
  const type = types.find((x) => x.code === code)
  const holderKind: HolderKind = type?.holderKind === 'person' ? 'person' : 'enterprise'
  const idLabel = t(holderKind === 'person' ? 'issuer.idNumber' : 'issuer.creditCode')
  const [idText, setIdText] = useState('')
  const [record, setRecord] = useState<HolderRecord>()
  const [idProblem, setIdProblem] = useState<'invalid' | 'notFound'>()
  const [holder, setHolder] = useState('')
  const [values, setValues] = useState<Record<string, string>>({})
  const today = dateInput(Date.now())
  const [from, setFrom] = useState(today)
  // The type's default validity: its term from the start date (nbf), or 长期 where it has no limit.
  const defaultUntil = (x: LicenseType | undefined, start: string) => {
    const years = x?.maxValidityYears ?? 5
    return plusYears(start, years === 0 ? 5 : years)
  }
  const [until, setUntil] = useState(defaultUntil(type, today))
  const [longTerm, setLongTerm] = useState(type?.maxValidityYears === 0)
  /** Set after a first attempt: required fields left empty are then marked inline. */
  const [tried, setTried] = useState(false)
  const missing = (type?.fields ?? []).filter((f) => f.required && (values[f.name] ?? '').trim() === '')
  const [error, setError] = useState<unknown>()
  const [mismatch, setMismatch] = useState<string[]>()
  const [issued, setIssued] = useState<Issued>()
  const fieldLabel = (name: string) => {
    if (name === 'holder') return t('issuer.holderDid')
    const f = type?.fields.find((x) => x.name === name)
    return f === undefined ? name : lang === 'zh' ? f.label : f.labelEn
  }
  const fillFrom = (r: HolderRecord, x: LicenseType | undefined) => {
    setHolder(r.did)
    setValues(prefillFields(x?.fields ?? [], r))
  }
  const lookup = async () => {
    setIdProblem(undefined)
    setRecord(undefined)
    setMismatch(undefined)
    setError(undefined)
    let id: string
    try {
      id = parseHolderId(holderKind, idText)
    } catch {
      return setIdProblem('invalid')
    }
    if (gateway === undefined) return
    try {
      const r = (await holderRegisterApi.lookup(gateway, await signed(HOLDER_LOOKUP_PATH, { kind: holderKind, id })))
        .record
      setRecord(r)
      fillFrom(r, type)
    } catch (e) {
      const c = errorCode(e)
      if (c === 'LICENSE_HOLDER_NOT_FOUND') return setIdProblem('notFound')
      if (c === 'LICENSE_HOLDER_ID_INVALID') return setIdProblem('invalid')
      throw e
    }
  }
  return (
    <Card title={t('issuer.issue')} testId="issue-form">
      {gateway === undefined && (
        <Notice tone="warn" testId="no-register">
          {t('issuer.noRegister')}
        </Notice>
      )}
      <div className="form-grid">
        <div>
          <label htmlFor="i-type">{t('lic.type')}</label>
          <TypeSelect
            types={types}
            org={org}
            code={code}
            onChange={(value, next) => {
              setCode(value)
              setTried(false)
              setMismatch(undefined)
              setUntil(defaultUntil(next, from))
              setLongTerm(next?.maxValidityYears === 0)
              // The holder found stays if the new type is for the same kind of holder.
              if (record !== undefined && (next?.holderKind === 'person' ? 'person' : 'enterprise') === record.kind)
                fillFrom(record, next)
              else {
                setRecord(undefined)
                setHolder('')
                setValues({})
              }
            }}
          />
        </div>
        <HolderIdField
          label={idLabel}
          idText={idText}
          onIdText={setIdText}
          idProblem={idProblem}
          tried={tried}
          record={record}
          disabled={gateway === undefined}
          onError={setError}
          onLookup={lookup}
        />
        <div>
          <label htmlFor="i-holder">{t('issuer.holderDidFromRecord')}</label>
          <input id="i-holder" value={holder} onChange={(e) => setHolder(e.target.value)} data-testid="issue-holder" />
        </div>
        <ValidityFields
          type={type}
          from={from}
          onFrom={(x) => {
            setFrom(x)
            setUntil(defaultUntil(type, x))
          }}
          until={until}
          onUntil={setUntil}
          longTerm={longTerm}
          onLongTerm={setLongTerm}
        />
      </div>
      {type !== undefined && (
        <FieldInputs
          fields={type.fields}
          values={values}
          onChange={setValues}
          invalid={tried ? missing : []}
          idPrefix="f"
          testIdPrefix="issue-field"
        />
      )}
      {mismatch !== undefined && (
        <Notice tone="bad" testId="holder-mismatch">
          {t('issuer.holderMismatch', { fields: mismatch.map(fieldLabel).join(lang === 'zh' ? '、' : ', ') })}{' '}
          <code>LICENSE_HOLDER_MISMATCH</code>
        </Notice>
      )}
      <ErrorBox error={error} />
      {issued !== undefined && <IssuedNotice issued={issued} />}
      <ActionButton
        kind="primary"
        testId="issue-submit"
        disabled={type === undefined || gateway === undefined}
        onError={setError}
        onRun={async () => {
          setError(undefined)
          setIssued(undefined)
          setMismatch(undefined)
          const o = config.organisations.find((x) => x.id === org)
          if (type === undefined || o === undefined || gateway === undefined) return
          // Required fields and the holder are checked here, in the page's language, before anything is signed.
          setTried(true)
          if (missing.length > 0 || record === undefined) return
          const fields: Record<string, string> = {}
          for (const f of type.fields) if ((values[f.name] ?? '') !== '') fields[f.name] = values[f.name]!.trim()
          // The department's gateway checks the licence against its record of the holder (off chain).
          try {
            await holderRegisterApi.check(
              gateway,
              await signed(HOLDER_CHECK_PATH, { kind: record.kind, id: record.id, holder: holder.trim(), fields }),
            )
          } catch (e) {
            if (errorCode(e) !== 'LICENSE_HOLDER_MISMATCH') throw e
            const d = (e as { details?: { differ?: unknown } }).details?.differ
            return setMismatch(Array.isArray(d) ? d.map(String) : [])
          }
          const holderDid = holder.trim()
          const validUntilMs = longTerm ? 0 : fromDateInput(until)
          const made = await issue(type, o.code, {
            holder: holderDid,
            validFromMs: fromDateInput(from),
            validUntilMs,
            fields,
          })
          if (made === undefined) return
          setIssued({
            id: made.id,
            from,
            until: validUntilMs === 0 ? t('issuer.longTermShort') : until,
            credential: made.credential,
            type,
          })
          setValues({})
          setRecord(undefined)
          setHolder('')
          setIdText('')
          setTried(false)
          onIssued()
        }}
      >
        {t('issuer.issue')}
      </ActionButton>
    </Card>
  )
}

function IssuedTable({
  org,
  items,
  types,
  onChange,
}: {
  /** The officer's department: only its own licences offer actions; another's show their history. */
  org: string
  items: License[]
  types: Map<string, LicenseType>
  onChange: () => void
}) {
  const { t, lang } = useApp()
  const [q, setQ] = useState('')
  const [open, setOpen] = useState<string>()
  const shown = useMemo(() => {
    const s = q.trim().toLowerCase()
    if (s === '') return items
    return items.filter((l) => {
      const ty = types.get(l.typeCode)
      return [l.id, l.holder, l.typeCode, ty?.name ?? '', ty?.nameEn ?? '', l.effectiveStatus].some((x) =>
        x.toLowerCase().includes(s),
      )
    })
  }, [items, q, types])
  return (
    <>
      <input
        aria-label={t('issuer.searchPlaceholder')}
        placeholder={t('issuer.searchPlaceholder')}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        data-testid="issued-search"
      />
      <div className="spacer" />
      {shown.length === 0 ? (
        <p className="muted">{t('common.none')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('lic.type')}</th>
                <th>{t('lic.holder')}</th>
                <th>{t('lic.validUntil')}</th>
                <th>{t('lic.status')}</th>
                <th>{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((l) => {
                const ty = types.get(l.typeCode)
                return (
                  <tr
                    key={l.id}
                    data-testid="issued-row"
                    data-id={l.id}
                    data-issuer={l.issuerOrg}
                    data-status={l.effectiveStatus}
                  >
                    <td>
                      {ty === undefined ? l.typeCode : lang === 'zh' ? ty.name : ty.nameEn}
                      <div className="muted small wrap">
                        <code>{l.id}</code> · v{l.version}
                      </div>
                    </td>
                    <td className="small">
                      <code className="wrap">{l.holder}</code>
                    </td>
                    <td className="nowrap">{l.validUntilMs === 0 ? '—' : formatDate(l.validUntilMs, lang)}</td>
                    <td>
                      <Badge tone={statusTone(l.effectiveStatus)}>
                        {tMaybe(lang, `lic.status.${l.effectiveStatus}`, l.effectiveStatus)}
                      </Badge>
                      {l.reason !== null && <div className="muted small">{l.reason}</div>}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => setOpen(open === l.id ? undefined : l.id)}
                        data-testid="manage"
                      >
                        {t('common.details')}
                      </button>
                      {open === l.id && <Manage license={l} type={ty} own={l.issuerOrg === org} onChange={onChange} />}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

/** Why a licence is suspended (暂停), as its own list: the chain records the text. */
const SUSPEND_REASONS = ['rectification', 'investigation', 'annual_report_overdue', 'holder_request'] as const

function ReasonCodes<C extends string>({
  codes,
  value,
  onChange,
}: {
  codes: readonly C[]
  value: C
  onChange: (c: C) => void
}) {
  const { t, lang } = useApp()
  return (
    <label>
      {t('issuer.reasonCode')}{' '}
      <select value={value} onChange={(e) => onChange(e.target.value as C)} data-testid="reason-code">
        {codes.map((r) => (
          <option key={r} value={r}>
            {tMaybe(lang, `lic.reason.${r}`, r)}
          </option>
        ))}
      </select>
    </label>
  )
}

function ReasonText({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useApp()
  return (
    <label>
      {t('issuer.reason')}{' '}
      <input value={value} onChange={(e) => onChange(e.target.value)} data-testid="manage-reason" required />
    </label>
  )
}

/**
 * 下载 PDF / 打印 of an issued licence. In demo mode the console has the credential the demo
 * mailbox handed over. Outside it the console has none, and cannot make it again: the chain
 * records only the hash of the issuer-signed credential, whose fields are salted with random
 * salts that are kept nowhere but in the credential (so the hash reveals nothing, ADR 0045). A
 * credential signed anew would hash to another value and fail verification, so the console
 * says what to do instead: the holder prints from their wallet, or, if they lost the
 * credential, the officer amends the licence (a new version from the register, handed over).
 */
function IssuedPrint({ license: l, type }: { license: License; type: LicenseType | undefined }) {
  const officerAuth = useOfficerAuth()
  const { config } = useApp()
  const { data: credential } = useLoad(
    async () =>
      config.demo
        ? (await mailbox.issued(l.id, await officerAuth(mailboxPaths.issued(l.id), l.holder))).items.find(
            (m) => m.licenseId === l.id,
          )?.credential
        : undefined,
    [l.id],
  )
  return credential === undefined ? null : <PrintButtons licenseId={l.id} credential={credential} type={type} />
}

/**
 * Outside demo mode the renew and amend dialogs take the new version's fields from the register:
 * the holder's register id, the fields its record filled in, and the input that looks them up.
 */
function useRegisterFields(l: License, type: LicenseType | undefined) {
  const { t, config } = useApp()
  const signed = useRegisterRequest()
  const holderKind: HolderKind = type?.holderKind === 'person' ? 'person' : 'enterprise'
  /** Outside demo mode: the holder's register id, and the new version's fields its record filled in. */
  const [registerId, setRegisterId] = useState('')
  const [registerValues, setRegisterValues] = useState<Record<string, string>>()
  const [lookupError, setLookupError] = useState<unknown>()
  const registerMissing = (type?.fields ?? []).filter(
    (f) => f.required && (registerValues?.[f.name] ?? '').trim() === '',
  )
  /**
   * The department's register (its gateway, off chain) as it holds the holder now fills in the new
   * version's fields, which the officer then completes or corrects; the record must be this
   * licence's holder.
   */
  const lookupRegister = async (): Promise<void> => {
    setLookupError(undefined)
    setRegisterValues(undefined)
    const gateway = config.gateways[l.issuerOrg]
    if (gateway === undefined || type === undefined) throw new Error(t('issuer.noRegister'))
    const id = parseHolderId(holderKind, registerId)
    const r = (await holderRegisterApi.lookup(gateway, await signed(HOLDER_LOOKUP_PATH, { kind: holderKind, id })))
      .record
    if (r.did !== l.holder) {
      throw new GovchainError('LICENSE_HOLDER_MISMATCH', t('issuer.reissueOtherHolder'), { differ: ['holder'] })
    }
    setRegisterValues(prefillFields(type.fields, r))
  }
  /** Outside demo mode the renew and amend dialogs take the new version's fields from the register. */
  const registerInput =
    config.demo || type === undefined ? null : (
      <div data-testid="reissue-register">
        <label>
          {t(holderKind === 'person' ? 'issuer.idNumber' : 'issuer.creditCode')}{' '}
          <input value={registerId} onChange={(e) => setRegisterId(e.target.value)} data-testid="reissue-holder-id" />
        </label>{' '}
        <ActionButton
          testId="reissue-lookup"
          disabled={registerId.trim() === ''}
          onError={setLookupError}
          onRun={lookupRegister}
        >
          {t('issuer.lookup')}
        </ActionButton>
        <p className="muted small">{t('issuer.reissueFromRegister')}</p>
        {lookupError !== undefined && <ErrorBox error={lookupError} testId="reissue-lookup-error" />}
        {registerValues !== undefined && (
          <FieldInputs
            fields={type.fields}
            values={registerValues}
            onChange={(update) => setRegisterValues((v) => update(v ?? {}))}
            invalid={registerMissing}
            idPrefix="r"
            testIdPrefix="reissue-field"
          />
        )}
      </div>
    )
  const registerReady = config.demo || (registerValues !== undefined && registerMissing.length === 0)
  const reset = () => {
    setRegisterId('')
    setRegisterValues(undefined)
  }
  return { values: registerValues, input: registerInput, ready: registerReady, reset }
}

function Manage({
  license: l,
  type,
  own,
  onChange,
}: {
  license: License
  /** Issued by the officer's department: the chain refuses another department's actions, so none are offered. */
  own: boolean
  type: LicenseType | undefined
  onChange: () => void
}) {
  const { t, lang, client, submit, config, orgName, suite } = useApp()
  const officerAuth = useOfficerAuth()
  const register = useRegisterFields(l, type)
  const [reason, setReason] = useState('')
  const [reasonCode, setReasonCode] = useState<(typeof REVOKE_REASONS)[number]>('issued_in_error')
  const [suspendCode, setSuspendCode] = useState<(typeof SUSPEND_REASONS)[number]>('rectification')
  const [dialog, setDialog] = useState<'suspend' | 'reinstate' | 'revoke' | 'renew' | 'amend'>()
  // A renewal starts today and runs the type's full term (the chain refuses a longer one).
  const [until, setUntil] = useState(plusYears(dateInput(Date.now()), type?.maxValidityYears || 5))
  const [error, setError] = useState<unknown>()
  const [note, setNote] = useState<{ id: string; credential: string }>()
  const history = useLoad(() => licenseApi.history(client.url, l.id), [l.id, l.updatedHeight])
  const active = own && l.status === 'active'
  const run = (f: () => Promise<void>) => async () => {
    setError(undefined)
    setNote(undefined)
    await f()
    onChange()
  }
  const reissue = (mode: 'renew' | 'amend') =>
    run(async () => {
      const o = config.organisations.find((x) => x.id === l.issuerOrg)
      if (type === undefined || o === undefined) return
      const fields = config.demo
        ? await demoFields()
        : Object.fromEntries(
            Object.entries(register.values ?? {})
              .map(([k, v]) => [k, v.trim()] as const)
              .filter(([, v]) => v !== ''),
          )
      let made: IssuedLicense | undefined
      await submit(async (s) => {
        made = await reissueLicenseWith(s.signer, {
          ...s,
          type: { code: type.code, name: type.name, nameEn: type.nameEn, fields: type.fields },
          issuer: { orgId: l.issuerOrg, name: orgName(l.issuerOrg), code: o.code },
          holder: l.holder,
          validFromMs: mode === 'renew' ? Date.now() - (Date.now() % DAY_MS) : l.validFromMs,
          validUntilMs: mode === 'renew' ? fromDateInput(until) : l.validUntilMs,
          fields,
          previousId: l.id,
          version: l.version + 1,
          mode,
          ...(mode === 'amend' ? { reason: reason.trim() } : {}),
        })
        return made.tx
      })
      if (made === undefined) return
      // Handed over through the demo mailbox in demo mode; otherwise from the panel below.
      if (config.demo) {
        await mailbox.put(
          { holder: l.holder, licenseId: made.id, credential: made.credential },
          await officerAuth(mailboxPaths.put(l.holder, made.id), l.holder),
        )
      }
      register.reset()
      setNote({ id: made.id, credential: made.credential })
    })
  /** Demo mode: the field values of the credential the demo mailbox handed over. */
  const demoFields = async (): Promise<Record<string, string>> => {
    const mail = await mailbox.issued(l.id, await officerAuth(mailboxPaths.issued(l.id), l.holder))
    const cred = mail.items.find((m) => m.licenseId === l.id)?.credential
    if (cred === undefined)
      throw new Error(
        lang === 'zh' ? '找不到原凭证的字段值' : 'the field values of the old credential are not available',
      )
    return Object.fromEntries(Object.entries(credentialFields(suite, cred)).map(([k, v]) => [k, String(v)]))
  }
  const typeName = type === undefined ? l.typeCode : lang === 'zh' ? type.name : type.nameEn
  const what = `${typeName} ${l.id}`
  const closeDialog = () => {
    setDialog(undefined)
    setReason('')
  }
  return (
    <div className="panel manage" data-testid="manage-panel">
      {own && l.effectiveStatus === 'active' && !config.demo && (
        <Notice tone="info" testId="reprint-unavailable">
          {t('issuer.reprintUnavailable')}
        </Notice>
      )}
      <div className="btn-row">
        {own && l.effectiveStatus === 'active' && <IssuedPrint license={l} type={type} />}
        {active && (
          <button type="button" className="btn" data-testid="suspend" onClick={() => setDialog('suspend')}>
            {t('issuer.suspend')}
          </button>
        )}
        {own && l.status === 'suspended' && (
          <button type="button" className="btn" data-testid="reinstate" onClick={() => setDialog('reinstate')}>
            {t('issuer.reinstate')}
          </button>
        )}
        {(active || (own && l.status === 'suspended')) && (
          <>
            <button type="button" className="btn btn-danger" data-testid="revoke" onClick={() => setDialog('revoke')}>
              {t('issuer.revoke')}
            </button>
            <button type="button" className="btn" data-testid="renew" onClick={() => setDialog('renew')}>
              {t('issuer.renew')}
            </button>
            <button type="button" className="btn" data-testid="amend" onClick={() => setDialog('amend')}>
              {t('issuer.amend')}
            </button>
          </>
        )}
      </div>
      {dialog === 'suspend' && (
        <ConfirmDialog
          testId="confirm-suspend"
          title={t('issuer.suspend')}
          summary={t('issuer.confirm.suspend', { what })}
          confirmLabel={t('issuer.suspend')}
          danger
          canConfirm={reason.trim() !== ''}
          onClose={closeDialog}
          onConfirm={run(async () => {
            const text = `${tMaybe(lang, `lic.reason.${suspendCode}`, suspendCode)}：${reason.trim()}`
            await submit((s) => licenseTx.suspend({ ...s, id: l.id, reason: text }))
          })}
        >
          <ReasonCodes codes={SUSPEND_REASONS} value={suspendCode} onChange={setSuspendCode} />
          <ReasonText value={reason} onChange={setReason} />
        </ConfirmDialog>
      )}
      {dialog === 'reinstate' && (
        <ConfirmDialog
          testId="confirm-reinstate"
          title={t('issuer.reinstate')}
          summary={t('issuer.confirm.reinstate', { what })}
          confirmLabel={t('issuer.reinstate')}
          canConfirm={reason.trim() !== ''}
          onClose={closeDialog}
          onConfirm={run(async () => {
            await submit((s) => licenseTx.reinstate({ ...s, id: l.id, reason: reason.trim() }))
          })}
        >
          <ReasonText value={reason} onChange={setReason} />
        </ConfirmDialog>
      )}
      {dialog === 'revoke' && (
        <ConfirmDialog
          testId="confirm-revoke"
          title={t('issuer.revoke')}
          summary={t('issuer.confirm.revoke', { what })}
          confirmLabel={t('issuer.revoke')}
          danger
          canConfirm={reason.trim() !== ''}
          onClose={closeDialog}
          onConfirm={run(async () => {
            await submit((s) => licenseTx.revoke({ ...s, id: l.id, reasonCode, reason: reason.trim() }))
          })}
        >
          <ReasonCodes codes={REVOKE_REASONS} value={reasonCode} onChange={setReasonCode} />
          <ReasonText value={reason} onChange={setReason} />
        </ConfirmDialog>
      )}
      {dialog === 'renew' && (
        <ConfirmDialog
          testId="confirm-renew"
          title={t('issuer.renew')}
          summary={t('issuer.confirm.renew', { what, until })}
          confirmLabel={t('issuer.renew')}
          canConfirm={until !== '' && register.ready}
          onClose={closeDialog}
          onConfirm={reissue('renew')}
        >
          {register.input}
          <label>
            {t('issuer.newUntil')}{' '}
            <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} data-testid="renew-until" />
          </label>
        </ConfirmDialog>
      )}
      {dialog === 'amend' && (
        <ConfirmDialog
          testId="confirm-amend"
          title={t('issuer.amend')}
          summary={t('issuer.confirm.amend', { what })}
          confirmLabel={t('issuer.amend')}
          canConfirm={reason.trim() !== '' && register.ready}
          onClose={closeDialog}
          onConfirm={reissue('amend')}
        >
          {register.input}
          <ReasonText value={reason} onChange={setReason} />
        </ConfirmDialog>
      )}
      <ErrorBox error={error} />
      {note !== undefined && (
        <>
          <Notice tone="ok">{t('issuer.issued', { id: note.id })}</Notice>
          <HandoverPanel licenseId={note.id} credential={note.credential} type={type} />
        </>
      )}
      <h4>{t('issuer.history')}</h4>
      {history.data === undefined ? (
        <Loading />
      ) : (
        <ol className="timeline small" data-testid="history">
          {history.data.map((h) => (
            <li key={h.seq}>
              <strong>{tMaybe(lang, `lic.action.${h.action}`, h.action)}</strong> · {orgName(h.actorOrg)} {h.officerId}{' '}
              · #{h.height} · {formatTime(h.timeMs, lang)}
              {h.reason !== null && (
                <div className="muted">
                  {h.reasonCode === null ? '' : tMaybe(lang, `lic.reason.${h.reasonCode}`, h.reasonCode)} {h.reason}
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}
