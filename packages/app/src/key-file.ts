/**
 * Files every govchain process reads: JSON documents with a coded error for each way they fail,
 * and key files of either crypto suite: plain ({suite, publicKey, privateKey}, hex; mode 0600;
 * development networks) or an encrypted keystore (core/keystore, docs/adr/0023-key-custody.md)
 * opened with the passphrase from GOVCHAIN_PASSPHRASE or the file named by
 * GOVCHAIN_PASSPHRASE_FILE. TLS and CA keys (P-256, PEM) are kept as PKCS#8
 * EncryptedPrivateKeyInfo (RFC 5958) under PBES2 (RFC 8018: PBKDF2-HMAC-SHA256, AES-256-CBC),
 * which OpenSSL (`openssl pkey -passin`) and Node read as they are.
 *
 * Plain key files are for development networks only: a process that knows it runs a real network
 * passes `allowPlain: false` and a plain file is refused with KEY_PLAINTEXT_REFUSED.
 */
import { createCipheriv, createPrivateKey, pbkdf2Sync, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import {
  decryptKeystore,
  decryptSecret,
  encryptKeystore,
  encryptSecret,
  fromHex,
  GovchainError,
  getSuite,
  isKeystoreFile,
  isSecretKeystoreFile,
  KEYSTORE_LIMITS,
  type KeySigner,
  memorySigner,
  type SuiteName,
  toHex,
} from '@govchain/core'
import * as asn1js from 'asn1js'
import { isPkcs11KeyRef, openPkcs11Signer } from './pkcs11.ts'
import { secretFromEnvironment } from './secret-env.ts'

export interface KeyFile {
  suite: SuiteName
  publicKey: string
  privateKey: string
}

export function readJson<T>(path: string, code: 'CONFIG_INVALID' | 'GENESIS_INVALID' | 'HOME_NOT_FOUND'): T {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new GovchainError('HOME_NOT_FOUND', `cannot read ${path}`)
  }
  try {
    return JSON.parse(text) as T
  } catch (e) {
    throw new GovchainError(code === 'HOME_NOT_FOUND' ? 'CONFIG_INVALID' : code, `${path}: ${(e as Error).message}`)
  }
}

export function newKeyFile(suiteName: SuiteName): KeyFile {
  const suite = getSuite(suiteName)
  const kp = suite.generateKeyPair()
  return { suite: suiteName, publicKey: toHex(kp.publicKey), privateKey: toHex(kp.privateKey) }
}

/**
 * The passphrase of encrypted keystores for this process: GOVCHAIN_PASSPHRASE, or the first line
 * of the file GOVCHAIN_PASSPHRASE_FILE names (a secrets mount, a file descriptor path).
 */
export function passphraseFromEnvironment(): string | undefined {
  return secretFromEnvironment('GOVCHAIN_PASSPHRASE', 'KEY_PASSPHRASE_MISSING')
}

/**
 * Opens a key file: plain, or an encrypted keystore (with `passphrase`, else the environment's).
 * Throws CONFIG_INVALID, KEY_PASSPHRASE_MISSING, KEYSTORE_INVALID or KEYSTORE_WRONG_PASSPHRASE.
 */
export function loadKeyFile(
  path: string,
  opts: { passphrase?: string; allowPlain?: boolean } = {},
): { suite: SuiteName; publicKey: Uint8Array; privateKey: Uint8Array } {
  const json = readJson<unknown>(path, 'CONFIG_INVALID')
  if (isPkcs11KeyRef(json)) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `${path} refers to a key on a PKCS#11 token, which never leaves it; this use needs a key file`,
    )
  }
  if (!isKeystoreFile(json) && opts.allowPlain === false) {
    throw new GovchainError(
      'KEY_PLAINTEXT_REFUSED',
      `${path} is a plain key file; encrypt it (govchain keys encrypt) or run a development network (--dev)`,
    )
  }
  if (isKeystoreFile(json)) {
    const passphrase = opts.passphrase ?? passphraseFromEnvironment()
    if (passphrase === undefined) {
      throw new GovchainError('KEY_PASSPHRASE_MISSING', `${path} is an encrypted keystore: set GOVCHAIN_PASSPHRASE`)
    }
    return decryptKeystore(json, passphrase)
  }
  const k = json as KeyFile
  if ((k.suite !== 'gm' && k.suite !== 'intl') || typeof k.privateKey !== 'string') {
    throw new GovchainError('CONFIG_INVALID', `${path}: not a govchain key file`)
  }
  const suite = getSuite(k.suite)
  const privateKey = fromHex(k.privateKey)
  const publicKey = suite.publicKeyFromPrivate(privateKey)
  if (k.publicKey !== undefined && toHex(publicKey) !== k.publicKey.toLowerCase()) {
    throw new GovchainError('CONFIG_INVALID', `${path}: publicKey does not match privateKey`)
  }
  return { suite: k.suite, publicKey, privateKey }
}

/**
 * A signer for a key file of any backend: a reference to a key on a PKCS#11 token (pkcs11.ts), an
 * encrypted keystore, or (where `allowPlain` is not false) a plain key file. Throws what
 * loadKeyFile and openPkcs11Signer throw.
 */
export function openKeySigner(
  path: string,
  opts: { passphrase?: string; allowPlain?: boolean; pin?: string } = {},
): KeySigner {
  const json = readJson<unknown>(path, 'CONFIG_INVALID')
  if (isPkcs11KeyRef(json)) return openPkcs11Signer(json, opts.pin === undefined ? {} : { pin: opts.pin })
  const { pin: _, ...fileOpts } = opts
  const k = loadKeyFile(path, fileOpts)
  return memorySigner(getSuite(k.suite), k.privateKey, isKeystoreFile(json) ? 'file' : 'memory')
}

/**
 * How a network's processes keep their keys: a development network (`--dev`) writes and accepts
 * plain files; any other writes only encrypted ones, under `passphrase`, and refuses plain ones.
 */
export type KeyCustody = { dev: true } | { dev: false; passphrase: string }

/**
 * The custody of a process: `dev`, or the passphrase given (else the environment's). Throws
 * KEY_PASSPHRASE_MISSING outside development without one, INVALID_ARGUMENT for one too short.
 */
export function keyCustody(dev: boolean, passphrase?: string): KeyCustody {
  if (dev) return { dev: true }
  const p = passphrase ?? passphraseFromEnvironment()
  if (p === undefined) {
    throw new GovchainError(
      'KEY_PASSPHRASE_MISSING',
      'keys of a network started without --dev are encrypted: set GOVCHAIN_PASSPHRASE or GOVCHAIN_PASSPHRASE_FILE',
    )
  }
  if ([...p.normalize('NFKD')].length < KEYSTORE_LIMITS.passphraseCharsMin) {
    throw new GovchainError(
      'INVALID_ARGUMENT',
      `a keystore passphrase has at least ${KEYSTORE_LIMITS.passphraseCharsMin} characters`,
    )
  }
  return { dev: false, passphrase: p }
}

/** Writes a new suite key (mode 0600): a keystore unless the network is a development one. Returns the public key (hex). */
export function writeSuiteKey(path: string, key: KeyFile, custody: KeyCustody, description?: string): string {
  const body = custody.dev
    ? key
    : encryptKeystore(key.suite, fromHex(key.privateKey), custody.passphrase, {
        ...(description === undefined ? {} : { description }),
      })
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  return key.publicKey
}

/** PBKDF2 iterations of encrypted PEM keys: OWASP's figure for HMAC-SHA256, as the keystore's. */
export const PEM_KEY_PBKDF2_ITERATIONS = 600_000

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSHA256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
}

/**
 * A private key (PEM, any type Node reads) as an RFC 5958 EncryptedPrivateKeyInfo under PBES2
 * (RFC 8018 §6.2: PBKDF2 with HMAC-SHA256, AES-256-CBC), PEM "ENCRYPTED PRIVATE KEY". Node's
 * own export offers only OpenSSL's 2,048 iterations; this writes the same structure with
 * PEM_KEY_PBKDF2_ITERATIONS (or `iterations`).
 */
export function encryptPemKey(keyPem: string, passphrase: string, iterations = PEM_KEY_PBKDF2_ITERATIONS): string {
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' })
  const salt = randomBytes(16)
  const iv = randomBytes(16)
  const key = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, iterations, 32, 'sha256')
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  const encrypted = Buffer.concat([cipher.update(der), cipher.final()])
  const algorithm = (oid: string, params: asn1js.AsnType) =>
    new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), params] })
  const info = new asn1js.Sequence({
    value: [
      algorithm(
        OID.pbes2,
        new asn1js.Sequence({
          value: [
            algorithm(
              OID.pbkdf2,
              new asn1js.Sequence({
                value: [
                  new asn1js.OctetString({ valueHex: salt }),
                  new asn1js.Integer({ value: iterations }),
                  algorithm(OID.hmacWithSHA256, new asn1js.Null()),
                ],
              }),
            ),
            algorithm(OID.aes256Cbc, new asn1js.OctetString({ valueHex: iv })),
          ],
        }),
      ),
      new asn1js.OctetString({ valueHex: encrypted }),
    ],
  })
  const b64 = Buffer.from(info.toBER()).toString('base64')
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ENCRYPTED PRIVATE KEY-----\n`
}

export function isEncryptedPem(pem: string): boolean {
  return pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')
}

/** Writes a PEM private key (mode 0600): encrypted unless the network is a development one. */
export function writePemKey(path: string, keyPem: string, custody: KeyCustody): void {
  writeFileSync(path, custody.dev ? keyPem : encryptPemKey(keyPem, custody.passphrase), { mode: 0o600, flag: 'wx' })
}

/**
 * Reads a PEM private key as plain PKCS#8 PEM (in memory only): an encrypted one opens with the
 * passphrase (else the environment's); a plain one is refused when `allowPlain` is false. Throws
 * HOME_NOT_FOUND, KEY_PLAINTEXT_REFUSED, KEY_PASSPHRASE_MISSING, KEYSTORE_WRONG_PASSPHRASE, KEYSTORE_INVALID.
 */
export function readPemKey(path: string, opts: { passphrase?: string; allowPlain?: boolean } = {}): string {
  let pem: string
  try {
    pem = readFileSync(path, 'utf8')
  } catch {
    throw new GovchainError('HOME_NOT_FOUND', `cannot read ${path}`)
  }
  if (!isEncryptedPem(pem)) {
    if (opts.allowPlain === false) {
      throw new GovchainError(
        'KEY_PLAINTEXT_REFUSED',
        `${path} is a plain private key; a network started without --dev keeps it encrypted`,
      )
    }
    return pem
  }
  const passphrase = opts.passphrase ?? passphraseFromEnvironment()
  if (passphrase === undefined) {
    throw new GovchainError('KEY_PASSPHRASE_MISSING', `${path} is encrypted: set GOVCHAIN_PASSPHRASE`)
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase }).export({ type: 'pkcs8', format: 'pem' }).toString()
  } catch (e) {
    const code = (e as { code?: string }).code ?? ''
    if (/BAD_DECRYPT|DECODER|bad decrypt/i.test(`${code} ${(e as Error).message}`)) {
      throw new GovchainError('KEYSTORE_WRONG_PASSPHRASE', `${path} does not open with this passphrase`)
    }
    throw new GovchainError('KEYSTORE_INVALID', `${path}: ${(e as Error).message}`)
  }
}

/**
 * Writes a raw secret (e.g. a gateway's pseudonym HMAC key; mode 0600, never overwritten): a
 * secret keystore (core/keystore, ADR 0023's container for a raw secret) under the custody's
 * passphrase, or its hex on a development network.
 */
export function writeSecretKey(
  path: string,
  suite: SuiteName,
  secret: Uint8Array,
  custody: KeyCustody,
  description?: string,
): void {
  const body = custody.dev
    ? toHex(secret)
    : `${JSON.stringify(
        encryptSecret(suite, secret, custody.passphrase, description === undefined ? {} : { description }),
        null,
        2,
      )}\n`
  writeFileSync(path, body, { mode: 0o600, flag: 'wx' })
}

/**
 * Reads a raw secret written by writeSecretKey: a secret keystore opens with the passphrase (else
 * the environment's); plain hex is refused when `allowPlain` is false. Throws HOME_NOT_FOUND,
 * KEY_PLAINTEXT_REFUSED, KEY_PASSPHRASE_MISSING, KEYSTORE_WRONG_PASSPHRASE, KEYSTORE_INVALID,
 * CONFIG_INVALID (neither form).
 */
export function readSecretKey(path: string, opts: { passphrase?: string; allowPlain?: boolean } = {}): Uint8Array {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new GovchainError('HOME_NOT_FOUND', `cannot read ${path}`)
  }
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(trimmed)
    } catch (e) {
      throw new GovchainError('KEYSTORE_INVALID', `${path}: ${(e as Error).message}`)
    }
    if (!isSecretKeystoreFile(json)) throw new GovchainError('KEYSTORE_INVALID', `${path}: not a secret keystore`)
    const passphrase = opts.passphrase ?? passphraseFromEnvironment()
    if (passphrase === undefined) {
      throw new GovchainError('KEY_PASSPHRASE_MISSING', `${path} is encrypted: set GOVCHAIN_PASSPHRASE`)
    }
    return decryptSecret(json, passphrase)
  }
  if (!/^([0-9a-fA-F]{2})+$/.test(trimmed)) throw new GovchainError('CONFIG_INVALID', `${path}: not a secret key file`)
  if (opts.allowPlain === false) {
    throw new GovchainError(
      'KEY_PLAINTEXT_REFUSED',
      `${path} is a plain secret; a network started without --dev keeps it encrypted`,
    )
  }
  return fromHex(trimmed)
}
