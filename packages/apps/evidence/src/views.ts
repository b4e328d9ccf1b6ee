/**
 * The evidence API's answers as TypeBox schemas (docs/adr/0019-typebox-response-schemas.md): the
 * routes serialise with them and clients take their types from them. Browser-safe.
 */
import { Hex32, HexBytes, Int, NextCursor, Nullable, StateSchema } from '@govchain/app/route-kit'
import { type Static, Type } from '@sinclair/typebox'

/** A verified RFC 3161 token attached to an item (docs/adr/0024-trusted-timestamps.md). */
export const TimestampView = Type.Object({
  authority: Type.String({ description: 'the registered TSA id' }),
  genTimeMs: Int,
  serial: Type.String({ description: "the TSA's serial number of the token, hex" }),
  policy: Type.String({ description: 'TSA policy OID' }),
  hashAlgorithm: Type.Union([Type.Literal('sm3'), Type.Literal('sha256')]),
  token: HexBytes,
  height: Int,
  timeMs: Int,
})
export type TimestampView = Static<typeof TimestampView>

export const AttestationView = Type.Object({
  orgId: Type.String(),
  officerId: Type.String(),
  role: Type.String({ description: 'notary | forensic | court (governance setOrganisationRoles)' }),
  statement: Type.Union([Type.Literal('notarised'), Type.Literal('forensic-examined'), Type.Literal('court-accepted')]),
  report: Nullable(Hex32),
  height: Int,
  timeMs: Int,
  txHash: Hex32,
})
export type AttestationView = Static<typeof AttestationView>

export const EvidenceView = Type.Object({
  id: Hex32,
  type: Type.Union([Type.Literal('item'), Type.Literal('batch')]),
  kind: Type.String(),
  digest: Hex32,
  count: Int,
  caseRef: Nullable(Type.String()),
  submitter: Type.Object({
    kind: Type.Union([Type.Literal('officer'), Type.Literal('did')]),
    id: Type.String(),
    verifiedBy: Type.String(),
  }),
  chain: Hex32,
  version: Int,
  previous: Nullable(Hex32),
  next: Nullable(Hex32),
  height: Int,
  timeMs: Int,
  timestamp: Nullable(TimestampView),
  attestations: Type.Array(AttestationView),
})
export type EvidenceView = Static<typeof EvidenceView>
export const EvidenceAnswer = Type.Object({ evidence: EvidenceView, state: StateSchema })
/** GET /v1/evidence/:id/certificate: the certificate (certificate.ts), with the record's and the timestamp's proofs. */
export const ProvenStateView = Type.Object({
  module: Type.String(),
  key: Type.String(),
  value: Nullable(Type.String()),
  height: Int,
  proof: Nullable(Type.String()),
  headerBytes: Nullable(Type.String()),
  certificate: Nullable(Type.String()),
})
export const EvidenceCertificateAnswer = Type.Object({
  format: Type.Literal('govchain-evidence-certificate'),
  version: Type.Literal(1),
  chainId: Type.String(),
  suite: Type.Union([Type.Literal('gm'), Type.Literal('intl')]),
  id: Hex32,
  evidence: EvidenceView,
  record: ProvenStateView,
  timestamp: Nullable(ProvenStateView),
  attestations: Nullable(ProvenStateView),
})
export const EvidenceHistoryAnswer = Type.Object({ items: Type.Array(EvidenceView), next: NextCursor })
export type EvidenceHistoryAnswer = Static<typeof EvidenceHistoryAnswer>
export const CertificateCheckView = Type.Object({
  check: Type.String({ description: 'format | chain | commit | record | printed | content | timestamp' }),
  ok: Type.Boolean(),
  message: Type.String(),
  code: Type.Optional(Type.String()),
})
export const EvidenceVerifyAnswer = Type.Object({
  verdict: Type.Union([
    Type.Literal('recorded'),
    Type.Literal('not-recorded'),
    Type.Literal('proof-invalid'),
    Type.Literal('certificate-invalid'),
  ]),
  /** The items or the batch that record the content hash (or that the certificate names). */
  records: Type.Array(EvidenceView),
  /** With a certificate or QR: each check, in order (the node's validator set at the proven height). */
  checks: Type.Optional(Type.Array(CertificateCheckView)),
  height: Int,
})
export type EvidenceVerifyAnswer = Static<typeof EvidenceVerifyAnswer>
