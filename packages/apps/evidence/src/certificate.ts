/**
 * The evidence certificate (存证证书): what a submitter hands a court, and what the court checks
 * without trusting the node that issued it (issue 17; docs/evidence.md "Certificates").
 *
 *   JSON  `govchain-evidence-certificate` v1: the record's state proof (SMT proof, header, commit
 *         certificate) and, when the item carries one, its RFC 3161 timestamp's proof.
 *   QR    `GCE1:` + base45(deflate(EvidenceQr)): the chain, the id and the record's proof —
 *         enough to check a file offline from a printed page (the timestamp is printed as text).
 *
 * `verifyEvidenceCertificate` checks either against a validator set the verifier pins (its
 * genesis): the commit signatures, the proof from the record's bytes to the state root, that
 * the printed fields are the proven ones, and — given the file or its hash — that the content is
 * the recorded one (or, for a batch, that the document's inclusion proof leads to the root).
 * Browser-safe: the portal runs the same checks.
 */
import { LightClient, type ProvenState, type ProvenStateJson } from '@govchain/client'
import {
  type CryptoSuite,
  codec,
  equalBytes,
  fromBase64,
  fromHex,
  GovchainError,
  hash32,
  packQrPayload,
  type SuiteName,
  toHex,
  unpackQrPayload,
  type ValidatorSet,
} from '@govchain/core'
import { type BatchProof, verifyBatchProof } from './client.ts'
import {
  EVIDENCE_KEYS,
  EVIDENCE_MODULE,
  type EvidenceAttestation,
  EvidenceAttestations,
  EvidenceEntry,
  EvidenceTimestamp,
} from './schema.ts'
import type { EvidenceView } from './views.ts'

const { bytes, string, struct, u64 } = codec

export const CERTIFICATE_FORMAT = 'govchain-evidence-certificate'
export const QR_PREFIX = 'GCE1:'
const QR_CHARS_MAX = 4296
const QR_INFLATED_MAX = 64 * 1024

/** A state answer with its proof, as GET /v1/evidence/:id?prove=true returns it (`state`). */
export type { ProvenStateJson }

export interface EvidenceCertificate {
  format: typeof CERTIFICATE_FORMAT
  version: 1
  chainId: string
  suite: SuiteName
  /** The item's or batch's id (hex). */
  id: string
  /** The record as printed; the check compares it with the proven bytes. */
  evidence: EvidenceView
  record: ProvenStateJson
  /** The proof of its RFC 3161 timestamp record, when it carries one. */
  timestamp: ProvenStateJson | null
  /** The proof of its attestations (notary, forensic, court), when it has any. */
  attestations?: ProvenStateJson | null
}

const QrProof = struct({
  height: u64,
  value: bytes(4096),
  proof: bytes(16 * 1024),
  headerBytes: bytes(2048),
  certificate: bytes(32 * 1024),
})
export const EvidenceQr = struct({ chainId: string(64), id: hash32, record: QrProof })
export type EvidenceQr = codec.Infer<typeof EvidenceQr>

function malformed(message: string): GovchainError {
  return new GovchainError('EVIDENCE_CERTIFICATE_MALFORMED', message)
}

/** The QR text of a certificate: chain, id and the record's proof. */
export function evidenceQr(cert: EvidenceCertificate): string {
  const r = cert.record
  if (r.value === null || r.proof === null || r.headerBytes === null || r.certificate === null) {
    throw malformed('the certificate carries no proof of its record')
  }
  const qr: EvidenceQr = {
    chainId: cert.chainId,
    id: fromHex(cert.id),
    record: {
      height: r.height,
      value: fromBase64(r.value),
      proof: fromBase64(r.proof),
      headerBytes: fromBase64(r.headerBytes),
      certificate: fromBase64(r.certificate),
    },
  }
  return packQrPayload(QR_PREFIX, codec.encode(EvidenceQr, qr))
}

/** Decodes `GCE1:…`; EVIDENCE_CERTIFICATE_MALFORMED on anything else (bounded: a hostile QR cannot inflate far). */
export function decodeEvidenceQr(text: string): EvidenceQr {
  const raw = unpackQrPayload(text, QR_PREFIX, { maxChars: QR_CHARS_MAX, maxInflatedBytes: QR_INFLATED_MAX }, malformed)
  try {
    return codec.decode(EvidenceQr, raw)
  } catch {
    throw malformed('the QR payload does not decode')
  }
}

export type CertificateCheckName =
  | 'format'
  | 'chain'
  | 'commit'
  | 'record'
  | 'printed'
  | 'content'
  | 'timestamp'
  | 'attestations'

export interface CertificateCheck {
  check: CertificateCheckName
  ok: boolean
  message: string
  code?: string
}

export interface CertificateVerdict {
  verdict: 'valid' | 'invalid'
  checks: CertificateCheck[]
  /** The proven record (present once the record check passed). */
  record?: EvidenceEntry
  timestamp?: EvidenceTimestamp
  attestations?: EvidenceAttestation[]
  provenHeight?: number
  provenTimeMs?: number
}

export interface VerifyCertificateInput {
  suite: CryptoSuite
  /** The chain the verifier trusts, and its validator set (from its genesis). */
  chainId: string
  trustedValidatorSet: ValidatorSet | Uint8Array
  certificate?: EvidenceCertificate
  qr?: string
  /** The file's hash (suite.hash of the bytes); with `batchProof` for a document of a batch. */
  contentHash?: Uint8Array
  batchProof?: BatchProof
}

function proven(s: ProvenStateJson): ProvenState {
  const b = (v: string | null) => (v === null ? undefined : fromBase64(v))
  return {
    module: s.module,
    key: s.key,
    value: b(s.value),
    height: s.height,
    proof: b(s.proof),
    headerBytes: b(s.headerBytes),
    certificate: b(s.certificate),
  }
}

function codeOf(e: unknown): string {
  return e instanceof GovchainError ? e.code : 'INVALID_ARGUMENT'
}

/** The printed fields that must equal the proven record. */
function printedMismatch(printed: EvidenceView, r: EvidenceEntry): string | undefined {
  const pairs: [string, unknown, unknown][] = [
    ['id', printed.id, toHex(r.id)],
    ['digest', printed.digest, toHex(r.digest)],
    ['type', printed.type, r.type],
    ['kind', printed.kind, r.kind],
    ['count', printed.count, r.count],
    ['caseRef', printed.caseRef, r.caseRef ?? null],
    ['submitter', JSON.stringify(printed.submitter), JSON.stringify(r.submitter)],
    ['version', printed.version, r.version],
    ['height', printed.height, r.height],
    ['timeMs', printed.timeMs, r.timeMs],
  ]
  const bad = pairs.find(([, a, b]) => a !== b)
  return bad?.[0]
}

/**
 * Checks a certificate (JSON) or its QR offline against a pinned validator set. Never throws for
 * a bad certificate: every failure is a check with its code; `verdict` is valid only if all ran
 * and passed.
 */
export function verifyEvidenceCertificate(input: VerifyCertificateInput): CertificateVerdict {
  const checks: CertificateCheck[] = []
  const fail = (check: CertificateCheckName, message: string, code: string): CertificateVerdict => {
    checks.push({ check, ok: false, message, code })
    return { verdict: 'invalid', checks }
  }
  // 1. The format.
  let chainId: string
  let id: Uint8Array
  let record: ProvenState
  let printed: EvidenceView | undefined
  let timestamp: ProvenStateJson | null = null
  let attestations: ProvenStateJson | null = null
  try {
    if (input.qr !== undefined) {
      const q = decodeEvidenceQr(input.qr)
      chainId = q.chainId
      id = q.id
      record = {
        module: EVIDENCE_MODULE,
        key: EVIDENCE_KEYS.record(q.id),
        value: q.record.value,
        height: q.record.height,
        proof: q.record.proof,
        headerBytes: q.record.headerBytes,
        certificate: q.record.certificate,
      }
    } else if (input.certificate !== undefined) {
      const c = input.certificate
      if (c?.format !== CERTIFICATE_FORMAT || c.version !== 1) throw malformed(`not a ${CERTIFICATE_FORMAT} v1`)
      chainId = c.chainId
      id = fromHex(c.id)
      if (c.record?.module !== EVIDENCE_MODULE || c.record.key !== toHex(EVIDENCE_KEYS.record(id))) {
        throw malformed("the record proof is not for this item's record")
      }
      record = proven(c.record)
      printed = c.evidence
      timestamp = c.timestamp ?? null
      if (
        timestamp !== null &&
        (timestamp.module !== EVIDENCE_MODULE || timestamp.key !== toHex(EVIDENCE_KEYS.timestamp(id)))
      ) {
        throw malformed("the timestamp proof is not for this item's timestamp")
      }
      attestations = c.attestations ?? null
      if (
        attestations !== null &&
        (attestations.module !== EVIDENCE_MODULE || attestations.key !== toHex(EVIDENCE_KEYS.attestations(id)))
      ) {
        throw malformed("the attestations proof is not for this item's attestations")
      }
    } else throw new GovchainError('INVALID_ARGUMENT', 'give a certificate or a QR payload')
  } catch (e) {
    return fail('format', (e as Error).message, codeOf(e))
  }
  checks.push({
    check: 'format',
    ok: true,
    message: input.qr !== undefined ? 'QR payload GCE1' : `${CERTIFICATE_FORMAT} v1`,
  })

  // 2. The chain.
  if (chainId !== input.chainId) {
    return fail(
      'chain',
      `issued on chain ${chainId}, not the trusted ${input.chainId}`,
      'EVIDENCE_CERTIFICATE_WRONG_CHAIN',
    )
  }
  checks.push({ check: 'chain', ok: true, message: chainId })

  // 3-4. The commit and the record's proof.
  const light = new LightClient({ suite: input.suite, chainId, trustedValidatorSet: input.trustedValidatorSet })
  let verified: ReturnType<LightClient['verifyState']>
  try {
    light.verifyHeader(record.headerBytes ?? new Uint8Array(0), record.certificate ?? new Uint8Array(0))
  } catch (e) {
    return fail('commit', `the header is not committed by the trusted validators: ${(e as Error).message}`, codeOf(e))
  }
  checks.push({
    check: 'commit',
    ok: true,
    message: 'the block header is signed by more than 2/3 of the trusted validators',
  })
  let entry: EvidenceEntry
  try {
    verified = light.verifyState(record)
    if (verified.value === undefined) throw new GovchainError('EVIDENCE_NOT_FOUND', 'the proof shows no record')
    entry = codec.decode(EvidenceEntry, verified.value)
    if (!equalBytes(entry.id, id)) throw new GovchainError('PROOF_INVALID', 'the proven record is of another item')
  } catch (e) {
    return fail('record', (e as Error).message, codeOf(e))
  }
  checks.push({
    check: 'record',
    ok: true,
    message: `the record is in the chain's state at height ${verified.height}`,
  })
  const base = { record: entry, provenHeight: verified.height, provenTimeMs: verified.header.timeMs }

  // 5. What is printed is what is proven.
  if (printed !== undefined) {
    const field = printedMismatch(printed, entry)
    if (field !== undefined) {
      return {
        ...fail('printed', `the certificate's ${field} differs from the proven record`, 'EVIDENCE_CERTIFICATE_ALTERED'),
        ...base,
      }
    }
    checks.push({ check: 'printed', ok: true, message: 'the printed fields are the proven record' })
  }

  // 6. The content.
  if (input.contentHash !== undefined) {
    const ok =
      entry.type === 'item'
        ? equalBytes(input.contentHash, entry.digest)
        : input.batchProof !== undefined &&
          input.batchProof.treeSize === entry.count &&
          verifyBatchProof(input.suite, entry.digest, input.contentHash, input.batchProof)
    if (!ok) {
      return {
        ...fail(
          'content',
          entry.type === 'item'
            ? 'the file is not the recorded one: its hash differs'
            : 'the document is not in the batch (no inclusion proof, or one that does not lead to the root)',
          'EVIDENCE_CONTENT_MISMATCH',
        ),
        ...base,
      }
    }
    checks.push({ check: 'content', ok: true, message: 'the file is the recorded content' })
  }

  // 7. The trusted timestamp, when the certificate carries its proof.
  let ts: EvidenceTimestamp | undefined
  if (timestamp !== null) {
    try {
      const t = light.verifyState(proven(timestamp))
      if (t.value === undefined) throw new GovchainError('PROOF_INVALID', 'the proof shows no timestamp')
      ts = codec.decode(EvidenceTimestamp, t.value)
    } catch (e) {
      return { ...fail('timestamp', (e as Error).message, codeOf(e)), ...base }
    }
    checks.push({
      check: 'timestamp',
      ok: true,
      message: `RFC 3161 time ${new Date(ts.genTimeMs).toISOString()} from TSA ${ts.authority}, verified on chain`,
    })
  }
  // 8. Attestations (notary, forensic, court), when the certificate carries their proof.
  let atts: EvidenceAttestation[] | undefined
  if (attestations !== null) {
    try {
      const a = light.verifyState(proven(attestations))
      if (a.value === undefined) throw new GovchainError('PROOF_INVALID', 'the proof shows no attestations')
      atts = codec.decode(EvidenceAttestations, a.value)
    } catch (e) {
      return { ...fail('attestations', (e as Error).message, codeOf(e)), ...base }
    }
    checks.push({
      check: 'attestations',
      ok: true,
      message: atts.map((x) => `${x.statement} by ${x.orgId} (${x.role})`).join('; '),
    })
  }
  return {
    verdict: 'valid',
    checks,
    ...base,
    ...(ts === undefined ? {} : { timestamp: ts }),
    ...(atts === undefined ? {} : { attestations: atts }),
  }
}

/** Parses a certificate file's text; EVIDENCE_CERTIFICATE_MALFORMED if it is not one. */
export function parseEvidenceCertificate(text: string): EvidenceCertificate {
  let j: unknown
  try {
    j = JSON.parse(text)
  } catch {
    throw malformed('not JSON')
  }
  const c = j as EvidenceCertificate
  if (c?.format !== CERTIFICATE_FORMAT || c.version !== 1 || typeof c.id !== 'string' || typeof c.record !== 'object') {
    throw malformed(`not a ${CERTIFICATE_FORMAT} v1`)
  }
  return c
}

/** Builds a certificate from the node's answers (GET /v1/evidence/:id?prove=true and the timestamp's proof). */
export function makeEvidenceCertificate(input: {
  chainId: string
  suite: SuiteName
  evidence: EvidenceView
  record: ProvenStateJson
  timestamp?: ProvenStateJson | null
  attestations?: ProvenStateJson | null
}): EvidenceCertificate {
  return {
    format: CERTIFICATE_FORMAT,
    version: 1,
    chainId: input.chainId,
    suite: input.suite,
    id: input.evidence.id,
    evidence: input.evidence,
    record: input.record,
    timestamp: input.timestamp ?? null,
    attestations: input.attestations ?? null,
  }
}
