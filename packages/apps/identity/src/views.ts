/**
 * The identity API's answers as TypeBox schemas (docs/adr/0019-typebox-response-schemas.md):
 * the routes serialise with them, the OpenAPI document shows them, and the readers of client.ts
 * take their types from them (Static<>). Browser-safe.
 */
import { Hex32, HexBytes, Int, NextCursor, ProofOrNull, StringEnum } from '@govchain/app/route-kit'
import { ADMIN_LEVELS, ROLES } from '@govchain/core'
import { type Static, Type } from '@sinclair/typebox'

/** An organisation (department) with its status at the latest height. */
export const OrganisationInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  code: Type.String({ description: 'unified social credit code (统一社会信用代码)' }),
  level: StringEnum(ADMIN_LEVELS),
  regionCode: Type.String({ description: 'GB/T 2260 administrative division code' }),
  region: Type.String(),
  status: StringEnum(['active', 'removed', 'pending'] as const),
  identityAuthority: Type.Boolean(),
  activeFromHeight: Int,
  removedFromHeight: Type.Optional(Int),
  operatorPublicKey: HexBytes,
  caCertPem: Type.String(),
})
export type OrganisationInfo = Static<typeof OrganisationInfo>

const officerProperties = {
  officerId: Type.String(),
  orgId: Type.String(),
  roles: Type.Array(StringEnum(ROLES)),
  publicKey: Type.String({ description: 'current key, hex' }),
  status: StringEnum(['active', 'suspended'] as const),
}

export const OfficerInfo = Type.Object(officerProperties)
export type OfficerInfo = Static<typeof OfficerInfo>

export const OfficerHistoryView = Type.Object({
  action: Type.String(),
  by: Type.String({ description: 'the acting officer id, or genesis / governance' }),
  height: Int,
  timeMs: Int,
  txHash: Hex32,
  detail: Type.Optional(Type.String()),
})
export type OfficerHistoryView = Static<typeof OfficerHistoryView>

/** An officer with its change history (GET /v1/officers/{officerId}). */
export const OfficerDetail = Type.Object({
  ...officerProperties,
  createdHeight: Int,
  updatedHeight: Int,
  history: Type.Array(OfficerHistoryView, {
    description: 'the first page of its changes, oldest first: who, when, which transaction',
  }),
  historyNext: NextCursor,
})
export type OfficerDetail = Static<typeof OfficerDetail>
/** GET /v1/officers/{officerId}/history: one page of an officer's changes, oldest first. */
export const OfficerHistoryPage = Type.Object({
  officerId: Type.String(),
  items: Type.Array(OfficerHistoryView),
  next: NextCursor,
})
export type OfficerHistoryPage = Static<typeof OfficerHistoryPage>

const VerificationMethod = Type.Union([
  Type.Object({
    id: Type.String(),
    type: Type.Literal('Multikey'),
    controller: Type.String(),
    publicKeyMultibase: Type.String(),
  }),
  Type.Object({
    id: Type.String(),
    type: Type.Literal('JsonWebKey'),
    controller: Type.String(),
    publicKeyJwk: Type.Object({
      kty: Type.Literal('EC'),
      crv: Type.Literal('SM2'),
      x: Type.String(),
      y: Type.String(),
    }),
  }),
])

/** W3C DID Core resolution: the document and its metadata. */
export const DidResolution = Type.Object({
  didDocument: Type.Object({
    '@context': Type.Array(Type.String()),
    id: Type.String(),
    verificationMethod: Type.Array(VerificationMethod),
    authentication: Type.Array(Type.String()),
    assertionMethod: Type.Array(Type.String()),
  }),
  didDocumentMetadata: Type.Object({
    createdHeight: Int,
    created: Type.String({ description: 'ISO 8601 date-time (block time)' }),
    updatedHeight: Int,
    updated: Type.String({ description: 'ISO 8601 date-time (block time)' }),
    deactivated: Type.Boolean(),
    registeredBy: Type.Optional(Type.String()),
    hasPseudonym: Type.Boolean(),
  }),
})
export type DidResolution = Static<typeof DidResolution>

export const OrganisationsAnswer = Type.Object({ height: Int, organisations: Type.Array(OrganisationInfo) })
export type OrganisationsAnswer = Static<typeof OrganisationsAnswer>
export const OrganisationAnswer = Type.Object({ organisation: OrganisationInfo, proof: ProofOrNull })
export type OrganisationAnswer = Static<typeof OrganisationAnswer>
export const OfficersAnswer = Type.Object({ officers: Type.Array(OfficerInfo) })
export type OfficersAnswer = Static<typeof OfficersAnswer>
export const DidAnswer = Type.Object({ ...DidResolution.properties, proof: ProofOrNull })
export type DidAnswer = Static<typeof DidAnswer>
