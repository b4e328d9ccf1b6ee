/**
 * The portal server's own answers as TypeBox schemas (docs/adr/0019-typebox-response-schemas.md):
 * its sign-in routes (signin-http.ts, ADR 0032), `/config.json` and the demo credential mailbox
 * (the CLI's portal-server.ts, portal-network.ts and portal-mailbox.ts). The server types what it
 * sends with their Static<>, and the pages check what they read against the same objects
 * (portal-kit's callAnswer), as they do a node's answers against its routes' views. Browser-safe,
 * like the route kit it is built from (`@govchain/app/portal-views`); the pages load it lazily,
 * with the first answer they check, so it is not in the home page's first load.
 */
import { ID_PATTERN } from '@govchain/core'
import { type Static, Type } from '@sinclair/typebox'
import { Check } from '@sinclair/typebox/value'
import { Hex32, Int, PUBLIC_KEY_PARAM, SIGNATURE_PARAM } from './route-kit.ts'

/** POST /session/challenge: a single-use challenge to sign (portalSignInMessage). */
export const SignInChallengeAnswer = Type.Object({ challenge: Type.String(), expiresMs: Int })
export type SignInChallengeAnswer = Static<typeof SignInChallengeAnswer>

/** Who the server says the session is: an active officer or a DID, as the chain has it. */
export const SessionSubjectView = Type.Object({
  kind: Type.Union([Type.Literal('officer'), Type.Literal('did')]),
  /** The officer id or the DID. */
  id: Type.String(),
  publicKey: Type.String(),
  orgId: Type.Optional(Type.String()),
  roles: Type.Optional(Type.Array(Type.String())),
})
export type SessionSubjectView = Static<typeof SessionSubjectView>

/** POST /session (signed in), and GET /session while the cookie holds a session. */
export const SessionAnswer = Type.Object({
  signedIn: Type.Literal(true),
  subject: SessionSubjectView,
  /** The token every state-changing request carries in X-CSRF-Token. */
  csrf: Type.String(),
  idleMs: Int,
})
export type SessionAnswer = Static<typeof SessionAnswer>

/** GET /session: the session, or `signedIn: false` (asking is not an error). */
export const SessionStateAnswer = Type.Union([SessionAnswer, Type.Object({ signedIn: Type.Literal(false) })])
export type SessionStateAnswer = Static<typeof SessionStateAnswer>

/** POST /session/logout, and a credential handed over to the demo mailbox. */
export const OkAnswer = Type.Object({ ok: Type.Literal(true) })
export type OkAnswer = Static<typeof OkAnswer>

/** One credential in the demo mailbox, for its holder. */
export const MailboxEntry = Type.Object({
  /** The holder's DID. */
  holder: Type.String(),
  licenseId: Type.String(),
  /** The credential, as its issuer signed it. */
  credential: Type.String(),
  /** When it was handed over; 0 for one the demo seeded. */
  timeMs: Int,
})
export type MailboxEntry = Static<typeof MailboxEntry>

/** GET /demo/credentials (the holder's), GET /demo/credentials/issued/<licenceId> (its issuer's). */
export const MailboxAnswer = Type.Object({ items: Type.Array(MailboxEntry) })
export type MailboxAnswer = Static<typeof MailboxAnswer>

/**
 * The identity authority's binding of a DID to its holder's keyed pseudonym, as its gateway issues
 * it (issueSubjectCredential): the one schema for a demo identity here, a service application and
 * the body of POST /v1/sharing/my-accesses (which takes it closed to other properties).
 */
export const SubjectCredentialView = Type.Object({
  /** The DID it binds; the route refuses a credential for a DID other than the caller's. */
  did: Type.String({ maxLength: 64 }),
  /** The holder's pseudonym under the authority's key. */
  subject: Hex32,
  /** The identity authority (organisation id) whose gateway signed it. */
  issuerOrg: Type.String({ pattern: ID_PATTERN.source }),
  /** The gateway's chain-suite public key: 32 bytes (intl) or 65 (gm), lowercase hex. */
  issuerKey: Type.String({ pattern: PUBLIC_KEY_PARAM.pattern }),
  /** 64 bytes, lowercase hex. */
  signature: Type.String({ pattern: SIGNATURE_PARAM.pattern }),
})
export type SubjectCredentialView = Static<typeof SubjectCredentialView>

/**
 * A demo identity. The private key reaches the page only because this is a local demo (the
 * login screen says so); the nodes still check every signature and permission.
 */
export const DemoIdentityView = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('citizen'), Type.Literal('enterprise'), Type.Literal('officer')]),
  name: Type.String(),
  nameEn: Type.String(),
  /** Officers: their organisation. */
  orgId: Type.Optional(Type.String()),
  roles: Type.Optional(Type.Array(Type.String())),
  /** Citizens and enterprises: their DID (did:govchain:...). */
  did: Type.Optional(Type.String()),
  /** Citizens and enterprises: the identity authority's binding of the DID to their pseudonym. */
  subjectCredential: Type.Optional(SubjectCredentialView),
  /** hex */
  publicKey: Type.String(),
  /** hex; absent when the server runs without --demo */
  privateKey: Type.Optional(Type.String()),
})
export type DemoIdentityView = Static<typeof DemoIdentityView>

/**
 * Whether `x` is a demo identity as the page reads it: the portal server keeps only those of
 * DIR/demo/identities.json, so one malformed entry cannot make the page refuse /config.json.
 */
export const isDemoIdentity = (x: unknown): x is DemoIdentityView => Check(DemoIdentityView, x)

/** GET /config.json: what the page needs to start (the nodes, the chain it trusts, who may sign in). */
export const PortalConfigAnswer = Type.Object({
  chainId: Type.String(),
  suite: Type.Union([Type.Literal('gm'), Type.Literal('intl')]),
  /** The node APIs the page talks to, failing over in order: at least one. */
  nodes: Type.Array(Type.Object({ name: Type.String(), orgId: Type.String(), apiUrl: Type.String() }), {
    minItems: 1,
  }),
  organisations: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      nameEn: Type.String(),
      /** Unified social credit code (licence identifiers carry the issuer's). */
      code: Type.String(),
    }),
  ),
  /** base64 of the encoded ValidatorSet the light client trusts (from genesis). */
  trustedValidatorSet: Type.Optional(Type.String()),
  demo: Type.Boolean(),
  identities: Type.Array(DemoIdentityView),
  /** Each department's data gateway local API, proxied by the portal server: orgId → URL. */
  gateways: Type.Record(Type.String(), Type.String()),
})
export type PortalConfigAnswer = Static<typeof PortalConfigAnswer>
