/**
 * 发布事项 (issue 16): the owning department's admin publishes a service item, or the next version
 * of one of its items. The form checks every field inline, in the page's language, against the
 * rules `service.publish` applies on chain (code format, printable text within its byte limits,
 * time limit 1-365 working days, pulls of other departments' shared catalogue resources with
 * distinct fields); a confirmation shows what will be published; then the transaction's status
 * (正在上链… → published, with its version and height). An officer without the admin role is
 * told so (the officer's roles as the chain records them) and gets no form.
 *
 * A one-thing item (一件事一次办) bundles other active items instead: the admin finds them by code
 * or title and lists them in order; the bundle has no pulls, licences or result of its own (its
 * parts have them), as the chain requires.
 */
import { ResourcePage, type ResourceVersionView } from '@govchain/catalog/views'
import { OfficersAnswer } from '@govchain/identity/views'
import { LicenseTypesAnswer, type LicenseTypeView } from '@govchain/license/views'
import {
  ActionButton,
  Card,
  ConfirmDialog,
  callAnswer,
  ErrorBox,
  Notice,
  qs,
  useLoad,
  withMessages,
} from '@govchain/portal-kit'
import { type ReactNode, useState } from 'react'
import { servicePublish } from '../client.ts'
import { SERVICE_ITEM_CODE, SERVICE_LIMITS, SERVICE_TEXT_FORBIDDEN, type ServicePublishArgs } from '../schema.ts'
import { ItemAnswer, ItemPage, type ItemView } from '../views.ts'
import { PUBLISH_MESSAGES } from './publish-messages.ts'

const { useApp } = withMessages(PUBLISH_MESSAGES)

// Other applications' answers: their views (the schemas their routes answer with), not their pages.
type ResourceInfo = ResourceVersionView
type TypeInfo = LicenseTypeView
interface PullRow {
  resourceId: string
  fields: string[]
  purpose: string
}
interface LicenseRow {
  typeCode: string
  purpose: string
}
/** A bundled item as the form shows it. */
interface PartRow {
  code: string
  title: string
  titleEn: string
  ownerOrg: string
}
interface Form {
  /** 一件事: bundles `parts`; then no pulls, licences or result of its own. */
  bundle: boolean
  parts: PartRow[]
  code: string
  title: string
  titleEn: string
  legalBasis: string
  slaDays: string
  resultType: string
  pulls: PullRow[]
  licenses: LicenseRow[]
}

const EMPTY: Form = {
  bundle: false,
  parts: [],
  code: '',
  title: '',
  titleEn: '',
  legalBasis: '',
  slaDays: '20',
  resultType: '',
  pulls: [],
  licenses: [],
}

const bytes = (s: string) => new TextEncoder().encode(s).length
const textOk = (s: string, max: number) =>
  s.length > 0 && s.trim() === s && bytes(s) <= max && !SERVICE_TEXT_FORBIDDEN.test(s)

type Problems = Record<string, string>

/** Inline problems by field key (`code`, `pulls.0.fields`, …), in the page's language. */
function validate(
  f: Form,
  ctx: { orgId: string; existing: ItemAnswer | null; resources: ResourceInfo[]; orgName: (id: string) => string },
  t: (key: keyof typeof PUBLISH_MESSAGES, vars?: Record<string, string | number>) => string,
): Problems {
  const p: Problems = {}
  const text = (key: string, s: string, max: number) => {
    if (!textOk(s, max)) p[key] = t('service.pub.err.text', { max })
  }
  if (!SERVICE_ITEM_CODE.test(f.code)) p.code = t('service.pub.err.code')
  else if (ctx.existing !== null && ctx.existing.item.ownerOrg !== ctx.orgId)
    p.code = t('service.pub.err.owner', { org: ctx.orgName(ctx.existing.item.ownerOrg) })
  text('title', f.title, SERVICE_LIMITS.titleBytes)
  text('titleEn', f.titleEn, SERVICE_LIMITS.titleBytes)
  text('legalBasis', f.legalBasis, SERVICE_LIMITS.legalBasisBytes)
  const sla = Number(f.slaDays)
  if (!/^[0-9]{1,3}$/.test(f.slaDays) || sla < 1 || sla > SERVICE_LIMITS.slaDaysMax)
    p.slaDays = t('service.pub.err.sla')
  if (f.bundle) {
    if (f.parts.length < 2 || f.parts.length > SERVICE_LIMITS.partsPerItem)
      p.parts = t('service.pub.err.parts', { max: SERVICE_LIMITS.partsPerItem })
    return p
  }
  const seen = new Set<string>()
  f.pulls.forEach((row, i) => {
    const r = ctx.resources.find((x) => x.resourceId === row.resourceId)
    if (r === undefined) p[`pulls.${i}.resource`] = t('service.pub.err.resource')
    else if (seen.has(row.resourceId)) p[`pulls.${i}.resource`] = t('service.pub.err.dupPull')
    seen.add(row.resourceId)
    if (row.fields.length === 0) p[`pulls.${i}.fields`] = t('service.pub.err.fields')
    text(`pulls.${i}.purpose`, row.purpose, SERVICE_LIMITS.purposeBytes)
  })
  const types = new Set<string>()
  f.licenses.forEach((row, i) => {
    if (row.typeCode === '' || types.has(row.typeCode)) p[`licenses.${i}.type`] = t('service.pub.err.type')
    types.add(row.typeCode)
    text(`licenses.${i}.purpose`, row.purpose, SERVICE_LIMITS.purposeBytes)
  })
  return p
}

function toArgs(f: Form, resources: ResourceInfo[]): ServicePublishArgs {
  if (f.bundle) {
    return {
      code: f.code,
      title: f.title,
      titleEn: f.titleEn,
      legalBasis: f.legalBasis,
      licenses: [],
      pulls: [],
      slaDays: Number(f.slaDays),
      parts: f.parts.map((x) => x.code),
    }
  }
  return {
    code: f.code,
    title: f.title,
    titleEn: f.titleEn,
    legalBasis: f.legalBasis,
    licenses: f.licenses.map((l) => ({ typeCode: l.typeCode, purpose: l.purpose })),
    pulls: f.pulls.map((row) => ({
      providerOrg: resources.find((r) => r.resourceId === row.resourceId)!.ownerOrg,
      resourceId: row.resourceId,
      fields: row.fields,
      purpose: row.purpose,
    })),
    slaDays: Number(f.slaDays),
    ...(f.resultType === '' ? {} : { resultType: f.resultType }),
    parts: [],
  }
}

/** The form's problems by field key, and whether they show yet (once the form was submitted). */
interface Checked {
  problems: Problems
  shown: boolean
}

/** A field's inline problem, once the form was submitted. */
function Problem({ at, problems, shown }: { at: string } & Checked) {
  const m = problems[at]
  if (!shown || m === undefined) return null
  return (
    <span className="field-error small" role="alert" data-testid={`pub-err-${at}`}>
      {m}
    </span>
  )
}

type PublishState = { phase: 'working' } | { phase: 'done'; v: number; height: number }

/** The signed-in officer's active record in their department (its roles); undefined for anyone else. */
function useMyOfficer(orgId: string | undefined) {
  const { client, identity } = useApp()
  return useLoad(async () => {
    if (orgId === undefined || identity?.publicKey === undefined) return undefined
    const list = await callAnswer(
      client.url,
      'GET',
      `/v1/organisations/${encodeURIComponent(orgId)}/officers`,
      OfficersAnswer,
    )
    return list.officers.find((o) => o.publicKey === identity.publicKey && o.status === 'active')
  }, [orgId, identity?.publicKey])
}

/** What the form offers: other departments' shared, not withdrawn resources, and the licence types. */
function usePublishLists(orgId: string | undefined) {
  const { client } = useApp()
  return useLoad(async () => {
    const [res, types] = await Promise.all([
      callAnswer(client.url, 'GET', `/v1/catalog/resources${qs({ limit: 100 })}`, ResourcePage),
      callAnswer(client.url, 'GET', '/v1/license-types', LicenseTypesAnswer),
    ])
    return {
      resources: res.resources.filter(
        (r) => r.ownerOrg !== orgId && r.shareType !== 'none' && r.status !== 'withdrawn',
      ),
      types: types.items,
    }
  }, [orgId])
}

/** The item on chain under `code`: null for a new code (or one not well formed yet). */
function useExistingItem(code: string) {
  const { client } = useApp()
  return useLoad(async () => {
    if (!SERVICE_ITEM_CODE.test(code)) return null
    try {
      return await callAnswer(client.url, 'GET', `/v1/service/items/${encodeURIComponent(code)}`, ItemAnswer)
    } catch (e) {
      if ((e as { status?: number }).status === 404 || (e as { code?: string }).code === 'SERVICE_ITEM_NOT_FOUND')
        return null
      throw e
    }
  }, [code])
}

/** The form, its edits (each clears the last publish's status), and its publishing on chain. */
function usePublishForm() {
  const { client, submit } = useApp()
  const [f, setF] = useState<Form>(EMPTY)
  const [state, setState] = useState<PublishState>()
  const [error, setError] = useState<unknown>()
  const set = (patch: Partial<Form>) => {
    setF((x) => ({ ...x, ...patch }))
    setState(undefined)
  }
  const publish = async (resources: ResourceInfo[]) => {
    setError(undefined)
    setState({ phase: 'working' })
    try {
      const r = await submit((s) => servicePublish({ ...s, item: toArgs(f, resources) }))
      const now = await callAnswer(client.url, 'GET', `/v1/service/items/${encodeURIComponent(f.code)}`, ItemAnswer)
      setState({ phase: 'done', v: now.item.version, height: r.height ?? now.item.height })
    } catch (e) {
      setState(undefined)
      setError(e)
    }
  }
  return { f, set, state, error, publish }
}

/** The form filled from the item's current version, to publish the next. */
const fromItem = (prior: ItemAnswer): Partial<Form> => ({
  bundle: prior.item.parts.length > 0,
  parts: prior.parts.map(partRow),
  title: prior.item.title,
  titleEn: prior.item.titleEn,
  legalBasis: prior.item.legalBasis,
  slaDays: String(prior.item.slaDays),
  resultType: prior.item.resultType ?? '',
  pulls: prior.item.pulls.map((p) => ({
    resourceId: p.resourceId,
    fields: p.fields,
    purpose: p.purpose,
  })),
  licenses: prior.item.licenses.map((l) => ({ ...l })),
})

/** The rows the add buttons append: an empty pull and an empty licence. */
const blankPull = (): PullRow => ({ resourceId: '', fields: [], purpose: '' })
const blankLicense = (): LicenseRow => ({ typeCode: '', purpose: '' })

type TextKey = 'code' | 'title' | 'titleEn' | 'legalBasis' | 'slaDays'

/** One of the item's text fields (the code in capitals), with its inline problem. */
function TextField({
  at,
  label,
  value,
  check,
  onChange,
}: {
  at: TextKey
  label: string
  value: string
  check: Checked
  onChange: (patch: Partial<Form>) => void
}) {
  return (
    <label className="field">
      {label}
      <input
        value={value}
        data-testid={`pub-${at}`}
        aria-invalid={check.shown && check.problems[at] !== undefined}
        inputMode={at === 'slaDays' ? 'numeric' : undefined}
        onChange={(e) => onChange({ [at]: at === 'code' ? e.target.value.toUpperCase() : e.target.value })}
      />
      <Problem at={at} {...check} />
    </label>
  )
}

/** New item or next version of one, and (for the department's own item) the button to load it. */
function VersionLine({
  prior,
  nextVersion,
  orgId,
  onLoad,
}: {
  prior: ItemAnswer | null
  nextVersion: number
  orgId: string
  onLoad: (prior: ItemAnswer) => void
}) {
  const { t } = useApp()
  return (
    <p className="small" data-testid="pub-version">
      {prior === null
        ? t('service.pub.newItem')
        : t('service.pub.nextVersion', { v: prior.item.version, next: nextVersion })}{' '}
      {prior !== null && prior.item.ownerOrg === orgId && (
        <button type="button" className="btn btn-small" data-testid="pub-load" onClick={() => onLoad(prior)}>
          {t('service.pub.load')}
        </button>
      )}
    </p>
  )
}

/** Single item or one-thing bundle. */
function KindChoice({ bundle, onChange }: { bundle: boolean; onChange: (bundle: boolean) => void }) {
  const { t } = useApp()
  return (
    <fieldset data-testid="pub-kind">
      <legend>{t('service.pub.kind')}</legend>
      <label className="check">
        <input
          type="radio"
          name="pub-kind"
          data-testid="pub-kind-single"
          checked={!bundle}
          onChange={() => onChange(false)}
        />{' '}
        {t('service.pub.kindSingle')}
      </label>
      <label className="check">
        <input
          type="radio"
          name="pub-kind"
          data-testid="pub-kind-bundle"
          checked={bundle}
          onChange={() => onChange(true)}
        />{' '}
        {t('service.pub.kindBundle')}
      </label>
    </fieldset>
  )
}

/** The two lists of rows the form edits: their test ids, legend, add button and limit. */
const ROW_LISTS = {
  pull: {
    testIds: { list: 'pub-pulls', row: 'pub-pull', add: 'pub-add-pull' },
    legend: 'service.pub.pulls',
    add: 'service.pub.addPull',
    max: SERVICE_LIMITS.pullsPerItem,
  },
  license: {
    testIds: { list: 'pub-licences', row: 'pub-licence', add: 'pub-add-licence' },
    legend: 'service.pub.licences',
    add: 'service.pub.addLicence',
    max: SERVICE_LIMITS.licensesPerItem,
  },
} as const

/** Rows edited in place (pulls or licences), each removable, and an add button up to the limit. */
function RowsFieldset<T>({
  name,
  rows,
  blank,
  onChange,
  children,
}: {
  name: keyof typeof ROW_LISTS
  rows: T[]
  blank: () => T
  onChange: (rows: T[]) => void
  children: (row: T, i: number, patch: (p: Partial<T>) => void) => ReactNode
}) {
  const { t } = useApp()
  const list = ROW_LISTS[name]
  return (
    <fieldset data-testid={list.testIds.list}>
      <legend>{t(list.legend)}</legend>
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no id
        <div key={i} className="sub-form" data-testid={list.testIds.row}>
          {children(row, i, (p) => onChange(rows.map((r, j) => (j === i ? { ...r, ...p } : r))))}
          <button type="button" className="btn btn-small" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            {t('service.pub.remove')}
          </button>
        </div>
      ))}
      {rows.length < list.max && (
        <button
          type="button"
          className="btn btn-small"
          data-testid={list.testIds.add}
          onClick={() => onChange([...rows, blank()])}
        >
          {t(list.add)}
        </button>
      )}
    </fieldset>
  )
}

/** A row's purpose, with its inline problem. */
function PurposeField({
  at,
  testId,
  value,
  check,
  onChange,
}: {
  at: string
  testId: string
  value: string
  check: Checked
  onChange: (purpose: string) => void
}) {
  const { t } = useApp()
  return (
    <label className="field">
      {t('service.pub.purpose')}
      <input
        value={value}
        data-testid={testId}
        aria-invalid={check.shown && check.problems[at] !== undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <Problem at={at} {...check} />
    </label>
  )
}

/** One pull: the resource, the fields taken from it (in the resource's order) and the purpose. */
function PullFields({
  i,
  row,
  resources,
  check,
  onChange,
}: {
  i: number
  row: PullRow
  resources: ResourceInfo[]
  check: Checked
  onChange: (patch: Partial<PullRow>) => void
}) {
  const { t, orgName } = useApp()
  const r = resources.find((x) => x.resourceId === row.resourceId)
  return (
    <>
      <label className="field">
        {t('service.pub.resource')}
        <select
          value={row.resourceId}
          data-testid="pub-pull-resource"
          aria-invalid={check.shown && check.problems[`pulls.${i}.resource`] !== undefined}
          onChange={(e) => onChange({ resourceId: e.target.value, fields: [] })}
        >
          <option value="">—</option>
          {resources.map((x) => (
            <option key={x.resourceId} value={x.resourceId}>
              {orgName(x.ownerOrg)} · {x.title} ({x.resourceId})
            </option>
          ))}
        </select>
        <Problem at={`pulls.${i}.resource`} {...check} />
      </label>
      {r !== undefined && (
        <div className="field">
          {t('service.pub.fields')}
          <div className="check-row">
            {r.fields.map((x) => (
              <label key={x.name} className="check">
                <input
                  type="checkbox"
                  data-testid={`pub-pull-field-${x.name}`}
                  checked={row.fields.includes(x.name)}
                  onChange={(e) =>
                    onChange({
                      fields: e.target.checked
                        ? r.fields.map((y) => y.name).filter((n) => n === x.name || row.fields.includes(n))
                        : row.fields.filter((n) => n !== x.name),
                    })
                  }
                />{' '}
                {x.label} <code>{x.name}</code>
              </label>
            ))}
          </div>
          <Problem at={`pulls.${i}.fields`} {...check} />
        </div>
      )}
      <PurposeField
        at={`pulls.${i}.purpose`}
        testId="pub-pull-purpose"
        value={row.purpose}
        check={check}
        onChange={(purpose) => onChange({ purpose })}
      />
    </>
  )
}

/** The licence types as options: name in the page's language, and code. */
function TypeOptions({ types }: { types: TypeInfo[] }) {
  const { lang } = useApp()
  return types.map((x) => (
    <option key={x.code} value={x.code}>
      {lang === 'zh' ? x.name : x.nameEn} ({x.code})
    </option>
  ))
}

/** One licence the applicant presents: its type and the purpose. */
function LicenseFields({
  i,
  row,
  types,
  check,
  onChange,
}: {
  i: number
  row: LicenseRow
  types: TypeInfo[]
  check: Checked
  onChange: (patch: Partial<LicenseRow>) => void
}) {
  const { t } = useApp()
  return (
    <>
      <label className="field">
        {t('service.pub.type')}
        <select
          value={row.typeCode}
          data-testid="pub-licence-type"
          aria-invalid={check.shown && check.problems[`licenses.${i}.type`] !== undefined}
          onChange={(e) => onChange({ typeCode: e.target.value })}
        >
          <option value="">—</option>
          <TypeOptions types={types} />
        </select>
        <Problem at={`licenses.${i}.type`} {...check} />
      </label>
      <PurposeField
        at={`licenses.${i}.purpose`}
        testId="pub-licence-purpose"
        value={row.purpose}
        check={check}
        onChange={(purpose) => onChange({ purpose })}
      />
    </>
  )
}

/** How many problems the form has (once submitted), and the publish's progress or outcome. */
function PublishNotices({
  count,
  shown,
  code,
  state,
}: {
  count: number
  shown: boolean
  code: string
  state: PublishState | undefined
}) {
  const { t } = useApp()
  return (
    <>
      {shown && count > 0 && (
        <Notice tone="warn" testId="pub-problems">
          {t('service.pub.fix', { n: count })}
        </Notice>
      )}
      {state?.phase === 'working' && (
        <Notice tone="info" testId="pub-status">
          {t('service.pub.working')}
        </Notice>
      )}
      {state?.phase === 'done' && (
        <Notice tone="ok" testId="pub-status">
          {t('service.pub.done', { code, v: state.v, height: state.height })}
        </Notice>
      )}
    </>
  )
}

/** What will be published, to confirm: basis, time limit, then the pulls, licences and result, or the parts. */
function PublishConfirm({
  f,
  nextVersion,
  onClose,
  onConfirm,
}: {
  f: Form
  nextVersion: number
  onClose: () => void
  onConfirm: () => Promise<void>
}) {
  const { t, lang, orgName } = useApp()
  return (
    <ConfirmDialog
      testId="pub-confirm"
      title={t('service.tab.publish')}
      summary={t('service.pub.confirm', { code: f.code, title: f.title, v: nextVersion })}
      confirmLabel={t('service.pub.confirmYes')}
      onClose={onClose}
      onConfirm={onConfirm}
    >
      <ul className="small" data-testid="pub-confirm-list">
        <li>
          {t('service.pub.basis')}：{f.legalBasis}
        </li>
        <li>
          {t('service.pub.sla')}：{f.slaDays}
        </li>
        {!f.bundle &&
          f.pulls.map((p) => (
            <li key={p.resourceId}>
              {t('service.pub.pulls')}：{p.resourceId} [{p.fields.join(', ')}] — {p.purpose}
            </li>
          ))}
        {!f.bundle &&
          f.licenses.map((l) => (
            <li key={l.typeCode}>
              {t('service.pub.licences')}：{l.typeCode} — {l.purpose}
            </li>
          ))}
        {f.bundle &&
          f.parts.map((x) => (
            <li key={x.code}>
              {t('service.pub.parts')}：{x.code}《{lang === 'zh' ? x.title : x.titleEn}》（{orgName(x.ownerOrg)}）
            </li>
          ))}
        {!f.bundle && f.resultType !== '' && (
          <li>
            {t('service.pub.result')}：{f.resultType}
          </li>
        )}
      </ul>
    </ConfirmDialog>
  )
}

/** 发布事项: the form, checked inline, then its confirmation and the transaction's status. */
export function PublishItem() {
  const { t, identity, orgName } = useApp()
  const orgId = identity?.kind === 'officer' ? identity.orgId : undefined
  const me = useMyOfficer(orgId)
  const lists = usePublishLists(orgId)
  const { f, set, state, error, publish } = usePublishForm()
  const [touched, setTouched] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const existing = useExistingItem(f.code)

  if (orgId === undefined) return null
  if (me.data === undefined) return <ErrorBox error={me.error} />
  if (!me.data.roles.includes('admin')) {
    return (
      <Notice tone="warn" testId="pub-refused">
        {t('service.pub.noRole')}
      </Notice>
    )
  }
  const resources = lists.data?.resources ?? []
  const types = lists.data?.types ?? []
  const prior = existing.data ?? null
  const problems = validate(f, { orgId, existing: prior, resources, orgName }, t)
  const check: Checked = { problems, shown: touched }
  const count = Object.keys(problems).length
  const nextVersion = (prior?.item.version ?? 0) + 1
  const field = (at: TextKey, label: string) => (
    <TextField at={at} label={label} value={f[at]} check={check} onChange={set} />
  )
  return (
    <Card title={t('service.tab.publish')} testId="service-publish">
      <p className="muted small">{t('service.pub.lead')}</p>
      <ErrorBox error={lists.error ?? existing.error} />
      {field('code', t('service.pub.code'))}
      {SERVICE_ITEM_CODE.test(f.code) && existing.data !== undefined && (
        <VersionLine prior={prior} nextVersion={nextVersion} orgId={orgId} onLoad={(x) => set(fromItem(x))} />
      )}
      {field('title', t('service.pub.title'))}
      {field('titleEn', t('service.pub.titleEn'))}
      {field('legalBasis', t('service.pub.basis'))}
      {field('slaDays', t('service.pub.sla'))}

      <KindChoice bundle={f.bundle} onChange={(bundle) => set({ bundle })} />

      {f.bundle ? (
        <PartsPicker
          code={f.code}
          parts={f.parts}
          onChange={(parts) => set({ parts })}
          problem={<Problem at="parts" {...check} />}
        />
      ) : (
        <>
          <RowsFieldset name="pull" rows={f.pulls} blank={blankPull} onChange={(pulls) => set({ pulls })}>
            {(row, i, patch) => <PullFields i={i} row={row} resources={resources} check={check} onChange={patch} />}
          </RowsFieldset>
          <RowsFieldset
            name="license"
            rows={f.licenses}
            blank={blankLicense}
            onChange={(licenses) => set({ licenses })}
          >
            {(row, i, patch) => <LicenseFields i={i} row={row} types={types} check={check} onChange={patch} />}
          </RowsFieldset>
          <label className="field">
            {t('service.pub.result')}
            <select value={f.resultType} data-testid="pub-result" onChange={(e) => set({ resultType: e.target.value })}>
              <option value="">{t('service.pub.none')}</option>
              <TypeOptions types={types} />
            </select>
          </label>
        </>
      )}

      <div className="field">
        {t('service.pub.steps')}
        <p className="small muted" data-testid="pub-steps">
          {t('service.pub.stepsFixed')}
        </p>
      </div>

      <PublishNotices count={count} shown={touched} code={f.code} state={state} />
      <ErrorBox error={error} testId="pub-error" />
      <div className="btn-row">
        <ActionButton
          kind="primary"
          testId="pub-submit"
          disabled={state?.phase === 'working' || lists.data === undefined || existing.loading}
          onRun={async () => {
            setTouched(true)
            if (count === 0) setConfirming(true)
          }}
        >
          {t('service.pub.submit')}
        </ActionButton>
      </div>
      {confirming && (
        <PublishConfirm
          f={f}
          nextVersion={nextVersion}
          onClose={() => setConfirming(false)}
          onConfirm={async () => {
            setConfirming(false)
            void publish(resources)
          }}
        />
      )}
    </Card>
  )
}

const partRow = (x: ItemView): PartRow => ({ code: x.code, title: x.title, titleEn: x.titleEn, ownerOrg: x.ownerOrg })

/**
 * The items a one-thing bundles: the chosen ones in order, each removable, and a search (code or
 * title, the hall's own query) offering the active single items not chosen yet.
 */
function PartsPicker({
  code,
  parts,
  onChange,
  problem,
}: {
  code: string
  parts: PartRow[]
  onChange: (parts: PartRow[]) => void
  problem: ReactNode
}) {
  const { t, lang, client, orgName } = useApp()
  const [q, setQ] = useState('')
  const found = useLoad(async () => {
    if (q.trim() === '') return []
    const page = await callAnswer(client.url, 'GET', `/v1/service/items${qs({ q: q.trim(), limit: 20 })}`, ItemPage)
    return page.items
  }, [q])
  const title = (x: PartRow) => (lang === 'zh' ? x.title : x.titleEn)
  const offered = (found.data ?? []).filter(
    (x) => x.status === 'active' && x.parts.length === 0 && x.code !== code && !parts.some((p) => p.code === x.code),
  )
  return (
    <fieldset data-testid="pub-parts">
      <legend>{t('service.pub.parts')}</legend>
      <p className="small muted">{t('service.pub.bundleNote')}</p>
      <ol>
        {parts.map((x) => (
          <li key={x.code} data-testid={`pub-part-${x.code}`}>
            {x.code}《{title(x)}》（{orgName(x.ownerOrg)}）{' '}
            <button
              type="button"
              className="btn btn-small"
              onClick={() => onChange(parts.filter((p) => p.code !== x.code))}
            >
              {t('service.pub.remove')}
            </button>
          </li>
        ))}
      </ol>
      {problem}
      {parts.length < SERVICE_LIMITS.partsPerItem && (
        <label className="field">
          {t('service.pub.partSearch')}
          <input value={q} data-testid="pub-part-search" onChange={(e) => setQ(e.target.value)} />
        </label>
      )}
      <ErrorBox error={found.error} />
      {q.trim() !== '' && found.data !== undefined && offered.length === 0 && (
        <p className="small muted" data-testid="pub-part-none">
          {t('service.pub.partNone')}
        </p>
      )}
      <ul className="plain">
        {offered.map((x) => (
          <li key={x.code}>
            {x.code}《{lang === 'zh' ? x.title : x.titleEn}》（{orgName(x.ownerOrg)}）{' '}
            <button
              type="button"
              className="btn btn-small"
              data-testid={`pub-part-add-${x.code}`}
              onClick={() => onChange([...parts, partRow(x)])}
            >
              {t('service.pub.partAdd')}
            </button>
          </li>
        ))}
      </ul>
    </fieldset>
  )
}
