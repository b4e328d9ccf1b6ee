/**
 * Files every govchain process reads: JSON documents with a coded error for each way they fail,
 * and key files of either crypto suite: plain ({suite, publicKey, privateKey}, hex; mode 0600;
 * development networks) or an encrypted keystore (core/keystore, docs/adr/0023-key-custody.md)
 * opened with the passphrase from GOVCHAIN_PASSPHRASE or the file named by
 * GOVCHAIN_PASSPHRASE_FILE.
 */
import { readFileSync } from 'node:fs'
import {
  decryptKeystore,
  fromHex,
  GovchainError,
  getSuite,
  isKeystoreFile,
  type SuiteName,
  toHex,
} from '@govchain/core'

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
  const direct = process.env.GOVCHAIN_PASSPHRASE
  if (direct !== undefined && direct !== '') return direct
  const file = process.env.GOVCHAIN_PASSPHRASE_FILE
  if (file === undefined || file === '') return undefined
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0]
  } catch {
    throw new GovchainError('KEY_PASSPHRASE_MISSING', `cannot read GOVCHAIN_PASSPHRASE_FILE ${file}`)
  }
}

/**
 * Opens a key file: plain, or an encrypted keystore (with `passphrase`, else the environment's).
 * Throws CONFIG_INVALID, KEY_PASSPHRASE_MISSING, KEYSTORE_INVALID or KEYSTORE_WRONG_PASSPHRASE.
 */
export function loadKeyFile(
  path: string,
  opts: { passphrase?: string } = {},
): { suite: SuiteName; publicKey: Uint8Array; privateKey: Uint8Array } {
  const json = readJson<unknown>(path, 'CONFIG_INVALID')
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
