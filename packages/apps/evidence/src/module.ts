/**
 * Module `evidence`: the deterministic state machine of e-evidence (docs/evidence.md). No wall
 * clock, randomness or I/O.
 *
 *   submit({kind, contentHash, caseRef?, previous?})  an officer, or a DID an organisation verified
 *                 (identity: verifiedBy), records a content hash; with `previous`, a new version of
 *                 the latest item of its chain (same submitter), so a chain cannot fork or reorder
 *   batch({kind, root, count, caseRef?})   the RFC 9162 root of 1-10,000 documents in one transaction
 *
 * Ids are transaction hashes. Events: evidence.submitted {id, kind, version}, evidence.batched
 * {id, count}, evidence.attested {id, org, kind}. Keeper: { record(id) }.
 */
import {
  handler,
  type KeeperContext,
  type Module,
  query,
  type ReadonlyModuleState,
  type TxContext,
} from '@govchain/app'
import { codec, concatBytes, hash32, toHex } from '@govchain/core'
import { identityRef } from '@govchain/identity/schema'
import {
  CASE_REF_PATTERN,
  EVIDENCE_ERRORS,
  EVIDENCE_INDEX,
  EVIDENCE_KEYS,
  EVIDENCE_LIMITS,
  EVIDENCE_MODULE,
  EvidenceBatchArgs,
  EvidenceEntry,
  EvidenceSubmitArgs,
  type EvidenceSubmitter,
} from './schema.ts'

export interface EvidenceKeeper {
  record(id: Uint8Array): EvidenceEntry | undefined
}

function readRecord(state: ReadonlyModuleState, id: Uint8Array): EvidenceEntry | undefined {
  const v = state.get(EVIDENCE_KEYS.record(id))
  return v === undefined ? undefined : codec.decode(EvidenceEntry, v)
}

function writeRecord(ctx: TxContext, r: EvidenceEntry): void {
  ctx.state.set(EVIDENCE_KEYS.record(r.id), codec.encode(EvidenceEntry, r))
}

/** The sender as a submitter: an active officer (any role), or a current key of a verified DID. */
function submitterOf(ctx: TxContext): EvidenceSubmitter {
  const identity = ctx.keeper(identityRef)
  const officer = identity.officerByKey(ctx.sender)
  if (officer !== undefined && officer.status === 'active') {
    return { kind: 'officer', id: officer.orgId, verifiedBy: officer.orgId }
  }
  const did = identity.didByKey(ctx.sender)
  if (did !== undefined && did.verifiedBy !== undefined) return { kind: 'did', id: did.did, verifiedBy: did.verifiedBy }
  return ctx.fail('EVIDENCE_SUBMITTER_UNVERIFIED')
}

function checkCaseRef(ctx: TxContext, caseRef: string | undefined): void {
  if (caseRef !== undefined && !CASE_REF_PATTERN.test(caseRef)) ctx.fail('EVIDENCE_BAD_CASE_REF')
}

export function renderEvidence(r: EvidenceEntry) {
  return {
    id: toHex(r.id),
    type: r.type,
    kind: r.kind,
    digest: toHex(r.digest),
    count: r.count,
    caseRef: r.caseRef ?? null,
    submitter: { ...r.submitter },
    chain: toHex(r.chain),
    version: r.version,
    previous: r.previous === undefined ? null : toHex(r.previous),
    next: r.next === undefined ? null : toHex(r.next),
    height: r.height,
    timeMs: r.timeMs,
  }
}

export const evidenceModule = {
  name: EVIDENCE_MODULE,
  errors: EVIDENCE_ERRORS,
  events: {
    submitted: { description: 'an evidence item was recorded', attributes: ['id', 'kind', 'version'] },
    batched: { description: 'a batch of documents was anchored', attributes: ['id', 'count'] },
  },
  handlers: {
    submit: handler(EvidenceSubmitArgs, (ctx, a) => {
      const submitter = submitterOf(ctx)
      checkCaseRef(ctx, a.caseRef)
      const byContent = EVIDENCE_KEYS.byContent(submitter.id, a.contentHash)
      if (ctx.state.has(byContent)) ctx.fail('EVIDENCE_EXISTS')
      let chain = ctx.txHash
      let version = 1
      if (a.previous !== undefined) {
        const prev = readRecord(ctx.state, a.previous)
        if (prev === undefined || prev.type !== 'item') return ctx.fail('EVIDENCE_VERSION_NOT_FOUND')
        if (prev.submitter.id !== submitter.id) ctx.fail('EVIDENCE_VERSION_NOT_OWNER')
        // Only the latest version may be followed: no second successor (a fork), no going back.
        if (prev.next !== undefined)
          ctx.fail('EVIDENCE_VERSION_FORK', undefined, { latest: 'follow the chain to its end' })
        chain = prev.chain
        version = prev.version + 1
        writeRecord(ctx, { ...prev, next: ctx.txHash })
      }
      const r: EvidenceEntry = {
        id: ctx.txHash,
        type: 'item',
        kind: a.kind,
        digest: a.contentHash,
        count: 1,
        ...(a.caseRef === undefined ? {} : { caseRef: a.caseRef }),
        submitter,
        chain,
        version,
        ...(a.previous === undefined ? {} : { previous: a.previous }),
        height: ctx.height,
        timeMs: ctx.timeMs,
      }
      writeRecord(ctx, r)
      ctx.state.set(byContent, ctx.txHash)
      ctx.index(concatBytes(EVIDENCE_INDEX.byDigest(a.contentHash), ctx.txHash), new Uint8Array(0))
      ctx.emit('submitted', { id: toHex(ctx.txHash), kind: a.kind, version: String(version) })
    }),
    batch: handler(EvidenceBatchArgs, (ctx, a) => {
      const submitter = submitterOf(ctx)
      checkCaseRef(ctx, a.caseRef)
      if (a.count < 1 || a.count > EVIDENCE_LIMITS.batchDocsMax) ctx.fail('EVIDENCE_BAD_BATCH')
      writeRecord(ctx, {
        id: ctx.txHash,
        type: 'batch',
        kind: a.kind,
        digest: a.root,
        count: a.count,
        ...(a.caseRef === undefined ? {} : { caseRef: a.caseRef }),
        submitter,
        chain: ctx.txHash,
        version: 1,
        height: ctx.height,
        timeMs: ctx.timeMs,
      })
      ctx.index(concatBytes(EVIDENCE_INDEX.byDigest(a.root), ctx.txHash), new Uint8Array(0))
      ctx.emit('batched', { id: toHex(ctx.txHash), count: String(a.count) })
    }),
  },
  queries: {
    record: query(
      hash32,
      (id) => EVIDENCE_KEYS.record(id),
      (value) => (value === undefined ? undefined : renderEvidence(codec.decode(EvidenceEntry, value))),
    ),
  },
  keeper: (ctx: KeeperContext): EvidenceKeeper => ({ record: (id) => readRecord(ctx.state, id) }),
  renderState: (key, value) => {
    const k = new TextDecoder().decode(key)
    if (k.startsWith('rec/')) return renderEvidence(codec.decode(EvidenceEntry, value))
    return { item: toHex(value) }
  },
} satisfies Module
