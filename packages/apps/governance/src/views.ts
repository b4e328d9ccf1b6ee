/**
 * The governance API's answers as TypeBox schemas (docs/adr/0019-typebox-response-schemas.md):
 * the routes serialise with them, the OpenAPI document shows them, and the readers of client.ts
 * take their types from them (Static<>). Browser-safe.
 */
import { Hex32, HexBytes, Int, NextCursor, Nullable, StringEnum } from '@govchain/app/route-kit'
import { ADMIN_LEVELS } from '@govchain/core'
import { type Static, Type } from '@sinclair/typebox'
import { ORGANISATION_ROLES, PROPOSAL_STATUSES, REVOCATION_REASONS } from './schema.ts'

const action = <T extends string, P extends Parameters<typeof Type.Object>[0]>(type: T, properties: P) =>
  Type.Object({ type: Type.Literal(type), ...properties })

/** Absent = unchanged. */
const param = Type.Optional(Int)

/** One change a proposal makes, tagged by `type`; keys are hex. */
export const ProposalActionView = Type.Union([
  action('addOrganisation', {
    id: Type.String(),
    name: Type.String(),
    nameEn: Type.String(),
    code: Type.String(),
    level: StringEnum(ADMIN_LEVELS),
    regionCode: Type.String(),
    region: Type.String(),
    caCertPem: Type.String(),
    operatorPublicKey: HexBytes,
    identityAuthority: Type.Boolean(),
  }),
  action('removeOrganisation', { orgId: Type.String() }),
  action('addValidator', { id: Type.String(), orgId: Type.String(), publicKey: HexBytes, power: Int }),
  action('removeValidator', { id: Type.String() }),
  action('setValidatorPower', { id: Type.String(), power: Int }),
  action('setParams', {
    blockMaxTxs: param,
    blockMaxBytes: param,
    timeoutProposeMs: param,
    timeoutPrevoteMs: param,
    timeoutPrecommitMs: param,
    timeoutDeltaMs: param,
    blockIntervalMs: param,
    emptyBlockIntervalMs: param,
    maxClockDriftMs: param,
    anchorQuotaPerIdentityPerDay: param,
  }),
  action('addTimestampAuthority', { id: Type.String(), certificate: HexBytes }),
  action('removeTimestampAuthority', { id: Type.String() }),
  action('setWorkCalendar', { year: Int, holidays: Type.Array(Int), workdays: Type.Array(Int) }),
  action('setOrganisationRoles', { orgId: Type.String(), roles: Type.Array(StringEnum(ORGANISATION_ROLES)) }),
  action('addObserver', { id: Type.String(), orgId: Type.String(), publicKey: HexBytes }),
  action('removeObserver', { id: Type.String() }),
  action('revokeCertificate', {
    orgId: Type.String(),
    serial: Nullable(HexBytes),
    sha256: Nullable(Hex32),
    reason: StringEnum(REVOCATION_REASONS),
    reasonCode: Int,
  }),
])
export type ProposalActionView = Static<typeof ProposalActionView>

export const ProposalInfo = Type.Object({
  id: Int,
  title: Type.String(),
  actions: Type.Array(ProposalActionView),
  proposerOrg: Type.String(),
  proposerOfficer: Type.String(),
  createdHeight: Int,
  createdTimeMs: Int,
  effectiveHeight: Int,
  expiresHeight: Int,
  status: StringEnum(PROPOSAL_STATUSES, { description: 'expired is derived from the latest height' }),
  yes: Type.Array(Type.String(), { description: 'organisations that voted yes' }),
  no: Type.Array(Type.String()),
  decidedHeight: Nullable(Int),
  appliedFromHeight: Nullable(Int),
  failure: Nullable(Type.String({ description: 'error code when applying the passed proposal failed' })),
})
export type ProposalInfo = Static<typeof ProposalInfo>

export const VoteInfo = Type.Object({
  proposalId: Int,
  orgId: Type.String(),
  officerId: Type.String(),
  approve: Type.Boolean(),
  height: Int,
  timeMs: Int,
  txHash: Hex32,
})
export type VoteInfo = Static<typeof VoteInfo>

export const ValidatorRecordInfo = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  publicKey: HexBytes,
  power: Int,
  changes: Type.Array(Type.Object({ fromHeight: Int, power: Int })),
  jailedAtHeight: Nullable(Int),
})
export type ValidatorRecordInfo = Static<typeof ValidatorRecordInfo>

export const ProposalsAnswer = Type.Object({ height: Int, proposals: Type.Array(ProposalInfo) })
export type ProposalsAnswer = Static<typeof ProposalsAnswer>
export const ProposalAnswer = Type.Object({ proposal: ProposalInfo, votes: Type.Array(VoteInfo) })
export type ProposalAnswer = Static<typeof ProposalAnswer>
export const GovernanceValidatorsAnswer = Type.Object({ height: Int, validators: Type.Array(ValidatorRecordInfo) })
export type GovernanceValidatorsAnswer = Static<typeof GovernanceValidatorsAnswer>

/** When a governed membership (timestamp authority, observer) is in force, and whether it is at the answer height. */
const membership = {
  fromHeight: Int,
  removedFromHeight: Nullable(Int),
  proposalId: Int,
  active: Type.Boolean({ description: 'in force at the answer height' }),
}

export const TimestampAuthorityInfo = Type.Object({
  id: Type.String(),
  /** DER X.509, hex. */
  certificate: HexBytes,
  certificateInfo: Nullable(
    Type.Object({
      subject: Type.String(),
      issuer: Type.String(),
      serial: Type.String(),
      notBeforeMs: Int,
      notAfterMs: Int,
      key: Type.String({ description: 'ecdsa-p256 | ecdsa-p384 | rsa-<bits>' }),
    }),
  ),
  ...membership,
})
export type TimestampAuthorityInfo = Static<typeof TimestampAuthorityInfo>
export const TimestampAuthoritiesAnswer = Type.Object({ height: Int, authorities: Type.Array(TimestampAuthorityInfo) })
export type TimestampAuthoritiesAnswer = Static<typeof TimestampAuthoritiesAnswer>

/** An observer node: admitted by peers while in force, never in a validator set. */
export const ObserverInfo = Type.Object({
  id: Type.String({ description: 'node id' }),
  orgId: Type.String(),
  /** The key its node signs the p2p HELLO with (keys/validator.json of its home). */
  publicKey: HexBytes,
  ...membership,
})
export type ObserverInfo = Static<typeof ObserverInfo>
export const ObserversAnswer = Type.Object({ height: Int, observers: Type.Array(ObserverInfo) })
export type ObserversAnswer = Static<typeof ObserversAnswer>

/** A node certificate governance revoked: one entry of the consortium's CRL (RFC 5280 section 5). */
export const RevokedCertificateInfo = Type.Object({
  orgId: Type.String({ description: 'the organisation whose CA issued it (the CRL issuer)' }),
  serial: Nullable(
    Type.String({ pattern: '^([0-9a-f]{2})*$', description: 'serial number, big-endian hex without a leading 00' }),
  ),
  sha256: Nullable(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the certificate DER' })),
  reason: StringEnum(REVOCATION_REASONS, { description: 'RFC 5280 CRLReason' }),
  reasonCode: Type.Integer({ minimum: 0, maximum: 10, description: 'its RFC 5280 code' }),
  fromHeight: Int,
  proposalId: Int,
  active: Type.Boolean({ description: 'in force at the answer height' }),
})
export type RevokedCertificateInfo = Static<typeof RevokedCertificateInfo>
export const RevokedCertificatesAnswer = Type.Object({
  height: Int,
  certificates: Type.Array(RevokedCertificateInfo),
  next: NextCursor,
})
export type RevokedCertificatesAnswer = Static<typeof RevokedCertificatesAnswer>

/** An equivocation recorded by governance: who, where, by whom, and the evidence itself (encoded, hex). */
export const EvidenceInfo = Type.Object({
  validatorId: Type.String(),
  height: Int,
  round: Int,
  type: StringEnum(['prevote', 'precommit', 'proposal']),
  submittedHeight: Int,
  submitter: HexBytes,
  txHash: Hex32,
  evidence: HexBytes,
})
export type EvidenceInfo = Static<typeof EvidenceInfo>
export const EvidenceAnswer = Type.Object({ height: Int, evidence: EvidenceInfo })
export type EvidenceAnswer = Static<typeof EvidenceAnswer>
