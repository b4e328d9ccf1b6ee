/**
 * The identity module's keeper: the one place every module asks "who is acting, and may they?".
 * Modules never check permissions by themselves; they call
 *
 *   const officer = ctx.keeper(identityRef).requireOfficer(ctx.sender, 'issuer')
 *
 * and get a coded GovchainError (IDENTITY_*) when the signer is not an active officer with that
 * role of an active organisation. This file is the contract; the module implements it.
 */

import type { AdminLevel, NewOrganisation, Role } from './schema.ts'

export interface OrganisationView {
  id: string
  name: string
  nameEn: string
  /** Unified social credit code (统一社会信用代码). */
  code: string
  level: AdminLevel
  /** Administrative division code (GB/T 2260), e.g. 110108 = 北京市海淀区. */
  regionCode: string
  /** Human-readable region, e.g. 北京市海淀区. */
  region: string
  /** At the keeper's height: pending = admitted by governance from a later height. */
  status: 'active' | 'removed' | 'pending'
  /** Its registrars may attach keyed pseudonyms to DIDs (docs/adr/0006). */
  identityAuthority: boolean
  activeFromHeight: number
  removedFromHeight?: number
}

export interface OfficerView {
  officerId: string
  orgId: string
  roles: Role[]
  publicKey: Uint8Array
  status: 'active' | 'suspended'
}

export interface DidView {
  /** did:govchain:<id> */
  did: string
  /** Current authentication keys (chain suite). */
  keys: Uint8Array[]
  status: 'active' | 'deactivated'
  /** Organisation that registered it when it is an enterprise's or an official DID (else undefined). */
  registeredBy?: string
  /**
   * The organisation that vouched for who controls it: the identity authority that attached its
   * keyed pseudonym (a real-name check), else the organisation that registered it. Undefined for
   * a self-created DID nobody verified.
   */
  verifiedBy?: string
}

/** Where a governance change comes from (recorded in officer history). */
export interface ChangeMeta {
  height: number
  timeMs: number
  txHash: Uint8Array
}

export interface IdentityKeeper {
  organisation(orgId: string): OrganisationView | undefined
  /** The active officer who holds this key, if any (rotated-away keys do not match). */
  officerByKey(publicKey: Uint8Array): OfficerView | undefined
  /**
   * The signer must be an active officer holding `role`, of an active organisation (of `orgId`
   * when given). Throws GovchainError: IDENTITY_NOT_OFFICER, IDENTITY_KEY_ROTATED,
   * IDENTITY_OFFICER_SUSPENDED, IDENTITY_ORG_INACTIVE, IDENTITY_WRONG_ORGANISATION,
   * IDENTITY_ROLE_MISSING (checked in that order).
   */
  requireOfficer(publicKey: Uint8Array, role: Role, orgId?: string): OfficerView
  did(did: string): DidView | undefined
  /** `publicKey` is a current key of the active DID `did`. */
  isDidKey(did: string, publicKey: Uint8Array): boolean
  /** Throws IDENTITY_DID_NOT_FOUND / IDENTITY_DID_DEACTIVATED / IDENTITY_NOT_DID_CONTROLLER. */
  requireDidKey(did: string, publicKey: Uint8Array): DidView
  /** The active DID `publicKey` is a current key of (a key controls at most one), if any. */
  didByKey(publicKey: Uint8Array): DidView | undefined
  /**
   * The key may send methods that need a registered sender (SenderRule): an active officer of an
   * active organisation, or a current key of an active DID. Rotated-away keys, suspended officers
   * and officers of removed organisations are not.
   */
  isRegisteredKey(publicKey: Uint8Array): boolean

  // ---- reads for the API, governance and the node
  /** Every organisation ever registered, in registration order, with its status at this height. */
  organisations(): OrganisationView[]
  /** Ids of the organisations active at this height. */
  activeOrganisationIds(): string[]
  /** CA certificates (PEM) of the organisations active at this height: the p2p trust anchors. */
  trustedCaPems(): string[]
  officer(officerId: string): OfficerView | undefined
  officersOf(orgId: string): OfficerView[]
  /** The key is held by an officer (active or suspended) or was rotated away: it can never be given to another. */
  officerKeyInUse(publicKey: Uint8Array): boolean

  // ---- changes only governance makes (never reachable from a transaction of this module)
  /** Registers an organisation active from `activeFromHeight` with its first admin `<id>-admin`. */
  addOrganisation(org: NewOrganisation, activeFromHeight: number, meta: ChangeMeta): void
  /** The organisation stops being active at `fromHeight`; its officers are refused from then on. */
  removeOrganisation(orgId: string, fromHeight: number): void
}
