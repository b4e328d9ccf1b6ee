/**
 * Governance transactions (proposals, votes, equivocation evidence) and typed reads.
 * A proposal is a list of actions applied together; see docs/governance.md for the rules.
 */

import { getAnswer } from '@govchain/app/answer'
import type { Client } from '@govchain/client'
import { type BuiltTx, buildTx } from '@govchain/client'
import { codec, type DuplicateProposalEvidence, type DuplicateVoteEvidence } from '@govchain/core'
import type { TxCommon } from '@govchain/identity/client'
import {
  EvidenceArgs,
  GOVERNANCE_METHODS,
  GOVERNANCE_MODULE,
  type NewOrganisation,
  type OrganisationRole,
  type ParamChanges,
  type ProposalAction,
  ProposalEvidenceArgs,
  ProposeArgs,
  type RevocationReason,
  VoteArgs,
} from './schema.ts'

import {
  GovernanceValidatorsAnswer,
  type ObserverInfo,
  ObserversAnswer,
  ProposalAnswer,
  type ProposalInfo,
  ProposalsAnswer,
  type RevokedCertificateInfo,
  RevokedCertificatesAnswer,
  type ValidatorRecordInfo,
  type VoteInfo,
} from './views.ts'

// The answers' types come from the routes' schemas (views.ts).
export type {
  NewOrganisation,
  ObserverInfo,
  ParamChanges,
  ProposalAction,
  ProposalAnswer,
  ProposalInfo,
  RevocationReason,
  RevokedCertificateInfo,
  ValidatorRecordInfo,
  VoteInfo,
}

function build<A>(o: TxCommon, method: string, argsCodec: codec.Codec<A>, args: A): BuiltTx {
  return buildTx({
    suite: o.suite,
    chainId: o.chainId,
    privateKey: o.privateKey,
    module: GOVERNANCE_MODULE,
    method,
    args: codec.encode(argsCodec, args),
    validUntilHeight: o.validUntilHeight,
    ...(o.nonce === undefined ? {} : { nonce: o.nonce }),
  })
}

/** Action helpers, so callers need not spell the tagged union. */
export const actions = {
  addOrganisation: (org: NewOrganisation): ProposalAction => ({ type: 'addOrganisation', value: org }),
  removeOrganisation: (orgId: string): ProposalAction => ({ type: 'removeOrganisation', value: { orgId } }),
  addValidator: (v: { id: string; orgId: string; publicKey: Uint8Array; power: number }): ProposalAction => ({
    type: 'addValidator',
    value: v,
  }),
  removeValidator: (id: string): ProposalAction => ({ type: 'removeValidator', value: { id } }),
  setValidatorPower: (id: string, power: number): ProposalAction => ({
    type: 'setValidatorPower',
    value: { id, power },
  }),
  setParams: (changes: ParamChanges): ProposalAction => ({ type: 'setParams', value: changes }),
  addTimestampAuthority: (id: string, certificate: Uint8Array): ProposalAction => ({
    type: 'addTimestampAuthority',
    value: { id, certificate },
  }),
  removeTimestampAuthority: (id: string): ProposalAction => ({ type: 'removeTimestampAuthority', value: { id } }),
  setWorkCalendar: (c: { year: number; holidays: number[]; workdays: number[] }): ProposalAction => ({
    type: 'setWorkCalendar',
    value: c,
  }),
  setOrganisationRoles: (orgId: string, roles: OrganisationRole[]): ProposalAction => ({
    type: 'setOrganisationRoles',
    value: { orgId, roles },
  }),
  /** An observer node: `id` its node id, `publicKey` the key in its home's keys/validator.json. */
  addObserver: (o: { id: string; orgId: string; publicKey: Uint8Array }): ProposalAction => ({
    type: 'addObserver',
    value: o,
  }),
  removeObserver: (id: string): ProposalAction => ({ type: 'removeObserver', value: { id } }),
  /**
   * Revokes a node certificate of `orgId`'s CA by serial (big-endian, no leading zero byte) and/or
   * SHA-256 of its DER, with an RFC 5280 reason; peers then refuse it (P2P_CERT_REVOKED).
   */
  revokeCertificate: (c: {
    orgId: string
    serial?: Uint8Array
    sha256?: Uint8Array
    reason: RevocationReason
  }): ProposalAction => ({ type: 'revokeCertificate', value: c }),
} as const

/**
 * governance.propose, signed by an admin officer (its organisation votes yes). Takes effect
 * from max(effectiveHeight, passing height + 1), + 2 for validator changes; 0 = as soon as it passes.
 */
export function propose(
  o: TxCommon & { title: string; actions: ProposalAction[]; effectiveHeight?: number; expiresHeight: number },
): BuiltTx {
  return build(o, GOVERNANCE_METHODS.propose, ProposeArgs, {
    title: o.title,
    actions: o.actions,
    effectiveHeight: o.effectiveHeight ?? 0,
    expiresHeight: o.expiresHeight,
  })
}

/** governance.vote, signed by an admin officer: one vote per organisation. */
export function vote(o: TxCommon & { proposalId: number; approve: boolean }): BuiltTx {
  return build(o, GOVERNANCE_METHODS.vote, VoteArgs, { proposalId: o.proposalId, approve: o.approve })
}

/** governance.evidence: two conflicting signed votes of one validator (any sender). */
export function submitEvidence(o: TxCommon & { evidence: DuplicateVoteEvidence }): BuiltTx {
  return build(o, GOVERNANCE_METHODS.evidence, EvidenceArgs, o.evidence)
}

/** governance.proposalEvidence: two different signed proposals of one round's proposer (any registered sender). */
export function submitProposalEvidence(o: TxCommon & { evidence: DuplicateProposalEvidence }): BuiltTx {
  return build(o, GOVERNANCE_METHODS.proposalEvidence, ProposalEvidenceArgs, o.evidence)
}

// ---------------------------------------------------------------- reads

export async function listProposals(
  client: Pick<Client, 'getJson'>,
  status?: ProposalInfo['status'],
): Promise<ProposalInfo[]> {
  const q = status === undefined ? '' : `?status=${status}`
  return (await getAnswer(client, `/v1/proposals${q}`, ProposalsAnswer)).proposals
}

export async function getProposal(client: Pick<Client, 'getJson'>, id: number): Promise<ProposalAnswer> {
  const o = await getAnswer(client, `/v1/proposals/${id}`, ProposalAnswer)
  return { proposal: o.proposal, votes: o.votes }
}

export async function governanceValidators(client: Pick<Client, 'getJson'>): Promise<ValidatorRecordInfo[]> {
  return (await getAnswer(client, '/v1/governance/validators', GovernanceValidatorsAnswer)).validators
}

/** One page of the consortium's revoked node certificates (`next`: the cursor of the next page, or null). */
export async function governanceRevokedCertificates(
  client: Pick<Client, 'getJson'>,
  page: { limit?: number; after?: string } = {},
): Promise<{ certificates: RevokedCertificateInfo[]; next: string | null }> {
  const q = new URLSearchParams()
  if (page.limit !== undefined) q.set('limit', String(page.limit))
  if (page.after !== undefined) q.set('after', page.after)
  const qs = q.toString()
  const a = await getAnswer(
    client,
    `/v1/governance/revoked-certificates${qs === '' ? '' : `?${qs}`}`,
    RevokedCertificatesAnswer,
  )
  return { certificates: a.certificates, next: a.next }
}

export async function governanceObservers(client: Pick<Client, 'getJson'>): Promise<ObserverInfo[]> {
  return (await getAnswer(client, '/v1/governance/observers', ObserversAnswer)).observers
}
