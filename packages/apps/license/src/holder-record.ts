/**
 * Issuing checks the holder (issue 15, item 3; docs/adr/0028-holder-lookup-off-chain.md).
 *
 * The officer names the holder by its 统一社会信用代码 (enterprise, GB 32100-2015) or 公民身份号码
 * (person, GB 11643-1999), never by a raw DID. The issuing department's own gateway looks the
 * holder up in the department's local register (personal data: it never goes on chain) and
 * answers a HolderRecord: the holder's DID, name and the field values the department holds.
 * The issue form is pre-filled from it (prefillFields), and before anything is signed the same
 * gateway checks the officer's licence against the record (checkHolderMatch): another holder's
 * DID, or a field that names someone else, is refused with LICENSE_HOLDER_MISMATCH.
 *
 * The chain cannot do this check: it sees the holder's DID and salted digests of the fields,
 * nothing to compare a name or a credit code with. Browser-safe and pure (no clock, no I/O):
 * the gateway and the page run the same functions.
 */
import { GovchainError, isCreditCode, utf8 } from '@govchain/core'
import type { HolderRecordView } from './views.ts'

/** How a holder is named: 统一社会信用代码 for an enterprise, 公民身份号码 for a person. */
export type HolderIdKind = 'credit_code' | 'id_number'
export type HolderKind = 'enterprise' | 'person'

/**
 * One holder in a department's local register: the gateway's answer's HolderRecordView
 * (views.ts), the one definition of its shape.
 */
export type HolderRecord = HolderRecordView

export const HOLDER_RECORD_LIMITS = {
  /** Fields of one record, and bytes of one value (a licence field is at most this long). */
  fieldsMax: 64,
  valueBytesMax: 1024,
  nameBytesMax: 256,
} as const

/** The identifier a holder kind is looked up by. */
export function holderIdKind(kind: HolderKind): HolderIdKind {
  return kind === 'enterprise' ? 'credit_code' : 'id_number'
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

/** A 公民身份号码 of the right form with the right check character (GB 11643-1999, ISO 7064 MOD 11-2). */
export function isIdNumber(id: string): boolean {
  if (!/^[1-9][0-9]{16}[0-9X]$/.test(id)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!
  return '10X98765432'[sum % 11] === id[17]
}

/**
 * The identifier the officer typed, normalised (trimmed, upper case), for a holder of `kind`.
 * A wrong form or check character is LICENSE_HOLDER_ID_INVALID: nothing is looked up.
 */
export function parseHolderId(kind: HolderKind, text: string): string {
  const id = (typeof text === 'string' ? text : '').trim().toUpperCase()
  const ok = kind === 'enterprise' ? isCreditCode(id) : isIdNumber(id)
  if (!ok) {
    throw new GovchainError(
      'LICENSE_HOLDER_ID_INVALID',
      kind === 'enterprise'
        ? 'not a unified social credit code (GB 32100-2015: 18 characters, check character)'
        : 'not an identity number (GB 11643-1999: 18 characters, check digit)',
      { kind },
    )
  }
  return id
}

/** Checks a record read from a department's register (its shape and bounds); returns it. */
export function checkHolderRecord(r: HolderRecord): HolderRecord {
  const bad = (why: string) => new GovchainError('LICENSE_HOLDER_RECORD_INVALID', why)
  if (r.kind !== 'enterprise' && r.kind !== 'person') throw bad('kind must be enterprise or person')
  parseHolderId(r.kind, r.id)
  if (typeof r.did !== 'string' || !/^did:govchain:[1-9A-HJ-NP-Za-km-z]{1,64}$/.test(r.did)) throw bad('did')
  if (typeof r.name !== 'string' || r.name === '' || utf8(r.name).length > HOLDER_RECORD_LIMITS.nameBytesMax)
    throw bad('name')
  const entries = Object.entries(r.fields ?? {})
  if (entries.length > HOLDER_RECORD_LIMITS.fieldsMax) throw bad('too many fields')
  for (const [k, v] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(k)) throw bad(`field name ${k}`)
    if (typeof v !== 'string' || utf8(v).length > HOLDER_RECORD_LIMITS.valueBytesMax) throw bad(`field ${k}`)
  }
  return r
}

/** The licence type's fields the record can fill (name → value), for the issue form. */
export function prefillFields(
  fields: readonly { name: string }[],
  record: Pick<HolderRecord, 'fields'>,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of fields) {
    const v = record.fields[f.name]
    if (v !== undefined) out[f.name] = v
  }
  return out
}

/** What the officer is about to issue, as the holder check sees it. */
export interface HolderClaim {
  /** The DID the licence is issued to. */
  holder: string
  /** The licence's field values (name → value). */
  fields: Record<string, string>
}

/** Why a claim differs from the record: `holder` (the DID) and/or field names (never their values). */
export function holderMismatches(record: HolderRecord, claim: HolderClaim): string[] {
  const out: string[] = []
  if (claim.holder !== record.did) out.push('holder')
  for (const [name, value] of Object.entries(claim.fields)) {
    const held = record.fields[name]
    if (held !== undefined && held.trim() !== String(value).trim()) out.push(name)
  }
  return out
}

/**
 * Refuses a licence whose holder DID is not the record's, or whose fields differ from what the
 * department's record holds for them (LICENSE_HOLDER_MISMATCH, details naming the fields only).
 */
export function checkHolderMatch(record: HolderRecord, claim: HolderClaim): void {
  const differ = holderMismatches(record, claim)
  if (differ.length > 0) {
    throw new GovchainError(
      'LICENSE_HOLDER_MISMATCH',
      `the licence does not match the department's record of the holder: ${differ.join(', ')}`,
      { differ },
    )
  }
}

/** Paths of the gateway's local API for the holder register (docs/sharing-api.md, local API). */
export const HOLDER_LOOKUP_PATH = '/v1/local/holder'
export const HOLDER_CHECK_PATH = '/v1/local/holder/check'

/**
 * The bytes an officer signs for a holder lookup or check: the chain, the path and the exact
 * payload text (JSON the page wrote, with timeMs and nonce), so a signature covers one request.
 */
export function holderRequestMessage(chainId: string, path: string, payload: string): Uint8Array {
  return utf8(`govchain-gateway-holder\n${chainId}\n${path}\n${payload}`)
}

/** The payload of a lookup: `{kind, id, timeMs, nonce}`; of a check: also `holder` and `fields`. */
export interface HolderRequestPayload {
  kind: HolderKind
  id: string
  timeMs: number
  nonce: string
  holder?: string
  fields?: Record<string, string>
}
