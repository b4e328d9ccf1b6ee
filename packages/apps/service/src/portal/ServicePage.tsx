/**
 * The service hall's portal page (`@govchain/service/portal`, ADR 0020; docs/service.md):
 *
 *   办事大厅   items with search; each item's guide marks what the citizen need not submit
 *   申请       the consent screen: every pull with its source department and purpose; the
 *              applicant signs with their own key
 *   我的办件   the applicant's cases (a signed query), each with its timeline
 *   办件审批   the officer's queue: 受理 / 退回, the case's pulls through the department's own
 *              gateway (for the accepting officer only), 批准 (issuing the item's licence) or
 *              不予批准 after a confirmation, 办结; an approval's licence is handed to the
 *              applicant (the portal's credential mailbox, as the issuer console does)
 *   (result)   the applicant's case card shows the issued licence and puts it into the wallet
 *              on this device (放入卡包), read from the mailbox with the holder's signed query
 */

import type { issueLicenseCredentialWith } from '@govchain/license/client'
import { LicenseTypeView } from '@govchain/license/views'
import {
  ActionButton,
  Badge,
  Card,
  ConfirmDialog,
  callAnswer,
  deviceWallet,
  ErrorBox,
  formatTime,
  Link,
  MoreButton,
  mailbox,
  mailboxPaths,
  Notice,
  qs,
  randomHex,
  type Tone,
  useLoad,
  useMorePages,
  withMessages,
} from '@govchain/portal-kit'
import { signGatewayLocalFetchWith } from '@govchain/sharing/client'
import { GrantAnswer, LocalFetchAnswer } from '@govchain/sharing/views'
import { useEffect, useState } from 'react'
import {
  type CaseReason,
  serviceApply,
  serviceApproveAndComplete,
  serviceDecide,
  serviceStep,
  signMyCasesWith,
} from '../client.ts'
import type { CASE_STATUSES } from '../schema.ts'
import {
  CaseAnswer,
  CasePage,
  type CaseView,
  ItemAnswer,
  ItemPage,
  type ItemView,
  ServiceChallengeAnswer,
  StepPage,
} from '../views.ts'
import { useApp } from './messages.ts'
import { PublishItem } from './publish.tsx'
import { PUBLISH_MESSAGES } from './publish-messages.ts'

type Status = (typeof CASE_STATUSES)[number]
const TONE: Record<Status, Tone> = {
  submitted: 'info',
  accepted: 'info',
  returned: 'warn',
  approved: 'ok',
  rejected: 'bad',
  completed: 'ok',
}

function StatusBadge({ c }: { c: CaseView }) {
  const { t } = useApp()
  return (
    <>
      <Badge tone={TONE[c.status]} testId="case-status">
        {t(`service.status.${c.status}`)}
      </Badge>{' '}
      {c.overdue && <Badge tone="bad">{t('service.overdue')}</Badge>}
    </>
  )
}

// ---------------------------------------------------------------- hall and guide

function Hall({ onCase }: { onCase: (id: string) => void }) {
  const { t, client, identity, orgName } = useApp()
  const [q, setQ] = useState('')
  const [open, setOpen] = useState<string>()
  const items = useLoad(
    () => callAnswer(client.url, 'GET', `/v1/service/items${qs({ q: q.trim() || undefined, limit: 100 })}`, ItemPage),
    [q],
  )
  return (
    <>
      <Card title={t('service.tab.hall')} testId="service-hall">
        <input
          type="search"
          value={q}
          placeholder={t('service.search')}
          aria-label={t('service.search')}
          data-testid="service-search"
          onChange={(e) => setQ(e.target.value)}
        />
        <ErrorBox error={items.error} />
        <ul className="list">
          {(items.data?.items ?? []).map((it) => (
            <li key={it.code} data-testid="service-item">
              <button type="button" className="link" onClick={() => setOpen(it.code)} data-testid={`item-${it.code}`}>
                {it.title}
              </button>{' '}
              <span className="muted small">
                {it.code} · {orgName(it.ownerOrg)} · {t('service.sla', { days: it.slaDays })}
              </span>{' '}
              {it.pulls.length > 0 && <Badge tone="ok">{t('service.noPaper', { n: it.pulls.length })}</Badge>}
              {it.parts.length > 0 && <Badge tone="info">{t('service.parts')}</Badge>}
            </li>
          ))}
        </ul>
      </Card>
      {open !== undefined && (
        <Guide code={open} applicant={identity?.kind !== 'officer' ? identity?.did : undefined} onCase={onCase} />
      )}
    </>
  )
}

function Guide({
  code,
  applicant,
  onCase,
}: {
  code: string
  applicant: string | undefined
  onCase: (id: string) => void
}) {
  const { t, client, identity, orgName, signer } = useApp()
  const [consenting, setConsenting] = useState(false)
  const a = useLoad(
    () => callAnswer(client.url, 'GET', `/v1/service/items/${encodeURIComponent(code)}`, ItemAnswer),
    [code],
  )
  if (a.data === undefined) return <ErrorBox error={a.error} />
  const { item, parts } = a.data
  const all = item.parts.length === 0 ? [item] : parts
  const credential = identity?.subjectCredential
  return (
    <Card title={`${t('service.guide')}：${item.title}`} testId="service-guide">
      <p className="small">
        {t('service.basis')}：{item.legalBasis}
      </p>
      <p className="small">{t('service.sla', { days: item.slaDays })}</p>
      {item.parts.length > 0 && (
        <p>
          {t('service.parts')}：{parts.map((p) => orgName(p.ownerOrg)).join('、')}
        </p>
      )}
      <h3>{t('service.pulled')}</h3>
      <PullList items={all} />
      {all.some((p) => p.licenses.length > 0) && (
        <>
          <h3>{t('service.present')}</h3>
          <ul>
            {all.flatMap((p) =>
              p.licenses.map((l) => (
                <li key={`${p.code}/${l.typeCode}`}>
                  {l.typeCode} — {l.purpose}
                </li>
              )),
            )}
          </ul>
        </>
      )}
      {all.some((p) => p.resultType !== null) && (
        <p>
          {t('service.result')}：{all.flatMap((p) => (p.resultType === null ? [] : [p.resultType])).join('、')}
        </p>
      )}
      {applicant === undefined || credential === undefined || signer === undefined ? (
        <Notice tone="info">{t('service.notApplicant')}</Notice>
      ) : consenting ? (
        <Consent item={item} parts={parts} onCase={onCase} />
      ) : (
        <button
          type="button"
          className="btn btn-primary"
          data-testid="service-apply"
          onClick={() => setConsenting(true)}
        >
          {t('service.apply')}
        </button>
      )}
    </Card>
  )
}

function PullList({ items }: { items: readonly ItemView[] }) {
  const { t, orgName } = useApp()
  return (
    <ul data-testid="service-pulls">
      {items.flatMap((p) =>
        p.pulls.map((x) => (
          <li key={`${p.code}/${x.resourceId}`} data-testid="service-pull">
            <strong>{x.purpose}</strong> — {orgName(x.providerOrg)}
            {/* Plain language: the dataset and field codes are technical detail, behind 详情. */}
            <details className="muted small">
              <summary>{t('common.details')}</summary>
              <code>{x.resourceId}</code> ({x.fields.join(', ')})
            </details>
          </li>
        )),
      )}
    </ul>
  )
}

function Consent({ item, parts, onCase }: { item: ItemView; parts: ItemView[]; onCase: (id: string) => void }) {
  const { t, identity, submit, orgName } = useApp()
  const [agreed, setAgreed] = useState(false)
  const [error, setError] = useState<unknown>()
  const [caseId, setCaseId] = useState<string>()
  const all = item.parts.length === 0 ? [item] : parts
  return (
    <fieldset data-testid="service-consent">
      <legend>{t('service.consent')}</legend>
      <p>{t('service.consent.lead', { org: all.map((p) => orgName(p.ownerOrg)).join('、') })}</p>
      <PullList items={all} />
      <label>
        <input
          type="checkbox"
          checked={agreed}
          data-testid="consent-agree"
          onChange={(e) => setAgreed(e.target.checked)}
        />{' '}
        {t('service.consent.agree')}
      </label>
      <ActionButton
        kind="primary"
        testId="consent-sign"
        disabled={!agreed}
        onError={setError}
        onRun={async () => {
          setError(undefined)
          const credential = identity!.subjectCredential!
          const r = await submit((s) => serviceApply({ ...s, item, parts, credential }))
          setCaseId(r.hash)
        }}
      >
        {t('service.consent.sign')}
      </ActionButton>
      <ErrorBox error={error} />
      {caseId !== undefined && (
        <Notice tone="ok" testId="service-applied">
          {t('service.applied', { id: caseId.slice(0, 12) })}{' '}
          <button type="button" className="link" onClick={() => onCase(caseId)}>
            {t('service.tab.mine')}
          </button>
        </Notice>
      )}
    </fieldset>
  )
}

// ---------------------------------------------------------------- a case and its timeline

function Timeline({ answer }: { answer: CaseAnswer }) {
  const { t, lang, orgName, client } = useApp()
  const c = answer.case
  const steps = useMorePages({ items: answer.steps, next: answer.stepsNext }, async (after) => {
    const q = new URLSearchParams({ after })
    const page = await callAnswer(client.url, 'GET', `/v1/service/cases/${c.caseId}/steps?${q}`, StepPage)
    return { items: page.steps, next: page.next }
  })
  const all = [c, ...answer.parts]
  const depts = [...new Set(all.map((x) => x.handlingOrg))].map(orgName)
  const end = c.closedMs ?? Date.now()
  return (
    <div data-testid="case-timeline">
      <p>
        <StatusBadge c={c} /> <span className="small">{t('service.materials', { n: 0 })}</span> ·{' '}
        <span className="small">{t('service.depts', { list: depts.join('、') })}</span> ·{' '}
        <span className="small">
          {t('service.days', { n: Math.max(0, Math.ceil((end - c.submittedMs) / 86_400_000)) })}
        </span>
        {c.deadlineMs !== null && (
          <span className="small"> · {t('service.deadline', { time: formatTime(c.deadlineMs, lang) })}</span>
        )}
      </p>
      <ol>
        {steps.items.map((s) => (
          <li key={s.seq} data-testid="case-step">
            {formatTime(s.timeMs, lang)} {t(`service.step.${s.action}`)}
            {s.orgId !== null && ` · ${orgName(s.orgId)}`}
            {s.late && <Badge tone="bad">{t('service.overdue')}</Badge>}
          </li>
        ))}
      </ol>
      <MoreButton list={steps} testId="case-steps-more" />
      {answer.parts.length > 0 && (
        <ul>
          {answer.parts.map((p) => (
            <li key={p.caseId}>
              {orgName(p.handlingOrg)} {p.itemCode} <StatusBadge c={p} />
            </li>
          ))}
        </ul>
      )}
      {c.result !== null && <p>{t('service.issued', { id: c.result })}</p>}
    </div>
  )
}

function CaseCard({ id, officer }: { id: string; officer: boolean }) {
  const { client } = useApp()
  const [tick, setTick] = useState(0)
  const a = useLoad(() => callAnswer(client.url, 'GET', `/v1/service/cases/${id}`, CaseAnswer), [id, tick])
  if (a.data === undefined) return <ErrorBox error={a.error} />
  const results = [a.data.case, ...a.data.parts].filter((c) => c.result !== null)
  return (
    <Card title={`${a.data.case.itemCode} · ${id.slice(0, 12)}`} testId="case-card">
      <Timeline answer={a.data} />
      {officer && <OfficerActions c={a.data.case} onDone={() => setTick((n) => n + 1)} />}
      {!officer && results.map((c) => <ResultToWallet key={c.caseId} c={c} />)}
    </Card>
  )
}

/**
 * The applicant's result: the licence the decision issued, put into the wallet on this device.
 * The department handed the credential over (the mailbox); the applicant reads it with a query
 * signed by their DID's key, and it must be the case's licence.
 */
function ResultToWallet({ c }: { c: CaseView }) {
  const { t, identity, suite, config, signer } = useApp()
  const did = identity?.did
  const [kept, setKept] = useState(false)
  const [error, setError] = useState<unknown>()
  useEffect(() => {
    if (did === undefined) return
    let live = true
    deviceWallet.read(did).then(
      (kept) => live && setKept(kept[c.result!] !== undefined),
      () => {},
    )
    return () => {
      live = false
    }
  }, [did, c.result])
  // The credential comes through the demo mailbox; outside demo mode the department hands it over.
  if (did === undefined || did !== c.applicant || signer === undefined || !config.demo) return null
  const licenseId = c.result!
  return (
    <div className="btn-row" data-testid="case-result">
      {kept ? (
        <Notice tone="ok" testId="case-in-wallet">
          {t('service.inWallet')} <Link to="/wallet">{t('service.openWallet')}</Link>
        </Notice>
      ) : (
        <ActionButton
          kind="primary"
          testId="case-to-wallet"
          onError={setError}
          onRun={async () => {
            setError(undefined)
            // The licence client (credential encoding) loads on use, not with the hall (page weight).
            const { credentialLicenseId, signHolderQueryWith } = await import('@govchain/license/client')
            const auth = await signHolderQueryWith(signer, {
              suite,
              chainId: config.chainId,
              path: mailboxPaths.list,
              did,
            })
            const entry = (await mailbox.list({ ...auth })).items.find(
              (m) => m.licenseId === licenseId && credentialLicenseId(suite, m.credential) === licenseId,
            )
            if (entry === undefined) throw new Error(t('service.notHanded'))
            await deviceWallet.keep(did, licenseId, entry.credential)
            setKept(true)
          }}
        >
          {t('service.toWallet')}
        </ActionButton>
      )}
      <ErrorBox error={error} />
    </div>
  )
}

function Mine({ focus }: { focus: string | undefined }) {
  const { t, client, identity, suite, config, signer } = useApp()
  const [cases, setCases] = useState<CaseView[]>()
  const [error, setError] = useState<unknown>()
  if (identity === undefined || identity.kind === 'officer' || identity.did === undefined) {
    return <Notice tone="info">{t('service.notApplicant')}</Notice>
  }
  return (
    <>
      <Card title={t('service.tab.mine')} testId="service-mine">
        <ActionButton
          kind="primary"
          testId="mine-load"
          onError={setError}
          onRun={async () => {
            setError(undefined)
            const { challenge } = await callAnswer(
              client.url,
              'POST',
              '/v1/service/auth/challenge',
              ServiceChallengeAnswer,
              {},
            )
            if (signer === undefined) throw new Error(t('common.loginRequired'))
            const body = await signMyCasesWith(signer, {
              suite,
              chainId: config.chainId,
              did: identity.did!,
              challenge,
            })
            setCases((await callAnswer(client.url, 'POST', '/v1/service/my-cases', CasePage, body)).cases)
          }}
        >
          {t('service.load')}
        </ActionButton>
        <ErrorBox error={error} />
        {cases !== undefined && cases.length === 0 && <p className="muted">{t('service.none')}</p>}
      </Card>
      {(cases ?? []).map((c) => (
        <CaseCard key={c.caseId} id={c.caseId} officer={false} />
      ))}
      {focus !== undefined && cases === undefined && <CaseCard id={focus} officer={false} />}
    </>
  )
}

// ---------------------------------------------------------------- the officer's queue

function Queue({ focus }: { focus: string | undefined }) {
  const { t, client, identity } = useApp()
  const [open, setOpen] = useState<string | undefined>(focus)
  const orgId = identity?.kind === 'officer' ? identity.orgId : undefined
  const q = useLoad(
    () =>
      orgId === undefined
        ? Promise.resolve(undefined)
        : callAnswer(client.url, 'GET', `/v1/service/cases${qs({ org: orgId, limit: 100 })}`, CasePage),
    [orgId, open],
  )
  if (orgId === undefined) return <Notice tone="info">{t('service.notOfficer')}</Notice>
  return (
    <>
      <Card title={t('service.tab.queue')} testId="service-queue">
        <p className="muted small">{t('service.caseOfficer')}</p>
        <ErrorBox error={q.error} />
        <ul className="list">
          {(q.data?.cases ?? []).map((c) => (
            <li key={c.caseId} data-testid="queue-case">
              <button type="button" className="link" onClick={() => setOpen(c.caseId)}>
                {c.itemCode} · {c.caseId.slice(0, 12)}
              </button>{' '}
              <StatusBadge c={c} />
            </li>
          ))}
        </ul>
      </Card>
      {open !== undefined && <CaseCard key={open} id={open} officer />}
    </>
  )
}

function OfficerActions({ c, onDone }: { c: CaseView; onDone: () => void }) {
  const { t, submit, identity } = useApp()
  const [error, setError] = useState<unknown>()
  const [confirm, setConfirm] = useState<{ what: string; run: () => Promise<void> }>()
  /** What the pulls returned (first row of each), to pre-fill the licence. Never sent anywhere but into it. */
  const [pulled, setPulled] = useState<Record<string, string>>({})
  if (identity?.orgId !== c.handlingOrg) return null
  const step = (s: 'accept' | 'sendBack' | 'complete', reasonCode: CaseReason) => async () => {
    await submit((x) => serviceStep({ ...x, step: s, caseId: c.caseId, reasonCode }))
    onDone()
  }
  const ask = (what: string, run: () => Promise<void>) => () => setConfirm({ what, run })
  return (
    <div className="btn-row" data-testid="case-actions">
      {c.status === 'submitted' && (
        <>
          <ActionButton
            kind="primary"
            testId="case-accept"
            onError={setError}
            onRun={step('accept', 'materials-complete')}
          >
            {t('service.do.accept')}
          </ActionButton>
          <button
            type="button"
            className="btn"
            onClick={ask(t('service.do.return'), step('sendBack', 'materials-missing'))}
          >
            {t('service.do.return')}
          </button>
        </>
      )}
      {c.status === 'accepted' && (
        <>
          {c.grants.map((g) => (
            <Pull key={g} grantId={g} onRows={(r) => setPulled((p) => ({ ...p, ...firstRow(r) }))} />
          ))}
          <Decide c={c} pulled={pulled} onDone={onDone} onConfirm={(what, run) => setConfirm({ what, run })} />
        </>
      )}
      {c.status === 'approved' && (
        <button
          type="button"
          className="btn btn-primary"
          data-testid="case-complete"
          onClick={ask(t('service.do.complete'), step('complete', 'result-delivered'))}
        >
          {t('service.do.complete')}
        </button>
      )}
      {confirm !== undefined && (
        <ConfirmDialog
          testId="case-confirm"
          title={confirm.what}
          summary={t('service.confirm', { what: confirm.what, id: c.caseId.slice(0, 12) })}
          confirmLabel={t('service.confirm.yes')}
          onClose={() => setConfirm(undefined)}
          onConfirm={confirm.run}
        />
      )}
      <ErrorBox error={error} />
    </div>
  )
}

/** One of the case's pulls, through this department's gateway (decrypted for the case officer only). */
function firstRow(rows: Record<string, unknown>[]): Record<string, string> {
  const r = rows[0] ?? {}
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)]))
}

/** Licence claims filled from pulled fields of the same meaning. */
const PREFILL: Record<string, string> = { holderName: 'name', idNumber: 'id_number', address: 'household_address' }

function Pull({ grantId, onRows }: { grantId: string; onRows: (rows: Record<string, unknown>[]) => void }) {
  const { t, identity, config, client, signer } = useApp()
  const [rows, setRows] = useState<Record<string, unknown>[]>()
  const [error, setError] = useState<unknown>()
  const gateway = identity?.orgId === undefined ? undefined : config.gateways[identity.orgId]
  return (
    <div data-testid="case-pull">
      <ActionButton
        testId="case-pull-run"
        disabled={gateway === undefined}
        onError={setError}
        onRun={async () => {
          setError(undefined)
          // Another application's API: its answer schemas, not its page code (package boundaries).
          const { grant } = await callAnswer(
            client.url,
            'GET',
            `/v1/sharing/grants/${encodeURIComponent(grantId)}`,
            GrantAnswer,
          )
          const body = await signGatewayLocalFetchWith(signer!, {
            grantId,
            fields: grant.fields,
            timeMs: Date.now(),
            nonce: randomHex(16),
          })
          const res = await callAnswer(gateway!, 'POST', '/v1/local/fetch', LocalFetchAnswer, body)
          setRows(res.rows)
          onRows(res.rows)
        }}
      >
        {t('service.do.pull')} <code>{grantId.slice(0, 8)}</code>
      </ActionButton>
      <ErrorBox error={error} />
      {rows !== undefined && (
        <div className="table-wrap" data-testid="case-pull-rows">
          <p className="small">{t('service.rows', { n: rows.length })}</p>
          <table>
            <tbody>
              {rows.map((r, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id of their own
                <tr key={i}>
                  {Object.entries(r).map(([k, v]) => (
                    <td key={k}>
                      <span className="muted small">{k}</span> {String(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}

type TypeInfo = LicenseTypeView

function Decide({
  c,
  pulled,
  onDone,
  onConfirm,
}: {
  c: CaseView
  pulled: Record<string, string>
  onDone: () => void
  onConfirm: (what: string, run: () => Promise<void>) => void
}) {
  const { t, lang, client, submit, config, orgName, suite, signer } = useApp()
  const [values, setValues] = useState<Record<string, string>>({})
  const [issued, setIssued] = useState<string>()
  /** 批准并办结: the licence on chain is the result delivered, so the case can close with the approval. */
  const [complete, setComplete] = useState(true)
  const type = useLoad(async (): Promise<TypeInfo | null> => {
    const item = await callAnswer(
      client.url,
      'GET',
      `/v1/service/items/${c.itemCode}?version=${c.itemVersion}`,
      ItemAnswer,
    )
    const code = item.item.resultType
    return code === null
      ? null
      : callAnswer(client.url, 'GET', `/v1/license-types/${encodeURIComponent(code)}`, LicenseTypeView)
  }, [c.itemCode, c.itemVersion])
  const info = type.data ?? null
  const fieldValue = (f: string) => values[f] ?? pulled[PREFILL[f] ?? f] ?? ''
  const missing = info === null ? [] : info.fields.filter((f) => f.required && fieldValue(f.name).trim() === '')
  const approve = async () => {
    if (info === null) {
      await submit((s) => serviceDecide({ ...s, caseId: c.caseId, approve: true, reasonCode: 'eligible' }))
    } else {
      const org = config.organisations.find((o) => o.id === c.handlingOrg)!
      const fields: Record<string, string> = {}
      for (const f of info.fields) if (fieldValue(f.name).trim() !== '') fields[f.name] = fieldValue(f.name).trim()
      let made: Awaited<ReturnType<typeof issueLicenseCredentialWith>> | undefined
      // The licence client (credential encoding) loads with the first approval, not with the hall.
      const { issueLicenseCredentialWith: issue, signHolderQueryWith } = await import('@govchain/license/client')
      await submit(async (s) => {
        const now = Date.now()
        // The credential first (the page's signer), then the decision carrying its hash.
        made = await issue(s.signer, {
          ...s,
          type: info,
          issuer: { orgId: c.handlingOrg, name: orgName(c.handlingOrg), code: org.code },
          holder: c.applicant,
          validFromMs: now,
          validUntilMs: 0,
          fields,
        })
        const license = {
          id: made.id,
          typeCode: info.code,
          holder: c.applicant,
          credentialHash: made.credentialHash,
          validFromMs: now,
          validUntilMs: 0,
        }
        return complete
          ? serviceApproveAndComplete({ ...s, caseId: c.caseId, reasonCode: 'eligible', license })
          : serviceDecide({ ...s, caseId: c.caseId, approve: true, reasonCode: 'eligible', license })
      })
      // The licence is on chain with the decision; hand the credential to the applicant, as the
      // issuer console does (the mailbox keeps it for the holder's signed read).
      const { id, credential } = made!
      if (config.demo) {
        await mailbox.put(
          { holder: c.applicant, licenseId: id, credential },
          {
            ...(await signHolderQueryWith(signer!, {
              suite,
              chainId: config.chainId,
              path: mailboxPaths.put(c.applicant, id),
              did: c.applicant,
            })),
          },
        )
      }
      setIssued(id)
    }
    onDone()
  }
  const reject = async () => {
    await submit((s) => serviceDecide({ ...s, caseId: c.caseId, approve: false, reasonCode: 'not-eligible' }))
    onDone()
  }
  return (
    <div data-testid="case-decide">
      <ErrorBox error={type.error} />
      {info !== null && (
        <fieldset>
          <legend>{t('service.licence', { type: lang === 'zh' ? info.name : info.nameEn })}</legend>
          {info.fields.map((f) => (
            <label key={f.name} className="field">
              {lang === 'zh' ? f.label : f.labelEn}
              {f.required && ' *'}
              <input
                value={fieldValue(f.name)}
                data-testid={`licence-${f.name}`}
                aria-invalid={f.required && fieldValue(f.name).trim() === ''}
                onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
              />
            </label>
          ))}
          {missing.length > 0 && (
            <Notice tone="warn">
              {t('service.required', { list: missing.map((f) => (lang === 'zh' ? f.label : f.labelEn)).join('、') })}
            </Notice>
          )}
          <label>
            <input
              type="checkbox"
              checked={complete}
              data-testid="case-approve-complete"
              onChange={(e) => setComplete(e.target.checked)}
            />{' '}
            {t('service.approveComplete')}
          </label>
        </fieldset>
      )}
      <button
        type="button"
        className="btn btn-primary"
        data-testid="case-approve"
        disabled={type.loading || missing.length > 0}
        onClick={() =>
          onConfirm(t(info !== null && complete ? 'service.do.approveComplete' : 'service.do.approve'), approve)
        }
      >
        {t('service.do.approve')}
      </button>
      <button
        type="button"
        className="btn btn-danger"
        data-testid="case-reject"
        onClick={() => onConfirm(t('service.do.reject'), reject)}
      >
        {t('service.do.reject')}
      </button>
      {issued !== undefined && <Notice tone="ok">{t('service.issued', { id: issued })}</Notice>}
    </div>
  )
}

// ---------------------------------------------------------------- the page

type Tab = 'hall' | 'mine' | 'queue' | 'publish'

const { tMaybe: tPublish } = withMessages(PUBLISH_MESSAGES)

export function ServicePage() {
  const { t, identity, lang } = useApp()
  const focus = new URLSearchParams(globalThis.location?.search ?? '').get('case') ?? undefined
  const [tab, setTab] = useState<Tab>(
    focus !== undefined
      ? identity?.kind === 'officer'
        ? 'queue'
        : 'mine'
      : identity?.kind === 'officer'
        ? 'queue'
        : 'hall',
  )
  const [mineFocus, setMineFocus] = useState<string | undefined>(focus)
  const tabs: Tab[] = identity?.kind === 'officer' ? ['hall', 'mine', 'queue', 'publish'] : ['hall', 'mine', 'queue']
  return (
    <div className="page">
      <h1>{t('service.title')}</h1>
      <p className="muted">{t('service.lead')}</p>
      <div className="tabs" role="tablist">
        {tabs.map((x) => (
          <button
            key={x}
            type="button"
            role="tab"
            aria-selected={tab === x}
            className={tab === x ? 'active' : ''}
            data-testid={`service-tab-${x}`}
            onClick={() => setTab(x)}
          >
            {x === 'publish' ? tPublish(lang, 'service.tab.publish', 'Publish') : t(`service.tab.${x}`)}
          </button>
        ))}
      </div>
      {tab === 'hall' && (
        <Hall
          onCase={(id) => {
            setMineFocus(id)
            setTab('mine')
          }}
        />
      )}
      {tab === 'mine' && <Mine focus={mineFocus} />}
      {tab === 'queue' && <Queue focus={identity?.kind === 'officer' ? focus : undefined} />}
      {tab === 'publish' && <PublishItem />}
    </div>
  )
}
