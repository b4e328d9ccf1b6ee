/**
 * The short 亮证 QR (docs/adr/0025): the holder-signed presentation token over a real
 * in-process chain (identity and license modules). Signed and verified by the route and the
 * pure evaluation; a standard library (jose) verifies the same detached JWS; expired, wrong
 * key, another DID, altered claims, another verifier and malformed input each give their own
 * code and change nothing; the URL's length is measured.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { isErrorCode, suites } from '@govchain/core'
import type { LicenseKeeper } from '@govchain/distribution'
import { tx } from '@govchain/distribution/testkit'
import { CreateDidArgs, deriveDid, IDENTITY_MODULE } from '@govchain/identity/schema'
import fc from 'fast-check'
import { flattenedVerify, importJWK } from 'jose'
import QRCode from 'qrcode'
import { base64urlEncode, publicKeyJwk } from '../src/credential.ts'
import {
  evaluatePresentation,
  type LicensePresentation,
  PRESENTATION_LIMITS,
  parsePresentationUrl,
  presentationPayload,
  presentationUrl,
  signPresentation,
} from '../src/presentation.ts'
import { LICENSE_MODULE } from '../src/schema.ts'
import { type Env, NOW, setup, suite } from './routes-fixtures.ts'

const AUD = 'https://zwfw.example.gov.cn/verify'

describe('short QR presentation', () => {
  let env: Env
  before(() => {
    env = setup()
  })
  after(() => env.server.close())

  const sign = (over: Partial<Parameters<typeof signPresentation>[0]> = {}): LicensePresentation =>
    signPresentation({
      suite,
      privateKey: env.holderKey.privateKey,
      holder: env.holder,
      licenseId: env.id,
      audience: AUD,
      nowMs: NOW,
      ...over,
    })
  const verify = async (url: string, audience = AUD) => {
    const r = await env.server.inject({
      method: 'POST',
      url: '/v1/licenses/presentations/verify',
      payload: { url, audience, prove: false },
    })
    assert.equal(r.statusCode, 200, r.body)
    return r.json() as { valid: boolean; verdict: string; reasons: string[]; holder: string | null }
  }

  test('the holder signs, the URL is short, the node says valid, jose verifies the same JWS', async () => {
    const p = sign()
    const url = presentationUrl(AUD, p)
    const version = (level: 'L' | 'M') => QRCode.create(url, { errorCorrectionLevel: level }).version
    // The longest licence ids (a USCC-based type code) on a 34-character verify URL.
    console.log(`short QR URL: ${url.length} chars, QR version ${version('L')} (L) / ${version('M')} (M): ${url}`)
    assert.ok(url.length <= 320, `URL is ${url.length} chars`)
    assert.ok(version('M') <= 13, 'a low-density QR (69×69 modules or fewer at level M)')
    assert.equal(p.exp - p.iat, PRESENTATION_LIMITS.defaultLifetimeS)
    assert.deepEqual(parsePresentationUrl(url), { audience: AUD, presentation: p })
    const v = await verify(url)
    assert.equal(v.verdict, 'valid', JSON.stringify(v))
    assert.equal(v.holder, env.holder)
    // A standard JOSE library checks the detached JWS (RFC 7515 Appendix F) with the payload rebuilt.
    const [protectedHeader, , signature] = p.t.split('.') as [string, string, string]
    const key = await importJWK({ ...publicKeyJwk(suite, env.holderKey.publicKey) }, 'EdDSA')
    const payload = base64urlEncode(new TextEncoder().encode(presentationPayload(p, AUD)))
    const ok = await flattenedVerify({ protected: protectedHeader, payload, signature }, key)
    assert.deepEqual(JSON.parse(new TextDecoder().decode(ok.payload)), {
      iss: env.holder,
      sub: env.id,
      aud: AUD,
      iat: p.iat,
      exp: p.exp,
      jti: p.jti,
    })
    assert.equal(ok.protectedHeader?.alg, 'EdDSA')
    // Two tokens a second apart differ (fresh nonce): each screen is new.
    assert.notEqual(sign().jti, p.jti)
  })

  test('expired, not yet valid, wrong key, another DID, altered claims, another verifier', async () => {
    const expired = await verify(presentationUrl(AUD, sign({ nowMs: NOW - 61_000 - PRESENTATION_LIMITS.skewS * 1000 })))
    assert.equal(expired.verdict, 'presentation_expired')
    assert.deepEqual(expired.reasons, ['LICENSE_PRESENTATION_EXPIRED'])
    // Within the skew it still passes (the phone's clock may be a little behind).
    assert.equal((await verify(presentationUrl(AUD, sign({ nowMs: NOW - 61_000 })))).verdict, 'valid')
    const future = await verify(presentationUrl(AUD, sign({ nowMs: NOW + 60_000 })))
    assert.deepEqual(future.reasons, ['LICENSE_PRESENTATION_NOT_YET_VALID'])
    assert.equal(future.verdict, 'invalid')

    const stranger = suite.generateKeyPair()
    const wrongKey = await verify(presentationUrl(AUD, sign({ privateKey: stranger.privateKey })))
    assert.deepEqual(wrongKey.reasons, ['LICENSE_PRESENTATION_BAD_SIGNATURE'])
    assert.equal(wrongKey.verdict, 'invalid')

    const other = suite.generateKeyPair()
    const otherDid = deriveDid(suite, other.publicKey)
    env.g.step([tx(suite, other, IDENTITY_MODULE, 'createDid', CreateDidArgs, {})])
    const root = env.g.stateRoot()
    const mismatch = await verify(presentationUrl(AUD, sign({ privateKey: other.privateKey, holder: otherDid })))
    assert.deepEqual(mismatch.reasons, ['LICENSE_PRESENTATION_HOLDER_MISMATCH'])
    assert.equal(mismatch.verdict, 'invalid')

    const p = sign()
    for (const altered of [
      { ...p, exp: p.exp + 60 },
      { ...p, iat: p.iat - 1 },
      { ...p, jti: 'AAAAAAAAAAAAAAAA' },
    ]) {
      const v = await verify(presentationUrl(AUD, altered))
      assert.deepEqual(v.reasons, ['LICENSE_PRESENTATION_BAD_SIGNATURE'], JSON.stringify(altered))
    }
    // Signed for another portal: not accepted here.
    const elsewhere = await verify(presentationUrl(AUD, p), 'https://evil.example.com/verify')
    assert.deepEqual(elsewhere.reasons, ['LICENSE_PRESENTATION_BAD_SIGNATURE'])
    // Another licence id (the holder's signature names one licence).
    const otherId = env.id.replace(/\.0000000001\./, '.0000000002.')
    const moved = await verify(presentationUrl(AUD, { ...p, c: otherId }))
    assert.equal(moved.verdict, 'invalid')
    assert.equal(env.g.stateRoot().toString(), root.toString(), 'verification changes nothing')
  })

  test('malformed presentations are invalid with LICENSE_PRESENTATION_MALFORMED; never a 5xx', async () => {
    const p = sign()
    const good = presentationUrl(AUD, p)
    const cases = [
      'not a url',
      `${AUD}?c=${encodeURIComponent(env.id)}`,
      good.replace(/&t=[^&]+/, ''),
      good.replace(/iat=\d+/, 'iat=abc'),
      presentationUrl(AUD, { ...p, t: p.t.replace('..', '.e30.') }),
      presentationUrl(AUD, { ...p, t: `${base64urlEncode(new TextEncoder().encode('{"alg":"none"}'))}..` }),
      presentationUrl(AUD, {
        ...p,
        t: `${base64urlEncode(new TextEncoder().encode('{"alg":"SM2SM3"}'))}..${p.t.split('..')[1]}`,
      }),
      presentationUrl(AUD, { ...p, exp: p.iat + 3600 }),
      presentationUrl(AUD, { ...p, jti: 'short' }),
      presentationUrl(AUD, { ...p, iss: 'did:web:example.com' }),
      presentationUrl(AUD, { ...p, c: '1.2.3' }),
    ]
    for (const url of cases) {
      const v = await verify(url)
      assert.equal(v.verdict, 'invalid', url)
      assert.deepEqual(v.reasons, ['LICENSE_PRESENTATION_MALFORMED'], url)
    }
    assert.throws(() => sign({ lifetimeS: PRESENTATION_LIMITS.maxLifetimeS + 1 }), /INVALID_ARGUMENT|lifetime/)
    const bad = await env.server.inject({
      method: 'POST',
      url: '/v1/licenses/presentations/verify',
      payload: { url: good },
    })
    assert.equal(bad.statusCode, 400)
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.string({ maxLength: 200 }), async (value, s) => {
        for (const payload of [
          JSON.stringify(value) ?? 'null',
          JSON.stringify({ url: `${AUD}?${s}`, audience: AUD }),
        ]) {
          const r = await env.server.inject({
            method: 'POST',
            url: '/v1/licenses/presentations/verify',
            payload,
            headers: { 'content-type': 'application/json' },
          })
          assert.ok(r.statusCode < 500, `${payload} → ${r.statusCode} ${r.body}`)
          if (r.statusCode >= 400) assert.ok(isErrorCode((r.json() as { code: string }).code), r.body)
        }
      }),
      { numRuns: 100 },
    )
  })

  test('gm: SM2 with SM3 (alg SM2SM3), the same checks', () => {
    const gm = suites.gm
    const k = gm.generateKeyPair()
    const did = deriveDid(gm, k.publicKey)
    const record = { ...env.g.keeper<LicenseKeeper>(LICENSE_MODULE).license(env.id)!, holder: did }
    const p = signPresentation({
      suite: gm,
      privateKey: k.privateKey,
      holder: did,
      licenseId: env.id,
      audience: AUD,
      nowMs: NOW,
    })
    const url = presentationUrl(AUD, p)
    console.log(`short QR URL (gm): ${url.length} chars`)
    assert.ok(url.length <= 320)
    assert.match(p.t, /^eyJhbGciOiJTTTJTTTMifQ\.\./) // {"alg":"SM2SM3"}
    const run = (over: Partial<Parameters<typeof evaluatePresentation>[0]> = {}) =>
      evaluatePresentation({
        suite: gm,
        audience: AUD,
        presentation: p,
        record,
        holderKeys: [k.publicKey],
        nowMs: NOW,
        atHeight: 5,
        atTimeMs: env.g.timeMs,
        ...over,
      })
    assert.equal(run().verdict, 'valid')
    assert.deepEqual(run({ nowMs: NOW + 120_000 }).reasons, ['LICENSE_PRESENTATION_EXPIRED'])
    assert.deepEqual(run({ holderKeys: [gm.generateKeyPair().publicKey] }).reasons, [
      'LICENSE_PRESENTATION_BAD_SIGNATURE',
    ])
    assert.deepEqual(run({ holderKeys: [] }).reasons, ['LICENSE_PRESENTATION_BAD_SIGNATURE'])
    assert.deepEqual(run({ record: undefined }).reasons, ['LICENSE_NOT_FOUND'])
    // An Ed25519-signed token on an SM2 chain is malformed (alg), not merely a bad signature.
    assert.deepEqual(run({ presentation: sign() }).reasons, ['LICENSE_PRESENTATION_MALFORMED'])
    // A revoked licence: the token is fine, the verdict is the licence's status.
    assert.equal(run({ record: { ...record, status: 'revoked' } }).verdict, 'revoked')
  })
})
