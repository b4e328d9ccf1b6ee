/**
 * The pure-JS suites: run everywhere (browsers included) and are the reference the Node fast
 * paths are tested against. EC math from @noble/curves, hashes/HKDF from @noble/hashes, AES-GCM
 * from @noble/ciphers; SM3/SM4/SM2 in ./js (proven by the standards' vectors).
 */
import { gcm } from '@noble/ciphers/aes.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { ed25519VerifyRule } from './ed25519-rule.ts'
import { type GmPrimitives, type IntlPrimitives, makeGmSuite, makeIntlSuite } from './factory.ts'
import { sm2Decrypt, sm2Encrypt, sm2GeneratePrivateKey, sm2PublicKeyFromPrivate, sm2Sign, sm2Verify } from './js/sm2.ts'
import { sm3 } from './js/sm3.ts'
import { sm4Ctr, sm4EncryptBlock } from './js/sm4.ts'
import type { CryptoSuite } from './suite.ts'

export const jsGmPrimitives: GmPrimitives = {
  sm3: (data) => sm3(data),
  hmacSm3: (key, data) => hmac(sm3, key, data),
  sm4Ctr,
  sm4Block: sm4EncryptBlock,
  randomBytes: (n) => randomBytes(n),
  generatePrivateKey: sm2GeneratePrivateKey,
  publicKeyFromPrivate: sm2PublicKeyFromPrivate,
  sign: (priv, msg) => sm2Sign(priv, msg),
  verify: (pub, msg, sig) => sm2Verify(pub, msg, sig),
  encrypt: sm2Encrypt,
  decrypt: sm2Decrypt,
}

export const jsIntlPrimitives: IntlPrimitives = {
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  randomBytes: (n) => randomBytes(n),
  ed25519PublicKey: (priv) => ed25519.getPublicKey(priv),
  ed25519Sign: (priv, msg) => ed25519.sign(msg, priv),
  // govchain's acceptance rule (ed25519-rule.ts), the same verdicts as the node's libsodium.
  ed25519Verify: ed25519VerifyRule,
  edPublicToX25519: (pub) => ed25519.utils.toMontgomery(pub),
  edSecretToX25519: (priv) => ed25519.utils.toMontgomerySecret(priv),
  x25519: (scalar, u) => x25519.scalarMult(scalar, u),
  x25519Base: (scalar) => x25519.scalarMultBase(scalar),
  aeadSeal: (key, nonce, aad, pt) => gcm(key, nonce, aad).encrypt(pt),
  aeadOpen: (key, nonce, aad, ct) => {
    try {
      return gcm(key, nonce, aad).decrypt(ct)
    } catch {
      return null
    }
  },
}

/** The pure-JS suites, exported so tests and benchmarks can run them beside the fast paths. */
export const jsSuites: { readonly gm: CryptoSuite; readonly intl: CryptoSuite } = Object.freeze({
  gm: makeGmSuite('js', jsGmPrimitives),
  intl: makeIntlSuite('js', jsIntlPrimitives),
})
