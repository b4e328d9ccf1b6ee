/**
 * Key files as every govchain process opens them (issue 18, ADR 0023): a plain key file, or an
 * encrypted keystore opened with the passphrase given or from the environment
 * (GOVCHAIN_PASSPHRASE, GOVCHAIN_PASSPHRASE_FILE). A keystore without a passphrase, or with the
 * wrong one, fails with its code and yields nothing.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { encryptKeystore, getSuite, toHex } from '@govchain/core'
import { loadKeyFile, passphraseFromEnvironment } from '../src/key-file.ts'

const dir = mkdtempSync(join(tmpdir(), 'govchain-keyfile-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const PASS = '正确的口令 correct horse'
const CHEAP = { c: 1000, n: 1024, r: 8, p: 1 }

function withEnv<T>(env: Record<string, string | undefined>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    return f()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

for (const name of ['gm', 'intl'] as const) {
  describe(`key files (${name})`, () => {
    const suite = getSuite(name)
    const kp = suite.generateKeyPair()
    const plain = join(dir, `${name}-plain.json`)
    writeFileSync(
      plain,
      JSON.stringify({ suite: name, publicKey: toHex(kp.publicKey), privateKey: toHex(kp.privateKey) }),
    )
    const store = join(dir, `${name}-keystore.json`)
    writeFileSync(store, JSON.stringify(encryptKeystore(name, kp.privateKey, PASS, { kdf: CHEAP })))
    const none = { GOVCHAIN_PASSPHRASE: undefined, GOVCHAIN_PASSPHRASE_FILE: undefined }

    it('a plain key file and a keystore give the same key', () => {
      assert.deepEqual(loadKeyFile(plain).privateKey, kp.privateKey)
      assert.deepEqual(withEnv(none, () => loadKeyFile(store, { passphrase: PASS })).privateKey, kp.privateKey)
      assert.deepEqual(
        withEnv({ ...none, GOVCHAIN_PASSPHRASE: PASS }, () => loadKeyFile(store)).publicKey,
        kp.publicKey,
      )
      const passFile = join(dir, 'pass.txt')
      writeFileSync(passFile, `${PASS}\n`)
      assert.deepEqual(
        withEnv({ ...none, GOVCHAIN_PASSPHRASE_FILE: passFile }, () => loadKeyFile(store)).privateKey,
        kp.privateKey,
      )
    })

    it('no passphrase, or a wrong one, fails with its code', () => {
      assert.throws(() => withEnv(none, () => loadKeyFile(store)), { code: 'KEY_PASSPHRASE_MISSING' })
      assert.throws(() => withEnv({ ...none, GOVCHAIN_PASSPHRASE: `${PASS}!` }, () => loadKeyFile(store)), {
        code: 'KEYSTORE_WRONG_PASSPHRASE',
      })
      assert.throws(
        () =>
          withEnv({ ...none, GOVCHAIN_PASSPHRASE_FILE: join(dir, 'missing.txt') }, () => passphraseFromEnvironment()),
        { code: 'KEY_PASSPHRASE_MISSING' },
      )
    })
  })
}
