/**
 * Module `service`: the one-network service hall's deterministic state machine (docs/service.md).
 * No wall clock, randomness or I/O: everything a handler depends on is in its context.
 *
 *   publish(item)        an admin of the department publishes a service item, or its next version
 *   withdraw({code})     the same department stops taking applications for it
 *   apply(consent)       a key of the applicant's DID applies once; the consent must list exactly the
 *                        item's pulls and licenses; one grant per pull opens for the handling
 *                        department, serving only the applicant's rows while the case is open; a
 *                        one-thing bundle fans out into one sub-case per part
 *   accept / sendBack    an approver of the handling department (受理 / 退回补正); accepting starts
 *                        the statutory time limit in working days (block time)
 *   resubmit             the applicant, after a send-back
 *   decide               the officer who accepted: approve (optionally issuing the item's license
 *                        through the license keeper, in the same transaction) or reject
 *   complete             办结; rejected and completed cases revoke their grants at once, and the
 *                        last part of a bundle to close closes the bundle
 *   approveAndComplete   批准并办结: the accepting officer approves with the item's licence and,
 *                        since the licence on chain is the result delivered (电子送达), completes the
 *                        case in the same transaction: the steps approve and complete, one block
 *
 * Events: service.published {code, version, org}, service.withdrawn {code}, service.applied
 * {caseId, item, org, parent}, service.step {caseId, action, status, late}. Keeper: { item, case }.
 */
import {
  handler,
  type KeeperContext,
  type Module,
  query,
  type ReadonlyModuleState,
  type TxContext,
} from '@govchain/app'
import { catalogRef } from '@govchain/catalog/schema'
import { codec, concatBytes, toHex, utf8 } from '@govchain/core'
import { governanceRef } from '@govchain/governance/schema'
import { identityRef } from '@govchain/identity/schema'
import { licenseRef } from '@govchain/license/schema'
import { sharingRef, subjectCredentialMessage } from '@govchain/sharing/schema'
import {
  CaseRecord,
  type CaseStatus,
  CaseStep,
  CLOSED_STATUSES,
  type ConsentLicense,
  ConsentPull,
  ItemList,
  SERVICE_ERRORS,
  SERVICE_INDEX,
  SERVICE_ITEM_CODE,
  SERVICE_KEYS,
  SERVICE_LIMITS,
  SERVICE_MODULE,
  SERVICE_TEXT_FORBIDDEN,
  ServiceApplyArgs,
  ServiceApproveArgs,
  ServiceDecideArgs,
  ServiceItemRecord,
  ServicePublishArgs,
  ServiceStepArgs,
  ServiceWithdrawArgs,
  type WorkingCalendar,
  workingDeadline,
} from './schema.ts'

export interface ServiceKeeper {
  /** The item's latest version, or the version asked for. */
  item(code: string, version?: number): ServiceItemRecord | undefined
  case(caseId: Uint8Array): CaseRecord | undefined
  /** A case's step by its number (0 … historyCount-1, oldest first). */
  step(caseId: Uint8Array, seq: number): CaseStep | undefined
}

/** Grants of a case stay usable this many working days past the item's limit before acceptance counts. */
const CONSENT_MARGIN_DAYS = 20

function readItem(state: ReadonlyModuleState, code: string, version?: number): ServiceItemRecord | undefined {
  if (!SERVICE_ITEM_CODE.test(code)) return undefined
  let v = version
  if (v === undefined) {
    const head = state.get(SERVICE_KEYS.itemHead(code))
    if (head === undefined) return undefined
    v = Number(new TextDecoder().decode(head))
  }
  const raw = state.get(SERVICE_KEYS.item(code, v))
  return raw === undefined ? undefined : codec.decode(ServiceItemRecord, raw)
}

function readCase(state: ReadonlyModuleState, caseId: Uint8Array): CaseRecord | undefined {
  if (!(caseId instanceof Uint8Array) || caseId.length !== 32) return undefined
  const v = state.get(SERVICE_KEYS.case(caseId))
  return v === undefined ? undefined : codec.decode(CaseRecord, v)
}

function readStep(state: ReadonlyModuleState, caseId: Uint8Array, seq: number): CaseStep | undefined {
  if (!(caseId instanceof Uint8Array) || caseId.length !== 32 || !Number.isSafeInteger(seq) || seq < 0) return undefined
  const v = state.get(SERVICE_KEYS.step(caseId, seq))
  return v === undefined ? undefined : codec.decode(CaseStep, v)
}

function checkText(ctx: TxContext, what: string, s: string, maxBytes: number): void {
  if (s.length === 0 || s.trim() !== s || utf8(s).length > maxBytes || SERVICE_TEXT_FORBIDDEN.test(s)) {
    ctx.fail('SERVICE_BAD_ITEM', `${what}: 1-${maxBytes} bytes of printable text, no long digit runs`)
  }
}

function requireCase(ctx: TxContext, caseId: Uint8Array): CaseRecord {
  return readCase(ctx.state, caseId) ?? ctx.fail('SERVICE_CASE_NOT_FOUND', undefined, { caseId: toHex(caseId) })
}

function writeCase(ctx: TxContext, c: CaseRecord): void {
  ctx.state.set(SERVICE_KEYS.case(c.caseId), codec.encode(CaseRecord, c))
}

function appendStep(
  ctx: TxContext,
  c: CaseRecord,
  action: CaseStep['action'],
  extra: { reasonCode?: CaseStep['reasonCode']; officerId?: string; orgId?: string; late?: boolean } = {},
): CaseRecord {
  const step: CaseStep = {
    action,
    ...(extra.reasonCode === undefined ? {} : { reasonCode: extra.reasonCode }),
    actorKey: ctx.sender,
    ...(extra.officerId === undefined ? {} : { officerId: extra.officerId }),
    ...(extra.orgId === undefined ? {} : { orgId: extra.orgId }),
    height: ctx.height,
    timeMs: ctx.timeMs,
    txHash: ctx.txHash,
    late: extra.late ?? false,
  }
  ctx.state.set(SERVICE_KEYS.step(c.caseId, c.historyCount), codec.encode(CaseStep, step))
  const next = { ...c, historyCount: c.historyCount + 1 }
  ctx.emit('step', {
    caseId: toHex(c.caseId),
    action,
    status: next.status,
    late: String(step.late),
  })
  return next
}

/** An approver of the case's handling department (SERVICE_NOT_HANDLING_ORG, or identity's code for the role). */
function requireHandler(ctx: TxContext, c: CaseRecord): { officerId: string; orgId: string } {
  if (c.parts.length > 0) ctx.fail('SERVICE_BUNDLE_PART', undefined, { caseId: toHex(c.caseId) })
  const identity = ctx.keeper(identityRef)
  const officer = identity.officerByKey(ctx.sender)
  if (officer !== undefined && officer.orgId !== c.handlingOrg) {
    ctx.fail('SERVICE_NOT_HANDLING_ORG', undefined, { handlingOrg: c.handlingOrg, officerOrg: officer.orgId })
  }
  return identity.requireOfficer(ctx.sender, 'approver', c.handlingOrg)
}

function transition(ctx: TxContext, c: CaseRecord, from: readonly CaseStatus[], what: string): void {
  if (!from.includes(c.status)) {
    ctx.fail('SERVICE_BAD_TRANSITION', `cannot ${what} a ${c.status} case`, { status: c.status })
  }
}

/** Ends the consent (grants revoked) and closes the bundle when this was its last open part. */
function close(ctx: TxContext, c: CaseRecord): CaseRecord {
  ctx.keeper(sharingRef).closeCaseGrants(c.grants, `service case ${toHex(c.caseId)} ${c.status}`)
  const closed = { ...c, closedMs: ctx.timeMs }
  writeCase(ctx, closed)
  if (closed.parent !== undefined) {
    const parent = readCase(ctx.state, closed.parent)
    if (parent !== undefined && !CLOSED_STATUSES.has(parent.status)) {
      const parts = parent.parts.map((id) =>
        id.every((b, i) => b === closed.caseId[i]) ? closed : readCase(ctx.state, id),
      )
      if (parts.every((p) => p !== undefined && CLOSED_STATUSES.has(p.status))) {
        let p: CaseRecord = {
          ...parent,
          status: parts.every((x) => x!.status === 'completed') ? 'completed' : 'rejected',
          closedMs: ctx.timeMs,
          late: parts.some((x) => x!.late),
        }
        p = appendStep(ctx, p, 'parts-completed')
        writeCase(ctx, p)
      }
    }
  }
  return closed
}

/**
 * 决定: the officer who accepted the case approves (issuing the item's licence through the licence
 * keeper, when the decision carries one) or rejects. Returns the decided case, not yet written,
 * and the deciding officer.
 */
function decide(
  ctx: TxContext,
  a: ServiceDecideArgs,
): { next: CaseRecord; officer: { officerId: string; orgId: string } } {
  const c = requireCase(ctx, a.caseId)
  const officer = requireHandler(ctx, c)
  transition(ctx, c, ['accepted'], 'decide')
  if (c.officerKey === undefined || !c.officerKey.every((b, i) => b === ctx.sender[i])) {
    ctx.fail('SERVICE_NOT_CASE_OFFICER', undefined, { officerId: c.officerId })
  }
  const item = readItem(ctx.state, c.itemCode, c.itemVersion)!
  let result: string | undefined
  if (a.license !== undefined) {
    if (!a.approve || item.resultType !== a.license.typeCode || a.license.holder !== c.applicant) {
      ctx.fail('SERVICE_RESULT_MISMATCH')
    }
    // The license module's own rules (issuer role, authorised department, id, validity).
    result = ctx.keeper(licenseRef).issue(a.license).id
  }
  const late = c.deadlineMs !== undefined && ctx.timeMs > c.deadlineMs
  const next: CaseRecord = {
    ...c,
    status: a.approve ? 'approved' : 'rejected',
    late,
    ...(result === undefined ? {} : { result }),
  }
  return {
    next: appendStep(ctx, next, a.approve ? 'approve' : 'reject', { reasonCode: a.reasonCode, ...officer, late }),
    officer,
  }
}

function indexCase(ctx: TxContext, c: CaseRecord): void {
  const tail = concatBytes(utf8(String(999_999_999_999 - ctx.height).padStart(12, '0')), c.caseId)
  const empty = new Uint8Array(0)
  if (c.parent === undefined) ctx.index(concatBytes(SERVICE_INDEX.byApplicant(c.applicant), tail), empty)
  ctx.index(concatBytes(SERVICE_INDEX.byOrg(c.handlingOrg), tail), empty)
  ctx.index(concatBytes(SERVICE_INDEX.byItem(c.itemCode), tail), empty)
}

function samePull(a: ConsentPull, b: ConsentPull): boolean {
  const ea = codec.encode(ConsentPull, a)
  const eb = codec.encode(ConsentPull, b)
  return ea.length === eb.length && ea.every((x, i) => x === eb[i])
}

export function renderItem(r: ServiceItemRecord) {
  return {
    code: r.code,
    version: r.version,
    ownerOrg: r.ownerOrg,
    title: r.title,
    titleEn: r.titleEn,
    legalBasis: r.legalBasis,
    licenses: r.licenses.map((l) => ({ ...l })),
    pulls: r.pulls.map((p) => ({ ...p, fields: [...p.fields] })),
    slaDays: r.slaDays,
    resultType: r.resultType ?? null,
    parts: [...r.parts],
    status: r.status,
    height: r.height,
    timeMs: r.timeMs,
  }
}

/** A case as the API shows it at a block time: `overdue` when open past its deadline. */
export function renderCase(c: CaseRecord, atMs: number) {
  const open = !CLOSED_STATUSES.has(c.status)
  return {
    caseId: toHex(c.caseId),
    itemCode: c.itemCode,
    itemVersion: c.itemVersion,
    handlingOrg: c.handlingOrg,
    applicant: c.applicant,
    parent: c.parent === undefined ? null : toHex(c.parent),
    parts: c.parts.map(toHex),
    status: c.status,
    grants: c.grants.map(toHex),
    licenses: [...c.licenses],
    officerId: c.officerId ?? null,
    submittedHeight: c.submittedHeight,
    submittedMs: c.submittedMs,
    acceptedMs: c.acceptedMs ?? null,
    deadlineMs: c.deadlineMs ?? null,
    closedMs: c.closedMs ?? null,
    overdue: c.deadlineMs !== undefined && (open ? atMs > c.deadlineMs : c.late),
    result: c.result ?? null,
    historyCount: c.historyCount,
  }
}

export function renderStep(s: CaseStep, seq: number) {
  return {
    seq,
    action: s.action,
    reasonCode: s.reasonCode ?? null,
    actorKey: toHex(s.actorKey),
    officerId: s.officerId ?? null,
    orgId: s.orgId ?? null,
    height: s.height,
    timeMs: s.timeMs,
    txHash: toHex(s.txHash),
    late: s.late,
  }
}

/** The consortium's working calendar (governance setWorkCalendar), read lazily per year. */
function calendarOf(ctx: TxContext): WorkingCalendar {
  const gov = ctx.keeper(governanceRef)
  const years = new Map<number, { holidays: Set<number>; workdays: Set<number> } | undefined>()
  return (day) => {
    const year = Math.floor(day / 10_000)
    if (!years.has(year)) {
      const c = gov.workCalendar(year)
      years.set(year, c === undefined ? undefined : { holidays: new Set(c.holidays), workdays: new Set(c.workdays) })
    }
    const c = years.get(year)
    return c?.holidays.has(day) ? 'holiday' : c?.workdays.has(day) ? 'workday' : undefined
  }
}

export const serviceModule = {
  name: SERVICE_MODULE,
  errors: SERVICE_ERRORS,
  events: {
    published: { description: 'a service item (version) was published', attributes: ['code', 'version', 'org'] },
    withdrawn: { description: 'a service item stopped taking applications', attributes: ['code'] },
    applied: { description: 'a case was opened', attributes: ['caseId', 'item', 'org', 'parent'] },
    step: { description: 'a case took a step', attributes: ['caseId', 'action', 'status', 'late'] },
  },
  handlers: {
    publish: handler(ServicePublishArgs, (ctx, a) => {
      if (!SERVICE_ITEM_CODE.test(a.code)) ctx.fail('SERVICE_BAD_ITEM', 'code: 3-48 of [0-9A-Z-]')
      const admin = ctx.keeper(identityRef).requireOfficer(ctx.sender, 'admin')
      const previous = readItem(ctx.state, a.code)
      if (previous !== undefined && previous.ownerOrg !== admin.orgId) {
        ctx.fail('SERVICE_NOT_ITEM_OWNER', undefined, { ownerOrg: previous.ownerOrg })
      }
      checkText(ctx, 'title', a.title, SERVICE_LIMITS.titleBytes)
      checkText(ctx, 'titleEn', a.titleEn, SERVICE_LIMITS.titleBytes)
      checkText(ctx, 'legalBasis', a.legalBasis, SERVICE_LIMITS.legalBasisBytes)
      if (a.slaDays < 1 || a.slaDays > SERVICE_LIMITS.slaDaysMax) ctx.fail('SERVICE_BAD_ITEM', 'slaDays: 1-365')
      const catalog = ctx.keeper(catalogRef)
      const license = ctx.keeper(licenseRef)
      if (a.parts.length > 0) {
        if (a.pulls.length > 0 || a.licenses.length > 0 || a.resultType !== undefined) {
          ctx.fail('SERVICE_BAD_ITEM', 'a one-thing bundle has parts only: its parts pull, present and issue')
        }
        if (new Set(a.parts).size !== a.parts.length || a.parts.includes(a.code))
          ctx.fail('SERVICE_BAD_ITEM', 'parts: distinct items')
        for (const code of a.parts) {
          const part = readItem(ctx.state, code)
          if (part === undefined || part.status !== 'active' || part.parts.length > 0) {
            ctx.fail('SERVICE_BAD_ITEM', `part ${code}: an active item that is not a bundle`)
          }
        }
      }
      for (const [i, p] of a.pulls.entries()) {
        checkText(ctx, `pulls[${i}].purpose`, p.purpose, SERVICE_LIMITS.purposeBytes)
        const r = catalog.latest(p.resourceId)
        if (r === undefined || r.ownerOrg !== p.providerOrg || r.status === 'withdrawn' || r.shareType === 'none') {
          return ctx.fail(
            'SERVICE_BAD_ITEM',
            `pulls[${i}]: ${p.resourceId} is not a shared resource of ${p.providerOrg}`,
          )
        }
        if (p.providerOrg === admin.orgId) ctx.fail('SERVICE_BAD_ITEM', `pulls[${i}]: the department's own data`)
        const known = new Set(r.fields.map((f) => f.name))
        if (
          p.fields.length === 0 ||
          new Set(p.fields).size !== p.fields.length ||
          p.fields.some((f) => !known.has(f))
        ) {
          ctx.fail('SERVICE_BAD_ITEM', `pulls[${i}]: distinct fields of ${p.resourceId}`)
        }
      }
      for (const [i, l] of a.licenses.entries()) {
        checkText(ctx, `licenses[${i}].purpose`, l.purpose, SERVICE_LIMITS.purposeBytes)
        if (license.type(l.typeCode) === undefined) ctx.fail('SERVICE_BAD_ITEM', `licenses[${i}]: unknown license type`)
      }
      if (a.resultType !== undefined && license.type(a.resultType) === undefined) {
        ctx.fail('SERVICE_BAD_ITEM', 'resultType: unknown license type')
      }
      const version = (previous?.version ?? 0) + 1
      const record: ServiceItemRecord = {
        ...a,
        version,
        ownerOrg: admin.orgId,
        status: 'active',
        height: ctx.height,
        timeMs: ctx.timeMs,
      }
      ctx.state.set(SERVICE_KEYS.item(a.code, version), codec.encode(ServiceItemRecord, record))
      ctx.state.set(SERVICE_KEYS.itemHead(a.code), utf8(String(version)))
      if (previous === undefined) {
        const raw = ctx.state.get(SERVICE_KEYS.itemList())
        const list = raw === undefined ? [] : codec.decode(ItemList, raw)
        ctx.state.set(SERVICE_KEYS.itemList(), codec.encode(ItemList, [...list, a.code]))
      }
      ctx.emit('published', { code: a.code, version: String(version), org: admin.orgId })
    }),
    withdraw: handler(ServiceWithdrawArgs, (ctx, a) => {
      const item = readItem(ctx.state, a.code) ?? ctx.fail('SERVICE_ITEM_NOT_FOUND', undefined, { code: a.code })
      const officer = ctx.keeper(identityRef).officerByKey(ctx.sender)
      if (officer === undefined || officer.orgId !== item.ownerOrg) ctx.fail('SERVICE_NOT_ITEM_OWNER')
      ctx.keeper(identityRef).requireOfficer(ctx.sender, 'admin', item.ownerOrg)
      if (item.status === 'withdrawn') ctx.fail('SERVICE_ITEM_WITHDRAWN')
      ctx.state.set(
        SERVICE_KEYS.item(item.code, item.version),
        codec.encode(ServiceItemRecord, { ...item, status: 'withdrawn' }),
      )
      ctx.emit('withdrawn', { code: item.code })
    }),
    apply: handler(ServiceApplyArgs, (ctx, a) => {
      const item = readItem(ctx.state, a.itemCode)
      if (item === undefined || item.version !== a.itemVersion) {
        return ctx.fail('SERVICE_ITEM_NOT_FOUND', undefined, { code: a.itemCode, version: a.itemVersion })
      }
      if (item.status !== 'active') ctx.fail('SERVICE_ITEM_WITHDRAWN')
      const identity = ctx.keeper(identityRef)
      if (!identity.isDidKey(a.applicant, ctx.sender))
        ctx.fail('SERVICE_NOT_APPLICANT', undefined, { did: a.applicant })
      // The identity authority's binding of the DID to its pseudonym (its gateway key signs it).
      const authority = ctx.keeper(catalogRef).gateway(a.subjectIssuer)
      if (
        authority === undefined ||
        !authority.pseudonymAuthority ||
        !ctx.verify(authority.publicKey, subjectCredentialMessage(a.applicant, toHex(a.subject)), a.subjectSignature)
      ) {
        ctx.fail('SERVICE_BAD_SUBJECT')
      }
      const parts = item.parts.length === 0 ? [item] : item.parts.map((code) => readItem(ctx.state, code))
      if (parts.some((p) => p === undefined || p.status !== 'active')) ctx.fail('SERVICE_ITEM_WITHDRAWN')
      const items = parts as ServiceItemRecord[]
      // The consent lists exactly the items' pulls and licenses, in order, with source and purpose.
      const pulls = items.flatMap((p) => p.pulls.map((x): ConsentPull => ({ itemCode: p.code, ...x })))
      if (pulls.length !== a.pulls.length || pulls.some((p, i) => !samePull(p, a.pulls[i]!))) {
        ctx.fail('SERVICE_CONSENT_MISMATCH', 'data pulls differ from the item’s')
      }
      const needs = items.flatMap((p) => p.licenses.map((l) => ({ itemCode: p.code, ...l })))
      if (
        needs.length !== a.licenses.length ||
        needs.some((n, i) => {
          const c = a.licenses[i]!
          return c.itemCode !== n.itemCode || c.typeCode !== n.typeCode || c.purpose !== n.purpose
        })
      ) {
        ctx.fail('SERVICE_CONSENT_MISMATCH', 'licenses differ from the item’s')
      }
      const license = ctx.keeper(licenseRef)
      for (const c of a.licenses) {
        const r = license.license(c.licenseId)
        if (
          r === undefined ||
          r.holder !== a.applicant ||
          r.typeCode !== c.typeCode ||
          license.status(r.id) !== 'active'
        ) {
          ctx.fail('SERVICE_LICENSE_INVALID', undefined, { licenseId: c.licenseId })
        }
      }
      const caseId = ctx.txHash
      const base = {
        applicant: a.applicant,
        subject: a.subject,
        status: 'submitted' as const,
        submittedHeight: ctx.height,
        submittedMs: ctx.timeMs,
        late: false,
        historyCount: 0,
      }
      const open = (id: Uint8Array, part: ServiceItemRecord, parent: Uint8Array | undefined): CaseRecord => {
        const untilMs = workingDeadline(ctx.timeMs, part.slaDays + CONSENT_MARGIN_DAYS, calendarOf(ctx))
        const grants = part.pulls.map((p, index) =>
          ctx.keeper(sharingRef).openCaseGrant({
            caseId: id,
            index,
            subject: a.subject,
            consumerOrg: part.ownerOrg,
            resourceId: p.resourceId,
            fields: p.fields,
            purpose: p.purpose,
            legalBasis: part.legalBasis,
            untilMs,
            rowsMax: SERVICE_LIMITS.rowsPerPull,
          }),
        )
        const licenses = a.licenses.filter((l: ConsentLicense) => l.itemCode === part.code).map((l) => l.licenseId)
        let c: CaseRecord = {
          ...base,
          caseId: id,
          itemCode: part.code,
          itemVersion: part.version,
          handlingOrg: part.ownerOrg,
          ...(parent === undefined ? {} : { parent }),
          parts: [],
          grants,
          licenses,
        }
        c = appendStep(ctx, c, 'apply')
        writeCase(ctx, c)
        indexCase(ctx, c)
        ctx.emit('applied', {
          caseId: toHex(id),
          item: part.code,
          org: part.ownerOrg,
          parent: parent === undefined ? '' : toHex(parent),
        })
        return c
      }
      if (item.parts.length === 0) {
        open(caseId, item, undefined)
        return
      }
      const partIds = items.map((_, i) =>
        ctx.hash(concatBytes(utf8('govchain/service-part/v1\0'), caseId, Uint8Array.of(i))),
      )
      let bundle: CaseRecord = {
        ...base,
        caseId,
        itemCode: item.code,
        itemVersion: item.version,
        handlingOrg: item.ownerOrg,
        parts: partIds,
        grants: [],
        licenses: [],
      }
      bundle = appendStep(ctx, bundle, 'apply')
      writeCase(ctx, bundle)
      indexCase(ctx, bundle)
      ctx.emit('applied', { caseId: toHex(caseId), item: item.code, org: item.ownerOrg, parent: '' })
      for (const [i, part] of items.entries()) open(partIds[i]!, part, caseId)
    }),
    accept: handler(ServiceStepArgs, (ctx, a) => {
      const c = requireCase(ctx, a.caseId)
      const officer = requireHandler(ctx, c)
      transition(ctx, c, ['submitted'], 'accept')
      const item = readItem(ctx.state, c.itemCode, c.itemVersion)!
      let next: CaseRecord = {
        ...c,
        status: 'accepted',
        officerId: officer.officerId,
        officerKey: ctx.sender,
        acceptedMs: c.acceptedMs ?? ctx.timeMs,
        deadlineMs: c.deadlineMs ?? workingDeadline(ctx.timeMs, item.slaDays, calendarOf(ctx)),
      }
      next = appendStep(ctx, next, 'accept', { reasonCode: a.reasonCode, ...officer })
      writeCase(ctx, next)
    }),
    sendBack: handler(ServiceStepArgs, (ctx, a) => {
      const c = requireCase(ctx, a.caseId)
      const officer = requireHandler(ctx, c)
      transition(ctx, c, ['submitted', 'accepted'], 'send back')
      let next: CaseRecord = { ...c, status: 'returned' }
      next = appendStep(ctx, next, 'send-back', { reasonCode: a.reasonCode, ...officer })
      writeCase(ctx, next)
    }),
    resubmit: handler(ServiceStepArgs, (ctx, a) => {
      const c = requireCase(ctx, a.caseId)
      if (!ctx.keeper(identityRef).isDidKey(c.applicant, ctx.sender)) ctx.fail('SERVICE_NOT_APPLICANT')
      transition(ctx, c, ['returned'], 'resubmit')
      // Accepted before: it goes back to the same officer, whose time limit keeps running.
      let next: CaseRecord = { ...c, status: c.acceptedMs === undefined ? 'submitted' : 'accepted' }
      next = appendStep(ctx, next, 'resubmit', { reasonCode: a.reasonCode })
      writeCase(ctx, next)
    }),
    decide: handler(ServiceDecideArgs, (ctx, a) => {
      const { next } = decide(ctx, a)
      if (next.status === 'rejected') close(ctx, next)
      else writeCase(ctx, next)
    }),
    approveAndComplete: handler(ServiceApproveArgs, (ctx, a) => {
      // The licence on chain is the result delivered: 批准 and 办结 in one transaction.
      const { next: approved, officer } = decide(ctx, { ...a, approve: true })
      const next = appendStep(ctx, { ...approved, status: 'completed' }, 'complete', {
        reasonCode: 'result-delivered',
        ...officer,
        late: approved.late,
      })
      close(ctx, next)
    }),
    complete: handler(ServiceStepArgs, (ctx, a) => {
      const c = requireCase(ctx, a.caseId)
      const officer = requireHandler(ctx, c)
      transition(ctx, c, ['approved'], 'complete')
      let next: CaseRecord = { ...c, status: 'completed' }
      next = appendStep(ctx, next, 'complete', { reasonCode: a.reasonCode, ...officer, late: c.late })
      close(ctx, next)
    }),
  },
  queries: {
    item: query(
      codec.string(SERVICE_LIMITS.codeBytes),
      (code) => SERVICE_KEYS.itemHead(code),
      (v) => (v === undefined ? undefined : { version: Number(new TextDecoder().decode(v)) }),
    ),
  },
  keeper: (ctx: KeeperContext): ServiceKeeper => ({
    item: (code, version) => readItem(ctx.state, code, version),
    case: (id) => readCase(ctx.state, id),
    step: (id, seq) => readStep(ctx.state, id, seq),
  }),
  renderState: (key, value) => {
    const k = new TextDecoder().decode(key.subarray(0, Math.min(key.length, 6)))
    if (k.startsWith('itemv/')) return renderItem(codec.decode(ServiceItemRecord, value))
    if (k.startsWith('case/')) return renderCase(codec.decode(CaseRecord, value), 0)
    if (k.startsWith('step/')) return renderStep(codec.decode(CaseStep, value), -1)
    if (k.startsWith('items')) return codec.decode(ItemList, value)
    return { value: new TextDecoder().decode(value) }
  },
} satisfies Module
