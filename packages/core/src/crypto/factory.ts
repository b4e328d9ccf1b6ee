/**
 * Builds the two CryptoSuite objects from primitives. The JS suites (js.ts) and the Node fast-path
 * suites (node.ts) both come from these factories, so argument checking, error mapping, key
 * formats and the constructions are one code path; only the primitives differ.
 */
import { GovchainError, isGovchainError } from '../errors.ts'
import {
  assertBytes,
  assertCiphertext,
  assertKeyBytes,
  assertPlaintext,
  concat,
  GCM_NONCE_BYTES,
  GCM_TAG_BYTES,
  type GmSealPrimitives,
  HPKE_GOVCHAIN,
  HPKE_INFO,
  type HpkePrimitives,
  hpkeOpenBase,
  hpkeSealBase,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
} from './common.ts'
import type { CryptoBackend, CryptoSuite, KeyPair } from './suite.ts'

const EMPTY = new Uint8Array(0)

/** Runs `f`; a non-Govchain error thrown by a primitive on bad input becomes `code`. */
function typed<T>(code: 'CRYPTO_INVALID_KEY' | 'CRYPTO_INVALID_CIPHERTEXT', f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (isGovchainError(e)) throw e
    throw new GovchainError(code)
  }
}

export interface GmPrimitives extends GmSealPrimitives {
  sm3(data: Uint8Array): Uint8Array
  hmacSm3(key: Uint8Array, data: Uint8Array): Uint8Array
  generatePrivateKey(): Uint8Array
  /** Validates the key: throws CRYPTO_INVALID_KEY. */
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array
  /** Never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  encrypt(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array
  decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array
}

export function makeGmSuite(backend: CryptoBackend, p: GmPrimitives): CryptoSuite {
  return Object.freeze({
    name: 'gm',
    backend,
    hashLength: 32,
    publicKeyLength: 65,
    signatureLength: 64,
    symmetricKeyLength: 16,
    hash(data: Uint8Array): Uint8Array {
      assertBytes(data, 'data')
      return p.sm3(data)
    },
    hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
      assertBytes(key, 'key')
      assertBytes(data, 'data')
      return p.hmacSm3(key, data)
    },
    generateKeyPair(): KeyPair {
      const privateKey = p.generatePrivateKey()
      return { privateKey, publicKey: p.publicKeyFromPrivate(privateKey) }
    },
    publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
      assertKeyBytes(privateKey, 32, 'SM2 private key')
      return typed('CRYPTO_INVALID_KEY', () => p.publicKeyFromPrivate(privateKey))
    },
    sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
      assertKeyBytes(privateKey, 32, 'SM2 private key')
      assertBytes(message, 'message')
      return typed('CRYPTO_INVALID_KEY', () => p.sign(privateKey, message))
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65) return false
      if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64)
        return false
      try {
        return p.verify(publicKey, message, signature)
      } catch {
        return false
      }
    },
    encrypt(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
      assertKeyBytes(recipientPublicKey, 65, 'SM2 public key')
      assertPlaintext(plaintext, 'plaintext')
      return typed('CRYPTO_INVALID_KEY', () => p.encrypt(recipientPublicKey, plaintext))
    },
    decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
      assertKeyBytes(privateKey, 32, 'SM2 private key')
      assertCiphertext(ciphertext, 97)
      return typed('CRYPTO_INVALID_CIPHERTEXT', () => p.decrypt(privateKey, ciphertext))
    },
    seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
      assertKeyBytes(key, 16, 'SM4 key')
      assertPlaintext(plaintext, 'plaintext')
      assertBytes(aad, 'aad')
      const nonce = p.randomBytes(GCM_NONCE_BYTES)
      return concat(nonce, sm4GcmEncrypt(p, key, nonce, aad, plaintext))
    },
    open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
      assertKeyBytes(key, 16, 'SM4 key')
      assertCiphertext(sealed, GCM_NONCE_BYTES + GCM_TAG_BYTES)
      assertBytes(aad, 'aad')
      const pt = sm4GcmDecrypt(p, key, sealed.subarray(0, GCM_NONCE_BYTES), aad, sealed.subarray(GCM_NONCE_BYTES))
      if (pt === null) throw new GovchainError('CRYPTO_DECRYPT_FAILED')
      return pt
    },
  } satisfies CryptoSuite)
}

export interface IntlPrimitives extends HpkePrimitives {
  sha256(data: Uint8Array): Uint8Array
  ed25519PublicKey(privateKey: Uint8Array): Uint8Array
  ed25519Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array
  /** Never throws. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  /** Ed25519 public key -> X25519 u-coordinate (birational map); throws on a malformed key. */
  edPublicToX25519(publicKey: Uint8Array): Uint8Array
  /** Ed25519 seed -> X25519 scalar: the clamped low half of SHA-512(seed), as RFC 8032 derives it. */
  edSecretToX25519(privateKey: Uint8Array): Uint8Array
}

export function makeIntlSuite(backend: CryptoBackend, p: IntlPrimitives): CryptoSuite {
  return Object.freeze({
    name: 'intl',
    backend,
    hashLength: 32,
    publicKeyLength: 32,
    signatureLength: 64,
    symmetricKeyLength: 32,
    hash(data: Uint8Array): Uint8Array {
      assertBytes(data, 'data')
      return p.sha256(data)
    },
    hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
      assertBytes(key, 'key')
      assertBytes(data, 'data')
      return p.hmacSha256(key, data)
    },
    generateKeyPair(): KeyPair {
      const privateKey = p.randomBytes(32)
      return { privateKey, publicKey: p.ed25519PublicKey(privateKey) }
    },
    publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
      assertKeyBytes(privateKey, 32, 'Ed25519 private key')
      return typed('CRYPTO_INVALID_KEY', () => p.ed25519PublicKey(privateKey))
    },
    sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
      assertKeyBytes(privateKey, 32, 'Ed25519 private key')
      assertBytes(message, 'message')
      return typed('CRYPTO_INVALID_KEY', () => p.ed25519Sign(privateKey, message))
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false
      if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64)
        return false
      try {
        return p.ed25519Verify(publicKey, message, signature)
      } catch {
        return false
      }
    },
    encrypt(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
      assertKeyBytes(recipientPublicKey, 32, 'Ed25519 public key')
      assertPlaintext(plaintext, 'plaintext')
      const pkR = typed('CRYPTO_INVALID_KEY', () => p.edPublicToX25519(recipientPublicKey))
      return typed('CRYPTO_INVALID_KEY', () => hpkeSealBase(p, HPKE_GOVCHAIN, pkR, HPKE_INFO, EMPTY, plaintext))
    },
    decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
      assertKeyBytes(privateKey, 32, 'Ed25519 private key')
      assertCiphertext(ciphertext, 32 + GCM_TAG_BYTES)
      const skR = p.edSecretToX25519(privateKey)
      return typed('CRYPTO_INVALID_CIPHERTEXT', () => hpkeOpenBase(p, HPKE_GOVCHAIN, skR, HPKE_INFO, EMPTY, ciphertext))
    },
    seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
      assertKeyBytes(key, 32, 'AES-256 key')
      assertPlaintext(plaintext, 'plaintext')
      assertBytes(aad, 'aad')
      const nonce = p.randomBytes(GCM_NONCE_BYTES)
      return concat(nonce, p.aeadSeal(key, nonce, aad, plaintext))
    },
    open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
      assertKeyBytes(key, 32, 'AES-256 key')
      assertCiphertext(sealed, GCM_NONCE_BYTES + GCM_TAG_BYTES)
      assertBytes(aad, 'aad')
      const pt = p.aeadOpen(key, sealed.subarray(0, GCM_NONCE_BYTES), aad, sealed.subarray(GCM_NONCE_BYTES))
      if (pt === null) throw new GovchainError('CRYPTO_DECRYPT_FAILED')
      return pt
    },
  } satisfies CryptoSuite)
}
