/** Demo login: pick one of the identities the local demo server offers. */
import { Card, type DemoIdentity, Hash, type IdentityKind, Notice } from '@govchain/portal-kit'
import { tMaybe, useApp } from '../messages.ts'

const KINDS: IdentityKind[] = ['citizen', 'enterprise', 'officer']

export function LoginPage() {
  const { t, lang, config, identity, setIdentity, navigate, orgName } = useApp()
  const pick = (i: DemoIdentity) => {
    setIdentity(i.id)
    const roles = i.roles ?? []
    // Each officer lands on the work of its role: issuing, approving, or (administrators) operations.
    navigate(
      i.kind !== 'officer'
        ? '/wallet'
        : roles.includes('issuer')
          ? '/issuer'
          : roles.includes('approver') || !roles.includes('admin')
            ? '/sharing/requests'
            : '/ops',
    )
  }
  const usable = config.identities.filter((i) => i.privateKey !== undefined)
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('login.title')}</h1>
      </div>
      {config.demo && usable.length > 0 ? (
        <Notice tone="warn" testId="demo-warning">
          {t('login.demoWarning')}
        </Notice>
      ) : (
        <Notice tone="info">{t('login.none')}</Notice>
      )}
      {KINDS.map((kind) => {
        const list = usable.filter((i) => i.kind === kind)
        if (list.length === 0) return null
        return (
          <Card key={kind} title={t(`login.kind.${kind}`)}>
            <ul className="identity-list">
              {list.map((i) => (
                <li key={i.id} className={identity?.id === i.id ? 'current' : ''}>
                  <div>
                    <strong>{lang === 'zh' ? i.name : i.nameEn}</strong>
                    <div className="muted small">
                      {i.orgId !== undefined && <span>{orgName(i.orgId)} · </span>}
                      {i.roles !== undefined && i.roles.length > 0 && (
                        <span data-testid={`login-roles-${i.id}`}>
                          {t('login.roles')}：
                          {i.roles.map((r) => tMaybe(lang, `login.role.${r}`, r)).join(lang === 'zh' ? '、' : ', ')} ·{' '}
                        </span>
                      )}
                      {i.did !== undefined ? <code>{i.did}</code> : <Hash value={i.publicKey} />}
                    </div>
                  </div>
                  <button
                    type="button"
                    className="btn btn-primary"
                    onClick={() => pick(i)}
                    data-testid={`login-${i.id}`}
                  >
                    {t('login.choose')}
                  </button>
                </li>
              ))}
            </ul>
          </Card>
        )
      })}
    </div>
  )
}
