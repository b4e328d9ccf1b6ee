/**
 * Sign-in with the person's own key (ADR 0032): the keys kept in this browser, each with its
 * public key as text and QR (what an officer hands the department administrator to enrol), a
 * sign-in button (the server's challenge, signed here), and making or importing a key.
 */
import {
  ActionButton,
  Badge,
  Card,
  deleteKey,
  ErrorBox,
  listKeys,
  Notice,
  qrDataUrl,
  type StoredKey,
  unlockKey,
  useLoad,
} from '@govchain/portal-kit'
import { useEffect, useState } from 'react'
import { useApp } from '../messages.ts'
import { KeyMaker } from './KeyMaker.tsx'

function KeyQr({ text }: { text: string }) {
  const [src, setSrc] = useState<string | undefined>(undefined)
  useEffect(() => {
    void qrDataUrl(text).then(setSrc)
  }, [text])
  return src === undefined ? null : <img src={src} alt="" width={160} height={160} data-testid="key-qr" />
}

function KeyRow({ k, onChange, onError }: { k: StoredKey; onChange: () => void; onError: (e: unknown) => void }) {
  const app = useApp()
  const { t, suite } = app
  const [passphrase, setPassphrase] = useState('')
  const tag = k.publicKey.slice(0, 8)
  const signIn = async () => {
    await app.signInWithKey(unlockKey(suite, k, k.form === 'keystore' ? passphrase : undefined))
    app.navigate('/')
  }
  return (
    <li data-testid={`key-${tag}`}>
      <div>
        <Badge tone={k.form === 'webcrypto' ? 'ok' : 'info'} testId={`key-form-${tag}`}>
          {t(`signin.form.${k.form}`)}
        </Badge>{' '}
        {k.label}
        <div className="muted small">{t('signin.publicKey')}</div>
        <code className="wrap" data-testid="key-public">
          {k.publicKey}
        </code>
        <KeyQr text={k.publicKey} />
      </div>
      {k.form === 'keystore' && (
        <label className="field">
          <span>{t('signin.passphrase')}</span>
          <input
            type="password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            data-testid={`key-passphrase-${tag}`}
          />
        </label>
      )}
      <ActionButton kind="primary" onRun={signIn} onError={onError} testId={`key-signin-${tag}`}>
        {t('signin.go')}
      </ActionButton>{' '}
      <ActionButton
        onRun={async () => {
          await deleteKey(k.publicKey)
          onChange()
        }}
        onError={onError}
        testId={`key-delete-${tag}`}
      >
        {t('signin.delete')}
      </ActionButton>
    </li>
  )
}

export function KeySignIn() {
  const { t } = useApp()
  const [version, setVersion] = useState(0)
  const [error, setError] = useState<unknown>(undefined)
  const keys = useLoad(() => listKeys(), [version])
  const changed = () => setVersion((v) => v + 1)
  return (
    <>
      <Card title={t('signin.keys')}>
        <p className="muted">{t('signin.lead')}</p>
        <ErrorBox error={error} testId="signin-error" />
        {keys.data !== undefined && keys.data.length === 0 && <Notice tone="info">{t('signin.none')}</Notice>}
        <ul className="identity-list">
          {(keys.data ?? []).map((k) => (
            <KeyRow key={k.publicKey} k={k} onChange={changed} onError={setError} />
          ))}
        </ul>
      </Card>
      <KeyMaker onMade={changed} onError={setError} />
    </>
  )
}
