/**
 * The invoice API's answers as TypeBox schemas (docs/adr/0019-typebox-response-schemas.md): the
 * routes serialise with them, the OpenAPI document shows them, and the portal takes their types
 * from them (Static<>). Browser-safe.
 */
import { Hex32, Int, Nullable, StateSchema } from '@govchain/app/route-kit'
import { type Static, Type } from '@sinclair/typebox'

/** Answers' schemas (TypeBox, docs/adr/0019): fastify serialises with them and clients type with Static<>. */
export const IssuerView = Type.Object({
  code: Type.String(),
  did: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('enterprise'), Type.Literal('receipt-unit')]),
  quota: Int,
  issued: Int,
  registeredBy: Type.String(),
  height: Int,
})
export const InvoiceView = Type.Object({
  code: Type.String(),
  number: Type.String(),
  kind: Type.Union([Type.Literal('invoice'), Type.Literal('receipt')]),
  sellerCode: Type.String(),
  buyer: Type.Object({
    kind: Type.Union([Type.Literal('enterprise'), Type.Literal('person')]),
    code: Nullable(Type.String()),
    did: Nullable(Type.String()),
  }),
  amountCommitment: Hex32,
  linesHash: Hex32,
  status: Type.Union([Type.Literal('issued'), Type.Literal('reversed')]),
  reverseReason: Nullable(Type.String()),
  claim: Nullable(Type.Object({ claimantCode: Type.String(), claimRef: Type.String(), height: Int, timeMs: Int })),
  issuedHeight: Int,
  issuedTimeMs: Int,
  updatedHeight: Int,
  txHash: Hex32,
})
export type InvoiceView = Static<typeof InvoiceView>
export const IssuerAnswer = Type.Object({ issuer: IssuerView, state: StateSchema })
export const IssuersAnswer = Type.Object({ items: Type.Array(IssuerView), next: Nullable(Type.String()) })
export type IssuersAnswer = Static<typeof IssuersAnswer>
export const InvoiceAnswer = Type.Object({ invoice: InvoiceView, state: StateSchema })
export const InvoicePage = Type.Object({ items: Type.Array(InvoiceView), next: Nullable(Type.String()) })
export type InvoicePage = Static<typeof InvoicePage>
export const InvoiceCheckAnswer = Type.Object({
  verdict: Type.Union([
    Type.Literal('valid'),
    Type.Literal('void'),
    Type.Literal('mismatch'),
    Type.Literal('not-found'),
  ]),
  reasons: Type.Array(Type.String()),
  claimed: Nullable(Type.Object({ claimantCode: Type.String(), height: Int })),
  invoice: Nullable(InvoiceView),
  height: Int,
})
export type InvoiceCheckAnswer = Static<typeof InvoiceCheckAnswer>
