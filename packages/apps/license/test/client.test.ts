/**
 * Licences in the SDK: interop of intl credentials with independent libraries (jose,
 * @sd-jwt/sd-jwt-vc verifying with node:crypto's Ed25519), holder presentations and QR payloads,
 * signed holder queries, and offline verification from a QR payload plus a cached validator set
 * with no node reachable (fetch is disabled for the whole offline test).
 */
import assert from 'node:assert/strict'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { afterEach, beforeEach, describe, test } from 'node:test'
import {
  type CryptoSuite,
  encode,
  fromHex,
  MemorySmtStore,
  SmtProofCodec,
  SparseMerkleTree,
  suites,
} from '@govchain/core'
import { makeCertificate, makeHeader, makeValidators } from '@govchain/distribution/testkit'
import {
  decodeLicenseQr,
  issueLicense,
  licenseQr,
  licenseRefQr,
  presentCredential,
  signHolderQuery,
  stateKey,
  verifyLicenseOffline,
} from '@govchain/sdk'
import { digest } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { importJWK, jwtVerify } from 'jose'
import { checkHandedOverCredential, readHandedOverCredential } from '../src/client.ts'
import { credentialFromQr, credentialHash, publicKeyJwk } from '../src/credential.ts'
import { holderQueryMessage, LICENSE_KEYS, LicenseRecord, type LicenseTypeRecord } from '../src/schema.ts'

const CHAIN = 'govchain-local-test'
const NOW = Date.UTC(2026, 0, 15)
const YEAR = 365 * 24 * 3600 * 1000

const TYPE: Pick<LicenseTypeRecord, 'code' | 'name' | 'nameEn' | 'fields'> = {
  code: '111101080000791900001',
  name: '建筑业企业资质证书',
  nameEn: 'Construction Enterprise Qualification Certificate',
  fields: [
    { name: 'enterpriseName', label: '企业名称', labelEn: 'Enterprise name', personal: false, required: true },
    {
      name: 'legalRepresentative',
      label: '法定代表人',
      labelEn: 'Legal representative',
      personal: true,
      required: true,
    },
    {
      name: 'qualificationCategory',
      label: '资质类别及等级',
      labelEn: 'Qualification',
      personal: false,
      required: true,
    },
  ],
}
const FIELDS = {
  enterpriseName: '北京城建示范工程有限公司',
  legalRepresentative: '张建国',
  qualificationCategory: '建筑工程施工总承包贰级',
}
const HOLDER = 'did:govchain:4Hx9kTq2p7LmN3vWzR8sYb'

function issued(suite: CryptoSuite, validFromMs = NOW, validUntilMs = NOW + 3 * YEAR) {
  const officer = suite.generateKeyPair()
  const lic = issueLicense({
    suite,
    chainId: CHAIN,
    privateKey: officer.privateKey,
    type: TYPE,
    issuer: { orgId: 'housing', name: '住房和城乡建设委员会', code: '111101080000791900' },
    holder: HOLDER,
    validFromMs,
    validUntilMs,
    fields: FIELDS,
    issuedAtMs: NOW,
    validUntilHeight: 100,
  })
  return { officer, lic, validFromMs, validUntilMs }
}

describe('licence credentials: interop (intl) with independent libraries', () => {
  const suite = suites.intl
  // The validity must contain the real current time: the libraries check exp/nbf against their clock.
  const { officer, lic } = issued(suite, Date.now() - 1000, Date.now() + YEAR)
  const jwk = publicKeyJwk(suite, officer.publicKey)

  test('jose verifies the issuer-signed JWT (EdDSA / Ed25519) with the issuer public key', async () => {
    const key = await importJWK({ ...jwk }, 'EdDSA')
    const { payload, protectedHeader } = await jwtVerify(lic.sdJwt.jwt, key, { typ: 'dc+sd-jwt' })
    assert.equal(protectedHeader.alg, 'EdDSA')
    assert.equal(payload.jti, lic.id)
    assert.equal(payload.sub, HOLDER)
    assert.equal((payload as { _sd_alg?: string })._sd_alg, 'sha-256')
  })

  test('@sd-jwt/sd-jwt-vc verifies signature and disclosures, with node:crypto Ed25519 as verifier', async () => {
    const publicKey = createPublicKey({ key: { ...jwk }, format: 'jwk' })
    const sdjwt = new SDJwtVcInstance({
      hasher: digest,
      hashAlg: 'sha-256',
      verifier: (data: string, sig: string) =>
        nodeVerify(null, Buffer.from(data), publicKey, Buffer.from(sig, 'base64url')),
    })
    const full = await sdjwt.verify(lic.credential)
    const claims = full.payload as Record<string, unknown>
    assert.equal(claims.enterpriseName, FIELDS.enterpriseName)
    assert.equal(claims.legalRepresentative, FIELDS.legalRepresentative)
    assert.equal(claims.vct, `urn:govchain:license-type:${TYPE.code}`)
    // A holder presentation: the library sees only the disclosed field.
    const shown = await sdjwt.verify(presentCredential(suite, lic.credential, ['qualificationCategory']))
    const p = shown.payload as Record<string, unknown>
    assert.equal(p.qualificationCategory, FIELDS.qualificationCategory)
    assert.equal(p.legalRepresentative, undefined)
    // A tampered disclosure never reaches the independent library's verified claims (it rejects
    // the presentation or drops the unreferenced disclosure).
    const parts = lic.credential.split('~')
    const d = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as [string, string, unknown]
    d[2] = '伪造'
    parts[1] = Buffer.from(JSON.stringify(d)).toString('base64url')
    const forged = await sdjwt.verify(parts.join('~')).catch(() => undefined)
    assert.notEqual((forged?.payload as Record<string, unknown> | undefined)?.[d[1]], '伪造')
  })
})

/** A chain's worth of proof material for one licence record, signed by 3 of 4 real validator keys. */
function provenRecord(
  suite: CryptoSuite,
  record: LicenseRecord,
  height = 42,
  timeMs = NOW + 60_000,
  provenId?: string,
) {
  const { keys, set } = makeValidators(suite, 4)
  const store = new MemorySmtStore()
  const tree = new SparseMerkleTree({ hash: (d) => suite.hash(d), store })
  const full = stateKey('license', LICENSE_KEYS.license(record.id))
  const changes: Array<[Uint8Array, Uint8Array]> = [[full, encode(LicenseRecord, record)]]
  for (let i = 0; i < 30; i++) changes.push([stateKey('license', suite.hash(new Uint8Array([i]))), new Uint8Array([i])])
  const { root, nodes } = tree.update(new Uint8Array(32), changes)
  store.apply(nodes)
  const headerBytes = makeHeader(suite, { chainId: CHAIN, height, stateRoot: root, set, timeMs })
  const certificate = makeCertificate(suite, CHAIN, height, headerBytes, keys, [0, 1, 2])
  // The proof of `provenId` instead, when given: an absent licence's proof of non-inclusion.
  const asked = provenId === undefined ? full : stateKey('license', LICENSE_KEYS.license(provenId))
  const proof = {
    height,
    value: tree.get(root, asked),
    proof: encode(SmtProofCodec, tree.prove(root, asked)),
    headerBytes,
    certificate,
  }
  return { set, proof }
}

function recordOf(
  suite: CryptoSuite,
  x: ReturnType<typeof issued>,
  status: LicenseRecord['status'] = 'active',
): LicenseRecord {
  return {
    id: x.lic.id,
    typeCode: TYPE.code,
    issuerOrg: 'housing',
    issuerKey: x.officer.publicKey,
    officerId: 'housing-admin',
    holder: HOLDER,
    credentialHash: credentialHash(suite, x.lic.sdJwt.jwt),
    status,
    validFromMs: x.validFromMs,
    validUntilMs: x.validUntilMs,
    version: 1,
    issuedHeight: 40,
    issuedTimeMs: NOW,
    issuedTxHash: x.lic.tx.hash,
    updatedHeight: 40,
    updatedTimeMs: NOW,
    historyCount: 1,
    ...(status === 'revoked' ? { reasonCode: 'fraud', reason: '材料造假' } : {}),
  }
}

for (const suite of [suites.intl, suites.gm]) {
  describe(`offline verification with no node reachable (${suite.name})`, () => {
    // Every way the SDK reaches a node: the global fetch, and node:http(s), its default on Node.
    const real = { fetch: globalThis.fetch, http: http.request, https: https.request }
    const refuse = (() => {
      throw new Error('network access during an offline verification')
    }) as never
    beforeEach(() => {
      globalThis.fetch = refuse
      http.request = refuse
      https.request = refuse
    })
    afterEach(() => {
      globalThis.fetch = real.fetch
      http.request = real.http
      https.request = real.https
    })

    test('a QR payload carrying the credential and its proof verifies against a cached validator set', () => {
      const x = issued(suite)
      const { set, proof } = provenRecord(suite, recordOf(suite, x))
      const shown = presentCredential(suite, x.lic.credential, ['enterpriseName', 'qualificationCategory'])
      const qr = licenseQr({ chainId: CHAIN, credential: shown, proof })
      assert.match(qr, /^GCL1:[0-9A-Z $%*+\-./:]+$/)
      // Fits a QR code in alphanumeric mode (version 40-L holds 4,296 characters).
      assert.ok(qr.length < 4296, `QR payload of ${qr.length} characters`)
      console.log(
        `# ${suite.name}: QR with 2 disclosures + proof: ${qr.length} chars; without proof: ${licenseQr({ chainId: CHAIN, credential: shown }).length}`,
      )
      const v = verifyLicenseOffline({ suite, chainId: CHAIN, qr, trustedValidatorSet: set })
      assert.equal(v.verdict, 'valid', JSON.stringify(v.checks))
      assert.equal(v.provenHeight, 42)
      assert.deepEqual(
        v.disclosed.map((d) => d.name),
        ['enterpriseName', 'qualificationCategory'],
      )
      assert.ok(v.checks.every((c) => c.ok))
      assert.match(v.caveat, /cannot be known offline/)
    })

    test('a credential plus proof material cached from an earlier fetch; expiry by the verifier clock', () => {
      const x = issued(suite, NOW, NOW + YEAR)
      const { set, proof } = provenRecord(suite, recordOf(suite, x))
      const v = verifyLicenseOffline({
        suite,
        chainId: CHAIN,
        credential: x.lic.credential,
        proof,
        trustedValidatorSet: set,
      })
      assert.equal(v.verdict, 'valid')
      const later = verifyLicenseOffline({
        suite,
        chainId: CHAIN,
        credential: x.lic.credential,
        proof,
        trustedValidatorSet: set,
        nowMs: NOW + 2 * YEAR,
      })
      assert.equal(later.verdict, 'expired')
      assert.deepEqual(later.reasons, ['LICENSE_EXPIRED'])
    })

    test('revoked at the proven height: verdict revoked with the reason', () => {
      const x = issued(suite)
      const { set, proof } = provenRecord(suite, recordOf(suite, x, 'revoked'))
      const v = verifyLicenseOffline({
        suite,
        chainId: CHAIN,
        qr: licenseQr({ chainId: CHAIN, credential: x.lic.credential, proof }),
        trustedValidatorSet: set,
      })
      assert.equal(v.verdict, 'revoked')
      assert.equal(v.valid, false)
      assert.deepEqual(v.reasons, ['LICENSE_REVOKED'])
    })

    test('rejects: untrusted validator set, tampered proof, tampered credential, no proof, wrong chain', () => {
      const x = issued(suite)
      const { set, proof } = provenRecord(suite, recordOf(suite, x))
      const other = makeValidators(suite, 4).set
      const qr = licenseQr({ chainId: CHAIN, credential: x.lic.credential, proof })
      // Signed by validators this verifier does not trust: the set may have changed, so offline
      // cannot decide; that is never shown as invalid (issue 15).
      const untrusted = verifyLicenseOffline({ suite, chainId: CHAIN, qr, trustedValidatorSet: other })
      assert.equal(untrusted.verdict, 'undecided')
      assert.equal(untrusted.valid, false)
      assert.deepEqual(untrusted.reasons, ['CERTIFICATE_INVALID'])
      // A proof whose value says "active" for a record the chain holds otherwise: the SMT proof fails.
      const forgedValue = encode(LicenseRecord, { ...recordOf(suite, x), validUntilMs: NOW + 4 * YEAR })
      const bad = verifyLicenseOffline({
        suite,
        chainId: CHAIN,
        credential: x.lic.credential,
        proof: { ...proof, value: forgedValue },
        trustedValidatorSet: set,
      })
      assert.deepEqual(bad.reasons, ['PROOF_INVALID'])
      assert.equal(bad.verdict, 'invalid')
      const parts = x.lic.credential.split('~')
      parts[1] = parts[2]!.slice(0, -2) + (parts[2]!.endsWith('AA') ? 'BA' : 'AA')
      const tampered = verifyLicenseOffline({
        suite,
        chainId: CHAIN,
        credential: parts.join('~'),
        proof,
        trustedValidatorSet: set,
      })
      assert.equal(tampered.verdict, 'invalid')
      const none = verifyLicenseOffline({
        suite,
        chainId: CHAIN,
        credential: x.lic.credential,
        trustedValidatorSet: set,
      })
      assert.deepEqual(none.reasons, ['LICENSE_PROOF_MISSING'])
      assert.equal(none.verdict, 'undecided')
      // A reference QR carries no credential: undecided offline as well.
      const ref = verifyLicenseOffline({
        suite,
        chainId: CHAIN,
        qr: licenseRefQr({ suite, chainId: CHAIN, credential: x.lic.credential }),
        trustedValidatorSet: set,
      })
      assert.deepEqual([ref.verdict, ref.reasons], ['undecided', ['LICENSE_PROOF_MISSING']])
      const wrong = verifyLicenseOffline({ suite, chainId: 'another-chain', qr, trustedValidatorSet: set })
      assert.deepEqual(wrong.reasons, ['LICENSE_WRONG_CHAIN'])
      const junk = verifyLicenseOffline({ suite, chainId: CHAIN, qr: 'GCL1:%%%', trustedValidatorSet: set })
      assert.deepEqual(junk.reasons, ['LICENSE_CREDENTIAL_MALFORMED'])
    })
  })
}

test('QR payloads round-trip; reference QRs are short; holder queries sign the documented bytes', () => {
  const suite = suites.gm
  const x = issued(suite)
  const qr = licenseQr({ chainId: CHAIN, credential: x.lic.credential })
  const back = decodeLicenseQr(qr)
  assert.equal(back.type, 'full')
  assert.equal(back.type === 'full' ? credentialFromQr(back.value.credential) : '', x.lic.credential)
  const ref = licenseRefQr({ suite, chainId: CHAIN, credential: x.lic.credential })
  assert.ok(ref.length < 200, `ref QR ${ref.length} chars`)
  const r = decodeLicenseQr(ref)
  assert.equal(r.type === 'ref' ? r.value.licenseId : '', x.lic.id)
  const holder = suite.generateKeyPair()
  const auth = signHolderQuery({
    suite,
    chainId: CHAIN,
    path: `/v1/licenses/${x.lic.id}/uses`,
    did: HOLDER,
    privateKey: holder.privateKey,
    timeMs: NOW,
  })
  const msg = holderQueryMessage({ chainId: CHAIN, path: `/v1/licenses/${x.lic.id}/uses`, did: HOLDER, timeMs: NOW })
  assert.ok(suite.verify(fromHex(auth.key), msg, fromHex(auth.sig)))
  assert.equal(auth.ts, String(NOW))
})

describe('hand-over: the holder checks a credential before the wallet keeps it (ADR 0038)', () => {
  const suite = suites.intl
  const x = issued(suite)
  const { set, proof } = provenRecord(suite, recordOf(suite, x))
  const fetched: string[] = []
  const check = (credential: string, over: Partial<Parameters<typeof checkHandedOverCredential>[0]> = {}) =>
    checkHandedOverCredential({
      suite,
      chainId: CHAIN,
      holder: HOLDER,
      credential,
      typeCodes: new Set([TYPE.code]),
      trustedValidatorSet: set,
      fetchProof: async (id) => {
        fetched.push(id)
        return proof
      },
      ...over,
    })
  const refused = async (p: Promise<unknown>, code: string) =>
    assert.equal(
      await p.then(
        () => 'accepted',
        (e: { code?: string }) => e.code,
      ),
      code,
    )

  test('reads the credential from the file text, JSON or the hand-over QR; anything else is malformed', () => {
    const c = x.lic.credential
    assert.equal(readHandedOverCredential(`\n${c.slice(0, 40)}\n${c.slice(40)}\n`), c)
    assert.equal(readHandedOverCredential(JSON.stringify({ credential: c })), c)
    assert.equal(readHandedOverCredential(licenseQr({ chainId: CHAIN, credential: c })), c)
    for (const bad of ['', '{"qr":1}', '{no', licenseRefQr({ suite, chainId: CHAIN, credential: c })]) {
      assert.throws(() => readHandedOverCredential(bad), { code: 'LICENSE_CREDENTIAL_MALFORMED' }, bad)
    }
  })

  test("accepts the holder's genuine credential, checked against the record's proof", async () => {
    const ok = await check(x.lic.credential)
    assert.equal(ok.licenseId, x.lic.id)
    assert.equal(ok.typeCode, TYPE.code)
    assert.equal(ok.verdict.verdict, 'valid')
    assert.deepEqual(fetched, [x.lic.id])
  })

  test("refuses another holder's, an unknown type's, a tampered and an unrecorded credential", async () => {
    fetched.length = 0
    await refused(check(x.lic.credential, { holder: 'did:govchain:someoneElse' }), 'LICENSE_NOT_HOLDER')
    await refused(check(x.lic.credential, { typeCodes: new Set() }), 'LICENSE_TYPE_NOT_FOUND')
    await refused(check('not a credential'), 'LICENSE_CREDENTIAL_MALFORMED')
    // Refused before any network read.
    assert.deepEqual(fetched, [])
    // A disclosure's value changed: no longer covered by the signed digests.
    const parts = x.lic.credential.split('~')
    const d = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as [string, string, unknown]
    d[2] = '伪造企业有限公司'
    parts[1] = Buffer.from(JSON.stringify(d)).toString('base64url')
    await refused(check(parts.join('~')), 'LICENSE_DISCLOSURE_INVALID')
    // A credential of the same holder and type that the chain never recorded: the proof shows no record.
    const unrecorded = issued(suite).lic
    const absent = provenRecord(suite, recordOf(suite, x), 42, NOW + 60_000, unrecorded.id)
    await refused(
      check(unrecorded.credential, { trustedValidatorSet: absent.set, fetchProof: async () => absent.proof }),
      'LICENSE_NOT_FOUND',
    )
    // A proof the trusted validators did not sign: undecided, so not kept.
    await refused(check(x.lic.credential, { trustedValidatorSet: makeValidators(suite, 4).set }), 'CERTIFICATE_INVALID')
  })
})
