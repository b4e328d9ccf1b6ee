import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AnchorRecord } from '@govchain/anchor/schema'
import {
  BlockHeader,
  CommitCertificate,
  decode,
  encode,
  GovchainError,
  hashValidatorSet,
  MemorySmtStore,
  SmtProofCodec,
  SparseMerkleTree,
  suites,
  toHex,
  ValidatorSet,
} from '@govchain/core'
import { makeCertificate, makeChain, makeHeader, makeValidators } from '@govchain/distribution/testkit'
import { decodeAnchorRecord, LightClient, stateKey } from '@govchain/sdk'

function code(expected: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof GovchainError, `expected a GovchainError, got ${String(e)}`)
    assert.equal(e.code, expected, e.message)
    return true
  }
}

test('stateKey is utf8(module + "/") || key and rejects bad module names', () => {
  assert.equal(toHex(stateKey('anchor', new Uint8Array([0xab]))), `${toHex(new TextEncoder().encode('anchor/'))}ab`)
  assert.throws(() => stateKey('an/chor', new Uint8Array(1)), code('INVALID_ARGUMENT'))
  assert.throws(() => stateKey('', new Uint8Array(1)), code('INVALID_ARGUMENT'))
})

for (const suiteName of ['gm', 'intl'] as const) {
  const suite = suites[suiteName]
  describe(`light client (${suiteName})`, () => {
    const chain = makeChain(suite)
    const lc = () => new LightClient({ suite, chainId: chain.chainId, trustedValidatorSet: chain.set })

    test('accepts a header with a >2/3 certificate from the trusted set', () => {
      const header = lc().verifyHeader(chain.headerBytes, chain.certificate)
      assert.equal(header.height, chain.height)
      assert.deepEqual(header.stateRoot, chain.root)
    })

    test('accepts a trusted set given as its encoding', () => {
      const c = new LightClient({ suite, chainId: chain.chainId, trustedValidatorSet: encode(ValidatorSet, chain.set) })
      assert.equal(c.verifyHeader(chain.headerBytes, chain.certificate).height, chain.height)
      assert.equal(c.validatorSetHashHex, toHex(hashValidatorSet(suite, chain.set)))
    })

    test('verifies a membership proof and returns the value', () => {
      const r = lc().verifyState(chain.answer('anchor', chain.docHash))
      assert.deepEqual(r.value, chain.record)
      assert.equal(r.height, chain.height)
      const rec = decodeAnchorRecord(r.value!)
      assert.deepEqual(rec.hash, chain.docHash)
      assert.equal(rec.kind, 'contract')
    })

    test('accepts the key as hex, as the HTTP client returns it', () => {
      const a = chain.answer('anchor', chain.docHash)
      assert.deepEqual(lc().verifyState({ ...a, key: toHex(a.key) }).value, chain.record)
    })

    test('verifies a proof of absence', () => {
      const missing = suite.hash(new TextEncoder().encode('never anchored'))
      const a = chain.answer('anchor', missing)
      assert.equal(a.value, undefined)
      const r = lc().verifyState(a)
      assert.equal(r.value, undefined)
    })

    test('rejects a certificate with 2/3 or less of the power', () => {
      const cert = makeCertificate(suite, chain.chainId, chain.height, chain.headerBytes, chain.keys, [0, 1])
      assert.throws(() => lc().verifyHeader(chain.headerBytes, cert), code('CERTIFICATE_INVALID'))
      assert.throws(
        () => lc().verifyState({ ...chain.answer('anchor', chain.docHash), certificate: cert }),
        code('CERTIFICATE_INVALID'),
      )
    })

    test('rejects a certificate with a signature repeated to reach the quorum', () => {
      const c = decode(CommitCertificate, chain.certificate)
      const doubled = encode(CommitCertificate, {
        ...c,
        signatures: [c.signatures[0]!, c.signatures[0]!, c.signatures[1]!],
      })
      assert.throws(() => lc().verifyHeader(chain.headerBytes, doubled), code('CERTIFICATE_INVALID'))
    })

    test('rejects a certificate with a forged signature', () => {
      const c = decode(CommitCertificate, chain.certificate)
      const sig = c.signatures[2]!.signature.slice()
      sig[10]! ^= 1
      const forged = encode(CommitCertificate, {
        ...c,
        signatures: [c.signatures[0]!, c.signatures[1]!, { validatorIndex: 2, signature: sig }],
      })
      assert.throws(() => lc().verifyHeader(chain.headerBytes, forged), code('CERTIFICATE_INVALID'))
    })

    test('rejects a tampered header (state root swapped, certificate reused)', () => {
      const h = decode(BlockHeader, chain.headerBytes)
      const fakeRoot = new Uint8Array(32).fill(7)
      const tampered = encode(BlockHeader, { ...h, stateRoot: fakeRoot })
      assert.throws(() => lc().verifyHeader(tampered, chain.certificate), code('CERTIFICATE_INVALID'))
      // A byte flipped anywhere: either it no longer decodes or it no longer matches the certificate.
      for (const i of [0, 20, chain.headerBytes.length - 1]) {
        const flipped = chain.headerBytes.slice()
        flipped[i]! ^= 0x40
        assert.throws(() => lc().verifyHeader(flipped, chain.certificate), code('CERTIFICATE_INVALID'))
      }
    })

    test('rejects a certificate for another height of the same block hash claim', () => {
      const cert = makeCertificate(suite, chain.chainId, chain.height + 1, chain.headerBytes, chain.keys, [0, 1, 2])
      assert.throws(() => lc().verifyHeader(chain.headerBytes, cert), code('CERTIFICATE_INVALID'))
    })

    test('rejects a proof for a different value', () => {
      const a = chain.answer('anchor', chain.docHash)
      const other = a.value!.slice()
      other[other.length - 1]! ^= 1
      assert.throws(() => lc().verifyState({ ...a, value: other }), code('PROOF_INVALID'))
      // Claiming absence of a present key fails too.
      assert.throws(() => lc().verifyState({ ...a, value: undefined }), code('PROOF_INVALID'))
    })

    test('rejects a proof moved to another key or module', () => {
      const a = chain.answer('anchor', chain.docHash)
      assert.throws(() => lc().verifyState({ ...a, module: 'other' }), code('PROOF_INVALID'))
      const otherKey = chain.docHash.slice()
      otherKey[0]! ^= 1
      assert.throws(() => lc().verifyState({ ...a, key: otherKey }), code('PROOF_INVALID'))
    })

    test('rejects a claimed value for an absent key', () => {
      const missing = suite.hash(new TextEncoder().encode('never anchored'))
      const a = chain.answer('anchor', missing)
      assert.throws(() => lc().verifyState({ ...a, value: chain.record }), code('PROOF_INVALID'))
    })

    test('rejects a malformed proof, a missing proof and a wrong height', () => {
      const a = chain.answer('anchor', chain.docHash)
      assert.throws(() => lc().verifyState({ ...a, proof: a.proof.subarray(1) }), code('PROOF_INVALID'))
      assert.throws(() => lc().verifyState({ ...a, proof: undefined }), code('PROOF_INVALID'))
      assert.throws(() => lc().verifyState({ ...a, height: a.height - 1 }), code('PROOF_INVALID'))
    })

    test('rejects a valid proof made against another state root', () => {
      const full = stateKey('anchor', chain.docHash)
      const store = new MemorySmtStore()
      const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
      const forged = new Uint8Array([1, 2, 3])
      const { root, nodes } = tree.update(new Uint8Array(32), [[full, forged]])
      store.apply(nodes)
      const proof = encode(SmtProofCodec, tree.prove(root, full))
      const a = chain.answer('anchor', chain.docHash)
      assert.throws(() => lc().verifyState({ ...a, value: forged, proof }), code('PROOF_INVALID'))
    })

    test('rejects a wrong chain id, in the client or in the header', () => {
      const other = new LightClient({ suite, chainId: 'another-chain', trustedValidatorSet: chain.set })
      assert.throws(() => other.verifyHeader(chain.headerBytes, chain.certificate), code('CERTIFICATE_INVALID'))
      // A header of another chain, properly certified for that chain, is refused by this chain's client.
      const h = makeHeader(suite, { chainId: 'another-chain', height: 7, stateRoot: chain.root, set: chain.set })
      const cert = makeCertificate(suite, 'another-chain', 7, h, chain.keys, [0, 1, 2, 3])
      assert.throws(() => lc().verifyHeader(h, cert), code('CERTIFICATE_INVALID'))
      // Even with votes cast on this chain, a header that names another chain is refused.
      const votedHere = makeCertificate(suite, chain.chainId, 7, h, chain.keys, [0, 1, 2, 3])
      assert.throws(
        () => lc().verifyHeader(h, votedHere),
        (e: unknown) => {
          return code('CERTIFICATE_INVALID')(e) && /another-chain/.test((e as Error).message)
        },
      )
    })

    test('rejects a validator set that does not match the header', () => {
      // Same keys, different power: a different set, so a different hash.
      const reweighted: ValidatorSet = {
        validators: chain.set.validators.map((v, i) => ({ ...v, votingPower: i === 0 ? 100 : 10 })),
      }
      const c = new LightClient({ suite, chainId: chain.chainId, trustedValidatorSet: reweighted })
      assert.throws(() => c.verifyHeader(chain.headerBytes, chain.certificate), code('CERTIFICATE_INVALID'))
      // Another consortium's keys entirely.
      const stranger = makeValidators(suite, 4)
      const s = new LightClient({ suite, chainId: chain.chainId, trustedValidatorSet: stranger.set })
      assert.throws(() => s.verifyHeader(chain.headerBytes, chain.certificate), code('CERTIFICATE_INVALID'))
      // A header naming the strangers' set but signed by them is refused by a client trusting the real set.
      const h = makeHeader(suite, { chainId: chain.chainId, height: 7, stateRoot: chain.root, set: stranger.set })
      const cert = makeCertificate(suite, chain.chainId, 7, h, stranger.keys, [0, 1, 2, 3])
      assert.throws(() => lc().verifyHeader(h, cert), code('CERTIFICATE_INVALID'))
      // Signed by the trusted validators, but the header names another set: trust does not match the chain.
      const signedByTrusted = makeCertificate(suite, chain.chainId, 7, h, chain.keys, [0, 1, 2, 3])
      assert.throws(
        () => lc().verifyHeader(h, signedByTrusted),
        (e: unknown) => {
          return code('CERTIFICATE_INVALID')(e) && /validator set/.test((e as Error).message)
        },
      )
    })

    test('refuses an invalid trusted set', () => {
      assert.throws(
        () => new LightClient({ suite, chainId: chain.chainId, trustedValidatorSet: { validators: [] } }),
        (e: unknown) => e instanceof GovchainError,
      )
      assert.throws(
        () => new LightClient({ suite, chainId: chain.chainId, trustedValidatorSet: new Uint8Array([1, 2, 3]) }),
        code('CERTIFICATE_INVALID'),
      )
    })

    test('advances across a validator-set change, and only through nextValidatorSetHash', () => {
      const next = makeValidators(suite, 4, 5)
      // Block 7 commits (signed by the old set) that block 8 on is validated by the new set.
      const h7 = makeHeader(suite, {
        chainId: chain.chainId,
        height: 7,
        stateRoot: chain.root,
        set: chain.set,
        nextValidatorSetHash: hashValidatorSet(suite, next.set),
      })
      const c7 = makeCertificate(suite, chain.chainId, 7, h7, chain.keys, [1, 2, 3])
      const h8 = makeHeader(suite, { chainId: chain.chainId, height: 8, stateRoot: chain.root, set: next.set })
      const c8 = makeCertificate(suite, chain.chainId, 8, h8, next.keys, [0, 2, 3])
      const c8old = makeCertificate(suite, chain.chainId, 8, h8, chain.keys, [0, 1, 2, 3])

      const client = lc()
      assert.throws(() => client.verifyHeader(h8, c8), code('CERTIFICATE_INVALID'))
      // A set other than the announced one is refused, and trust does not move.
      const impostor = makeValidators(suite, 4, 5)
      assert.throws(() => client.advance(h7, c7, impostor.set), code('CERTIFICATE_INVALID'))
      assert.equal(client.validatorSetHashHex, toHex(hashValidatorSet(suite, chain.set)))
      // Nor with a certificate below quorum.
      const weak = makeCertificate(suite, chain.chainId, 7, h7, chain.keys, [1])
      assert.throws(() => client.advance(h7, weak, next.set), code('CERTIFICATE_INVALID'))

      assert.equal(client.advance(h7, c7, encode(ValidatorSet, next.set)).height, 7)
      assert.equal(client.validatorSetHashHex, toHex(hashValidatorSet(suite, next.set)))
      assert.equal(client.verifyHeader(h8, c8).height, 8)
      // The old set no longer convinces it.
      assert.throws(() => client.verifyHeader(h8, c8old), code('CERTIFICATE_INVALID'))
    })

    test('works with the anchor record codec shared with the node', () => {
      const rec = decode(AnchorRecord, chain.record)
      assert.equal(rec.height, 6)
      assert.equal(rec.note, undefined)
    })
  })
}
