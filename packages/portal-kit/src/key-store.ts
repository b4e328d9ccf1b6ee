/**
 * A person's own signing key, kept in this browser (ADR 0032): no private key comes from a
 * server. The key is made here or imported from a govchain keystore file (ADR 0023), opened
 * here with its passphrase, and kept in IndexedDB in one of two forms:
 *
 *  - `webcrypto`: an Ed25519 CryptoKey made or imported non-extractable (W3C Web Cryptography
 *    API, "Secure Curves" Ed25519): script can sign with it, never read it. intl, where the
 *    browser has WebCrypto Ed25519 (Chromium 137+, Firefox 129+, Safari 17+);
 *  - `keystore`: the key encrypted under a passphrase as a govchain keystore (PBKDF2-HMAC-SM3 +
 *    SM4-GCM for gm, scrypt + AES-256-GCM for intl), opened for the page's lifetime with the
 *    passphrase. gm always (no browser has SM2), intl where WebCrypto Ed25519 is missing.
 */
import {
  type AsyncSigner,
  type CryptoSuite,
  decryptKeystore,
  encryptKeystore,
  fromHex,
  type KeystoreFile,
  readKeystoreHeader,
  type SuiteName,
  toHex,
} from '@govchain/core'
import { withIdbStore } from './idb.ts'

export type StoredKey = {
  /** hex; the record's IndexedDB key. */
  publicKey: string
  suite: SuiteName
  label: string
  createdMs: number
} & ({ form: 'webcrypto'; key: CryptoKey } | { form: 'keystore'; keystore: KeystoreFile })

/** A kept key as the page's signer (asynchronous: a WebCrypto key signs only through a promise). */
export interface BrowserSigner extends AsyncSigner {
  /** How the key is kept (shown on the page; the WebCrypto key is non-extractable). */
  form: StoredKey['form']
}

const DB_NAME = 'govchain-keys'
const STORE = 'keys'
/** RFC 8410 §7: the PKCS#8 PrivateKeyInfo of an Ed25519 key is this prefix and the 32-byte seed. */
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420')

function withStore<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return withIdbStore(DB_NAME, STORE, 'publicKey', mode, fn)
}

export function listKeys(): Promise<StoredKey[]> {
  return withStore('readonly', (s) => s.getAll() as IDBRequest<StoredKey[]>)
}

export async function deleteKey(publicKey: string): Promise<void> {
  await withStore('readwrite', (s) => s.delete(publicKey))
}

async function put(k: StoredKey): Promise<StoredKey> {
  await withStore('readwrite', (s) => s.put(k))
  return k
}

/** Whether this browser makes and signs with Ed25519 CryptoKeys. */
export async function hasWebCryptoEd25519(): Promise<boolean> {
  try {
    const k = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
    return k.privateKey.type === 'private'
  } catch {
    return false
  }
}

async function rawPublicKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key))
}

/**
 * Makes a key for `suite` in this browser and keeps it: non-extractable in WebCrypto for intl
 * where it can; otherwise under `passphrase` (required then; at least 8 characters).
 */
export async function generateKey(suite: CryptoSuite, label: string, passphrase?: string): Promise<StoredKey> {
  const base = { suite: suite.name, label, createdMs: Date.now() }
  if (suite.name === 'intl' && (await hasWebCryptoEd25519())) {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair
    const publicKey = toHex(await rawPublicKey(pair.publicKey))
    return put({ ...base, publicKey, form: 'webcrypto', key: pair.privateKey })
  }
  if (passphrase === undefined) throw new Error('a passphrase is required to keep this key')
  const pair = suite.generateKeyPair()
  const keystore = encryptKeystore(suite.name, pair.privateKey, passphrase, { description: label })
  pair.privateKey.fill(0)
  return put({ ...base, publicKey: keystore.publicKey, form: 'keystore', keystore })
}

/**
 * Imports a govchain keystore file, opened here with its passphrase (KEYSTORE_WRONG_PASSPHRASE
 * otherwise). An intl key goes into WebCrypto non-extractable where it can; otherwise the file
 * itself is kept (it is already encrypted under that passphrase).
 */
export async function importKeystore(suite: CryptoSuite, fileText: string, passphrase: string): Promise<StoredKey> {
  const json = JSON.parse(fileText) as unknown
  const header = readKeystoreHeader(json)
  if (header.suite !== suite.name) throw new Error(`a ${header.suite} key cannot sign for a ${suite.name} chain`)
  const opened = decryptKeystore(json, passphrase)
  const base = { suite: suite.name, label: header.description ?? '', createdMs: Date.now() }
  try {
    if (suite.name === 'intl' && (await hasWebCryptoEd25519())) {
      const pkcs8 = new Uint8Array(ED25519_PKCS8_PREFIX.length + 32)
      pkcs8.set(ED25519_PKCS8_PREFIX)
      pkcs8.set(opened.privateKey, ED25519_PKCS8_PREFIX.length)
      const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign'])
      pkcs8.fill(0)
      return put({ ...base, publicKey: toHex(opened.publicKey), form: 'webcrypto', key })
    }
    return put({ ...base, publicKey: header.publicKey.toLowerCase(), form: 'keystore', keystore: header })
  } finally {
    opened.privateKey.fill(0)
  }
}

/** A signer over a kept key: a `keystore` key needs its passphrase (opened for this page only). */
export function unlockKey(suite: CryptoSuite, k: StoredKey, passphrase?: string): BrowserSigner {
  const publicKey = fromHex(k.publicKey)
  if (k.form === 'webcrypto') {
    const key = k.key
    return {
      suite: k.suite,
      publicKey,
      form: k.form,
      sign: async (m) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, new Uint8Array(m))),
    }
  }
  if (passphrase === undefined) throw new Error('this key is kept under a passphrase')
  const opened = decryptKeystore(k.keystore, passphrase)
  return { suite: k.suite, publicKey, form: k.form, sign: async (m) => suite.sign(opened.privateKey, m) }
}
