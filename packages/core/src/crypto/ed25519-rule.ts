/**
 * govchain's Ed25519 acceptance rule (ADR 0013): which (public key, message, signature) triples
 * verify. Every validator must give the same verdict on every transaction, including the odd
 * ones an attacker builds on purpose, or a block splits the network. RFC 8032 leaves a few
 * choices open (cofactored or cofactorless equation, checks on non-canonical encodings and
 * small-order points), and libraries differ on them ("Taming the many EdDSAs", Chalkias et al.
 * 2020; the ed25519-speccheck vectors in test/vectors). govchain's rule is libsodium's
 * `crypto_sign_verify_detached` (1.0.16 and later), the strictest common one:
 *
 *   1. S < L (RFC 8032 §5.1.7 step 1);
 *   2. A is canonical (its y < p) and not of small order;
 *   3. R is not of small order (a non-canonical R fails step 4 anyway);
 *   4. the cofactorless equation: encode([S]B - [k]A) equals R's 32 bytes, with
 *      k = SHA-512(R || A || M) mod L (the variant §5.1.7 step 3 permits).
 *
 * Honest signatures from any RFC 8032 signer pass all four. The node verifies with libsodium
 * (sodium-native), or with OpenSSL after `ed25519Acceptable` (OpenSSL's verify is steps 1 and
 * 4 only); the JS suite runs the four steps on @noble/curves' point arithmetic. A differential
 * test holds all three to the same verdicts.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'

const Point = ed25519.Point
const L = Point.Fn.ORDER
const P = Point.Fp.ORDER

const hexBytes = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!.map((b) => Number.parseInt(b, 16)))

/**
 * The 32-byte encodings, sign bit cleared, of the 8 points of order dividing 8: y = 1 (order
 * 1), p - 1 (order 2), 0 (order 4, two points), two y of order 8 (four points); and the two
 * non-canonical aliases below 2^255, y = p (of 0) and p + 1 (of 1). The test derives the set
 * from the curve.
 */
const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexBytes)

/** Little-endian `length` bytes (default 32) at `from` as a bigint. */
function le(bytes: Uint8Array, from: number, length = 32): bigint {
  let n = 0n
  for (let i = from + length - 1; i >= from; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

/** True when the encoding at `bytes[from, from+32)`, sign bit ignored, is a small-order point. */
export function isSmallOrderEncoding(bytes: Uint8Array, from = 0): boolean {
  outer: for (const e of SMALL_ORDER_ENCODINGS) {
    for (let i = 0; i < 31; i++) if (bytes[from + i] !== e[i]) continue outer
    if ((bytes[from + 31]! & 0x7f) === e[31]) return true
  }
  return false
}

/** y < p for the encoding at `bytes[from, from+32)` (sign bit ignored). */
export function isCanonicalPointEncoding(bytes: Uint8Array, from = 0): boolean {
  return (le(bytes, from) & ((1n << 255n) - 1n)) < P
}

/** S (the signature's second half, little-endian) < L. */
function isCanonicalScalar(signature: Uint8Array): boolean {
  return le(signature, 32) < L
}

/**
 * Steps 1-3 of the rule: the encoding checks that OpenSSL's verify leaves out. Lengths are
 * checked by the caller (the suite).
 */
export function ed25519Acceptable(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return (
    isCanonicalScalar(signature) &&
    isCanonicalPointEncoding(publicKey) &&
    !isSmallOrderEncoding(publicKey) &&
    !isSmallOrderEncoding(signature, 0)
  )
}

/** The whole rule on @noble/curves' arithmetic: the pure-JS (browser) verification. */
export function ed25519VerifyRule(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!ed25519Acceptable(publicKey, signature)) return false
  let A: InstanceType<typeof Point>
  try {
    A = Point.fromBytes(publicKey, false) // strict: y < p, x exists
  } catch {
    return false
  }
  const R = signature.subarray(0, 32)
  const S = le(signature, 32)
  const k = le(sha512.create().update(R).update(publicKey).update(message).digest(), 0, 64) % L
  // [S]B - [k]A; multiplyUnsafe: public scalars (verification), and 0 is allowed.
  const check = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k)).toBytes()
  let diff = 0
  for (let i = 0; i < 32; i++) diff |= check[i]! ^ R[i]!
  return diff === 0
}
