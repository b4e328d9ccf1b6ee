/**
 * The encrypted keystore: one suite private key in a JSON file, encrypted under a key derived
 * from a passphrase (docs/adr/0023-key-custody.md). The layout is EIP-2335's (`crypto.kdf` and
 * `crypto.cipher` modules of `function`, `params`, `message`), adapted:
 *
 *   gm:   kdf PBKDF2 (RFC 8018) with HMAC-SM3, 16-byte key; cipher SM4-GCM (RFC 8998)
 *   intl: kdf scrypt (RFC 7914), 32-byte key;               cipher AES-256-GCM (SP 800-38D)
 *
 * The cipher is an AEAD, so EIP-2335's separate checksum module is dropped: the GCM tag is the
 * check, and a wrong passphrase fails it (KEYSTORE_WRONG_PASSPHRASE). The associated data binds
 * the header (format, suite, public key, KDF and its parameters, cipher), so a file whose public
 * key or KDF cost was edited does not open either. The passphrase is normalised as EIP-2335
 * says: NFKD, then C0, C1 and Delete control codes removed, then UTF-8.
 *
 * Browser-safe: the portal imports keystore files with the same code.
 */
import { platformKdfs, platformSuites } from '#crypto-platform'
import { fromHex, toHex, utf8 } from '../bytes.ts'
import { GovchainError } from '../errors.ts'
import type { PasswordKdfs } from './kdf.ts'
import type { CryptoSuite, SuiteName } from './suite.ts'

export const KEYSTORE_KIND = 'govchain-keystore'
export const KEYSTORE_VERSION = 1

export interface Pbkdf2Module {
  function: 'pbkdf2'
  params: { prf: 'hmac-sm3'; c: number; dklen: 16; salt: string }
  message: ''
}

export interface ScryptModule {
  function: 'scrypt'
  params: { n: number; r: number; p: number; dklen: 32; salt: string }
  message: ''
}

export interface KeystoreFile {
  kind: typeof KEYSTORE_KIND
  version: typeof KEYSTORE_VERSION
  suite: SuiteName
  /** The key's public key (hex): readable without the passphrase, bound to the ciphertext. */
  publicKey: string
  /** Free text, e.g. "validator key of node market" (never a secret). */
  description?: string
  crypto: {
    kdf: Pbkdf2Module | ScryptModule
    /** `message`: hex of ciphertext || 16-byte tag. */
    cipher: { function: 'sm4-gcm' | 'aes-256-gcm'; params: { iv: string }; message: string }
  }
}

/**
 * What `encryptKeystore` uses unless told otherwise. PBKDF2: OWASP's 600,000 iterations for
 * HMAC-SHA256, applied to HMAC-SM3 (same block and output size). scrypt: OWASP's N=2^17, r=8,
 * p=1 (128 MiB). Each costs a few hundred milliseconds, once per process start.
 */
export const KEYSTORE_KDF_DEFAULTS = {
  gm: { c: 600_000 },
  intl: { n: 2 ** 17, r: 8, p: 1 },
} as const

/** What a keystore may ask of the machine that opens it (a hostile file cannot make it spin for hours or take gigabytes). */
export const KEYSTORE_LIMITS = {
  pbkdf2IterationsMax: 10_000_000,
  scryptNMax: 2 ** 20,
  scryptRMax: 32,
  scryptPMax: 16,
  scryptMemoryBytesMax: 1024 * 1024 * 1024,
  saltBytesMin: 16,
  saltBytesMax: 64,
  /** encryptKeystore refuses a shorter passphrase (after normalisation, in characters). */
  passphraseCharsMin: 8,
  fileBytesMax: 64 * 1024,
} as const

const IV_BYTES = 12
const TAG_BYTES = 16
const SALT_BYTES = 32
const SUITE_CIPHER = { gm: 'sm4-gcm', intl: 'aes-256-gcm' } as const

/** EIP-2335's password normalisation: NFKD, control codes (C0, C1, Delete) removed, UTF-8. */
export function normalizePassphrase(passphrase: string): Uint8Array {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control codes is the point
  return utf8(passphrase.normalize('NFKD').replace(/[\u0000-\u001f\u007f-\u009f]/g, ''))
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n)
  globalThis.crypto.getRandomValues(b)
  return b
}

export interface EncryptKeystoreOptions {
  description?: string
  /** KDF cost other than KEYSTORE_KDF_DEFAULTS (tests; within KEYSTORE_LIMITS). */
  kdf?: { c?: number; n?: number; r?: number; p?: number }
  kdfs?: PasswordKdfs
}

/** Encrypts a suite private key under a passphrase. Throws CRYPTO_INVALID_KEY, INVALID_ARGUMENT (passphrase too short). */
export function encryptKeystore(
  suiteName: SuiteName,
  privateKey: Uint8Array,
  passphrase: string,
  opts: EncryptKeystoreOptions = {},
): KeystoreFile {
  const suite = platformSuites[suiteName]
  if (suite === undefined) throw new GovchainError('CRYPTO_UNKNOWN_SUITE', `unknown crypto suite: ${suiteName}`)
  const publicKey = suite.publicKeyFromPrivate(privateKey)
  checkPassphrase(passphrase)
  const kdf = newKdf(suiteName, opts)
  const header = {
    kind: KEYSTORE_KIND,
    version: KEYSTORE_VERSION,
    suite: suiteName,
    publicKey: toHex(publicKey),
    cipherFunction: SUITE_CIPHER[suiteName],
  } as const
  return {
    kind: KEYSTORE_KIND,
    version: KEYSTORE_VERSION,
    suite: suiteName,
    publicKey: header.publicKey,
    ...(opts.description === undefined ? {} : { description: opts.description }),
    crypto: seal(suite, kdf, header, privateKey, passphrase, opts),
  }
}

/**
 * The `crypto` member of a keystore: `plaintext` sealed (SM4-GCM / AES-256-GCM) under the key
 * `kdf` derives from the passphrase, the header and KDF parameters bound as associated data.
 */
function seal(
  suite: CryptoSuite,
  kdf: Pbkdf2Module | ScryptModule,
  header: Parameters<typeof associatedData>[0] & { cipherFunction: (typeof SUITE_CIPHER)[SuiteName] },
  plaintext: Uint8Array,
  passphrase: string,
  opts: EncryptKeystoreOptions,
): KeystoreFile['crypto'] {
  const key = deriveKey(kdf, normalizePassphrase(passphrase), opts.kdfs ?? platformKdfs)
  const sealed = suite.seal(key, plaintext, associatedData(header, kdf))
  key.fill(0)
  return {
    kdf,
    cipher: {
      function: header.cipherFunction,
      params: { iv: toHex(sealed.subarray(0, IV_BYTES)) },
      message: toHex(sealed.subarray(IV_BYTES)),
    },
  }
}

/** True when `json` claims to be a govchain keystore (it may still be malformed). */
export function isKeystoreFile(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === KEYSTORE_KIND
}

/** The checked header of a keystore, without opening it. Throws KEYSTORE_INVALID. */
export function readKeystoreHeader(json: unknown): KeystoreFile {
  const k = json as KeystoreFile
  const bad = (why: string): never => {
    throw new GovchainError('KEYSTORE_INVALID', `keystore: ${why}`)
  }
  if (!isKeystoreFile(json)) bad(`not a ${KEYSTORE_KIND} file`)
  if (k.version !== KEYSTORE_VERSION)
    bad(`version ${String(k.version)} is not supported (this reads ${KEYSTORE_VERSION})`)
  if (k.suite !== 'gm' && k.suite !== 'intl') bad('suite must be gm or intl')
  if (typeof k.publicKey !== 'string' || !isHex(k.publicKey, platformSuites[k.suite].publicKeyLength)) {
    bad('publicKey must be the hex of a suite public key')
  }
  if (k.description !== undefined && typeof k.description !== 'string') bad('description must be text')
  checkCryptoMember(k.suite, k.crypto, bad)
  const c = k.crypto.cipher
  if (typeof c.message !== 'string' || !isHex(c.message) || c.message.length < 2 * (TAG_BYTES + 1)) {
    bad('cipher message must be the hex of ciphertext and tag')
  }
  return k
}

/**
 * Opens a keystore. Throws KEYSTORE_INVALID (malformed, unsupported or over KEYSTORE_LIMITS) or
 * KEYSTORE_WRONG_PASSPHRASE (authentication failed: a wrong passphrase, or an edited file).
 */
export function decryptKeystore(
  json: unknown,
  passphrase: string,
  kdfs: PasswordKdfs = platformKdfs,
): { suite: SuiteName; publicKey: Uint8Array; privateKey: Uint8Array } {
  const k = readKeystoreHeader(json)
  const suite = platformSuites[k.suite]
  const header = {
    kind: KEYSTORE_KIND,
    version: KEYSTORE_VERSION,
    suite: k.suite,
    publicKey: k.publicKey.toLowerCase(),
    cipherFunction: k.crypto.cipher.function,
  }
  const privateKey = unseal(suite, k.crypto, header, passphrase, kdfs, 'keystore')
  let publicKey: Uint8Array
  try {
    publicKey = suite.publicKeyFromPrivate(privateKey)
  } catch {
    throw new GovchainError('KEYSTORE_INVALID', 'keystore: the decrypted key is not a suite private key')
  }
  if (toHex(publicKey) !== header.publicKey) {
    throw new GovchainError('KEYSTORE_INVALID', 'keystore: the decrypted key does not match publicKey')
  }
  return { suite: k.suite, publicKey, privateKey }
}

/** The checks of a `crypto` member both keystore kinds share: KDF, cipher for the suite, iv. */
function checkCryptoMember(suite: SuiteName, crypto: KeystoreFile['crypto'] | undefined, bad: (why: string) => never) {
  if (typeof crypto !== 'object' || crypto === null) bad('crypto is missing')
  checkKdf(suite, crypto.kdf)
  const c = crypto.cipher
  if (typeof c !== 'object' || c === null || c.function !== SUITE_CIPHER[suite]) {
    bad(`cipher must be ${SUITE_CIPHER[suite]} for the ${suite} suite`)
  }
  if (typeof c.params !== 'object' || c.params === null || !isHex(c.params.iv, IV_BYTES))
    bad('cipher iv must be 12 bytes of hex')
}

/** seal() undone: KEYSTORE_WRONG_PASSPHRASE when authentication fails, KEYSTORE_INVALID otherwise. */
function unseal(
  suite: CryptoSuite,
  crypto: KeystoreFile['crypto'],
  header: Parameters<typeof associatedData>[0],
  passphrase: string,
  kdfs: PasswordKdfs,
  what: 'keystore' | 'secret keystore',
): Uint8Array {
  const key = deriveKey(crypto.kdf, normalizePassphrase(passphrase), kdfs)
  try {
    return suite.open(key, fromHex(crypto.cipher.params.iv + crypto.cipher.message), associatedData(header, crypto.kdf))
  } catch (e) {
    if ((e as GovchainError).code === 'CRYPTO_DECRYPT_FAILED') {
      throw new GovchainError('KEYSTORE_WRONG_PASSPHRASE', `wrong passphrase: the ${what} does not open with it`)
    }
    throw new GovchainError('KEYSTORE_INVALID', `${what}: ${(e as Error).message}`)
  } finally {
    key.fill(0)
  }
}

function isHex(s: unknown, bytes?: number): s is string {
  return (
    typeof s === 'string' &&
    s.length % 2 === 0 &&
    /^[0-9a-fA-F]*$/.test(s) &&
    (bytes === undefined || s.length === 2 * bytes)
  )
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max

function checkSalt(salt: unknown): void {
  if (
    !isHex(salt) ||
    salt.length < 2 * KEYSTORE_LIMITS.saltBytesMin ||
    salt.length > 2 * KEYSTORE_LIMITS.saltBytesMax
  ) {
    throw new GovchainError(
      'KEYSTORE_INVALID',
      `keystore: kdf salt must be ${KEYSTORE_LIMITS.saltBytesMin}-${KEYSTORE_LIMITS.saltBytesMax} bytes of hex`,
    )
  }
}

/** The suite's KDF with parameters within KEYSTORE_LIMITS; KEYSTORE_INVALID otherwise. */
function checkKdf(suite: SuiteName, kdf: Pbkdf2Module | ScryptModule): void {
  const bad = (why: string): never => {
    throw new GovchainError('KEYSTORE_INVALID', `keystore: ${why}`)
  }
  if (typeof kdf !== 'object' || kdf === null || typeof kdf.params !== 'object' || kdf.params === null) {
    bad('kdf is missing')
  }
  if (suite === 'gm') {
    if (kdf.function !== 'pbkdf2') bad('the gm suite uses kdf pbkdf2 (hmac-sm3)')
    const p = (kdf as Pbkdf2Module).params
    if (p.prf !== 'hmac-sm3') bad('pbkdf2 prf must be hmac-sm3')
    if (!isInt(p.c, 1, KEYSTORE_LIMITS.pbkdf2IterationsMax))
      bad(`pbkdf2 c must be 1..${KEYSTORE_LIMITS.pbkdf2IterationsMax}`)
    if (p.dklen !== 16) bad('pbkdf2 dklen must be 16 (an SM4 key)')
    checkSalt(p.salt)
  } else {
    if (kdf.function !== 'scrypt') bad('the intl suite uses kdf scrypt')
    const p = (kdf as ScryptModule).params
    if (!isInt(p.n, 2, KEYSTORE_LIMITS.scryptNMax) || (p.n & (p.n - 1)) !== 0) {
      bad(`scrypt n must be a power of two up to ${KEYSTORE_LIMITS.scryptNMax}`)
    }
    if (!isInt(p.r, 1, KEYSTORE_LIMITS.scryptRMax)) bad(`scrypt r must be 1..${KEYSTORE_LIMITS.scryptRMax}`)
    if (!isInt(p.p, 1, KEYSTORE_LIMITS.scryptPMax)) bad(`scrypt p must be 1..${KEYSTORE_LIMITS.scryptPMax}`)
    if (128 * p.r * p.n > KEYSTORE_LIMITS.scryptMemoryBytesMax) bad('scrypt n·r asks for more than 1 GiB')
    if (p.dklen !== 32) bad('scrypt dklen must be 32 (an AES-256 key)')
    checkSalt(p.salt)
  }
  if (kdf.message !== '') bad('kdf message must be empty')
}

function deriveKey(kdf: Pbkdf2Module | ScryptModule, password: Uint8Array, kdfs: PasswordKdfs): Uint8Array {
  const salt = fromHex(kdf.params.salt)
  return kdf.function === 'pbkdf2'
    ? kdfs.pbkdf2Sm3(password, salt, kdf.params.c, kdf.params.dklen)
    : kdfs.scrypt(password, salt, { n: kdf.params.n, r: kdf.params.r, p: kdf.params.p, dkLen: kdf.params.dklen })
}

/** The AEAD's associated data: every header field that decides what the ciphertext means. */
function associatedData(
  h: { kind: string; version: number; suite: SuiteName; publicKey: string; cipherFunction: string },
  kdf: Pbkdf2Module | ScryptModule,
): Uint8Array {
  const p = kdf.params
  const kdfText =
    kdf.function === 'pbkdf2'
      ? `pbkdf2\0${(p as Pbkdf2Module['params']).prf}\0${(p as Pbkdf2Module['params']).c}\0${p.dklen}\0${p.salt.toLowerCase()}`
      : `scrypt\0${(p as ScryptModule['params']).n}\0${(p as ScryptModule['params']).r}\0${(p as ScryptModule['params']).p}\0${p.dklen}\0${p.salt.toLowerCase()}`
  return utf8(`${h.kind}\0${h.version}\0${h.suite}\0${h.publicKey}\0${kdfText}\0${h.cipherFunction}`)
}

// ------------------------------------------------------------------------------ raw secrets

/**
 * The same keystore for a raw secret that is not a suite private key (e.g. a gateway's HMAC key
 * of data-subject pseudonyms): the same KDF and AEAD per suite, the same limits; `secretBytes`
 * (its length) takes the place of the public key in the header and in the associated data, and
 * the kind differs, so neither kind of file opens as the other.
 */
export const SECRET_KEYSTORE_KIND = 'govchain-secret'

export interface SecretKeystoreFile {
  kind: typeof SECRET_KEYSTORE_KIND
  version: typeof KEYSTORE_VERSION
  suite: SuiteName
  /** The secret's length in bytes. */
  secretBytes: number
  description?: string
  crypto: KeystoreFile['crypto']
}

/** Secrets a secret keystore holds: 16 bytes (an HMAC key's least) to 1 KiB. */
const SECRET_BYTES = { min: 16, max: 1024 } as const

function checkPassphrase(passphrase: string): void {
  if ([...passphrase.normalize('NFKD')].length < KEYSTORE_LIMITS.passphraseCharsMin) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `a keystore passphrase has at least ${KEYSTORE_LIMITS.passphraseCharsMin} characters`,
    )
  }
}

function newKdf(suiteName: SuiteName, opts: EncryptKeystoreOptions): Pbkdf2Module | ScryptModule {
  const salt = toHex(randomBytes(SALT_BYTES))
  const kdf: Pbkdf2Module | ScryptModule =
    suiteName === 'gm'
      ? {
          function: 'pbkdf2',
          params: { prf: 'hmac-sm3', c: opts.kdf?.c ?? KEYSTORE_KDF_DEFAULTS.gm.c, dklen: 16, salt },
          message: '',
        }
      : {
          function: 'scrypt',
          params: {
            n: opts.kdf?.n ?? KEYSTORE_KDF_DEFAULTS.intl.n,
            r: opts.kdf?.r ?? KEYSTORE_KDF_DEFAULTS.intl.r,
            p: opts.kdf?.p ?? KEYSTORE_KDF_DEFAULTS.intl.p,
            dklen: 32,
            salt,
          },
          message: '',
        }
  checkKdf(suiteName, kdf)
  return kdf
}

/** Encrypts a raw secret under a passphrase. Throws INVALID_ARGUMENT (secret length, passphrase too short). */
export function encryptSecret(
  suiteName: SuiteName,
  secret: Uint8Array,
  passphrase: string,
  opts: EncryptKeystoreOptions = {},
): SecretKeystoreFile {
  const suite = platformSuites[suiteName]
  if (suite === undefined) throw new GovchainError('CRYPTO_UNKNOWN_SUITE', `unknown crypto suite: ${suiteName}`)
  if (secret.length < SECRET_BYTES.min || secret.length > SECRET_BYTES.max) {
    throw new GovchainError('INVALID_ARGUMENT', `a secret is ${SECRET_BYTES.min}-${SECRET_BYTES.max} bytes`)
  }
  checkPassphrase(passphrase)
  const kdf = newKdf(suiteName, opts)
  const header = secretHeader(suiteName, secret.length)
  return {
    kind: SECRET_KEYSTORE_KIND,
    version: KEYSTORE_VERSION,
    suite: suiteName,
    secretBytes: secret.length,
    ...(opts.description === undefined ? {} : { description: opts.description }),
    crypto: seal(suite, kdf, header, secret, passphrase, opts),
  }
}

function secretHeader(suite: SuiteName, bytes: number) {
  return {
    kind: SECRET_KEYSTORE_KIND,
    version: KEYSTORE_VERSION,
    suite,
    publicKey: `secret:${bytes}`,
    cipherFunction: SUITE_CIPHER[suite],
  } as const
}

/** True when `json` claims to be a secret keystore (it may still be malformed). */
export function isSecretKeystoreFile(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === SECRET_KEYSTORE_KIND
}

/**
 * Opens a secret keystore. Throws KEYSTORE_INVALID (malformed, unsupported or over the limits) or
 * KEYSTORE_WRONG_PASSPHRASE (authentication failed: a wrong passphrase, or an edited file).
 */
export function decryptSecret(json: unknown, passphrase: string, kdfs: PasswordKdfs = platformKdfs): Uint8Array {
  const k = json as SecretKeystoreFile
  const bad = (why: string): never => {
    throw new GovchainError('KEYSTORE_INVALID', `secret keystore: ${why}`)
  }
  if (!isSecretKeystoreFile(json)) bad(`not a ${SECRET_KEYSTORE_KIND} file`)
  if (k.version !== KEYSTORE_VERSION) bad(`version ${String(k.version)} is not supported`)
  if (k.suite !== 'gm' && k.suite !== 'intl') bad('suite must be gm or intl')
  if (!isInt(k.secretBytes, SECRET_BYTES.min, SECRET_BYTES.max)) bad('secretBytes out of range')
  if (k.description !== undefined && typeof k.description !== 'string') bad('description must be text')
  checkCryptoMember(k.suite, k.crypto, bad)
  const c = k.crypto.cipher
  if (!isHex(c.message) || c.message.length !== 2 * (k.secretBytes + TAG_BYTES)) {
    bad('cipher message must be the hex of ciphertext and tag')
  }
  return unseal(
    platformSuites[k.suite],
    k.crypto,
    secretHeader(k.suite, k.secretBytes),
    passphrase,
    kdfs,
    'secret keystore',
  )
}
