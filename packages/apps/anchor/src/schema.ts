/**
 * The `anchor` module's wire types, shared by the node (which executes them) and the SDK and
 * CLI (which build and verify them). Defined once here so both sides encode the same bytes.
 *
 * `anchor.put` records a document hash with metadata (what kind, an optional note) and who/when;
 * the record is stored under the document hash and served with a state proof.
 */

import { moduleRef } from '@govchain/app/ref'
import { codec, type ErrorInfo, GovchainError, hash32, publicKey, registerErrors, utf8 } from '@govchain/core'
import type { AnchorKeeper } from './module.ts'

const { option, string, struct, u32, u64 } = codec

export const ANCHOR_MODULE = 'anchor'

/** The anchor module's error codes, merged into the one catalogue (HTTP status and message). */
export const ANCHOR_ERRORS = {
  ANCHOR_EXISTS: { http: 409, message: 'this document hash is already anchored' },
  ANCHOR_BAD_KIND: { http: 400, message: 'kind must be 1-64 characters of [a-z0-9._:/-]' },
  ANCHOR_BAD_NOTE: { http: 400, message: 'note must be at most 256 bytes of printable text' },
  ANCHOR_SENDER_UNREGISTERED: {
    http: 403,
    message: 'anchoring needs an active officer of an active organisation or a current key of an active DID',
  },
  ANCHOR_QUOTA_EXCEEDED: {
    http: 429,
    message: 'this DID has used its anchors for the day (governance parameter anchorQuotaPerIdentityPerDay)',
  },
} as const satisfies Record<string, ErrorInfo>
registerErrors(ANCHOR_MODULE, ANCHOR_ERRORS)

declare module '@govchain/core' {
  interface ModuleErrorCodes extends Record<keyof typeof ANCHOR_ERRORS, true> {}
}

/** This application's typed reference: other applications put it in `requires` and call `ctx.keeper(anchorRef)`. */
export const anchorRef = moduleRef<AnchorKeeper>()(ANCHOR_MODULE)
export const ANCHOR_METHODS = { put: 'put' } as const

export const ANCHOR_LIMITS = {
  kindBytes: 64,
  noteBytes: 256,
} as const

/** Arguments of `anchor.put`. */
export const AnchorPutArgs = struct({
  hash: hash32,
  kind: string(ANCHOR_LIMITS.kindBytes),
  note: option(string(ANCHOR_LIMITS.noteBytes)),
})
export type AnchorPutArgs = codec.Infer<typeof AnchorPutArgs>

/** What the module stores under the document hash: the arguments plus who and when. */
export const AnchorRecord = struct({
  hash: hash32,
  kind: string(ANCHOR_LIMITS.kindBytes),
  note: option(string(ANCHOR_LIMITS.noteBytes)),
  /** Public key of the transaction's sender (first signer). */
  submitter: publicKey,
  height: u64,
  /** Block time (header.timeMs) of the block that recorded it, never the wall clock. */
  timeMs: u64,
  txHash: hash32,
})
export type AnchorRecord = codec.Infer<typeof AnchorRecord>

/**
 * A DID's anchors on one day of block time (UTC, `floor(timeMs / ANCHOR_QUOTA_DAY_MS)`), against
 * the governance parameter anchorQuotaPerIdentityPerDay. Officers of active organisations have
 * no quota (their department answers for them); DIDs are free to create, so theirs is bounded.
 */
export const AnchorQuota = struct({ day: u32, used: u32 })
export type AnchorQuota = codec.Infer<typeof AnchorQuota>
export const ANCHOR_QUOTA_DAY_MS = 86_400_000

/** The module-local key of a DID's quota: `quota/<did>` (a DID is a pseudonymous id, never personal data). */
export function anchorQuotaKey(did: string): Uint8Array {
  if (typeof did !== 'string' || !did.startsWith('did:') || did.length > 128) {
    throw new GovchainError('INVALID_ARGUMENT', 'anchor quota key is a DID')
  }
  return utf8(`quota/${did}`)
}

/** The module-local state key of a record: the document hash itself (32 bytes). */
export function anchorKey(hash: Uint8Array): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) {
    throw new GovchainError('INVALID_ARGUMENT', 'anchor key is a 32-byte document hash')
  }
  return hash.slice()
}
