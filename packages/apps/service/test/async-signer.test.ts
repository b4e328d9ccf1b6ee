/**
 * The one asynchronous signer of portal pages (ADR 0037): every builder that takes an
 * AsyncSigner signs exactly the bytes its synchronous form signs, so the verifiers need no
 * change. intl (Ed25519, deterministic, RFC 8032) must give byte-identical results with a key
 * behind a promise and with the key bytes — including a non-extractable WebCrypto Ed25519 key,
 * the browser's form; gm (SM2 signatures are randomised) must verify under the verifiers' own
 * messages. A transaction built with the signer has the same body and hash as with the bytes.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTx, buildTxWith, decodeTx, verifyTxSignatures } from '@govchain/client'
import {
  type AsyncSigner,
  asyncSignerOf,
  type CryptoSuite,
  decode,
  fromHex,
  getSuite,
  type SuiteName,
  utf8,
} from '@govchain/core'
import {
  issueLicense,
  issueLicenseCredentialWith,
  issueLicenseWith,
  reissueLicense,
  reissueLicenseWith,
  signHolderQuery,
  signHolderQueryWith,
  signPresentation,
  signPresentationWith,
} from '@govchain/license/client'
import { parseSdJwt, verifySdJwtSignature } from '@govchain/license/credential'
import { holderQueryMessage, IssueArgs, RenewArgs } from '@govchain/license/schema'
import { signSharingAuth, signSharingAuthWith } from '@govchain/sharing/client'
import { sharingAuthMessage } from '@govchain/sharing/schema'
import { signMyCases, signMyCasesWith } from '../src/client.ts'
import { myCasesMessage } from '../src/schema.ts'

const CHAIN = 'govchain-async-signer-test'
const DID = 'did:govchain:5Hq3oYkqf8Xz9WqXbV6c2S'
const TYPE = {
  code: '111101080000791900001',
  name: '营业执照',
  nameEn: 'Business Licence',
  fields: [{ name: 'enterpriseName', label: '名称', labelEn: 'Name', personal: false, required: true }],
}
/** RFC 8410 §7: the PKCS#8 PrivateKeyInfo of an Ed25519 key is this prefix and the 32-byte seed. */
const ED25519_PKCS8_PREFIX = fromHex('302e020100300506032b657004220420')

function keyOf(suite: CryptoSuite) {
  const pair = suite.generateKeyPair()
  return { ...pair, signer: asyncSignerOf(suite, pair.privateKey) }
}

/** A non-extractable WebCrypto Ed25519 key over `seed`: what an intl browser keeps (ADR 0032). */
async function webCryptoSigner(seed: Uint8Array, publicKey: Uint8Array): Promise<AsyncSigner> {
  const pkcs8 = new Uint8Array([...ED25519_PKCS8_PREFIX, ...seed])
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign'])
  assert.equal(key.extractable, false)
  return {
    suite: 'intl',
    publicKey,
    sign: async (m) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, new Uint8Array(m))),
  }
}

const issueInput = (validUntilHeight: number) => ({
  chainId: CHAIN,
  type: TYPE,
  issuer: { orgId: 'market', code: '11110108MB0143028X' },
  holder: DID,
  validFromMs: 1_700_000_000_000,
  validUntilMs: 0,
  issuedAtMs: 1_700_000_000_000,
  fields: { enterpriseName: '示范公司' },
  serial: '0000000042',
  nonce: 7,
  validUntilHeight,
})

test('intl: a WebCrypto key and the key bytes sign every format byte for byte alike', async () => {
  const suite = getSuite('intl')
  const k = keyOf(suite)
  const browser = await webCryptoSigner(k.privateKey, k.publicKey)
  for (const signer of [k.signer, browser]) {
    // Transactions: the stand-in's recorded bytes, signed by the signer.
    const common = { suite, chainId: CHAIN, module: 'evidence', method: 'record', args: utf8('x'), nonce: 1 }
    const sync = buildTx({ ...common, privateKey: k.privateKey, validUntilHeight: 9 })
    const built = await buildTxWith(signer, suite, (privateKey) =>
      buildTx({ ...common, privateKey, validUntilHeight: 9 }),
    )
    assert.deepEqual(built.bytes, sync.bytes)
    assert.equal(built.hashHex, sync.hashHex)
    // Issuing: the credential, then the transaction carrying its hash.
    const issued = await issueLicenseWith(signer, { suite, ...issueInput(50) })
    const direct = issueLicense({ suite, privateKey: k.privateKey, ...issueInput(50) })
    assert.equal(issued.id, direct.id)
    const [a, b] = [issued, direct].map((x) => parseSdJwt(suite, x.credential))
    assert.ok(verifySdJwtSignature(suite, k.publicKey, a!))
    assert.equal(a!.disclosures.length, b!.disclosures.length)
    assert.deepEqual(verifyTxSignatures(issued.tx.bytes, suite), [k.publicKey])
    const args = decode(IssueArgs, decodeTx(issued.tx.bytes, suite).body.args)
    assert.deepEqual(args.credentialHash, issued.credentialHash)
    // Renewal: the same shape.
    const renewInput = { ...issueInput(50), previousId: direct.id, version: 2, mode: 'renew' as const }
    const renewed = await reissueLicenseWith(signer, { suite, ...renewInput })
    assert.equal(renewed.id, reissueLicense({ suite, privateKey: k.privateKey, ...renewInput }).id)
    assert.deepEqual(verifyTxSignatures(renewed.tx.bytes, suite), [k.publicKey])
    assert.deepEqual(
      decode(RenewArgs, decodeTx(renewed.tx.bytes, suite).body.args).credentialHash,
      renewed.credentialHash,
    )
    // The credential alone (a service decision carries its hash).
    const alone = await issueLicenseCredentialWith(signer, { suite, ...issueInput(50) })
    assert.ok(verifySdJwtSignature(suite, k.publicKey, parseSdJwt(suite, alone.credential)))
    // Off-chain messages: identical to the synchronous signatures (Ed25519 is deterministic).
    const q = { suite, chainId: CHAIN, path: '/v1/licenses/x/uses', did: DID, timeMs: 1_700_000_000_000 }
    assert.deepEqual(await signHolderQueryWith(signer, q), signHolderQuery({ ...q, privateKey: k.privateKey }))
    const p = {
      suite,
      holder: DID,
      licenseId: direct.id,
      audience: 'https://zwfw.example.cn/verify',
      nowMs: 1e12,
      nonce: 'AAAAAAAAAAAAAAAA',
    }
    assert.deepEqual(await signPresentationWith(signer, p), signPresentation({ ...p, privateKey: k.privateKey }))
    const s = { suite, chainId: CHAIN, purpose: 'my-accesses' as const, challenge: 'ab'.repeat(32) }
    assert.equal(await signSharingAuthWith(signer, s), signSharingAuth({ ...s, privateKey: k.privateKey }))
    const c = { suite, chainId: CHAIN, did: DID, challenge: 'cd'.repeat(32) }
    assert.deepEqual(await signMyCasesWith(signer, c), signMyCases({ ...c, privateKey: k.privateKey }))
  }
})

for (const name of ['gm', 'intl'] as SuiteName[]) {
  test(`${name}: what the async signer signs verifies under the verifiers' messages`, async () => {
    const suite = getSuite(name)
    const k = keyOf(suite)
    const q = { suite, chainId: CHAIN, path: '/demo/credentials', did: DID, timeMs: 1_700_000_000_000 }
    const auth = await signHolderQueryWith(k.signer, q)
    assert.equal(auth.key, Buffer.from(k.publicKey).toString('hex'))
    assert.ok(suite.verify(k.publicKey, holderQueryMessage(q), fromHex(auth.sig)))
    const s = await signSharingAuthWith(k.signer, {
      suite,
      chainId: CHAIN,
      purpose: 'lineage',
      challenge: '01'.repeat(32),
    })
    assert.ok(suite.verify(k.publicKey, sharingAuthMessage(CHAIN, 'lineage', '01'.repeat(32)), fromHex(s)))
    const c = await signMyCasesWith(k.signer, { suite, chainId: CHAIN, did: DID, challenge: '02'.repeat(32) })
    assert.ok(suite.verify(k.publicKey, myCasesMessage(CHAIN, DID, '02'.repeat(32)), fromHex(c.signature)))
    const issued = await issueLicenseWith(k.signer, { suite, ...issueInput(50) })
    assert.ok(verifySdJwtSignature(suite, k.publicKey, parseSdJwt(suite, issued.credential)))
    assert.deepEqual(verifyTxSignatures(issued.tx.bytes, suite), [k.publicKey])
  })
}

test('a builder asking the stand-in for two signatures, or for another key, is refused', async () => {
  const suite = getSuite('intl')
  const k = keyOf(suite)
  const other = keyOf(suite)
  const common = { suite, chainId: CHAIN, module: 'evidence', method: 'record', args: utf8('x'), validUntilHeight: 9 }
  await assert.rejects(
    buildTxWith(k.signer, suite, (privateKey) => {
      buildTx({ ...common, privateKey })
      return buildTx({ ...common, privateKey })
    }),
    (e: { code?: string }) => e.code === 'INVALID_ARGUMENT',
  )
  await assert.rejects(
    buildTxWith(k.signer, suite, (privateKey) => {
      buildTx({ ...common, privateKey })
      return buildTx({ ...common, privateKey: other.privateKey })
    }),
    (e: { code?: string }) => e.code === 'INVALID_ARGUMENT',
  )
})
