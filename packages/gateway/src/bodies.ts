/**
 * The JSON bodies the gateway's listeners accept, parsed and type-checked before anything is
 * read, verified or written. Each parser returns a typed value or throws GATEWAY_BAD_REQUEST:
 * any JSON (null, a number, an array, an object with fields of the wrong type) and any bytes that
 * are not JSON at all get that code, never a TypeError turned into INTERNAL. They are pure, and
 * fuzzed (`npm run fuzz -- --target gateway-bodies`).
 */
import { fromBase64, fromHex, GovchainError } from '@govchain/core'
import type { HolderRequestPayload } from '@govchain/license/client'
import type { GatewayLocalFetch } from '@govchain/sharing/schema'

const HEX_SIGNATURE = /^[0-9a-f]{128}$/
const HEX_NONCE = /^[0-9a-f]{32}$/
const HEX_ID = /^[0-9a-f]{64}$/
/** An officer's key and signature, in any suite's encoding (checked by the suite). */
const HEX_KEY = /^[0-9a-f]{2,256}$/
const HEX_SIGNATURE_ANY = /^[0-9a-f]{2,512}$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const bad = (message: string) => new GovchainError('GATEWAY_BAD_REQUEST', message)

/** The body as a JSON object (not null, not an array), or GATEWAY_BAD_REQUEST. */
function jsonObject(raw: Uint8Array, what: string): Record<string, unknown> {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    throw bad(`${what} is not JSON`)
  }
  return jsonObjectText(text, what)
}

function jsonObjectText(text: string, what: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw bad(`${what} is not JSON`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} is not a JSON object`)
  return v as Record<string, unknown>
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')

function isFilter(v: unknown): v is { field: string; values: string[] } {
  if (typeof v !== 'object' || v === null) return false
  const f = v as { field?: unknown; values?: unknown }
  return typeof f.field === 'string' && isStringList(f.values)
}

/** POST /v1/gateway/query: `{request: base64 of the encoded DataRequest, signature: hex}`. */
export function parseQueryBody(raw: Uint8Array): { requestBytes: Uint8Array; signature: Uint8Array } {
  const b = jsonObject(raw, 'body')
  if (typeof b.request !== 'string' || typeof b.signature !== 'string' || !HEX_SIGNATURE.test(b.signature))
    throw bad('request (base64) and signature (hex) are required')
  if (!BASE64.test(b.request) || b.request.length % 4 !== 0) throw bad('request is not base64')
  return { requestBytes: fromBase64(b.request), signature: fromHex(b.signature) }
}

/**
 * POST /v1/gateway/ack: `{receiptId, consumerSignature: hex}`. Either is undefined when absent or
 * malformed: the provider tells a late acknowledgement from a bad one by the receipt id alone.
 */
export function parseAckBody(raw: Uint8Array): { receiptId?: string; consumerSignature?: Uint8Array } {
  const b = jsonObject(raw, 'body')
  return {
    ...(typeof b.receiptId === 'string' ? { receiptId: b.receiptId } : {}),
    ...(typeof b.consumerSignature === 'string' && HEX_SIGNATURE.test(b.consumerSignature)
      ? { consumerSignature: fromHex(b.consumerSignature) }
      : {}),
  }
}

/** POST /v1/local/fetch: an officer's signed fetch (GatewayLocalFetch); `filter` absent is null. */
export function parseLocalFetch(raw: Uint8Array): GatewayLocalFetch {
  const b = jsonObject(raw, 'body')
  const filter = b.filter ?? null
  if (
    typeof b.grantId !== 'string' ||
    !HEX_ID.test(b.grantId) ||
    !isStringList(b.fields) ||
    !(filter === null || isFilter(filter)) ||
    typeof b.timeMs !== 'number' ||
    typeof b.nonce !== 'string' ||
    !HEX_NONCE.test(b.nonce) ||
    typeof b.publicKey !== 'string' ||
    !HEX_KEY.test(b.publicKey) ||
    typeof b.signature !== 'string' ||
    !HEX_SIGNATURE_ANY.test(b.signature)
  ) {
    throw bad('grantId, fields, filter, timeMs, nonce, publicKey, signature')
  }
  return {
    grantId: b.grantId,
    fields: b.fields,
    filter,
    timeMs: b.timeMs,
    nonce: b.nonce,
    publicKey: b.publicKey,
    signature: b.signature,
  }
}

/** A holder-register request: the payload text the officer signed, its key and signature, and the payload parsed. */
export interface HolderRequest {
  payload: string
  publicKey: string
  signature: string
  request: HolderRequestPayload
}

/**
 * POST /v1/local/holder and /v1/local/holder/check: `{payload, publicKey, signature}`, the payload
 * being the JSON text of a HolderRequestPayload; a check (`check` true) also names the holder and
 * the licence's fields (name → text).
 */
export function parseHolderRequest(raw: Uint8Array, check: boolean): HolderRequest {
  const b = jsonObject(raw, 'body')
  if (
    typeof b.payload !== 'string' ||
    typeof b.publicKey !== 'string' ||
    !HEX_KEY.test(b.publicKey) ||
    typeof b.signature !== 'string' ||
    !HEX_SIGNATURE_ANY.test(b.signature)
  ) {
    throw bad('payload, publicKey, signature')
  }
  const p = jsonObjectText(b.payload, 'payload')
  if (
    (p.kind !== 'enterprise' && p.kind !== 'person') ||
    typeof p.id !== 'string' ||
    typeof p.timeMs !== 'number' ||
    typeof p.nonce !== 'string' ||
    !HEX_NONCE.test(p.nonce)
  ) {
    throw bad('payload: kind, id, timeMs, nonce')
  }
  const request: HolderRequestPayload = { kind: p.kind, id: p.id, timeMs: p.timeMs, nonce: p.nonce }
  if (check) {
    const fields = p.fields
    if (
      typeof p.holder !== 'string' ||
      typeof fields !== 'object' ||
      fields === null ||
      Array.isArray(fields) ||
      !Object.values(fields).every((v) => typeof v === 'string')
    )
      throw bad('payload: holder, fields')
    request.holder = p.holder
    request.fields = fields as Record<string, string>
  }
  return { payload: b.payload, publicKey: b.publicKey, signature: b.signature, request }
}
