/**
 * Handing a licence credential to its holder outside demo mode (ADR 0038). The issuer console
 * shows, after issuing, the credential as a file to download and as one full-form licence QR
 * (GCL1:, the format /verify reads) for the holder's phone; a credential too long for one QR
 * code is offered as the file only. The holder's wallet imports it from a file, pasted text or
 * the camera, and keeps it on the device only after checkHandedOverCredential: a credential of
 * a known type, naming the signed-in holder, whose record and issuer signature verify against
 * the state proof and the trusted validator set.
 */
import { errorCode } from '@govchain/client'
import { fromBase64 } from '@govchain/core'
import { Card, deviceWallet, Loading, Notice, qrDataUrl } from '@govchain/portal-kit'
import { useEffect, useMemo, useState } from 'react'
import { checkHandedOverCredential, fetchLicenseProof, licenseQr, readHandedOverCredential } from '../client.ts'
import type { LicenseType } from './api.ts'
import { tMaybe, useApp } from './messages.ts'
import { PasteFileScan } from './PasteFileScan.tsx'
import { PrintButtons } from './Print.tsx'

/** The credential as a file name: the licence id, which names nothing personal. */
function credentialFileName(licenseId: string): string {
  return `licence-${licenseId}.txt`
}

/**
 * 下载凭证 and the hand-over QR of a credential just issued (or renewed, amended), and the printed
 * licence (下载 PDF / 打印) while the console has the credential in hand.
 */
export function HandoverPanel({
  licenseId,
  credential,
  type,
}: {
  licenseId: string
  credential: string
  type: LicenseType | undefined
}) {
  const { t, config } = useApp()
  const [qr, setQr] = useState<{ img: string } | { tooLong: true }>()
  const payload = useMemo(() => {
    try {
      return licenseQr({ chainId: config.chainId, credential })
    } catch {
      return undefined
    }
  }, [config.chainId, credential])
  useEffect(() => {
    let live = true
    setQr(undefined)
    if (payload === undefined) {
      setQr({ tooLong: true })
      return
    }
    // qrcode refuses more than one QR code holds (version 40): then the file is the way.
    qrDataUrl(payload).then(
      (img) => live && setQr({ img }),
      () => live && setQr({ tooLong: true }),
    )
    return () => {
      live = false
    }
  }, [payload])
  return (
    <section className="panel" aria-labelledby={`handover-${licenseId}`} data-testid="handover">
      <h3 id={`handover-${licenseId}`}>{t('handover.title')}</h3>
      <p className="small">{t('handover.lead')}</p>
      <div className="qr-row">
        <div className="qr">
          {qr === undefined ? (
            <Loading />
          ) : 'img' in qr ? (
            <img src={qr.img} alt={t('handover.qrAlt')} data-testid="handover-qr" />
          ) : (
            <Notice tone="warn" testId="handover-qr-too-long">
              {t('handover.qrTooLong')}
            </Notice>
          )}
        </div>
        <div className="qr-text">
          <p className="small">
            <code className="wrap">{licenseId}</code>
          </p>
          <a
            className="btn btn-primary"
            download={credentialFileName(licenseId)}
            href={`data:text/plain;charset=utf-8,${encodeURIComponent(credential)}`}
            data-testid="handover-download"
          >
            {t('handover.download')}
          </a>{' '}
          <PrintButtons licenseId={licenseId} credential={credential} type={type} />
          {qr !== undefined && 'img' in qr && payload !== undefined && (
            <textarea readOnly hidden value={payload} data-testid="handover-qr-text" />
          )}
        </div>
      </div>
    </section>
  )
}

/** 导入凭证: file, pasted text or camera; checked, then kept on this device. */
export function ImportCredential({
  did,
  typeCodes,
  onImported,
}: {
  did: string
  typeCodes: ReadonlySet<string>
  onImported: () => void
}) {
  const { t, lang, suite, config, client, errText } = useApp()
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<{ code: string; text: string }>()
  const [done, setDone] = useState<string>()

  const run = async (raw: string) => {
    setBusy(true)
    setRefused(undefined)
    setDone(undefined)
    try {
      const trusted = config.trustedValidatorSet
      if (trusted === undefined) throw new Error(t('wallet.import.noTrust'))
      const credential = readHandedOverCredential(raw)
      const checked = await checkHandedOverCredential({
        suite,
        chainId: config.chainId,
        holder: did,
        credential,
        typeCodes,
        trustedValidatorSet: fromBase64(trusted),
        fetchProof: (id) => fetchLicenseProof(client, id),
      })
      await deviceWallet.keep(did, checked.licenseId, credential)
      setText('')
      setDone(checked.licenseId)
      onImported()
    } catch (e) {
      const code = errorCode(e) ?? (e as { code?: string } | undefined)?.code ?? ''
      setRefused({ code, text: tMaybe(lang, `wallet.import.err.${code}`, errText(e)) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <Card title={t('wallet.import.title')} testId="import-credential">
      <p className="small">{t('wallet.import.lead')}</p>
      <PasteFileScan
        inputId="import-text"
        label={t('wallet.import.text')}
        placeholder={t('wallet.import.placeholder')}
        value={text}
        onChange={setText}
        onRun={(input) => void run(input)}
        busy={busy}
        submitLabel={t('wallet.import.submit')}
        uploadLabel={t('wallet.import.file')}
        scanLabel={t('wallet.import.scan')}
        testIds={{ input: 'import-text', submit: 'import-submit', file: 'import-file', scan: 'import-scan' }}
      />
      {refused !== undefined && (
        <div className="alert alert-bad" role="alert" data-testid="import-refused" data-code={refused.code}>
          <strong>{t('wallet.import.refused')}</strong> {refused.text}{' '}
          {refused.code !== '' && <code>{refused.code}</code>}
        </div>
      )}
      {done !== undefined && (
        <Notice tone="ok" testId="import-done">
          {t('wallet.import.done', { id: done })}
        </Notice>
      )}
    </Card>
  )
}
