/**
 * Module `identity`: organisations (departments), their officers with roles, and DIDs for
 * people and enterprises. Every other module checks permissions through its keeper
 * (keeper.ts), never by itself.
 *
 *   addOfficer / setOfficerRoles / suspendOfficer / reinstateOfficer   by an admin of the officer's organisation
 *   rotateOfficerKey        by an admin of the organisation or the officer; the old key stops matching at once
 *                           and is refused afterwards with IDENTITY_KEY_ROTATED
 *   createDid               self-signed by the DID's first key (+ a registrar's co-signature with registeredBy);
 *                           the one method any key may send (SenderRule `anyone`): it registers the key
 *   rotateDidKey            signed by a current key, which is replaced
 *   deactivateDid           signed by a current key; final
 *
 * A key is a current key of at most one active DID (IDENTITY_KEY_IN_USE otherwise), so a key
 * names its DID (`did-key/<pk>`): admission recognises DID keys as registered senders by it
 * (registeredSender), and the anchor module counts its quota per DID.
 *   setPseudonym            by a registrar of an identity-authority organisation (docs/adr/0006)
 *
 * Organisations come from the genesis document or from governance (keeper.addOrganisation /
 * removeOrganisation); no transaction of this module creates or removes one.
 *
 * State (module-local keys, see identityKeys in core): org/<id>, orgs, org-officers/<id>,
 * officer/<id>, officer-history/<id>/<n>, officer-key/<pk>, retired-key/<pk>, did/<did>, did-key/<pk>.
 * Events: identity.officer {action, officerId, orgId, by}, identity.did {action, did}.
 * Index (node-local): identity/by-pseudonym/<32 bytes><did> → empty.
 */

import type { Genesis } from '@govchain/app'
import { handler, type KeeperContext, type Module, type ModuleState, type TxContext } from '@govchain/app'
import { codec, concatBytes, type ErrorCode, equalBytes, GovchainError, toHex, utf8 } from '@govchain/core'
import type { ChangeMeta, DidView, IdentityKeeper, OfficerView, OrganisationView } from './keeper.ts'
import type { NewOrganisation } from './schema.ts'
import {
  AddOfficerArgs,
  CREDIT_CODE_PATTERN,
  CreateDidArgs,
  DidArgs,
  DidRecord,
  deriveDid,
  ID_PATTERN,
  IDENTITY_LIMITS,
  IDENTITY_MODULE,
  identityKeys,
  OfficerHistoryEntry,
  OfficerIdArgs,
  OfficerRecord,
  OrganisationRecord,
  REGION_CODE_PATTERN,
  ROLES,
  type Role,
  RotateDidKeyArgs,
  RotateOfficerKeyArgs,
  SetOfficerRolesArgs,
  SetPseudonymArgs,
} from './schema.ts'
import type { OfficerHistoryView, OfficerInfo, OrganisationInfo } from './views.ts'

export * from './keeper.ts'

const { decode, encode, vec, string } = codec
const IdList = vec(string(IDENTITY_LIMITS.idBytes), IDENTITY_LIMITS.officersPerOrg)
const ZERO32 = new Uint8Array(32)
export const BY_PSEUDONYM_PREFIX = utf8('by-pseudonym/')

type ReadState = Pick<ModuleState, 'get' | 'has'>

function fail(code: ErrorCode, message?: string, details?: Record<string, unknown>): never {
  throw new GovchainError(code, message, details)
}

function readList(state: ReadState, key: Uint8Array): string[] {
  const v = state.get(key)
  return v === undefined ? [] : decode(IdList, v)
}

function readOrg(state: ReadState, orgId: string): OrganisationRecord | undefined {
  if (!ID_PATTERN.test(orgId)) return undefined
  const v = state.get(identityKeys.org(orgId))
  return v === undefined ? undefined : decode(OrganisationRecord, v)
}

function readOfficer(state: ReadState, officerId: string): OfficerRecord | undefined {
  if (!ID_PATTERN.test(officerId)) return undefined
  const v = state.get(identityKeys.officer(officerId))
  return v === undefined ? undefined : decode(OfficerRecord, v)
}

/** The active DID whose current key `publicKey` is (the did-key index), if any. */
function didOfKey(state: ReadState, publicKey: Uint8Array): DidRecord | undefined {
  if (!(publicKey instanceof Uint8Array)) return undefined
  const did = state.get(identityKeys.didKey(publicKey))
  if (did === undefined) return undefined
  const r = readDid(state, new TextDecoder().decode(did))
  return r !== undefined && r.status === 'active' && r.keys.some((k) => equalBytes(k.publicKey, publicKey))
    ? r
    : undefined
}

function readDid(state: ReadState, did: string): DidRecord | undefined {
  let key: Uint8Array
  try {
    key = identityKeys.did(did)
  } catch {
    return undefined
  }
  const v = state.get(key)
  return v === undefined ? undefined : decode(DidRecord, v)
}

export function orgStatus(o: OrganisationRecord, height: number): OrganisationView['status'] {
  if (o.removedFromHeight !== undefined && height >= o.removedFromHeight) return 'removed'
  return height >= o.activeFromHeight ? 'active' : 'pending'
}

function orgView(o: OrganisationRecord, height: number): OrganisationView {
  return {
    id: o.id,
    name: o.name,
    nameEn: o.nameEn,
    code: o.code,
    level: o.level,
    regionCode: o.regionCode,
    region: o.region,
    status: orgStatus(o, height),
    identityAuthority: o.identityAuthority,
    activeFromHeight: o.activeFromHeight,
    ...(o.removedFromHeight === undefined ? {} : { removedFromHeight: o.removedFromHeight }),
  }
}

function officerView(r: OfficerRecord): OfficerView {
  return { officerId: r.officerId, orgId: r.orgId, roles: [...r.roles], publicKey: r.publicKey, status: r.status }
}

function didView(r: DidRecord): DidView {
  const verifiedBy = r.pseudonymBy ?? r.registeredBy
  return {
    did: r.did,
    keys: r.keys.map((k) => k.publicKey),
    status: r.status,
    ...(r.registeredBy === undefined ? {} : { registeredBy: r.registeredBy }),
    ...(verifiedBy === undefined ? {} : { verifiedBy }),
  }
}

/** Distinct roles of the catalogue, non-empty, returned in catalogue order (one canonical form). */
function canonicalRoles(roles: readonly Role[]): Role[] {
  if (roles.length === 0 || new Set(roles).size !== roles.length) fail('IDENTITY_BAD_ROLES')
  return ROLES.filter((r) => roles.includes(r))
}

function checkId(value: string, what: string): void {
  if (!ID_PATTERN.test(value)) fail('IDENTITY_BAD_ID', `${what} ${JSON.stringify(value)} must match ${ID_PATTERN}`)
}

// ---------------------------------------------------------------- keeper

function makeKeeper(ctx: KeeperContext): IdentityKeeper {
  const { state, height } = ctx
  const keeper: IdentityKeeper = {
    organisation(orgId) {
      const o = readOrg(state, orgId)
      return o === undefined ? undefined : orgView(o, height)
    },
    officerByKey(publicKey) {
      const id = state.get(identityKeys.officerKey(publicKey))
      if (id === undefined) return undefined
      const r = readOfficer(state, new TextDecoder().decode(id))
      return r === undefined || r.status !== 'active' ? undefined : officerView(r)
    },
    requireOfficer(publicKey, role, orgId) {
      if (!(publicKey instanceof Uint8Array)) fail('IDENTITY_NOT_OFFICER')
      const id = state.get(identityKeys.officerKey(publicKey))
      if (id === undefined) {
        const retired = state.get(identityKeys.retiredKey(publicKey))
        if (retired !== undefined) {
          fail('IDENTITY_KEY_ROTATED', undefined, { officerId: new TextDecoder().decode(retired) })
        }
        fail('IDENTITY_NOT_OFFICER', undefined, { publicKey: toHex(publicKey) })
      }
      const r = readOfficer(state, new TextDecoder().decode(id))
      if (r === undefined) fail('IDENTITY_NOT_OFFICER')
      if (r.status !== 'active') fail('IDENTITY_OFFICER_SUSPENDED', undefined, { officerId: r.officerId })
      const org = readOrg(state, r.orgId)
      if (org === undefined || orgStatus(org, height) !== 'active') {
        fail('IDENTITY_ORG_INACTIVE', undefined, { orgId: r.orgId })
      }
      if (orgId !== undefined && r.orgId !== orgId) {
        fail('IDENTITY_WRONG_ORGANISATION', undefined, { officerId: r.officerId, orgId: r.orgId, required: orgId })
      }
      if (!r.roles.includes(role)) fail('IDENTITY_ROLE_MISSING', undefined, { officerId: r.officerId, role })
      return officerView(r)
    },
    did(did) {
      const r = readDid(state, did)
      return r === undefined ? undefined : didView(r)
    },
    isDidKey(did, publicKey) {
      const r = readDid(state, did)
      return r !== undefined && r.status === 'active' && r.keys.some((k) => equalBytes(k.publicKey, publicKey))
    },
    requireDidKey(did, publicKey) {
      const r = readDid(state, did)
      if (r === undefined) fail('IDENTITY_DID_NOT_FOUND', undefined, { did })
      if (r.status !== 'active') fail('IDENTITY_DID_DEACTIVATED', undefined, { did })
      if (!r.keys.some((k) => equalBytes(k.publicKey, publicKey)))
        fail('IDENTITY_NOT_DID_CONTROLLER', undefined, { did })
      return didView(r)
    },
    didByKey(publicKey) {
      const r = didOfKey(state, publicKey)
      return r === undefined ? undefined : didView(r)
    },
    isRegisteredKey(publicKey) {
      const officer = keeper.officerByKey(publicKey)
      if (officer !== undefined && keeper.organisation(officer.orgId)?.status === 'active') return true
      return didOfKey(state, publicKey) !== undefined
    },
    organisations() {
      return readList(state, identityKeys.orgList()).flatMap((id) => {
        const o = readOrg(state, id)
        return o === undefined ? [] : [orgView(o, height)]
      })
    },
    activeOrganisationIds() {
      return keeper
        .organisations()
        .filter((o) => o.status === 'active')
        .map((o) => o.id)
    },
    trustedCaPems() {
      // Pending organisations too: their nodes may connect (and sync) before the admission height;
      // authorisation (isPeerAllowed) still decides which node may take part in consensus.
      return readList(state, identityKeys.orgList()).flatMap((id) => {
        const o = readOrg(state, id)
        return o === undefined || orgStatus(o, height) === 'removed' ? [] : [o.caCertPem]
      })
    },
    officer(officerId) {
      const r = readOfficer(state, officerId)
      return r === undefined ? undefined : officerView(r)
    },
    officersOf(orgId) {
      if (!ID_PATTERN.test(orgId)) return []
      return readList(state, identityKeys.orgOfficers(orgId)).flatMap((id) => {
        const r = readOfficer(state, id)
        return r === undefined ? [] : [officerView(r)]
      })
    },
    officerKeyInUse(publicKey) {
      return state.has(identityKeys.officerKey(publicKey)) || state.has(identityKeys.retiredKey(publicKey))
    },
    addOrganisation(org, activeFromHeight, meta) {
      validateNewOrganisation(org)
      if (state.has(identityKeys.org(org.id))) fail('IDENTITY_ORG_EXISTS', undefined, { orgId: org.id })
      const list = readList(state, identityKeys.orgList())
      if (list.length >= IDENTITY_LIMITS.organisations) fail('IDENTITY_LIMIT', 'too many organisations')
      const record: OrganisationRecord = { ...org, activeFromHeight }
      state.set(identityKeys.org(org.id), encode(OrganisationRecord, record))
      state.set(identityKeys.orgList(), encode(IdList, [...list, org.id]))
      putOfficer(state, {
        officerId: `${org.id}-admin`,
        orgId: org.id,
        roles: [...ROLES],
        publicKey: org.operatorPublicKey,
        by: 'governance',
        action: 'created',
        meta,
      })
    },
    removeOrganisation(orgId, fromHeight) {
      const o = readOrg(state, orgId)
      if (o === undefined) fail('IDENTITY_ORG_NOT_FOUND', undefined, { orgId })
      if (o.removedFromHeight !== undefined) fail('IDENTITY_ORG_INACTIVE', 'already removed', { orgId })
      state.set(identityKeys.org(orgId), encode(OrganisationRecord, { ...o, removedFromHeight: fromHeight }))
    },
  }
  return keeper
}

export function validateNewOrganisation(org: NewOrganisation): void {
  checkId(org.id, 'organisation id')
  if (!CREDIT_CODE_PATTERN.test(org.code))
    fail('IDENTITY_BAD_ORGANISATION', 'code must be a unified social credit code')
  if (!REGION_CODE_PATTERN.test(org.regionCode))
    fail('IDENTITY_BAD_ORGANISATION', 'regionCode must be 6 digits (GB/T 2260)')
  if (org.name.length === 0 || org.region.length === 0)
    fail('IDENTITY_BAD_ORGANISATION', 'name and region are required')
  if (!org.caCertPem.includes('-----BEGIN CERTIFICATE-----'))
    fail('IDENTITY_BAD_ORGANISATION', 'caCertPem must be a PEM certificate')
}

/** Creates an officer with its key mapping, organisation list entry and first history entry. */
function putOfficer(
  state: ModuleState,
  o: {
    officerId: string
    orgId: string
    roles: Role[]
    publicKey: Uint8Array
    by: string
    action: string
    meta: ChangeMeta
  },
): void {
  checkId(o.officerId, 'officer id')
  if (state.has(identityKeys.officer(o.officerId)))
    fail('IDENTITY_OFFICER_EXISTS', undefined, { officerId: o.officerId })
  if (state.has(identityKeys.officerKey(o.publicKey)) || state.has(identityKeys.retiredKey(o.publicKey))) {
    fail('IDENTITY_KEY_IN_USE', undefined, { publicKey: toHex(o.publicKey) })
  }
  const list = readList(state, identityKeys.orgOfficers(o.orgId))
  if (list.length >= IDENTITY_LIMITS.officersPerOrg) fail('IDENTITY_LIMIT', 'too many officers in this organisation')
  const record: OfficerRecord = {
    officerId: o.officerId,
    orgId: o.orgId,
    roles: canonicalRoles(o.roles),
    publicKey: o.publicKey,
    status: 'active',
    createdHeight: o.meta.height,
    updatedHeight: o.meta.height,
    historyLength: 0,
  }
  state.set(identityKeys.officerKey(o.publicKey), utf8(o.officerId))
  state.set(identityKeys.orgOfficers(o.orgId), encode(IdList, [...list, o.officerId]))
  writeOfficer(state, record, { action: o.action, by: o.by, meta: o.meta, detail: `roles=${record.roles.join(',')}` })
}

/** Stores the record with one more history entry (who, when, what). */
function writeOfficer(
  state: ModuleState,
  r: OfficerRecord,
  h: { action: string; by: string; meta: ChangeMeta; detail?: string },
): void {
  const entry: OfficerHistoryEntry = {
    action: h.action,
    by: h.by,
    height: h.meta.height,
    timeMs: h.meta.timeMs,
    txHash: h.meta.txHash,
    ...(h.detail === undefined ? {} : { detail: h.detail.slice(0, IDENTITY_LIMITS.historyDetail) }),
  }
  state.set(identityKeys.officerHistory(r.officerId, r.historyLength), encode(OfficerHistoryEntry, entry))
  state.set(
    identityKeys.officer(r.officerId),
    encode(OfficerRecord, { ...r, updatedHeight: h.meta.height, historyLength: r.historyLength + 1 }),
  )
}

export function readOfficerHistory(state: ReadState, officerId: string): OfficerHistoryEntry[] {
  const r = readOfficer(state, officerId)
  if (r === undefined) return []
  const out: OfficerHistoryEntry[] = []
  for (let i = 0; i < r.historyLength; i++) {
    const v = state.get(identityKeys.officerHistory(officerId, i))
    if (v !== undefined) out.push(decode(OfficerHistoryEntry, v))
  }
  return out
}

// ---------------------------------------------------------------- handlers

function meta(ctx: TxContext): ChangeMeta {
  return { height: ctx.height, timeMs: ctx.timeMs, txHash: ctx.txHash }
}

function keeperOf(ctx: TxContext): IdentityKeeper {
  return ctx.keeper<IdentityKeeper>(IDENTITY_MODULE)
}

/** The officer to manage, and the acting admin of its organisation. */
function managed(ctx: TxContext, officerId: string): { target: OfficerRecord; admin: OfficerView } {
  checkId(officerId, 'officer id')
  const target = readOfficer(ctx.state, officerId)
  if (target === undefined) fail('IDENTITY_OFFICER_NOT_FOUND', undefined, { officerId })
  const admin = keeperOf(ctx).requireOfficer(ctx.sender, 'admin', target.orgId)
  return { target, admin }
}

/** Refuses a change that leaves the organisation with no active admin (it could never manage itself again). */
function keepAnAdmin(state: ReadState, orgId: string, changed: OfficerRecord): void {
  const ids = readList(state, identityKeys.orgOfficers(orgId))
  const stillAdmin = ids.some((id) => {
    const r = id === changed.officerId ? changed : readOfficer(state, id)
    return r !== undefined && r.status === 'active' && r.roles.includes('admin')
  })
  if (!stillAdmin) fail('IDENTITY_LAST_ADMIN', undefined, { orgId })
}

function checkKeyLength(ctx: TxContext, pk: Uint8Array): void {
  // The sender's key is a valid key of the chain suite (its signature verified): same length.
  if (pk.length !== ctx.sender.length) fail('IDENTITY_BAD_KEY')
}

function officerEvent(ctx: TxContext, action: string, r: OfficerRecord, by: string): void {
  ctx.emit('officer', { action, officerId: r.officerId, orgId: r.orgId, by })
}

function didEvent(ctx: TxContext, action: string, did: string): void {
  ctx.emit('did', { action, did })
}

function requireDidRecord(ctx: TxContext, did: string): DidRecord {
  const r = readDid(ctx.state, did)
  if (r === undefined) fail('IDENTITY_DID_NOT_FOUND', undefined, { did })
  if (r.status !== 'active') fail('IDENTITY_DID_DEACTIVATED', undefined, { did })
  if (!r.keys.some((k) => equalBytes(k.publicKey, ctx.sender))) fail('IDENTITY_NOT_DID_CONTROLLER', undefined, { did })
  return r
}

export const identityModule = {
  name: IDENTITY_MODULE,
  initGenesis(ctx, genesis: Genesis) {
    const ids: string[] = []
    for (const o of genesis.organisations) {
      const record: OrganisationRecord = {
        id: o.id,
        name: o.name,
        nameEn: o.nameEn,
        code: o.code,
        level: o.level,
        regionCode: o.regionCode,
        region: o.region,
        caCertPem: o.caCertPem,
        operatorPublicKey: hexBytes(o.operatorPublicKey),
        identityAuthority: o.identityAuthority ?? false,
        activeFromHeight: 1,
      }
      ctx.state.set(identityKeys.org(o.id), encode(OrganisationRecord, record))
      ids.push(o.id)
      const m: ChangeMeta = { height: 1, timeMs: ctx.timeMs, txHash: ZERO32 }
      for (const f of o.officers ?? []) {
        putOfficer(ctx.state, {
          officerId: f.officerId,
          orgId: o.id,
          roles: f.roles,
          publicKey: hexBytes(f.publicKey),
          by: 'genesis',
          action: 'created',
          meta: m,
        })
      }
    }
    ctx.state.set(identityKeys.orgList(), encode(IdList, ids))
  },
  handlers: {
    addOfficer: handler(AddOfficerArgs, (ctx, a) => {
      checkId(a.orgId, 'organisation id')
      const admin = keeperOf(ctx).requireOfficer(ctx.sender, 'admin', a.orgId)
      checkKeyLength(ctx, a.publicKey)
      putOfficer(ctx.state, { ...a, by: admin.officerId, action: 'created', meta: meta(ctx) })
      const r = readOfficer(ctx.state, a.officerId)!
      officerEvent(ctx, 'created', r, admin.officerId)
    }),
    setOfficerRoles: handler(SetOfficerRolesArgs, (ctx, a) => {
      const { target, admin } = managed(ctx, a.officerId)
      const next = { ...target, roles: canonicalRoles(a.roles) }
      keepAnAdmin(ctx.state, target.orgId, next)
      writeOfficer(ctx.state, next, {
        action: 'roles',
        by: admin.officerId,
        meta: meta(ctx),
        detail: `roles=${next.roles.join(',')}`,
      })
      officerEvent(ctx, 'roles', next, admin.officerId)
    }),
    suspendOfficer: handler(OfficerIdArgs, (ctx, a) => {
      const { target, admin } = managed(ctx, a.officerId)
      if (target.status === 'suspended')
        fail('IDENTITY_OFFICER_SUSPENDED', 'already suspended', { officerId: a.officerId })
      const next: OfficerRecord = { ...target, status: 'suspended' }
      keepAnAdmin(ctx.state, target.orgId, next)
      writeOfficer(ctx.state, next, { action: 'suspended', by: admin.officerId, meta: meta(ctx) })
      officerEvent(ctx, 'suspended', next, admin.officerId)
    }),
    reinstateOfficer: handler(OfficerIdArgs, (ctx, a) => {
      const { target, admin } = managed(ctx, a.officerId)
      if (target.status === 'active')
        fail('INVALID_ARGUMENT', 'the officer is not suspended', { officerId: a.officerId })
      const next: OfficerRecord = { ...target, status: 'active' }
      writeOfficer(ctx.state, next, { action: 'reinstated', by: admin.officerId, meta: meta(ctx) })
      officerEvent(ctx, 'reinstated', next, admin.officerId)
    }),
    rotateOfficerKey: handler(RotateOfficerKeyArgs, (ctx, a) => {
      checkId(a.officerId, 'officer id')
      const target = readOfficer(ctx.state, a.officerId)
      if (target === undefined) fail('IDENTITY_OFFICER_NOT_FOUND', undefined, { officerId: a.officerId })
      // The officer may rotate its own key; otherwise an admin of its organisation.
      const self = equalBytes(ctx.sender, target.publicKey)
      const by = self
        ? keeperOf(ctx).requireOfficer(ctx.sender, target.roles[0]!, target.orgId).officerId
        : keeperOf(ctx).requireOfficer(ctx.sender, 'admin', target.orgId).officerId
      checkKeyLength(ctx, a.newPublicKey)
      if (
        ctx.state.has(identityKeys.officerKey(a.newPublicKey)) ||
        ctx.state.has(identityKeys.retiredKey(a.newPublicKey))
      ) {
        fail('IDENTITY_KEY_IN_USE', undefined, { publicKey: toHex(a.newPublicKey) })
      }
      ctx.state.delete(identityKeys.officerKey(target.publicKey))
      ctx.state.set(identityKeys.retiredKey(target.publicKey), utf8(target.officerId))
      ctx.state.set(identityKeys.officerKey(a.newPublicKey), utf8(target.officerId))
      const next: OfficerRecord = { ...target, publicKey: a.newPublicKey }
      writeOfficer(ctx.state, next, {
        action: 'key-rotated',
        by,
        meta: meta(ctx),
        detail: `old=${toHex(target.publicKey)} new=${toHex(a.newPublicKey)}`,
      })
      officerEvent(ctx, 'key-rotated', next, by)
    }),
    createDid: handler(
      CreateDidArgs,
      (ctx, a) => {
        const did = deriveDid({ hash: ctx.hash }, ctx.sender)
        if (ctx.state.has(identityKeys.did(did))) fail('IDENTITY_DID_EXISTS', undefined, { did })
        // The key already controls another DID (it was rotated into it).
        if (ctx.state.has(identityKeys.didKey(ctx.sender))) fail('IDENTITY_KEY_IN_USE')
        if (a.registeredBy !== undefined) {
          checkId(a.registeredBy, 'organisation id')
          const cosigner = ctx.signers[1]
          if (cosigner === undefined)
            fail('IDENTITY_NOT_OFFICER', 'registeredBy needs a registrar officer as second signer')
          keeperOf(ctx).requireOfficer(cosigner, 'registrar', a.registeredBy)
        }
        const record: DidRecord = {
          did,
          keys: [{ keyId: 1, publicKey: ctx.sender }],
          nextKeyId: 2,
          status: 'active',
          ...(a.registeredBy === undefined ? {} : { registeredBy: a.registeredBy }),
          createdHeight: ctx.height,
          createdTimeMs: ctx.timeMs,
          updatedHeight: ctx.height,
          updatedTimeMs: ctx.timeMs,
        }
        ctx.state.set(identityKeys.did(did), encode(DidRecord, record))
        ctx.state.set(identityKeys.didKey(ctx.sender), utf8(did))
        didEvent(ctx, 'created', did)
      },
      'anyone',
    ),
    rotateDidKey: handler(RotateDidKeyArgs, (ctx, a) => {
      const r = requireDidRecord(ctx, a.did)
      checkKeyLength(ctx, a.newPublicKey)
      if (r.keys.some((k) => equalBytes(k.publicKey, a.newPublicKey))) fail('IDENTITY_KEY_IN_USE')
      // A key controls one DID at most: its index entry names it.
      if (ctx.state.has(identityKeys.didKey(a.newPublicKey))) fail('IDENTITY_KEY_IN_USE')
      const keys = r.keys.map((k) =>
        equalBytes(k.publicKey, ctx.sender) ? { keyId: r.nextKeyId, publicKey: a.newPublicKey } : k,
      )
      const next: DidRecord = {
        ...r,
        keys,
        nextKeyId: r.nextKeyId + 1,
        updatedHeight: ctx.height,
        updatedTimeMs: ctx.timeMs,
      }
      ctx.state.set(identityKeys.did(a.did), encode(DidRecord, next))
      ctx.state.delete(identityKeys.didKey(ctx.sender))
      ctx.state.set(identityKeys.didKey(a.newPublicKey), utf8(a.did))
      didEvent(ctx, 'key-rotated', a.did)
    }),
    deactivateDid: handler(DidArgs, (ctx, a) => {
      const r = requireDidRecord(ctx, a.did)
      const next: DidRecord = { ...r, status: 'deactivated', updatedHeight: ctx.height, updatedTimeMs: ctx.timeMs }
      ctx.state.set(identityKeys.did(a.did), encode(DidRecord, next))
      // Its keys control nothing any more: no longer registered senders.
      for (const k of r.keys) ctx.state.delete(identityKeys.didKey(k.publicKey))
      didEvent(ctx, 'deactivated', a.did)
    }),
    setPseudonym: handler(SetPseudonymArgs, (ctx, a) => {
      const officer = keeperOf(ctx).requireOfficer(ctx.sender, 'registrar')
      const org = readOrg(ctx.state, officer.orgId)
      if (org === undefined || !org.identityAuthority) {
        fail('IDENTITY_NOT_IDENTITY_AUTHORITY', undefined, { orgId: officer.orgId })
      }
      const r = readDid(ctx.state, a.did)
      if (r === undefined) fail('IDENTITY_DID_NOT_FOUND', undefined, { did: a.did })
      if (r.status !== 'active') fail('IDENTITY_DID_DEACTIVATED', undefined, { did: a.did })
      if (r.pseudonym !== undefined) ctx.index(concatBytes(BY_PSEUDONYM_PREFIX, r.pseudonym, utf8(a.did)), undefined)
      const next: DidRecord = {
        ...r,
        pseudonym: a.pseudonym,
        pseudonymBy: officer.orgId,
        updatedHeight: ctx.height,
        updatedTimeMs: ctx.timeMs,
      }
      ctx.state.set(identityKeys.did(a.did), encode(DidRecord, next))
      ctx.index(concatBytes(BY_PSEUDONYM_PREFIX, a.pseudonym, utf8(a.did)), new Uint8Array(0))
      ctx.emit('did', { action: 'pseudonym', did: a.did, by: officer.officerId })
    }),
  },
  keeper: (ctx: KeeperContext): IdentityKeeper => makeKeeper(ctx),
  renderState: (key, value) => renderIdentityState(key, value),
  registeredSender: (ctx, publicKey) => makeKeeper(ctx).isRegisteredKey(publicKey),
} satisfies Module

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

// ---------------------------------------------------------------- rendering (API, CLI)

export function renderOrganisation(o: OrganisationRecord, height: number): OrganisationInfo {
  return {
    ...orgView(o, height),
    operatorPublicKey: toHex(o.operatorPublicKey),
    caCertPem: o.caCertPem,
  }
}

export function renderOfficer(r: OfficerView | OfficerRecord): OfficerInfo {
  return {
    officerId: r.officerId,
    orgId: r.orgId,
    roles: [...r.roles],
    publicKey: toHex(r.publicKey),
    status: r.status,
  }
}

export function renderOfficerHistory(h: OfficerHistoryEntry): OfficerHistoryView {
  return {
    action: h.action,
    by: h.by,
    height: h.height,
    timeMs: h.timeMs,
    txHash: toHex(h.txHash),
    ...(h.detail === undefined ? {} : { detail: h.detail }),
  }
}

export function renderIdentityState(key: Uint8Array, value: Uint8Array): unknown {
  const k = new TextDecoder().decode(key.subarray(0, 16))
  if (k.startsWith('org/')) return renderOrganisation(decode(OrganisationRecord, value), Number.MAX_SAFE_INTEGER)
  if (k.startsWith('officer/')) return renderOfficer(decode(OfficerRecord, value))
  if (k.startsWith('officer-history/')) return renderOfficerHistory(decode(OfficerHistoryEntry, value))
  if (k.startsWith('did/')) {
    const r = decode(DidRecord, value)
    return { ...didView(r), keys: r.keys.map((x) => ({ keyId: x.keyId, publicKey: toHex(x.publicKey) })) }
  }
  if (k.startsWith('orgs') || k.startsWith('org-officers/')) return decode(IdList, value)
  return { text: new TextDecoder().decode(value) }
}

/** Internal readers for the API layer (same package). */
export const identityReaders = { readOrg, readOfficer, readDid, readList, IdList }
