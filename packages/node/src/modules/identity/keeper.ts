/**
 * The identity module's keeper: the one place every module asks "who is acting, and may they?".
 * Modules never check permissions by themselves; they call
 *
 *   const officer = ctx.keeper<IdentityKeeper>('identity').requireOfficer(ctx.sender, 'issuer')
 *
 * and get a coded GovchainError (IDENTITY_*) when the signer is not an active officer with that
 * role of an active organisation. This file is the contract; the module implements it.
 */

export const IDENTITY_MODULE = 'identity'

/** Officer roles. admin manages its organisation's officers; the others act for modules. */
export const ROLES = ['admin', 'issuer', 'approver', 'auditor', 'registrar'] as const
export type Role = (typeof ROLES)[number]

/** Administrative level (跨层级): the consortium spans national, provincial, city and district bodies. */
export const ADMIN_LEVELS = ['national', 'province', 'city', 'district'] as const
export type AdminLevel = (typeof ADMIN_LEVELS)[number]

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
  status: 'active' | 'removed'
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
}

export interface IdentityKeeper {
  organisation(orgId: string): OrganisationView | undefined
  /** The active officer who holds this key, if any (rotated-away keys do not match). */
  officerByKey(publicKey: Uint8Array): OfficerView | undefined
  /**
   * The signer must be an active officer holding `role`, of an active organisation (of `orgId`
   * when given). Throws GovchainError: IDENTITY_NOT_OFFICER, IDENTITY_OFFICER_SUSPENDED,
   * IDENTITY_ROLE_MISSING, IDENTITY_WRONG_ORGANISATION, IDENTITY_ORG_INACTIVE.
   */
  requireOfficer(publicKey: Uint8Array, role: Role, orgId?: string): OfficerView
  did(did: string): DidView | undefined
  /** `publicKey` is a current key of the active DID `did`. */
  isDidKey(did: string, publicKey: Uint8Array): boolean
  /** Throws IDENTITY_DID_NOT_FOUND / IDENTITY_DID_DEACTIVATED / IDENTITY_NOT_DID_CONTROLLER. */
  requireDidKey(did: string, publicKey: Uint8Array): DidView
}
