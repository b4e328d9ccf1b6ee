/**
 * Sign-in: with the person's own key kept in this browser (KeySignIn, ADR 0032), and in demo
 * mode also one click on a demo identity the local demo server offers.
 */
import { Card, type DemoIdentity, Hash, type IdentityKind, Notice } from '@govchain/portal-kit'
import { tMaybe, useApp } from '../messages.ts'
import { KeySignIn } from '../signin/KeySignIn.tsx'

const KINDS: IdentityKind[] = ['citizen', 'enterprise', 'officer']

export function LoginPage() {
  const { t, lang, config, identity, setIdentity, navigate, orgName } = useApp()
  const pick = (i: DemoIdentity) => {
    const roles = i.roles ?? []
    // Each officer lands on the work of its role: issuing, approving, or (administrators) operations.
    const to =
      i.kind !== 'officer'
        ? '/wallet'
        : roles.includes('issuer')
          ? '/issuer'
          : roles.includes('approver') || !roles.includes('admin')
            ? '/sharing/requests'
            : '/ops'
    // Once signed in (the demo key answers the server's challenge), the identity's work opens.
    void setIdentity(i.id).then(() => navigate(to))
  }
  const usable = config.identities.filter((i) => i.privateKey !== undefined)
  if (!config.demo || usable.length === 0) {
    return (
      <div className="page">
        <div className="page-head">
          <h1>{t('signin.title')}</h1>
        </div>
        <KeySignIn />
      </div>
    )
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('login.title')}</h1>
      </div>
      <Notice tone="warn" testId="demo-warning">
        {t('login.demoWarning')}
      </Notice>
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
      <h2>{t('signin.title')}</h2>
      <KeySignIn />
    </div>
  )
}
