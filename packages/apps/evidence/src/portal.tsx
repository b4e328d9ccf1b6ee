/**
 * The evidence application's portal page (`@govchain/evidence/portal`, ADR 0020): anyone checks a
 * file against the chain (the file is hashed in the browser and never leaves it); the answer
 * names who recorded it, when, and its version. Submitting is the CLI's for now.
 */
import {
  ActionButton,
  Badge,
  Card,
  callJson,
  ErrorBox,
  type Messages,
  type PortalPage,
  withMessages,
} from '@govchain/portal-kit'
import { useState } from 'react'
import type { EvidenceVerifyAnswer } from './views.ts'

export const EVIDENCE_MESSAGES = {
  'evidence.title': ['电子存证核验', 'Check e-evidence'],
  'evidence.lead': [
    '选择文件：文件只在本机计算摘要，不会上传；链上记录其提交人（实名核验）、时间与版本。',
    'Pick a file: it is hashed here and never uploaded; the chain records who submitted it (verified), when, and its version.',
  ],
  'evidence.check': ['核验', 'Check'],
  'evidence.recorded': ['已存证', 'Recorded'],
  'evidence.not-recorded': ['链上无此文件的存证', 'Not recorded'],
  'evidence.proof-invalid': ['批次证明不成立', 'Batch proof does not hold'],
  'evidence.by': [
    '提交人 {who}（{verifier} 核验），区块高度 {height}，{time}',
    'Submitted by {who} (verified by {verifier}) at height {height}, {time}',
  ],
  'evidence.version': ['第 {v} 版', 'Version {v}'],
} as const satisfies Messages

const { useApp } = withMessages(EVIDENCE_MESSAGES)

export function EvidencePortalPage() {
  const { t, client, suite, lang } = useApp()
  const [file, setFile] = useState<File | undefined>()
  const [answer, setAnswer] = useState<EvidenceVerifyAnswer | undefined>()
  const [error, setError] = useState<unknown>()
  const run = async () => {
    setError(undefined)
    setAnswer(undefined)
    if (file === undefined) return
    const digest = suite.hash(new Uint8Array(await file.arrayBuffer()))
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
    setAnswer(await callJson<EvidenceVerifyAnswer>(client.url, 'POST', '/v1/evidence/verify', { contentHash: hex }))
  }
  return (
    <div className="page">
      <h1>{t('evidence.title')}</h1>
      <p className="lead">{t('evidence.lead')}</p>
      <Card>
        <input type="file" data-testid="evidence-file" onChange={(e) => setFile(e.target.files?.[0])} />
        <ActionButton
          kind="primary"
          onRun={run}
          onError={setError}
          testId="evidence-check"
          disabled={file === undefined}
        >
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
                    time: new Date(r.timeMs).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB'),
                  })}{' '}
                  · {t('evidence.version', { v: r.version })} · {r.kind}
                </li>
              ))}
            </ul>
          </div>
        )}
      </Card>
    </div>
  )
}

export const evidencePages: readonly PortalPage[] = [
  {
    path: '/evidence',
    nav: {
      label: { zh: '存证核验', en: 'Evidence' },
      description: {
        zh: '核验文件是否已在链上存证、由谁于何时提交',
        en: 'Check whether, when and by whom a file was recorded',
      },
      icon: '存',
    },
    component: () => <EvidencePortalPage />,
    messages: EVIDENCE_MESSAGES,
  },
]
