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

/**
 * Which implementation runs: 'native' = the SM2 N-API addon over Node's OpenSSL (gm sign/verify),
 * 'node' = node:crypto fast paths with pure-JS EC where Node has none, 'js' = pure JS (browsers,
 * and the reference the fast paths are tested against).
 */
export type CryptoBackend = 'native' | 'node' | 'js'

export interface CryptoSuite {
  readonly name: SuiteName
  readonly backend: CryptoBackend
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
  /**
   * Public-key encryption to the recipient's suite key (the same key pair that signs).
   * gm: SM2 encryption, C1||C3||C2. intl: HPKE base mode (RFC 9180) DHKEM(X25519, HKDF-SHA256),
   * HKDF-SHA256, AES-256-GCM, to the X25519 form of the recipient's Ed25519 key (docs/adr/0003).
   * Throws CRYPTO_INVALID_KEY on a malformed recipient key.
   */
  encrypt(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Throws CRYPTO_INVALID_KEY, CRYPTO_INVALID_CIPHERTEXT (malformed) or CRYPTO_DECRYPT_FAILED (authentication). */
  decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array
  /**
   * Symmetric AEAD: nonce (12 random bytes) || ciphertext || tag (16). gm: SM4-GCM (RFC 8998);
   * intl: AES-256-GCM. Throws CRYPTO_INVALID_KEY; open also CRYPTO_INVALID_CIPHERTEXT / CRYPTO_DECRYPT_FAILED.
   */
  seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  open(key: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array
}
