/**
 * Node fast paths. node:crypto (OpenSSL) for SHA-256, SM3, HMAC, SM4-CTR, AES-GCM, Ed25519 signing
 * and X25519; libsodium (sodium-native) for Ed25519 verification, twice as fast as OpenSSL 3.0's
 * (ADR 0013), else OpenSSL after the rule's encoding checks; the SM2 N-API addon
 * (packages/core/native) for SM2 sign/verify when it loaded, else the pure-JS SM2. Node's own
 * `crypto.sign` with an SM2-curve EC key computes ECDSA, not SM2, so it is never used for gm
 * signatures. Parsed keys are cached in bounded LRUs keyed by their bytes.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  hash as nodeHash,
  sign as nodeSign,
  verify as nodeVerify,
  randomBytes,
} from 'node:crypto'
import { createRequire } from 'node:module'
import { ed25519 } from '@noble/curves/ed25519.js'
import { GovchainError } from '../errors.ts'
import { Lru, plain } from './common.ts'
import { ed25519Acceptable } from './ed25519-rule.ts'
import { type GmPrimitives, type IntlPrimitives, makeGmSuite, makeIntlSuite } from './factory.ts'
import { sm2PrivateScalar } from './js/sm2.ts'
import { jsGmPrimitives } from './js.ts'
import type { CryptoSuite } from './suite.ts'

/**
 * One-shot digest without the addon: crypto.hash (Node >= 20.12) skips the Hash object
 * createHash builds per call, about a third less per hash of the sizes a node hashes most.
 */
const nodeDigest: (algorithm: 'sha256' | 'sm3', data: Uint8Array) => Uint8Array =
  typeof nodeHash === 'function'
    ? (algorithm, data) => plain(nodeHash(algorithm, data, 'buffer'))
    : (algorithm, data) => plain(createHash(algorithm).update(data).digest())

/** Public keys seen by a validator: the validator set plus active senders. */
const PUBLIC_KEY_CACHE_ENTRIES_MAX = 4096
/** A process signs with a handful of keys; keep few private keys parsed. */
const PRIVATE_KEY_CACHE_ENTRIES_MAX = 64
/**
 * An SM2 key gets its fixed-base table (54 KB, about five verifications' work) at its 8th
 * verification: validators, gateways and busy officers do, a citizen signing once does not.
 */
const SM2_TABULATE_AT_USE = 8
/** Keys with a table at most (7 MB); the least recently used loses its table first. */
const SM2_TABULATED_KEYS_MAX = 128

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

// ------------------------------------------------------------------ the SM2 addon

/** The addon's exports (packages/core/native/src/sm2.c). Handles are opaque externals owning an EVP_PKEY. */
export interface Sm2Native {
  /** 65-byte 04||x||y, or null when the private key is out of [1, n-2]. */
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array | null
  /** Handle for a valid 04||x||y point on the curve, or null. */
  parsePublicKey(publicKey: Uint8Array): object | null
  /** Handle for a valid private key (its public key is derived inside), or null. */
  parsePrivateKey(privateKey: Uint8Array): object | null
  /** SM2 signature r||s (64 bytes) with the default ID, SM3; null on an internal failure. */
  sign(handle: object, message: Uint8Array): Uint8Array | null
  /** GB/T 32918.2 §7.1 verification on arithmetic specialised for the SM2 curve (ADR 0035). */
  verify(handle: object, message: Uint8Array, signature: Uint8Array): boolean
  /** The same on OpenSSL's EC arithmetic, with the key's table if it has one (ADR 0010). */
  verifyEc(handle: object, message: Uint8Array, signature: Uint8Array): boolean
  /** The same verification through EVP (OpenSSL's SM2 implementation): the reference for tests. */
  verifyEvp(handle: object, message: Uint8Array, signature: Uint8Array): boolean
  /** Bit 0: OpenSSL accepts the 65-byte point; bit 1: the specialised arithmetic does (tests). */
  checkPublicKey(publicKey: Uint8Array): number
  /** Builds the public key's precomputed table for verifyEc (~80 KB; tests only since ADR 0035); false on failure. */
  precompute(handle: object): boolean
  /** Frees the key's table; the handle stays valid (verification without the table). */
  dropPrecompute(handle: object): void
  /**
   * Builds the key's fixed-base table for `verify` (54 KB): from then on its verifications add
   * table points instead of doubling, about 3.5 times faster (ADR 0035, amendment). False on failure.
   */
  tabulate(handle: object): boolean
  /** Frees the key's fixed-base table; the handle stays valid (verification without it). */
  untabulate(handle: object): void
  /** SHA-256 (0) or SM3 (1) of data[0, length) into out[0, 32), OpenSSL EVP with a reused context. */
  digest?(which: 0 | 1, data: Uint8Array, length: number, out: Uint8Array): void
  /** SM2 encryption (GB/T 32918.4, SM3) to C1||C3||C2 of a non-empty message; null on failure. */
  encrypt?(handle: object, plaintext: Uint8Array): Uint8Array | null
  /** SM2 decryption of C1||C3||C2 (C2 non-empty); null when it does not decrypt (C3 mismatch, bad C1). */
  decrypt?(handle: object, ciphertext: Uint8Array): Uint8Array | null
}

/**
 * Loads an optional native module, runs its self-test, and says why not when it cannot be used
 * (GOVCHAIN_CRYPTO_NATIVE=0, not built, not loadable, or a failed self-test): the caller then
 * uses its fallback.
 */
function loadOptional<T>(
  load: (require: NodeJS.Require) => T,
  selfTest: (m: T) => boolean,
): { module?: T; error?: string } {
  if (process.env.GOVCHAIN_CRYPTO_NATIVE === '0') return { error: 'disabled by GOVCHAIN_CRYPTO_NATIVE=0' }
  try {
    const m = load(createRequire(import.meta.url))
    return selfTest(m) ? { module: m } : { error: 'self-test failed' }
  } catch (e) {
    return { error: (e instanceof Error ? e.message.split('\n')[0] : undefined) ?? String(e) }
  }
}

// The GB/T 32918.5 example key, its signature of "message digest", and that signature with one
// bit flipped: the addon's self-tests.
const SM2_EXAMPLE = (() => {
  const sig = Buffer.from(
    'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
    'hex',
  )
  const bad = Buffer.from(sig)
  bad[63]! ^= 1
  return {
    privateKey: Buffer.from('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8', 'hex'),
    msg: Buffer.from('message digest'),
    sig,
    bad,
  }
})()

/** The example key's handle in `addon` (null: the addon cannot derive or parse it). */
function exampleHandle(addon: Sm2Native): object | null {
  const pub = addon.publicKeyFromPrivate(SM2_EXAMPLE.privateKey)
  return pub === null ? null : addon.parsePublicKey(pub)
}

// Self-test at load: a broken build must not be used.
const sm2Load = loadOptional(
  (require) => require('../../native/build/Release/govchain_sm2.node') as Sm2Native,
  (addon) => {
    const { msg, sig, bad } = SM2_EXAMPLE
    const handle = exampleHandle(addon)
    if (handle === null) return false
    return addon.verify(handle, msg, sig) && addon.verifyEc(handle, msg, sig) && !addon.verify(handle, msg, bad)
  },
)

/**
 * The fixed-base tables' self-test, made when the first key earns a table rather than at load: a
 * process that never verifies one key again and again (a CLI call) never builds the generator's
 * table (0.5-0.7 ms, 54 KB). If it fails, keys are verified without tables, which is still correct.
 */
function sm2TablesWork(addon: Sm2Native): boolean {
  const { msg, sig, bad } = SM2_EXAMPLE
  const handle = exampleHandle(addon)
  if (handle === null) return false
  const ok = addon.tabulate(handle) && addon.verify(handle, msg, sig) && !addon.verify(handle, msg, bad)
  addon.untabulate(handle)
  return ok
}
const nativeError = sm2Load.error

export const sm2Native: Sm2Native | undefined = sm2Load.module

/**
 * Inputs up to this size are copied into one off-heap scratch before the addon reads them: V8
 * keeps typed arrays of up to 64 bytes on its heap and must move one out before native code can
 * see its bytes; a copy of a few dozen bytes costs less.
 */
const DIGEST_SCRATCH_BYTES = 256
const digestIn = new Uint8Array(new ArrayBuffer(DIGEST_SCRATCH_BYTES))
const digestOut = new Uint8Array(new ArrayBuffer(32))

/**
 * Hashing through the addon (Sm2Native.digest): about half of crypto.hash's cost for the short
 * inputs a node hashes most (state-tree nodes, Merkle leaves, transactions): no Buffer per
 * result, no algorithm lookup per call. The result is a fresh array of its own. Used when the
 * addon has `digest` and reproduces the FIPS 180-2 and GB/T 32905 "abc" vectors; else
 * crypto.hash.
 */
function addonDigest(addon: Sm2Native): ((algorithm: 'sha256' | 'sm3', data: Uint8Array) => Uint8Array) | undefined {
  const native = addon.digest
  if (typeof native !== 'function') return undefined
  const run = (algorithm: 'sha256' | 'sm3', data: Uint8Array): Uint8Array => {
    const n = data.length
    if (n <= DIGEST_SCRATCH_BYTES) {
      digestIn.set(data)
      native.call(addon, algorithm === 'sha256' ? 0 : 1, digestIn, n, digestOut)
    } else native.call(addon, algorithm === 'sha256' ? 0 : 1, data, n, digestOut)
    const out = new Uint8Array(32)
    out.set(digestOut)
    return out
  }
  try {
    const abc = new Uint8Array([0x61, 0x62, 0x63])
    const ok =
      hex(run('sha256', abc)) === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' &&
      hex(run('sm3', abc)) === '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0'
    return ok ? run : undefined
  } catch {
    return undefined
  }
}

const digest: (algorithm: 'sha256' | 'sm3', data: Uint8Array) => Uint8Array =
  (sm2Native && addonDigest(sm2Native)) ?? nodeDigest

/** Where suite.hash runs: the addon, or Node's crypto (bench and start-log figures). */
export function digestBackend(): 'addon' | 'node' {
  return digest === nodeDigest ? 'node' : 'addon'
}

export function nativeLoadError(): string | undefined {
  return nativeError
}

/** A parsed SM2 public key (null: not a valid point, which stays invalid). */
interface Sm2PublicEntry {
  handle: object | null
  /** Verifications since it was parsed or lost its table. */
  uses: number
  tabulated: boolean
}

function nativeGmSignVerify(
  addon: Sm2Native,
): Pick<GmPrimitives, 'publicKeyFromPrivate' | 'sign' | 'verify'> & Partial<Pick<GmPrimitives, 'encrypt' | 'decrypt'>> {
  const pubCache = new Lru<string, Sm2PublicEntry>(PUBLIC_KEY_CACHE_ENTRIES_MAX)
  const privCache = new Lru<string, object>(PRIVATE_KEY_CACHE_ENTRIES_MAX)
  const privateHandle = (privateKey: Uint8Array): object => {
    const k = hex(privateKey)
    let h = privCache.get(k)
    if (h === undefined) {
      sm2PrivateScalar(privateKey) // typed range check before OpenSSL sees it
      const parsed = addon.parsePrivateKey(privateKey)
      if (parsed === null) throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 private key rejected')
      h = parsed
      privCache.set(k, h)
    }
    return h
  }
  const publicEntryOf = (k: string, publicKey: Uint8Array): Sm2PublicEntry => {
    let e = pubCache.get(k)
    if (e === undefined) {
      // null (invalid point) is cached too: invalid stays invalid
      e = { handle: addon.parsePublicKey(publicKey), uses: 0, tabulated: false }
      pubCache.set(k, e)
    }
    return e
  }
  const publicEntry = (publicKey: Uint8Array): Sm2PublicEntry => publicEntryOf(hex(publicKey), publicKey)
  // Keys with a fixed-base table, most recently verified last; one that leaves loses its table and
  // may earn it again.
  const tabulated = new Lru<string, Sm2PublicEntry>(SM2_TABULATED_KEYS_MAX, (_k, e) => {
    if (e.handle !== null) addon.untabulate(e.handle)
    e.tabulated = false
    e.uses = 0
  })
  let tablesOk: boolean | undefined
  const tablesWork = (): boolean => {
    if (tablesOk === undefined) tablesOk = sm2TablesWork(addon)
    return tablesOk
  }
  const { encrypt, decrypt } = addon
  return {
    // Encryption through OpenSSL (issue 19: the pure-JS path cost ~9.5 ms per gateway response);
    // the empty message, which OpenSSL refuses, and every error case keep the JS path's typed errors.
    ...(encrypt === undefined || decrypt === undefined
      ? {}
      : {
          encrypt(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
            const e = publicEntry(publicKey)
            if (e.handle === null || plaintext.length === 0) return jsGmPrimitives.encrypt(publicKey, plaintext)
            const ct = encrypt.call(addon, e.handle, plaintext)
            return ct === null ? jsGmPrimitives.encrypt(publicKey, plaintext) : plain(ct)
          },
          decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
            const h = privateHandle(privateKey)
            if (!(ciphertext instanceof Uint8Array) || ciphertext.length <= 97 || ciphertext[0] !== 0x04) {
              return jsGmPrimitives.decrypt(privateKey, ciphertext)
            }
            if (publicEntry(ciphertext.subarray(0, 65)).handle === null) {
              throw new GovchainError('CRYPTO_INVALID_CIPHERTEXT', 'SM2 ciphertext C1 is not a point on the curve')
            }
            const m = decrypt.call(addon, h, ciphertext)
            if (m === null) throw new GovchainError('CRYPTO_DECRYPT_FAILED')
            return plain(m)
          },
        }),
    publicKeyFromPrivate(privateKey) {
      const pub = addon.publicKeyFromPrivate(privateKey)
      if (pub === null) throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 private key out of range [1, n-2]')
      return plain(pub)
    },
    sign(privateKey, message) {
      const sig = addon.sign(privateHandle(privateKey), message)
      if (sig === null) throw new GovchainError('CRYPTO_INVALID_KEY', 'SM2 signing failed')
      return plain(sig)
    },
    // Every key on the specialised arithmetic (ADR 0035); a key verified again and again with its
    // fixed-base table (the amendment): no doublings, about 3.5 times faster.
    verify(publicKey, message, signature) {
      const k = hex(publicKey)
      const e = publicEntryOf(k, publicKey)
      if (e.handle === null) return false
      if (e.tabulated) tabulated.get(k)
      else if (++e.uses === SM2_TABULATE_AT_USE && tablesWork() && addon.tabulate(e.handle)) {
        e.tabulated = true
        tabulated.set(k, e)
      }
      return addon.verify(e.handle, message, signature)
    },
  }
}

// ------------------------------------------------------------------ gm

const randomPlain = (n: number): Uint8Array => plain(randomBytes(n))

const nodeGmPrimitives: GmPrimitives = {
  ...jsGmPrimitives, // key generation stays pure JS; SM2 encryption too without the addon
  sm3: (data) => digest('sm3', data),
  hmacSm3: (key, data) => plain(createHmac('sm3', key).update(data).digest()),
  sm4Block: (key, block) => {
    const c = createCipheriv('sm4-ecb', key, null)
    c.setAutoPadding(false)
    return plain(c.update(block))
  },
  sm4Ctr: (key, iv, data) => {
    const c = createCipheriv('sm4-ctr', key, iv)
    return plain(Buffer.concat([c.update(data), c.final()]))
  },
  randomBytes: randomPlain,
  ...(sm2Native ? nativeGmSignVerify(sm2Native) : {}),
}

// ------------------------------------------------------------------ intl

/** The part of sodium-native used here. */
interface SodiumVerify {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}

// Self-test: RFC 8032 7.1 TEST 2 verifies, and the same signature on another message does not.
const sodiumLoad = loadOptional(
  (require) => require('sodium-native') as SodiumVerify,
  (sodium) => {
    const pub = Buffer.from('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', 'hex')
    const sig = Buffer.from(
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      'hex',
    )
    return (
      sodium.crypto_sign_verify_detached(sig, Buffer.of(0x72), pub) &&
      !sodium.crypto_sign_verify_detached(sig, Buffer.of(0x73), pub)
    )
  },
)
const sodiumError = sodiumLoad.error
const sodium = sodiumLoad.module

/** 'libsodium' when Ed25519 verification runs on sodium-native, else 'openssl'; and why not. */
export function ed25519Backend(): { backend: 'libsodium' | 'openssl'; error?: string } {
  return sodium ? { backend: 'libsodium' } : { backend: 'openssl', ...(sodiumError ? { error: sodiumError } : {}) }
}

// sodium-native takes any typed array: no Buffer views to make per call.
const ed25519VerifySodium = sodium
  ? (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean => sodium.crypto_sign_verify_detached(sig, msg, pub)
  : undefined

/** OpenSSL checks S < L and the cofactorless equation; the rule's encoding checks come first. */
function ed25519VerifyOpenSsl(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  return ed25519Acceptable(pub, sig) && nodeVerify(null, msg, edPublicKeyObject(pub), sig)
}

// DER prefixes of PKCS#8 for raw 32-byte Ed25519 and X25519 private keys (RFC 8410); public keys go through JWK.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex')
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')

const edPrivCache = new Lru<string, KeyObject>(PRIVATE_KEY_CACHE_ENTRIES_MAX)
const edPubCache = new Lru<string, KeyObject>(PUBLIC_KEY_CACHE_ENTRIES_MAX)

function edPrivateKeyObject(privateKey: Uint8Array): KeyObject {
  const k = hex(privateKey)
  let ko = edPrivCache.get(k)
  if (ko === undefined) {
    ko = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, privateKey]), format: 'der', type: 'pkcs8' })
    edPrivCache.set(k, ko)
  }
  return ko
}

/**
 * A raw 32-byte OKP public key as a KeyObject, through JWK: OpenSSL 3's DER decoder takes about
 * 80 µs per key here, the JWK import about 11 µs, for the same raw key (both end in
 * EVP_PKEY_new_raw_public_key; nothing is checked beyond the length, as with DER). The first
 * transaction of a new sender paid the difference on every validator.
 */
function okpPublicKey(crv: 'Ed25519' | 'X25519', raw: Uint8Array): KeyObject {
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')
  return createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' })
}

function edPublicKeyObject(publicKey: Uint8Array): KeyObject {
  const k = hex(publicKey)
  let ko = edPubCache.get(k)
  if (ko === undefined) {
    ko = okpPublicKey('Ed25519', publicKey)
    edPubCache.set(k, ko)
  }
  return ko
}

const rawPublic = (ko: KeyObject): Uint8Array => plain(ko.export({ format: 'der', type: 'spki' }).subarray(-32))
const xPriv = (scalar: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([X25519_PKCS8, scalar]), format: 'der', type: 'pkcs8' })
const gcmName = (key: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' => (key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm')

const nodeIntlPrimitives: IntlPrimitives = {
  sha256: (data) => digest('sha256', data),
  hmacSha256: (key, data) => plain(createHmac('sha256', key).update(data).digest()),
  randomBytes: randomPlain,
  ed25519PublicKey: (priv) => rawPublic(createPublicKey(edPrivateKeyObject(priv))),
  ed25519Sign: (priv, msg) => plain(nodeSign(null, msg, edPrivateKeyObject(priv))),
  ed25519Verify: ed25519VerifySodium ?? ed25519VerifyOpenSsl,
  // The Edwards→Montgomery maps are pure arithmetic on public data or a hash; Node has no API for them.
  edPublicToX25519: (pub) => ed25519.utils.toMontgomery(pub),
  edSecretToX25519: (priv) => ed25519.utils.toMontgomerySecret(priv),
  x25519: (scalar, u) =>
    plain(
      diffieHellman({
        privateKey: xPriv(scalar),
        publicKey: okpPublicKey('X25519', u),
      }),
    ),
  x25519Base: (scalar) => rawPublic(createPublicKey(xPriv(scalar))),
  aeadSeal: (key, nonce, aad, pt) => {
    const c = createCipheriv(gcmName(key), key, nonce, { authTagLength: 16 })
    c.setAAD(aad)
    return plain(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]))
  },
  aeadOpen: (key, nonce, aad, ct) => {
    if (ct.length < 16) return null
    try {
      const d = createDecipheriv(gcmName(key), key, nonce, { authTagLength: 16 })
      d.setAAD(aad)
      d.setAuthTag(ct.subarray(ct.length - 16))
      return plain(Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]))
    } catch {
      return null
    }
  },
}

export const nodeSuites: { readonly gm: CryptoSuite; readonly intl: CryptoSuite } = Object.freeze({
  gm: makeGmSuite(sm2Native ? 'native' : 'node', nodeGmPrimitives),
  intl: makeIntlSuite('node', nodeIntlPrimitives),
})

/** The primitive tables, for the vector tests that exercise primitives below the suite API. */
export const nodePrimitives = { gm: nodeGmPrimitives, intl: nodeIntlPrimitives }

/** The node's Ed25519 verifications, each backend on its own: for the differential tests. */
export const ed25519Verifiers: {
  readonly libsodium: ((pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean) | undefined
  readonly openssl: (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean
} = Object.freeze({
  libsodium: ed25519VerifySodium,
  openssl: ed25519VerifyOpenSsl,
})
