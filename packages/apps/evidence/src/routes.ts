/**
 * The `evidence` module's REST routes under /v1/evidence (docs/evidence.md): a record with its
 * state proof, an item's version chain, and the court's check: is this content hash recorded,
 * by whom and when (directly, or in a batch with its inclusion proof)?
 */
import {
  type ApiExtension,
  err,
  HEX32_PARAM,
  INTERNAL,
  INVALID,
  type ModuleApiContext,
  type RouteSpec,
  SEQUENCE_PAGE_DEFAULT,
  SEQUENCE_QUERY_PROPERTIES,
  type SequenceQuery,
  seekPage,
  stateJson,
} from '@govchain/app'
import { codec, concatBytes, equalBytes, fromHex, GovchainError, utf8 } from '@govchain/core'
import { governanceRef } from '@govchain/governance/schema'
import {
  decodeEvidenceQr,
  type EvidenceCertificate,
  makeEvidenceCertificate,
  type ProvenStateJson,
  verifyEvidenceCertificate,
} from './certificate.ts'
import { verifyBatchProof } from './client.ts'
import { renderEvidence } from './module.ts'
import {
  EVIDENCE_INDEX,
  EVIDENCE_KEYS,
  EVIDENCE_MODULE,
  EvidenceAttestations,
  EvidenceEntry,
  EvidenceTimestamp,
} from './schema.ts'
import { EvidenceAnswer, EvidenceCertificateAnswer, EvidenceHistoryAnswer, EvidenceVerifyAnswer } from './views.ts'

export const EVIDENCE_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/evidence/:id',
    operationId: 'evidenceGet',
    summary: 'An evidence item or batch: submitter, time, version, attestations',
    description: 'With prove=true the answer carries the state proof (checkable offline with the light client).',
    tag: EVIDENCE_MODULE,
    params: { type: 'object', required: ['id'], properties: { id: HEX32_PARAM } },
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { prove: { type: 'string', enum: ['true', 'false'] } },
    },
    responses: {
      200: { description: 'the record', schema: EvidenceAnswer },
      400: INVALID,
      404: err('no such item or batch (EVIDENCE_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/evidence/:id/history',
    operationId: 'evidenceHistory',
    summary: "An item's version chain, first version first, one page",
    description:
      'The versions of the chain the item belongs to, in order. Pass the answer’s `next` (the id of ' +
      'the page’s last version) as `after` for the next page; null at the chain’s latest version.',
    tag: EVIDENCE_MODULE,
    params: { type: 'object', required: ['id'], properties: { id: HEX32_PARAM } },
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { after: HEX32_PARAM, limit: SEQUENCE_QUERY_PROPERTIES.limit },
    },
    responses: {
      200: { description: 'the versions', schema: EvidenceHistoryAnswer },
      400: INVALID,
      404: err('no such item (EVIDENCE_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/evidence/:id/certificate',
    operationId: 'evidenceCertificate',
    summary: 'The evidence certificate (存证证书) of an item or batch, with its proofs',
    description:
      "The record's state proof (and its RFC 3161 timestamp's, if any) with header and commit certificate: " +
      'a court checks it offline against the validator set it trusts (SDK verifyEvidenceCertificate, ' +
      '`govchain evidence verify --certificate --offline`), or posts it to /v1/evidence/verify. ' +
      '`govchain evidence certificate` prints it as a PDF with a QR.',
    tag: EVIDENCE_MODULE,
    params: { type: 'object', required: ['id'], properties: { id: HEX32_PARAM } },
    responses: {
      200: { description: 'the certificate', schema: EvidenceCertificateAnswer },
      400: INVALID,
      404: err('no such item or batch (EVIDENCE_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'POST',
    url: '/v1/evidence/verify',
    operationId: 'evidenceVerify',
    summary: "The court's check: is this content hash recorded?",
    description:
      'recorded: items record the hash (all listed), or the named batch does with the given inclusion proof; ' +
      'proof-invalid: the proof does not lead to the batch root; not-recorded: neither. With `certificate` ' +
      '(the JSON of GET /v1/evidence/:id/certificate) or `qr` (its GCE1 payload): the certificate is checked ' +
      "against this chain's validators and current record, with the file's hash when given; " +
      'certificate-invalid names the failing check.',
    tag: EVIDENCE_MODULE,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        contentHash: HEX32_PARAM,
        certificate: { type: 'object' },
        qr: { type: 'string', maxLength: 4296 },
        batch: {
          type: 'object',
          required: ['id', 'leafIndex', 'treeSize', 'path'],
          additionalProperties: false,
          properties: {
            id: HEX32_PARAM,
            leafIndex: { type: 'integer', minimum: 0, maximum: 10_000 },
            treeSize: { type: 'integer', minimum: 1, maximum: 10_000 },
            path: { type: 'array', maxItems: 64, items: HEX32_PARAM },
          },
        },
      },
    },
    responses: { 200: { description: 'the check', schema: EvidenceVerifyAnswer }, 400: INVALID, 500: INTERNAL },
  },
]

/** The proven height a QR names (0 when it does not decode: the check then reports the format). */
function heightOfQr(qr: string | undefined): number {
  try {
    return qr === undefined ? 0 : decodeEvidenceQr(qr).record.height
  } catch {
    return 0
  }
}

export function evidenceApi(ctx: ModuleApiContext): ApiExtension {
  const recordAt = (id: Uint8Array) => {
    const s = ctx.state(EVIDENCE_MODULE, EVIDENCE_KEYS.record(id), { prove: false })
    return s.value === undefined ? undefined : codec.decode(EvidenceEntry, s.value)
  }
  /** A record with its trusted timestamp, if it has one. */
  const view = (r: EvidenceEntry) => {
    const t = ctx.state(EVIDENCE_MODULE, EVIDENCE_KEYS.timestamp(r.id), { prove: false }).value
    const a = ctx.state(EVIDENCE_MODULE, EVIDENCE_KEYS.attestations(r.id), { prove: false }).value
    return renderEvidence(
      r,
      t === undefined ? undefined : codec.decode(EvidenceTimestamp, t),
      a === undefined ? [] : codec.decode(EvidenceAttestations, a),
    )
  }
  return {
    name: EVIDENCE_MODULE,
    routes: EVIDENCE_ROUTES,
    register(app, spec) {
      app.route<{ Params: { id: string }; Querystring: { prove?: string } }>({
        ...spec('evidenceGet'),
        handler: async (request) => {
          const s = ctx.state(EVIDENCE_MODULE, EVIDENCE_KEYS.record(fromHex(request.params.id)), {
            prove: request.query.prove === 'true',
          })
          if (s.value === undefined) throw new GovchainError('EVIDENCE_NOT_FOUND')
          return { evidence: view(codec.decode(EvidenceEntry, s.value)), state: stateJson(s) }
        },
      })
      app.route<{ Params: { id: string } }>({
        ...spec('evidenceCertificate'),
        handler: async (request): Promise<EvidenceCertificate> => {
          const id = fromHex(request.params.id)
          const s = ctx.state(EVIDENCE_MODULE, EVIDENCE_KEYS.record(id), { prove: true })
          if (s.value === undefined) throw new GovchainError('EVIDENCE_NOT_FOUND')
          const t = ctx.state(EVIDENCE_MODULE, EVIDENCE_KEYS.timestamp(id), { prove: true })
          const a = ctx.state(EVIDENCE_MODULE, EVIDENCE_KEYS.attestations(id), { prove: true })
          const proven = (x: typeof s): ProvenStateJson => {
            const { validatorSet: _pinnedByTheVerifier, ...rest } = stateJson(x)
            return rest
          }
          return makeEvidenceCertificate({
            chainId: ctx.chainId,
            suite: ctx.suite.name,
            evidence: view(codec.decode(EvidenceEntry, s.value)),
            record: proven(s),
            timestamp: t.value === undefined ? null : proven(t),
            attestations: a.value === undefined ? null : proven(a),
          })
        },
      })
      app.route<{ Params: { id: string }; Querystring: SequenceQuery }>({
        ...spec('evidenceHistory'),
        handler: async (request) => {
          const r = recordAt(fromHex(request.params.id))
          if (r === undefined) throw new GovchainError('EVIDENCE_NOT_FOUND')
          const { after, limit = SEQUENCE_PAGE_DEFAULT } = request.query
          let at: EvidenceEntry | undefined = recordAt(r.chain)
          if (after !== undefined) {
            const last = recordAt(fromHex(after))
            if (last === undefined || !equalBytes(last.chain, r.chain)) {
              throw new GovchainError(
                'INVALID_ARGUMENT',
                'after: a version of this item’s chain (the previous page’s next)',
              )
            }
            at = last.next === undefined ? undefined : recordAt(last.next)
          }
          const items = []
          for (; at !== undefined && items.length < limit; at = at.next === undefined ? undefined : recordAt(at.next)) {
            items.push(view(at))
          }
          const last = items.at(-1)
          return { items, next: at === undefined || last === undefined ? null : last.id }
        },
      })
      app.route<{
        Body: {
          contentHash?: string
          batch?: { id: string; leafIndex: number; treeSize: number; path: string[] }
          certificate?: EvidenceCertificate
          qr?: string
        }
      }>({
        ...spec('evidenceVerify'),
        handler: async (request) => {
          const { contentHash, batch, certificate, qr } = request.body
          const height = ctx.latestHeight()
          if (certificate !== undefined || qr !== undefined) {
            if (certificate !== undefined && qr !== undefined)
              throw new GovchainError('INVALID_ARGUMENT', 'give a certificate or a qr, not both')
            // The validators that signed the proven height, as this chain's governance knows them.
            const provenHeight = certificate?.record?.height ?? heightOfQr(qr)
            const verdict = verifyEvidenceCertificate({
              suite: ctx.suite,
              chainId: ctx.chainId,
              trustedValidatorSet: ctx.keeper(governanceRef).validatorSetAt(provenHeight),
              ...(certificate === undefined ? {} : { certificate }),
              ...(qr === undefined ? {} : { qr }),
              ...(contentHash === undefined ? {} : { contentHash: fromHex(contentHash) }),
              ...(batch === undefined ? {} : { batchProof: batch }),
            })
            const r = verdict.record === undefined ? undefined : recordAt(verdict.record.id)
            return {
              verdict: verdict.verdict === 'valid' ? 'recorded' : 'certificate-invalid',
              records: r === undefined ? [] : [view(r)],
              checks: verdict.checks,
              height,
            }
          }
          if (contentHash === undefined)
            throw new GovchainError('INVALID_ARGUMENT', 'give contentHash, a certificate or a qr')
          if (batch !== undefined) {
            const b = recordAt(fromHex(batch.id))
            if (b === undefined || b.type !== 'batch') return { verdict: 'not-recorded', records: [], height }
            const ok = b.count === batch.treeSize && verifyBatchProof(ctx.suite, b.digest, fromHex(contentHash), batch)
            return { verdict: ok ? 'recorded' : 'proof-invalid', records: [view(b)], height }
          }
          const page = seekPage({
            scan: (pre, n, from) => ctx.scanIndex(pre, n, from),
            prefix: concatBytes(utf8(`${EVIDENCE_MODULE}/`), EVIDENCE_INDEX.byDigest(fromHex(contentHash))),
            limit: 100,
            take: ({ suffix }) => recordAt(suffix),
          })
          const records = page.items.filter((r) => r.type === 'item').map(view)
          return { verdict: records.length > 0 ? 'recorded' : 'not-recorded', records, height }
        },
      })
    },
  }
}
