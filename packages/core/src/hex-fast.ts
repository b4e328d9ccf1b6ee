/**
 * Fast string forms of bytes for hot paths (map keys on every transaction): Buffer's native
 * encoders instead of core's portable toHex, which builds the string a byte at a time.
 *
 * Buffer.prototype.hexSlice and latin1Slice (what buf.toString('hex' | 'latin1') calls) are
 * applied to the Uint8Array itself: no Buffer view is made per call, which was most of the cost
 * (about 0.13 µs instead of 0.55 for a 32-byte hash). Where a Node lacks them, the view is made.
 */
import { toHex } from './bytes.ts'

type Slice = (this: Uint8Array, start: number, end: number) => string
// Browsers have no Buffer: there both functions take the portable paths below.
const slices = (typeof Buffer === 'undefined' ? {} : Buffer.prototype) as unknown as {
  hexSlice?: Slice
  latin1Slice?: Slice
}
const hexSlice = typeof slices.hexSlice === 'function' ? slices.hexSlice : undefined
const latin1Slice = typeof slices.latin1Slice === 'function' ? slices.latin1Slice : undefined

/** Lowercase hex, the same text as core's toHex. */
export function hexOf(b: Uint8Array): string {
  if (hexSlice !== undefined) return hexSlice.call(b, 0, b.length)
  return toHex(b)
}

/**
 * One character per byte (latin1): a map key half the length of hex whose string order is the
 * bytes' order. Only for in-memory keys; never shown or stored.
 */
export function bytesKey(b: Uint8Array): string {
  if (latin1Slice !== undefined) return latin1Slice.call(b, 0, b.length)
  let s = ''
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return s
}
