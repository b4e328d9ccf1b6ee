/**
 * Public verification (issue 6): paste a credential or QR payload, or upload a QR image or a
 * credential file. The node evaluates the credential (POST /v1/licenses/verify) and returns the
 * proof material of the licence record; the browser then decides itself with the SDK's
 * verifyLicenseOffline: commit certificate by the trusted (genesis) validator set, SMT proof of
 * the record against the header's state root, then the credential hash, issuer signature,
 * issuer authorisation, claims, disclosures and status. The page shows the browser's verdict,
 * so it never takes the node's word for a licence being valid. With no node reachable, a QR
 * that carries its proof is still verified (as of the proven height).
 */
import { CommitCertificate, type CryptoSuite, decode, fromBase64, toHex } from '@govchain/core'
import { Badge, Card, ErrorBox, formatDate, formatTime, Hash, KV, Notice } from '@govchain/portal-kit'
import { type ReactNode, useEffect, useState } from 'react'
import { type OfflineVerdict, verifyLicenseOffline, verifyPresentationOffline } from '../client.ts'
import { credentialFromQr, decodeLicenseQr, sealFingerprint } from '../credential.ts'
import type { PresentationVerdictView } from '../views.ts'
import { licenseApi, type Verdict } from './api.ts'

import { tMaybe, useApp } from './messages.ts'
import { PasteFileScan } from './PasteFileScan.tsx'

const INPUT_CHARS_MAX = 64 * 1024

interface BrowserProofCheck {
  ok: boolean
  reason?: string
  height?: number
  stateRoot?: string
  blockTimeMs?: number
  signers: string[]
}

export interface VerifyOutcome {
  /**
   * What is displayed: the browser's verdict when it could check a proof, else the node's
   * rejection; `undecided` when the browser could not decide offline (never shown as invalid).
   */
  verdict: Omit<Verdict, 'verdict'> & { verdict: Verdict['verdict'] | 'undecided' }
  browser: BrowserProofCheck | undefined
  /** The node's verdict differs from the browser's (a lying or stale node). */
  disagreement?: string
  /** Node unreachable: verified offline from the QR's own proof. */
  offlineOnly?: boolean
  /** The seal fingerprint of the credential (printed under the seal of a printed licence). */
  sealFingerprint?: string
}

/** The seal fingerprint of the credential in the input, if it carries one (docs/license.md). */
function sealOf(suite: CryptoSuite, input: { credential: string } | { qr: string }): { sealFingerprint?: string } {
  try {
    if ('credential' in input) return { sealFingerprint: sealFingerprint(suite, input.credential) }
    const qr = decodeLicenseQr(input.qr.trim())
    return qr.type === 'full' ? { sealFingerprint: sealFingerprint(suite, credentialFromQr(qr.value.credential)) } : {}
  } catch {
    return {}
  }
}

/** What the user gave: a QR payload, a compact SD-JWT, or JSON holding either. */
function parseVerifyInput(raw: string): { credential: string } | { qr: string } {
  const text = raw.trim()
  if (text.startsWith('GCL1')) return { qr: text }
  if (text.startsWith('{')) {
    try {
      const o = JSON.parse(text) as { credential?: unknown; qr?: unknown }
      if (typeof o.qr === 'string') return { qr: o.qr }
      if (typeof o.credential === 'string') return { credential: o.credential }
    } catch {
      // Not JSON after all: let the node say what is wrong with it.
    }
  }
  return { credential: text.replace(/\s+/g, '') }
}

/** A short 亮证 code: an http(s) URL carrying a presentation token (docs/adr/0025). */
function isPresentationUrl(text: string): boolean {
  return /^https?:\/\/\S+[?&]t=/.test(text.trim())
}

export function VerifyPage() {
  const app = useApp()
  const { t, lang, config } = app
  const [input, setInput] = useState(() => {
    const q = new URLSearchParams(location.search)
    // Opened from a short 亮证 code (the phone's own camera app): this very URL is the input.
    return q.has('t') && q.has('c') ? location.href : (q.get('qr') ?? '')
  })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>()
  const [outcome, setOutcome] = useState<VerifyOutcome>()
  const [shown, setShown] = useState<PresentationOutcome>()

  const run = async (text: string) => {
    setBusy(true)
    setError(undefined)
    setOutcome(undefined)
    setShown(undefined)
    try {
      if (text.trim() === '') return
      if (text.length > INPUT_CHARS_MAX) throw new Error('input too large')
      if (isPresentationUrl(text)) setShown(await verifyPresentationInBrowser(app, text.trim()))
      else {
        const parsed = parseVerifyInput(text)
        setOutcome({ ...(await verifyInBrowser(app, parsed)), ...sealOf(app.suite, parsed) })
      }
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  // A link such as /verify?qr=GCL1:... (a phone scanning a printed licence) verifies at once.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only on first render
  useEffect(() => {
    if (input !== '') void run(input)
  }, [])

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('verify.title')}</h1>
      </div>
      <p className="lead">{t('verify.lead')}</p>
      <Card>
        <PasteFileScan
          inputId="verify-input"
          label={t('verify.input')}
          placeholder={t('verify.placeholder')}
          value={input}
          onChange={setInput}
          onRun={(text) => void run(text)}
          busy={busy}
          submitLabel={t('verify.button')}
          uploadLabel={t('verify.upload')}
          scanLabel={t('verify.scan')}
          testIds={{ input: 'verify-input', submit: 'verify-button', file: 'verify-file', scan: 'scan-button' }}
        />
      </Card>
      <ErrorBox error={error} />
      {outcome !== undefined && <VerdictView outcome={outcome} />}
      {shown !== undefined && <PresentationResult outcome={shown} />}
      <p className="muted small">
        {t('verify.chain')}: <code>{config.chainId}</code> ·{' '}
        {lang === 'zh' ? '可信验证节点集合来自创世文件' : 'trusted validator set from genesis'}
      </p>
    </div>
  )
}

/** Node evaluation + proof material, then the browser's own verdict from that proof. */
async function verifyInBrowser(
  app: ReturnType<typeof useApp>,
  input: { credential: string } | { qr: string },
): Promise<VerifyOutcome> {
  let node: Verdict | undefined
  let nodeError: unknown
  try {
    node = await licenseApi.verify(app.client.url, input)
  } catch (e) {
    nodeError = e
  }
  const trusted = app.config.trustedValidatorSet
  if (trusted === undefined) {
    if (node === undefined) throw nodeError
    return { verdict: node, browser: undefined }
  }
  // A node's rejection without proof material (malformed, unknown licence) is shown as it is:
  // a node can only deny a licence that way, never make a false one pass.
  if (node !== undefined && (node.proof === null || node.proof === undefined)) {
    return { verdict: node, browser: undefined }
  }
  const offline: OfflineVerdict = verifyLicenseOffline({
    suite: app.suite,
    chainId: app.config.chainId,
    ...input,
    trustedValidatorSet: fromBase64(trusted),
    ...(node?.proof ? { proof: node.proof } : {}),
  })
  // No node and nothing proven: an undecided verdict says so; anything else is the node's error.
  if (node === undefined && offline.provenHeight === undefined && offline.verdict !== 'undecided') throw nodeError
  const labels = new Map((node?.type?.fields ?? []).map((f) => [f.name, f]))
  const verdict: VerifyOutcome['verdict'] = {
    valid: offline.valid,
    verdict: offline.verdict,
    reasons: offline.reasons,
    checks: offline.checks,
    license: node?.license ?? null,
    type: node?.type ?? null,
    issuer: node?.issuer ?? null,
    disclosed: offline.disclosed.map((d) => ({
      ...d,
      label: labels.get(d.name)?.label ?? d.label,
      labelEn: labels.get(d.name)?.labelEn ?? d.labelEn,
    })),
    atHeight: offline.atHeight,
    atTimeMs: offline.atTimeMs,
    proof: node?.proof ?? null,
  }
  const browser = node?.proof ? checkProofInBrowser(app, node) : undefined
  return {
    verdict,
    browser:
      browser ??
      (offline.provenHeight === undefined
        ? undefined
        : {
            ok: true,
            height: offline.provenHeight,
            signers: [],
            ...(offline.provenTimeMs === undefined ? {} : { blockTimeMs: offline.provenTimeMs }),
          }),
    ...(node !== undefined && node.verdict !== offline.verdict
      ? { disagreement: `${node.verdict} ≠ ${offline.verdict}` }
      : {}),
    ...(node === undefined ? { offlineOnly: true } : {}),
  }
}

interface PresentationOutcome {
  verdict: PresentationVerdictView
  /** The browser verified both proofs and decided itself. */
  browserChecked: boolean
  disagreement?: string
}

/**
 * A short 亮证 code: the node's verdict with the proofs of the licence record and of the holder's
 * DID document, then the browser's own decision from those proofs and its own clock.
 */
async function verifyPresentationInBrowser(app: ReturnType<typeof useApp>, url: string): Promise<PresentationOutcome> {
  const audience = `${location.origin}/verify`
  const node = await licenseApi.verifyPresentation(app.client.url, { url, audience })
  const trusted = app.config.trustedValidatorSet
  // Without proofs (malformed, unknown licence) the node can only deny: shown as it is.
  if (trusted === undefined || node.proof === null || node.holderProof === null) {
    return { verdict: node, browserChecked: false }
  }
  const own = verifyPresentationOffline({
    suite: app.suite,
    chainId: app.config.chainId,
    audience,
    url,
    trustedValidatorSet: fromBase64(trusted),
    licenseProof: node.proof,
    holderProof: node.holderProof,
    nowMs: Date.now(),
  })
  return {
    verdict: { ...node, valid: own.valid, verdict: own.verdict, reasons: own.reasons, checks: own.checks },
    browserChecked: true,
    ...(own.verdict !== node.verdict ? { disagreement: `${node.verdict} ≠ ${own.verdict}` } : {}),
  }
}

const PRESENTATION_CHECKS: Record<string, [string, string]> = {
  format: ['亮证码格式', 'Format'],
  chain_record: ['链上记录', 'On-chain record'],
  holder: ['出示人为持证主体', 'Shown by the holder'],
  signature: ['持证人签名', "Holder's signature"],
  time: ['亮证码时效', 'Code still fresh'],
  status: ['证照状态', 'Licence status'],
}

function PresentationResult({ outcome }: { outcome: PresentationOutcome }) {
  const { t, lang, orgName } = useApp()
  const v = outcome.verdict
  const valid = v.valid && outcome.browserChecked
  const tone = valid
    ? 'ok'
    : v.valid
      ? 'bad'
      : verdictTone(v.verdict === 'presentation_expired' ? 'expired' : v.verdict)
  const title = valid
    ? t('verify.verdict.valid')
    : v.valid
      ? t('verify.verdict.invalid')
      : tMaybe(lang, `verify.verdict.${v.verdict}`, t('verify.verdict.invalid'))
  const l = v.license
  return (
    <div
      data-testid="verdict"
      data-verdict={valid ? 'valid' : v.valid ? 'invalid' : v.verdict}
      data-kind="presentation"
    >
      <div className={`verdict verdict-${tone}`} role="status">
        <span className="big" aria-hidden="true">
          {valid ? '✔' : '✖'}
        </span>
        <span>
          <span data-testid="verdict-title">{title}</span>
          <span className="verdict-sub">{t('verify.presentation')}</span>
        </span>
      </div>
      <DisagreementNotice disagreement={outcome.disagreement} />
      <ReasonsNotice checks={v.checks} reasons={v.reasons} tone={tone} />
      <div className="grid-2e">
        <Card title={t('verify.checks')} testId="verdict-checks">
          <ul className="checks">
            {v.checks.map((c) => (
              <CheckItem
                key={c.check}
                c={c}
                label={(PRESENTATION_CHECKS[c.check] ?? [c.check, c.check])[lang === 'zh' ? 0 : 1]!}
              />
            ))}
            <li data-testid="check-browser-proof" data-ok={outcome.browserChecked}>
              <span className={`mark ${outcome.browserChecked ? 'mark-ok' : 'mark-skip'}`}>
                {outcome.browserChecked ? '✓' : '–'}
              </span>
              <span>
                <strong>{t('verify.check.proof')}</strong>
              </span>
            </li>
          </ul>
        </Card>
        {l !== null && (
          <Card title={t('verify.licence')}>
            <KV
              rows={[
                [t('lic.type'), v.type === null ? l.typeCode : lang === 'zh' ? v.type.name : v.type.nameEn],
                [
                  t('lic.id'),
                  <code key="id" className="wrap">
                    {l.id}
                  </code>,
                ],
                [
                  t('lic.issuer'),
                  v.issuer === null ? orgName(l.issuerOrg) : lang === 'zh' ? v.issuer.name : v.issuer.nameEn,
                ],
                [
                  t('lic.holder'),
                  <code key="h" className="wrap">
                    {l.holder}
                  </code>,
                ],
                [
                  t('lic.validUntil'),
                  l.validUntilMs === 0 ? (lang === 'zh' ? '长期' : 'No expiry') : formatDate(l.validUntilMs, lang),
                ],
              ]}
            />
          </Card>
        )}
      </div>
      <p className="muted small">{t('verify.presentation.note')}</p>
    </div>
  )
}

/** Checks the node's proof material with the light client (details for display); never throws. */
function checkProofInBrowser(app: ReturnType<typeof useApp>, verdict: Verdict): BrowserProofCheck | undefined {
  const p = verdict.proof
  if (p === null || p === undefined) return undefined
  const lc = app.lightClient
  let signers: string[] = []
  try {
    const cert = decode(CommitCertificate, fromBase64(p.certificate))
    const set = lc?.validatorSet.validators ?? []
    signers = cert.signatures.map((s) => set[s.validatorIndex]?.id ?? `#${s.validatorIndex}`)
  } catch {
    // Reported by verifyState below.
  }
  if (lc === undefined) return { ok: false, reason: 'no trusted validator set', signers }
  try {
    const verified = lc.verifyState({
      module: p.module,
      key: p.key,
      value: p.value === null ? undefined : fromBase64(p.value),
      height: p.height,
      proof: fromBase64(p.proof),
      headerBytes: fromBase64(p.headerBytes),
      certificate: fromBase64(p.certificate),
    })
    return {
      ok: true,
      height: verified.height,
      stateRoot: toHex(verified.header.stateRoot),
      blockTimeMs: verified.header.timeMs,
      signers,
    }
  } catch (e) {
    return { ok: false, reason: (e as Error).message, signers }
  }
}

function verdictTone(v: string): 'ok' | 'bad' | 'warn' {
  if (v === 'valid') return 'ok'
  if (v === 'suspended' || v === 'expired' || v === 'not_yet_valid' || v === 'superseded' || v === 'undecided')
    return 'warn'
  return 'bad'
}

function VerdictView({ outcome }: { outcome: VerifyOutcome }) {
  const { t, lang, orgName } = useApp()
  const { verdict: v, browser } = outcome
  // Valid only if the browser itself verified the proof behind the verdict.
  const valid = v.valid && browser?.ok === true
  const tone = valid ? 'ok' : v.valid ? 'bad' : verdictTone(v.verdict)
  const title = valid
    ? t('verify.verdict.valid')
    : v.valid
      ? t('verify.verdict.invalid')
      : tMaybe(lang, `verify.verdict.${v.verdict}`, t('verify.verdict.invalid'))
  const typeName = v.type === null ? undefined : lang === 'zh' ? v.type.name : v.type.nameEn
  return (
    <div data-testid="verdict" data-verdict={valid ? 'valid' : v.verdict}>
      <div className={`verdict verdict-${tone}`} role="status">
        <span className="big" aria-hidden="true">
          {valid ? '✔' : v.verdict === 'undecided' ? '?' : '✖'}
        </span>
        <span>
          <span data-testid="verdict-title">{title}</span>
          {typeName !== undefined && <span className="verdict-sub">{typeName}</span>}
        </span>
      </div>
      <DisagreementNotice disagreement={outcome.disagreement} />
      {outcome.offlineOnly === true && (
        <Notice tone="warn" testId="verdict-offline">
          {v.verdict === 'undecided'
            ? lang === 'zh'
              ? '无法连接节点，且离线无法判定：请联网后再核验。'
              : 'No node reachable, and this cannot be decided offline: verify again online.'
            : lang === 'zh'
              ? `离线核验：截至区块高度 ${v.atHeight}（${formatTime(v.atTimeMs, lang)}）的状态，由二维码携带的证明在本机验证；此后的注销或暂停离线无法得知。`
              : `Checked offline: ${v.verdict === 'valid' ? 'valid' : v.verdict} as of height ${v.atHeight}, time ${formatTime(v.atTimeMs, lang)}, from the proof the QR carries; a later revocation or suspension cannot be known offline.`}
        </Notice>
      )}
      <ReasonsNotice checks={v.checks} reasons={v.reasons} tone={tone} />
      <div className="grid-2e">
        <Card title={t('verify.checks')} testId="verdict-checks">
          <ul className="checks">
            {v.checks.map((c) => (
              <CheckItem key={c.check} c={c} label={checkLabel(c.check, lang)} />
            ))}
            <li data-testid="check-browser-proof" data-ok={browser?.ok ?? false}>
              <span className={`mark ${browser === undefined ? 'mark-skip' : browser.ok ? 'mark-ok' : 'mark-bad'}`}>
                {browser === undefined ? '–' : browser.ok ? '✓' : '✗'}
              </span>
              <span>
                <strong>{t('verify.check.proof')}</strong>
                <br />
                <span className="muted small">
                  {browser === undefined
                    ? lang === 'zh'
                      ? '无链上记录可证明'
                      : 'no on-chain record to prove'
                    : browser.ok
                      ? lang === 'zh'
                        ? `浏览器已用可信验证节点集合验证（${browser.signers.length} 个签名）`
                        : `verified in this browser against the trusted validator set (${browser.signers.length} signatures)`
                      : browser.reason}
                </span>
              </span>
            </li>
          </ul>
        </Card>
        <div>
          {v.license !== null && (
            <Card title={t('verify.licence')}>
              <KV
                rows={[
                  [t('lic.type'), typeName ?? v.license.typeCode],
                  [
                    t('lic.id'),
                    <code key="id" className="wrap">
                      {v.license.id}
                    </code>,
                  ],
                  [
                    t('lic.issuer'),
                    v.issuer === null ? orgName(v.license.issuerOrg) : lang === 'zh' ? v.issuer.name : v.issuer.nameEn,
                  ],
                  [
                    t('lic.holder'),
                    <code key="h" className="wrap">
                      {v.license.holder}
                    </code>,
                  ],
                  [
                    t('lic.status'),
                    <Badge
                      key="s"
                      tone={verdictTone(v.license.effectiveStatus === 'active' ? 'valid' : v.license.effectiveStatus)}
                    >
                      {tMaybe(lang, `lic.status.${v.license.effectiveStatus}`, v.license.effectiveStatus)}
                    </Badge>,
                  ],
                  [t('lic.validFrom'), formatDate(v.license.validFromMs, lang)],
                  [
                    t('lic.validUntil'),
                    v.license.validUntilMs === 0
                      ? lang === 'zh'
                        ? '长期'
                        : 'No expiry'
                      : formatDate(v.license.validUntilMs, lang),
                  ],
                  [t('lic.version'), v.license.version],
                  ...(outcome.sealFingerprint === undefined
                    ? []
                    : [
                        [
                          lang === 'zh'
                            ? '印章签名指纹（与打印件印章下的一致）'
                            : 'Seal fingerprint (as under the printed seal)',
                          <code key="fp" data-testid="seal-fingerprint">
                            {outcome.sealFingerprint}
                          </code>,
                        ] as [ReactNode, ReactNode],
                      ]),
                ]}
              />
            </Card>
          )}
          {v.disclosed.length > 0 && (
            <Card title={t('verify.fields')} testId="disclosed">
              <KV rows={v.disclosed.map((d) => [lang === 'zh' ? d.label : d.labelEn, String(d.value)])} />
            </Card>
          )}
          {browser !== undefined && (
            <Card title={t('verify.proof')} testId="proof-details">
              <KV
                rows={[
                  [t('verify.proof.height'), browser.height ?? v.proof?.height ?? '—'],
                  [
                    t('verify.proof.stateRoot'),
                    browser.stateRoot === undefined ? '—' : <Hash key="r" value={browser.stateRoot} />,
                  ],
                  [
                    t('verify.proof.blockTime'),
                    browser.blockTimeMs === undefined ? '—' : formatTime(browser.blockTimeMs, lang),
                  ],
                  [t('verify.proof.signers'), browser.signers.map((s) => orgName(s)).join('、') || '—'],
                ]}
              />
            </Card>
          )}
        </div>
      </div>
    </div>
  )
}

const CHECK_LABELS: Record<string, [string, string]> = {
  format: ['凭证格式', 'Format'],
  chain_record: ['链上记录', 'On-chain record'],
  credential_hash: ['凭证哈希与链上记录一致', 'Credential hash matches the chain'],
  signature: ['发证机构签名', 'Issuer signature'],
  issuer_authorised: ['发证机构授权', 'Issuer authorised for this type'],
  claims: ['凭证声明与链上记录一致', 'Claims agree with the record'],
  disclosures: ['出示字段完整性', 'Disclosed fields intact'],
  status: ['链上状态与有效期', 'Status and validity on chain'],
}

function checkLabel(check: string, lang: 'zh' | 'en'): string {
  const l = CHECK_LABELS[check]
  return l === undefined ? check : l[lang === 'zh' ? 0 : 1]
}

interface ShownCheck {
  check: string
  ok: boolean
  code?: string | undefined
  message: string
  messageZh?: string | undefined
}

function CheckItem({ c, label }: { c: ShownCheck; label: string }) {
  const { lang, t } = useApp()
  return (
    <li data-testid={`check-${c.check}`} data-ok={c.ok}>
      <span
        className={`mark ${c.ok ? 'mark-ok' : 'mark-bad'}`}
        role="img"
        aria-label={t(c.ok ? 'verify.check.passed' : 'verify.check.failed')}
      >
        {c.ok ? '✓' : '✗'}
      </span>
      <span>
        <strong>{label}</strong>
        <br />
        <span className="muted small">{lang === 'zh' ? (c.messageZh ?? c.message) : c.message}</span>
        {c.code !== undefined && <code className="small"> {c.code}</code>}
      </span>
    </li>
  )
}

function ReasonsNotice({
  checks,
  reasons,
  tone,
}: {
  checks: ShownCheck[]
  reasons: string[]
  tone: 'ok' | 'bad' | 'warn'
}) {
  const { t, lang } = useApp()
  if (reasons.length === 0) return null
  return (
    <Notice tone={tone === 'ok' ? 'info' : tone} testId="verdict-reasons">
      <strong>{t('common.reason')}：</strong>
      {checks
        .filter((c) => !c.ok)
        .map((c) => (lang === 'zh' ? (c.messageZh ?? c.message) : c.message))
        .join('；')}{' '}
      <span className="muted">({reasons.join(', ')})</span>
    </Notice>
  )
}

function DisagreementNotice({ disagreement }: { disagreement: string | undefined }) {
  const { lang } = useApp()
  if (disagreement === undefined) return null
  return (
    <Notice tone="bad" testId="verdict-disagreement">
      {lang === 'zh'
        ? `节点给出的结论与浏览器验证不一致（${disagreement}），以浏览器验证为准。`
        : `The node's verdict differs from the browser's (${disagreement}); the browser's check prevails.`}
    </Notice>
  )
}
