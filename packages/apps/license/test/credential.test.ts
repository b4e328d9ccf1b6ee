/**
 * Licence identifiers, base45 (RFC 9285 vectors), the QR codec and the credential parser:
 * round trips, and property tests that hostile input only ever yields a coded GovchainError
 * (or an `invalid` verdict), never another exception, and is never mutated.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { GovchainError, suites } from '@govchain/core'
import fc from 'fast-check'
import {
  base45Decode,
  base45Encode,
  base64urlDecode,
  base64urlEncode,
  credentialFromQr,
  credentialToQr,
  decodeLicenseQr,
  encodeLicenseQr,
  evaluateLicense,
  issueLicenseCredential,
  parseSdJwt,
  presentSdJwt,
} from '../src/credential.ts'
import { licenseId, licenseIdWithVersion, mod3736Check, parseLicenseId } from '../src/schema.ts'
import { sampleCredential, BUSINESS_TYPE as TYPE } from './credential-fixture.ts'

function coded(e: unknown): boolean {
  assert.ok(e instanceof GovchainError, `expected a GovchainError, got ${String(e)}`)
  return true
}

describe('licence identifier (GB/T 36904 style)', () => {
  test('builds, parses and checks the MOD 37,36 check character', () => {
    const id = licenseId({ typeCode: TYPE.code, issuerCode: '11110108MB0143028X', serial: '0123456789', version: 1 })
    assert.match(id, /^1\.2\.156\.3005\.2\.111101080000791900001\.11110108MB0143028X\.0123456789\.001\.[0-9A-Z]$/)
    assert.deepEqual(parseLicenseId(id), {
      typeCode: TYPE.code,
      issuerCode: '11110108MB0143028X',
      serial: '0123456789',
      version: 1,
    })
    assert.equal(parseLicenseId(licenseIdWithVersion(id, 2))?.version, 2)
    // Every single-character substitution in the body is caught by the check character.
    const body = id.slice(0, -2)
    for (let i = 15; i < body.length; i++) {
      if (body[i] === '.') continue
      const swapped = `${body.slice(0, i)}${body[i] === '7' ? '8' : '7'}${body.slice(i + 1)}${id.slice(-2)}`
      assert.equal(parseLicenseId(swapped), undefined, `substitution at ${i}`)
    }
    assert.equal(mod3736Check('0'), mod3736Check('0'))
    assert.throws(() => licenseId({ typeCode: 'x', issuerCode: '1', serial: '1', version: 0 }), coded)
  })
})

describe('base45 and base64url', () => {
  test('RFC 9285 examples', () => {
    const enc = new TextEncoder()
    assert.equal(base45Encode(enc.encode('AB')), 'BB8')
    assert.equal(base45Encode(enc.encode('Hello!!')), '%69 VD92EX0')
    assert.equal(base45Encode(enc.encode('base-45')), 'UJCLQE7W581')
    assert.equal(new TextDecoder().decode(base45Decode('QED8WEX0')), 'ietf!')
    assert.throws(() => base45Decode('GGW'), coded) // 65535 < value: out of range
  })
  test('round trips; base64url is strict', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        assert.deepEqual(base45Decode(base45Encode(b)), b)
        assert.deepEqual(base64urlDecode(base64urlEncode(b)), b)
      }),
    )
    assert.throws(() => base64urlDecode('AB'), coded) // non-zero pad bits
    assert.throws(() => base64urlDecode('A=='), coded)
  })
  test("base64url decoding agrees with Node's decoder on canonical text and refuses all else", () => {
    // Node's Buffer (an independent decoder) is lenient; canonical = it re-encodes to the same text.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .'
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 }), (text) => {
        const theirs = Buffer.from(text, 'base64url')
        const canonical = /^[A-Za-z0-9_-]*$/.test(text) && theirs.toString('base64url') === text
        if (canonical) assert.deepEqual(base64urlDecode(text), new Uint8Array(theirs))
        else assert.throws(() => base64urlDecode(text), coded)
      }),
      { numRuns: 5000 },
    )
  })
})

for (const suite of [suites.intl, suites.gm]) {
  describe(`credentials and QR payloads (${suite.name})`, () => {
    const key = suite.generateKeyPair()
    const { id, cred } = sampleCredential(suite, 'c1', key.privateKey)

    test('parses, presents, and round-trips through the QR codec exactly', () => {
      const p = parseSdJwt(suite, cred.credential)
      assert.equal(p.payload.jti, id)
      assert.equal(p.payload.exp, undefined)
      assert.equal(p.disclosures.length, 2)
      const shown = presentSdJwt(suite, cred.credential, ['enterpriseName'])
      assert.equal(parseSdJwt(suite, shown).disclosures.length, 1)
      assert.equal(credentialFromQr(credentialToQr(shown)), shown)
      const qr = encodeLicenseQr({ type: 'full', value: { chainId: 'c1', credential: credentialToQr(shown) } })
      const back = decodeLicenseQr(qr)
      assert.equal(back.type === 'full' ? credentialFromQr(back.value.credential) : '', shown)
      assert.throws(
        () =>
          issueLicenseCredential({
            suite,
            chainId: 'c1',
            privateKey: key.privateKey,
            id,
            type: TYPE,
            issuer: { orgId: 'market' },
            holder: 'did:govchain:abc',
            validFromMs: 0,
            validUntilMs: 0,
            issuedAtMs: 0,
            fields: { legalRepresentative: 'x' },
          }),
        coded,
      )
    })

    test('hostile credentials and QR payloads: coded errors or an invalid verdict, inputs untouched', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 0, max: cred.credential.length }), (junk, cut) => {
          for (const text of [junk, cred.credential.slice(0, cut) + junk, `GCL1:${junk.toUpperCase()}`]) {
            try {
              parseSdJwt(suite, text)
            } catch (e) {
              coded(e)
            }
            try {
              decodeLicenseQr(text)
            } catch (e) {
              coded(e)
            }
            const v = evaluateLicense({
              suite,
              chainId: 'c1',
              credential: text,
              record: undefined,
              atHeight: 1,
              atTimeMs: 0,
            })
            assert.equal(v.valid, false)
          }
        }),
        { numRuns: 200 },
      )
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
          const copy = b.slice()
          try {
            decodeLicenseQr(`GCL1:${base45Encode(b)}`)
          } catch (e) {
            coded(e)
          }
          assert.deepEqual(b, copy)
        }),
        { numRuns: 300 },
      )
    })
  })
}
