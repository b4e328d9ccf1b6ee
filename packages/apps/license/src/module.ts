/**
 * Module `license`: electronic licences (电子证照). API contract: docs/license-api.md; design:
 * docs/license.md and docs/adr/0007-licence-credentials.md.
 *
 *   defineType / setIssuer         the catalogue and its trusted-issuer lists: a `registrar` defines
 *                                  a type (their organisation owns it); the owner's registrars
 *                                  add or remove issuing organisations
 *   issue                          an `issuer` officer of an organisation on the type's issuer list;
 *                                  the officer's key also signs the off-chain credential, whose hash
 *                                  is recorded (so the record proves "issuer authorised at issue time")
 *   suspend / reinstate / revoke   an `issuer` officer of the issuing organisation, with a reason
 *   renew / amend                  the same, still authorised for the type: a new version (id with
 *                                  version + 1) linked to the old one, which becomes `superseded`
 *   grantUse / withdrawGrant       the holder (a current key of the holder DID): 用证授权
 *   recordUse                      an officer of the grantee organisation, while grant and licence are in force
 *
 * Expiry is never a transaction: status is computed from block time (effectiveStatus).
 * Every transition appends a history entry (who, when, why) in state and emits an event.
 * Nothing personal on chain: records hold ids, DIDs, hashes, statuses and dates only; reasons,
 * services and purposes are public text that must not contain personal data.
 *
 * State (module-local): types, type/<code>, alias/<alias>, lic/<id>, hist/<id>/<n>,
 * grants/<licenceId>, grant/<grantId>, use/<licenceId>/<n>.
 * Index (node-local): by-holder/<did>\0<id>, by-issuer/<org>\0<id>, by-type/<code>\0<id>,
 * grants-by-holder/<did>\0<grantId hex>.
 */

import type { Genesis, GenesisSection } from '@govchain/app'
import {
  handler,
  type KeeperContext,
  type Module,
  query,
  type ReadonlyModuleState,
  type TxContext,
} from '@govchain/app'
import { codec, type ErrorCode, GovchainError, toHex, utf8 } from '@govchain/core'
import type { IdentityKeeper, OfficerView } from '@govchain/identity'
import { identityRef } from '@govchain/identity/schema'
import { DEMO_LICENSE_TYPES } from './catalogue.ts'
import {
  AmendArgs,
  addYearsUtc,
  DefineTypeArgs,
  type EffectiveStatus,
  effectiveStatus,
  GrantRecord,
  GrantUseArgs,
  HistoryEntry,
  IssueArgs,
  LICENSE_INDEX,
  LICENSE_KEYS,
  LICENSE_LIMITS,
  LICENSE_MODULE,
  LicenseGrantIndex,
  LicenseRecord,
  LicenseTypeRecord,
  licenseIdWithVersion,
  parseLicenseId,
  RecordUseArgs,
  RenewArgs,
  RevokeArgs,
  SetIssuerArgs,
  StatusChangeArgs,
  TypeList,
  UseRecord,
  WithdrawGrantArgs,
} from './schema.ts'
import type { LicenseGrantView, LicenseHistoryView, LicenseTypeView, LicenseUseView, LicenseView } from './views.ts'

export { DEMO_LICENSE_TYPES }

const { decode, encode } = codec

const TYPE_CODE = /^[0-9A-Z]{1,32}$/
const ALIAS = /^[a-z][a-z0-9-]{0,31}$/
const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9]{0,47}$/
const REGION_CODE = /^[0-9]{6}$/
const SERVICE = /^[a-z0-9][a-z0-9._:-]{0,63}$/
/** Control characters (C0, DEL, C1) and bidirectional overrides that could disguise public text. */
const FORBIDDEN_TEXT = /\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u
/** A grant lasts at most this long (the holder renews it): bounded consent. */
export const GRANT_MAX_MS = 5 * 366 * 24 * 3600 * 1000
/** Grants per licence (the per-licence list is one state value). */
export const GRANTS_PER_LICENSE_MAX = 1024

/** Fails the transaction (like ctx.fail; a declared function so TypeScript narrows after it). */
function fail(code: ErrorCode, message?: string, details?: Record<string, unknown>): never {
  throw new GovchainError(code, message, details)
}

// ---------------------------------------------------------------- reads

function readType(state: ReadonlyModuleState, code: string): LicenseTypeRecord | undefined {
  if (!TYPE_CODE.test(code)) return undefined
  const v = state.get(LICENSE_KEYS.type(code))
  return v === undefined ? undefined : decode(LicenseTypeRecord, v)
}

function readTypeByAlias(state: ReadonlyModuleState, alias: string): LicenseTypeRecord | undefined {
  if (!ALIAS.test(alias)) return undefined
  const v = state.get(LICENSE_KEYS.alias(alias))
  return v === undefined ? undefined : readType(state, new TextDecoder().decode(v))
}

function readTypeList(state: ReadonlyModuleState): string[] {
  const v = state.get(LICENSE_KEYS.typeList())
  return v === undefined ? [] : decode(TypeList, v)
}

function validId(id: string): boolean {
  return typeof id === 'string' && id.length > 0 && utf8(id).length <= LICENSE_LIMITS.idBytes
}

function readLicense(state: ReadonlyModuleState, id: string): LicenseRecord | undefined {
  if (!validId(id)) return undefined
  const v = state.get(LICENSE_KEYS.license(id))
  return v === undefined ? undefined : decode(LicenseRecord, v)
}

/** Entry `seq` of a numbered sequence under a licence (its history, its uses). */
function readSeq<T>(
  state: ReadonlyModuleState,
  key: Uint8Array | undefined,
  seq: number,
  of: codec.Codec<T>,
): T | undefined {
  if (key === undefined || !Number.isSafeInteger(seq) || seq < 0) return undefined
  const v = state.get(key)
  return v === undefined ? undefined : decode(of, v)
}

function readGrantIndex(state: ReadonlyModuleState, licenseId: string): LicenseGrantIndex {
  const v = state.get(LICENSE_KEYS.grants(licenseId))
  return v === undefined ? { grants: [], uses: 0 } : decode(LicenseGrantIndex, v)
}

function readGrant(state: ReadonlyModuleState, grantId: Uint8Array): GrantRecord | undefined {
  if (!(grantId instanceof Uint8Array) || grantId.length !== 32) return undefined
  const v = state.get(LICENSE_KEYS.grant(grantId))
  return v === undefined ? undefined : decode(GrantRecord, v)
}

// ---------------------------------------------------------------- checks

/**
 * What issuing needs of a transaction: a handler's TxContext, or the transaction a keeper was
 * called from (LicenseKeeper.issue, inside another module's handler).
 */
type LicenseTx = Pick<TxContext, 'state' | 'height' | 'timeMs' | 'txHash' | 'sender' | 'emit' | 'index' | 'keeper'>

function identity(ctx: LicenseTx): IdentityKeeper {
  return ctx.keeper(identityRef)
}

function checkText(s: string, maxBytes: number, code: ErrorCode, what: string): void {
  if (s.length === 0 || utf8(s).length > maxBytes || FORBIDDEN_TEXT.test(s) || s.trim() !== s) {
    fail(code, `${what}: 1-${maxBytes} bytes of printable text without surrounding spaces`)
  }
}

function checkValidity(type: LicenseTypeRecord, validFromMs: number, validUntilMs: number, nowMs: number): void {
  if (validUntilMs === 0) {
    if (type.maxValidityYears !== 0) fail('LICENSE_BAD_VALIDITY', `${type.name} needs an end date`)
    return
  }
  if (validUntilMs <= validFromMs) fail('LICENSE_BAD_VALIDITY', 'validUntilMs must be after validFromMs')
  if (validUntilMs <= nowMs) fail('LICENSE_BAD_VALIDITY', 'the licence would already be expired (block time)')
  if (type.maxValidityYears !== 0 && validUntilMs > addYearsUtc(validFromMs, type.maxValidityYears)) {
    fail('LICENSE_BAD_VALIDITY', `${type.name} is valid for at most ${type.maxValidityYears} years`)
  }
}

function requireType(ctx: LicenseTx, code: string): LicenseTypeRecord {
  const t = readType(ctx.state, code)
  if (t === undefined) fail('LICENSE_TYPE_NOT_FOUND', undefined, { typeCode: code })
  return t
}

function requireLicense(ctx: TxContext, id: string): LicenseRecord {
  const r = readLicense(ctx.state, id)
  if (r === undefined) fail('LICENSE_NOT_FOUND', undefined, { id })
  return r
}

/** An `issuer` officer of the licence's issuing organisation (identity errors pass through). */
function requireIssuingOfficer(ctx: TxContext, r: LicenseRecord): OfficerView {
  const officer = identity(ctx).requireOfficer(ctx.sender, 'issuer')
  if (officer.orgId !== r.issuerOrg) {
    fail('LICENSE_NOT_ISSUING_ORG', undefined, { id: r.id, issuerOrg: r.issuerOrg, officerOrg: officer.orgId })
  }
  return officer
}

function requireAuthorisedFor(type: LicenseTypeRecord, orgId: string): void {
  if (type.status !== 'active' || !type.issuers.includes(orgId)) {
    fail('LICENSE_ISSUER_NOT_AUTHORISED', undefined, { typeCode: type.code, orgId })
  }
}

const STATUS_FAIL: Record<Exclude<EffectiveStatus, 'active'>, ErrorCode> = {
  suspended: 'LICENSE_SUSPENDED',
  revoked: 'LICENSE_REVOKED',
  expired: 'LICENSE_EXPIRED',
  superseded: 'LICENSE_SUPERSEDED',
  not_yet_valid: 'LICENSE_NOT_YET_VALID',
}

// ---------------------------------------------------------------- writes

function writeLicense(ctx: LicenseTx, r: LicenseRecord): void {
  ctx.state.set(LICENSE_KEYS.license(r.id), encode(LicenseRecord, r))
}

function appendHistory(
  ctx: LicenseTx,
  r: LicenseRecord,
  officer: Pick<OfficerView, 'officerId' | 'orgId'>,
  action: HistoryEntry['action'],
  extra: { reasonCode?: string; reason?: string; relatedId?: string } = {},
): LicenseRecord {
  const entry: HistoryEntry = {
    action,
    actorKey: ctx.sender,
    actorOrg: officer.orgId,
    officerId: officer.officerId,
    height: ctx.height,
    timeMs: ctx.timeMs,
    txHash: ctx.txHash,
    ...extra,
  }
  ctx.state.set(LICENSE_KEYS.history(r.id, r.historyCount), encode(HistoryEntry, entry))
  return { ...r, historyCount: r.historyCount + 1, updatedHeight: ctx.height, updatedTimeMs: ctx.timeMs }
}

function indexLicense(ctx: LicenseTx, r: LicenseRecord): void {
  const empty = new Uint8Array(0)
  ctx.index(LICENSE_INDEX.byHolder(r.holder, r.id), empty)
  ctx.index(LICENSE_INDEX.byIssuer(r.issuerOrg, r.id), empty)
  ctx.index(LICENSE_INDEX.byType(r.typeCode, r.id), empty)
}

function putType(
  state: { set(k: Uint8Array, v: Uint8Array): void; get(k: Uint8Array): Uint8Array | undefined },
  t: LicenseTypeRecord,
): void {
  state.set(LICENSE_KEYS.type(t.code), encode(LicenseTypeRecord, t))
  state.set(LICENSE_KEYS.alias(t.alias), utf8(t.code))
  const v = state.get(LICENSE_KEYS.typeList())
  const list = v === undefined ? [] : decode(TypeList, v)
  if (!list.includes(t.code)) state.set(LICENSE_KEYS.typeList(), encode(TypeList, [...list, t.code]))
}

function newLicenseEvent(ctx: LicenseTx, type: string, r: LicenseRecord, extra: Record<string, string> = {}): void {
  ctx.emit(type, {
    id: r.id,
    type: r.typeCode,
    issuer: r.issuerOrg,
    holder: r.holder,
    actor: toHex(ctx.sender),
    ...extra,
  })
}

/** Transitions shared by renew and amend: the old version is superseded by `next`. */
function supersede(
  ctx: TxContext,
  old: LicenseRecord,
  officer: OfficerView,
  newId: string,
  credentialHash: Uint8Array,
  validFromMs: number,
  validUntilMs: number,
  action: 'renew' | 'amend',
  reason?: string,
): LicenseRecord {
  const expected = licenseIdWithVersion(old.id, old.version + 1)
  if (old.version >= 999 || newId !== expected) {
    fail('LICENSE_BAD_ID', `the next version of ${old.id} is ${expected}`, { expected })
  }
  if (readLicense(ctx.state, newId) !== undefined) fail('LICENSE_EXISTS', undefined, { id: newId })
  let next: LicenseRecord = {
    ...old,
    id: newId,
    issuerKey: ctx.sender,
    officerId: officer.officerId,
    credentialHash,
    status: 'active',
    validFromMs,
    validUntilMs,
    version: old.version + 1,
    previous: old.id,
    issuedHeight: ctx.height,
    issuedTimeMs: ctx.timeMs,
    issuedTxHash: ctx.txHash,
    historyCount: 0,
  }
  delete next.next
  delete next.reasonCode
  delete next.reason
  next = appendHistory(ctx, next, officer, action, { relatedId: old.id, ...(reason === undefined ? {} : { reason }) })
  writeLicense(ctx, next)
  indexLicense(ctx, next)
  let prev: LicenseRecord = { ...old, status: 'superseded', next: newId }
  prev = appendHistory(ctx, prev, officer, 'superseded', { relatedId: newId })
  writeLicense(ctx, prev)
  return next
}

/** license.issue, as a handler or a keeper called within another module's transaction (same checks). */
function issueLicense(ctx: LicenseTx, a: IssueArgs): LicenseRecord {
  const t = requireType(ctx, a.typeCode)
  const id = identity(ctx)
  const officer = id.requireOfficer(ctx.sender, 'issuer')
  requireAuthorisedFor(t, officer.orgId)
  const org = id.organisation(officer.orgId)
  const parts = parseLicenseId(a.id)
  if (parts === undefined || parts.typeCode !== t.code || parts.issuerCode !== org?.code || parts.version !== 1) {
    fail('LICENSE_BAD_ID', 'id must be the version-001 identifier of this type and the issuing organisation', {
      id: a.id,
    })
  }
  if (ctx.state.has(LICENSE_KEYS.license(a.id))) fail('LICENSE_EXISTS', undefined, { id: a.id })
  const holder = id.did(a.holder)
  if (holder === undefined || holder.status !== 'active')
    fail('LICENSE_HOLDER_UNKNOWN', undefined, { holder: a.holder })
  checkValidity(t, a.validFromMs, a.validUntilMs, ctx.timeMs)
  let r: LicenseRecord = {
    id: a.id,
    typeCode: t.code,
    issuerOrg: officer.orgId,
    issuerKey: ctx.sender,
    officerId: officer.officerId,
    holder: a.holder,
    credentialHash: a.credentialHash,
    status: 'active',
    validFromMs: a.validFromMs,
    validUntilMs: a.validUntilMs,
    version: 1,
    issuedHeight: ctx.height,
    issuedTimeMs: ctx.timeMs,
    issuedTxHash: ctx.txHash,
    updatedHeight: ctx.height,
    updatedTimeMs: ctx.timeMs,
    historyCount: 0,
  }
  r = appendHistory(ctx, r, officer, 'issue')
  writeLicense(ctx, r)
  indexLicense(ctx, r)
  newLicenseEvent(ctx, 'issued', r)
  return r
}

// ---------------------------------------------------------------- keeper

export interface LicenseKeeper {
  type(codeOrAlias: string): LicenseTypeRecord | undefined
  types(): LicenseTypeRecord[]
  license(id: string): LicenseRecord | undefined
  /** Status at this keeper's block time (block time, never the wall clock). */
  status(id: string): EffectiveStatus | undefined
  /** History entry `seq` (0 … historyCount-1, oldest first). */
  historyEntry(id: string, seq: number): HistoryEntry | undefined
  grant(grantId: Uint8Array): GrantRecord | undefined
  grantsOf(licenseId: string): GrantRecord[]
  /** How many uses are recorded, and use `seq` (0 … recordedUseCount-1, oldest first). */
  recordedUseCount(licenseId: string): number
  recordedUse(licenseId: string, seq: number): UseRecord | undefined
  /**
   * Issues a licence within the calling transaction, exactly as license.issue would for its
   * sender (an issuer officer of an authorised organisation): the caller's module decides, this
   * module keeps its rules. Only from a handler (EXEC_INTERNAL from a query).
   */
  issue(args: IssueArgs): LicenseRecord
}

function makeKeeper(ctx: KeeperContext): LicenseKeeper {
  const { state, timeMs } = ctx
  return {
    issue: (a) => {
      const tx = ctx.tx
      if (tx === undefined)
        throw new GovchainError('EXEC_INTERNAL', 'license.issue through the keeper needs a transaction')
      return issueLicense(
        {
          state: ctx.state,
          height: ctx.height,
          timeMs: ctx.timeMs,
          txHash: tx.txHash,
          sender: tx.sender,
          emit: (type, attributes) => tx.emit(type, attributes),
          index: (key, value) => tx.index(key, value),
          keeper: (ref) => tx.keeper(ref),
        },
        a,
      )
    },
    type: (c) => readType(state, c) ?? readTypeByAlias(state, c),
    types: () => readTypeList(state).flatMap((c) => readType(state, c) ?? []),
    license: (id) => readLicense(state, id),
    status: (id) => {
      const r = readLicense(state, id)
      return r === undefined ? undefined : effectiveStatus(r, timeMs)
    },
    historyEntry: (id, seq) =>
      readSeq(state, validId(id) ? LICENSE_KEYS.history(id, seq) : undefined, seq, HistoryEntry),
    grant: (g) => readGrant(state, g),
    grantsOf: (id) => readGrantIndex(state, id).grants.flatMap((g) => readGrant(state, g) ?? []),
    recordedUseCount: (id) => (validId(id) ? readGrantIndex(state, id).uses : 0),
    recordedUse: (id, seq) => readSeq(state, validId(id) ? LICENSE_KEYS.use(id, seq) : undefined, seq, UseRecord),
  }
}

// ---------------------------------------------------------------- rendering (API, CLI)

export function renderLicenseType(t: LicenseTypeRecord): LicenseTypeView {
  return {
    code: t.code,
    alias: t.alias,
    name: t.name,
    nameEn: t.nameEn,
    ownerOrg: t.ownerOrg,
    holderKind: t.holderKind,
    fields: t.fields.map((f) => ({ ...f })),
    issuers: [...t.issuers],
    maxValidityYears: t.maxValidityYears,
    renewable: t.renewable,
    regionCode: t.regionCode,
    region: t.region,
    status: t.status,
    definedHeight: t.definedHeight,
    updatedHeight: t.updatedHeight,
  }
}

/** A licence at a height (what the routes answer), or without one (state rendering: no effective status). */
export function renderLicense(r: LicenseRecord, at: { height: number; timeMs: number }): LicenseView
export function renderLicense(r: LicenseRecord): Omit<LicenseView, 'effectiveStatus' | 'atHeight' | 'atTimeMs'> & {
  effectiveStatus: null
  atHeight: null
  atTimeMs: null
}
export function renderLicense(
  r: LicenseRecord,
  at?: { height: number; timeMs: number },
): Omit<LicenseView, 'effectiveStatus' | 'atHeight' | 'atTimeMs'> & {
  effectiveStatus: LicenseView['effectiveStatus'] | null
  atHeight: number | null
  atTimeMs: number | null
} {
  return {
    id: r.id,
    typeCode: r.typeCode,
    issuerOrg: r.issuerOrg,
    issuerKey: toHex(r.issuerKey),
    officerId: r.officerId,
    holder: r.holder,
    credentialHash: toHex(r.credentialHash),
    status: r.status,
    effectiveStatus: at === undefined ? null : effectiveStatus(r, at.timeMs),
    validFromMs: r.validFromMs,
    validUntilMs: r.validUntilMs,
    version: r.version,
    previous: r.previous ?? null,
    next: r.next ?? null,
    issuedHeight: r.issuedHeight,
    issuedTimeMs: r.issuedTimeMs,
    issuedTxHash: toHex(r.issuedTxHash),
    updatedHeight: r.updatedHeight,
    updatedTimeMs: r.updatedTimeMs,
    historyCount: r.historyCount,
    reasonCode: r.reasonCode ?? null,
    reason: r.reason ?? null,
    atHeight: at?.height ?? null,
    atTimeMs: at?.timeMs ?? null,
  }
}

export function renderHistory(h: HistoryEntry, seq: number): LicenseHistoryView {
  return {
    seq,
    action: h.action,
    actorKey: toHex(h.actorKey),
    actorOrg: h.actorOrg,
    officerId: h.officerId,
    height: h.height,
    timeMs: h.timeMs,
    txHash: toHex(h.txHash),
    reasonCode: h.reasonCode ?? null,
    reason: h.reason ?? null,
    relatedId: h.relatedId ?? null,
  }
}

export function grantEffectiveStatus(
  g: GrantRecord,
  license: LicenseRecord | undefined,
  timeMs: number,
): 'active' | 'withdrawn' | 'expired' | 'license_inactive' {
  if (g.status === 'withdrawn') return 'withdrawn'
  if (timeMs >= g.untilMs) return 'expired'
  if (license === undefined || effectiveStatus(license, timeMs) !== 'active') return 'license_inactive'
  return 'active'
}

export function renderGrant(g: GrantRecord, license: LicenseRecord | undefined, timeMs: number): LicenseGrantView {
  return {
    grantId: toHex(g.grantId),
    licenseId: g.licenseId,
    holder: g.holder,
    grantee: g.grantee,
    service: g.service,
    purpose: g.purpose,
    untilMs: g.untilMs,
    status: g.status,
    effectiveStatus: grantEffectiveStatus(g, license, timeMs),
    createdHeight: g.createdHeight,
    createdTimeMs: g.createdTimeMs,
    uses: g.uses,
  }
}

export function renderUse(u: UseRecord, seq: number): LicenseUseView {
  return {
    seq,
    grantId: toHex(u.grantId),
    licenseId: u.licenseId,
    org: u.org,
    officerKey: toHex(u.officerKey),
    officerId: u.officerId,
    service: u.service,
    height: u.height,
    timeMs: u.timeMs,
    txHash: toHex(u.txHash),
  }
}

/** What is wrong with a licence type definition (empty when nothing): shared by defineType and the genesis section. */
function typeProblems(a: DefineTypeArgs, orgExists: (orgId: string) => boolean): string[] {
  const problems: string[] = []
  if (!TYPE_CODE.test(a.code)) problems.push('code: 1-32 of [0-9A-Z]')
  if (!ALIAS.test(a.alias)) problems.push('alias: [a-z][a-z0-9-]{0,31}')
  if (a.name.trim() === '' || a.nameEn.trim() === '' || FORBIDDEN_TEXT.test(a.name + a.nameEn)) problems.push('name')
  if (a.fields.length === 0) problems.push('at least one field')
  const names = new Set<string>()
  for (const fd of a.fields) {
    if (!FIELD_NAME.test(fd.name) || names.has(fd.name)) problems.push(`field ${fd.name}`)
    if (fd.label.trim() === '' || FORBIDDEN_TEXT.test(fd.label + fd.labelEn)) problems.push(`field ${fd.name} label`)
    names.add(fd.name)
  }
  if (a.issuers.length === 0 || new Set(a.issuers).size !== a.issuers.length)
    problems.push('issuers: non-empty, unique')
  for (const org of a.issuers) if (!orgExists(org)) problems.push(`issuer ${org}: unknown`)
  if (a.maxValidityYears > LICENSE_LIMITS.maxValidityYears) problems.push('maxValidityYears')
  if (!REGION_CODE.test(a.regionCode) || a.region.trim() === '') problems.push('region')
  return problems
}

/** One licence type of the genesis section: a type definition plus the organisation that owns it. */
export interface GenesisLicenseType extends DefineTypeArgs {
  ownerOrg: string
}

/** The license module's genesis section: the licence catalogue the chain starts with. */
export interface LicenseGenesisSection {
  types: GenesisLicenseType[]
}

const sectionFail = (reason: string): never => {
  throw new GovchainError('GENESIS_INVALID', `sections.license: ${reason}`)
}

/**
 * Reads `sections.license` of genesis.json: `{types: [{ownerOrg, code, alias, name, nameEn,
 * holderKind, fields: [{name, label, labelEn, personal, required}], issuers, maxValidityYears,
 * renewable, regionCode, region}]}`. Each type is checked like license.defineType, against the
 * genesis organisations; codes and aliases are unique.
 */
export function parseLicenseSection(json: unknown, genesis: Genesis): LicenseGenesisSection {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return sectionFail('an object {types}')
  const raw = (json as { types?: unknown }).types
  if (!Array.isArray(raw) || raw.length > LICENSE_LIMITS.types)
    return sectionFail(`types: a list of at most ${LICENSE_LIMITS.types}`)
  const orgIds = new Set(genesis.organisations.map((o) => o.id))
  const codes = new Set<string>()
  const aliases = new Set<string>()
  const types = raw.map((t, i): GenesisLicenseType => {
    if (typeof t !== 'object' || t === null) return sectionFail(`types[${i}]: an object`)
    const { ownerOrg, ...def } = t as Record<string, unknown>
    if (typeof ownerOrg !== 'string' || !orgIds.has(ownerOrg))
      return sectionFail(`types[${i}].ownerOrg: a genesis organisation`)
    let args: DefineTypeArgs
    try {
      // Through the codec, so the section holds exactly what a defineType transaction could.
      args = decode(DefineTypeArgs, encode(DefineTypeArgs, def as DefineTypeArgs))
    } catch (e) {
      return sectionFail(`types[${i}]: ${e instanceof Error ? e.message : String(e)}`)
    }
    const problems = typeProblems(args, (org) => orgIds.has(org))
    if (problems.length > 0) sectionFail(`types[${i}]: ${problems.join('; ')}`)
    if (codes.has(args.code) || aliases.has(args.alias)) sectionFail(`types[${i}]: code or alias repeated`)
    codes.add(args.code)
    aliases.add(args.alias)
    return { ...args, ownerOrg }
  })
  return { types }
}

/**
 * The demo catalogue (catalogue.ts) for the genesis organisations it names, as a section. It is
 * configuration, not a rule of the module: `govchain init` writes it into the demo consortium's
 * genesis, and a genesis written before modules were pinned (no `modules` list) gets it as its
 * default so that chains started then replay unchanged.
 */
export function demoLicenseSection(organisations: Genesis['organisations']): LicenseGenesisSection {
  const types: GenesisLicenseType[] = []
  for (const seed of DEMO_LICENSE_TYPES) {
    const owner = organisations.find((o) => o.id === seed.owner)
    if (owner === undefined) continue
    const { owner: ownerOrg, seq, ...rest } = seed
    types.push({
      ...rest,
      code: `${owner.code}${seq}`,
      ownerOrg,
      issuers: [ownerOrg],
      regionCode: owner.regionCode,
      region: owner.region,
    })
  }
  return { types }
}

const licenseGenesis: GenesisSection<LicenseGenesisSection> = {
  parse: parseLicenseSection,
  default: (genesis) => (genesis.modules === undefined ? demoLicenseSection(genesis.organisations) : { types: [] }),
  init(ctx, section) {
    for (const { ownerOrg, ...def } of section.types) {
      putType(ctx.state, { ...def, ownerOrg, status: 'active', definedHeight: 1, updatedHeight: 1 })
    }
  },
}

// ---------------------------------------------------------------- the module

export const licenseModule = {
  name: LICENSE_MODULE,
  genesis: licenseGenesis,
  handlers: {
    defineType: handler(DefineTypeArgs, (ctx, a) => {
      const officer = identity(ctx).requireOfficer(ctx.sender, 'registrar')
      const problems = typeProblems(a, (org) => identity(ctx).organisation(org) !== undefined)
      if (problems.length > 0) fail('LICENSE_TYPE_INVALID', problems.join('; '), { problems })
      if (ctx.state.has(LICENSE_KEYS.type(a.code)) || ctx.state.has(LICENSE_KEYS.alias(a.alias))) {
        fail('LICENSE_TYPE_EXISTS', undefined, { code: a.code, alias: a.alias })
      }
      if (readTypeList(ctx.state).length >= LICENSE_LIMITS.types) fail('LICENSE_TYPE_LIMIT')
      putType(ctx.state, {
        ...a,
        ownerOrg: officer.orgId,
        status: 'active',
        definedHeight: ctx.height,
        updatedHeight: ctx.height,
      })
      ctx.emit('type_defined', { type: a.code, alias: a.alias, owner: officer.orgId, actor: toHex(ctx.sender) })
    }),
    setIssuer: handler(SetIssuerArgs, (ctx, a) => {
      const t = requireType(ctx, a.typeCode)
      const officer = identity(ctx).requireOfficer(ctx.sender, 'registrar')
      if (officer.orgId !== t.ownerOrg) fail('LICENSE_NOT_TYPE_OWNER', undefined, { ownerOrg: t.ownerOrg })
      if (a.authorised && identity(ctx).organisation(a.orgId) === undefined) {
        fail('LICENSE_TYPE_INVALID', `unknown organisation ${a.orgId}`)
      }
      const issuers = a.authorised
        ? t.issuers.includes(a.orgId)
          ? t.issuers
          : [...t.issuers, a.orgId]
        : t.issuers.filter((o) => o !== a.orgId)
      if (issuers.length > LICENSE_LIMITS.issuersPerType) fail('LICENSE_TYPE_LIMIT', 'too many issuers')
      putType(ctx.state, { ...t, issuers, updatedHeight: ctx.height })
      ctx.emit('issuer_set', {
        type: t.code,
        issuer: a.orgId,
        authorised: String(a.authorised),
        actor: toHex(ctx.sender),
      })
    }),
    issue: handler(IssueArgs, (ctx, a) => {
      issueLicense(ctx, a)
    }),
    suspend: handler(StatusChangeArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.id)
      const officer = requireIssuingOfficer(ctx, r)
      checkText(a.reason, LICENSE_LIMITS.reasonBytes, 'LICENSE_BAD_REASON', 'reason')
      const s = effectiveStatus(r, ctx.timeMs)
      if (s !== 'active' && s !== 'not_yet_valid') fail('LICENSE_BAD_TRANSITION', `cannot suspend a ${s} licence`)
      let next: LicenseRecord = { ...r, status: 'suspended', reasonCode: 'suspended', reason: a.reason }
      next = appendHistory(ctx, next, officer, 'suspend', { reason: a.reason })
      writeLicense(ctx, next)
      newLicenseEvent(ctx, 'suspended', next, { reason: a.reason })
    }),
    reinstate: handler(StatusChangeArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.id)
      const officer = requireIssuingOfficer(ctx, r)
      checkText(a.reason, LICENSE_LIMITS.reasonBytes, 'LICENSE_BAD_REASON', 'reason')
      if (r.status !== 'suspended') fail('LICENSE_BAD_TRANSITION', `cannot reinstate a ${r.status} licence`)
      let next: LicenseRecord = { ...r, status: 'active' }
      delete next.reasonCode
      delete next.reason
      next = appendHistory(ctx, next, officer, 'reinstate', { reason: a.reason })
      writeLicense(ctx, next)
      newLicenseEvent(ctx, 'reinstated', next, { reason: a.reason })
    }),
    revoke: handler(RevokeArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.id)
      // Revocation stays possible after the organisation left the issuer list: a bad licence must be stoppable.
      const officer = requireIssuingOfficer(ctx, r)
      checkText(a.reason, LICENSE_LIMITS.reasonBytes, 'LICENSE_BAD_REASON', 'reason')
      if (r.status === 'revoked' || r.status === 'superseded') {
        fail('LICENSE_BAD_TRANSITION', `cannot revoke a ${r.status} licence`)
      }
      let next: LicenseRecord = { ...r, status: 'revoked', reasonCode: a.reasonCode, reason: a.reason }
      next = appendHistory(ctx, next, officer, 'revoke', { reasonCode: a.reasonCode, reason: a.reason })
      writeLicense(ctx, next)
      newLicenseEvent(ctx, 'revoked', next, { reasonCode: a.reasonCode, reason: a.reason })
    }),
    renew: handler(RenewArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.id)
      const officer = requireIssuingOfficer(ctx, r)
      const t = requireType(ctx, r.typeCode)
      requireAuthorisedFor(t, officer.orgId)
      if (!t.renewable) fail('LICENSE_NOT_RENEWABLE')
      const s = effectiveStatus(r, ctx.timeMs)
      if (s !== 'active' && s !== 'expired') fail('LICENSE_BAD_TRANSITION', `cannot renew a ${s} licence`)
      checkValidity(t, a.validFromMs, a.validUntilMs, ctx.timeMs)
      const next = supersede(ctx, r, officer, a.newId, a.credentialHash, a.validFromMs, a.validUntilMs, 'renew')
      newLicenseEvent(ctx, 'renewed', next, { previous: r.id })
    }),
    amend: handler(AmendArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.id)
      const officer = requireIssuingOfficer(ctx, r)
      const t = requireType(ctx, r.typeCode)
      requireAuthorisedFor(t, officer.orgId)
      checkText(a.reason, LICENSE_LIMITS.reasonBytes, 'LICENSE_BAD_REASON', 'reason')
      const s = effectiveStatus(r, ctx.timeMs)
      if (s !== 'active' && s !== 'not_yet_valid') fail('LICENSE_BAD_TRANSITION', `cannot amend a ${s} licence`)
      const next = supersede(
        ctx,
        r,
        officer,
        a.newId,
        a.credentialHash,
        r.validFromMs,
        r.validUntilMs,
        'amend',
        a.reason,
      )
      newLicenseEvent(ctx, 'amended', next, { previous: r.id, reason: a.reason })
    }),
    grantUse: handler(GrantUseArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.licenseId)
      if (!identity(ctx).isDidKey(r.holder, ctx.sender)) fail('LICENSE_NOT_HOLDER', undefined, { holder: r.holder })
      const s = effectiveStatus(r, ctx.timeMs)
      if (s !== 'active') fail(STATUS_FAIL[s], undefined, { id: r.id })
      const grantee = identity(ctx).organisation(a.grantee)
      if (grantee === undefined || grantee.status !== 'active')
        fail('LICENSE_GRANT_INVALID', `unknown grantee ${a.grantee}`)
      if (!SERVICE.test(a.service)) fail('LICENSE_GRANT_INVALID', 'service: [a-z0-9][a-z0-9._:-]{0,63}')
      checkText(a.purpose, LICENSE_LIMITS.purposeBytes, 'LICENSE_GRANT_INVALID', 'purpose')
      if (a.untilMs <= ctx.timeMs || a.untilMs > ctx.timeMs + GRANT_MAX_MS) {
        fail('LICENSE_GRANT_INVALID', 'untilMs must be after the block time and within 5 years')
      }
      const idx = readGrantIndex(ctx.state, r.id)
      if (idx.grants.length >= GRANTS_PER_LICENSE_MAX) fail('LICENSE_GRANT_LIMIT')
      const g: GrantRecord = {
        grantId: ctx.txHash,
        licenseId: r.id,
        holder: r.holder,
        grantee: a.grantee,
        service: a.service,
        purpose: a.purpose,
        untilMs: a.untilMs,
        status: 'active',
        createdHeight: ctx.height,
        createdTimeMs: ctx.timeMs,
        uses: 0,
      }
      ctx.state.set(LICENSE_KEYS.grant(g.grantId), encode(GrantRecord, g))
      ctx.state.set(
        LICENSE_KEYS.grants(r.id),
        encode(LicenseGrantIndex, { ...idx, grants: [...idx.grants, g.grantId] }),
      )
      ctx.index(LICENSE_INDEX.grantsByHolder(r.holder, toHex(g.grantId)), new Uint8Array(0))
      ctx.emit('grant_created', {
        id: r.id,
        grantId: toHex(g.grantId),
        grantee: a.grantee,
        service: a.service,
        actor: toHex(ctx.sender),
      })
    }),
    withdrawGrant: handler(WithdrawGrantArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.licenseId)
      if (!identity(ctx).isDidKey(r.holder, ctx.sender)) fail('LICENSE_NOT_HOLDER', undefined, { holder: r.holder })
      const g = readGrant(ctx.state, a.grantId)
      if (g === undefined || g.licenseId !== r.id) fail('LICENSE_GRANT_NOT_FOUND')
      if (g.status !== 'active') fail('LICENSE_GRANT_INACTIVE', 'already withdrawn')
      ctx.state.set(LICENSE_KEYS.grant(g.grantId), encode(GrantRecord, { ...g, status: 'withdrawn' }))
      ctx.emit('grant_withdrawn', { id: r.id, grantId: toHex(g.grantId), grantee: g.grantee, actor: toHex(ctx.sender) })
    }),
    recordUse: handler(RecordUseArgs, (ctx, a) => {
      const r = requireLicense(ctx, a.licenseId)
      const g = readGrant(ctx.state, a.grantId)
      if (g === undefined || g.licenseId !== r.id) fail('LICENSE_GRANT_NOT_FOUND')
      const officer = identity(ctx).officerByKey(ctx.sender)
      const org = officer === undefined ? undefined : identity(ctx).organisation(officer.orgId)
      if (officer === undefined || officer.orgId !== g.grantee || org?.status !== 'active') {
        fail('LICENSE_NOT_GRANTEE', undefined, { grantee: g.grantee })
      }
      if (g.status !== 'active' || ctx.timeMs >= g.untilMs) fail('LICENSE_GRANT_INACTIVE')
      const s = effectiveStatus(r, ctx.timeMs)
      if (s !== 'active') fail(STATUS_FAIL[s], undefined, { id: r.id })
      const idx = readGrantIndex(ctx.state, r.id)
      const use: UseRecord = {
        grantId: g.grantId,
        licenseId: r.id,
        org: officer.orgId,
        officerKey: ctx.sender,
        officerId: officer.officerId,
        service: g.service,
        height: ctx.height,
        timeMs: ctx.timeMs,
        txHash: ctx.txHash,
      }
      ctx.state.set(LICENSE_KEYS.use(r.id, idx.uses), encode(UseRecord, use))
      ctx.state.set(LICENSE_KEYS.grants(r.id), encode(LicenseGrantIndex, { ...idx, uses: idx.uses + 1 }))
      ctx.state.set(LICENSE_KEYS.grant(g.grantId), encode(GrantRecord, { ...g, uses: g.uses + 1 }))
      ctx.emit('used', {
        id: r.id,
        grantId: toHex(g.grantId),
        org: officer.orgId,
        service: g.service,
        actor: toHex(ctx.sender),
      })
    }),
  },
  queries: {
    get: query(
      codec.string(LICENSE_LIMITS.idBytes),
      (id) => LICENSE_KEYS.license(id),
      (v) => (v === undefined ? undefined : renderLicense(decode(LicenseRecord, v))),
    ),
    type: query(
      codec.string(LICENSE_LIMITS.typeCodeBytes),
      (code) => LICENSE_KEYS.type(code),
      (v) => (v === undefined ? undefined : renderLicenseType(decode(LicenseTypeRecord, v))),
    ),
  },
  keeper: (ctx: KeeperContext): LicenseKeeper => makeKeeper(ctx),
  renderState: (key, value) => {
    const k = new TextDecoder().decode(key.subarray(0, Math.min(key.length, 8)))
    if (k.startsWith('lic/')) return renderLicense(decode(LicenseRecord, value))
    if (k.startsWith('type/')) return renderLicenseType(decode(LicenseTypeRecord, value))
    if (k.startsWith('types')) return decode(TypeList, value)
    if (k.startsWith('hist/')) return renderHistory(decode(HistoryEntry, value), -1)
    if (k.startsWith('grant/')) return renderGrant(decode(GrantRecord, value), undefined, 0)
    if (k.startsWith('use/')) return renderUse(decode(UseRecord, value), -1)
    if (k.startsWith('grants/')) {
      const g = decode(LicenseGrantIndex, value)
      return { grants: g.grants.map(toHex), uses: g.uses }
    }
    return { value: new TextDecoder().decode(value) }
  },
} satisfies Module
