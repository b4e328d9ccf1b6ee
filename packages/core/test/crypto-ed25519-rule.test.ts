/**
 * govchain's Ed25519 acceptance rule (ADR 0013) on its three implementations: libsodium
 * (sodium-native, the node's verifier), OpenSSL after the rule's encoding checks (the node
 * without sodium-native), and the pure-JS rule on @noble/curves (browsers). Validators must
 * agree on every signature an attacker can build, so the three are held to the same verdicts:
 * on the ed25519-speccheck vectors (whose published results for libsodium and OpenSSL 3.0 are
 * checked too, so the vectors and the libraries are the ones the paper ran), on every
 * small-order and non-canonical encoding, and on random and mutated signatures.
 */
import assert from 'node:assert/strict'
import { createPublicKey, randomBytes, verify } from 'node:crypto'
import { describe, it } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { toHex } from '../src/bytes.ts'
import {
  ed25519Acceptable,
  ed25519VerifyRule,
  isCanonicalPointEncoding,
  isSmallOrderEncoding,
} from '../src/crypto/ed25519-rule.ts'
import { ed25519Verifiers } from '../src/crypto/node.ts'
import { ed25519Backend, jsSuites, suites } from '../src/index.ts'
import { hx, loadVectors, VectorRun } from './vectors/runner.ts'

const Point = ed25519.Point
const L = Point.Fn.ORDER
const P = Point.Fp.ORDER

type Verify = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean
const libsodium = ed25519Verifiers.libsodium
const VERIFIERS: [string, Verify][] = [
  ['openssl+rule', ed25519Verifiers.openssl],
  ['js rule', ed25519VerifyRule],
  ['node suite', (p, m, s) => suites.intl.verify(p, m, s)],
  ['js suite', (p, m, s) => jsSuites.intl.verify(p, m, s)],
]
if (libsodium) VERIFIERS.unshift(['libsodium', libsodium])

/** OpenSSL alone, without the rule's checks: what Node's crypto.verify says. */
const opensslRaw: Verify = (pub, msg, sig) => {
  const x = Buffer.from(pub).toString('base64url')
  return verify(null, msg, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }), sig)
}

function verdicts(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const [name, v] of VERIFIERS) out[name] = v(pub, msg, sig)
  return out
}

function assertAgree(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array, expected?: boolean): boolean {
  const v = verdicts(pub, msg, sig)
  const first = Object.values(v)[0]!
  for (const [name, got] of Object.entries(v)) {
    assert.equal(got, first, `${name} disagrees: ${JSON.stringify(v)} pub=${toHex(pub)} sig=${toHex(sig)}`)
  }
  if (expected !== undefined) assert.equal(first, expected, `verdict ${first}, expected ${expected}`)
  return first
}

const le32 = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}
const leNum = (b: Uint8Array): bigint => b.reduceRight((acc: bigint, x: number) => (acc << 8n) | BigInt(x), 0n)

/** The 8 points of order dividing 8, from one point of order 8. */
function torsionPoints(): InstanceType<typeof Point>[] {
  const t8 = Point.fromBytes(hx('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'))
  const out = [Point.ZERO]
  for (let i = 1; i < 8; i++) out.push(out[i - 1]!.add(t8))
  return out
}

describe('Ed25519 acceptance rule', () => {
  it('runs on libsodium in Node (GOVCHAIN_CRYPTO_NATIVE=0: on OpenSSL after the rule)', () => {
    if (process.env.GOVCHAIN_CRYPTO_NATIVE === '0') {
      assert.equal(ed25519Backend().backend, 'openssl')
      assert.equal(libsodium, undefined)
    } else {
      assert.equal(ed25519Backend().backend, 'libsodium', `sodium-native did not load: ${ed25519Backend().error}`)
      assert.ok(libsodium)
    }
  })

  it('ed25519-speccheck vectors: published libsodium and OpenSSL 3.0 verdicts; every implementation of the rule gives libsodium’s', () => {
    const v = loadVectors<{
      expected: { libsodium: string; 'openssl-3.0': string }
      vectors: { index: number; message: string; publicKey: string; signature: string }[]
    }>('./ed25519-speccheck.json')
    assert.equal(v.vectors.length, 12)
    const want = v.expected.libsodium.split(' ').map((c) => c === 'V')
    const opensslWant = v.expected['openssl-3.0'].split(' ').map((c) => c === 'V')
    const run = new VectorRun('ed25519-speccheck', 12 * 2)
    for (const t of v.vectors) {
      const [pub, msg, sig] = [hx(t.publicKey), hx(t.message), hx(t.signature)]
      run.check(`vector ${t.index} rule`, () => assertAgree(pub, msg, sig, want[t.index]))
      run.check(`vector ${t.index} OpenSSL 3 alone`, () =>
        assert.equal(opensslRaw(pub, msg, sig), opensslWant[t.index]),
      )
    }
    run.done()
  })

  it('the small-order encodings are exactly those of the 8 torsion points and their non-canonical aliases', () => {
    const masked = (b: Uint8Array) => {
      const c = b.slice()
      c[31]! &= 0x7f
      return toHex(c)
    }
    const expected = new Set<string>()
    for (const t of torsionPoints()) {
      assert.equal(t.isSmallOrder(), true)
      const enc = t.toBytes()
      expected.add(masked(enc))
      const y = leNum(enc) & ((1n << 255n) - 1n)
      if (y + P < 1n << 255n) expected.add(toHex(le32(y + P))) // non-canonical alias
    }
    assert.equal(expected.size, 7)
    for (const h of expected) {
      const b = hx(h)
      assert.equal(isSmallOrderEncoding(b), true, h)
      b[31]! |= 0x80
      assert.equal(isSmallOrderEncoding(b), true, `${h} with the sign bit`)
    }
    // Random encodings (a point of order 8 has probability 0) are not small order.
    for (let i = 0; i < 200; i++) assert.equal(isSmallOrderEncoding(randomBytes(32)), false)
  })

  it('canonical encodings: y < p and S < L at the boundaries', () => {
    assert.equal(isCanonicalPointEncoding(le32(P - 1n)), true)
    assert.equal(isCanonicalPointEncoding(le32(P)), false)
    assert.equal(isCanonicalPointEncoding(le32((1n << 255n) - 1n)), false)
    const sig = (s: bigint) => Uint8Array.from([...new Uint8Array(32).fill(0x11), ...le32(s)])
    const pub = ed25519.getPublicKey(randomBytes(32))
    assert.equal(ed25519Acceptable(pub, sig(L - 1n)), true)
    assert.equal(ed25519Acceptable(pub, sig(L)), false)
  })

  it('every small-order key and every small-order R is rejected, with any S, by every implementation', () => {
    const msg = Uint8Array.of(1, 2, 3)
    const honest = randomBytes(32)
    const honestPub = ed25519.getPublicKey(honest)
    for (const t of torsionPoints()) {
      const enc = t.toBytes()
      for (const s of [0n, 1n, L - 1n]) {
        // small A, small R, S = s: the cofactored equation accepts some of these
        assertAgree(enc, msg, Uint8Array.from([...enc, ...le32(s)]), false)
      }
      // small R with an honest key
      const good = ed25519.sign(msg, honest)
      assertAgree(honestPub, msg, Uint8Array.from([...enc, ...good.subarray(32)]), false)
    }
  })

  it('S + L (non-canonical S) and a key with y + p are rejected everywhere', () => {
    const priv = randomBytes(32)
    const pub = ed25519.getPublicKey(priv)
    const msg = randomBytes(40)
    const sig = ed25519.sign(msg, priv)
    assertAgree(pub, msg, sig, true)
    const s = leNum(sig.subarray(32))
    if (s + L < 1n << 256n) assertAgree(pub, msg, Uint8Array.from([...sig.subarray(0, 32), ...le32(s + L)]), false)
    // Keys whose y < 19 have an alias y + p; honest keys never do, so build one: y = 2, 3, ...
    for (let y = 2n; y < 19n; y++) {
      const alias = le32(y + P)
      assertAgree(alias, msg, sig, false)
    }
  })

  it('property: honest signatures verify everywhere; mutated ones get the same verdict everywhere', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.constantFrom('sig', 'pub', 'msg'),
        (priv, msg, bit, where) => {
          const pub = ed25519.getPublicKey(priv)
          const sig = ed25519.sign(msg, priv)
          assertAgree(pub, msg, sig, true)
          const target = where === 'sig' ? sig.slice() : where === 'pub' ? pub.slice() : msg.slice()
          if (target.length === 0) return
          const i = bit % (target.length * 8)
          target[i >> 3]! ^= 1 << (i & 7)
          const [p, m, s] =
            where === 'sig' ? [pub, msg, target] : where === 'pub' ? [target, msg, sig] : [pub, target, sig]
          assertAgree(p, m, s)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('property: keys and R with a torsion component (mixed order) get the cofactorless verdict everywhere', () => {
    const torsion = torsionPoints()
    let accepted = 0
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        (priv, msg, ti, onKey) => {
          const pub = ed25519.getPublicKey(priv)
          const sig = ed25519.sign(msg, priv)
          const T = torsion[ti]!
          if (onKey) {
            // A' = A + T, signed by the holder of a with A' in the hash (the attacker's own key):
            // [S]B - [k]A' = R - [k]T, so cofactorless accepts iff [k]T = O (k is a hash).
            const { scalar: a } = ed25519.utils.getExtendedPublicKey(priv)
            const pub2 = Point.fromBytes(pub).add(T).toBytes()
            const r = (leNum(sha512(Uint8Array.from([...priv, ...msg]))) % (L - 1n)) + 1n
            const R = Point.BASE.multiply(r).toBytes()
            const k = leNum(sha512(Uint8Array.from([...R, ...pub2, ...msg]))) % L
            const S = (r + k * a) % L
            const expected = T.multiplyUnsafe(k).is0()
            assert.equal(assertAgree(pub2, msg, Uint8Array.from([...R, ...le32(S)])), expected)
            if (expected) accepted++
          } else {
            // R' = R + T: the cofactored equation would accept it; the rule must not.
            const r2 = Point.fromBytes(sig.subarray(0, 32)).add(T).toBytes()
            assertAgree(pub, msg, Uint8Array.from([...r2, ...sig.subarray(32)]), false)
          }
        },
      ),
      { numRuns: 300 },
    )
    // The key case is a coin flip weighted by T's order (k is a hash): both outcomes occur.
    assert.ok(accepted > 0, 'no mixed-order key verdict was an accept: the case is not exercised')
  })
})
