/** Entry: loads /config.json, then renders the shell and the page for the current path. */
import { type ReactNode, StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { AppProvider, useApp } from './app.tsx'
import { loadConfig } from './config.ts'
import { BlockPage, TxPage } from './pages/Block.tsx'
import { ExplorerPage } from './pages/Explorer.tsx'
import { HomePage } from './pages/Home.tsx'
import { IssuerPage } from './pages/Issuer.tsx'
import { LoginPage } from './pages/Login.tsx'
import { SharingPage } from './pages/Sharing.tsx'
import { VerifyPage } from './pages/Verify.tsx'
import { WalletPage } from './pages/Wallet.tsx'
import './styles.css'
import { Link } from './ui.tsx'

function route(path: string): ReactNode {
  const p = path.replace(/\/+$/, '') || '/'
  if (p === '/') return <HomePage />
  if (p === '/explorer') return <ExplorerPage />
  const block = /^\/explorer\/block\/(\d{1,15})$/.exec(p)
  if (block !== null) return <BlockPage height={Number(block[1])} />
  const tx = /^\/explorer\/tx\/([0-9a-fA-F]{64})$/.exec(p)
  if (tx !== null) return <TxPage hash={tx[1]!.toLowerCase()} />
  if (p === '/verify') return <VerifyPage />
  if (p === '/wallet') return <WalletPage />
  if (p === '/issuer') return <IssuerPage />
  if (p === '/sharing' || p.startsWith('/sharing/'))
    return <SharingPage tab={p.slice('/sharing/'.length) || 'catalog'} />
  if (p === '/login') return <LoginPage />
  return <HomePage />
}

const NAV: { to: string; key: Parameters<ReturnType<typeof useApp>['t']>[0] }[] = [
  { to: '/', key: 'nav.home' },
  { to: '/verify', key: 'nav.verify' },
  { to: '/wallet', key: 'nav.wallet' },
  { to: '/issuer', key: 'nav.issuer' },
  { to: '/sharing', key: 'nav.sharing' },
  { to: '/explorer', key: 'nav.explorer' },
]

function Shell() {
  const app = useApp()
  const { t, lang, setLang, identity, path } = app
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`))
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
                <button type="button" className="linklike" onClick={() => app.setIdentity(undefined)}>
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
        <nav className="mainnav" aria-label="main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} className={active(n.to) ? 'active' : ''} testId={`nav-${n.to.slice(1) || 'home'}`}>
                  {t(n.key)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {route(path)}
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
        <AppProvider config={config}>
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
