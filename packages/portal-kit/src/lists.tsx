/**
 * Server-paged lists (issue 15, Lists): the node filters and pages by cursor; the page shows a
 * "more" button and a CSV export that walks every page with its progress shown. A filtered page
 * may come back short, even empty, with a cursor: the list goes on until the cursor is null, so
 * nothing stops silently. The CSV itself is @govchain/client's toCsv (RFC 4180, UTF-8 with a
 * byte order mark, formula cells guarded), the one writer of every export.
 */
import { toCsv } from '@govchain/client'
import { GovchainError } from '@govchain/core'
import { useEffect, useState } from 'react'
import { useApp } from './app.tsx'
import { ActionButton, ErrorBox } from './ui.tsx'

export interface ListPage<T> {
  items: T[]
  next: string | null
}

/** Rows an export walks at most; past that the visitor narrows the filter (a coded error says so). */
export const EXPORT_ROWS_MAX = 100_000
/** Requests one "more" makes at most while the filter skips everything on the way. */
const EMPTY_PAGES_MAX = 20

/** Offers a text as a file download (the CSV and proof-bundle exports). */
export function downloadText(name: string, text: string, type: string): void {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(new Blob([text], { type }))
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

/** A date input's value (YYYY-MM-DD, the visitor's own day) as the first and last ms of that day. */
export function dayBoundsMs(from: string, to: string): { fromMs?: number; toMs?: number } {
  const day = (s: string, plus: number): number | undefined => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
    return m === null ? undefined : new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plus).getTime()
  }
  const f = day(from, 0)
  const t = day(to, 1)
  return { ...(f === undefined ? {} : { fromMs: f }), ...(t === undefined ? {} : { toMs: t - 1 }) }
}

/** Every item of a list, page after page until the cursor is null; `progress` hears the count. */
export async function walkPages<T>(
  page: (after: string | undefined) => Promise<ListPage<T>>,
  progress: (rows: number) => void,
): Promise<T[]> {
  const all: T[] = []
  let after: string | undefined
  for (;;) {
    const p = await page(after)
    all.push(...p.items)
    progress(all.length)
    if (p.next === null) return all
    if (all.length > EXPORT_ROWS_MAX)
      throw new GovchainError('INVALID_ARGUMENT', `more than ${EXPORT_ROWS_MAX} rows: narrow the filter`)
    after = p.next
  }
}

/**
 * A list paged on the node: the first page whenever `deps` change (or a transaction of this page
 * commits), `more()` for the next. Pages the filter left empty are walked through, so an empty
 * list means the end, not a stop on the way.
 */
export function usePagedList<T>(
  page: (after: string | undefined) => Promise<ListPage<T>>,
  deps: readonly unknown[],
): { items: T[] | undefined; next: string | null; error: unknown; more: () => Promise<void>; reload: () => void } {
  const { committed } = useApp()
  const [state, setState] = useState<{ items: T[] | undefined; next: string | null; error: unknown }>({
    items: undefined,
    next: null,
    error: undefined,
  })
  const [tick, setTick] = useState(0)
  /** At least one item, or the end: skips pages the filter left empty. */
  const fill = async (after: string | undefined): Promise<ListPage<T>> => {
    let p = await page(after)
    for (let n = 1; p.items.length === 0 && p.next !== null && n < EMPTY_PAGES_MAX; n++) p = await page(p.next)
    return p
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists the loader's inputs
  useEffect(() => {
    let live = true
    fill(undefined).then(
      (p) => live && setState({ items: p.items, next: p.next, error: undefined }),
      (error: unknown) => live && setState({ items: [], next: null, error }),
    )
    return () => {
      live = false
    }
  }, [...deps, tick, committed])
  return {
    ...state,
    more: async () => {
      if (state.next === null) return
      const p = await fill(state.next)
      setState((s) => ({ items: [...(s.items ?? []), ...p.items], next: p.next, error: undefined }))
    },
    reload: () => setTick((n) => n + 1),
  }
}

/**
 * The rest of a list whose first page came inside another answer (a case's steps, a licence's
 * uses): `items` is that page and the pages `load()` appended after it, `next` the cursor still to
 * follow (null once the list is whole). A new first page starts over.
 */
export function useMorePages<T>(
  first: ListPage<T>,
  page: (after: string) => Promise<ListPage<T>>,
): { items: T[]; next: string | null; load: () => Promise<void> } {
  const [more, setMore] = useState<ListPage<T>>({ items: [], next: first.next })
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new first page (new items) starts over
  useEffect(() => setMore({ items: [], next: first.next }), [first.items, first.next])
  return {
    items: more.items.length === 0 ? first.items : [...first.items, ...more.items],
    next: more.next,
    load: async () => {
      if (more.next === null) return
      const p = await page(more.next)
      setMore((m) => ({ items: [...m.items, ...p.items], next: p.next }))
    },
  }
}

/** The "more" button of a useMorePages list, with its error; nothing once the list is whole. */
export function MoreButton({
  list,
  testId,
}: {
  list: { next: string | null; load: () => Promise<void> }
  testId: string
}) {
  const { t } = useApp()
  const [error, setError] = useState<unknown>()
  if (list.next === null) return null
  return (
    <>
      <ActionButton testId={testId} onError={setError} onRun={list.load}>
        {t('common.more')}
      </ActionButton>
      <ErrorBox error={error} />
    </>
  )
}

/** "From … to …" date inputs (the visitor's days; the node filters on block time). */
export function DateRange({
  from,
  to,
  onChange,
  testId,
}: {
  from: string
  to: string
  onChange: (from: string, to: string) => void
  testId: string
}) {
  const { t } = useApp()
  return (
    <>
      <label>
        {t('list.from')}
        <input type="date" value={from} onChange={(e) => onChange(e.target.value, to)} data-testid={`${testId}-from`} />
      </label>
      <label>
        {t('list.to')}
        <input type="date" value={to} onChange={(e) => onChange(from, e.target.value)} data-testid={`${testId}-to`} />
      </label>
    </>
  )
}

/** The "more" button under a list and the CSV export of all its pages, with progress shown. */
export function ListFooter<T>({
  list,
  exportPage,
  columns,
  row,
  fileName,
  testId,
}: {
  list: { items: T[] | undefined; next: string | null; more: () => Promise<void> }
  /** One page of the export: the same filter, a large page. */
  exportPage: (after: string | undefined) => Promise<ListPage<T>>
  columns: readonly string[]
  row: (item: T) => string[]
  fileName: string
  testId: string
}) {
  const { t } = useApp()
  const [error, setError] = useState<unknown>()
  const [progress, setProgress] = useState<{ rows: number; done: boolean }>()
  return (
    <>
      <div className="actions">
        {list.items !== undefined && list.next !== null && (
          <ActionButton testId={`${testId}-more`} onError={setError} onRun={list.more}>
            {t('common.more')}
          </ActionButton>
        )}
        <ActionButton
          testId={`${testId}-export`}
          onError={setError}
          onRun={async () => {
            setError(undefined)
            setProgress({ rows: 0, done: false })
            const all = await walkPages(exportPage, (rows) => setProgress({ rows, done: false }))
            downloadText(fileName, toCsv(columns, all.map(row)), 'text/csv;charset=utf-8')
            setProgress({ rows: all.length, done: true })
          }}
        >
          {t('list.exportCsv')}
        </ActionButton>
        {progress !== undefined && (
          <span className="muted small" role="status" data-testid={`${testId}-progress`}>
            {t(progress.done ? 'list.exported' : 'list.exporting', { n: progress.rows })}
          </span>
        )}
      </div>
      <ErrorBox error={error} />
    </>
  )
}
