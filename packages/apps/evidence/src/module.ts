/**
 * Module `evidence`: the deterministic state machine of e-evidence (docs/evidence.md). No wall
 * clock, randomness or I/O.
 *
 *   submit({kind, contentHash, caseRef?, previous?})  an officer, or a DID an organisation verified
 *                 (identity: verifiedBy), records a content hash; with `previous`, a new version of
 *                 the latest item of its chain (same submitter), so a chain cannot fork or reorder
 *   batch({kind, root, count, caseRef?})   the RFC 9162 root of 1-10,000 documents in one transaction
 *   timestamp({id, token})   the submitter attaches an RFC 3161 token over the item's digest (or the
 *                 batch's root) from a TSA governance registered; verified here (tsp.ts), once per item
 *   attest({id, statement, report?})   an officer of an organisation governance gave the statement's
 *                 role (notary → notarised, forensic → forensic-examined, court → court-accepted)
 *
 * Ids are transaction hashes. Events: evidence.submitted {id, kind, version}, evidence.batched
 * {id, count}, evidence.timestamped {id, authority, genTimeMs}, evidence.attested {id, orgId,
 * statement}. Keeper: { record(id), timestamp(id), attestations(id) }.
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
import { governanceRef } from '@govchain/governance/schema'
import { identityRef } from '@govchain/identity/schema'
import {
  CASE_REF_PATTERN,
  EVIDENCE_ERRORS,
  EVIDENCE_INDEX,
  EVIDENCE_KEYS,
  EVIDENCE_LIMITS,
  EVIDENCE_MODULE,
  EvidenceAttestArgs,
  type EvidenceAttestation,
  EvidenceAttestations,
  EvidenceBatchArgs,
  EvidenceEntry,
  EvidenceSubmitArgs,
  type EvidenceSubmitter,
  EvidenceTimestamp,
  EvidenceTimestampArgs,
  STATEMENT_ROLE,
} from './schema.ts'
import { checkTimestampTime, type ImprintHash, verifyTimestampToken } from './tsp.ts'

export interface EvidenceKeeper {
  record(id: Uint8Array): EvidenceEntry | undefined
  timestamp(id: Uint8Array): EvidenceTimestamp | undefined
  attestations(id: Uint8Array): EvidenceAttestation[]
}

function readAttestations(state: ReadonlyModuleState, id: Uint8Array): EvidenceAttestation[] {
  const v = state.get(EVIDENCE_KEYS.attestations(id))
  return v === undefined ? [] : codec.decode(EvidenceAttestations, v)
}

function readTimestamp(state: ReadonlyModuleState, id: Uint8Array): EvidenceTimestamp | undefined {
  const v = state.get(EVIDENCE_KEYS.timestamp(id))
  return v === undefined ? undefined : codec.decode(EvidenceTimestamp, v)
}

const SHA256_OF_NOTHING = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
/** The chain suite's hash, known by its digest of the empty string (SHA-256 for intl, SM3 for gm). */
function chainHash(ctx: TxContext): ImprintHash {
  return toHex(ctx.hash(new Uint8Array(0))) === SHA256_OF_NOTHING ? 'sha256' : 'sm3'
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

export function renderAttestation(a: EvidenceAttestation) {
  return {
    orgId: a.orgId,
    officerId: a.officerId,
    role: a.role,
    statement: a.statement,
    report: a.report === undefined ? null : toHex(a.report),
    height: a.height,
    timeMs: a.timeMs,
    txHash: toHex(a.txHash),
  }
}

export function renderEvidence(
  r: EvidenceEntry,
  t?: EvidenceTimestamp,
  attestations: readonly EvidenceAttestation[] = [],
) {
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
    timestamp: t === undefined ? null : renderTimestamp(t),
    attestations: attestations.map(renderAttestation),
  }
}

export function renderTimestamp(t: EvidenceTimestamp) {
  return {
    authority: t.authority,
    genTimeMs: t.genTimeMs,
    serial: t.serial,
    policy: t.policy,
    hashAlgorithm: t.hashAlgorithm,
    token: toHex(t.token),
    height: t.height,
    timeMs: t.timeMs,
  }
}

export const evidenceModule = {
  name: EVIDENCE_MODULE,
  errors: EVIDENCE_ERRORS,
  events: {
    submitted: { description: 'an evidence item was recorded', attributes: ['id', 'kind', 'version'] },
    batched: { description: 'a batch of documents was anchored', attributes: ['id', 'count'] },
    attested: {
      description: 'a notary, forensic or court organisation attested an item',
      attributes: ['id', 'orgId', 'statement'],
    },
    timestamped: {
      description: 'an RFC 3161 time-stamp token was verified and attached to an item',
      attributes: ['id', 'authority', 'genTimeMs'],
    },
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
    timestamp: handler(EvidenceTimestampArgs, (ctx, a) => {
      const submitter = submitterOf(ctx)
      const r = readRecord(ctx.state, a.id)
      if (r === undefined) return ctx.fail('EVIDENCE_NOT_FOUND')
      if (r.submitter.id !== submitter.id) ctx.fail('EVIDENCE_NOT_SUBMITTER')
      if (ctx.state.has(EVIDENCE_KEYS.timestamp(a.id))) ctx.fail('EVIDENCE_TIMESTAMP_EXISTS')
      const governance = ctx.keeper(governanceRef)
      const facts = verifyTimestampToken(
        a.token,
        { digest: r.digest, hash: chainHash(ctx) },
        governance.timestampAuthoritiesAt(ctx.height),
      )
      checkTimestampTime(facts, ctx.timeMs, governance.paramsAt(ctx.height).maxClockDriftMs)
      const t: EvidenceTimestamp = {
        authority: facts.authority,
        genTimeMs: facts.genTimeMs,
        serial: facts.serial,
        policy: facts.policy,
        hashAlgorithm: facts.hashAlgorithm,
        token: a.token,
        height: ctx.height,
        timeMs: ctx.timeMs,
      }
      ctx.state.set(EVIDENCE_KEYS.timestamp(a.id), codec.encode(EvidenceTimestamp, t))
      ctx.emit('timestamped', { id: toHex(a.id), authority: facts.authority, genTimeMs: String(facts.genTimeMs) })
    }),
    attest: handler(EvidenceAttestArgs, (ctx, a) => {
      const officer = ctx.keeper(identityRef).officerByKey(ctx.sender)
      if (officer === undefined || officer.status !== 'active') return ctx.fail('EVIDENCE_ATTESTER_ROLE')
      const role = STATEMENT_ROLE[a.statement]
      const roles = ctx.keeper(governanceRef).organisationRolesAt(officer.orgId, ctx.height)
      if (!(roles as readonly string[]).includes(role))
        ctx.fail('EVIDENCE_ATTESTER_ROLE', undefined, { orgId: officer.orgId, needs: role, holds: roles })
      if (readRecord(ctx.state, a.id) === undefined) ctx.fail('EVIDENCE_NOT_FOUND')
      const list = readAttestations(ctx.state, a.id)
      if (list.some((x) => x.orgId === officer.orgId)) ctx.fail('EVIDENCE_ATTESTATION_EXISTS')
      if (list.length >= EVIDENCE_LIMITS.attestationsPerItem) ctx.fail('EVIDENCE_TOO_MANY_ATTESTATIONS')
      const att: EvidenceAttestation = {
        orgId: officer.orgId,
        officerId: officer.officerId,
        role,
        statement: a.statement,
        ...(a.report === undefined ? {} : { report: a.report }),
        height: ctx.height,
        timeMs: ctx.timeMs,
        txHash: ctx.txHash,
      }
      ctx.state.set(EVIDENCE_KEYS.attestations(a.id), codec.encode(EvidenceAttestations, [...list, att]))
      ctx.emit('attested', { id: toHex(a.id), orgId: officer.orgId, statement: a.statement })
    }),
  },
  queries: {
    record: query(
      hash32,
      (id) => EVIDENCE_KEYS.record(id),
      (value) => (value === undefined ? undefined : renderEvidence(codec.decode(EvidenceEntry, value))),
    ),
  },
  keeper: (ctx: KeeperContext): EvidenceKeeper => ({
    record: (id) => readRecord(ctx.state, id),
    timestamp: (id) => readTimestamp(ctx.state, id),
    attestations: (id) => readAttestations(ctx.state, id),
  }),
  renderState: (key, value) => {
    const k = new TextDecoder().decode(key)
    if (k.startsWith('rec/')) return renderEvidence(codec.decode(EvidenceEntry, value))
    if (k.startsWith('ts/')) return renderTimestamp(codec.decode(EvidenceTimestamp, value))
    if (k.startsWith('att/')) return codec.decode(EvidenceAttestations, value).map(renderAttestation)
    return { item: toHex(value) }
  },
} satisfies Module
