/** Small presentational pieces shared by the pages. */
import { type KeyboardEvent, type MouseEvent, type ReactNode, useEffect, useRef, useState } from 'react'
import { useApp } from './app.tsx'

export function Link({
  to,
  children,
  className,
  testId,
  current,
}: {
  to: string
  children: ReactNode
  className?: string
  testId?: string
  /** The page shown now: marked for assistive technology (aria-current="page"). */
  current?: boolean
}) {
  const { navigate } = useApp()
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(to)
  }
  return (
    <a
      href={to}
      onClick={onClick}
      className={className}
      data-testid={testId}
      aria-current={current ? 'page' : undefined}
    >
      {children}
    </a>
  )
}

export function Card({
  title,
  children,
  actions,
  testId,
}: {
  title?: ReactNode
  children: ReactNode
  actions?: ReactNode
  testId?: string
}) {
  return (
    <section className="card" data-testid={testId}>
      {(title !== undefined || actions !== undefined) && (
        <header className="card-head">
          {title !== undefined && <h2>{title}</h2>}
          {actions !== undefined && <div className="card-actions">{actions}</div>}
        </header>
      )}
      <div className="card-body">{children}</div>
    </section>
  )
}

/** A definition list of label → value rows. */
export function KV({ rows, testId }: { rows: [ReactNode, ReactNode][]; testId?: string }) {
  return (
    <dl className="kv" data-testid={testId}>
      {rows.map(([k, v], i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are static per render
        <div className="kv-row" key={i}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  )
}

/** A hash or key in monospace; shortened unless `full`, with the whole value as a tooltip. */
export function Hash({ value, full, to }: { value: string; full?: boolean; to?: string }) {
  const text = full || value.length <= 20 ? value : `${value.slice(0, 10)}…${value.slice(-8)}`
  const inner = (
    <code className="hash" title={value}>
      {text}
    </code>
  )
  return to === undefined ? inner : <Link to={to}>{inner}</Link>
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted'

export function Badge({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  )
}

export function ErrorBox({ error, testId }: { error: unknown; testId?: string }) {
  const { errText, t } = useApp()
  if (error === undefined || error === null) return null
  return (
    <div className="alert alert-bad" role="alert" data-testid={testId ?? 'error'}>
      <strong>{t('common.error')}</strong> {errText(error)}
    </div>
  )
}

export function Notice({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'bad' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  )
}

export function Loading() {
  const { t } = useApp()
  return (
    <p className="muted" aria-busy="true">
      {t('common.loading')}
    </p>
  )
}

export function formatTime(ms: number, lang: 'zh' | 'en'): string {
  if (!Number.isFinite(ms) || ms <= 0) return '—'
  return new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false })
}

export function formatDate(ms: number, lang: 'zh' | 'en'): string {
  if (!Number.isFinite(ms) || ms <= 0) return '—'
  return new Date(ms).toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB')
}

/** Runs an async loader on mount and whenever `deps` change; keeps the last result. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  })
  const [tick, setTick] = useState(0)
  // Data stays current without 刷新 (issue 15, Feedback): after a transaction of this page
  // commits, and when the visitor comes back to the tab.
  const { committed } = useApp()
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') setTick((n) => n + 1)
    }
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [])
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists the loader's inputs
  useEffect(() => {
    let live = true
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    )
    return () => {
      live = false
    }
  }, [...deps, tick, committed])
  return { ...state, reload: () => setTick((n) => n + 1) }
}

/** A button that runs an async action, shows progress, and reports the error or success. */
export function ActionButton({
  onRun,
  children,
  kind,
  testId,
  disabled,
  onError,
}: {
  onRun: () => Promise<void>
  children: ReactNode
  kind?: 'primary' | 'danger' | 'plain'
  testId?: string
  disabled?: boolean
  onError?: (e: unknown) => void
}) {
  const [busy, setBusy] = useState(false)
  return (
    <button
      type="button"
      className={`btn btn-${kind ?? 'plain'}`}
      disabled={busy || disabled}
      aria-busy={busy}
      data-testid={testId}
      onClick={() => {
        setBusy(true)
        onRun()
          .catch((e: unknown) => onError?.(e))
          .finally(() => setBusy(false))
      }}
    >
      {children}
    </button>
  )
}

export function CopyButton({ text }: { text: string }) {
  const { t } = useApp()
  const [done, setDone] = useState(false)
  return (
    <button
      type="button"
      className="btn btn-plain btn-small"
      onClick={() => {
        navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true)
            setTimeout(() => setDone(false), 1500)
          },
          () => {},
        )
      }}
    >
      {done ? t('common.copied') : t('common.copy')}
    </button>
  )
}

/** What Tab moves between inside a dialog. */
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/**
 * A modal dialog (WAI-ARIA dialog pattern): it takes focus (its first control, or `initialFocus`),
 * keeps it (Tab and Shift+Tab wrap; focus that lands outside comes back), closes on Escape, and
 * gives focus back to what had it when it opened.
 */
export function Modal({
  labelledBy,
  label,
  onClose,
  children,
  testId,
}: {
  /** The id of the dialog's heading. */
  labelledBy?: string
  /** The dialog's name when it has no heading. */
  label?: string
  onClose: () => void
  children: ReactNode
  testId?: string
}) {
  const box = useRef<HTMLDivElement>(null)
  const close = useRef(onClose)
  close.current = onClose
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    const el = box.current
    const first = () => el?.querySelector<HTMLElement>(FOCUSABLE) ?? el
    first()?.focus()
    // Focus that leaves the dialog (a click on the backdrop, a script) comes back to it.
    const onFocusIn = (e: FocusEvent) => {
      if (el !== null && e.target instanceof Node && !el.contains(e.target)) first()?.focus()
    }
    document.addEventListener('focusin', onFocusIn)
    return () => {
      document.removeEventListener('focusin', onFocusIn)
      opener?.focus()
    }
  }, [])
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.stopPropagation()
      close.current()
      return
    }
    if (e.key !== 'Tab' || box.current === null) return
    const items = Array.from(box.current.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
      (x) => x.offsetParent !== null || x === document.activeElement,
    )
    if (items.length === 0) {
      e.preventDefault()
      return
    }
    const [head, tail] = [items[0]!, items[items.length - 1]!]
    if (e.shiftKey && (document.activeElement === head || document.activeElement === box.current)) {
      e.preventDefault()
      tail.focus()
    } else if (!e.shiftKey && document.activeElement === tail) {
      e.preventDefault()
      head.focus()
    }
  }
  return (
    <div className="modal-back">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={labelledBy}
        aria-label={labelledBy === undefined ? label : undefined}
        data-testid={testId}
        ref={box}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </div>
  )
}

/**
 * A confirmation dialog for an action that cannot be undone with one click (issue 15 item 4): it
 * says what will happen and to what (`summary`), holds the action's own form (`children`: reason
 * codes fit for that action), and runs `onConfirm` only from its confirm button, enabled once
 * `canConfirm`. Modal (see Modal): it takes focus, keeps it, closes on Escape and gives focus back.
 */
export function ConfirmDialog({
  title,
  summary,
  children,
  confirmLabel,
  danger,
  canConfirm = true,
  onConfirm,
  onClose,
  testId = 'confirm',
}: {
  title: ReactNode
  summary: ReactNode
  children?: ReactNode
  confirmLabel: ReactNode
  danger?: boolean
  canConfirm?: boolean
  onConfirm: () => Promise<void>
  onClose: () => void
  testId?: string
}) {
  const { t } = useApp()
  const [error, setError] = useState<unknown>()
  return (
    <Modal labelledBy={`${testId}-title`} onClose={onClose} testId={testId}>
      <h3 id={`${testId}-title`}>{title}</h3>
      <p className={danger ? 'alert alert-bad' : 'alert'} data-testid={`${testId}-summary`}>
        {summary}
      </p>
      {children}
      <ErrorBox error={error} />
      <div className="btn-row">
        <ActionButton
          kind={danger ? 'danger' : 'primary'}
          testId={`${testId}-yes`}
          disabled={!canConfirm}
          onError={setError}
          onRun={async () => {
            await onConfirm()
            onClose()
          }}
        >
          {confirmLabel}
        </ActionButton>
        <button type="button" className="btn" onClick={onClose} data-testid={`${testId}-cancel`}>
          {t('common.cancel')}
        </button>
      </div>
    </Modal>
  )
}

/**
 * The shell's feedback line (issue 15, Feedback): "正在上链…" while a transaction this page
 * submitted is on its way to a block, then a toast saying it is in block H. A polite live
 * region, so screen readers hear both.
 */
export function Feedback() {
  const { t, pending, toasts, dismissToast } = useApp()
  return (
    <div className="feedback" role="status" aria-live="polite" data-testid="feedback">
      {pending > 0 && (
        <div className="toast toast-busy" data-testid="tx-progress">
          <span className="spinner" aria-hidden="true" /> {t('common.working')}
        </div>
      )}
      {toasts.map((x) => (
        <div className="toast toast-ok" key={x.id} data-testid="toast">
          <span>{x.text}</span>
          <button
            type="button"
            className="toast-close"
            aria-label={t('common.close')}
            onClick={() => dismissToast(x.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  )
}

/**
 * Card lists instead of wide tables on a phone (issue 15, Phones): labels every body cell of the
 * tables under `root` with its column's heading (data-label), which the narrow-screen style shows
 * beside the value when a row becomes a card. Follows the tables as pages render and re-render.
 */
export function useCardTables(root: () => HTMLElement | null): void {
  useEffect(() => {
    const el = root()
    if (el === null) return
    const label = () => {
      for (const table of Array.from(el.querySelectorAll('table'))) {
        const heads = Array.from(table.querySelectorAll('thead tr:last-child th')).map((th) =>
          (th.textContent ?? '').trim(),
        )
        if (heads.length === 0) continue
        table.classList.add('cards')
        for (const row of Array.from(table.querySelectorAll('tbody tr'))) {
          let col = 0
          for (const cell of Array.from(row.children)) {
            const text = heads[col] ?? ''
            if (cell.getAttribute('data-label') !== text) cell.setAttribute('data-label', text)
            col += Number((cell as HTMLTableCellElement).colSpan) || 1
          }
        }
      }
    }
    label()
    let queued = false
    const observer = new MutationObserver(() => {
      if (queued) return
      queued = true
      requestAnimationFrame(() => {
        queued = false
        label()
      })
    })
    observer.observe(el, { childList: true, subtree: true, characterData: true })
    return () => observer.disconnect()
  }, [root])
}
