/**
 * The governance module's API routes: proposals with their votes, and the validator records
 * (scheduled power changes, evidence penalties) behind the validator set.
 */

import type { ApiExtension, ModuleApiContext } from '@govchain/app'
import { err, INTERNAL, INVALID, type RouteSpec } from '@govchain/app'
import { codec, GovchainError, ID_PATTERN } from '@govchain/core'
import {
  type GovernanceKeeper,
  governanceReaders,
  renderEvidenceRecord,
  renderObserver,
  renderProposal,
  renderRevokedCertificate,
  renderTimestampAuthority,
  renderValidatorRecord,
  renderVote,
} from './module.ts'
import { EvidenceRecord, GOVERNANCE_MODULE, governanceKeys, ProposalRecord, VoteRecord } from './schema.ts'
import {
  EvidenceAnswer,
  GovernanceValidatorsAnswer,
  ObserversAnswer,
  ProposalAnswer,
  ProposalsAnswer,
  RevokedCertificatesAnswer,
  TimestampAuthoritiesAnswer,
} from './views.ts'

const idText = { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'proposal id, decimal' }
/** Proposals listed per request (newest first). */
export const PROPOSALS_LIST_MAX = 100
/** Revoked certificates per page (default and largest). */
const REVOKED_PAGE_DEFAULT = 50
const REVOKED_PAGE_MAX = 200

export const GOVERNANCE_ROUTES: RouteSpec[] = [
  {
    method: 'GET',
    url: '/v1/proposals',
    operationId: 'governanceListProposals',
    summary: 'Governance proposals, newest first',
    description: `At most ${PROPOSALS_LIST_MAX}; filter with \`status\`. Expired is derived from the latest height.`,
    tag: GOVERNANCE_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { status: { type: 'string', enum: ['voting', 'passed', 'rejected', 'expired', 'failed'] } },
    },
    responses: {
      200: {
        description: 'proposals',
        schema: ProposalsAnswer,
      },
      400: INVALID,
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/proposals/:id',
    operationId: 'governanceGetProposal',
    summary: 'A proposal with its votes',
    description: 'Actions, tally, status and every vote (organisation, officer, height, transaction).',
    tag: GOVERNANCE_MODULE,
    params: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: idText } },
    responses: {
      200: {
        description: 'the proposal',
        schema: ProposalAnswer,
      },
      400: INVALID,
      404: err('no such proposal (GOV_PROPOSAL_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/governance/validators',
    operationId: 'governanceValidators',
    summary: 'Validator records behind the set',
    description:
      'Every validator governance knows, with its power at the next height, its scheduled power changes and ' +
      'the height at which equivocation evidence took its power away (null if never).',
    tag: GOVERNANCE_MODULE,
    responses: {
      200: {
        description: 'validators',
        schema: GovernanceValidatorsAnswer,
      },
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/governance/timestamp-authorities',
    operationId: 'governanceTimestampAuthorities',
    summary: 'Time-stamping authorities the consortium registered',
    description:
      'Every RFC 3161 TSA governance registered (at most 64, removed ones included: tokens recorded earlier ' +
      'name them), with its certificate (DER, hex), what the certificate says, and whether it is in force.',
    tag: GOVERNANCE_MODULE,
    responses: {
      200: { description: 'authorities', schema: TimestampAuthoritiesAnswer },
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/governance/observers',
    operationId: 'governanceObservers',
    summary: 'Observer nodes the consortium registered',
    description:
      'Every observer node governance registered (at most 64): a node that syncs and serves the API with ' +
      'proofs but never votes or proposes. Peers admit it by its node id and key while it is in force; ' +
      'a removed one is listed until its removal is in force.',
    tag: GOVERNANCE_MODULE,
    responses: {
      200: { description: 'observers', schema: ObserversAnswer },
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/governance/revoked-certificates',
    operationId: 'governanceRevokedCertificates',
    summary: 'Node certificates the consortium revoked (its CRL)',
    description:
      'Every node certificate governance revoked, in revocation order: the issuing organisation and the ' +
      'serial number and/or SHA-256 of the certificate, with its RFC 5280 reason. Peers drop ' +
      'and refuse a connection presenting one (P2P_CERT_REVOKED) from `fromHeight` on. Pages by cursor: ' +
      "pass the previous page's `next` as `after`.",
    tag: GOVERNANCE_MODULE,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: REVOKED_PAGE_MAX, default: REVOKED_PAGE_DEFAULT },
        after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,5})$', description: 'cursor: `next` of the previous page' },
      },
    },
    responses: {
      200: { description: 'revoked certificates', schema: RevokedCertificatesAnswer },
      400: INVALID,
      500: INTERNAL,
    },
  },
  {
    method: 'GET',
    url: '/v1/governance/evidence/:validatorId/:height/:round/:type',
    operationId: 'governanceGetEvidence',
    summary: 'A recorded equivocation',
    description:
      'The evidence governance recorded against a validator for one step: two conflicting votes (prevote, ' +
      'precommit) or two different proposals (proposal, ADR 0026), with who submitted it and when.',
    tag: GOVERNANCE_MODULE,
    params: {
      type: 'object',
      required: ['validatorId', 'height', 'round', 'type'],
      additionalProperties: false,
      properties: {
        validatorId: { type: 'string', pattern: ID_PATTERN.source, description: 'validator id' },
        height: { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'decimal' },
        round: { type: 'string', pattern: '^(0|[1-9][0-9]{0,8})$', description: 'decimal' },
        type: { type: 'string', enum: ['prevote', 'precommit', 'proposal'] },
      },
    },
    responses: {
      200: { description: 'the evidence record', schema: EvidenceAnswer },
      400: INVALID,
      404: err('nothing recorded for that validator and step (GOV_EVIDENCE_NOT_FOUND)'),
      500: INTERNAL,
    },
  },
]

export function governanceApi(ctx: ModuleApiContext): ApiExtension {
  const read = (key: Uint8Array) => ctx.state(GOVERNANCE_MODULE, key).value
  return {
    name: GOVERNANCE_MODULE,
    routes: GOVERNANCE_ROUTES,
    register(app, spec) {
      app.route<{ Querystring: { status?: string } }>({
        ...spec('governanceListProposals'),
        handler: async (request) => {
          const h = ctx.latestHeight()
          if (h === 0) return { height: 0, proposals: [] }
          const k = ctx.keeper<GovernanceKeeper>(GOVERNANCE_MODULE)
          const proposals = k
            .proposalIds(PROPOSALS_LIST_MAX)
            .flatMap((id) => {
              const p = k.proposal(id)
              return p === undefined ? [] : [renderProposal(p, h + 1)]
            })
            .filter((p) => request.query.status === undefined || p.status === request.query.status)
          return { height: h, proposals }
        },
      })
      app.route<{ Params: { id: string } }>({
        ...spec('governanceGetProposal'),
        handler: async (request) => {
          const id = Number(request.params.id)
          const h = ctx.latestHeight()
          const v = h === 0 ? undefined : read(governanceKeys.proposal(id))
          if (v === undefined) throw new GovchainError('GOV_PROPOSAL_NOT_FOUND', undefined, { id })
          const p = codec.decode(ProposalRecord, v)
          const votes = [...p.yes, ...p.no].flatMap((orgId) => {
            const vr = read(governanceKeys.vote(id, orgId))
            return vr === undefined ? [] : [renderVote(codec.decode(VoteRecord, vr))]
          })
          return { proposal: renderProposal(p, h + 1), votes }
        },
      })
      app.route({
        ...spec('governanceValidators'),
        handler: async () => {
          const h = ctx.latestHeight()
          const v = h === 0 ? undefined : read(governanceKeys.validators())
          const records = v === undefined ? [] : codec.decode(governanceReaders.Validators, v)
          return { height: h, validators: records.map((r) => renderValidatorRecord(r, h + 1)) }
        },
      })
      app.route({
        ...spec('governanceTimestampAuthorities'),
        handler: async () => {
          const h = ctx.latestHeight()
          if (h === 0) return { height: 0, authorities: [] }
          const k = ctx.keeper<GovernanceKeeper>(GOVERNANCE_MODULE)
          return { height: h, authorities: k.timestampAuthorities().map((r) => renderTimestampAuthority(r, h + 1)) }
        },
      })
      app.route({
        ...spec('governanceObservers'),
        handler: async () => {
          const h = ctx.latestHeight()
          if (h === 0) return { height: 0, observers: [] }
          const k = ctx.keeper<GovernanceKeeper>(GOVERNANCE_MODULE)
          return { height: h, observers: k.observers().map((r) => renderObserver(r, h + 1)) }
        },
      })
      app.route<{ Querystring: { limit?: number; after?: string } }>({
        ...spec('governanceRevokedCertificates'),
        handler: async (request) => {
          const h = ctx.latestHeight()
          if (h === 0) return { height: 0, certificates: [], next: null }
          const all = ctx.keeper<GovernanceKeeper>(GOVERNANCE_MODULE).revokedCertificates()
          const start = Number(request.query.after ?? 0)
          const end = start + (request.query.limit ?? REVOKED_PAGE_DEFAULT)
          return {
            height: h,
            certificates: all.slice(start, end).map((r) => renderRevokedCertificate(r, h + 1)),
            // The list is only ever appended to: a position is a stable cursor.
            next: end < all.length ? String(end) : null,
          }
        },
      })
      app.route<{ Params: { validatorId: string; height: string; round: string; type: string } }>({
        ...spec('governanceGetEvidence'),
        handler: async (request) => {
          const { validatorId, type } = request.params
          const height = Number(request.params.height)
          const round = Number(request.params.round)
          const h = ctx.latestHeight()
          const v = h === 0 ? undefined : read(governanceKeys.evidence(validatorId, height, round, type))
          if (v === undefined)
            throw new GovchainError('GOV_EVIDENCE_NOT_FOUND', undefined, { validatorId, height, round, type })
          return { height: h, evidence: renderEvidenceRecord(codec.decode(EvidenceRecord, v)) }
        },
      })
    },
  }
}
