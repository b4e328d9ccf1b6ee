/**
 * SM2 (GB/T 32918.2 signatures, GB/T 32918.4 public-key encryption) in pure JS over the
 * recommended 256-bit curve (GB/T 32918.5), with @noble/curves' generic short-Weierstrass
 * arithmetic and our SM3. This is NOT ECDSA on the SM2 curve: e = SM3(Z_A || M) where Z_A binds
 * the signer's identity and public key, r = (e + x1) mod n, s = (1 + d)^-1 (k - r d) mod n.
 *
 * Functions here take validated inputs only as documented; the suite layer maps failures to
 * typed GovchainErrors. Nothing here mutates its arguments.
 */
import { mapHashToField } from '@noble/curves/abstract/modular.js'
import { weierstrass } from '@noble/curves/abstract/weierstrass.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { GovchainError } from '../../errors.ts'
import { sm3 } from './sm3.ts'

/** GB/T 32918.5 recommended curve parameters (sm2p256v1). */
const SM2_CURVE = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
} as const

const Sm2Point = weierstrass({
  p: SM2_CURVE.p,
  n: SM2_CURVE.n,
  h: SM2_CURVE.h,
  a: SM2_CURVE.a,
  b: SM2_CURVE.b,
  Gx: SM2_CURVE.Gx,
  Gy: SM2_CURVE.Gy,
})
type Point = InstanceType<typeof Sm2Point>

/** The default distinguishing ID of GM/T 0009 / GB/T 35276: "1234567812345678". */
const SM2_DEFAULT_ID = new TextEncoder().encode('1234567812345678')

const N = SM2_CURVE.n
const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m
  return r >= 0n ? r : r + m
}
const invN = (a: bigint): bigint => Sm2Point.Fn.inv(a)
const be32 = (x: bigint): Uint8Array => numberToBytesBE(x, 32)

// SM2 uses the curve in a fixed precomputed-window form for k·G (multiply is constant-time in noble).
Sm2Point.BASE.precompute(8)

/** Private key scalar d from 32 bytes; d must be in [1, n-2] (1 + d must be invertible). */
export function sm2PrivateScalar(privateKey: Uint8Array): bigint {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 private key must be 32 bytes')
  }
  const d = bytesToNumberBE(privateKey)
  if (d < 1n || d > N - 2n) throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 private key out of range [1, n-2]')
  return d
}

/** Parses an uncompressed public key 04||x||y (65 bytes) and checks it is on the curve and not infinity. */
export function sm2PublicPoint(publicKey: Uint8Array): Point {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65 || publicKey[0] !== 0x04) {
    throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 public key must be 65 bytes 04||x||y')
  }
  try {
    const P = Sm2Point.fromBytes(publicKey)
    P.assertValidity()
    return P
  } catch {
    throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 public key is not a point on the curve')
  }
}

export function sm2GeneratePrivateKey(): Uint8Array {
  // 48 random bytes reduced into [1, n-2]: bias ~2^-128 (FIPS 186-5 A.2.1 style).
  return mapHashToField(randomBytes(48), N - 1n)
}

export function sm2PublicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  const d = sm2PrivateScalar(privateKey)
  return Sm2Point.BASE.multiply(d).toBytes(false)
}

/** Z_A = SM3(ENTL_A || ID_A || a || b || xG || yG || xA || yA) (GB/T 32918.2 §5.5). */
export function sm2Za(P: Point, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  const entl = id.length * 8
  if (entl > 0xffff) throw new GovchainError('INVALID_ARGUMENT', 'SM2 distinguishing ID longer than 8191 bytes')
  const { x, y } = P.toAffine()
  return sm3
    .create()
    .update(Uint8Array.of(entl >>> 8, entl & 0xff))
    .update(id)
    .update(be32(SM2_CURVE.a))
    .update(be32(SM2_CURVE.b))
    .update(be32(SM2_CURVE.Gx))
    .update(be32(SM2_CURVE.Gy))
    .update(be32(x))
    .update(be32(y))
    .digest()
}

function sm2E(P: Point, message: Uint8Array, id: Uint8Array): bigint {
  return bytesToNumberBE(sm3.create().update(sm2Za(P, id)).update(message).digest())
}

/**
 * SM2 signature with a caller-chosen k, for the standard's fixed-k examples and tests only.
 * Returns null when this k is unusable (r = 0, r + k = n or s = 0) so the caller draws another.
 */
export function sm2SignWithK(
  privateKey: Uint8Array,
  message: Uint8Array,
  k: bigint,
  id: Uint8Array = SM2_DEFAULT_ID,
): Uint8Array | null {
  const d = sm2PrivateScalar(privateKey)
  if (k < 1n || k >= N) throw new GovchainError('INVALID_ARGUMENT', 'k out of range')
  const P = Sm2Point.BASE.multiply(d)
  const e = sm2E(P, message, id)
  const x1 = Sm2Point.BASE.multiply(k).toAffine().x
  const r = mod(e + x1, N)
  if (r === 0n || r + k === N) return null
  const s = mod(invN(1n + d) * (k - r * d), N)
  if (s === 0n) return null
  const out = new Uint8Array(64)
  out.set(be32(r), 0)
  out.set(be32(s), 32)
  return out
}

export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  sm2PrivateScalar(privateKey)
  // A failure needs probability ~2^-256 per try; the bound is only there so no loop is unbounded.
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = bytesToNumberBE(mapHashToField(randomBytes(48), N))
    const sig = sm2SignWithK(privateKey, message, k, id)
    if (sig !== null) return sig
  }
  throw new GovchainError('INVALID_ARGUMENT', 'SM2 signing failed to find a usable k')
}

/** Verifies a 64-byte r||s SM2 signature. Never throws: any malformed input gives false. */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  id: Uint8Array = SM2_DEFAULT_ID,
): boolean {
  try {
    if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64) return false
    const P = sm2PublicPoint(publicKey)
    const r = bytesToNumberBE(signature.subarray(0, 32))
    const s = bytesToNumberBE(signature.subarray(32, 64))
    if (r < 1n || r >= N || s < 1n || s >= N) return false
    const t = mod(r + s, N)
    if (t === 0n) return false
    const e = sm2E(P, message, id)
    const R1 = Sm2Point.BASE.mulAddUnsafe(s, P, t) // s·G + t·P_A (public scalars only)
    if (R1.is0()) return false
    return mod(e + R1.toAffine().x, N) === r
  } catch {
    return false
  }
}

/** KDF of GB/T 32918.4 §5.4.3: SM3(Z || ct) for ct = 1, 2, ..., truncated to `length` bytes. */
function sm2Kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length)
  const ctr = new Uint8Array(4)
  for (let off = 0, ct = 1; off < length; off += 32, ct++) {
    ctr[0] = ct >>> 24
    ctr[1] = ct >>> 16
    ctr[2] = ct >>> 8
    ctr[3] = ct
    const block = sm3.create().update(z).update(ctr).digest()
    out.set(block.subarray(0, Math.min(32, length - off)), off)
  }
  return out
}

const allZero = (b: Uint8Array): boolean => b.every((v) => v === 0)

/** SM2 encryption with a caller-chosen k (tests), ciphertext C1||C3||C2; null when this k is unusable. */
export function sm2EncryptWithK(publicKey: Uint8Array, plaintext: Uint8Array, k: bigint): Uint8Array | null {
  const P = sm2PublicPoint(publicKey)
  if (k < 1n || k >= N) throw new GovchainError('INVALID_ARGUMENT', 'k out of range')
  const C1 = Sm2Point.BASE.multiply(k).toBytes(false)
  const S = P.multiply(k)
  if (S.is0()) return null // h = 1, so S = [h]P_B is P_B itself; kP_B is never infinity for k in [1, n-1]
  const { x, y } = S.toAffine()
  const x2 = be32(x)
  const y2 = be32(y)
  const xy = new Uint8Array(64)
  xy.set(x2, 0)
  xy.set(y2, 32)
  const t = sm2Kdf(xy, plaintext.length)
  // An all-zero t would leak M; for an empty M there is nothing to hide (OpenSSL accepts it too).
  if (plaintext.length > 0 && allZero(t)) return null
  const out = new Uint8Array(65 + 32 + plaintext.length)
  out.set(C1, 0)
  out.set(sm3.create().update(x2).update(plaintext).update(y2).digest(), 65)
  for (let i = 0; i < plaintext.length; i++) out[97 + i] = plaintext[i]! ^ t[i]!
  return out
}

export function sm2Encrypt(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  sm2PublicPoint(publicKey)
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = bytesToNumberBE(mapHashToField(randomBytes(48), N))
    const ct = sm2EncryptWithK(publicKey, plaintext, k)
    if (ct !== null) return ct
  }
  throw new GovchainError('INVALID_ARGUMENT', 'SM2 encryption failed to find a usable k')
}

/** SM2 decryption of C1||C3||C2 (C1 = 04||x||y). Typed errors: INVALID_CIPHERTEXT, DECRYPT_FAILED. */
export function sm2Decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const d = sm2PrivateScalar(privateKey)
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < 97 || ciphertext[0] !== 0x04) {
    throw new GovchainError('CRYPTO_INVALID_CIPHERTEXT', 'SM2 ciphertext must be C1(65, 04||x||y)||C3(32)||C2')
  }
  let C1: Point
  try {
    C1 = Sm2Point.fromBytes(ciphertext.subarray(0, 65))
    C1.assertValidity()
  } catch {
    throw new GovchainError('CRYPTO_INVALID_CIPHERTEXT', 'SM2 ciphertext C1 is not a point on the curve')
  }
  const S = C1.multiply(d)
  if (S.is0()) throw new GovchainError('CRYPTO_DECRYPT_FAILED')
  const { x, y } = S.toAffine()
  const x2 = be32(x)
  const y2 = be32(y)
  const xy = new Uint8Array(64)
  xy.set(x2, 0)
  xy.set(y2, 32)
  const c2 = ciphertext.subarray(97)
  const t = sm2Kdf(xy, c2.length)
  if (c2.length > 0 && allZero(t)) throw new GovchainError('CRYPTO_DECRYPT_FAILED')
  const m = new Uint8Array(c2.length)
  for (let i = 0; i < m.length; i++) m[i] = c2[i]! ^ t[i]!
  const u = sm3.create().update(x2).update(m).update(y2).digest()
  let diff = 0
  for (let i = 0; i < 32; i++) diff |= u[i]! ^ ciphertext[65 + i]!
  if (diff !== 0) {
    m.fill(0)
    throw new GovchainError('CRYPTO_DECRYPT_FAILED')
  }
  return m
}
