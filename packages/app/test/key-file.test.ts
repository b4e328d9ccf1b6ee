/**
 * Key files as every govchain process opens them (issue 18, ADR 0023): a plain key file, or an
 * encrypted keystore opened with the passphrase given or from the environment
 * (GOVCHAIN_PASSPHRASE, GOVCHAIN_PASSPHRASE_FILE). A keystore without a passphrase, or with the
 * wrong one, fails with its code and yields nothing.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { encryptKeystore, GovchainError, getSuite, isKeystoreFile, toHex } from '@govchain/core'
import {
  encryptPemKey,
  keyCustody,
  loadKeyFile,
  newKeyFile,
  passphraseFromEnvironment,
  readPemKey,
  writePemKey,
  writeSuiteKey,
} from '../src/key-file.ts'

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

const code = (c: string) => (e: unknown) => e instanceof GovchainError && e.code === c

describe('keys of a network started without --dev (encrypted by default)', () => {
  const none = { GOVCHAIN_PASSPHRASE: undefined, GOVCHAIN_PASSPHRASE_FILE: undefined }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

  it('an encrypted PEM key is PBES2 (PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC) and OpenSSL opens it', () => {
    const path = join(dir, 'tls-enc.key')
    writeFileSync(path, encryptPemKey(pem, PASS))
    const parsed = execFileSync('openssl', ['asn1parse', '-in', path], { encoding: 'utf8' })
    assert.match(parsed, /:PBES2/)
    assert.match(parsed, /:PBKDF2/)
    assert.match(parsed, /INTEGER\s+:0927C0/) // 600,000
    assert.match(parsed, /:hmacWithSHA256/)
    assert.match(parsed, /:aes-256-cbc/)
    const opened = execFileSync('openssl', ['pkey', '-in', path, '-passin', 'env:KEYPASS'], {
      encoding: 'utf8',
      env: { ...process.env, KEYPASS: PASS },
    })
    assert.equal(createPrivateKey(opened).export({ type: 'pkcs8', format: 'pem' }), pem)
    assert.equal(readPemKey(path, { passphrase: PASS, allowPlain: false }), pem)
    assert.equal(
      withEnv({ ...none, GOVCHAIN_PASSPHRASE: PASS }, () => readPemKey(path)),
      pem,
    )
  })

  it('an encrypted PEM key refuses a wrong or missing passphrase; a plain one is refused outside development', () => {
    const path = join(dir, 'tls-enc2.key')
    writeFileSync(path, encryptPemKey(pem, PASS, 1000))
    assert.throws(() => readPemKey(path, { passphrase: 'not the one at all' }), code('KEYSTORE_WRONG_PASSPHRASE'))
    assert.throws(() => withEnv(none, () => readPemKey(path)), code('KEY_PASSPHRASE_MISSING'))
    const plain = join(dir, 'tls-plain.key')
    writeFileSync(plain, pem)
    assert.equal(readPemKey(plain), pem)
    assert.throws(() => readPemKey(plain, { allowPlain: false }), code('KEY_PLAINTEXT_REFUSED'))
    assert.throws(() => readPemKey(join(dir, 'absent.key')), code('HOME_NOT_FOUND'))
  })

  it('a plain suite key file is refused where plain files are not allowed', () => {
    const path = join(dir, 'plain-intl.json')
    writeFileSync(path, JSON.stringify(newKeyFile('intl')))
    assert.ok(loadKeyFile(path).privateKey.length === 32)
    assert.throws(() => loadKeyFile(path, { allowPlain: false }), code('KEY_PLAINTEXT_REFUSED'))
  })

  it('custody: development writes plain files; otherwise a passphrase is required and keys are written encrypted', () => {
    assert.deepEqual(keyCustody(true), { dev: true })
    assert.throws(() => withEnv(none, () => keyCustody(false)), code('KEY_PASSPHRASE_MISSING'))
    assert.throws(() => keyCustody(false, 'short'), code('INVALID_ARGUMENT'))
    const custody = withEnv({ ...none, GOVCHAIN_PASSPHRASE: PASS }, () => keyCustody(false))
    assert.deepEqual(custody, { dev: false, passphrase: PASS })

    const key = newKeyFile('intl')
    const sealed = join(dir, 'sealed.json')
    writeSuiteKey(sealed, key, custody, 'validator key of test')
    const json = JSON.parse(readFileSync(sealed, 'utf8'))
    assert.ok(isKeystoreFile(json))
    assert.ok(!readFileSync(sealed, 'utf8').includes(key.privateKey))
    assert.equal(toHex(loadKeyFile(sealed, { passphrase: PASS, allowPlain: false }).privateKey), key.privateKey)
    assert.throws(() => writeSuiteKey(sealed, key, custody), /EEXIST/)

    const open = join(dir, 'open.json')
    writeSuiteKey(open, key, { dev: true })
    assert.equal(JSON.parse(readFileSync(open, 'utf8')).privateKey, key.privateKey)

    const tls = join(dir, 'sealed-tls.key')
    writePemKey(tls, pem, custody)
    assert.match(readFileSync(tls, 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/)
    assert.equal(readPemKey(tls, { passphrase: PASS, allowPlain: false }), pem)
  })
})
