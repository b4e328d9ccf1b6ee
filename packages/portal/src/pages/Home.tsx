/** Landing page: the services, and the network at a glance. */
import { useApp } from '../app.tsx'
import type { MessageKey } from '../i18n.ts'
import { Card, KV, Link } from '../ui.tsx'
import { useNodeHealth } from './Explorer.tsx'

const SERVICES: { to: string; title: MessageKey; desc: MessageKey; icon: string }[] = [
  { to: '/verify', title: 'nav.verify', desc: 'home.verify.desc', icon: '验' },
  { to: '/wallet', title: 'nav.wallet', desc: 'home.wallet.desc', icon: '证' },
  { to: '/issuer', title: 'nav.issuer', desc: 'home.issuer.desc', icon: '发' },
  { to: '/sharing', title: 'nav.sharing', desc: 'home.sharing.desc', icon: '享' },
  { to: '/explorer', title: 'nav.explorer', desc: 'home.explorer.desc', icon: '链' },
]

export function HomePage() {
  const { t, config, orgName } = useApp()
  const health = useNodeHealth()
  const height = Math.max(0, ...health.map((h) => h.status?.height ?? 0))
  return (
    <div className="page">
      <section className="hero">
        <h1>{t('home.welcome')}</h1>
        <p>{t('home.lead')}</p>
      </section>
      <div className="services">
        {SERVICES.map((s) => (
          <Link key={s.to} to={s.to} className="service" testId={`service-${s.to.slice(1)}`}>
            <span className="service-icon" aria-hidden="true">
              {s.icon}
            </span>
            <span className="service-title">{t(s.title)}</span>
            <span className="service-desc">{t(s.desc)}</span>
          </Link>
        ))}
      </div>
      <Card title={t('home.network')}>
        <KV
          rows={[
            [t('home.chain'), <code key="c">{config.chainId}</code>],
            [t('home.suite'), t(config.suite === 'gm' ? 'home.suite.gm' : 'home.suite.intl')],
            [
              t('common.height'),
              <span key="h" data-testid="home-height">
                {height || '—'}
              </span>,
            ],
            [t('home.departments'), config.nodes.map((n) => orgName(n.orgId)).join('、')],
          ]}
        />
      </Card>
    </div>
  )
}
