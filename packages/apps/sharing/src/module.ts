/**
 * Module `sharing`: requests for catalogue resources, the owner's decisions (time-boxed,
 * revocable grants), receipts signed by both gateways and refusals — every step with who, when
 * and why (全程留痕).
 *
 *   request(SharingRequestArgs)  an active officer of consumerOrg. requestId = the tx hash. An
 *                                unconditional resource whose policy allows it (autoApprove,
 *                                duration within the bound) is approved in the same transaction.
 *   decide(SharingDecideArgs)    an approver of the owner organisation approves (possibly fewer
 *                                fields, shorter duration) or rejects, with a reason.
 *   revoke(SharingRevokeArgs)    an approver of the owner (revocation) or an officer of the
 *                                consumer (renunciation) ends an approved grant.
 *   receipt(SharingReceiptArgs)  the provider's registered gateway key records a receipt signed
 *                                by both gateways (consumer signature optional: see docs/sharing.md).
 *   receiptBatch(SharingReceiptBatchArgs)  the provider's gateway key records up to 1,000
 *                                receipts in one transaction under their RFC 9162 Merkle root;
 *                                each is checked as `receipt` checks it and recorded the same
 *                                way, plus its inclusion proof (ADR 0036).
 *   refusal(SharingRefusalArgs)  the provider's gateway records one interval's refused requests,
 *                                counted per requester and code — only identifiers the chain
 *                                holds, no text; one `ref/` record per count.
 *
 * The grant's clock is block time: `expiresMs = decision time + duration`.
 * State: `req/<id>` RequestRecord, `rcpt/<id>` ReceiptRecord, `ref/<id>` RefusalRecord,
 * `rinc/<receiptId>` ReceiptInclusion and `batch/<root>` BatchRecord (batched receipts).
 * Index (node-local, newest first): `rq|rc|rf/<facet>/<value>/<inverted height><id>`.
 */

import {
  handler,
  type KeeperContext,
  type KeeperTx,
  type Module,
  type ReadonlyModuleState,
  type TxContext,
} from '@govchain/app'
import { catalogRef } from '@govchain/catalog/schema'
import {
  type CryptoSuite,
  codec,
  concatBytes,
  GovchainError,
  getSuite,
  isGovchainError,
  toBase64,
  toHex,
  utf8,
} from '@govchain/core'
import { identityRef } from '@govchain/identity/schema'
import {
  BatchRecord,
  type CaseGrantInput,
  CaseGrantLink,
  DOMAIN_SHARING,
  type Grant,
  REFUSAL_CODES,
  ReceiptBody,
  ReceiptInclusion,
  ReceiptRecord,
  RefusalRecord,
  RequestRecord,
  receiptBatchLeaf,
  receiptBatchProofs,
  refusalReason,
  SHARING_LIMITS,
  SHARING_MODULE,
  SharingDecideArgs,
  SharingReceiptArgs,
  SharingReceiptBatchArgs,
  SharingRefusalArgs,
  SharingRequestArgs,
  SharingRevokeArgs,
  sharingBatchKey,
  sharingCaseLinkKey,
  sharingInclusionKey,
  sharingReceiptKey,
  sharingRefusalKey,
  sharingRequestKey,
} from './schema.ts'
import type { BatchView, InclusionView, ReceiptView, RefusalView, RequestView } from './views.ts'

export { REFUSAL_CODES }

const TEXT_FORBIDDEN = /\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u

export interface SharingKeeper {
  request(requestId: Uint8Array): RequestRecord | undefined
  /** The service case a grant was opened for, if any. */
  caseLink(requestId: Uint8Array): CaseGrantLink | undefined
  /**
   * Opens an approved grant for a service case within the calling transaction: the applicant's
   * consent is the decision (the sender is the applicant). Rows of `subject` only, while the
   * case is open. Returns the grant id. Only from a handler.
   */
  openCaseGrant(input: CaseGrantInput): Uint8Array
  /** Revokes a case's grants (the case closed) within the calling transaction. */
  closeCaseGrants(grantIds: readonly Uint8Array[], reason: string): void
  receipt(receiptId: Uint8Array): ReceiptRecord | undefined
  /** A batched receipt's place in its batch (root and inclusion path); undefined for one recorded alone. */
  inclusion(receiptId: Uint8Array): ReceiptInclusion | undefined
  batch(root: Uint8Array): BatchRecord | undefined
  refusal(refusalId: Uint8Array): RefusalRecord | undefined
}

export function sharingKeeperOver(state: ReadonlyModuleState, ctx?: KeeperContext): SharingKeeper {
  const read = <T>(c: codec.Codec<T>, k: Uint8Array): T | undefined => {
    const v = state.get(k)
    return v === undefined ? undefined : codec.decode(c, v)
  }
  const within = (): { ctx: KeeperContext; tx: KeeperTx } => {
    if (ctx?.tx === undefined) throw new GovchainError('EXEC_INTERNAL', 'sharing case grants need a transaction')
    return { ctx, tx: ctx.tx }
  }
  return {
    request: (id) => (id.length === 32 ? read(RequestRecord, sharingRequestKey(id)) : undefined),
    caseLink: (id) => (id.length === 32 ? read(CaseGrantLink, sharingCaseLinkKey(id)) : undefined),
    openCaseGrant: (input) => openCaseGrant(within(), input),
    closeCaseGrants: (ids, reason) => {
      const { ctx, tx } = within()
      for (const id of ids) {
        const r = read(RequestRecord, sharingRequestKey(id))
        if (r === undefined || r.status !== 'approved') continue
        r.status = 'revoked'
        r.revocation = { by: tx.sender, reason, height: ctx.height, timeMs: ctx.timeMs }
        ctx.state.set(sharingRequestKey(id), codec.encode(RequestRecord, r))
        tx.emit('revoke', { requestId: toHex(id) })
      }
    },
    receipt: (id) => (id.length === 32 ? read(ReceiptRecord, sharingReceiptKey(id)) : undefined),
    inclusion: (id) => (id.length === 32 ? read(ReceiptInclusion, sharingInclusionKey(id)) : undefined),
    batch: (root) => (root.length === 32 ? read(BatchRecord, sharingBatchKey(root)) : undefined),
    refusal: (id) => (id.length === 32 ? read(RefusalRecord, sharingRefusalKey(id)) : undefined),
  }
}

// ---------------------------------------------------------------- node-local indexes

/** Newest first in key order: the height is stored inverted, big-endian. */
/** Index keys sort newest first: the height, inverted, before the record id. */
export function inverted(height: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(Number.MAX_SAFE_INTEGER - height))
  return b
}

export type IndexFamily = 'rq' | 'rc' | 'rf'
/** `<family>/<facet>/<value>/` — the prefix (without the module prefix) of one listing. */
export function indexPrefix(family: IndexFamily, facet: string, value = ''): Uint8Array {
  return utf8(`${family}/${facet}/${value === '' ? '' : `${value}/`}`)
}

function writeIndex(ctx: TxContext, family: IndexFamily, facets: [string, string][], id: Uint8Array): void {
  const tail = concatBytes(inverted(ctx.height), id)
  ctx.index(concatBytes(indexPrefix(family, 'a'), tail), new Uint8Array(0))
  for (const [facet, value] of facets)
    ctx.index(concatBytes(indexPrefix(family, facet, value), tail), new Uint8Array(0))
}

// ---------------------------------------------------------------- case grants (module service)

function openCaseGrant({ ctx, tx }: { ctx: KeeperContext; tx: KeeperTx }, a: CaseGrantInput): Uint8Array {
  const bad = (reason: string): never => {
    throw new GovchainError('SHARING_BAD_REQUEST', reason)
  }
  const resource = tx.keeper(catalogRef).latest(a.resourceId)
  if (resource === undefined) throw new GovchainError('CATALOG_NOT_FOUND', undefined, { resourceId: a.resourceId })
  if (resource.status === 'withdrawn') throw new GovchainError('SHARING_RESOURCE_WITHDRAWN')
  if (resource.shareType === 'none') throw new GovchainError('SHARING_NOT_SHARED')
  if (resource.ownerOrg === a.consumerOrg) bad('a department does not request its own data')
  const known = new Set(resource.fields.map((f) => f.name))
  if (a.fields.length === 0 || new Set(a.fields).size !== a.fields.length || a.fields.some((f) => !known.has(f))) {
    bad('fields must be distinct fields of the resource')
  }
  if (a.untilMs <= ctx.timeMs || a.untilMs - ctx.timeMs > SHARING_LIMITS.durationMsMax) bad('case grant duration')
  if (!Number.isSafeInteger(a.index) || a.index < 0 || a.index > 0xffff) bad('case grant index')
  const ix = new Uint8Array(4)
  new DataView(ix.buffer).setUint32(0, a.index)
  const requestId = tx.hash(concatBytes(utf8('govchain/case-grant/v1\0'), a.caseId, ix))
  if (ctx.state.has(sharingRequestKey(requestId))) bad('case grant exists')
  const record: RequestRecord = {
    requestId,
    resourceId: a.resourceId,
    resourceVersion: resource.version,
    consumerOrg: a.consumerOrg,
    ownerOrg: resource.ownerOrg,
    fields: a.fields,
    purpose: a.purpose,
    legalBasis: a.legalBasis,
    durationMs: a.untilMs - ctx.timeMs,
    rowsMax: a.rowsMax,
    requestedBy: tx.sender,
    height: ctx.height,
    timeMs: ctx.timeMs,
    status: 'approved',
    decision: {
      approve: true,
      by: tx.sender,
      auto: true,
      reason: `consent of the applicant, service case ${toHex(a.caseId)}`,
      height: ctx.height,
      timeMs: ctx.timeMs,
    },
    grant: { notBeforeMs: ctx.timeMs, expiresMs: a.untilMs, fields: a.fields, rowsMax: a.rowsMax },
    rowsUsed: 0,
    fetches: 0,
  }
  ctx.state.set(sharingRequestKey(requestId), codec.encode(RequestRecord, record))
  ctx.state.set(sharingCaseLinkKey(requestId), codec.encode(CaseGrantLink, { caseId: a.caseId, subject: a.subject }))
  const tail = concatBytes(inverted(ctx.height), requestId)
  tx.index(concatBytes(indexPrefix('rq', 'a'), tail), new Uint8Array(0))
  for (const [facet, value] of [
    ['c', a.consumerOrg],
    ['o', resource.ownerOrg],
    ['r', a.resourceId],
  ] as const)
    tx.index(concatBytes(indexPrefix('rq', facet, value), tail), new Uint8Array(0))
  tx.emit('request', {
    requestId: toHex(requestId),
    resourceId: a.resourceId,
    consumerOrg: a.consumerOrg,
    ownerOrg: resource.ownerOrg,
  })
  tx.emit('decide', { requestId: toHex(requestId), approve: 'true', auto: 'true' })
  return requestId
}

// ---------------------------------------------------------------- handlers

function checkText(ctx: TxContext, what: string, s: string): void {
  if (s.trim().length === 0 || TEXT_FORBIDDEN.test(s))
    ctx.fail('SHARING_BAD_REQUEST', `${what} must be non-empty printable text`)
}

function saveRequest(ctx: TxContext, r: RequestRecord): void {
  ctx.state.set(sharingRequestKey(r.requestId), codec.encode(RequestRecord, r))
}

function loadRequest(ctx: TxContext, id: Uint8Array): RequestRecord {
  const v = ctx.state.get(sharingRequestKey(id))
  if (v === undefined) return ctx.fail('SHARING_REQUEST_NOT_FOUND', undefined, { requestId: toHex(id) })
  return codec.decode(RequestRecord, v)
}

/** The chain's suite for signature checks inside handlers (the context carries the hash only). */
function suiteOf(ctx: TxContext): CryptoSuite {
  // Public key lengths differ between suites (gm 65, intl 32): the sender's key tells which.
  return getSuite(ctx.sender.length === 65 ? 'gm' : 'intl')
}

export const sharingModule = {
  name: SHARING_MODULE,
  handlers: {
    request: handler(SharingRequestArgs, (ctx, a) => {
      const identity = ctx.keeper(identityRef)
      const officer = identity.officerByKey(ctx.sender)
      if (officer === undefined || officer.orgId !== a.consumerOrg) {
        // Produces the identity module's precise code (not an officer, wrong organisation, ...).
        identity.requireOfficer(ctx.sender, 'registrar', a.consumerOrg)
      }
      const org = identity.organisation(a.consumerOrg)
      if (org === undefined || org.status !== 'active') return ctx.fail('IDENTITY_ORG_INACTIVE')
      const resource = ctx.keeper(catalogRef).latest(a.resourceId)
      if (resource === undefined) return ctx.fail('CATALOG_NOT_FOUND', undefined, { resourceId: a.resourceId })
      if (resource.status === 'withdrawn') return ctx.fail('SHARING_RESOURCE_WITHDRAWN')
      if (resource.shareType === 'none') return ctx.fail('SHARING_NOT_SHARED')
      if (resource.ownerOrg === a.consumerOrg)
        return ctx.fail('SHARING_BAD_REQUEST', 'a department does not request its own data')
      const known = new Set(resource.fields.map((f) => f.name))
      if (a.fields.length === 0 || new Set(a.fields).size !== a.fields.length || a.fields.some((f) => !known.has(f))) {
        ctx.fail('SHARING_BAD_REQUEST', 'fields must be distinct fields of the resource')
      }
      checkText(ctx, 'purpose', a.purpose)
      checkText(ctx, 'legalBasis', a.legalBasis)
      if (a.durationMs <= 0 || a.durationMs > SHARING_LIMITS.durationMsMax) {
        ctx.fail('SHARING_BAD_REQUEST', `durationMs must be 1..${SHARING_LIMITS.durationMsMax}`)
      }
      if (a.rowsMax <= 0) return ctx.fail('SHARING_BAD_REQUEST', 'rowsMax must be positive')
      if (a.rowScope !== undefined && (!known.has(a.rowScope.field) || a.rowScope.values.length === 0)) {
        ctx.fail('SHARING_BAD_REQUEST', 'rowScope names a field of the resource and at least one value')
      }
      const record: RequestRecord = {
        requestId: ctx.txHash,
        resourceId: a.resourceId,
        resourceVersion: resource.version,
        consumerOrg: a.consumerOrg,
        ownerOrg: resource.ownerOrg,
        fields: a.fields,
        purpose: a.purpose,
        legalBasis: a.legalBasis,
        durationMs: a.durationMs,
        rowsMax: a.rowsMax,
        ...(a.rowScope === undefined ? {} : { rowScope: a.rowScope }),
        requestedBy: ctx.sender,
        height: ctx.height,
        timeMs: ctx.timeMs,
        status: 'pending',
        rowsUsed: 0,
        fetches: 0,
      }
      const auto =
        resource.shareType === 'unconditional' &&
        resource.autoApprove &&
        a.durationMs <= resource.autoApproveMaxDurationMs
      if (auto) {
        record.status = 'approved'
        record.decision = {
          approve: true,
          by: new Uint8Array(0),
          auto: true,
          reason: `policy: unconditional resource, duration within ${resource.autoApproveMaxDurationMs} ms`,
          height: ctx.height,
          timeMs: ctx.timeMs,
        }
        record.grant = {
          notBeforeMs: ctx.timeMs,
          expiresMs: ctx.timeMs + a.durationMs,
          fields: a.fields,
          rowsMax: a.rowsMax,
        }
      }
      saveRequest(ctx, record)
      writeIndex(
        ctx,
        'rq',
        [
          ['c', a.consumerOrg],
          ['o', resource.ownerOrg],
          ['r', a.resourceId],
        ],
        ctx.txHash,
      )
      ctx.emit('request', {
        requestId: toHex(ctx.txHash),
        resourceId: a.resourceId,
        consumerOrg: a.consumerOrg,
        ownerOrg: resource.ownerOrg,
      })
      if (auto) ctx.emit('decide', { requestId: toHex(ctx.txHash), approve: 'true', auto: 'true' })
    }),
    decide: handler(SharingDecideArgs, (ctx, a) => {
      const r = loadRequest(ctx, a.requestId)
      ctx.keeper(identityRef).requireOfficer(ctx.sender, 'approver', r.ownerOrg)
      if (r.status !== 'pending') return ctx.fail('SHARING_NOT_PENDING')
      checkText(ctx, 'reason', a.reason)
      r.decision = {
        approve: a.approve,
        by: ctx.sender,
        auto: false,
        reason: a.reason,
        height: ctx.height,
        timeMs: ctx.timeMs,
      }
      if (a.approve) {
        const fields = a.fields ?? r.fields
        if (
          fields.length === 0 ||
          new Set(fields).size !== fields.length ||
          fields.some((f) => !r.fields.includes(f))
        ) {
          ctx.fail('SHARING_BAD_REQUEST', 'approved fields are a non-empty subset of the requested fields')
        }
        const durationMs = a.durationMs ?? r.durationMs
        if (durationMs <= 0 || durationMs > r.durationMs)
          return ctx.fail('SHARING_BAD_REQUEST', 'approved duration is 1..asked')
        const grant: Grant = { notBeforeMs: ctx.timeMs, expiresMs: ctx.timeMs + durationMs, fields, rowsMax: r.rowsMax }
        r.grant = grant
        r.status = 'approved'
      } else {
        if (a.fields !== undefined || a.durationMs !== undefined)
          return ctx.fail('SHARING_BAD_REQUEST', 'a rejection has no terms')
        r.status = 'rejected'
      }
      saveRequest(ctx, r)
      ctx.emit('decide', { requestId: toHex(r.requestId), approve: String(a.approve), auto: 'false' })
    }),
    revoke: handler(SharingRevokeArgs, (ctx, a) => {
      const r = loadRequest(ctx, a.requestId)
      const identity = ctx.keeper(identityRef)
      const officer = identity.officerByKey(ctx.sender)
      // The consumer may renounce its own grant; otherwise only the owner's approver revokes.
      if (officer === undefined || officer.orgId !== r.consumerOrg)
        identity.requireOfficer(ctx.sender, 'approver', r.ownerOrg)
      if (r.status !== 'approved') return ctx.fail('SHARING_NOT_REVOCABLE')
      checkText(ctx, 'reason', a.reason)
      r.status = 'revoked'
      r.revocation = { by: ctx.sender, reason: a.reason, height: ctx.height, timeMs: ctx.timeMs }
      saveRequest(ctx, r)
      ctx.emit('revoke', { requestId: toHex(r.requestId) })
    }),
    receipt: handler(SharingReceiptArgs, (ctx, a) => {
      const grants = new Map<string, RequestRecord>()
      const checked = checkReceipt(ctx, a, grants, new Set())
      writeReceipt(ctx, checked, true)
      saveRequest(ctx, checked.grant)
    }),
    receiptBatch: handler(
      SharingReceiptBatchArgs,
      (ctx, a) => {
        const n = a.receipts.length
        if (n === 0 || n > SHARING_LIMITS.batchReceipts) {
          return ctx.fail('SHARING_BATCH_INVALID', `${n} receipts (1..${SHARING_LIMITS.batchReceipts})`, {
            receipts: n,
          })
        }
        const gw = ctx.keeper(catalogRef).gateway(a.providerOrg)
        if (gw === undefined || !eq(gw.publicKey, ctx.sender)) return ctx.fail('SHARING_NOT_GATEWAY')
        // The root first: it is cheap, and a batch whose root is wrong is refused before any signature is checked.
        const { root, proofs } = receiptBatchProofs(ctx.hash, a.receipts)
        if (!eq(root, a.root)) return ctx.fail('SHARING_BATCH_ROOT_MISMATCH')
        // Every receipt is checked before anything is written: a bad one refuses the whole batch.
        const grants = new Map<string, RequestRecord>()
        const ids = new Set<string>()
        const checked = a.receipts.map((entry, index) => {
          try {
            const c = checkReceipt(ctx, entry, grants, ids)
            if (c.body.providerOrg !== a.providerOrg)
              ctx.fail('SHARING_BATCH_INVALID', 'a receipt of another provider', { index })
            return c
          } catch (e) {
            // The receipt's position joins the code's details: the gateway can tell which one.
            if (isGovchainError(e)) throw new GovchainError(e.code, e.message, { ...(e.details ?? {}), index })
            throw e
          }
        })
        if (ctx.state.has(sharingBatchKey(root))) return ctx.fail('SHARING_BATCH_INVALID', 'batch already recorded')
        for (const [i, c] of checked.entries()) {
          // One event for the batch (a transaction carries at most 32): the receipts are in state and the indexes.
          writeReceipt(ctx, c, false)
          const p = proofs[i]!
          ctx.state.set(
            sharingInclusionKey(c.receiptId),
            codec.encode(ReceiptInclusion, { root, leafIndex: p.leafIndex, treeSize: p.treeSize, path: p.path }),
          )
        }
        for (const g of grants.values()) saveRequest(ctx, g)
        const batch: BatchRecord = {
          root,
          providerOrg: a.providerOrg,
          treeSize: n,
          recordedBy: ctx.sender,
          height: ctx.height,
          timeMs: ctx.timeMs,
          txHash: ctx.txHash,
        }
        ctx.state.set(sharingBatchKey(root), codec.encode(BatchRecord, batch))
        ctx.emit('receiptBatch', { root: toHex(root), providerOrg: a.providerOrg, receipts: String(n) })
      },
      'registered',
      { writes: SHARING_LIMITS.batchWrites, indexWrites: SHARING_LIMITS.batchIndexWrites },
    ),
    refusal: handler(SharingRefusalArgs, (ctx, a) => {
      const catalog = ctx.keeper(catalogRef)
      const gw = catalog.gateway(a.providerOrg)
      if (gw === undefined || !eq(gw.publicKey, ctx.sender)) return ctx.fail('SHARING_NOT_GATEWAY')
      if (a.counts.length === 0) return ctx.fail('SHARING_BAD_REQUEST', 'a refusal record counts something')
      if (a.fromMs > a.toMs) return ctx.fail('SHARING_BAD_REQUEST', 'fromMs is after toMs')
      const seen = new Set<string>()
      const records: RefusalRecord[] = []
      for (const [i, c] of a.counts.entries()) {
        if (!(REFUSAL_CODES as readonly string[]).includes(c.code))
          return ctx.fail('SHARING_BAD_REQUEST', 'unknown refusal code')
        if (c.count < 1) return ctx.fail('SHARING_BAD_REQUEST', 'a count is at least 1')
        const pair = `${c.consumerOrg}\n${c.code}`
        if (seen.has(pair)) return ctx.fail('SHARING_BAD_REQUEST', 'one count per requester and code')
        seen.add(pair)
        // Only identifiers the chain holds (issue 13, item 5): the requester is an organisation
        // with a registered gateway (only those are served), the grant one the chain holds for it.
        if (catalog.gateway(c.consumerOrg) === undefined)
          return ctx.fail('SHARING_BAD_REQUEST', 'the requester has no registered gateway')
        let resourceId: string | undefined
        if (c.grantId !== undefined) {
          const v = ctx.state.get(sharingRequestKey(c.grantId))
          const g = v === undefined ? undefined : codec.decode(RequestRecord, v)
          if (g === undefined || g.ownerOrg !== a.providerOrg || g.consumerOrg !== c.consumerOrg)
            return ctx.fail('SHARING_BAD_REQUEST', 'grantId is no grant of the requester from the provider')
          resourceId = g.resourceId
        }
        const index = new Uint8Array(4)
        new DataView(index.buffer).setUint32(0, i)
        records.push({
          refusalId: ctx.hash(concatBytes(ctx.txHash, index)),
          providerOrg: a.providerOrg,
          code: c.code,
          consumerOrg: c.consumerOrg,
          ...(c.grantId === undefined ? {} : { grantId: c.grantId }),
          ...(resourceId === undefined ? {} : { resourceId }),
          count: c.count,
          fromMs: a.fromMs,
          toMs: a.toMs,
          recordedBy: ctx.sender,
          height: ctx.height,
          timeMs: ctx.timeMs,
          txHash: ctx.txHash,
        })
      }
      let total = 0
      for (const r of records) {
        ctx.state.set(sharingRefusalKey(r.refusalId), codec.encode(RefusalRecord, r))
        const facets: [string, string][] = [
          ['p', r.providerOrg],
          ['c', r.consumerOrg],
        ]
        if (r.resourceId !== undefined) facets.push(['r', r.resourceId])
        writeIndex(ctx, 'rf', facets, r.refusalId)
        total += r.count
      }
      ctx.emit('refusal', { providerOrg: a.providerOrg, records: String(records.length), refusals: String(total) })
    }),
  },
  keeper: (ctx: KeeperContext): SharingKeeper => sharingKeeperOver(ctx.state, ctx),
  renderState: (key, value) => {
    const k = new TextDecoder().decode(key.subarray(0, 6))
    if (k.startsWith('req/')) return renderRequest(codec.decode(RequestRecord, value), 0)
    if (k.startsWith('rcpt/')) return renderReceipt(codec.decode(ReceiptRecord, value))
    if (k.startsWith('batch/')) return renderBatch(codec.decode(BatchRecord, value))
    if (k.startsWith('rinc/')) {
      const i = codec.decode(ReceiptInclusion, value)
      return { root: toHex(i.root), leafIndex: i.leafIndex, treeSize: i.treeSize, path: i.path.map(toHex) }
    }
    if (k.startsWith('ref/')) return renderRefusal(codec.decode(RefusalRecord, value))
    return undefined
  },
} satisfies Module

interface CheckedReceipt {
  entry: SharingReceiptArgs
  body: ReceiptBody
  receiptId: Uint8Array
  /** The grant's record, shared by every receipt of the batch on it (its counters add up). */
  grant: RequestRecord
}

/**
 * Checks one receipt as `receipt` records it: the body decodes, is for this chain and for an
 * approved (or since revoked) grant with these parties, fields and resource; the sender is the
 * provider's registered gateway key, which signed it; the consumer's key is its organisation's
 * gateway and its countersignature, when present, verifies; it is recorded neither before nor
 * earlier in the batch (`ids`). Writes nothing; the grant's counters are advanced in `grants`.
 */
function checkReceipt(
  ctx: TxContext,
  a: SharingReceiptArgs,
  grants: Map<string, RequestRecord>,
  ids: Set<string>,
): CheckedReceipt {
  let decoded: ReceiptBody | undefined
  try {
    decoded = codec.decode(ReceiptBody, a.body)
  } catch {
    decoded = undefined
  }
  if (decoded === undefined) return ctx.fail('SHARING_BAD_RECEIPT', 'receipt body does not decode')
  const body = decoded
  if (body.chainId !== ctx.chainId) return ctx.fail('SHARING_BAD_RECEIPT', 'receipt is for another chain')
  const grantHex = toHex(body.grantId)
  const r = grants.get(grantHex) ?? loadRequest(ctx, body.grantId)
  // A receipt for an answer served before a revocation may arrive after it: still recorded.
  if (r.grant === undefined || (r.status !== 'approved' && r.status !== 'revoked')) {
    ctx.fail('SHARING_BAD_RECEIPT', 'the grant was never approved')
  }
  if (body.providerOrg !== r.ownerOrg || body.consumerOrg !== r.consumerOrg || body.resourceId !== r.resourceId) {
    ctx.fail('SHARING_BAD_RECEIPT', 'receipt parties or resource differ from the grant')
  }
  if (body.fields.some((f) => !r.grant!.fields.includes(f)) || body.rows > SHARING_LIMITS.rowsPerFetch) {
    ctx.fail('SHARING_BAD_RECEIPT', 'receipt fields are not granted or rows exceed the bound')
  }
  const catalog = ctx.keeper(catalogRef)
  const provider = catalog.gateway(body.providerOrg)
  const consumer = catalog.gateway(body.consumerOrg)
  if (provider === undefined || !eq(provider.publicKey, ctx.sender) || !eq(provider.publicKey, body.providerKey)) {
    ctx.fail('SHARING_NOT_GATEWAY')
  }
  if (consumer === undefined || !eq(consumer.publicKey, body.consumerKey)) {
    ctx.fail('SHARING_BAD_RECEIPT', 'consumer key is not the consumer organisation’s gateway')
  }
  const receiptId = ctx.hash(a.body)
  const idHex = toHex(receiptId)
  if (ids.has(idHex) || ctx.state.has(sharingReceiptKey(receiptId))) return ctx.fail('SHARING_RECEIPT_EXISTS')
  const suite = suiteOf(ctx)
  const signed = concatBytes(DOMAIN_SHARING.receipt, a.body)
  if (!suite.verify(body.providerKey, signed, a.providerSignature))
    return ctx.fail('SHARING_BAD_RECEIPT', 'provider signature')
  if (a.consumerSignature !== undefined && !suite.verify(body.consumerKey, signed, a.consumerSignature)) {
    ctx.fail('SHARING_BAD_RECEIPT', 'consumer signature')
  }
  ids.add(idHex)
  r.rowsUsed += body.rows
  r.fetches += 1
  grants.set(grantHex, r)
  return { entry: a, body, receiptId, grant: r }
}

/** Writes a checked receipt's record and its indexes (the grant's counters are saved by the caller). */
function writeReceipt(ctx: TxContext, c: CheckedReceipt, emit: boolean): void {
  const { entry: a, body, receiptId } = c
  const record: ReceiptRecord = {
    receiptId,
    body: a.body,
    providerSignature: a.providerSignature,
    ...(a.consumerSignature === undefined ? {} : { consumerSignature: a.consumerSignature }),
    height: ctx.height,
    timeMs: ctx.timeMs,
    txHash: ctx.txHash,
  }
  ctx.state.set(sharingReceiptKey(receiptId), codec.encode(ReceiptRecord, record))
  writeIndex(
    ctx,
    'rc',
    [
      ['g', toHex(body.grantId)],
      ['r', body.resourceId],
      ['c', body.consumerOrg],
      ['p', body.providerOrg],
      ...body.subjects.map((s): [string, string] => ['s', toHex(s)]),
    ],
    receiptId,
  )
  if (emit) {
    ctx.emit('receipt', {
      receiptId: toHex(receiptId),
      grantId: toHex(body.grantId),
      providerOrg: body.providerOrg,
      consumerOrg: body.consumerOrg,
    })
  }
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

// ---------------------------------------------------------------- JSON views (API, CLI)

export function renderRequest(r: RequestRecord, nowMs: number, link?: CaseGrantLink): RequestView {
  return {
    requestId: toHex(r.requestId),
    resourceId: r.resourceId,
    resourceVersion: r.resourceVersion,
    consumerOrg: r.consumerOrg,
    ownerOrg: r.ownerOrg,
    fields: r.fields,
    purpose: r.purpose,
    legalBasis: r.legalBasis,
    durationMs: r.durationMs,
    rowsMax: r.rowsMax,
    rowScope: r.rowScope ?? null,
    requestedBy: toHex(r.requestedBy),
    height: r.height,
    timeMs: r.timeMs,
    status: r.status,
    state: grantStateOf(r, nowMs),
    decision:
      r.decision === undefined ? null : { ...r.decision, by: r.decision.auto ? 'policy' : toHex(r.decision.by) },
    grant: r.grant ?? null,
    revocation: r.revocation === undefined ? null : { ...r.revocation, by: toHex(r.revocation.by) },
    rowsUsed: r.rowsUsed,
    fetches: r.fetches,
    case: link === undefined ? null : { caseId: toHex(link.caseId), subject: toHex(link.subject) },
  }
}

function grantStateOf(r: RequestRecord, nowMs: number): RequestView['state'] {
  if (r.status !== 'approved' || r.grant === undefined) return r.status
  if (nowMs >= r.grant.expiresMs) return 'expired'
  if (r.rowsUsed >= r.grant.rowsMax) return 'exhausted'
  return 'active'
}

/** A batched receipt's inclusion proof with its leaf (the encoded receipt and signatures), or null. */
export function renderInclusion(rec: ReceiptRecord, inclusion: ReceiptInclusion | undefined): InclusionView | null {
  if (inclusion === undefined) return null
  return {
    root: toHex(inclusion.root),
    leafIndex: inclusion.leafIndex,
    treeSize: inclusion.treeSize,
    path: inclusion.path.map(toHex),
    leaf: toBase64(
      receiptBatchLeaf({
        body: rec.body,
        providerSignature: rec.providerSignature,
        ...(rec.consumerSignature === undefined ? {} : { consumerSignature: rec.consumerSignature }),
      }),
    ),
  }
}

export function renderBatch(b: BatchRecord): BatchView {
  return {
    root: toHex(b.root),
    providerOrg: b.providerOrg,
    treeSize: b.treeSize,
    recordedBy: toHex(b.recordedBy),
    height: b.height,
    timeMs: b.timeMs,
    txHash: toHex(b.txHash),
  }
}

export function renderReceipt(rec: ReceiptRecord, inclusion?: ReceiptInclusion): ReceiptView {
  const b = codec.decode(ReceiptBody, rec.body)
  return {
    receiptId: toHex(rec.receiptId),
    grantId: toHex(b.grantId),
    resourceId: b.resourceId,
    resourceVersion: b.resourceVersion,
    consumerOrg: b.consumerOrg,
    providerOrg: b.providerOrg,
    consumerKey: toHex(b.consumerKey),
    providerKey: toHex(b.providerKey),
    requestHash: toHex(b.requestHash),
    responseHash: toHex(b.responseHash),
    fields: b.fields,
    rows: b.rows,
    subjects: b.subjects.map(toHex),
    servedAtMs: b.servedAtMs,
    consumerSignature: rec.consumerSignature === undefined ? null : toHex(rec.consumerSignature),
    providerSignature: toHex(rec.providerSignature),
    height: rec.height,
    timeMs: rec.timeMs,
    txHash: toHex(rec.txHash),
    batch: renderInclusion(rec, inclusion),
  }
}

export function renderRefusal(r: RefusalRecord): RefusalView {
  return {
    refusalId: toHex(r.refusalId),
    code: r.code,
    providerOrg: r.providerOrg,
    consumerOrg: r.consumerOrg,
    grantId: r.grantId === undefined ? null : toHex(r.grantId),
    resourceId: r.resourceId ?? null,
    count: r.count,
    // The code's fixed text: nothing of the request is stored (issue 13, item 5).
    reason: refusalReason(r.code),
    fromMs: r.fromMs,
    toMs: r.toMs,
    // The first refusal counted (fromMs), under its earlier name.
    refusedAtMs: r.fromMs,
    recordedBy: toHex(r.recordedBy),
    height: r.height,
    timeMs: r.timeMs,
    txHash: toHex(r.txHash),
  }
}
