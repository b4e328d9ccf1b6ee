/**
 * Module `anchor`: records a document's hash with metadata — the seed of e-evidence (电子存证).
 *
 *   put({hash, kind, note?})  stores {hash, kind, note, submitter, height, timeMs, txHash}
 *                             under the document hash; anchoring a hash twice fails with
 *                             ANCHOR_EXISTS and changes nothing (the first anchor stands).
 *   get(hash)                 the record, served with a state proof by the API.
 *
 * Who may anchor (issue 13, item 7): an active officer of an active organisation, without quota
 * (the department answers for its officers); or a current key of an active DID, at most the
 * governance parameter anchorQuotaPerIdentityPerDay anchors per DID and day of block time,
 * counted under `quota/<did>` (ANCHOR_QUOTA_EXCEEDED beyond). Any other key is refused with
 * ANCHOR_SENDER_UNREGISTERED; a key no module registered never gets this far (admission refuses
 * it with TX_SENDER_UNREGISTERED, SenderRule `registered`).
 *
 * Privacy: the chain stores the document's hash, never the document. `kind` is a short
 * machine-readable category (e.g. `contract`, `invoice.pdf`) and `note` is bounded,
 * non-personal metadata (a case number, a file reference): officers must not put names,
 * identity numbers or other personal data in it — it is public to every node and never erased.
 *
 * Events: `anchor.put` {hash, kind, submitter} (hex).
 * Index (node-local): `anchor/by-submitter/<submitter><hash>` → empty, for listing a key's anchors.
 * Keeper (for other modules, e.g. evidence): { get(hash), exists(hash) }.
 */

import {
  handler,
  type KeeperContext,
  type Module,
  query,
  queryState,
  type ReadonlyModuleState,
  type StateAnswer,
  type TxContext,
} from '@govchain/app'
import { type CryptoSuite, codec, concatBytes, hash32, hexOf, toHex, utf8 } from '@govchain/core'
import { governanceRef } from '@govchain/governance/schema'
import { identityRef } from '@govchain/identity/schema'
import type { ChainStore } from '@govchain/store'
import {
  ANCHOR_LIMITS,
  ANCHOR_MODULE,
  ANCHOR_QUOTA_DAY_MS,
  AnchorPutArgs,
  AnchorQuota,
  AnchorRecord,
  anchorKey,
  anchorQuotaKey,
} from './schema.ts'

export { ANCHOR_LIMITS, ANCHOR_MODULE, AnchorPutArgs, AnchorRecord }

/** kind: lowercase identifier-like text, so it can be filtered on and never carries prose. */
export const ANCHOR_KIND_PATTERN = /^[a-z0-9._:/-]{1,64}$/
/** note: no control characters (C0, DEL, C1) nor bidirectional overrides that could disguise text. */
const NOTE_FORBIDDEN = /\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u

export const BY_SUBMITTER_PREFIX = utf8('by-submitter/')

export interface AnchorKeeper {
  get(hash: Uint8Array): AnchorRecord | undefined
  exists(hash: Uint8Array): boolean
}

function readRecord(state: ReadonlyModuleState, hash: Uint8Array): AnchorRecord | undefined {
  const v = state.get(anchorKey(hash))
  return v === undefined ? undefined : codec.decode(AnchorRecord, v)
}

/** JSON form of a record (hex for bytes), as the API and CLI show it. */
export function renderAnchorRecord(r: AnchorRecord): Record<string, unknown> {
  return {
    hash: toHex(r.hash),
    kind: r.kind,
    ...(r.note === undefined ? {} : { note: r.note }),
    submitter: toHex(r.submitter),
    height: r.height,
    timeMs: r.timeMs,
    txHash: toHex(r.txHash),
  }
}

/**
 * The sender may anchor (see the file comment); a DID's anchor of today is counted. Throws
 * ANCHOR_SENDER_UNREGISTERED or ANCHOR_QUOTA_EXCEEDED (the transaction then changes nothing).
 */
function chargeSender(ctx: TxContext): void {
  const identity = ctx.keeper(identityRef)
  const officer = identity.officerByKey(ctx.sender)
  if (officer !== undefined && identity.organisation(officer.orgId)?.status === 'active') return
  const did = identity.didByKey(ctx.sender)
  if (did === undefined) ctx.fail('ANCHOR_SENDER_UNREGISTERED')
  const quota = ctx.keeper(governanceRef).paramsAt(ctx.height).anchorQuotaPerIdentityPerDay
  const day = Math.floor(ctx.timeMs / ANCHOR_QUOTA_DAY_MS)
  const key = anchorQuotaKey(did.did)
  const stored = ctx.state.get(key)
  const prev = stored === undefined ? undefined : codec.decode(AnchorQuota, stored)
  const used = prev?.day === day ? prev.used : 0
  if (used >= quota) ctx.fail('ANCHOR_QUOTA_EXCEEDED', undefined, { did: did.did, quota })
  ctx.state.set(key, codec.encode(AnchorQuota, { day, used: used + 1 }))
}

export const anchorModule = {
  name: ANCHOR_MODULE,
  handlers: {
    put: handler(AnchorPutArgs, (ctx, args) => {
      chargeSender(ctx)
      if (!ANCHOR_KIND_PATTERN.test(args.kind)) ctx.fail('ANCHOR_BAD_KIND')
      if (
        args.note !== undefined &&
        (utf8(args.note).length > ANCHOR_LIMITS.noteBytes || NOTE_FORBIDDEN.test(args.note))
      ) {
        ctx.fail('ANCHOR_BAD_NOTE')
      }
      const key = anchorKey(args.hash)
      if (ctx.state.has(key)) ctx.fail('ANCHOR_EXISTS', undefined, { hash: toHex(args.hash) })
      const record: AnchorRecord = {
        hash: args.hash,
        kind: args.kind,
        ...(args.note === undefined ? {} : { note: args.note }),
        submitter: ctx.sender,
        height: ctx.height,
        timeMs: ctx.timeMs,
        txHash: ctx.txHash,
      }
      ctx.state.set(key, codec.encode(AnchorRecord, record))
      ctx.index(concatBytes(BY_SUBMITTER_PREFIX, ctx.sender, args.hash), new Uint8Array(0))
      ctx.emit('put', { hash: hexOf(args.hash), kind: args.kind, submitter: hexOf(ctx.sender) })
    }),
  },
  queries: {
    get: query(
      hash32,
      (hash) => anchorKey(hash),
      (value) => (value === undefined ? undefined : renderAnchorRecord(codec.decode(AnchorRecord, value))),
    ),
  },
  keeper: (ctx: KeeperContext): AnchorKeeper => ({
    get: (hash) => readRecord(ctx.state, hash),
    exists: (hash) => ctx.state.has(anchorKey(hash)),
  }),
  renderState: (key, value) => {
    // Records sit under the 32-byte document hash; quotas under `quota/<did>` (longer).
    if (key.length === 32) return renderAnchorRecord(codec.decode(AnchorRecord, value))
    const q = codec.decode(AnchorQuota, value)
    return { did: new TextDecoder().decode(key).slice('quota/'.length), day: q.day, used: q.used }
  },
} satisfies Module

/** `get(hash)` with its state proof: the record (decoded) and the raw answer to verify. */
export function getAnchor(input: {
  suite: CryptoSuite
  store: ChainStore
  hash: Uint8Array
  prove?: boolean
  height?: number
}): { record: AnchorRecord | undefined; answer: StateAnswer } {
  const answer = queryState({
    suite: input.suite,
    store: input.store,
    module: ANCHOR_MODULE,
    key: anchorKey(input.hash),
    ...(input.prove === undefined ? {} : { prove: input.prove }),
    ...(input.height === undefined ? {} : { height: input.height }),
  })
  return { record: answer.value === undefined ? undefined : codec.decode(AnchorRecord, answer.value), answer }
}

/** Document hashes anchored by `submitter` (node-local index), in hash order, at most `limit`. */
export function listAnchorsBySubmitter(store: ChainStore, submitter: Uint8Array, limit: number): Uint8Array[] {
  const prefix = concatBytes(utf8(`${ANCHOR_MODULE}/`), BY_SUBMITTER_PREFIX, submitter)
  return store.scanIndex(prefix, limit).map((e) => e.key.slice(prefix.length))
}
