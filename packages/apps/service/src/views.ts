/**
 * The service API's answers as TypeBox schemas (docs/adr/0019-typebox-response-schemas.md): the
 * routes serialise with them, the OpenAPI document shows them, and the portal takes their types
 * from them (Static<>). Browser-safe.
 */
import { Hex32, HexBytes, Int, NextCursor, Nullable, StateSchema, StringEnum } from '@govchain/app/route-kit'
import { type Static, Type } from '@sinclair/typebox'
import { CASE_ACTIONS, CASE_REASONS, CASE_STATUSES } from './schema.ts'

export const ItemView = Type.Object({
  code: Type.String(),
  version: Int,
  ownerOrg: Type.String(),
  title: Type.String(),
  titleEn: Type.String(),
  legalBasis: Type.String(),
  licenses: Type.Array(Type.Object({ typeCode: Type.String(), purpose: Type.String() })),
  pulls: Type.Array(
    Type.Object({
      providerOrg: Type.String(),
      resourceId: Type.String(),
      fields: Type.Array(Type.String()),
      purpose: Type.String(),
    }),
  ),
  slaDays: Int,
  resultType: Nullable(Type.String()),
  parts: Type.Array(Type.String()),
  status: StringEnum(['active', 'withdrawn'] as const),
  height: Int,
  timeMs: Int,
})
export type ItemView = Static<typeof ItemView>

export const ItemAnswer = Type.Object({
  item: ItemView,
  /** A one-thing bundle's parts, latest versions, in order (what an applicant's consent covers). */
  parts: Type.Array(ItemView),
  state: StateSchema,
})
export type ItemAnswer = Static<typeof ItemAnswer>
export const ItemPage = Type.Object({ items: Type.Array(ItemView), next: NextCursor })
export type ItemPage = Static<typeof ItemPage>

export const CaseView = Type.Object({
  caseId: Hex32,
  itemCode: Type.String(),
  itemVersion: Int,
  handlingOrg: Type.String(),
  applicant: Type.String(),
  parent: Nullable(Hex32),
  parts: Type.Array(Hex32),
  status: StringEnum(CASE_STATUSES),
  grants: Type.Array(Hex32),
  licenses: Type.Array(Type.String()),
  officerId: Nullable(Type.String()),
  submittedHeight: Int,
  submittedMs: Int,
  acceptedMs: Nullable(Int),
  deadlineMs: Nullable(Int),
  closedMs: Nullable(Int),
  overdue: Type.Boolean({ description: 'open past its statutory deadline, or decided after it' }),
  result: Nullable(Type.String({ description: 'the license a positive decision issued' })),
  historyCount: Int,
})
export type CaseView = Static<typeof CaseView>

const StepView = Type.Object({
  seq: Int,
  action: StringEnum(CASE_ACTIONS),
  reasonCode: Nullable(StringEnum(CASE_REASONS)),
  actorKey: HexBytes,
  officerId: Nullable(Type.String()),
  orgId: Nullable(Type.String()),
  height: Int,
  timeMs: Int,
  txHash: Hex32,
  late: Type.Boolean(),
})

export const CaseAnswer = Type.Object({
  case: CaseView,
  /** The first page of the case's steps, oldest first; `stepsNext` continues at /steps. */
  steps: Type.Array(StepView),
  stepsNext: NextCursor,
  /** A bundle's sub-cases, one per department. */
  parts: Type.Array(CaseView),
  state: StateSchema,
})
export type CaseAnswer = Static<typeof CaseAnswer>
/** GET /v1/service/cases/{caseId}/steps: one page of a case's steps, oldest first. */
export const StepPage = Type.Object({ caseId: Hex32, steps: Type.Array(StepView), next: NextCursor })
export type StepPage = Static<typeof StepPage>
export const CasePage = Type.Object({ cases: Type.Array(CaseView), next: NextCursor })
export type CasePage = Static<typeof CasePage>
/** POST /v1/service/auth/challenge: a single-use challenge for "my cases". */
export const ServiceChallengeAnswer = Type.Object({ challenge: Type.String(), expiresMs: Type.Integer() })
export type ServiceChallengeAnswer = Static<typeof ServiceChallengeAnswer>
