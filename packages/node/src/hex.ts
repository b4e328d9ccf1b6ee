/**
 * Fast string forms of bytes for hot paths (map keys on every transaction): Buffer's native
 * encoders instead of core's portable toHex, which builds the string a byte at a time.
 */

/** Lowercase hex, the same text as core's toHex. */
export function hexOf(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

/**
 * One character per byte (latin1): a map key half the length of hex whose string order is the
 * bytes' order. Only for in-memory keys; never shown or stored.
 */
export function bytesKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}
