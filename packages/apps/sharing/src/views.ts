/**
 * The sharing API's answers as TypeBox schemas (docs/sharing-api.md,
 * docs/adr/0019-typebox-response-schemas.md): the routes serialise with them, the OpenAPI
 * document shows them, and readers take their types from them (Static<>). Browser-safe.
 */
import {
  Base64,
  Hex32,
  HexBytes,
  Int,
  NextCursor,
  Nullable,
  ProofOrNull,
  StateSchema,
  StringEnum,
} from '@govchain/app/route-kit'
import { ResourceVersionView } from '@govchain/catalog/views'
import { type Static, Type } from '@sinclair/typebox'
import { REQUEST_STATUSES } from './schema.ts'

/** A data request and, once approved, its grant: every step with who, when and why. */
export const RequestView = Type.Object({
  requestId: Hex32,
  resourceId: Type.String(),
  resourceVersion: Int,
  consumerOrg: Type.String(),
  ownerOrg: Type.String(),
  fields: Type.Array(Type.String()),
  purpose: Type.String(),
  legalBasis: Type.String(),
  durationMs: Int,
  rowsMax: Int,
  rowScope: Nullable(Type.Object({ field: Type.String(), values: Type.Array(Type.String()) })),
  requestedBy: HexBytes,
  height: Int,
  timeMs: Int,
  status: StringEnum(REQUEST_STATUSES),
  state: StringEnum(['pending', 'approved', 'active', 'expired', 'exhausted', 'rejected', 'revoked'] as const, {
    description: 'the status, or for a grant its state at the latest block time',
  }),
  decision: Nullable(
    Type.Object({
      approve: Type.Boolean(),
      by: Type.String({ description: "the approver's key, hex; `policy` when the resource's policy decided" }),
      auto: Type.Boolean(),
      reason: Type.String(),
      height: Int,
      timeMs: Int,
    }),
  ),
  grant: Nullable(Type.Object({ notBeforeMs: Int, expiresMs: Int, fields: Type.Array(Type.String()), rowsMax: Int })),
  revocation: Nullable(Type.Object({ by: HexBytes, reason: Type.String(), height: Int, timeMs: Int })),
  rowsUsed: Int,
  fetches: Int,
  case: Nullable(
    Type.Object(
      { caseId: Hex32, subject: Hex32 },
      { description: 'the service case whose consent opened this grant: rows of that subject only, while it is open' },
    ),
  ),
})
export type RequestView = Static<typeof RequestView>

/**
 * A batched receipt's inclusion proof (ADR 0036): `leaf` is the exact leaf (the encoded
 * receipt with both signatures), `path` its RFC 9162 inclusion path to `root`, the root the
 * batch transaction committed (`GET /v1/sharing/batches/:root?prove=true` proves it against a
 * header). Verifiable offline with `verifyReceiptInclusion` (client).
 */
export const InclusionView = Type.Object({
  root: Hex32,
  leafIndex: Int,
  treeSize: Int,
  path: Type.Array(Hex32),
  leaf: Base64,
})
export type InclusionView = Static<typeof InclusionView>

/** A recorded batch of receipts. */
export const BatchView = Type.Object({
  root: Hex32,
  providerOrg: Type.String(),
  treeSize: Int,
  recordedBy: HexBytes,
  height: Int,
  timeMs: Int,
  txHash: Hex32,
})
export type BatchView = Static<typeof BatchView>

/** A receipt of a data exchange, signed by both gateways. */
export const ReceiptView = Type.Object({
  receiptId: Hex32,
  grantId: Hex32,
  resourceId: Type.String(),
  resourceVersion: Int,
  consumerOrg: Type.String(),
  providerOrg: Type.String(),
  consumerKey: HexBytes,
  providerKey: HexBytes,
  requestHash: Hex32,
  responseHash: Hex32,
  fields: Type.Array(Type.String()),
  rows: Int,
  subjects: Type.Array(Hex32, { description: 'keyed pseudonyms of the data subjects' }),
  servedAtMs: Int,
  consumerSignature: Nullable(HexBytes),
  providerSignature: HexBytes,
  height: Int,
  timeMs: Int,
  txHash: Hex32,
  batch: Type.Union([InclusionView, Type.Null()], {
    description: 'its batch and inclusion proof, when recorded in a batch (null: recorded alone)',
  }),
})
export type ReceiptView = Static<typeof ReceiptView>

/** Refusals of one requester with one code over an interval, counted by the refusing gateway. */
export const RefusalView = Type.Object({
  refusalId: Hex32,
  code: Type.String(),
  providerOrg: Type.String(),
  consumerOrg: Type.String(),
  grantId: Nullable(Hex32),
  resourceId: Nullable(Type.String()),
  count: Int,
  reason: Type.String({ description: "the code's catalogue text, never the requester's words" }),
  fromMs: Int,
  toMs: Int,
  refusedAtMs: Int,
  recordedBy: HexBytes,
  height: Int,
  timeMs: Int,
  txHash: Hex32,
})
export type RefusalView = Static<typeof RefusalView>

/** One access to a data subject's data ("who used my data"). */
export const AccessView = Type.Object({
  receiptId: Hex32,
  timeMs: Int,
  height: Int,
  consumerOrg: Type.String(),
  consumerOrgName: Type.String(),
  providerOrg: Type.String(),
  resourceId: Type.String(),
  resourceTitle: Type.String(),
  purpose: Type.String(),
  legalBasis: Type.String(),
  grantId: Hex32,
  fields: Type.Array(Type.String()),
  fieldLabels: Type.Array(Type.String(), {
    description: "the fields' labels in the catalogue version used (the name where it has none), in order",
  }),
  caseId: Type.Union([Hex32, Type.Null()], { description: 'the service case (办件) the access was made for' }),
  batch: Type.Union([InclusionView, Type.Null()], {
    description: 'its batch and inclusion proof (null: recorded alone)',
  }),
})
export type AccessView = Static<typeof AccessView>

export const RequestPage = Type.Object({ requests: Type.Array(RequestView), next: NextCursor })
export type RequestPage = Static<typeof RequestPage>
export const GrantPage = Type.Object({ grants: Type.Array(RequestView), next: NextCursor })
export type GrantPage = Static<typeof GrantPage>
export const ReceiptPage = Type.Object({ receipts: Type.Array(ReceiptView), next: NextCursor })
export type ReceiptPage = Static<typeof ReceiptPage>
export const RefusalPage = Type.Object({ refusals: Type.Array(RefusalView), next: NextCursor })
export type RefusalPage = Static<typeof RefusalPage>
export const RequestAnswer = Type.Object({ request: RequestView, proof: ProofOrNull })
export type RequestAnswer = Static<typeof RequestAnswer>
export const GrantAnswer = Type.Object({ grant: RequestView })
export type GrantAnswer = Static<typeof GrantAnswer>
export const ReceiptAnswer = Type.Object({ receipt: ReceiptView, proof: ProofOrNull })
export type ReceiptAnswer = Static<typeof ReceiptAnswer>
export const BatchAnswer = Type.Object({ batch: BatchView, proof: ProofOrNull })
export type BatchAnswer = Static<typeof BatchAnswer>
export const ChallengeAnswer = Type.Object({ challenge: Hex32, expiresMs: Int })
export type ChallengeAnswer = Static<typeof ChallengeAnswer>
/** One page of "who used my data", newest first; `next` is the `after` of the next page. */
export const AccessesAnswer = Type.Object({ subject: Hex32, accesses: Type.Array(AccessView), next: NextCursor })
export type AccessesAnswer = Static<typeof AccessesAnswer>

/** An auditor's lineage of a resource: each stored record with its state proof at `height`. */
export const LineageAnswer = Type.Object({
  resource: Nullable(ResourceVersionView),
  height: Int,
  versions: Type.Array(Type.Object({ version: ResourceVersionView, proof: StateSchema })),
  grants: Type.Array(Type.Object({ request: RequestView, proof: StateSchema })),
  receipts: Type.Array(Type.Object({ receipt: ReceiptView, proof: StateSchema })),
  refusals: Type.Array(RefusalView),
  /** Where each kind goes on (its `after` on the next page); null: that kind is complete. */
  next: Type.Object({ grants: NextCursor, receipts: NextCursor, refusals: NextCursor }),
})
export type LineageAnswer = Static<typeof LineageAnswer>

/**
 * What an officer's department gateway answers to `POST /v1/local/fetch` (docs/sharing.md): the
 * gateway's local API, not the node's, so not among the routes' schemas; the gateway types its
 * answer with it and the pages check what they read against it.
 */
export const LocalFetchAnswer = Type.Object({
  rows: Type.Array(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]))),
  fields: Type.Array(Type.String()),
  receiptId: Hex32,
  /** Null: queued for the provider's next receipt batch (ADR 0036). */
  txHash: Nullable(Hex32),
  responseHash: Hex32,
})
export type LocalFetchAnswer = Static<typeof LocalFetchAnswer>

/**
 * What a department gateway answers to `GET /v1/local/status` (its local API, like
 * LocalFetchAnswer): the gateway's organisation, the URL of its provider listener and the ids of
 * the resources it serves. The operations console checks what it reads against it.
 */
export const LocalStatusAnswer = Type.Object({
  orgId: Type.String(),
  /** The provider listener's URL (empty before it has bound). */
  url: Type.String(),
  resources: Type.Array(Type.String()),
})
export type LocalStatusAnswer = Static<typeof LocalStatusAnswer>

/**
 * What a provider gateway answers to another gateway's `POST /v1/gateway/query` (mutual TLS,
 * docs/sharing.md): the sealed answer and the receipt it signed. Gateway to gateway, not among the
 * node's routes; the provider types its answer with it and the consumer checks what it reads
 * against it.
 */
export const GatewayQueryAnswer = Type.Object({
  /** The sealed answer, for the consumer's key only. */
  envelope: Base64,
  /** The encoded ReceiptBody. */
  receipt: Base64,
  receiptId: Hex32,
  providerSignature: HexBytes,
})
export type GatewayQueryAnswer = Static<typeof GatewayQueryAnswer>

/** A provider gateway's answer to `POST /v1/gateway/ack` (the consumer's countersignature), like GatewayQueryAnswer. */
export const GatewayAckAnswer = Type.Object({
  receiptId: Hex32,
  /** Null: journaled, recorded with the provider's next receipt batch (ADR 0036). */
  txHash: Nullable(Hex32),
  queued: Type.Boolean(),
})
export type GatewayAckAnswer = Static<typeof GatewayAckAnswer>

/** A gateway's answer to `GET /v1/gateway/health` on its provider listener, like GatewayQueryAnswer. */
export const GatewayHealthAnswer = Type.Object({ ok: Type.Boolean(), orgId: Type.String() })
export type GatewayHealthAnswer = Static<typeof GatewayHealthAnswer>
