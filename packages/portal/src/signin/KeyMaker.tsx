/** Making a key in this browser, or importing a govchain keystore file (opened here). */
import { ActionButton, Card, generateKey, importKeystore } from '@govchain/portal-kit'
import { useState } from 'react'
import { useApp } from '../messages.ts'

export function KeyMaker({ onMade, onError }: { onMade: () => void; onError: (e: unknown) => void }) {
  const { t, suite, config } = useApp()
  const [passphrase, setPassphrase] = useState('')
  const [file, setFile] = useState<File | undefined>(undefined)
  const [filePassphrase, setFilePassphrase] = useState('')
  const make = async () => {
    onError(undefined)
    await generateKey(suite, `${config.chainId} · ${new Date().toISOString().slice(0, 10)}`, passphrase || undefined)
    setPassphrase('')
    onMade()
  }
  const importFile = async () => {
    onError(undefined)
    if (file === undefined) return
    await importKeystore(suite, await file.text(), filePassphrase)
    setFilePassphrase('')
    onMade()
  }
  return (
    <>
      <Card title={t('signin.generate')}>
        <p className="muted">{t('signin.generateLead')}</p>
        {suite.name === 'gm' && (
          <label className="field">
            <span>{t('signin.passphrase')}</span>
            <input
              type="password"
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
              data-testid="key-generate-passphrase"
            />
          </label>
        )}
        <ActionButton kind="primary" onRun={make} onError={onError} testId="key-generate">
          {t('signin.generate')}
        </ActionButton>
      </Card>
      <Card title={t('signin.import')}>
        <label className="field">
          <span>{t('signin.importFile')}</span>
          <input
            type="file"
            accept=".json,application/json"
            onChange={(e) => setFile(e.target.files?.[0])}
            data-testid="key-import-file"
          />
        </label>
        <label className="field">
          <span>{t('signin.importPassphrase')}</span>
          <input
            type="password"
            value={filePassphrase}
            onChange={(e) => setFilePassphrase(e.target.value)}
            data-testid="key-import-passphrase"
          />
        </label>
        <ActionButton onRun={importFile} onError={onError} testId="key-import">
          {t('signin.import')}
        </ActionButton>
      </Card>
    </>
  )
}
