/**
 * Files every govchain process reads: JSON documents with a coded error for each way they fail,
 * and key files ({suite, publicKey, privateKey}, hex; mode 0600) of either crypto suite.
 */
import { readFileSync } from 'node:fs'
import { fromHex, GovchainError, getSuite, type SuiteName, toHex } from '@govchain/core'

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

export function loadKeyFile(path: string): { suite: SuiteName; publicKey: Uint8Array; privateKey: Uint8Array } {
  const k = readJson<KeyFile>(path, 'CONFIG_INVALID')
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
