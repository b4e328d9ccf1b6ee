/**
 * The licence API's answers as TypeBox schemas (docs/license-api.md,
 * docs/adr/0019-typebox-response-schemas.md): the routes serialise with them, the OpenAPI
 * document shows them, and licenseClient and the portal take their types from them (Static<>).
 * Browser-safe.
 */
import { Hex32, HexBytes, Int, NextCursor, Nullable, ProofOrNull, StringEnum } from '@govchain/app/route-kit'
import { type Static, Type } from '@sinclair/typebox'
import { HISTORY_ACTIONS, HOLDER_KINDS, LICENSE_STATUSES } from './schema.ts'

/** A licence's status as of a time: its recorded status, or expired / not yet valid by its dates. */
export const EFFECTIVE_STATUSES = [...LICENSE_STATUSES, 'expired', 'not_yet_valid'] as const
const NullableText = Nullable(Type.String())

export const LicenseFieldView = Type.Object({
  name: Type.String(),
  label: Type.String(),
  labelEn: Type.String(),
  personal: Type.Boolean({ description: 'personal data: only ever in the credential, selectively disclosed' }),
  required: Type.Boolean(),
})

/** A licence type of the catalogue (GET /v1/license-types/{code}). */
export const LicenseTypeView = Type.Object({
  code: Type.String(),
  alias: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  ownerOrg: Type.String(),
  holderKind: StringEnum(HOLDER_KINDS),
  fields: Type.Array(LicenseFieldView),
  issuers: Type.Array(Type.String(), { description: 'organisations trusted to issue it' }),
  maxValidityYears: Int,
  renewable: Type.Boolean(),
  regionCode: Type.String(),
  region: Type.String(),
  status: StringEnum(['active', 'retired'] as const),
  definedHeight: Int,
  updatedHeight: Int,
})
export type LicenseTypeView = Static<typeof LicenseTypeView>

/**
 * A licence record (nothing personal), with its effective status at `atHeight` / `atTimeMs`
 * (every route answers at a height; the module's state rendering, without one, gives nulls).
 */
export const LicenseView = Type.Object({
  id: Type.String(),
  typeCode: Type.String(),
  issuerOrg: Type.String(),
  issuerKey: HexBytes,
  officerId: Type.String(),
  holder: Type.String({ description: 'the holder DID' }),
  credentialHash: Hex32,
  status: StringEnum(LICENSE_STATUSES),
  effectiveStatus: StringEnum(EFFECTIVE_STATUSES),
  validFromMs: Int,
  validUntilMs: Int,
  version: Int,
  previous: NullableText,
  next: NullableText,
  issuedHeight: Int,
  issuedTimeMs: Int,
  issuedTxHash: Hex32,
  updatedHeight: Int,
  updatedTimeMs: Int,
  historyCount: Int,
  reasonCode: NullableText,
  reason: NullableText,
  atHeight: Int,
  atTimeMs: Int,
})
export type LicenseView = Static<typeof LicenseView>

/** One transition of a licence: who, when, why. */
export const LicenseHistoryView = Type.Object({
  seq: Int,
  action: StringEnum(HISTORY_ACTIONS),
  actorKey: HexBytes,
  actorOrg: Type.String(),
  officerId: Type.String(),
  height: Int,
  timeMs: Int,
  txHash: Hex32,
  reasonCode: NullableText,
  reason: NullableText,
  relatedId: NullableText,
})
export type LicenseHistoryView = Static<typeof LicenseHistoryView>

/** A holder's grant (用证授权) of a licence to an organisation's service. */
export const LicenseGrantView = Type.Object({
  grantId: Hex32,
  licenseId: Type.String(),
  holder: Type.String(),
  grantee: Type.String(),
  service: Type.String(),
  purpose: Type.String(),
  untilMs: Int,
  status: StringEnum(['active', 'withdrawn'] as const),
  effectiveStatus: StringEnum(['active', 'withdrawn', 'expired', 'license_inactive'] as const),
  createdHeight: Int,
  createdTimeMs: Int,
  uses: Int,
})
export type LicenseGrantView = Static<typeof LicenseGrantView>

/** A recorded use of a licence under a grant. */
export const LicenseUseView = Type.Object({
  seq: Int,
  grantId: Hex32,
  licenseId: Type.String(),
  org: Type.String(),
  officerKey: HexBytes,
  officerId: Type.String(),
  service: Type.String(),
  height: Int,
  timeMs: Int,
  txHash: Hex32,
})
export type LicenseUseView = Static<typeof LicenseUseView>

export const VerdictCheckView = Type.Object({
  check: StringEnum([
    'format',
    'chain_record',
    'credential_hash',
    'signature',
    'issuer_authorised',
    'claims',
    'disclosures',
    'status',
  ] as const),
  ok: Type.Boolean(),
  code: Type.Optional(Type.String({ description: 'the error code of a failed check' })),
  message: Type.String(),
  messageZh: Type.String(),
})
export type VerdictCheckView = Static<typeof VerdictCheckView>

/** The verdict of POST /v1/licenses/verify: every check, the record, and the proof for an offline re-check. */
export const LicenseVerdictView = Type.Object({
  valid: Type.Boolean(),
  verdict: StringEnum(['valid', 'suspended', 'revoked', 'expired', 'superseded', 'not_yet_valid', 'invalid'] as const),
  reasons: Type.Array(Type.String(), { description: 'the codes of the failed checks' }),
  checks: Type.Array(VerdictCheckView),
  licenseId: NullableText,
  license: Nullable(LicenseView),
  type: Nullable(LicenseTypeView),
  issuer: Nullable(
    Type.Object({ orgId: Type.String(), name: Type.String(), nameEn: Type.String(), code: Type.String() }),
  ),
  disclosed: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      labelEn: Type.String(),
      value: Type.Unknown({ description: 'the disclosed claim value, as in the credential' }),
    }),
  ),
  atHeight: Int,
  atTimeMs: Int,
  proof: ProofOrNull,
})
export type LicenseVerdictView = Static<typeof LicenseVerdictView>

export const LicenseTypesAnswer = Type.Object({ items: Type.Array(LicenseTypeView) })
export type LicenseTypesAnswer = Static<typeof LicenseTypesAnswer>
export const LicensePage = Type.Object({ items: Type.Array(LicenseView), next: NextCursor })
export type LicensePage = Static<typeof LicensePage>
export const LicenseAnswer = Type.Object({ license: LicenseView, type: Nullable(LicenseTypeView), proof: ProofOrNull })
export type LicenseAnswer = Static<typeof LicenseAnswer>
export const LicenseHistoryAnswer = Type.Object({
  id: Type.String(),
  items: Type.Array(LicenseHistoryView),
  next: NextCursor,
})
export type LicenseHistoryAnswer = Static<typeof LicenseHistoryAnswer>
export const LicenseUsesAnswer = Type.Object({
  licenseId: Type.String(),
  grants: Type.Array(LicenseGrantView),
  /** One page of the uses, oldest first; `usesNext` is the next page's `after`. */
  uses: Type.Array(LicenseUseView),
  usesNext: NextCursor,
})
export type LicenseUsesAnswer = Static<typeof LicenseUsesAnswer>
export const LicenseGrantPage = Type.Object({ items: Type.Array(LicenseGrantView), next: NextCursor })
export type LicenseGrantPage = Static<typeof LicenseGrantPage>

/**
 * The verdict of POST /v1/licenses/presentations/verify (the short 亮证 QR, docs/adr/0025):
 * every check, the licence record, and the proofs of the licence and of the holder's DID
 * document for the browser's own check.
 */
export const PresentationVerdictView = Type.Object({
  valid: Type.Boolean(),
  verdict: StringEnum([
    'valid',
    'presentation_expired',
    'suspended',
    'revoked',
    'expired',
    'superseded',
    'not_yet_valid',
    'invalid',
  ] as const),
  reasons: Type.Array(Type.String(), { description: 'the codes of the failed checks' }),
  checks: Type.Array(
    Type.Object({
      check: StringEnum(['format', 'chain_record', 'holder', 'signature', 'time', 'status'] as const),
      ok: Type.Boolean(),
      code: Type.Optional(Type.String({ description: 'the error code of a failed check' })),
      message: Type.String(),
      messageZh: Type.String(),
    }),
  ),
  licenseId: NullableText,
  holder: Nullable(Type.String({ description: 'the holder DID that signed the token' })),
  expiresAtMs: Nullable(Int),
  license: Nullable(LicenseView),
  type: Nullable(LicenseTypeView),
  issuer: Nullable(
    Type.Object({ orgId: Type.String(), name: Type.String(), nameEn: Type.String(), code: Type.String() }),
  ),
  atHeight: Int,
  atTimeMs: Int,
  proof: ProofOrNull,
  holderProof: ProofOrNull,
})
export type PresentationVerdictView = Static<typeof PresentationVerdictView>

// ---------------------------------------------------------------- the department's holder register

/**
 * What a department's data gateway answers from its holder register (its local API, not the
 * node's, so not among the routes' schemas; holder-record.ts, docs/adr/0028): the gateway types
 * its answers with these and the issuer's pages check what they read against them.
 */
export const HolderRecordView = Type.Object({
  kind: StringEnum(HOLDER_KINDS),
  /** The credit code or identity number (upper case). */
  id: Type.String(),
  /** The holder's DID (identity.createDid). */
  did: Type.String(),
  /** Name of the enterprise or the person. */
  name: Type.String(),
  /** Field values the department holds, by licence field name (enterpriseName, creditCode, …). */
  fields: Type.Record(Type.String(), Type.String()),
})
export type HolderRecordView = Static<typeof HolderRecordView>
/** POST HOLDER_LOOKUP_PATH: the holder's record. */
export const HolderLookupAnswer = Type.Object({ record: HolderRecordView })
export type HolderLookupAnswer = Static<typeof HolderLookupAnswer>
/** POST HOLDER_CHECK_PATH: the licence matches the record (a mismatch is LICENSE_HOLDER_MISMATCH). */
export const HolderCheckAnswer = Type.Object({ ok: Type.Literal(true), holder: Type.String(), name: Type.String() })
export type HolderCheckAnswer = Static<typeof HolderCheckAnswer>
