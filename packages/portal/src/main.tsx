/**
 * Entry: loads /config.json, then renders the shell and the page for the current path. The
 * chain-level pages are the portal's; the applications' pages come from the composition list.
 */
import {
  ActionButton,
  AppProvider,
  ErrorBox,
  Feedback,
  Link,
  Loading,
  loadConfig,
  matchPage,
  navPages,
  type Text,
  useCardTables,
} from '@govchain/portal-kit'
import { lazy, type ReactNode, StrictMode, Suspense, useCallback, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { APP_PAGES } from './composition.ts'
import { useApp } from './messages.ts'
import { HomePage } from './pages/Home.tsx'
import './styles.css'

/** A search path segment as typed (a malformed escape is searched as it stands). */
function decodeSearch(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

// Page weight (issue 15): the home page comes with the entry; every other page is its own chunk,
// loaded when first visited.
const ExplorerPage = lazy(() => import('./pages/Explorer.tsx').then((m) => ({ default: m.ExplorerPage })))
const BlockPage = lazy(() => import('./pages/Block.tsx').then((m) => ({ default: m.BlockPage })))
const TxPage = lazy(() => import('./pages/Block.tsx').then((m) => ({ default: m.TxPage })))
const LoginPage = lazy(() => import('./pages/Login.tsx').then((m) => ({ default: m.LoginPage })))
const OpsPage = lazy(() => import('./pages/Ops.tsx').then((m) => ({ default: m.OpsPage })))
// The error codes' names (ADR 0042) for every error box: loaded once after the first render.
const errorLabels = () => import('@govchain/distribution/labels').then((m) => m.errorLabel)

function route(path: string): ReactNode {
  const p = path.replace(/\/+$/, '') || '/'
  if (p === '/') return <HomePage />
  if (p === '/explorer') return <ExplorerPage />
  const search = /^\/explorer\/search\/([^/]{1,600})$/.exec(p)
  if (search !== null) return <ExplorerPage query={decodeSearch(search[1]!)} />
  const block = /^\/explorer\/block\/(\d{1,15})$/.exec(p)
  if (block !== null) return <BlockPage height={Number(block[1])} />
  const tx = /^\/explorer\/tx\/([0-9a-fA-F]{64})$/.exec(p)
  if (tx !== null) return <TxPage hash={tx[1]!.toLowerCase()} />
  if (p === '/login') return <LoginPage />
  if (p === '/ops') return <OpsPage />
  const app = matchPage(APP_PAGES, p)
  if (app !== undefined) {
    const Page = app.page.component
    return <Page subpath={app.subpath} />
  }
  return <HomePage />
}

/** After a reload with a passphrase-kept key: the session is there, signing waits for the passphrase. */
function UnlockBar() {
  const app = useApp()
  const { t } = app
  const [passphrase, setPassphrase] = useState('')
  const [error, setError] = useState<unknown>(undefined)
  return (
    <section className="failover" aria-label={t('unlock.passphrase')} data-testid="unlock-bar">
      <span>{t('unlock.notice')}</span> <label htmlFor="unlock-passphrase">{t('unlock.passphrase')}</label>{' '}
      <input
        id="unlock-passphrase"
        type="password"
        autoComplete="current-password"
        value={passphrase}
        onChange={(e) => setPassphrase(e.target.value)}
        data-testid="unlock-passphrase"
      />{' '}
      <ActionButton
        kind="primary"
        testId="unlock-submit"
        disabled={passphrase === ''}
        onError={setError}
        onRun={async () => {
          setError(undefined)
          await app.unlockSession(passphrase)
          setPassphrase('')
        }}
      >
        {t('unlock.submit')}
      </ActionButton>
      {error !== undefined && <ErrorBox error={error} />}
    </section>
  )
}

function Shell() {
  const app = useApp()
  const { t, lang, setLang, identity, path } = app
  const text = (x: Text) => (lang === 'zh' ? x.zh : x.en)
  const nav = [
    { to: '/', label: t('nav.home') },
    ...navPages(APP_PAGES, identity).map((p) => ({ to: p.path as string, label: text(p.nav!.label) })),
    { to: '/explorer', label: t('nav.explorer') },
    // The operations console: for a department's administrators.
    ...(identity?.kind === 'officer' && (identity.roles ?? []).includes('admin')
      ? [{ to: '/ops', label: t('nav.ops') }]
      : []),
  ]
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`))
  // Phones (issue 15): the navigation folds behind a menu button; choosing a page folds it again.
  const [menuOpen, setMenuOpen] = useState(false)
  // biome-ignore lint/correctness/useExhaustiveDependencies: folds on every change of page
  useEffect(() => setMenuOpen(false), [path])
  // The root, not main: main is keyed by the retry count and may be replaced.
  useCardTables(useCallback(() => document.getElementById('root'), []))
  return (
    <>
      <a className="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand">
            <span className="emblem" aria-hidden="true">
              政
            </span>
            <span>
              <span className="brand-title">{t('app.title')}</span>
              <span className="brand-sub">{t('app.subtitle')}</span>
            </span>
          </Link>
          <div className="topbar-tools">
            {identity !== undefined ? (
              <span className="who" data-testid="current-identity">
                {t('login.as')}：<strong>{lang === 'zh' ? identity.name : identity.nameEn}</strong>{' '}
                <button type="button" className="linklike" onClick={() => void app.setIdentity(undefined)}>
                  {t('nav.logout')}
                </button>
              </span>
            ) : (
              <Link to="/login" className="login-link" testId="login-link">
                {t('nav.login')}
              </Link>
            )}
            <button
              type="button"
              className="lang"
              onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
              data-testid="lang-switch"
              lang={lang === 'zh' ? 'en' : 'zh'}
            >
              {t('nav.lang')}
            </button>
          </div>
        </div>
        <nav className={`mainnav${menuOpen ? ' open' : ''}`} aria-label={t('nav.main')}>
          <button
            type="button"
            className="nav-toggle"
            aria-expanded={menuOpen}
            aria-controls="mainnav-list"
            onClick={() => setMenuOpen((o) => !o)}
            data-testid="nav-toggle"
          >
            <span className="burger" aria-hidden="true" />
            {t('nav.menu')}
            <span className="nav-current">{nav.find((n) => active(n.to))?.label}</span>
          </button>
          <ul id="mainnav-list">
            {nav.map((n) => (
              <li key={n.to}>
                <Link
                  to={n.to}
                  className={active(n.to) ? 'active' : ''}
                  current={active(n.to)}
                  testId={`nav-${n.to.slice(1) || 'home'}`}
                >
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      {app.config.demo && (
        <div className="demo-banner" role="note" data-testid="demo-banner">
          {t('demo.banner')}
        </div>
      )}
      {app.failover !== undefined && (
        <div className="failover" role="status" data-testid="failover-banner">
          <span>
            {t(app.failover.behind ? 'failover.behind' : 'failover.notice', {
              from: app.failover.from,
              to: app.failover.to,
            })}
          </span>{' '}
          <button type="button" className="linklike" data-testid="failover-retry" onClick={() => void app.retry()}>
            {t('failover.retry')}
          </button>
        </div>
      )}
      {app.locked && <UnlockBar />}
      <Feedback />
      <main id="main" tabIndex={-1} key={app.reloadKey}>
        <Suspense fallback={<Loading />}>{route(path)}</Suspense>
      </main>
      <footer className="footer">
        <p>{t('footer.text')}</p>
        <p className="muted small">
          {app.config.chainId} · {app.config.suite} · govchain
        </p>
      </footer>
    </>
  )
}

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root')!)
  try {
    const config = await loadConfig()
    root.render(
      <StrictMode>
        <AppProvider config={config} errorLabels={errorLabels}>
          <Shell />
        </AppProvider>
      </StrictMode>,
    )
  } catch (e) {
    root.render(
      <div className="fatal" role="alert">
        <h1>政务区块链服务平台</h1>
        <p>无法加载配置 / Cannot load the portal configuration: {(e as Error).message}</p>
      </div>,
    )
  }
}

void start()
