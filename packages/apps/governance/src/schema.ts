/**
 * The `governance` module's wire types, shared by the node, the SDK and the CLI: proposals
 * (a list of actions applied together), votes, validator records and equivocation evidence.
 *
 * Rules (docs/governance.md): one vote per active organisation, cast by one of its admin
 * officers; a proposal passes when yes votes × 3 > active organisations × 2; it takes effect at
 * max(effectiveHeight, passing height + 1), or + 2 when it changes the validator set (block
 * p's header already names the set of p + 1); without that quorum it expires after
 * `expiresHeight`.
 */

import { moduleRef } from '@govchain/app/ref'
import {
  codec,
  type ErrorInfo,
  hash32,
  publicKey,
  registerErrors,
  SignedProposal,
  SignedVote,
  utf8,
} from '@govchain/core'
import { IDENTITY_LIMITS, NewOrganisation } from '@govchain/identity/schema'
import type { GovernanceKeeper } from './module.ts'

const { bool, bytes, literals, option, string, struct, u32, u64, union, vec } = codec

export const GOVERNANCE_MODULE = 'governance'

/** The governance module's error codes, merged into the one catalogue (HTTP status and message). */
export const GOVERNANCE_ERRORS = {
  GOV_PROPOSAL_NOT_FOUND: { http: 404, message: 'no such proposal' },
  GOV_PROPOSAL_CLOSED: { http: 409, message: 'the proposal is no longer open for votes (decided or expired)' },
  GOV_ALREADY_VOTED: { http: 409, message: 'this organisation has already voted on the proposal' },
  GOV_BAD_PROPOSAL: { http: 400, message: 'the proposal is invalid (no actions, bad heights, or an invalid action)' },
  GOV_VALIDATOR_NOT_FOUND: { http: 404, message: 'no such validator' },
  GOV_VALIDATOR_EXISTS: { http: 409, message: 'a validator with this id or key already exists' },
  GOV_VALIDATOR_SET_EMPTY: { http: 409, message: 'the change would leave no validator with voting power' },
  GOV_TOO_MANY_CHANGES: { http: 409, message: 'too many pending power changes for this validator' },
  GOV_EVIDENCE_TOO_OLD: { http: 400, message: 'evidence is older than the evidence window or from the future' },
  GOV_EVIDENCE_DUPLICATE: { http: 409, message: 'this equivocation is already recorded' },
  GOV_EVIDENCE_NOT_FOUND: { http: 404, message: 'no equivocation is recorded for that validator and step' },
  GOV_TSA_CERTIFICATE_INVALID: {
    http: 400,
    message:
      'a TSA certificate must be DER X.509 with a critical timeStamping key usage and an ECDSA P-256/P-384 or RSA >= 2048 key',
  },
  GOV_TSA_EXISTS: { http: 409, message: 'a time-stamping authority with this id or certificate is registered' },
  GOV_TSA_NOT_FOUND: { http: 404, message: 'no registered time-stamping authority with this id' },
  GOV_OBSERVER_EXISTS: {
    http: 409,
    message: 'an observer or a validator with this node id or key is registered',
  },
  GOV_OBSERVER_NOT_FOUND: { http: 404, message: 'no registered observer with this node id' },
  GOV_CERT_ALREADY_REVOKED: {
    http: 409,
    message: 'a certificate with this serial (of that organisation) or this SHA-256 fingerprint is already revoked',
  },
} as const satisfies Record<string, ErrorInfo>
registerErrors(GOVERNANCE_MODULE, GOVERNANCE_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof GOVERNANCE_ERRORS, true> {}
}

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(governanceRef)`. */
export const governanceRef = moduleRef<GovernanceKeeper>()(GOVERNANCE_MODULE)
/** Append only (a recorded chain names them). */
export const GOVERNANCE_METHODS = {
  propose: 'propose',
  vote: 'vote',
  evidence: 'evidence',
  proposalEvidence: 'proposalEvidence',
} as const

export const GOVERNANCE_LIMITS = {
  actionsPerProposal: 16,
  titleBytes: 256,
  /** Longest voting period: a proposal expires at most this many blocks after it was made. */
  votingPeriodBlocksMax: 1_000_000,
  /** Power changes remembered per validator (past ones beyond the evidence window are pruned). */
  powerChangesPerValidator: 16,
  validators: 256,
  /** Evidence older than this many blocks is refused: the set it needs may be pruned. */
  evidenceMaxAgeBlocks: 1000,
  /** Time-stamping authorities registered at once (removed ones stay listed: old tokens still name them). */
  timestampAuthorities: 64,
  tsaCertificateBytes: 4096,
  /** Observer nodes registered at once (removed ones are forgotten once their removal is in force). */
  observers: 64,
  /**
   * Node certificates revoked at once (the consortium's CRL, RFC 5280 section 5): entries are kept
   * for good, as a CRL keeps an entry at least until the certificate expires.
   */
  revokedCertificates: 1024,
  /** RFC 5280 4.1.2.2: a certificate serial number is at most 20 octets. */
  certificateSerialBytes: 20,
  /** Holidays, or worked weekend days, one year's calendar lists at most. */
  calendarDaysMax: 40,
} as const

/**
 * Roles the consortium grants an organisation beyond being a member, checked by the modules that
 * need them: a notary office (公证机构) and a forensic examination centre (司法鉴定机构) attest
 * evidence; a court (法院) may attest too. Append only.
 */
export const ORGANISATION_ROLES = ['notary', 'forensic', 'court'] as const
export type OrganisationRole = (typeof ORGANISATION_ROLES)[number]

/**
 * Why a certificate is revoked: the CRLReason values of RFC 5280 section 5.3.1 that apply to a
 * node certificate revoked for good. certificateHold (6) is left out (a revocation here is
 * final: a node comes back with a renewed certificate), and so are removeFromCRL (8, delta CRLs
 * only) and aACompromise (10, attribute certificates). The RFC's numeric code of each is in
 * CRL_REASON_CODES. Append only.
 */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const
export type RevocationReason = (typeof REVOCATION_REASONS)[number]
/** RFC 5280 CRLReason ::= ENUMERATED: the code of each reason. */
export const CRL_REASON_CODES: Readonly<Record<RevocationReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
}

const id = string(IDENTITY_LIMITS.idBytes)

/** An organisation joining the consortium (its codec belongs to identity, which records it). */
export { NewOrganisation }

/**
 * Chain parameters governance may change (the genesis `params`); absent = unchanged.
 * maxTxValidityBlocks is not here: the replay guard's pruning depends on it never changing.
 */
export const ParamChanges = struct({
  blockMaxTxs: option(u32),
  blockMaxBytes: option(u32),
  timeoutProposeMs: option(u32),
  timeoutPrevoteMs: option(u32),
  timeoutPrecommitMs: option(u32),
  timeoutDeltaMs: option(u32),
  blockIntervalMs: option(u32),
  emptyBlockIntervalMs: option(u32),
  maxClockDriftMs: option(u32),
  anchorQuotaPerIdentityPerDay: option(u32),
})
export type ParamChanges = codec.Infer<typeof ParamChanges>

/** One change a proposal makes. Append variants only (the tag is the index). */
export const ProposalAction = union({
  addOrganisation: NewOrganisation,
  removeOrganisation: struct({ orgId: id }),
  addValidator: struct({ id, orgId: id, publicKey, power: u64 }),
  removeValidator: struct({ id }),
  setValidatorPower: struct({ id, power: u64 }),
  setParams: ParamChanges,
  /** A time-stamping authority (RFC 3161) whose tokens evidence accepts, by its DER certificate. */
  addTimestampAuthority: struct({ id, certificate: bytes(4096) }),
  removeTimestampAuthority: struct({ id }),
  /** The consortium roles an organisation holds (replaces its list; empty clears it). */
  setOrganisationRoles: struct({ orgId: id, roles: vec(literals(ORGANISATION_ROLES), ORGANISATION_ROLES.length) }),
  /**
   * A year's working calendar (国务院 holiday arrangement): statutory holidays falling on weekdays
   * and the weekend days worked instead (调休), as YYYYMMDD. Replaces that year's calendar.
   */
  setWorkCalendar: struct({
    year: u32,
    holidays: vec(u32, GOVERNANCE_LIMITS.calendarDaysMax),
    workdays: vec(u32, GOVERNANCE_LIMITS.calendarDaysMax),
  }),
  /**
   * An observer node (appended in 1.3.0): a node of `orgId` that syncs and serves the API but never
   * votes or proposes; peers admit it by its node id and the key it signs its p2p HELLO with.
   */
  addObserver: struct({ id, orgId: id, publicKey }),
  removeObserver: struct({ id }),
  /**
   * Revokes a node's TLS certificate (appended in 1.4.0): one issued by the CA of `orgId` (the
   * issuer of RFC 5280's CRL entry), named by its serial number (big-endian, no leading zero
   * byte), by the SHA-256 of its DER, or both; `reason` is an RFC 5280 CRLReason. Peers drop a
   * connection presenting it and refuse it (P2P_CERT_REVOKED); a renewed certificate is another.
   */
  revokeCertificate: struct({
    orgId: id,
    serial: option(bytes(GOVERNANCE_LIMITS.certificateSerialBytes)),
    sha256: option(hash32),
    reason: literals(REVOCATION_REASONS),
  }),
})
export type ProposalAction = codec.Infer<typeof ProposalAction>

/** governance.propose: signed by an admin officer; the proposer's organisation votes yes. */
export const ProposeArgs = struct({
  title: string(GOVERNANCE_LIMITS.titleBytes),
  actions: vec(ProposalAction, GOVERNANCE_LIMITS.actionsPerProposal),
  /** Earliest height at which it takes effect (0 = as soon as it passes). */
  effectiveHeight: u64,
  /** Last height at which votes are counted; it expires after it without a quorum. */
  expiresHeight: u64,
})
export type ProposeArgs = codec.Infer<typeof ProposeArgs>

/** governance.vote: signed by an admin officer of an active organisation. */
export const VoteArgs = struct({ proposalId: u64, approve: bool })
export type VoteArgs = codec.Infer<typeof VoteArgs>

/** governance.evidence: two conflicting signed votes of one validator; any sender may submit it. */
export const EvidenceArgs = struct({ voteA: SignedVote, voteB: SignedVote })
export type EvidenceArgs = codec.Infer<typeof EvidenceArgs>

/**
 * governance.proposalEvidence: two different signed proposals of one proposer for one (height,
 * round) (docs/adr/0026); any registered sender may submit it.
 */
export const ProposalEvidenceArgs = struct({ proposalA: SignedProposal, proposalB: SignedProposal })
export type ProposalEvidenceArgs = codec.Infer<typeof ProposalEvidenceArgs>

export const PROPOSAL_STATUSES = ['voting', 'passed', 'rejected', 'expired', 'failed'] as const
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number]

export const ProposalRecord = struct({
  id: u64,
  title: string(GOVERNANCE_LIMITS.titleBytes),
  actions: vec(ProposalAction, GOVERNANCE_LIMITS.actionsPerProposal),
  proposerOrg: id,
  proposerOfficer: id,
  createdHeight: u64,
  createdTimeMs: u64,
  effectiveHeight: u64,
  expiresHeight: u64,
  /** voting | passed | rejected | failed (expired is derived from the height, never stored). */
  status: literals(PROPOSAL_STATUSES),
  yes: vec(id, IDENTITY_LIMITS.organisations),
  no: vec(id, IDENTITY_LIMITS.organisations),
  /** Height it passed (or was rejected / failed) at, and the height its effect starts. */
  decidedHeight: option(u64),
  appliedFromHeight: option(u64),
  /** Error code when applying a passed proposal failed (status failed). */
  failure: option(string(64)),
})
export type ProposalRecord = codec.Infer<typeof ProposalRecord>

export const VoteRecord = struct({
  proposalId: u64,
  orgId: id,
  officerId: id,
  approve: bool,
  height: u64,
  timeMs: u64,
  txHash: hash32,
})
export type VoteRecord = codec.Infer<typeof VoteRecord>

export const PowerChange = struct({ fromHeight: u64, power: u64 })
export type PowerChange = codec.Infer<typeof PowerChange>

/**
 * A validator as governance knows it. Its voting power at height h is the power of the last
 * change with fromHeight <= h (0 before the first). Validators with power 0 are left out of
 * the set (the consensus set never holds a zero power).
 */
export const ValidatorRecord = struct({
  id,
  orgId: id,
  publicKey,
  changes: vec(PowerChange, GOVERNANCE_LIMITS.powerChangesPerValidator),
  /** Height at which equivocation evidence took its power away (until governance re-weights it). */
  jailedAtHeight: option(u64),
})
export type ValidatorRecord = codec.Infer<typeof ValidatorRecord>

/** The chain parameters in force from a height on (the genesis `params` at height 1). */
export const ChainParamsCodec = struct({
  blockMaxTxs: u32,
  blockMaxBytes: u32,
  maxTxValidityBlocks: u32,
  timeoutProposeMs: u32,
  timeoutPrevoteMs: u32,
  timeoutPrecommitMs: u32,
  timeoutDeltaMs: u32,
  blockIntervalMs: u32,
  emptyBlockIntervalMs: u32,
  maxClockDriftMs: u32,
  /** anchor.put by a DID: at most this many per DID and day of block time (0: DIDs may not anchor). */
  anchorQuotaPerIdentityPerDay: u32,
})
export type ChainParamsValue = codec.Infer<typeof ChainParamsCodec>
export const ParamsSchedule = vec(struct({ fromHeight: u64, params: ChainParamsCodec }), 8)
export type ParamsSchedule = codec.Infer<typeof ParamsSchedule>

/** A year's working calendar as recorded (days as YYYYMMDD, sorted). */
export const WorkCalendar = struct({
  year: u32,
  holidays: vec(u32, GOVERNANCE_LIMITS.calendarDaysMax),
  workdays: vec(u32, GOVERNANCE_LIMITS.calendarDaysMax),
  proposalId: u64,
})
export type WorkCalendar = codec.Infer<typeof WorkCalendar>

/** An organisation's consortium roles from `fromHeight` (the latest entry ≤ a height is in force). */
export const OrganisationRolesRecord = struct({
  orgId: id,
  changes: vec(
    struct({ fromHeight: u64, roles: vec(literals(ORGANISATION_ROLES), ORGANISATION_ROLES.length) }),
    GOVERNANCE_LIMITS.powerChangesPerValidator,
  ),
})
export type OrganisationRolesRecord = codec.Infer<typeof OrganisationRolesRecord>

/**
 * A time-stamping authority the consortium trusts from `fromHeight` (until `removedFromHeight`).
 * Its certificate's checks (RFC 3161 §2.3) ran when the proposal was made.
 */
export const TimestampAuthorityRecord = struct({
  id,
  certificate: bytes(GOVERNANCE_LIMITS.tsaCertificateBytes),
  fromHeight: u64,
  removedFromHeight: option(u64),
  proposalId: u64,
})
export type TimestampAuthorityRecord = codec.Infer<typeof TimestampAuthorityRecord>
export const TimestampAuthorities = vec(TimestampAuthorityRecord, GOVERNANCE_LIMITS.timestampAuthorities)

/**
 * An observer node registered from `fromHeight` (until `removedFromHeight`): peers admit it at the
 * heights it is in force, it is never in a validator set (docs/operations.md, "Observer nodes").
 */
export const ObserverRecord = struct({
  id,
  orgId: id,
  publicKey,
  fromHeight: u64,
  removedFromHeight: option(u64),
  proposalId: u64,
})
export type ObserverRecord = codec.Infer<typeof ObserverRecord>
export const Observers = vec(ObserverRecord, GOVERNANCE_LIMITS.observers)

/** A revoked node certificate, in force (refused by peers) from `fromHeight` on. */
export const RevokedCertificateRecord = struct({
  orgId: id,
  serial: option(bytes(GOVERNANCE_LIMITS.certificateSerialBytes)),
  sha256: option(hash32),
  reason: literals(REVOCATION_REASONS),
  fromHeight: u64,
  proposalId: u64,
})
export type RevokedCertificateRecord = codec.Infer<typeof RevokedCertificateRecord>
export const RevokedCertificates = vec(RevokedCertificateRecord, GOVERNANCE_LIMITS.revokedCertificates)

export const EvidenceRecord = struct({
  validatorId: id,
  height: u64,
  round: u32,
  /** The step equivocated at; 'proposal' (appended in 1.2.0): the round's proposal. */
  type: literals(['prevote', 'precommit', 'proposal'] as const),
  submittedHeight: u64,
  submitter: publicKey,
  txHash: hash32,
  evidence: bytes(1024),
})
export type EvidenceRecord = codec.Infer<typeof EvidenceRecord>

function u64be(n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), false)
  return b
}

function join(prefix: string, ...parts: Uint8Array[]): Uint8Array {
  const head = utf8(prefix)
  let n = head.length
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  out.set(head, 0)
  let o = head.length
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const governanceKeys = {
  /** u64 LE: the next proposal id (ids start at 1). */
  nextProposalId: (): Uint8Array => utf8('next-proposal-id'),
  proposal: (proposalId: number): Uint8Array => join('proposal/', u64be(proposalId)),
  vote: (proposalId: number, orgId: string): Uint8Array => join('vote/', u64be(proposalId), utf8(`/${orgId}`)),
  /** vec(ValidatorRecord) in registration order: the order of the consensus set. */
  validators: (): Uint8Array => utf8('validators'),
  /** vec({fromHeight, params}) of the chain parameters in force. */
  params: (): Uint8Array => utf8('params'),
  /** WorkCalendar of one year (u32 year big-endian in the key). */
  workCalendar: (year: number): Uint8Array => utf8(`calendar/${year}`),
  /** OrganisationRolesRecord of one organisation. */
  organisationRoles: (orgId: string): Uint8Array => utf8(`roles/${orgId}`),
  /** vec(TimestampAuthorityRecord) in registration order. */
  timestampAuthorities: (): Uint8Array => utf8('tsa'),
  /** vec(ObserverRecord) in registration order. */
  observers: (): Uint8Array => utf8('observers'),
  /** vec(RevokedCertificateRecord) in revocation order: the consortium's certificate revocation list. */
  revokedCertificates: (): Uint8Array => utf8('revoked-certificates'),
  /** One evidence per (validator, height, round, type); type 'proposal' for duplicate proposals. */
  evidence: (validatorId: string, height: number, round: number, type: string): Uint8Array =>
    join('evidence/', utf8(`${validatorId}/`), u64be(height), utf8(`/${round}/${type}`)),
} as const
