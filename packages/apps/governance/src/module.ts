/**
 * Module `governance`: the consortium changes itself without a central owner.
 *
 *   propose({title, actions, effectiveHeight, expiresHeight})   by an admin officer; its organisation votes yes
 *   vote({proposalId, approve})                                  by an admin officer; one vote per organisation
 *   evidence({voteA, voteB})                                     any registered sender (the validators' nodes
 *                                                                submit it): self-authenticating equivocation proof
 *   proposalEvidence({proposalA, proposalB})                     the same for two different proposals of one
 *                                                                round's proposer (docs/adr/0026)
 *
 * A proposal passes when yes × 3 > active organisations × 2 (counted at each vote, over the
 * organisations active at that height); it is rejected as soon as that can no longer happen;
 * it expires after `expiresHeight`. A passed proposal takes effect from
 * F = max(effectiveHeight, p + 1), or max(effectiveHeight, p + 2) when it touches validators:
 * block p's header already commits to the validator set of p + 1 (nextValidatorSetHash), so
 * the earliest set a transaction of block p can change is that of p + 2. Actions are checked
 * together before any is applied; a proposal whose actions no longer apply is `failed` (with
 * the code) and changes nothing.
 *
 * Nothing here runs "at the end of a block": every scheduled effect is stored with its height
 * and read lazily — a validator's power at h is its last change with fromHeight <= h, an
 * organisation is active from activeFromHeight, parameters from their fromHeight. So the
 * validator set of any height the chain still needs is a pure function of committed state.
 *
 * Evidence: two conflicting votes of one validator (core's verifyDuplicateVoteEvidence), or two
 * different proposals of one proposer for one (height, round) (verifyDuplicateProposalEvidence),
 * checked against the set of their height, set its power to 0 from ctx.height + 2 (the
 * earliest set still open) until a setValidatorPower proposal decides. One record per
 * (validator, height, round, type), type 'proposal' for proposals.
 *
 * Events: governance.proposal {id, status}, governance.vote {id, orgId, approve},
 * governance.evidence {validatorId, height, round, type, jailedFromHeight} (type 'proposal' for
 * duplicate proposals).
 */

import type { ChainParams, Genesis } from '@govchain/app'
import { handler, type KeeperContext, type Module, type ModuleState, type TxContext } from '@govchain/app'
import {
  type CryptoSuite,
  codec,
  type DuplicateProposalEvidence,
  DuplicateProposalEvidence as DuplicateProposalEvidenceCodec,
  type DuplicateVoteEvidence,
  DuplicateVoteEvidence as DuplicateVoteEvidenceCodec,
  type ErrorCode,
  equalBytes,
  GovchainError,
  isGovchainError,
  MAX_TOTAL_VOTING_POWER,
  Proposal,
  toHex,
  type ValidatorSet,
  Vote,
  verifyDuplicateProposalEvidence,
  verifyDuplicateVoteEvidence,
} from '@govchain/core'
import { validateNewOrganisation } from '@govchain/identity'
import { ID_PATTERN, identityRef } from '@govchain/identity/schema'
import {
  ChainParamsCodec,
  type ChainParamsValue,
  CRL_REASON_CODES,
  EvidenceArgs,
  EvidenceRecord,
  GOVERNANCE_LIMITS,
  GOVERNANCE_MODULE,
  governanceKeys,
  type ObserverRecord,
  Observers,
  type OrganisationRole,
  OrganisationRolesRecord,
  type ParamChanges,
  ParamsSchedule,
  type ProposalAction,
  ProposalEvidenceArgs,
  ProposalRecord,
  ProposeArgs,
  type RevokedCertificateRecord,
  RevokedCertificates,
  TimestampAuthorities,
  type TimestampAuthorityRecord,
  ValidatorRecord,
  VoteArgs,
  VoteRecord,
  WorkCalendar,
} from './schema.ts'
import { inspectTsaCertificate } from './tsa.ts'
import type {
  EvidenceInfo,
  ObserverInfo,
  ProposalActionView,
  ProposalInfo,
  RevokedCertificateInfo,
  TimestampAuthorityInfo,
  ValidatorRecordInfo,
  VoteInfo,
} from './views.ts'

export { GOVERNANCE_MODULE }

const { decode, encode, vec, u64 } = codec
const Validators = vec(ValidatorRecord, GOVERNANCE_LIMITS.validators)
/** Largest single voting power: 2^40 keeps 256 validators far below MAX_TOTAL_VOTING_POWER. */
export const VALIDATOR_POWER_MAX = 2 ** 40

type ReadState = Pick<ModuleState, 'get' | 'has'>

function fail(code: ErrorCode, message?: string, details?: Record<string, unknown>): never {
  throw new GovchainError(code, message, details)
}

export interface GovernanceKeeper {
  /** The validator set that signs `height` (validators with power > 0, in registration order). */
  validatorSetAt(height: number): ValidatorSet
  /** Every validator record with its scheduled power changes. */
  validators(): ValidatorRecord[]
  /** The chain parameters in force at `height`. */
  paramsAt(height: number): ChainParams
  proposal(id: number): ProposalRecord | undefined
  /** Proposal ids from newest to oldest, at most `limit`. */
  proposalIds(limit: number): number[]
  /** The time-stamping authorities in force at `height` (RFC 3161 certificates, DER). */
  timestampAuthoritiesAt(height: number): { id: string; certificate: Uint8Array }[]
  /** Every registered authority, removed ones included, in registration order. */
  timestampAuthorities(): TimestampAuthorityRecord[]
  /** A year's working calendar (holidays on weekdays, weekend days worked), if governance set one. */
  workCalendar(year: number): WorkCalendar | undefined
  /** The consortium roles (notary, forensic, court) `orgId` holds at `height`. */
  organisationRolesAt(orgId: string, height: number): OrganisationRole[]
  /** The observer nodes in force at `height`: peers admit them, they never vote. */
  observersAt(height: number): { id: string; orgId: string; publicKey: Uint8Array }[]
  /** Every observer record still kept (removed ones until their removal is in force), in registration order. */
  observers(): ObserverRecord[]
  /**
   * The node certificates revoked at `height` (the consortium's CRL): issuer organisation and
   * serial (big-endian, no leading zero) and/or SHA-256 of the DER. Peers refuse them.
   */
  revokedCertificatesAt(height: number): { orgId: string; serial?: Uint8Array; sha256?: Uint8Array }[]
  /** Every revocation, in force or scheduled, in revocation order. */
  revokedCertificates(): RevokedCertificateRecord[]
}

// ---------------------------------------------------------------- pure helpers

export function powerAt(r: ValidatorRecord, height: number): number {
  let p = 0
  for (const c of r.changes) if (c.fromHeight <= height) p = c.power
  return p
}

export function setAt(records: readonly ValidatorRecord[], height: number): ValidatorSet {
  const validators = []
  for (const r of records) {
    const votingPower = powerAt(r, height)
    if (votingPower > 0) validators.push({ id: r.id, publicKey: r.publicKey, votingPower })
  }
  return { validators }
}

/** Schedules `power` from `fromHeight` (replacing a change at the same height), pruning the past. */
function withChange(r: ValidatorRecord, fromHeight: number, power: number, nowHeight: number): ValidatorRecord {
  const changes = r.changes.filter((c) => c.fromHeight !== fromHeight)
  changes.push({ fromHeight, power })
  changes.sort((a, b) => a.fromHeight - b.fromHeight)
  // Keep what evidence may still need: changes inside the evidence window, and the last one before it.
  const keepFrom = nowHeight - GOVERNANCE_LIMITS.evidenceMaxAgeBlocks
  let firstKept = 0
  for (let i = 0; i < changes.length; i++) if (changes[i]!.fromHeight <= keepFrom) firstKept = i
  const pruned = changes.slice(firstKept)
  if (pruned.length > GOVERNANCE_LIMITS.powerChangesPerValidator) fail('GOV_TOO_MANY_CHANGES', undefined, { id: r.id })
  return { ...r, changes: pruned }
}

/** A record whose power is 0 for every height evidence may still ask about can be forgotten. */
function forgettable(r: ValidatorRecord, nowHeight: number): boolean {
  const keepFrom = nowHeight - GOVERNANCE_LIMITS.evidenceMaxAgeBlocks
  const last = r.changes[r.changes.length - 1]
  return last === undefined || (last.power === 0 && r.changes.every((c) => c.fromHeight <= keepFrom))
}

function readValidators(state: ReadState): ValidatorRecord[] {
  const v = state.get(governanceKeys.validators())
  return v === undefined ? [] : decode(Validators, v)
}

function readParams(state: ReadState): ParamsSchedule {
  const v = state.get(governanceKeys.params())
  return v === undefined ? [] : decode(ParamsSchedule, v)
}

function paramsAt(schedule: ParamsSchedule, height: number): ChainParamsValue | undefined {
  let out: ChainParamsValue | undefined
  for (const e of schedule) if (e.fromHeight <= height) out = e.params
  return out
}

function readTimestampAuthorities(state: ReadState): TimestampAuthorityRecord[] {
  const v = state.get(governanceKeys.timestampAuthorities())
  return v === undefined ? [] : decode(TimestampAuthorities, v)
}

/** A governed membership (timestamp authority, observer) is in force at `height`: registered from or before it, not removed by then. */
function inForceAt(r: { fromHeight: number; removedFromHeight?: number | undefined }, height: number): boolean {
  return r.fromHeight <= height && (r.removedFromHeight === undefined || r.removedFromHeight > height)
}

function readObservers(state: ReadState): ObserverRecord[] {
  const v = state.get(governanceKeys.observers())
  return v === undefined ? [] : decode(Observers, v)
}

/** A validator record that has (or will have) voting power from `from` on. */
function validatorInUseFrom(r: ValidatorRecord, from: number): boolean {
  return powerAt(r, from) > 0 || r.changes.some((c) => c.fromHeight > from && c.power > 0)
}

function readRevokedCertificates(state: ReadState): RevokedCertificateRecord[] {
  const v = state.get(governanceKeys.revokedCertificates())
  return v === undefined ? [] : decode(RevokedCertificates, v)
}

function readOrganisationRoles(state: ReadState, orgId: string): OrganisationRolesRecord | undefined {
  const v = state.get(governanceKeys.organisationRoles(orgId))
  return v === undefined ? undefined : decode(OrganisationRolesRecord, v)
}

function rolesAt(r: OrganisationRolesRecord | undefined, height: number): OrganisationRole[] {
  let out: OrganisationRole[] = []
  for (const c of r?.changes ?? []) if (c.fromHeight <= height) out = [...c.roles]
  return out
}

function readProposal(state: ReadState, id: number): ProposalRecord | undefined {
  if (!Number.isSafeInteger(id) || id < 1) return undefined
  const v = state.get(governanceKeys.proposal(id))
  return v === undefined ? undefined : decode(ProposalRecord, v)
}

function nextProposalId(state: ReadState): number {
  const v = state.get(governanceKeys.nextProposalId())
  return v === undefined ? 1 : decode(u64, v)
}

/** Touches the validator set: such effects start at p + 2 at the earliest (see the file comment). */
export function touchesValidators(actions: readonly ProposalAction[]): boolean {
  return actions.some(
    (a) =>
      a.type === 'addValidator' ||
      a.type === 'removeValidator' ||
      a.type === 'setValidatorPower' ||
      a.type === 'removeOrganisation',
  )
}

// ---------------------------------------------------------------- keeper

function makeKeeper(ctx: KeeperContext): GovernanceKeeper {
  const { state } = ctx
  return {
    validatorSetAt: (height) => setAt(readValidators(state), height),
    validators: () => readValidators(state),
    paramsAt: (height) => {
      const p = paramsAt(readParams(state), height)
      if (p === undefined) fail('INVALID_ARGUMENT', 'no chain parameters in state (before genesis)')
      return { ...p }
    },
    proposal: (id) => readProposal(state, id),
    proposalIds: (limit) => {
      const out: number[] = []
      for (let id = nextProposalId(state) - 1; id >= 1 && out.length < limit; id--) out.push(id)
      return out
    },
    timestampAuthoritiesAt: (height) =>
      readTimestampAuthorities(state)
        .filter((r) => inForceAt(r, height))
        .map((r) => ({ id: r.id, certificate: r.certificate })),
    timestampAuthorities: () => readTimestampAuthorities(state),
    organisationRolesAt: (orgId, height) => rolesAt(readOrganisationRoles(state, orgId), height),
    observersAt: (height) =>
      readObservers(state)
        .filter((r) => inForceAt(r, height))
        .map((r) => ({ id: r.id, orgId: r.orgId, publicKey: r.publicKey })),
    observers: () => readObservers(state),
    revokedCertificatesAt: (height) =>
      readRevokedCertificates(state)
        .filter((r) => r.fromHeight <= height)
        .map((r) => ({
          orgId: r.orgId,
          ...(r.serial === undefined ? {} : { serial: r.serial }),
          ...(r.sha256 === undefined ? {} : { sha256: r.sha256 }),
        })),
    revokedCertificates: () => readRevokedCertificates(state),
    workCalendar: (year) => {
      const v = state.get(governanceKeys.workCalendar(year))
      return v === undefined ? undefined : decode(WorkCalendar, v)
    },
  }
}

// ---------------------------------------------------------------- proposals

function badProposal(message: string, details?: Record<string, unknown>): never {
  fail('GOV_BAD_PROPOSAL', message, details)
}

function checkParamChanges(p: ParamChanges): void {
  const positive = [
    'blockMaxTxs',
    'blockMaxBytes',
    'timeoutProposeMs',
    'timeoutPrevoteMs',
    'timeoutPrecommitMs',
  ] as const
  for (const k of positive) {
    const v = p[k]
    if (v !== undefined && v < 1) badProposal(`params.${k} must be positive`)
  }
  if (p.blockMaxBytes !== undefined && p.blockMaxBytes < 64 * 1024)
    badProposal('params.blockMaxBytes must be >= 64 KiB')
  if (Object.values(p).every((v) => v === undefined)) badProposal('setParams changes nothing')
}

/** Checks that hold whatever the state: ids, keys, powers. */
function checkActionShape(ctx: TxContext, a: ProposalAction): void {
  const id = (s: string, what: string) => {
    if (!ID_PATTERN.test(s)) badProposal(`${what} ${JSON.stringify(s)} must match ${ID_PATTERN}`)
  }
  switch (a.type) {
    case 'addOrganisation':
      try {
        validateNewOrganisation(a.value)
      } catch (e) {
        badProposal(`addOrganisation: ${(e as Error).message}`)
      }
      if (a.value.operatorPublicKey.length !== ctx.sender.length) badProposal('operatorPublicKey has the wrong length')
      break
    case 'removeOrganisation':
      id(a.value.orgId, 'orgId')
      break
    case 'addValidator':
      id(a.value.id, 'validator id')
      id(a.value.orgId, 'orgId')
      if (a.value.publicKey.length !== ctx.sender.length) badProposal('validator publicKey has the wrong length')
      if (a.value.power < 1 || a.value.power > VALIDATOR_POWER_MAX)
        badProposal(`power must be 1..${VALIDATOR_POWER_MAX}`)
      break
    case 'removeValidator':
      id(a.value.id, 'validator id')
      break
    case 'setValidatorPower':
      id(a.value.id, 'validator id')
      if (a.value.power > VALIDATOR_POWER_MAX) badProposal(`power must be 0..${VALIDATOR_POWER_MAX}`)
      break
    case 'setParams':
      checkParamChanges(a.value)
      break
    case 'addTimestampAuthority':
      id(a.value.id, 'TSA id')
      try {
        inspectTsaCertificate(a.value.certificate)
      } catch (e) {
        badProposal(`addTimestampAuthority: ${(e as Error).message}`)
      }
      break
    case 'removeTimestampAuthority':
      id(a.value.id, 'TSA id')
      break
    case 'addObserver':
      id(a.value.id, 'observer id')
      id(a.value.orgId, 'orgId')
      if (a.value.publicKey.length !== ctx.sender.length) badProposal('observer publicKey has the wrong length')
      break
    case 'removeObserver':
      id(a.value.id, 'observer id')
      break
    case 'revokeCertificate': {
      id(a.value.orgId, 'orgId')
      const { serial, sha256 } = a.value
      if (serial === undefined && sha256 === undefined) badProposal('revokeCertificate names no serial and no SHA-256')
      // RFC 5280 4.1.2.2: a positive INTEGER of at most 20 octets; kept as its magnitude, so one
      // serial has one spelling (no leading zero byte).
      if (serial !== undefined && (serial.length === 0 || serial[0] === 0))
        badProposal('certificate serial must be 1-20 bytes without a leading zero byte')
      break
    }
    case 'setOrganisationRoles':
      id(a.value.orgId, 'orgId')
      if (new Set(a.value.roles).size !== a.value.roles.length) badProposal('a role is named twice')
      break
    case 'setWorkCalendar': {
      const { year, holidays, workdays } = a.value
      if (year < 2000 || year > 2100) badProposal('calendar year must be 2000..2100')
      const all = [...holidays, ...workdays]
      if (new Set(all).size !== all.length) badProposal('a day is listed twice (or as both holiday and workday)')
      for (const d of holidays) if (!isDayOf(year, d) || isWeekend(d)) badProposal(`holiday ${d}: a weekday of ${year}`)
      for (const d of workdays)
        if (!isDayOf(year, d) || !isWeekend(d)) badProposal(`workday ${d}: a weekend day of ${year}`)
      break
    }
  }
}

/** YYYYMMDD is a real date of `year`. */
function isDayOf(year: number, d: number): boolean {
  const y = Math.floor(d / 10_000)
  const m = Math.floor(d / 100) % 100
  const day = d % 100
  const t = Date.UTC(y, m - 1, day)
  const back = new Date(t)
  return y === year && back.getUTCMonth() === m - 1 && back.getUTCDate() === day
}

function isWeekend(d: number): boolean {
  const w = new Date(Date.UTC(Math.floor(d / 10_000), (Math.floor(d / 100) % 100) - 1, d % 100)).getUTCDay()
  return w === 0 || w === 6
}

/**
 * Applies a passed proposal's actions from height `from`: first all of them to copies (any
 * error leaves the state untouched), then to the state.
 */
function applyActions(ctx: TxContext, p: ProposalRecord, from: number): void {
  const identity = ctx.keeper(identityRef)
  let records = readValidators(ctx.state)
  let schedule = readParams(ctx.state)
  let tsas = readTimestampAuthorities(ctx.state)
  const observersBefore = readObservers(ctx.state)
  let revoked = readRevokedCertificates(ctx.state)
  const revokedBefore = revoked.length
  // Removals already in force are forgotten: nothing asks about a height before the latest.
  let observers = observersBefore.filter((r) => r.removedFromHeight === undefined || r.removedFromHeight > ctx.height)
  const roles = new Map<string, OrganisationRolesRecord>()
  const calendars = new Map<number, WorkCalendar>()
  const orgsAdded = new Set<string>()
  const orgsRemoved = new Set<string>()
  const orgKnown = (orgId: string) => orgsAdded.has(orgId) || identity.organisation(orgId) !== undefined
  for (const a of p.actions) {
    switch (a.type) {
      case 'addOrganisation': {
        const o = a.value
        if (orgKnown(o.id)) fail('IDENTITY_ORG_EXISTS', undefined, { orgId: o.id })
        if (identity.officer(`${o.id}-admin`) !== undefined) fail('IDENTITY_OFFICER_EXISTS')
        if (identity.officerKeyInUse(o.operatorPublicKey)) fail('IDENTITY_KEY_IN_USE')
        orgsAdded.add(o.id)
        break
      }
      case 'removeOrganisation': {
        const o = identity.organisation(a.value.orgId)
        if (o === undefined) fail('IDENTITY_ORG_NOT_FOUND', undefined, { orgId: a.value.orgId })
        if (o.removedFromHeight !== undefined || orgsRemoved.has(o.id)) fail('IDENTITY_ORG_INACTIVE', 'already removed')
        orgsRemoved.add(o.id)
        // Its validators go with it, and its observers.
        records = records.map((r) =>
          r.orgId === o.id && powerAt(r, Number.MAX_SAFE_INTEGER) > 0 ? withChange(r, from, 0, ctx.height) : r,
        )
        observers = observers.map((r) =>
          r.orgId === o.id && r.removedFromHeight === undefined ? { ...r, removedFromHeight: from } : r,
        )
        break
      }
      case 'addValidator': {
        const v = a.value
        if (!orgKnown(v.orgId) || orgsRemoved.has(v.orgId))
          fail('IDENTITY_ORG_NOT_FOUND', undefined, { orgId: v.orgId })
        // A registered observer becomes a validator by a removeObserver before this action.
        if (
          observers.some(
            (r) => r.removedFromHeight === undefined && (r.id === v.id || equalBytes(r.publicKey, v.publicKey)),
          )
        )
          fail('GOV_OBSERVER_EXISTS', undefined, { id: v.id })
        const existing = records.find((r) => r.id === v.id || toHex(r.publicKey) === toHex(v.publicKey))
        if (existing !== undefined) {
          // A validator removed for good may come back under the same id and key.
          const idle =
            existing.changes.every((c) => c.fromHeight > from || c.power === 0) &&
            powerAt(existing, Number.MAX_SAFE_INTEGER) === 0
          if (!idle || existing.id !== v.id || toHex(existing.publicKey) !== toHex(v.publicKey)) {
            fail('GOV_VALIDATOR_EXISTS', undefined, { id: v.id })
          }
          records = records.map((r) =>
            r === existing ? { ...withChange(r, from, v.power, ctx.height), orgId: v.orgId } : r,
          )
        } else {
          if (records.length >= GOVERNANCE_LIMITS.validators) fail('GOV_TOO_MANY_CHANGES', 'too many validators')
          records = [
            ...records,
            { id: v.id, orgId: v.orgId, publicKey: v.publicKey, changes: [{ fromHeight: from, power: v.power }] },
          ]
        }
        break
      }
      case 'removeValidator':
      case 'setValidatorPower': {
        const power = a.type === 'removeValidator' ? 0 : a.value.power
        const r = records.find((x) => x.id === a.value.id)
        if (r === undefined) fail('GOV_VALIDATOR_NOT_FOUND', undefined, { id: a.value.id })
        const { jailedAtHeight: _j, ...rest } = withChange(r, from, power, ctx.height)
        // Governance has decided: a re-weight lifts the evidence penalty.
        records = records.map((x) => (x === r ? rest : x))
        break
      }
      case 'setParams': {
        const base = paramsAt(schedule, from) ?? fail('INVALID_ARGUMENT', 'no chain parameters')
        const next: ChainParamsValue = { ...base }
        for (const [k, v] of Object.entries(a.value))
          if (v !== undefined) next[k as keyof ChainParamsValue] = v as number
        encode(ChainParamsCodec, next)
        // Entries after `from` keep their own values; the one at `from` is replaced.
        schedule = [...schedule.filter((e) => e.fromHeight !== from), { fromHeight: from, params: next }].sort(
          (x, y) => x.fromHeight - y.fromHeight,
        )
        // Only what can still matter: the entry in force now and later ones.
        while (schedule.length > 1 && schedule[1]!.fromHeight <= ctx.height) schedule.shift()
        if (schedule.length > 8) fail('GOV_TOO_MANY_CHANGES', 'too many scheduled parameter changes')
        break
      }
      case 'addTimestampAuthority': {
        const t = a.value
        if (tsas.some((r) => r.id === t.id || equalBytes(r.certificate, t.certificate)))
          fail('GOV_TSA_EXISTS', undefined, { id: t.id })
        if (tsas.length >= GOVERNANCE_LIMITS.timestampAuthorities)
          fail('GOV_TOO_MANY_CHANGES', 'too many time-stamping authorities')
        tsas = [...tsas, { id: t.id, certificate: t.certificate, fromHeight: from, proposalId: p.id }]
        break
      }
      case 'removeTimestampAuthority': {
        const r = tsas.find((x) => x.id === a.value.id && x.removedFromHeight === undefined)
        if (r === undefined) fail('GOV_TSA_NOT_FOUND', undefined, { id: a.value.id })
        tsas = tsas.map((x) => (x === r ? { ...x, removedFromHeight: from } : x))
        break
      }
      case 'addObserver': {
        const o = a.value
        const org = identity.organisation(o.orgId)
        if (!orgKnown(o.orgId) || orgsRemoved.has(o.orgId))
          fail('IDENTITY_ORG_NOT_FOUND', undefined, { orgId: o.orgId })
        if (org?.removedFromHeight !== undefined) fail('IDENTITY_ORG_INACTIVE', undefined, { orgId: o.orgId })
        const same = (x: { id: string; publicKey: Uint8Array }) => x.id === o.id || equalBytes(x.publicKey, o.publicKey)
        if (observers.some(same)) fail('GOV_OBSERVER_EXISTS', undefined, { id: o.id })
        if (records.some((r) => same(r) && validatorInUseFrom(r, from)))
          fail('GOV_OBSERVER_EXISTS', 'a validator has this node id or key', { id: o.id })
        if (observers.length >= GOVERNANCE_LIMITS.observers) fail('GOV_TOO_MANY_CHANGES', 'too many observers')
        observers = [
          ...observers,
          { id: o.id, orgId: o.orgId, publicKey: o.publicKey, fromHeight: from, proposalId: p.id },
        ]
        break
      }
      case 'removeObserver': {
        const r = observers.find((x) => x.id === a.value.id && x.removedFromHeight === undefined)
        if (r === undefined) fail('GOV_OBSERVER_NOT_FOUND', undefined, { id: a.value.id })
        observers = observers.map((x) => (x === r ? { ...x, removedFromHeight: from } : x))
        break
      }
      case 'revokeCertificate': {
        const c = a.value
        // The issuer is the organisation's CA: it must be a member (a removed one's nodes are
        // refused anyway, their CA being no longer trusted).
        if (!orgKnown(c.orgId) || orgsRemoved.has(c.orgId))
          fail('IDENTITY_ORG_NOT_FOUND', undefined, { orgId: c.orgId })
        const same = (r: RevokedCertificateRecord) =>
          (c.serial !== undefined && r.serial !== undefined && r.orgId === c.orgId && equalBytes(r.serial, c.serial)) ||
          (c.sha256 !== undefined && r.sha256 !== undefined && equalBytes(r.sha256, c.sha256))
        if (revoked.some(same)) fail('GOV_CERT_ALREADY_REVOKED', undefined, { orgId: c.orgId })
        if (revoked.length >= GOVERNANCE_LIMITS.revokedCertificates)
          fail('GOV_TOO_MANY_CHANGES', 'too many revoked certificates')
        revoked = [
          ...revoked,
          {
            orgId: c.orgId,
            ...(c.serial === undefined ? {} : { serial: c.serial }),
            ...(c.sha256 === undefined ? {} : { sha256: c.sha256 }),
            reason: c.reason,
            fromHeight: from,
            proposalId: p.id,
          },
        ]
        break
      }
      case 'setWorkCalendar': {
        const { year, holidays, workdays } = a.value
        const sort = (x: readonly number[]) => [...x].sort((p, q) => p - q)
        calendars.set(year, { year, holidays: sort(holidays), workdays: sort(workdays), proposalId: p.id })
        break
      }
      case 'setOrganisationRoles': {
        const { orgId, roles: r } = a.value
        if (!orgKnown(orgId) || orgsRemoved.has(orgId)) fail('IDENTITY_ORG_NOT_FOUND', undefined, { orgId })
        const prev = roles.get(orgId) ?? readOrganisationRoles(ctx.state, orgId) ?? { orgId, changes: [] }
        const changes = [...prev.changes.filter((c) => c.fromHeight !== from), { fromHeight: from, roles: [...r] }]
        changes.sort((x, y) => x.fromHeight - y.fromHeight)
        // The entry in force now and later ones are all that can still matter.
        while (changes.length > 1 && changes[1]!.fromHeight <= ctx.height) changes.shift()
        if (changes.length > GOVERNANCE_LIMITS.powerChangesPerValidator)
          fail('GOV_TOO_MANY_CHANGES', 'too many scheduled role changes', { orgId })
        roles.set(orgId, { orgId, changes })
        break
      }
    }
  }
  // Every height from `from` on must still have a validator with power.
  const heights = new Set<number>([from])
  for (const r of records) for (const c of r.changes) if (c.fromHeight >= from) heights.add(c.fromHeight)
  let total = 0
  for (const h of heights) {
    const set = setAt(records, h)
    if (set.validators.length === 0) fail('GOV_VALIDATOR_SET_EMPTY', undefined, { height: h })
    total = set.validators.reduce((s, v) => s + v.votingPower, 0)
    if (total > MAX_TOTAL_VOTING_POWER) fail('GOV_BAD_PROPOSAL', 'total voting power too large')
  }

  // Everything checked: write.
  const m = { height: ctx.height, timeMs: ctx.timeMs, txHash: ctx.txHash }
  for (const a of p.actions) {
    if (a.type === 'addOrganisation') identity.addOrganisation(a.value, from, m)
    if (a.type === 'removeOrganisation') identity.removeOrganisation(a.value.orgId, from)
  }
  records = records.filter((r) => !forgettable(r, ctx.height))
  ctx.state.set(governanceKeys.validators(), encode(Validators, records))
  ctx.state.set(governanceKeys.params(), encode(ParamsSchedule, schedule))
  if (p.actions.some((a) => a.type === 'addTimestampAuthority' || a.type === 'removeTimestampAuthority'))
    ctx.state.set(governanceKeys.timestampAuthorities(), encode(TimestampAuthorities, tsas))
  // Written only when it changes, so proposals without observers leave the state as before 1.3.0.
  if (!equalBytes(encode(Observers, observers), encode(Observers, observersBefore)))
    ctx.state.set(governanceKeys.observers(), encode(Observers, observers))
  // Only ever appended to; written only when a revocation is, so older blocks replay unchanged.
  if (revoked.length !== revokedBefore)
    ctx.state.set(governanceKeys.revokedCertificates(), encode(RevokedCertificates, revoked))
  for (const [orgId, r] of roles)
    ctx.state.set(governanceKeys.organisationRoles(orgId), encode(OrganisationRolesRecord, r))
  for (const [year, c] of calendars) ctx.state.set(governanceKeys.workCalendar(year), encode(WorkCalendar, c))
}

/** Counts the votes of active organisations; decides when the outcome is settled. */
function tally(ctx: TxContext, p: ProposalRecord): ProposalRecord {
  const active = new Set(ctx.keeper(identityRef).activeOrganisationIds())
  const yes = p.yes.filter((o) => active.has(o)).length
  const no = p.no.filter((o) => active.has(o)).length
  const n = active.size
  if (yes * 3 > n * 2) {
    const from = Math.max(p.effectiveHeight, ctx.height + (touchesValidators(p.actions) ? 2 : 1))
    try {
      applyActions(ctx, p, from)
    } catch (e) {
      if (!isGovchainError(e)) throw e
      ctx.emit('proposal', { id: String(p.id), status: 'failed', code: e.code })
      return { ...p, status: 'failed', decidedHeight: ctx.height, failure: e.code }
    }
    ctx.emit('proposal', { id: String(p.id), status: 'passed', fromHeight: String(from) })
    return { ...p, status: 'passed', decidedHeight: ctx.height, appliedFromHeight: from }
  }
  // Even if every remaining organisation said yes, no quorum: rejected.
  if ((n - no) * 3 <= n * 2) {
    ctx.emit('proposal', { id: String(p.id), status: 'rejected' })
    return { ...p, status: 'rejected', decidedHeight: ctx.height }
  }
  return p
}

/** A proposal's status at `height` (expired is derived, never stored). */
export function proposalStatus(p: ProposalRecord, height: number): ProposalRecord['status'] {
  return p.status === 'voting' && height > p.expiresHeight ? 'expired' : p.status
}

// ---------------------------------------------------------------- evidence

function suiteVerifier(ctx: TxContext): CryptoSuite {
  // verifyDuplicateVoteEvidence only calls suite.verify; handlers get the chain's verify through the context.
  return { verify: (pk: Uint8Array, m: Uint8Array, s: Uint8Array) => ctx.verify(pk, m, s) } as unknown as CryptoSuite
}

function handleEvidence(ctx: TxContext, evidence: DuplicateVoteEvidence): void {
  let height: number
  try {
    height = decode(Vote, evidence.voteA.vote).height
  } catch {
    fail('EVIDENCE_INVALID', 'a vote does not decode')
  }
  penalise(ctx, height, encode(DuplicateVoteEvidenceCodec, evidence), (set) =>
    verifyDuplicateVoteEvidence(suiteVerifier(ctx), ctx.chainId, set, evidence),
  )
}

/** Duplicate proposals (docs/adr/0026): checked like duplicate votes, the same penalty. */
function handleProposalEvidence(ctx: TxContext, evidence: DuplicateProposalEvidence): void {
  let height: number
  try {
    height = decode(Proposal, evidence.proposalA.proposal).height
  } catch {
    fail('EVIDENCE_INVALID', 'a proposal does not decode')
  }
  penalise(ctx, height, encode(DuplicateProposalEvidenceCodec, evidence), (set) => {
    const eq = verifyDuplicateProposalEvidence(suiteVerifier(ctx), ctx.chainId, set, evidence)
    return { validatorIndex: eq.proposerIndex, height: eq.height, round: eq.round, type: 'proposal' as const }
  })
}

/**
 * Records verified equivocation evidence once per (validator, height, round, type) and takes the
 * offender's power away. Every check (age, verification, duplicate) runs before any write.
 */
function penalise(
  ctx: TxContext,
  height: number,
  encoded: Uint8Array,
  verify: (set: ValidatorSet) => {
    validatorIndex: number
    height: number
    round: number
    type: EvidenceRecord['type']
  },
): void {
  if (height < 1 || height > ctx.height + 1 || ctx.height - height > GOVERNANCE_LIMITS.evidenceMaxAgeBlocks) {
    fail('GOV_EVIDENCE_TOO_OLD', undefined, { height })
  }
  const records = readValidators(ctx.state)
  const set = setAt(records, height)
  const eq = verify(set)
  const offender = set.validators[eq.validatorIndex]!
  const key = governanceKeys.evidence(offender.id, eq.height, eq.round, eq.type)
  if (ctx.state.has(key)) fail('GOV_EVIDENCE_DUPLICATE', undefined, { validatorId: offender.id })
  const record: EvidenceRecord = {
    validatorId: offender.id,
    height: eq.height,
    round: eq.round,
    type: eq.type,
    submittedHeight: ctx.height,
    submitter: ctx.sender,
    txHash: ctx.txHash,
    evidence: encoded,
  }
  ctx.state.set(key, encode(EvidenceRecord, record))
  // Power 0 from the earliest height whose set is still open (ctx.height + 2), unless that empties the set.
  const from = ctx.height + 2
  const index = records.findIndex((x) => x.id === offender.id)
  const target = records[index]!
  let jailedFrom = 'none'
  if (powerAt(target, from) > 0 || target.changes.some((c) => c.fromHeight > from && c.power > 0)) {
    const jailed: ValidatorRecord = { ...withChange(target, from, 0, ctx.height), jailedAtHeight: ctx.height }
    // Later scheduled re-weights are superseded: governance decides again after the evidence.
    jailed.changes = jailed.changes.filter((c) => c.fromHeight <= from)
    const next = records.map((x, i) => (i === index ? jailed : x))
    if (setAt(next, from).validators.length > 0) {
      ctx.state.set(governanceKeys.validators(), encode(Validators, next))
      jailedFrom = String(from)
    }
  }
  ctx.emit('evidence', {
    validatorId: offender.id,
    height: String(eq.height),
    round: String(eq.round),
    type: eq.type,
    jailedFromHeight: jailedFrom,
  })
}

// ---------------------------------------------------------------- module

export const governanceModule = {
  name: GOVERNANCE_MODULE,
  initGenesis(ctx, genesis: Genesis) {
    const records: ValidatorRecord[] = genesis.validators.map((v) => ({
      id: v.id,
      orgId: v.orgId,
      publicKey: hexBytes(v.publicKey),
      changes: [{ fromHeight: 1, power: v.votingPower }],
    }))
    ctx.state.set(governanceKeys.validators(), encode(Validators, records))
    ctx.state.set(governanceKeys.params(), encode(ParamsSchedule, [{ fromHeight: 1, params: { ...genesis.params } }]))
    ctx.state.set(governanceKeys.nextProposalId(), encode(u64, 1))
  },
  handlers: {
    propose: handler(ProposeArgs, (ctx, a) => {
      const officer = ctx.keeper(identityRef).requireOfficer(ctx.sender, 'admin')
      if (a.actions.length === 0) badProposal('a proposal needs at least one action')
      if (a.expiresHeight < ctx.height || a.expiresHeight > ctx.height + GOVERNANCE_LIMITS.votingPeriodBlocksMax) {
        badProposal(`expiresHeight must be ${ctx.height}..${ctx.height + GOVERNANCE_LIMITS.votingPeriodBlocksMax}`)
      }
      if (a.effectiveHeight !== 0 && a.effectiveHeight <= ctx.height)
        badProposal('effectiveHeight must be 0 or in the future')
      for (const action of a.actions) checkActionShape(ctx, action)
      const id = nextProposalId(ctx.state)
      const record: ProposalRecord = {
        id,
        title: a.title,
        actions: a.actions,
        proposerOrg: officer.orgId,
        proposerOfficer: officer.officerId,
        createdHeight: ctx.height,
        createdTimeMs: ctx.timeMs,
        effectiveHeight: a.effectiveHeight,
        expiresHeight: a.expiresHeight,
        status: 'voting',
        yes: [officer.orgId],
        no: [],
      }
      ctx.state.set(governanceKeys.nextProposalId(), encode(u64, id + 1))
      ctx.state.set(governanceKeys.vote(id, officer.orgId), encode(VoteRecord, voteRecord(ctx, id, officer, true)))
      ctx.emit('proposal', { id: String(id), status: 'voting', by: officer.officerId })
      const decided = tally(ctx, record)
      ctx.state.set(governanceKeys.proposal(id), encode(ProposalRecord, decided))
    }),
    vote: handler(VoteArgs, (ctx, a) => {
      const officer = ctx.keeper(identityRef).requireOfficer(ctx.sender, 'admin')
      const p = readProposal(ctx.state, a.proposalId)
      if (p === undefined) fail('GOV_PROPOSAL_NOT_FOUND', undefined, { proposalId: a.proposalId })
      if (proposalStatus(p, ctx.height) !== 'voting') {
        fail('GOV_PROPOSAL_CLOSED', undefined, { proposalId: p.id, status: proposalStatus(p, ctx.height) })
      }
      if (p.yes.includes(officer.orgId) || p.no.includes(officer.orgId)) {
        fail('GOV_ALREADY_VOTED', undefined, { proposalId: p.id, orgId: officer.orgId })
      }
      const voted: ProposalRecord = a.approve
        ? { ...p, yes: [...p.yes, officer.orgId] }
        : { ...p, no: [...p.no, officer.orgId] }
      ctx.state.set(
        governanceKeys.vote(p.id, officer.orgId),
        encode(VoteRecord, voteRecord(ctx, p.id, officer, a.approve)),
      )
      ctx.emit('vote', { id: String(p.id), orgId: officer.orgId, approve: String(a.approve) })
      ctx.state.set(governanceKeys.proposal(p.id), encode(ProposalRecord, tally(ctx, voted)))
    }),
    evidence: handler(EvidenceArgs, (ctx, a) => handleEvidence(ctx, a)),
    // Appended in 1.2.0 (methods are only ever appended).
    proposalEvidence: handler(ProposalEvidenceArgs, (ctx, a) => handleProposalEvidence(ctx, a)),
  },
  keeper: (ctx: KeeperContext): GovernanceKeeper => makeKeeper(ctx),
  renderState: (key, value) => renderGovernanceState(key, value),
  // A validator's consensus key may send (its node submits equivocation evidence with it).
  registeredSender: (ctx, publicKey) => readValidators(ctx.state).some((r) => equalBytes(r.publicKey, publicKey)),
} satisfies Module

function voteRecord(
  ctx: TxContext,
  proposalId: number,
  officer: { orgId: string; officerId: string },
  approve: boolean,
): VoteRecord {
  return {
    proposalId,
    orgId: officer.orgId,
    officerId: officer.officerId,
    approve,
    height: ctx.height,
    timeMs: ctx.timeMs,
    txHash: ctx.txHash,
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

// ---------------------------------------------------------------- rendering (API, CLI)

export function renderAction(a: ProposalAction): ProposalActionView {
  switch (a.type) {
    case 'addOrganisation':
      return { type: a.type, ...a.value, operatorPublicKey: toHex(a.value.operatorPublicKey) }
    case 'addValidator':
      return { type: a.type, ...a.value, publicKey: toHex(a.value.publicKey) }
    case 'removeOrganisation':
      return { type: a.type, ...a.value }
    case 'removeValidator':
      return { type: a.type, ...a.value }
    case 'setValidatorPower':
      return { type: a.type, ...a.value }
    case 'setParams':
      return { type: a.type, ...a.value }
    case 'addTimestampAuthority':
      return { type: a.type, id: a.value.id, certificate: toHex(a.value.certificate) }
    case 'removeTimestampAuthority':
      return { type: a.type, ...a.value }
    case 'setOrganisationRoles':
      return { type: a.type, orgId: a.value.orgId, roles: [...a.value.roles] }
    case 'setWorkCalendar':
      return { type: a.type, year: a.value.year, holidays: [...a.value.holidays], workdays: [...a.value.workdays] }
    case 'addObserver':
      return { type: a.type, ...a.value, publicKey: toHex(a.value.publicKey) }
    case 'removeObserver':
      return { type: a.type, ...a.value }
    case 'revokeCertificate':
      return {
        type: a.type,
        orgId: a.value.orgId,
        serial: a.value.serial === undefined ? null : toHex(a.value.serial),
        sha256: a.value.sha256 === undefined ? null : toHex(a.value.sha256),
        reason: a.value.reason,
        reasonCode: CRL_REASON_CODES[a.value.reason],
      }
  }
}

export function renderRevokedCertificate(r: RevokedCertificateRecord, height: number): RevokedCertificateInfo {
  return {
    orgId: r.orgId,
    serial: r.serial === undefined ? null : toHex(r.serial),
    sha256: r.sha256 === undefined ? null : toHex(r.sha256),
    reason: r.reason,
    reasonCode: CRL_REASON_CODES[r.reason],
    fromHeight: r.fromHeight,
    proposalId: r.proposalId,
    active: r.fromHeight <= height,
  }
}

export function renderObserver(r: ObserverRecord, height: number): ObserverInfo {
  return {
    id: r.id,
    orgId: r.orgId,
    publicKey: toHex(r.publicKey),
    fromHeight: r.fromHeight,
    removedFromHeight: r.removedFromHeight ?? null,
    proposalId: r.proposalId,
    active: inForceAt(r, height),
  }
}

export function renderTimestampAuthority(r: TimestampAuthorityRecord, height: number): TimestampAuthorityInfo {
  let facts: TimestampAuthorityInfo['certificateInfo'] = null
  try {
    facts = inspectTsaCertificate(r.certificate)
  } catch {
    facts = null
  }
  return {
    id: r.id,
    certificate: toHex(r.certificate),
    certificateInfo: facts,
    fromHeight: r.fromHeight,
    removedFromHeight: r.removedFromHeight ?? null,
    proposalId: r.proposalId,
    active: inForceAt(r, height),
  }
}

export function renderProposal(p: ProposalRecord, height: number): ProposalInfo {
  return {
    id: p.id,
    title: p.title,
    actions: p.actions.map(renderAction),
    proposerOrg: p.proposerOrg,
    proposerOfficer: p.proposerOfficer,
    createdHeight: p.createdHeight,
    createdTimeMs: p.createdTimeMs,
    effectiveHeight: p.effectiveHeight,
    expiresHeight: p.expiresHeight,
    status: proposalStatus(p, height),
    yes: [...p.yes],
    no: [...p.no],
    decidedHeight: p.decidedHeight ?? null,
    appliedFromHeight: p.appliedFromHeight ?? null,
    failure: p.failure ?? null,
  }
}

export function renderVote(v: VoteRecord): VoteInfo {
  return { ...v, txHash: toHex(v.txHash) }
}

export function renderEvidenceRecord(e: EvidenceRecord): EvidenceInfo {
  return { ...e, submitter: toHex(e.submitter), txHash: toHex(e.txHash), evidence: toHex(e.evidence) }
}

export function renderValidatorRecord(r: ValidatorRecord, height: number): ValidatorRecordInfo {
  return {
    id: r.id,
    orgId: r.orgId,
    publicKey: toHex(r.publicKey),
    power: powerAt(r, height),
    changes: r.changes.map((c) => ({ ...c })),
    jailedAtHeight: r.jailedAtHeight ?? null,
  }
}

export function renderGovernanceState(key: Uint8Array, value: Uint8Array): unknown {
  const k = new TextDecoder().decode(key.subarray(0, 16))
  if (k.startsWith('proposal/')) return renderProposal(decode(ProposalRecord, value), 0)
  if (k.startsWith('vote/')) return renderVote(decode(VoteRecord, value))
  if (k.startsWith('validators'))
    return decode(Validators, value).map((r) => renderValidatorRecord(r, Number.MAX_SAFE_INTEGER))
  if (k.startsWith('params')) return decode(ParamsSchedule, value)
  if (k.startsWith('evidence/')) return renderEvidenceRecord(decode(EvidenceRecord, value))
  if (k.startsWith('next-proposal-id')) return decode(u64, value)
  if (k.startsWith('roles/')) return decode(OrganisationRolesRecord, value)
  if (k.startsWith('calendar/')) return decode(WorkCalendar, value)
  if (k.startsWith('revoked-certif'))
    return decode(RevokedCertificates, value).map((r) => renderRevokedCertificate(r, Number.MAX_SAFE_INTEGER))
  if (k.startsWith('observers')) return decode(Observers, value).map((r) => renderObserver(r, Number.MAX_SAFE_INTEGER))
  if (k.startsWith('tsa'))
    return decode(TimestampAuthorities, value).map((r) => renderTimestampAuthority(r, Number.MAX_SAFE_INTEGER))
  return { hex: toHex(value) }
}

export const governanceReaders = {
  readValidators,
  readParams,
  readProposal,
  nextProposalId,
  readTimestampAuthorities,
  readObservers,
  Validators,
}
