/**
 * The identity application's portal page (`@govchain/identity/portal`, ADR 0020, ADR 0032):
 *
 *   登记工作人员  a department administrator (admin role), signed in with their own key, registers
 *                an officer's public key (identity.addOfficer). The officer made the key in their
 *                own browser (sign-in page) and handed over its public key as text or QR; the
 *                private key never leaves that browser.
 */

import { fromHex, ID_PATTERN, ROLES, type Role } from '@govchain/core'
import { ActionButton, Card, decodeQrImage, ErrorBox, Notice } from '@govchain/portal-kit'
import { useState } from 'react'
import { addOfficer } from '../client.ts'
import { useApp } from './messages.ts'

export function EnrolPage() {
  const app = useApp()
  const { t, identity, suite } = app
  const [officerId, setOfficerId] = useState('')
  const [publicKey, setPublicKey] = useState('')
  const [roles, setRoles] = useState<Role[]>(['issuer'])
  const [error, setError] = useState<unknown>(undefined)
  const [done, setDone] = useState<string | undefined>(undefined)
  const isAdmin = identity?.kind === 'officer' && (identity.roles ?? []).includes('admin')
  const key = publicKey.trim().toLowerCase()
  const enrol = async () => {
    setError(undefined)
    setDone(undefined)
    if (!ID_PATTERN.test(officerId)) throw new Error(t('identity.enrol.badId'))
    if (!/^[0-9a-f]+$/.test(key) || key.length !== suite.publicKeyLength * 2)
      throw new Error(t('identity.enrol.badKey'))
    const r = await app.submit((s) =>
      addOfficer({ ...s, orgId: identity!.orgId!, officerId, publicKey: fromHex(key), roles }),
    )
    setDone(t('identity.enrol.done', { officer: officerId, tx: r.hash.slice(0, 16) }))
  }
  const readQr = async (file: File | undefined) => {
    if (file === undefined) return
    const text = await decodeQrImage(file)
    if (text === undefined) setError(new Error(t('identity.enrol.qrNone')))
    else setPublicKey(text.trim())
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('identity.enrol.title')}</h1>
        <p className="lead">{t('identity.enrol.lead')}</p>
      </div>
      {!isAdmin ? (
        <Notice tone="info" testId="enrol-admin-only">
          {t('identity.enrol.adminOnly')}
        </Notice>
      ) : (
        <Card title={t('identity.enrol.title')}>
          <label className="field">
            <span>{t('identity.enrol.officerId')}</span>
            <input
              value={officerId}
              onChange={(e) => setOfficerId(e.target.value.trim())}
              data-testid="enrol-officer-id"
            />
          </label>
          <label className="field">
            <span>{t('identity.enrol.publicKey')}</span>
            <textarea
              value={publicKey}
              onChange={(e) => setPublicKey(e.target.value)}
              rows={3}
              data-testid="enrol-public-key"
            />
          </label>
          <label className="field">
            <span>{t('identity.enrol.qr')}</span>
            <input
              type="file"
              accept="image/*"
              onChange={(e) => void readQr(e.target.files?.[0]).catch(setError)}
              data-testid="enrol-qr"
            />
          </label>
          <fieldset className="field">
            <legend>{t('identity.enrol.roles')}</legend>
            {ROLES.map((r) => (
              <label key={r} className="check">
                <input
                  type="checkbox"
                  checked={roles.includes(r)}
                  onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
                  data-testid={`enrol-role-${r}`}
                />{' '}
                {r}
              </label>
            ))}
          </fieldset>
          <ActionButton kind="primary" onRun={enrol} onError={setError} testId="enrol-submit">
            {t('identity.enrol.submit')}
          </ActionButton>
          <ErrorBox error={error} testId="enrol-error" />
          {done !== undefined && (
            <Notice tone="ok" testId="enrol-done">
              {done}
            </Notice>
          )}
        </Card>
      )}
    </div>
  )
}
