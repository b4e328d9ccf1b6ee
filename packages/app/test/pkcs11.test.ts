/**
 * The pkcs11 key backend against a real token (SoftHSM2): Ed25519 keys generated on the token or
 * imported into it sign exactly as the suite verifies, never leave it, and every way of getting
 * the reference, the PIN or the token wrong fails with its code.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { GovchainError, getSuite, toHex, utf8 } from '@govchain/core'
import { loadKeyFile, newKeyFile, openKeySigner } from '../src/key-file.ts'
import { generatePkcs11Key, importPkcs11Key, openPkcs11Signer, type Pkcs11KeyRef } from '../src/pkcs11.ts'
import { makeSoftHsm } from './softhsm-fixture.ts'

// Two tokens: the second's first login in this process is with a wrong PIN.
const hsm = makeSoftHsm('govchain', 'second')
const dir = mkdtempSync(join(tmpdir(), 'govchain-pkcs11-'))
after(() => {
  hsm.remove()
  rmSync(dir, { recursive: true, force: true })
})
const intl = getSuite('intl')
const target = (label: string, pin = hsm.pin) => ({ module: hsm.module, token: hsm.token, label, pin })
const code = (c: string) => (e: unknown) => e instanceof GovchainError && e.code === c

describe('keys on a PKCS#11 token (SoftHSM2, Ed25519)', () => {
  it('a key generated on the token signs what the suite verifies, deterministically (RFC 8032)', () => {
    const ref = generatePkcs11Key(target('validator-a'), 'validator key of a')
    assert.equal(ref.kind, 'govchain-pkcs11')
    assert.equal(ref.publicKey.length, 64)
    const signer = openPkcs11Signer(ref, { pin: hsm.pin })
    assert.equal(signer.backend, 'pkcs11')
    assert.equal(signer.decrypt, undefined)
    const msg = utf8('vote: height 7, round 0, prevote')
    const sig = signer.sign(msg)
    assert.equal(sig.length, 64)
    assert.ok(intl.verify(signer.publicKey, msg, sig))
    assert.deepEqual(signer.sign(msg), sig)
    assert.ok(!intl.verify(signer.publicKey, utf8('another message'), sig))
  })

  it('an imported key signs exactly as the same key in memory (Ed25519 is deterministic)', () => {
    const file = newKeyFile('intl')
    const ref = importPkcs11Key(target('validator-b'), {
      suite: 'intl',
      privateKey: Buffer.from(file.privateKey, 'hex'),
    })
    assert.equal(ref.publicKey, file.publicKey)
    const msg = utf8('proposal: height 9')
    assert.deepEqual(
      toHex(openPkcs11Signer(ref, { pin: hsm.pin }).sign(msg)),
      toHex(intl.sign(Buffer.from(file.privateKey, 'hex'), msg)),
    )
  })

  it('a key reference file opens as a signer; code that needs key bytes is told the key stays on the token', () => {
    const ref = generatePkcs11Key(target('officer-c'))
    const path = join(dir, 'officer-c.json')
    writeFileSync(path, JSON.stringify(ref))
    const signer = openKeySigner(path, { pin: hsm.pin, allowPlain: false })
    assert.equal(toHex(signer.publicKey), ref.publicKey)
    assert.throws(() => loadKeyFile(path), code('INVALID_ARGUMENT'))
  })

  it('refuses a label in use, an unknown key or token, a wrong PIN, a foreign public key and a gm key without a mechanism', () => {
    assert.throws(() => generatePkcs11Key(target('validator-a')), code('HOME_NOT_EMPTY'))
    const ref = generatePkcs11Key(target('validator-d'))
    assert.throws(
      () => openPkcs11Signer({ ...ref, label: 'no-such-key' }, { pin: hsm.pin }),
      code('PKCS11_KEY_NOT_FOUND'),
    )
    assert.throws(
      () => openPkcs11Signer({ ...ref, token: 'no-such-token' }, { pin: hsm.pin }),
      (e: unknown) =>
        code('PKCS11_TOKEN_NOT_FOUND')(e) &&
        // The tokens the library does see, so an operator can tell a wrong label from a missing token.
        (e as Error).message.endsWith('(its tokens: "govchain", "second")'),
    )
    assert.throws(
      () => openPkcs11Signer({ ...ref, module: '/nonexistent/libpkcs11.so' }, { pin: hsm.pin }),
      code('PKCS11_UNAVAILABLE'),
    )
    const other: Pkcs11KeyRef = { ...ref, publicKey: newKeyFile('intl').publicKey }
    assert.throws(() => openPkcs11Signer(other, { pin: hsm.pin }), code('CONFIG_INVALID'))
    assert.throws(
      () => importPkcs11Key(target('gm-key'), { suite: 'gm', privateKey: new Uint8Array(32).fill(7) }),
      code('INVALID_ARGUMENT'),
    )
    assert.throws(() => openPkcs11Signer({ ...ref, suite: 'gm' }, { pin: hsm.pin }), code('INVALID_ARGUMENT'))
  })
})

describe('the PIN', () => {
  it('a wrong PIN is PKCS11_LOGIN_FAILED and a missing one says where it comes from', () => {
    const saved = process.env.GOVCHAIN_PKCS11_PIN
    delete process.env.GOVCHAIN_PKCS11_PIN
    try {
      const ref: Pkcs11KeyRef = {
        kind: 'govchain-pkcs11',
        version: 1,
        suite: 'intl',
        module: hsm.module,
        token: 'second',
        label: 'x',
        publicKey: newKeyFile('intl').publicKey,
      }
      assert.throws(() => openPkcs11Signer(ref), code('PKCS11_LOGIN_FAILED'))
      assert.throws(() => openPkcs11Signer(ref, { pin: '000000' }), code('PKCS11_LOGIN_FAILED'))
    } finally {
      if (saved !== undefined) process.env.GOVCHAIN_PKCS11_PIN = saved
    }
  })
})
