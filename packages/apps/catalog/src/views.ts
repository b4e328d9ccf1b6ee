/**
 * The catalogue's API answers as TypeBox schemas (docs/adr/0019-typebox-response-schemas.md):
 * the routes serialise with them, the OpenAPI document shows them, and readers take their types
 * from them (Static<>). Browser-safe.
 */
import { Hex32, HexBytes, Int, NextCursor, Nullable, ProofOrNull, StringEnum } from '@govchain/app/route-kit'
import { type Static, Type } from '@sinclair/typebox'
import { DATA_RIGHTS, RESOURCE_STATUSES, SENSITIVITIES, SHARE_TYPES, UPDATE_FREQUENCIES } from './schema.ts'

/** An organisation's data gateway (GET /v1/catalog/gateways/{orgId}). */
export const GatewayView = Type.Object({
  orgId: Type.String(),
  url: Type.String(),
  certFingerprint: Hex32,
  publicKey: HexBytes,
  pseudonymAuthority: Type.Boolean(),
  setBy: HexBytes,
  height: Int,
  timeMs: Int,
})
export type GatewayView = Static<typeof GatewayView>

export const CatalogFieldView = Type.Object({
  name: Type.String(),
  label: Type.String(),
  sensitivity: StringEnum(SENSITIVITIES),
})

/** One version of a catalogue resource, with the owner's gateway (null when it has none). */
export const ResourceVersionView = Type.Object({
  resourceId: Type.String(),
  version: Int,
  status: StringEnum(RESOURCE_STATUSES),
  title: Type.String(),
  description: Type.String(),
  ownerOrg: Type.String(),
  rights: Type.Array(StringEnum(DATA_RIGHTS)),
  fields: Type.Array(CatalogFieldView),
  shareType: StringEnum(SHARE_TYPES),
  autoApprove: Type.Boolean(),
  autoApproveMaxDurationMs: Int,
  updateFrequency: StringEnum(UPDATE_FREQUENCIES),
  gateway: Nullable(
    Type.Object({ orgId: Type.String(), url: Type.String(), certFingerprint: Hex32, publicKey: HexBytes }),
  ),
  dataHash: Hex32,
  dataVersion: Type.String(),
  note: Type.String(),
  publishedBy: HexBytes,
  height: Int,
  timeMs: Int,
  txHash: Hex32,
})
export type ResourceVersionView = Static<typeof ResourceVersionView>

export const ResourcePage = Type.Object({ resources: Type.Array(ResourceVersionView), next: NextCursor })
export type ResourcePage = Static<typeof ResourcePage>
export const ResourceAnswer = Type.Object({ resource: ResourceVersionView, versions: Int })
export type ResourceAnswer = Static<typeof ResourceAnswer>
export const VersionsAnswer = Type.Object({ versions: Type.Array(ResourceVersionView) })
export type VersionsAnswer = Static<typeof VersionsAnswer>
export const VersionAnswer = Type.Object({ version: ResourceVersionView, proof: ProofOrNull })
export type VersionAnswer = Static<typeof VersionAnswer>
export const GatewaysAnswer = Type.Object({ gateways: Type.Array(GatewayView) })
export type GatewaysAnswer = Static<typeof GatewaysAnswer>
export const GatewayAnswer = Type.Object({ gateway: GatewayView })
export type GatewayAnswer = Static<typeof GatewayAnswer>
