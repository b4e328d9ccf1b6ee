/**
 * The crypto-suite contract. A chain fixes its suite at genesis; every hash, signature and
 * encryption in govchain goes through this interface, never through an algorithm directly.
 *
 *   gm:   SM3 (GB/T 32905), SM2 signatures with the default distinguishing ID
 *         "1234567812345678" over SM3(Z||M) (GB/T 32918.2), SM2 encryption C1||C3||C2
 *         (GB/T 32918.4), SM4 (GB/T 32907) for symmetric sealing.
 *   intl: SHA-256, Ed25519 (RFC 8032), X25519 + HKDF-SHA256 + AES-256-GCM, AES-256-GCM.
 */
export type SuiteName = 'gm' | 'intl'

export interface KeyPair {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

export interface CryptoSuite {
  readonly name: SuiteName
  /** 32 for both suites. */
  readonly hashLength: number
  /** gm: 65 (04||x||y); intl: 32. */
  readonly publicKeyLength: number
  /** 64 for both suites (gm: r||s; intl: Ed25519). */
  readonly signatureLength: number
  /** Symmetric key length for seal/open: 16 (SM4) | 32 (AES-256). */
  readonly symmetricKeyLength: number

  hash(data: Uint8Array): Uint8Array
  /** HMAC with the suite's hash (HMAC-SM3 | HMAC-SHA256): keyed pseudonyms, MACs. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array
  generateKeyPair(): KeyPair
  /** Throws CRYPTO_INVALID_KEY on a malformed private key. */
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array
  /** Never throws: malformed keys or signatures verify as false. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  encrypt(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array
  decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array
  seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  open(key: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array
}
