/**
 * The evidence application's portal page (`@govchain/evidence/portal`, ADR 0020):
 *
 *   存证     an officer or a verified DID records a file (hashed here, never uploaded) and gets
 *            its certificate: the QR with the proof, and the JSON to download
 *   核验文件  anyone checks a file against the chain: who recorded it, when, which version
 *   核验证书  anyone checks a certificate (and the file it is for): in this browser against the
 *            trusted validator set when the portal has one, and by the node's check interface
 */

import { fromBase64, toHex } from '@govchain/core'
import { ActionButton, Badge, Card, callAnswer, ErrorBox, KV, qrDataUrl } from '@govchain/portal-kit'
import { useState } from 'react'
import {
  type EvidenceCertificate,
  evidenceQr,
  parseEvidenceCertificate,
  verifyEvidenceCertificate,
} from '../certificate.ts'
import { evidenceSubmit } from '../client.ts'
import { EVIDENCE_KINDS } from '../schema.ts'
import { EvidenceCertificateAnswer, EvidenceVerifyAnswer } from '../views.ts'
import { tMaybe, useApp } from './messages.ts'

type Kind = (typeof EVIDENCE_KINDS)[number]

async function fileHash(suite: { hash(b: Uint8Array): Uint8Array }, f: File): Promise<Uint8Array> {
  return suite.hash(new Uint8Array(await f.arrayBuffer()))
}

function RecordCard({ onCertificate }: { onCertificate: (c: EvidenceCertificate) => void }) {
  const { t, client, canSign, submit, suite } = useApp()
  const [file, setFile] = useState<File | undefined>()
  const [kind, setKind] = useState<Kind>('contract')
  const [caseRef, setCaseRef] = useState('')
  const [cert, setCert] = useState<{ c: EvidenceCertificate; qr: string; url: string } | undefined>()
  const [error, setError] = useState<unknown>()
  const run = async () => {
    setError(undefined)
    setCert(undefined)
    if (file === undefined) return
    const contentHash = await fileHash(suite, file)
    let id = ''
    await submit((s) => {
      const built = evidenceSubmit({
        ...s,
        kind,
        contentHash,
        ...(caseRef.trim() === '' ? {} : { caseRef: caseRef.trim() }),
      })
      id = built.hashHex
      return built
    })
    const c = await callAnswer(client.url, 'GET', `/v1/evidence/${id}/certificate`, EvidenceCertificateAnswer)
    const text = `${JSON.stringify(c, null, 2)}\n`
    setCert({
      c,
      qr: await qrDataUrl(evidenceQr(c)),
      url: URL.createObjectURL(new Blob([text], { type: 'application/json' })),
    })
    onCertificate(c)
  }
  return (
    <Card title={t('evidence.record.title')}>
      {!canSign ? (
        <p className="muted">{t('evidence.record.login')}</p>
      ) : (
        <>
          <input type="file" data-testid="evidence-record-file" onChange={(e) => setFile(e.target.files?.[0])} />
          <label>
            {t('evidence.record.kind')}{' '}
            <select value={kind} data-testid="evidence-record-kind" onChange={(e) => setKind(e.target.value as Kind)}>
              {EVIDENCE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`evidence.kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('evidence.record.case')}{' '}
            <input value={caseRef} data-testid="evidence-record-case" onChange={(e) => setCaseRef(e.target.value)} />
          </label>
          <ActionButton
            kind="primary"
            onRun={run}
            onError={setError}
            testId="evidence-record"
            disabled={file === undefined}
          >
            {t('evidence.record.go')}
          </ActionButton>
        </>
      )}
      {error !== undefined && <ErrorBox error={error} />}
      {cert !== undefined && (
        <div data-testid="evidence-certificate" data-id={cert.c.id}>
          <h3>{t('evidence.cert.title')}</h3>
          <KV
            rows={[
              ['ID', <code key="id">{cert.c.id}</code>],
              ['digest', <code key="d">{cert.c.evidence.digest}</code>],
              ['height', cert.c.evidence.height],
            ]}
          />
          <img
            src={cert.qr}
            alt={t('evidence.cert.qrAlt')}
            width={240}
            height={240}
            data-testid="evidence-certificate-qr"
          />
          <p>
            <a
              href={cert.url}
              download={`evidence-${cert.c.id.slice(0, 12)}.json`}
              data-testid="evidence-certificate-download"
            >
              {t('evidence.cert.download')}
            </a>
          </p>
        </div>
      )}
    </Card>
  )
}

function CheckFileCard() {
  const { t, client, suite, lang } = useApp()
  const [file, setFile] = useState<File | undefined>()
  const [answer, setAnswer] = useState<EvidenceVerifyAnswer | undefined>()
  const [error, setError] = useState<unknown>()
  const run = async () => {
    setError(undefined)
    setAnswer(undefined)
    if (file === undefined) return
    const hex = toHex(await fileHash(suite, file))
    setAnswer(await callAnswer(client.url, 'POST', '/v1/evidence/verify', EvidenceVerifyAnswer, { contentHash: hex }))
  }
  const when = (ms: number) => new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB')
  return (
    <Card title={t('evidence.check.title')}>
      <input
        type="file"
        aria-label={t('evidence.check.file')}
        data-testid="evidence-file"
        onChange={(e) => setFile(e.target.files?.[0])}
      />
      <ActionButton kind="primary" onRun={run} onError={setError} testId="evidence-check" disabled={file === undefined}>
        {t('evidence.check')}
      </ActionButton>
      {error !== undefined && <ErrorBox error={error} />}
      {answer !== undefined && (
        <div data-testid="evidence-verdict" data-verdict={answer.verdict} role="status">
          <Badge tone={answer.verdict === 'recorded' ? 'ok' : 'bad'}>{t(`evidence.${answer.verdict}`)}</Badge>
          <ul>
            {answer.records.map((r) => (
              <li key={r.id}>
                {t('evidence.by', {
                  who: r.submitter.id,
                  verifier: r.submitter.verifiedBy,
                  height: r.height,
                  time: when(r.timeMs),
                })}{' '}
                · {t('evidence.version', { v: r.version })} · {tMaybe(lang, `evidence.kind.${r.kind}`, r.kind)}
                {r.timestamp !== null && (
                  <> · {t('evidence.tsa', { time: when(r.timestamp.genTimeMs), tsa: r.timestamp.authority })}</>
                )}
                {r.attestations.map((a) => (
                  <span key={a.orgId} data-testid={`evidence-attested-${a.orgId}`}>
                    {' '}
                    · {t(`evidence.statement.${a.statement}`, { org: a.orgId })}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  )
}

/** A check as shown: from the browser's verifier or the node's answer. */
interface CheckLine {
  check: string
  ok: boolean
  message: string
  code?: string | undefined
}

function Checks({ checks, testId }: { checks: readonly CheckLine[]; testId: string }) {
  return (
    <ul data-testid={testId}>
      {checks.map((c) => (
        <li key={c.check} data-testid={`${testId}-${c.check}`} data-ok={String(c.ok)}>
          {c.ok ? '✔' : '✘'} <strong>{c.check}</strong> {c.message}
          {c.code === undefined ? '' : ` [${c.code}]`}
        </li>
      ))}
    </ul>
  )
}

function VerifyCertificateCard({ issued }: { issued: EvidenceCertificate | undefined }) {
  const { t, client, suite, config } = useApp()
  const [certFile, setCertFile] = useState<File | undefined>()
  const [file, setFile] = useState<File | undefined>()
  const [result, setResult] = useState<
    { browser: ReturnType<typeof verifyEvidenceCertificate> | undefined; node: EvidenceVerifyAnswer } | undefined
  >()
  const [error, setError] = useState<unknown>()
  const run = async () => {
    setError(undefined)
    setResult(undefined)
    const cert = certFile !== undefined ? parseEvidenceCertificate(await certFile.text()) : issued
    if (cert === undefined) return
    const contentHash = file === undefined ? undefined : await fileHash(suite, file)
    const browser =
      config.trustedValidatorSet === undefined
        ? undefined
        : verifyEvidenceCertificate({
            suite,
            chainId: config.chainId,
            trustedValidatorSet: fromBase64(config.trustedValidatorSet),
            certificate: cert,
            ...(contentHash === undefined ? {} : { contentHash }),
          })
    const node = await callAnswer(client.url, 'POST', '/v1/evidence/verify', EvidenceVerifyAnswer, {
      certificate: cert,
      ...(contentHash === undefined ? {} : { contentHash: toHex(contentHash) }),
    })
    setResult({ browser, node })
  }
  const valid = result !== undefined && result.node.verdict === 'recorded' && result.browser?.verdict !== 'invalid'
  return (
    <Card title={t('evidence.verify.title')}>
      {issued !== undefined && certFile === undefined && <p className="muted">{t('evidence.verify.loaded')}</p>}
      <label>
        {t('evidence.verify.cert')}{' '}
        <input
          type="file"
          accept="application/json,.json"
          data-testid="evidence-verify-cert"
          onChange={(e) => setCertFile(e.target.files?.[0])}
        />
      </label>
      <label>
        {t('evidence.verify.file')}{' '}
        <input type="file" data-testid="evidence-verify-file" onChange={(e) => setFile(e.target.files?.[0])} />
      </label>
      <ActionButton
        kind="primary"
        onRun={run}
        onError={setError}
        testId="evidence-verify"
        disabled={certFile === undefined && issued === undefined}
      >
        {t('evidence.verify.go')}
      </ActionButton>
      {error !== undefined && <ErrorBox error={error} />}
      {result !== undefined && (
        <div data-testid="evidence-cert-verdict" data-verdict={valid ? 'valid' : 'invalid'} role="status">
          <Badge tone={valid ? 'ok' : 'bad'}>{t(valid ? 'evidence.verify.valid' : 'evidence.verify.invalid')}</Badge>
          {result.browser !== undefined && (
            <>
              <h4>{t('evidence.verify.browser')}</h4>
              <Checks checks={result.browser.checks} testId="cert-browser" />
            </>
          )}
          <h4>{t('evidence.verify.node')}</h4>
          <Checks checks={result.node.checks ?? []} testId="cert-node" />
        </div>
      )}
    </Card>
  )
}

export function EvidencePortalPage() {
  const { t } = useApp()
  const [issued, setIssued] = useState<EvidenceCertificate | undefined>()
  return (
    <div className="page">
      <h1>{t('evidence.title')}</h1>
      <p className="lead">{t('evidence.lead')}</p>
      <RecordCard onCertificate={setIssued} />
      <CheckFileCard />
      <VerifyCertificateCard issued={issued} />
    </div>
  )
}
