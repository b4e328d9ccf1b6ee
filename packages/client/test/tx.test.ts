import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AnchorPutArgs } from '@govchain/anchor/schema'
import {
  DOMAIN,
  decode,
  encode,
  GovchainError,
  LIMITS,
  SignedTx,
  signingBytes,
  suites,
  TxBody,
  toHex,
} from '@govchain/core'
import {
  addSignature,
  anchorKeyHex,
  anchorPut,
  buildTx,
  decodeTx,
  randomNonce,
  txHash,
  verifyTxSignatures,
} from '@govchain/sdk'

function code(expected: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof GovchainError, `expected a GovchainError, got ${String(e)}`)
    assert.equal(e.code, expected, e.message)
    return true
  }
}

test('randomNonce stays within 53 bits and varies', () => {
  const seen = new Set<number>()
  for (let i = 0; i < 200; i++) {
    const n = randomNonce()
    assert.ok(Number.isSafeInteger(n) && n >= 0)
    seen.add(n)
  }
  assert.ok(seen.size > 190)
})

for (const name of ['gm', 'intl'] as const) {
  const suite = suites[name]
  describe(`transactions (${name})`, () => {
    const sender = suite.generateKeyPair()
    const officers = [suite.generateKeyPair(), suite.generateKeyPair()]
    const base = {
      suite,
      chainId: 'govchain-test',
      privateKey: sender.privateKey,
      module: 'anchor',
      method: 'put',
      args: new Uint8Array([1, 2, 3]),
      validUntilHeight: 100,
    }

    test('buildTx round trip: body, sender, signature over DOMAIN.tx || body, hash = suite.hash(body)', () => {
      const tx = buildTx({ ...base, nonce: 42 })
      const signed = decode(SignedTx, tx.bytes)
      const body = decode(TxBody, signed.body)
      assert.deepEqual(body, {
        chainId: 'govchain-test',
        sender: sender.publicKey,
        nonce: 42,
        validUntilHeight: 100,
        module: 'anchor',
        method: 'put',
        args: new Uint8Array([1, 2, 3]),
      })
      assert.equal(signed.signatures.length, 1)
      assert.deepEqual(signed.signatures[0]!.publicKey, sender.publicKey)
      assert.ok(suite.verify(sender.publicKey, signingBytes(DOMAIN.tx, signed.body), signed.signatures[0]!.signature))
      // The signature is domain-separated: it does not verify over the bare body.
      assert.ok(!suite.verify(sender.publicKey, signed.body, signed.signatures[0]!.signature))
      assert.deepEqual(tx.hash, suite.hash(signed.body))
      assert.equal(tx.hashHex, toHex(tx.hash))
      assert.deepEqual(txHash(tx.bytes, suite), tx.hash)
      assert.deepEqual(decodeTx(tx.bytes, suite).body, body)
      assert.equal(verifyTxSignatures(tx.bytes, suite).length, 1)
    })

    test('default nonces are random, so two identical calls make two transactions', () => {
      const a = buildTx(base)
      const b = buildTx(base)
      assert.notEqual(a.hashHex, b.hashHex)
    })

    test('multi-signature: officers add signatures, the hash does not change', () => {
      const tx = buildTx(base)
      const two = addSignature(tx.bytes, suite, officers[0]!.privateKey)
      const three = addSignature(two, suite, officers[1]!.privateKey)
      assert.deepEqual(txHash(three, suite), tx.hash)
      const signers = verifyTxSignatures(three, suite)
      assert.deepEqual(signers, [sender.publicKey, officers[0]!.publicKey, officers[1]!.publicKey])
      // Inputs are never mutated.
      assert.equal(decode(SignedTx, tx.bytes).signatures.length, 1)
      // The same key cannot sign twice.
      assert.throws(() => addSignature(three, suite, officers[0]!.privateKey), code('INVALID_ARGUMENT'))
      assert.throws(() => addSignature(three, suite, sender.privateKey), code('INVALID_ARGUMENT'))
    })

    test('at most LIMITS.signaturesPerTx signatures', () => {
      let bytes = buildTx(base).bytes
      for (let i = 1; i < LIMITS.signaturesPerTx; i++)
        bytes = addSignature(bytes, suite, suite.generateKeyPair().privateKey)
      assert.equal(verifyTxSignatures(bytes, suite).length, LIMITS.signaturesPerTx)
      assert.throws(() => addSignature(bytes, suite, suite.generateKeyPair().privateKey), code('INVALID_ARGUMENT'))
    })

    test('verifyTxSignatures catches a forged signature, a wrong first signer and a tampered body', () => {
      const tx = buildTx(base)
      const signed = decode(SignedTx, tx.bytes)
      const sig = signed.signatures[0]!.signature.slice()
      sig[5]! ^= 1
      const forged = encode(SignedTx, {
        body: signed.body,
        signatures: [{ publicKey: sender.publicKey, signature: sig }],
      })
      assert.throws(() => verifyTxSignatures(forged, suite), code('INVALID_ARGUMENT'))

      const byOfficer = addSignature(tx.bytes, suite, officers[0]!.privateKey)
      const s2 = decode(SignedTx, byOfficer)
      const swapped = encode(SignedTx, { body: s2.body, signatures: [s2.signatures[1]!, s2.signatures[0]!] })
      assert.throws(() => verifyTxSignatures(swapped, suite), code('INVALID_ARGUMENT'))

      const body = decode(TxBody, signed.body)
      const otherBody = encode(TxBody, { ...body, validUntilHeight: 1_000_000 })
      const tampered = encode(SignedTx, { body: otherBody, signatures: signed.signatures })
      assert.throws(() => verifyTxSignatures(tampered, suite), code('INVALID_ARGUMENT'))

      assert.throws(() => verifyTxSignatures(encode(SignedTx, { body: signed.body, signatures: [] }), suite))
    })

    test('bad input gets a coded error', () => {
      assert.throws(() => buildTx({ ...base, chainId: 'x'.repeat(65) }), code('ENCODE_INVALID_VALUE'))
      assert.throws(() => buildTx({ ...base, nonce: -1 }), code('ENCODE_INVALID_VALUE'))
      assert.throws(() => buildTx({ ...base, validUntilHeight: 1.5 }), code('ENCODE_INVALID_VALUE'))
      assert.throws(
        () => buildTx({ ...base, privateKey: new Uint8Array(3) }),
        (e: unknown) => e instanceof GovchainError,
      )
      assert.throws(
        () => addSignature(new Uint8Array([1, 2]), suite, sender.privateKey),
        (e: unknown) => {
          return e instanceof GovchainError && e.code.startsWith('DECODE_')
        },
      )
    })

    test('anchorPut builds anchor.put with the shared AnchorPutArgs codec', () => {
      const docHash = suite.hash(new TextEncoder().encode('document'))
      const tx = anchorPut({
        suite,
        chainId: 'govchain-test',
        privateKey: sender.privateKey,
        hash: docHash,
        kind: 'contract',
        note: '合同备案',
        validUntilHeight: 50,
      })
      const { body } = decodeTx(tx.bytes, suite)
      assert.equal(body.module, 'anchor')
      assert.equal(body.method, 'put')
      assert.deepEqual(decode(AnchorPutArgs, body.args), { hash: docHash, kind: 'contract', note: '合同备案' })
      const noNote = decodeTx(
        anchorPut({ suite, chainId: 'c', privateKey: sender.privateKey, hash: docHash, kind: 'k', validUntilHeight: 1 })
          .bytes,
        suite,
      )
      assert.deepEqual(decode(AnchorPutArgs, noNote.body.args), { hash: docHash, kind: 'k' })
      assert.equal(anchorKeyHex(docHash), toHex(docHash))
      assert.throws(
        () =>
          anchorPut({
            suite,
            chainId: 'c',
            privateKey: sender.privateKey,
            hash: new Uint8Array(31),
            kind: 'k',
            validUntilHeight: 1,
          }),
        code('ENCODE_INVALID_VALUE'),
      )
    })
  })
}
