/** Landing page: the services (the applications' pages, then the explorer), and the network at a glance. */
import { Card, KV, Link, navPages, type Text } from '@govchain/portal-kit'
import { useEffect, useState } from 'react'
import { APP_PAGES } from '../composition.ts'
import { useApp } from '../messages.ts'

const HEIGHT_POLL_MS = 2000

export function HomePage() {
  const { t, lang, config, orgName, identity, client } = useApp()
  const text = (x: Text) => (lang === 'zh' ? x.zh : x.en)
  const services = [
    ...navPages(APP_PAGES, identity).map((p) => ({
      to: p.path as string,
      title: text(p.nav!.label),
      desc: text(p.nav!.description),
      icon: p.nav!.icon,
    })),
    { to: '/explorer', title: t('nav.explorer'), desc: t('home.explorer.desc'), icon: '链' },
  ]
  // The chain's height through the fail-over client: the explorer's per-node view (and the
  // search code it brings) stays out of the home page's first load (issue 15, page weight).
  const [height, setHeight] = useState(0)
  useEffect(() => {
    let live = true
    const poll = () =>
      client.status().then(
        (s) => live && setHeight((h) => Math.max(h, s.height)),
        () => {},
      )
    void poll()
    const timer = setInterval(poll, HEIGHT_POLL_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [client])
  return (
    <div className="page">
      <section className="hero">
        <h1>{t('home.welcome')}</h1>
        <p>{t('home.lead')}</p>
      </section>
      <div className="services">
        {services.map((s) => (
          <Link key={s.to} to={s.to} className="service" testId={`service-${s.to.slice(1)}`}>
            <span className="service-icon" aria-hidden="true">
              {s.icon}
            </span>
            <span className="service-title">{s.title}</span>
            <span className="service-desc">{s.desc}</span>
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
