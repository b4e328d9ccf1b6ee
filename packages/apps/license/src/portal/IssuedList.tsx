/**
 * The issuer console's list of issued licences (issue 15, Lists): the node filters by issuing
 * department, type, status and issue date and pages by cursor; "more" loads the next page and the
 * CSV export walks every page of the same filter. The console opens on the officer's own
 * department (the node's `issuer` filter); the department picker shows another's (licence records
 * hold nothing personal), and the type filter narrows it to one licence type.
 */
import {
  Card,
  DateRange,
  dayBoundsMs,
  ErrorBox,
  formatDate,
  formatTime,
  ListFooter,
  Loading,
  usePagedList,
} from '@govchain/portal-kit'
import { type ReactNode, useState } from 'react'
import { EFFECTIVE_STATUSES } from '../views.ts'
import { type License, type LicenseType, licenseApi } from './api.ts'
import { tMaybe, useApp } from './messages.ts'

/** Licences a page of the console shows; the export asks for the node's largest page. */
const PAGE_SIZE = 20
const EXPORT_PAGE_SIZE = 200

export function IssuedList({
  org,
  types,
  tick,
  children,
}: {
  org: string
  types: Map<string, LicenseType>
  /** Moves when the console issued or changed a licence: the list starts again. */
  tick: number
  children: (items: License[]) => ReactNode
}) {
  const { t, lang, client, orgName, config } = useApp()
  const [dept, setDept] = useState(org)
  const [status, setStatus] = useState('')
  const [type, setType] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const filter = {
    issuer: dept,
    ...(type === '' ? {} : { type }),
    ...(status === '' ? {} : { status }),
    ...dayBoundsMs(from, to),
  }
  const page = (limit: number) => (after: string | undefined) =>
    licenseApi.list(client.url, { ...filter, limit, ...(after === undefined ? {} : { after }) })
  const list = usePagedList(page(PAGE_SIZE), [client, dept, type, status, from, to, tick])
  const typeName = (code: string) => {
    const ty = types.get(code)
    return ty === undefined ? code : lang === 'zh' ? ty.name : ty.nameEn
  }
  const theirs = [...types.values()].filter((x) => x.issuers.includes(dept))
  // The officer's own department first, then the others in the configuration's order.
  const depts = [org, ...config.organisations.map((o) => o.id).filter((id) => id !== org)]
  return (
    <Card title={t('issuer.list')} testId="issued-list">
      <div className="filters" data-testid="issued-filters">
        <label>
          {t('list.department')}
          <select
            value={dept}
            onChange={(e) => {
              setDept(e.target.value)
              setType('')
            }}
            data-testid="issued-filter-department"
          >
            {depts.map((id) => (
              <option key={id} value={id}>
                {orgName(id)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('lic.type')}
          <select value={type} onChange={(e) => setType(e.target.value)} data-testid="issued-filter-type">
            <option value="">{t('issuer.allTypes')}</option>
            {theirs.map((x) => (
              <option key={x.code} value={x.code}>
                {typeName(x.code)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('lic.status')}
          <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="issued-filter-status">
            <option value="">{t('list.allStatuses')}</option>
            {EFFECTIVE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {tMaybe(lang, `lic.status.${s}`, s)}
              </option>
            ))}
          </select>
        </label>
        <DateRange
          from={from}
          to={to}
          testId="issued-filter"
          onChange={(f, tt) => {
            setFrom(f)
            setTo(tt)
          }}
        />
      </div>
      <ErrorBox error={list.error} />
      {list.items === undefined ? <Loading /> : children(list.items)}
      <ListFooter
        list={list}
        testId="issued"
        exportPage={page(EXPORT_PAGE_SIZE)}
        fileName={`licences-${dept}.csv`}
        columns={[
          t('lic.id'),
          t('lic.type'),
          t('lic.holder'),
          t('lic.issuer'),
          t('lic.status'),
          t('lic.issuedAt'),
          t('lic.validFrom'),
          t('lic.validUntil'),
          t('lic.version'),
        ]}
        row={(l: License) => [
          l.id,
          typeName(l.typeCode),
          l.holder,
          orgName(l.issuerOrg),
          tMaybe(lang, `lic.status.${l.effectiveStatus}`, l.effectiveStatus),
          formatTime(l.issuedTimeMs, lang),
          formatDate(l.validFromMs, lang),
          l.validUntilMs === 0 ? t('issuer.longTermShort') : formatDate(l.validUntilMs, lang),
          String(l.version),
        ]}
      />
    </Card>
  )
}
