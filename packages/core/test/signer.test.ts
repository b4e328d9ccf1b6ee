/**
 * The key-custody contract's in-memory signer: it signs exactly as the suite does, keeps its own
 * copy of the key, and signerOf refuses a signer of the other suite.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { getSuite, isKeySigner, memorySigner, signerOf, utf8 } from '../src/index.ts'

for (const name of ['gm', 'intl'] as const) {
  const suite = getSuite(name)
  describe(`memorySigner (${name})`, () => {
    test('signs what suite.sign signs and decrypts what suite.encrypt sealed', () => {
      const kp = suite.generateKeyPair()
      const s = memorySigner(suite, kp.privateKey)
      assert.equal(s.suite, name)
      assert.equal(s.backend, 'memory')
      assert.deepEqual(s.publicKey, kp.publicKey)
      const m = utf8('govchain signer')
      const sig = s.sign(m)
      assert.ok(suite.verify(kp.publicKey, m, sig))
      if (name === 'intl') assert.deepEqual(sig, suite.sign(kp.privateKey, m)) // Ed25519 is deterministic
      assert.deepEqual(s.decrypt?.(suite.encrypt(kp.publicKey, m)), m)
    })

    test("keeps its own copy: the caller's bytes may be wiped", () => {
      const kp = suite.generateKeyPair()
      const bytes = kp.privateKey.slice()
      const s = memorySigner(suite, bytes)
      bytes.fill(0)
      const m = utf8('after wipe')
      assert.ok(suite.verify(kp.publicKey, m, s.sign(m)))
    })

    test('signerOf wraps bytes, passes a signer through, refuses the other suite', () => {
      const kp = suite.generateKeyPair()
      const s = signerOf(suite, kp.privateKey)
      assert.ok(isKeySigner(s))
      assert.ok(!isKeySigner(kp.privateKey))
      assert.equal(signerOf(suite, s), s)
      const other = getSuite(name === 'gm' ? 'intl' : 'gm')
      assert.throws(() => signerOf(other, s), { code: 'INVALID_ARGUMENT' })
    })

    test('a malformed key is CRYPTO_INVALID_KEY', () => {
      assert.throws(() => memorySigner(suite, new Uint8Array(3)), { code: 'CRYPTO_INVALID_KEY' })
    })
  })
}
