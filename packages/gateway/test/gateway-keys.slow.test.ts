/**
 * Key custody of a gateway's folder (issue 18): outside development, `initGatewayHome` writes the
 * identity authority's pseudonym key (the HMAC key of data-subject pseudonyms) as a secret
 * keystore, like its suite and TLS keys; no file of the folder holds the key's bytes, hex or
 * base64url; `loadGatewayHome` opens it with the passphrase (the same key), refuses it with a
 * wrong or no passphrase, and refuses a pseudonym key in clear (KEY_PLAINTEXT_REFUSED). A
 * development gateway keeps hex and still loads.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { isGovchainError, type SuiteName } from '@govchain/core'
import { createOrgCA } from '@govchain/p2p'
import { initGatewayHome, loadGatewayHome } from '../src/config.ts'

const PASSPHRASE = '公安局 gateway passphrase'
const code = (c: string) => (e: unknown) => isGovchainError(e) && e.code === c

/** Every file under `dir`, read whole. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }))
}

describe('the pseudonym key of a gateway outside development', () => {
  const root = mkdtempSync(join(tmpdir(), 'govchain-gw-keys-'))
  after(() => rmSync(root, { recursive: true, force: true }))
  const ca = createOrgCA({ orgId: 'police', orgName: '公安局', validityDays: 30 })
  const init = (dir: string, suite: SuiteName, pseudonymKey: Uint8Array, dev: boolean) =>
    initGatewayHome({
      dir,
      orgId: 'police',
      nodeApiUrl: 'http://127.0.0.1:1',
      chainId: 'govchain-keys-test',
      suite,
      ca,
      keys: dev ? { dev: true } : { dev: false, passphrase: PASSPHRASE },
      port: 0,
      localPort: 0,
      pseudonymKey,
    })

  for (const suite of ['gm', 'intl'] as const) {
    test(`${suite}: written as a secret keystore, found in no file, opened with the passphrase`, () => {
      const dir = join(root, suite)
      const key = new Uint8Array(randomBytes(32))
      const home = init(dir, suite, key, false)
      assert.deepEqual(home.pseudonymKey, key)
      const stored = JSON.parse(readFileSync(join(dir, 'pseudonym.key'), 'utf8'))
      assert.equal(stored.kind, 'govchain-secret')
      assert.equal(stored.suite, suite)
      assert.equal(stored.crypto.cipher.function, suite === 'gm' ? 'sm4-gcm' : 'aes-256-gcm')
      assert.equal(statSync(join(dir, 'pseudonym.key')).mode & 0o777, 0o600)

      const secret = Buffer.from(key)
      const files = filesUnder(dir)
      assert.ok(files.length >= 4, files.map((f) => f.path).join(' '))
      for (const f of files) {
        assert.equal(f.bytes.indexOf(secret), -1, `${f.path} holds the key's bytes`)
        const text = f.bytes.toString('latin1').toLowerCase()
        assert.equal(text.indexOf(secret.toString('hex')), -1, `${f.path} holds the key in hex`)
        assert.equal(f.bytes.indexOf(Buffer.from(secret.toString('base64url'))), -1, `${f.path} holds it in base64url`)
        assert.equal(f.bytes.indexOf(Buffer.from(secret.toString('base64'))), -1, `${f.path} holds it in base64`)
      }

      // Opened as a gateway opens it: the same key; a wrong or missing passphrase is refused.
      assert.deepEqual(loadGatewayHome(dir, undefined, { passphrase: PASSPHRASE }).pseudonymKey, key)
      assert.throws(
        () => loadGatewayHome(dir, undefined, { passphrase: 'not the gateway passphrase' }),
        code('KEYSTORE_WRONG_PASSPHRASE'),
      )
    })
  }

  test('a pseudonym key in clear is refused outside development; a development gateway keeps hex', () => {
    const dir = join(root, 'plain')
    const key = new Uint8Array(randomBytes(32))
    init(dir, 'intl', key, false)
    const path = join(dir, 'pseudonym.key')
    const sealed = readFileSync(path, 'utf8')
    writeFileSync(path, Buffer.from(key).toString('hex'))
    assert.throws(() => loadGatewayHome(dir, undefined, { passphrase: PASSPHRASE }), code('KEY_PLAINTEXT_REFUSED'))
    // An edited keystore (another length claimed) does not open either.
    const edited = JSON.parse(sealed)
    edited.secretBytes = 31
    writeFileSync(path, JSON.stringify(edited))
    assert.throws(() => loadGatewayHome(dir, undefined, { passphrase: PASSPHRASE }), code('KEYSTORE_INVALID'))

    const devDir = join(root, 'dev')
    const devHome = init(devDir, 'intl', key, true)
    assert.equal(readFileSync(join(devDir, 'pseudonym.key'), 'utf8'), Buffer.from(key).toString('hex'))
    assert.deepEqual(devHome.pseudonymKey, key)
  })
})
