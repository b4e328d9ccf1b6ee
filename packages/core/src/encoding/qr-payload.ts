/**
 * The form of every govchain QR payload (licence `GCL1:`, evidence `GCE1:`, invoice `GCI1:`):
 * a format prefix, then RFC 9285 base45 of RFC 1951 deflate(bytes). Base45 keeps the whole text
 * in QR's alphanumeric mode (5.5 bits a character instead of 8).
 *
 * Unpacking is bounded: the text's length first, then inflation into a fixed buffer, so a
 * hostile code cannot make a reader allocate more than `maxInflatedBytes`.
 */
import { deflateSync, inflateSync } from 'fflate'
import { base45Decode, base45Encode } from './base45.ts'

export function packQrPayload(prefix: string, bytes: Uint8Array): string {
  return prefix + base45Encode(deflateSync(bytes, { level: 9 }))
}

export interface QrPayloadLimits {
  /** Characters of the whole text, prefix included. */
  maxChars: number
  /** Bytes the payload may inflate to (exclusive). */
  maxInflatedBytes: number
}

/**
 * The bytes a payload with `prefix` carries. Anything else throws `malformed(reason)`: another
 * prefix or not a string, too long, not base45, not deflate, or inflating to the bound.
 */
export function unpackQrPayload(
  text: unknown,
  prefix: string,
  limits: QrPayloadLimits,
  malformed: (reason: string) => Error,
): Uint8Array {
  if (typeof text !== 'string' || !text.startsWith(prefix)) throw malformed(`a QR payload must start with ${prefix}`)
  if (text.length > limits.maxChars) throw malformed('the QR payload is too long')
  let compressed: Uint8Array
  try {
    compressed = base45Decode(text.slice(prefix.length))
  } catch {
    throw malformed('the QR payload is not base45')
  }
  const out = new Uint8Array(limits.maxInflatedBytes)
  let got: Uint8Array
  try {
    got = inflateSync(compressed, { out })
  } catch {
    throw malformed('the QR payload does not inflate')
  }
  if (got.length >= limits.maxInflatedBytes) throw malformed('the QR payload inflates too far')
  return got.slice()
}
