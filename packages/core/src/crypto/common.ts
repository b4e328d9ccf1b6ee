/**
 * Shared pieces of both suite implementations (pure JS and Node fast path): input checks, size
 * limits, a bounded LRU, and the two constructions built from primitives — HPKE base mode
 * (RFC 9180) for intl public-key encryption and SM4-GCM for gm sealing. Each construction takes its primitives as parameters so the JS and Node suites run
 * the very same construction code and differ only in the primitive underneath.
 */

import { ghash } from '@noble/ciphers/_polyval.js'
import { LRUCache } from 'lru-cache'
import { concatBytes, equalBytes } from '../bytes.ts'
import { GovchainError } from '../errors.ts'

/** Largest plaintext accepted by encrypt/seal (and so the largest ciphertext decrypt/open accept, plus overhead). */
export const CRYPTO_PLAINTEXT_BYTES_MAX = 64 * 1024 * 1024

export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new GovchainError('INVALID_ARGUMENT', `${name} must be a Uint8Array`)
}

export function assertPlaintext(value: unknown, name: string): asserts value is Uint8Array {
  assertBytes(value, name)
  if (value.length > CRYPTO_PLAINTEXT_BYTES_MAX) {
    throw new GovchainError('INVALID_ARGUMENT', `${name} exceeds ${CRYPTO_PLAINTEXT_BYTES_MAX} bytes`, {
      lengthBytes: value.length,
      lengthBytesMax: CRYPTO_PLAINTEXT_BYTES_MAX,
    })
  }
}

export function assertCiphertext(value: unknown, overheadBytes: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new GovchainError('CRYPTO_INVALID_CIPHERTEXT', 'ciphertext must be a Uint8Array')
  if (value.length < overheadBytes || value.length > CRYPTO_PLAINTEXT_BYTES_MAX + overheadBytes) {
    throw new GovchainError('CRYPTO_INVALID_CIPHERTEXT', 'ciphertext length out of range', {
      lengthBytes: value.length,
      lengthBytesMin: overheadBytes,
    })
  }
}

export function assertKeyBytes(value: unknown, length: number, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new GovchainError('CRYPTO_INVALID_KEY', `${what} must be ${length} bytes`)
  }
}

/** Copies into a plain Uint8Array (Node returns Buffers, often views into a shared pool). */
export function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b)
}

/** Re-exported under the names the crypto code uses; one implementation lives in bytes.ts. */
export const concat = concatBytes
const constantTimeEqual = equalBytes

/**
 * A bounded least-recently-used map (lru-cache: O(1) per operation); parsed keys are cached here
 * so hot keys skip parsing. Not a Map with delete-the-first-key eviction: V8 leaves deleted
 * entries as holes at the front of a Map's table until it rehashes, so finding the oldest key
 * costs O(size), 34 µs per eviction at 200,000 entries (ADR 0012).
 */
export class Lru<K extends {}, V extends {}> {
  private readonly cache: LRUCache<K, V>
  /** `onEvict` sees each entry that leaves because the cache is full (not one that is replaced). */
  constructor(
    readonly entriesMax: number,
    onEvict?: (key: K, value: V) => void,
  ) {
    this.cache = new LRUCache<K, V>({
      max: entriesMax,
      ...(onEvict ? { dispose: (value: V, key: K, reason: string) => reason === 'evict' && onEvict(key, value) } : {}),
    })
  }
  get(key: K): V | undefined {
    return this.cache.get(key)
  }
  set(key: K, value: V): void {
    this.cache.set(key, value)
  }
  get size(): number {
    return this.cache.size
  }
}

const te = new TextEncoder()

// ---------------------------------------------------------------------------------------------
// intl encryption: HPKE (RFC 9180) base mode, single shot, suite
//   KEM  DHKEM(X25519, HKDF-SHA256)  kem_id 0x0020
//   KDF  HKDF-SHA256                  kdf_id 0x0001
//   AEAD AES-256-GCM                  aead_id 0x0002
// ciphertext = enc (32-byte ephemeral X25519 public key) || AEAD ciphertext || 16-byte tag,
// info = HPKE_INFO, aad = empty, sequence number 0.
// ---------------------------------------------------------------------------------------------

export const HPKE_INFO = te.encode('govchain/intl/encrypt/v1')

export interface HpkePrimitives {
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array
  /** X25519(scalar, u); must return the raw 32-byte shared secret (all-zero check is done here). */
  x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array
  x25519Base(scalar: Uint8Array): Uint8Array
  aeadSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array
  /** Returns null when authentication fails. */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | null
  randomBytes(n: number): Uint8Array
}

export interface HpkeSuiteIds {
  kemId: number
  kdfId: number
  aeadId: number
  /** AEAD key length Nk: 32 for AES-256-GCM (16 for AES-128-GCM, used by the RFC 9180 A.1 test). */
  nk: number
}

export const HPKE_GOVCHAIN: HpkeSuiteIds = { kemId: 0x0020, kdfId: 0x0001, aeadId: 0x0002, nk: 32 }

const i2osp2 = (n: number): Uint8Array => Uint8Array.of(n >>> 8, n & 0xff)
const HPKE_V1 = te.encode('HPKE-v1')

/** HKDF-Expand (RFC 5869 §2.3) over the primitive HMAC-SHA256. */
export function hkdfExpand(
  p: Pick<HpkePrimitives, 'hmacSha256'>,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const out = new Uint8Array(length)
  let t: Uint8Array = new Uint8Array(0)
  for (let off = 0, i = 1; off < length; off += 32, i++) {
    t = p.hmacSha256(prk, concat(t, info, Uint8Array.of(i)))
    out.set(t.subarray(0, Math.min(32, length - off)), off)
  }
  return out
}

/** HKDF-Extract (RFC 5869 §2.2): an empty salt means HashLen zero bytes. */
export function hkdfExtract(p: Pick<HpkePrimitives, 'hmacSha256'>, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return p.hmacSha256(salt.length === 0 ? new Uint8Array(32) : salt, ikm)
}

function labeledExtract(p: HpkePrimitives, suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array) {
  return hkdfExtract(p, salt, concat(HPKE_V1, suiteId, te.encode(label), ikm))
}

function labeledExpand(
  p: HpkePrimitives,
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
) {
  return hkdfExpand(p, prk, concat(i2osp2(length), HPKE_V1, suiteId, te.encode(label), info), length)
}

function dhkemSharedSecret(p: HpkePrimitives, ids: HpkeSuiteIds, dh: Uint8Array, kemContext: Uint8Array) {
  const kemSuite = concat(te.encode('KEM'), i2osp2(ids.kemId))
  const eaePrk = labeledExtract(p, kemSuite, new Uint8Array(0), 'eae_prk', dh)
  return labeledExpand(p, kemSuite, eaePrk, 'shared_secret', kemContext, 32)
}

function keySchedule(p: HpkePrimitives, ids: HpkeSuiteIds, sharedSecret: Uint8Array, info: Uint8Array) {
  const suite = concat(te.encode('HPKE'), i2osp2(ids.kemId), i2osp2(ids.kdfId), i2osp2(ids.aeadId))
  const empty = new Uint8Array(0)
  const pskIdHash = labeledExtract(p, suite, empty, 'psk_id_hash', empty)
  const infoHash = labeledExtract(p, suite, empty, 'info_hash', info)
  const context = concat(Uint8Array.of(0x00), pskIdHash, infoHash) // mode_base = 0
  const secret = labeledExtract(p, suite, sharedSecret, 'secret', empty)
  return {
    key: labeledExpand(p, suite, secret, 'key', context, ids.nk),
    baseNonce: labeledExpand(p, suite, secret, 'base_nonce', context, 12),
  }
}

const isAllZero = (b: Uint8Array): boolean => b.every((v) => v === 0)

/**
 * HPKE SealBase, single shot. `skE` may be given (tests with the RFC's fixed ephemeral key);
 * otherwise it is drawn fresh. Throws CRYPTO_INVALID_KEY when pkR yields an all-zero DH output.
 */
export function hpkeSealBase(
  p: HpkePrimitives,
  ids: HpkeSuiteIds,
  pkR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
  skE: Uint8Array = p.randomBytes(32),
): Uint8Array {
  const enc = p.x25519Base(skE)
  const dh = p.x25519(skE, pkR)
  if (isAllZero(dh)) throw new GovchainError('CRYPTO_INVALID_KEY', 'recipient key is of small order')
  const shared = dhkemSharedSecret(p, ids, dh, concat(enc, pkR))
  const { key, baseNonce } = keySchedule(p, ids, shared, info)
  return concat(enc, p.aeadSeal(key, baseNonce, aad, pt))
}

/** HPKE OpenBase, single shot. Typed errors: CRYPTO_INVALID_CIPHERTEXT, CRYPTO_DECRYPT_FAILED. */
export function hpkeOpenBase(
  p: HpkePrimitives,
  ids: HpkeSuiteIds,
  skR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (ciphertext.length < 32 + 16) throw new GovchainError('CRYPTO_INVALID_CIPHERTEXT', 'HPKE ciphertext too short')
  const enc = ciphertext.subarray(0, 32)
  const dh = p.x25519(skR, enc)
  if (isAllZero(dh)) throw new GovchainError('CRYPTO_INVALID_CIPHERTEXT', 'ephemeral key is of small order')
  const pkR = p.x25519Base(skR)
  const shared = dhkemSharedSecret(p, ids, dh, concat(enc, pkR))
  const { key, baseNonce } = keySchedule(p, ids, shared, info)
  const pt = p.aeadOpen(key, baseNonce, aad, ciphertext.subarray(32))
  if (pt === null) throw new GovchainError('CRYPTO_DECRYPT_FAILED')
  return pt
}

// ---------------------------------------------------------------------------------------------
// gm sealing: SM4-GCM (GCM of NIST SP 800-38D with SM4 as the block cipher; RFC 8998 A.1 vector).
// Node's OpenSSL 3.0 has no sm4-gcm, so GCM is assembled here from SM4 (block + CTR, native in
// Node) and GHASH (@noble/ciphers). sealed = nonce (12 random bytes) || ciphertext || tag (16).
// With a 12-byte nonce the CTR blocks are nonce || ctr32 starting at 2; the 32-bit counter cannot
// wrap because plaintexts are capped at CRYPTO_PLAINTEXT_BYTES_MAX (far below 2^32 blocks), so a
// 128-bit CTR increment (OpenSSL's sm4-ctr) gives the same keystream as GCM's inc32.
// ---------------------------------------------------------------------------------------------

export interface GmSealPrimitives {
  /** SM4 encryption of one 16-byte block. */
  sm4Block(key: Uint8Array, block: Uint8Array): Uint8Array
  sm4Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array
  randomBytes(n: number): Uint8Array
}

export const GCM_NONCE_BYTES = 12
export const GCM_TAG_BYTES = 16

function sm4GcmTag(p: GmSealPrimitives, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, c: Uint8Array) {
  const h = p.sm4Block(key, new Uint8Array(16))
  const lengths = new Uint8Array(16)
  const view = new DataView(lengths.buffer)
  view.setBigUint64(0, BigInt(aad.length) * 8n, false)
  view.setBigUint64(8, BigInt(c.length) * 8n, false)
  // noble's GHASH zero-pads each update to a block boundary, as GCM pads A and C separately.
  const s = ghash.create(h).update(aad).update(c).update(lengths).digest()
  const j0 = concat(nonce, Uint8Array.of(0, 0, 0, 1))
  const ek = p.sm4Block(key, j0)
  for (let i = 0; i < 16; i++) s[i]! ^= ek[i]!
  return s
}

/** SM4-GCM encryption with an explicit 12-byte nonce: ciphertext || tag. */
export function sm4GcmEncrypt(
  p: GmSealPrimitives,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
) {
  const c = p.sm4Ctr(key, concat(nonce, Uint8Array.of(0, 0, 0, 2)), pt)
  return concat(c, sm4GcmTag(p, key, nonce, aad, c))
}

/** SM4-GCM decryption of ciphertext || tag; null when authentication fails. */
export function sm4GcmDecrypt(
  p: GmSealPrimitives,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
): Uint8Array | null {
  if (ct.length < GCM_TAG_BYTES) return null
  const c = ct.subarray(0, ct.length - GCM_TAG_BYTES)
  if (!constantTimeEqual(sm4GcmTag(p, key, nonce, aad, c), ct.subarray(ct.length - GCM_TAG_BYTES))) return null
  return p.sm4Ctr(key, concat(nonce, Uint8Array.of(0, 0, 0, 2)), c)
}
